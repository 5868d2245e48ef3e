"""Inputs of notched_plate: plate and notch geometry, elastic constants, fracture model, loading.

Published set: Miehe, Hofacker & Welschinger 2010, CMAME 199, 2765 (E = 210 GPa, ν = 0.3,
G_c = 2.7 kJ/m², ℓ = 0.015 or 0.0075 mm).
"""

from __future__ import annotations

import warnings
from typing import Literal

from pydantic import model_validator

from battchem.components.fracture import FractureInput
from battchem.config import BaseConfig, Model, Q, SolverConfig, SteppingConfig, check_cell_count

# Published tension result (Miehe, Hofacker & Welschinger 2010, CMAME 199, 2765)
PUBLISHED_TENSION_PEAK = 0.70e3 / 1e-3  # N per m of thickness (0.70 kN/mm)
PUBLISHED_TENSION_PEAK_DISPLACEMENT = 5.5e-6  # m


class Geometry(Model):
    """Plate, notch and mesh."""

    side: float = Q(1e-3, "m", "side L of the square plate", gt=0)
    notch_length: float = Q(0.5e-3, "m", "length of the slit from the middle of the left edge", gt=0)
    thickness: float = Q(1e-3, "m", "out-of-plane thickness (forces and energies are for this thickness)",
                         gt=0)
    h_band: float = Q(7.5e-6, "m", "element size in the crack band (resolve ℓ: h_band ≤ ℓ/2)", gt=0)
    h_far: float = Q(5e-5, "m", "element size away from the band", gt=0)
    band_half_width: float = Q(6e-5, "m", "half-width of the refined band around the expected crack path",
                               gt=0)
    refine: int = Q(0, "-", "uniform parallel refinements after gmsh; gmsh meshes at 2^refine × the sizes",
                    ge=0, le=4)

    @model_validator(mode="after")
    def _consistent(self):
        if self.notch_length >= self.side:
            raise ValueError(f"notch_length = {self.notch_length:g} m must be smaller than "
                             f"side = {self.side:g} m")
        if self.h_far < self.h_band:
            raise ValueError(f"h_far = {self.h_far:g} m must be >= h_band = {self.h_band:g} m")
        if self.h_band > 0.1 * self.side:
            raise ValueError(f"h_band = {self.h_band:g} m is too coarse for a plate of side {self.side:g} m "
                             f"(allowed: <= {0.1 * self.side:g} m)")
        scale = 2.0**self.refine  # gmsh meshes at 2^refine times the final sizes
        band = min(2 * self.band_half_width, self.side)
        far, near = self.side / (self.h_far * scale), 1 / (self.h_band * scale)
        cells = 2 * far * far + 2 * self.side * band * near * near  # (products overflow to inf, ** raises)
        check_cell_count(cells, "geometry.side / h_band / h_far / band_half_width")
        return self


class Material(Model):
    """Isotropic linear elastic solid (Miehe 2010: λ = 121.15 GPa, μ = 80.77 GPa)."""

    E: float = Q(210e9, "Pa", "Young's modulus", gt=0)
    nu: float = Q(0.3, "-", "Poisson's ratio", gt=-1, lt=0.5)


class Loading(Model):
    """Displacement control of the top edge."""

    mode: Literal["tension", "shear"] = Q("tension", "-", "tension: top edge moved up; shear: moved right")
    end_displacement: float = Q(7e-6, "m", "final displacement of the top edge", gt=0)
    stop_when_broken: bool = Q(True, "-", "end the run (status completed) once the force has fallen "
                               "below 5 % of its peak")


class PlateStepping(SteppingConfig):
    """Load stepping; pseudo-time is the applied displacement [m]."""

    dt_initial: float = Q(5e-8, "m", "first displacement increment", gt=0)
    dt_min: float = Q(1e-9, "m", "smallest increment (a step that fails at it ends the run)", gt=0)
    dt_max: float = Q(5e-8, "m", "largest displacement increment", gt=0)
    # Growth is left to target_change: near a growing crack the staggered loop needs tens of
    # sweeps whatever the step, so an iteration count says nothing about the step size there.
    easy_iterations: int = Q(10000, "-", "grow the step when a load step needs at most this many Newton "
                             "iterations, summed over the staggered sweeps", ge=1)
    target_change: float | None = Q(0.1, "-", "largest ‖Δd‖∞ per load step (null: no control); a step "
                                    "above twice this is redone smaller", gt=0)


class PlateSolver(SolverConfig):
    """Solver settings; the staggered loop stops when ‖Δd‖∞ and the relative u-residual < stagger_tol."""

    stagger_tol: float = Q(1e-4, "-", "tolerance of the staggered iterations (‖Δd‖∞ and relative "
                           "u-residual)", gt=0, lt=1)
    stagger_max_it: int = Q(2000, "-", "staggered iteration limit per load step (unstable crack growth "
                            "needs hundreds at the step where the crack runs)", ge=1)


class NotchedPlateConfig(BaseConfig):
    """Input of the notched_plate problem."""

    problem: Literal["notched_plate"] = Q("notched_plate", "-", "problem name")
    geometry: Geometry = Geometry()
    material: Material = Material()
    fracture: FractureInput = FractureInput()
    loading: Loading = Loading()
    stepping: PlateStepping = PlateStepping()
    solver: PlateSolver = PlateSolver()

    @model_validator(mode="after")
    def _resolution(self):
        for message in resolution_warnings(self):
            warnings.warn(message, UserWarning, stacklevel=2)
        return self


def resolution_warnings(config: NotchedPlateConfig) -> list[str]:
    """Messages for a mesh that does not resolve ℓ (the run goes on)."""
    ell, h = config.fracture.length_scale, config.geometry.h_band
    out = []
    if ell < 2 * h:
        out.append(f"fracture.length_scale = {ell:g} m is smaller than 2 × geometry.h_band = {2 * h:g} m: "
                   f"the mesh does not resolve the crack profile (use h_band <= ℓ/2 = {ell / 2:g} m); "
                   "running anyway")
    if config.geometry.band_half_width < 2 * ell:
        out.append(f"geometry.band_half_width = {config.geometry.band_half_width:g} m is less than 2ℓ: "
                   "the damage profile leaves the refined band")
    return out
