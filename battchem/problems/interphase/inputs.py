"""Inputs of interphase: the slab and its mesh, the solid electrolyte and its interphase with Li (named
sets), the Li side (a boundary or a soft layer), fast-growth seeds, the protocol, and the optional
phase-field fracture of the electrolyte.

Geometry: the electrolyte occupies depth 0 ≤ z ≤ thickness below the Li (z is x in 1-D, y in 2-D and
z in axisymmetry and 3-D); the Li touches the face z = 0 over 0 ≤ x ≤ contact_width (from the axis of an
axisymmetric pellet, or from a symmetry plane in 2-D; in 3-D the square 0 ≤ x, y ≤ contact_width from
two symmetry planes); the far face z = thickness is held in the
normal direction (the mid-plane of a symmetric Li | SE | Li cell, or a rigid current collector).
"""

from __future__ import annotations

import math
import warnings
from typing import ClassVar, Literal

from pydantic import model_validator

from battchem import protocol
from battchem.components.fracture import FractureInput
from battchem.config import BaseConfig, Model, NamedSet, Q, SolverConfig, SteppingConfig, check_cell_count
from battchem.materials import INTERPHASE_GROWTH, SOLID_ELECTROLYTES

KINDS = ("slab_1d", "slab_2d", "slab_axisym", "slab_3d")


class Geometry(Model):
    """The electrolyte slab, the Li contact and the mesh."""

    kind: Literal["slab_1d", "slab_2d", "slab_axisym", "slab_3d"] = Q(
        "slab_1d", "-", "slab_1d: laterally clamped film (1-D); slab_2d: plane-strain section; slab_axisym: "
        "axisymmetric pellet (r, z); slab_3d: a box (x, y lateral from symmetry planes, z depth)")
    thickness: float = Q(20e-6, "m", "electrolyte thickness modelled (depth)", gt=0)
    width: float = Q(20e-6, "m", "2-D: half-width of the section (axisym: pellet radius; 3-D: "
                        "half-width in x and in y)", gt=0)
    contact_width: float | None = Q(None, "m", "2-D: extent of the Li contact from the axis (null: the whole "
                                    "face; less than width: the contact has an edge; 3-D: the contact "
                                    "is the square x, y ≤ contact_width)", gt=0)
    mesh_size: float = Q(0.1e-6, "m", "element size in the growth band (resolve the front: ≤ "
                         "growth.front_width/2)", gt=0)
    coarse_mesh_size: float | None = Q(None, "m", "element size beyond the band (null: mesh_size)", gt=0)
    band_depth: float | None = Q(None, "m", "depth of the finely meshed band next to the Li (null: the whole "
                                 "thickness)", gt=0)
    lateral: Literal["clamped", "free"] = Q(
        "clamped", "-", "2-D: the side x = width is held laterally (an infinite slab) or free (a pellet's "
        "rim); 3-D: the sides x = width and y = width, each in its normal direction")
    lithium: Literal["boundary", "layer"] = Q(
        "boundary", "-", "the Li as a boundary (holds the reactant, carries the stack pressure) or as a soft "
        "elastic(-viscoplastic) layer meshed under the contact")
    lithium_thickness: float = Q(10e-6, "m", "lithium: layer: thickness of the Li layer", gt=0)

    @model_validator(mode="after")
    def _consistent(self):
        coarse = self.coarse_mesh_size if self.coarse_mesh_size is not None else self.mesh_size
        if coarse < self.mesh_size:
            raise ValueError(f"geometry.coarse_mesh_size = {coarse:g} must not be below geometry.mesh_size = "
                             f"{self.mesh_size:g} (allowed: >= mesh_size)")
        if self.mesh_size > self.thickness / 4:
            raise ValueError(f"geometry.mesh_size = {self.mesh_size:g} m: at least 4 elements across the "
                             f"thickness are needed (allowed: <= thickness/4 = {self.thickness / 4:g} m)")
        if self.kind == "slab_3d" and self.lithium == "layer":
            raise ValueError("geometry.lithium = 'layer' is not meshed in 3-D (allowed with geometry.kind "
                             "slab_3d: lithium: boundary)")
        if self.contact_width is not None and self.contact_width > self.width * (1 + 1e-12):
            raise ValueError(f"geometry.contact_width = {self.contact_width:g} m exceeds geometry.width = "
                             f"{self.width:g} m (allowed: <= width)")
        check_cell_count(self.cell_estimate(), "geometry.mesh_size and coarse_mesh_size (with thickness, "
                         "width, band_depth and lithium_thickness)")
        return self

    @property
    def dim(self) -> int:
        return {"slab_1d": 1, "slab_3d": 3}.get(self.kind, 2)

    @property
    def band(self) -> float:
        return min(self.band_depth, self.thickness) if self.band_depth is not None else self.thickness

    @property
    def contact(self) -> float:
        """Contact extent [m] (2-D); the whole width when not given."""
        return self.width if self.contact_width is None else min(self.contact_width, self.width)

    def cell_estimate(self) -> float:
        coarse = self.coarse_mesh_size if self.coarse_mesh_size is not None else self.mesh_size
        fine_depth, rest = self.band, max(self.thickness - self.band, 0.0)
        if self.lithium == "layer":
            fine_depth += self.lithium_thickness
        if self.dim == 1:
            return fine_depth / self.mesh_size + rest / coarse
        if self.dim == 3:  # 6 tetrahedra per cube of the local size
            h = self.mesh_size
            return 6 * self.width**2 * (fine_depth / h**3 + rest / coarse**3 + 1 / h**2)
        return 2 * self.width * (fine_depth / self.mesh_size**2 + rest / coarse**2 + 1 / self.mesh_size)


