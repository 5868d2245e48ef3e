"""Registered physics problems. ``get(name)`` returns the class; ``names()`` lists them."""

from __future__ import annotations

# Importing a problem module registers it.
from battchem.problems import (
    notched_plate,  # noqa: E402,F401
    particle_fracture,  # noqa: E402,F401
)
from battchem.problems.base import Problem, StepResult, get, names, register

__all__ = ["Problem", "StepResult", "get", "names", "register"]
