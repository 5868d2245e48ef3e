"""Inputs of void_growth: the Li metal, the electrode and the stripping protocol, for each model
(``model: vacancy_1d``: 1-D vacancy transport; ``model: creep_contact``: a 2-D unit cell of creeping
Li on a solid electrolyte with interfacial voids).

Sign convention: a positive current density strips Li from the electrode into the electrolyte.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from battchem import protocol
from battchem.config import BaseConfig, Model, NamedSet, Q, SteppingConfig
from battchem.materials import LITHIUM_CREEP, LITHIUM_ELECTROLYTE_INTERFACES, LITHIUM_METALS


class Metal(NamedSet):
    """Li metal: self-diffusivity and site density (a named set; any value given overrides it)."""

    sets: ClassVar[dict] = LITHIUM_METALS
    name: str = Q("Li_MesserNoack1975", "-", f"named set ({', '.join(LITHIUM_METALS)})")
    D: float | None = Q(None, "m^2/s", "Li self-diffusivity (vacancy transport)", gt=0)
    c0: float | None = Q(None, "mol/m^3", "Li site density (1/molar volume)", gt=0)


class Electrode(Model):
    """The 1-D electrode: its thickness, what lies behind it, and the mesh."""

    thickness: float = Q(2e-4, "m", "Li thickness L (semi-infinite when L >> sqrt(D t))", gt=0)
    back: Literal["blocked", "reservoir"] = Q(
        "blocked", "-", "blocked: a current collector (no flux at x = L); reservoir: c = c0 at x = L")
    elements: int = Q(200, "-", "number of elements", ge=4, le=1_000_000)
    grading: float = Q(0.05, "-", "size of the element at the interface relative to the one at the back "
                       "(1: uniform)", gt=0, le=1)


class Segment(protocol.Segment):
    """One protocol segment: stripping at a current density, or rest."""

    control: Literal["current", "rest"] = Q("current", "-", "current: strip at current_density; rest")
    current_density: float | None = Q(None, "A/m^2", "stripping current density (negative plates)",
                                      ge=-1e6, le=1e6)

    @model_validator(mode="after")
    def _complete(self):
        if self.control == "current" and self.current_density is None:
            raise ValueError("a current segment needs current_density")
        if self.control == "rest" and self.current_density is not None:
            raise ValueError("a rest segment has no current_density (remove it)")
        if self.duration is None:
            raise ValueError("give a duration")
        return self


class Operation(Model):
    """Protocol and the contact-loss criterion."""

    segments: list[Segment] = Q([Segment(control="current", current_density=10.0, duration=1e6)], "-",
                                "protocol segments (1 mA/cm² = 10 A/m²)")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=100000)
    contact_loss_fraction: float = Q(1e-3, "-", "contact is lost (the run ends, completed) when the Li site "
                                     "fraction at the interface falls to this (a void opens)", gt=0, lt=1)

    @model_validator(mode="after")
    def _some(self):
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        return self


class VacancyStepping(SteppingConfig):
    """Adaptive time steps (the change of the site fraction per step bounds them)."""

    dt_initial: float = Q(1.0, "s", "first step", gt=0)
    dt_min: float = Q(1e-6, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(3600.0, "s", "largest step", gt=0)
    target_change: float | None = Q(0.02, "-", "largest change of the site fraction per step", gt=0)


class Vacancy1DConfig(BaseConfig):
    """Input of void_growth with model vacancy_1d: vacancy-limited stripping of a Li electrode."""

    problem: Literal["void_growth"] = Q("void_growth", "-", "problem name")
    model: Literal["vacancy_1d"] = Q("vacancy_1d", "-", "vacancy_1d: 1-D Li self-diffusion to the interface")
    metal: Metal = Metal()
    electrode: Electrode = Electrode()
    operation: Operation = Operation()
    stepping: VacancyStepping = VacancyStepping()
    time_order: Literal[1, 2] = Q(2, "-", "BDF order in time (1: backward Euler)")


# --------------------------------------------------------------------------------------------
# model creep_contact


class LiCreep(NamedSet):
    """Power-law creep of Li, ε̇_e = ε̇_ref (σ_e/σ0)^n exp(−(Q/R)(1/T − 1/T_ref)) (a named set, one per
    input: the sets differ about 23x in rate; any value given overrides the set)."""

    sets: ClassVar[dict] = LITHIUM_CREEP
    name: str = Q("Li_Roy2021", "-", f"named set ({', '.join(LITHIUM_CREEP)})")
    strain_rate: float | None = Q(None, "1/s", "ε̇_ref: effective strain rate at σ_e = σ0 and T_ref", gt=0,
                                  le=1e6)
    reference_stress: float | None = Q(None, "Pa", "σ0", gt=0, le=1e10)
    exponent: float | None = Q(None, "-", "Norton exponent n", ge=1, le=20)
    activation_energy: float | None = Q(None, "J/mol", "Q", ge=0, le=1e6)
    reference_temperature: float | None = Q(None, "K", "T_ref at which strain_rate holds", gt=0, le=2000)
    regularization_rate: float = Q(1e-9, "1/s", "δ: the viscosity stops growing below this effective strain "
                                   "rate (ε̇_e² → ε̇_e² + δ²)", gt=0, le=1)


class Interface(NamedSet):
    """The Li | solid-electrolyte interface and the electrolyte's ionic conductivity (a named set)."""

    sets: ClassVar[dict] = LITHIUM_ELECTROLYTE_INTERFACES
    name: str = Q("Li_LLZO_Sharafi2017", "-", f"named set ({', '.join(LITHIUM_ELECTROLYTE_INTERFACES)})")
    conductivity: float | None = Q(None, "S/m", "ionic conductivity κ of the solid electrolyte", gt=0, le=1e4)
    resistance: float | None = Q(None, "Ohm m^2",
                                 "interfacial resistance Z (the Butler-Volmer slope at η = 0: "
                                 "i0 = RT/(F Z (α_a + α_c)))", gt=0, le=1e3)
    alpha_a: float | None = Q(None, "-", "anodic transfer coefficient", gt=0, le=1)
    alpha_c: float | None = Q(None, "-", "cathodic transfer coefficient", gt=0, le=1)
    molar_volume: float | None = Q(None, "m^3/mol", "Li molar volume V_m: Li consumed at j V_m/F", gt=0,
                                   le=1e-3)
    kinetics: Literal["butler_volmer", "linear"] = Q(
        "butler_volmer", "-", "butler_volmer: j = i0 [exp(α_a fη) − exp(−α_c fη)]; linear: j = η/Z")