class Electrolyte(NamedSet):
    """The solid electrolyte (a named set; any value given here overrides the set's). Its phase-field
    toughness is G_c = K_IC² (1 − ν²)/E unless fracture.Gc is given."""

    sets: ClassVar[dict] = SOLID_ELECTROLYTES
    name: str = Q("LAGP_Tippens2019", "-", f"named set ({', '.join(SOLID_ELECTROLYTES)})")
    E: float | None = Q(None, "Pa", "Young's modulus", gt=0)
    nu: float | None = Q(None, "-", "Poisson's ratio", gt=-1, lt=0.5)
    K_IC: float | None = Q(None, "Pa m^0.5", "fracture toughness", gt=0)
    kappa: float | None = Q(None, "S/m", "ionic conductivity", gt=0)

    def toughness(self) -> float:
        """G_c = K_IC² (1 − ν²)/E [J/m²] (plane strain)."""
        v = self.resolved()
        return v.K_IC * v.K_IC * (1 - v.nu**2) / v.E  # a product: inf, not an OverflowError, for huge K_IC


class Interphase(NamedSet):
    """The interphase Li forms with the electrolyte: growth, transport, expansion and properties (a
    named set; any value given here overrides it), and how it relaxes (inputs, no set values).

    Growth law (1-D, reactant held at c_b): δ² + A δ = B t with B = 2 D_int c_b/n (diffusion) and
    A = B/front_rate (reaction at the front)."""

    sets: ClassVar[dict] = INTERPHASE_GROWTH
    name: str = Q("LAGP_Lewis2019", "-", f"named set ({', '.join(INTERPHASE_GROWTH)})")
    D_int: float | None = Q(None, "m^2/s", "diffusivity of the reactant (neutral Li, electrons) through the "
                            "interphase", ge=0)
    c_b: float | None = Q(None, "mol/m^3", "reactant concentration held at the Li side; the reference of the "
                          "front kinetics", gt=0)
    n: float | None = Q(None, "mol/m^3", "Li consumed per volume of electrolyte transformed", gt=0)
    front_rate: float | None = Q(None, "m/s", "front speed at c = c_b and no stress: the reaction-limited "
                                 "growth rate", ge=0)
    tunnelling_length: float | None = Q(None, "m", "an electronically insulating interphase: transport "
                                        "decays as exp(-depth/λ_t), growth self-limits at a few λ_t "
                                        "(0: none)", ge=0)
    expansion: float | None = Q(None, "-", "volume expansion ε_v of the transformed material (1 + ε_v = "
                                "V/V_0)", ge=0, le=2)
    E: float | None = Q(None, "Pa", "Young's modulus of the interphase", gt=0)
    nu: float | None = Q(None, "-", "Poisson's ratio of the interphase", gt=-1, lt=0.5)
    kappa: float | None = Q(None, "S/m", "ionic conductivity of the interphase", gt=0)
    expansion_kind: Literal["isotropic", "normal"] = Q(
        "isotropic", "-", "isotropic: stretch (1+ε_v)^(1/3) in every direction; normal: all of ε_v along the "
                          "normal of the Li interface (a layer that thickens without spreading)")
    D_pristine: float = Q(0.0, "m^2/s", "reactant diffusivity in the pristine electrolyte (D(ξ) = D_pristine "
                          "+ (D_int - D_pristine) ξ)", ge=0)
    viscosity: float | None = Q(None, "Pa s", "interphase relaxes by J2 flow, ε̇ = s/(2η) beyond the flow "
                                "stress (null: elastic)", gt=0)
    flow_stress: float = Q(0.0, "Pa", "flow stress σ_y of the interphase (0: Newtonian creep; > 0: "
                           "Perzyna viscoplasticity)", ge=0)
    activation_volume: float = Q(0.0, "m^3/mol", "stress feedback of the reaction, k = k0 exp(V_r σ_h/RT) "
                                 "(V_r > 0: compression slows growth)", ge=-1e-2, le=1e-2)
    toughness_ratio: float = Q(10.0, "-", "G_c of the interphase / G_c of the electrolyte (the interphase "
                               "barely cracks)", ge=1, le=1e6)


