"""Registered physics problems. ``get(name)`` returns the class; ``names()`` lists them."""

from __future__ import annotations

# Importing a problem module registers it.
from battchem.problems import (  # noqa: F401
    notched_plate,
    particle_fracture,
    plating,
    void_growth,
)
from battchem.problems.base import Problem, StepResult, get, names, register

__all__ = ["Problem", "StepResult", "get", "names", "register"]