class CellGeometry(Model):
    """The unit cell: one void, half of the spacing to the next, Li above, electrolyte below."""

    coordinates: Literal["plane_strain", "axisymmetric"] = Q(
        "plane_strain", "-", "plane_strain: parallel grooves (x across); axisymmetric: round voids (r, z), "
        "the cell a cylinder of radius spacing/2")
    spacing: float = Q(40e-6, "m", "distance between void centres (the cell spans half of it)", gt=0, le=1)
    li_thickness: float = Q(20e-6, "m", "Li thickness L above the interface", gt=0, le=1)
    electrolyte_thickness: float = Q(20e-6, "m", "solid-electrolyte thickness H below the interface", gt=0,
                                     le=1)
    mesh_size: float = Q(0.5e-6, "m", "element size along the interface and the void", gt=0, le=1)
    mesh_size_far: float = Q(4e-6, "m", "element size far from the interface", gt=0, le=1)

    @model_validator(mode="after")
    def _sizes(self):
        from battchem.config import check_cell_count

        if self.mesh_size > self.mesh_size_far:
            raise ValueError(f"mesh_size = {self.mesh_size:g} must be <= mesh_size_far = "
                             f"{self.mesh_size_far:g}")
        width = self.spacing / 2
        if self.mesh_size > width / 4:
            raise ValueError(f"mesh_size = {self.mesh_size:g} m: at least 4 elements across the cell "
                             f"(spacing/2 = {width:g} m) are needed")
        area = width * (self.li_thickness + self.electrolyte_thickness)
        check_cell_count(4 * area / self.mesh_size ** 2, "geometry.mesh_size")
        return self


class Voids(Model):
    """The initial void at the interface, centred on the cell's axis."""

    size: float = Q(10e-6, "m", "void width 2a at the interface (diameter when axisymmetric)", gt=0, le=1)
    height: float = Q(2.5e-6, "m", "void height b above the interface (0 for shape patch)", ge=0, le=1)
    shape: Literal["ellipse", "cap", "patch"] = Q(
        "ellipse", "-", "ellipse: half-ellipse of half-width a and height b (meets the interface at 90°); "
        "cap: circular cap of height b <= a; patch: a debonded flat patch (height 0, Roy et al. 2021)")