class Growth(Model):
    """Numerics and initial state of the growing front."""

    front_width: float = Q(0.2e-6, "m", "width ℓ of the diffuse front, ξ = 1/(1 + exp((z - z_f)/ℓ)) (resolve "
                           "it with mesh_size ≤ ℓ/2; the growth law is independent of ℓ ≪ thickness)", gt=0)
    initial_thickness: float = Q(0.6e-6, "m", "native interphase at the start (≥ 2 front widths: the "
                                 "reactant needs a path); stress free: only what grows later expands", gt=0)


class Lithium(Model):
    """The Li metal when meshed as a layer (geometry.lithium: layer)."""

    E: float = Q(7.81e9, "Pa", "Young's modulus (Anand & Narayan 2019 set fitted to LePage 2019, V-code)",
                 gt=0)
    nu: float = Q(0.38, "-", "Poisson's ratio (same set, V-code)", gt=-1, lt=0.5)
    viscosity: float | None = Q(None, "Pa s", "J2 flow ε̇ = s/(2η) beyond flow_stress (null: elastic)", gt=0)
    flow_stress: float = Q(0.0, "Pa", "flow stress (the same set's initial resistance is 0.95 MPa)", ge=0)


class Seed(Model):
    """A place of faster or earlier growth: a grain boundary (a band through the electrolyte, normal
    to the Li face, where the front rate and the diffusivity are multiplied by rate_factor; in 3-D a
    slab about the plane x = position) or a defect (a half-disk of interphase of radius ``size`` on
    the Li face at the start; in 3-D a hemisphere centred at x = position on the symmetry plane
    y = 0), about which growth is faster when it has a rate_factor."""

    kind: Literal["grain_boundary", "defect"] = Q("grain_boundary", "-", "grain_boundary or defect")
    position: float = Q(0.0, "m", "lateral position (distance from the axis; 3-D: x)", ge=0)
    size: float = Q(0.2e-6, "m", "grain boundary: half-width of the band; defect: radius", gt=0)
    rate_factor: float | None = Q(None, "-", "front rate and diffusivity multiplier f: grain boundary, 1 + "
                                  "(f − 1) exp(−(x − position)²/size²) (null: 5); defect, 1 + (f − 1) "
                                  "exp(−r²/size²) with r the distance from its centre (null: 1, a defect "
                                  "that only starts thicker)", ge=1, le=1e4)

    @property
    def factor(self) -> float:
        """rate_factor, or its default for the kind (5 for a grain boundary, 1 for a defect)."""
        if self.rate_factor is not None:
            return self.rate_factor
        return 5.0 if self.kind == "grain_boundary" else 1.0