class CreepSegment(Segment):
    """One protocol segment: stripping at a current density, or rest (pressure only)."""

    control: Literal["current", "rest"] = Q("current", "-",
                                            "current: strip at current_density; rest: no current")
    current_density: float | None = Q(None, "A/m^2",
                                      "stripping current density over the cell (1 mA/cm² = 10 A/m²; "
                                      "negative plates)", ge=-1e5, le=1e5)


class CreepOperation(Model):
    """Stack pressure, temperature, the stripping protocol and when the run ends early."""

    stack_pressure: float = Q(1e6, "Pa", "pressure on the current-collector side of the Li", ge=0, le=1e9)
    temperature: float = Q(298.15, "K", "temperature (creep through Q, kinetics through F/RT)", gt=0, le=2000)
    segments: list[CreepSegment] = Q([CreepSegment(control="current", current_density=1.0,
                                                   duration=36000.0)], "-",
                                     "protocol segments (1 mA/cm² = 10 A/m²)")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=100000)
    contact_loss_fraction: float = Q(0.05, "-",
                                     "the run ends (completed) when the contact fraction falls to this",
                                     ge=0, lt=1)
    stop_when_closed: bool = Q(True, "-", "end the run (completed) when every void has closed")
    adhesion: float = Q(0.0, "Pa", "tensile normal traction the interface carries before it opens", ge=0,
                        le=1e9)
    active_set_iterations: int = Q(20, "-", "most openings re-solved within one step", ge=1, le=1000)

    @model_validator(mode="after")
    def _some(self):
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        return self


class Remeshing(Model):
    """When the Li mesh is rebuilt from its boundary (cells squashed by the motion)."""

    min_angle: float = Q(12.0, "degrees", "remesh when a cell's smallest angle falls below this", ge=0, lt=60)
    min_radius_ratio: float = Q(0.15, "-", "remesh when a cell's radius ratio 2r/R falls below this", ge=0,
                                lt=1)


class CreepStepping(SteppingConfig):
    """Adaptive time steps: the mesh may move a fraction target_change of its local edge length per step."""

    dt_initial: float = Q(1.0, "s", "first step", gt=0)
    dt_min: float = Q(1e-6, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(600.0, "s", "largest step", gt=0)
    target_change: float | None = Q(0.2, "-",
                                    "largest node motion per step, relative to the shortest edge at "
                                    "the node", gt=0)


class CreepContactConfig(BaseConfig):
    """Input of void_growth with model creep_contact: creep-fed contact of Li on a solid electrolyte."""

    problem: Literal["void_growth"] = Q("void_growth", "-", "problem name")
    model: Literal["creep_contact"] = Q("creep_contact", "-",
                                        "creep_contact: 2-D unit cell, power-law creep of "
                                        "Li, ionic current in the electrolyte, contact active set")
    geometry: CellGeometry = CellGeometry()
    voids: Voids = Voids()
    creep: LiCreep = LiCreep()
    interface: Interface = Interface()
    operation: CreepOperation = CreepOperation()
    remesh: Remeshing = Remeshing()
    stepping: CreepStepping = CreepStepping()

    @model_validator(mode="after")
    def _void_fits(self):
        g, v = self.geometry, self.voids
        if not v.size / 2 < g.spacing / 2 - g.mesh_size:
            raise ValueError(f"voids.size = {v.size:g} m leaves no contact: it must be smaller than "
                             f"geometry.spacing = {g.spacing:g} m by at least two elements")
        if v.shape == "patch" and v.height != 0:
            raise ValueError("voids.height must be 0 for a patch (a flat debonded patch)")
        if v.shape != "patch":
            if v.height < 2 * g.mesh_size:
                raise ValueError(f"voids.height = {v.height:g} m: at least 2 elements (geometry.mesh_size = "
                                 f"{g.mesh_size:g} m) are needed (or shape: patch for a flat one)")
            if v.height > 0.5 * g.li_thickness:
                raise ValueError(f"voids.height = {v.height:g} m must be at most half of "
                                 "geometry.li_thickness")
        if v.shape == "cap" and v.height > v.size / 2:
            raise ValueError("a cap is at most a half disk: voids.height must be <= voids.size / 2")
        return self