class Segment(protocol.Segment):
    """One protocol segment: the Li side holds the reactant at c_b (hold), feeds it with a current
    (the reduction current that goes into the interphase), or is disconnected (rest)."""

    control: Literal["hold", "current", "rest"] = Q(
        "hold", "-", "hold: c = c_b at the contact; current: a flux j/F of reactant into the interphase; "
        "rest: none")
    current_density: float | None = Q(None, "A/m^2", "current: the current that feeds the interphase", gt=0,
                                      le=1e5)

    @model_validator(mode="after")
    def _complete(self):
        if self.control == "current" and self.current_density is None:
            raise ValueError("a current segment needs current_density")
        if self.control != "current" and self.current_density is not None:
            raise ValueError(f"a {self.control} segment has no current_density (remove it)")
        if self.duration is None:
            raise ValueError("give a duration")
        return self


class Operation(Model):
    """Protocol, stack pressure and temperature."""

    segments: list[Segment] = Q([Segment(control="hold", duration=3600.0)], "-", "protocol segments")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=100000)
    stack_pressure: float = Q(0.0, "Pa", "pressure on the Li side, carried through the slab to the far face "
                              "(a uniform prestress −p n⊗n: exact for a whole-face contact)", ge=0, le=1e10)
    temperature: float = Q(298.15, "K", "temperature (RT of the stress feedback)", gt=0)

    @model_validator(mode="after")
    def _some(self):
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        return self


class InterphaseFracture(FractureInput):
    """Phase-field fracture of the electrolyte (null: no damage). G_c from the electrolyte's K_IC."""

    Gc: float | None = Q(None, "J/m^2", "critical energy release rate (null: K_IC² (1 − ν²)/E of the "
                         "electrolyte)", gt=0)
    length_scale: float = Q(1e-6, "m", "regularisation length ℓ (resolve it: mesh_size ≤ ℓ/2; the strength "
                            "is about (3√3/16)√(E G_c/ℓ) for AT2)", gt=0)
    split: Literal["spectral", "volumetric_deviatoric", "none"] = Q(
        "spectral", "-", "tension/compression split: spectral (only tensile principal strains crack; the "
        "compressed interphase and front must not crack by shear, as the deviatoric part of "
        "volumetric_deviatoric would make them)")
    irreversibility: Literal["history", "variational_inequality"] = Q(
        "history", "-", "history: H = max ψ⁺ (DG0) drives d; variational_inequality: SNES VI d_n ≤ d ≤ 1")
    target_damage_change: float = Q(0.1, "-", "largest ‖Δd‖∞ per step (steps shrink while cracks run)", gt=0,
                                    le=1)
    initiation_damage: float = Q(0.9, "-", "the electrolyte counts as cracked when max d reaches this (time "
                                 "of first cracking)", gt=0, lt=1)
    crack_conductivity: float = Q(1e-4, "-", "κ of cracked material (d ≥ initiation_damage) / κ of intact; "
                                  "below that κ ((1 − d)² + this)", gt=0, le=1)
    stop_at_initiation: bool = Q(False, "-", "end the run (completed) at the first cracking")


class InterphaseStepping(SteppingConfig):
    """Adaptive time steps (the change of ξ per step bounds them)."""

    dt_initial: float = Q(0.01, "s", "first step", gt=0)
    dt_min: float = Q(1e-8, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(3600.0, "s", "largest step", gt=0)
    target_change: float | None = Q(0.1, "-", "largest change of ξ per step (the front moves ~0.4ℓ)", gt=0)
    # growth is left to target_change: while a crack runs the staggered loop needs many sweeps whatever
    # the step, so an iteration count says little about the step size
    easy_iterations: int = Q(10000, "-", "grow the step when a step needs at most this many iterations "
                             "(Newton, or staggered sweeps)", ge=1)


class InterphaseSolver(SolverConfig):
    """Solver settings. Staggered loops: u ⇄ d stops when ‖Δd‖∞ and the relative u-residual are below
    stagger_tol; with stress feedback, growth ⇄ mechanics stops when ‖Δξ‖∞ between sweeps is."""

    stagger_tol: float = Q(1e-4, "-", "tolerance of the staggered iterations", gt=0, lt=1)
    stagger_max_it: int = Q(500, "-", "staggered iteration limit per step (a running crack needs hundreds)",
                            ge=1)


class InterphaseConfig(BaseConfig):
    """Input of the interphase problem."""

    problem: Literal["interphase"] = Q("interphase", "-", "problem name")
    geometry: Geometry = Geometry()
    electrolyte: Electrolyte = Electrolyte()
    interphase: Interphase = Interphase()
    growth: Growth = Growth()
    lithium: Lithium = Lithium()
    seeds: list[Seed] = Q([], "-", "fast-growth seeds (2-D, 3-D)")
    operation: Operation = Operation()
    stepping: InterphaseStepping = InterphaseStepping()
    solver: InterphaseSolver = InterphaseSolver()
    fracture: InterphaseFracture | None = Q(None, "-", "phase-field fracture of the electrolyte (null: "
                                            "elastic)")
    time_order: Literal[1, 2] = Q(2, "-", "BDF order of the growth in time (1: backward Euler; creep is "
                                  "always backward Euler)")

    @model_validator(mode="after")
    def _rules(self):
        g, gr, f = self.geometry, self.growth, self.fracture
        if self.seeds and g.kind == "slab_1d":
            raise ValueError("seeds need a 2-D or 3-D geometry (allowed: geometry.kind slab_2d, slab_axisym "
                             "or slab_3d)")
        for i, seed in enumerate(self.seeds):
            if seed.position > g.width:
                raise ValueError(f"seeds.{i}.position = {seed.position:g} m lies beyond geometry.width "
                                 f"(allowed: <= {g.width:g})")
        if gr.initial_thickness < 2 * gr.front_width:
            raise ValueError(f"growth.initial_thickness = {gr.initial_thickness:g} m: at least two front "
                             f"widths (growth.front_width = {gr.front_width:g} m) are needed (allowed: >= "
                             f"{2 * gr.front_width:g} m)")
        if gr.initial_thickness >= 0.5 * g.thickness:
            raise ValueError(f"growth.initial_thickness = {gr.initial_thickness:g} m: the native interphase "
                             f"must stay below half the slab (allowed: < {0.5 * g.thickness:g} m)")
        if g.lithium == "layer" and any(seg.control == "current" for seg in self.operation.segments):
            raise ValueError("a current segment feeds the reactant through the Li boundary; with "
                             "geometry.lithium = 'layer' the Li is a body (allowed: hold and rest segments, "
                             "or lithium: boundary)")
        ip = self.interphase
        flow = (ip.viscosity is not None and ip.flow_stress > 0) or (
            g.lithium == "layer" and self.lithium.viscosity is not None and self.lithium.flow_stress > 0)
        if f is not None:
            if flow and f.split == "none":
                raise ValueError("fracture.split = 'none' solves the displacement in one linear step, but a "
                                 "flow stress makes it nonlinear (allowed: spectral, volumetric_deviatoric)")
            if g.kind == "slab_axisym" and f.irreversibility == "history":
                raise ValueError("fracture.irreversibility = 'history' stores ψ⁺ per cell, which "
                                 "axisymmetric hoop strains u_r/r do not keep constant (allowed: "
                                 "variational_inequality)")
            if f.length_scale < 2 * g.mesh_size * (1 - 1e-9):
                warnings.warn(f"fracture.length_scale = {f.length_scale:g} m is smaller than 2 × "
                              f"geometry.mesh_size = {2 * g.mesh_size:g} m: the mesh does not resolve the "
                              "crack; running anyway",
                              UserWarning, stacklevel=2)
        if gr.front_width < 2 * g.mesh_size * (1 - 1e-9):
            warnings.warn(f"growth.front_width = {gr.front_width:g} m is smaller than 2 × "
                          f"geometry.mesh_size = {2 * g.mesh_size:g} m: the front is not resolved and its "
                          "speed is wrong; running anyway",
                          UserWarning, stacklevel=2)
        if g.band < gr.initial_thickness + 4 * gr.front_width and g.band < g.thickness:
            raise ValueError(f"geometry.band_depth = {g.band:g} m does not hold the initial front (allowed: "
                             f">= growth.initial_thickness + 4 front widths = "
                             f"{gr.initial_thickness + 4 * gr.front_width:g} m)")
        if not math.isfinite(self.electrolyte.toughness()):
            raise ValueError("electrolyte.K_IC: G_c = K_IC² (1 − ν²)/E is not finite (allowed: a finite "
                             "toughness)")
        return self
