"""Inputs of plating: the electrolyte, the Li | electrolyte interface, the cell, stack pressure and
the protocol, for each model (``model: cell_1d`` now; the phase-field model adds its sections).

Sign conventions (SI): a positive current density plates Li on the working electrode (x = L) and
strips it from the counter electrode (x = 0); the cell voltage is φ_s(working) − φ_s(counter), so
plating at a positive current gives a negative voltage.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from battchem import protocol
from battchem.config import BaseConfig, Model, NamedSet, Q, SteppingConfig, check_cell_count
from battchem.materials import (
    ELECTRODEPOSITION_MECHANICS,
    ELECTRODEPOSITION_SETS,
    ELECTROLYTES,
    LITHIUM_INTERFACES,
)


class Electrolyte(NamedSet):
    """Binary liquid electrolyte: a named set; any value given here overrides the set's."""

    sets: ClassVar[dict] = ELECTROLYTES
    name: str = Q("LiPF6_EC_EMC_Nyman2008", "-", f"named set ({', '.join(ELECTROLYTES)})")
    c0: float | None = Q(None, "mol/m^3", "initial (bulk) salt concentration", gt=0)
    D: float | None = Q(None, "m^2/s", "salt diffusivity (at c0)", gt=0)
    kappa: float | None = Q(None, "S/m", "ionic conductivity (at c0)", gt=0)
    t_plus: float | None = Q(None, "-", "cation transference number", ge=0, lt=1)
    concentration_dependent: bool = Q(False, "-", "use the set's fits D(c) and kappa(c) instead of constant "
                                      "values (then D and kappa may not be given)")
    temperature: float = Q(298.15, "K", "temperature", gt=0)

    @model_validator(mode="after")
    def _fits(self):
        if self.concentration_dependent:
            given = [k for k in ("D", "kappa") if getattr(self, k) is not None]
            if given:
                raise ValueError(f"electrolyte.{given[0]} is given but concentration_dependent is true, which "
                                 f"uses the set's fit (allowed: one of the two)")
            missing = [k for k in ("D", "kappa") if k not in self._set().fits]
            if missing:
                raise ValueError(f"electrolyte.concentration_dependent: set {self.name} has no fit of {missing[0]}")
        return self


class Interface(NamedSet):
    """Li metal | electrolyte: Butler–Volmer kinetics and the metal's molar volume (a named set).

        i = i0 (c/c0)^γ [exp(α_a F η/RT) − exp(−α_c F η/RT)],  η = φ_s − φ_l − U + Ω p/F

    with p the pressure on the metal (compression raises its chemical potential by Ω p)."""

    sets: ClassVar[dict] = LITHIUM_INTERFACES
    name: str = Q("Li_LiPF6_Xu2019", "-", f"named set ({', '.join(LITHIUM_INTERFACES)})")
    exchange_current_density: float | None = Q(None, "A/m^2", "exchange current density i0 at c0", gt=0)
    alpha_a: float | None = Q(None, "-", "anodic transfer coefficient", gt=0, lt=1)
    alpha_c: float | None = Q(None, "-", "cathodic transfer coefficient", gt=0, lt=1)
    concentration_exponent: float | None = Q(None, "-", "γ in i0 (c/c0)^γ", ge=0, le=2)
    molar_volume: float | None = Q(None, "m^3/mol", "molar volume Ω of Li metal", gt=0)
    equilibrium_potential: float = Q(0.0, "V", "U of Li/Li+ in this electrolyte (both electrodes)")


class Cell(Model):
    """The 1-D cell: electrolyte thickness and mesh."""

    thickness: float = Q(5e-4, "m", "distance L between the electrodes (Sand's time needs L >> sqrt(D t))",
                         gt=0)
    elements: int = Q(200, "-", "number of elements", ge=4, le=1_000_000)
    grading: float = Q(0.1, "-", "size of the elements at the electrodes relative to the middle ones "
                       "(1: uniform)", gt=0, le=1)


class Pressure(Model):
    """Stack pressure on the electrodes (compressive, positive): it raises the chemical potential
    of Li by Ω p and shifts each electrode's equilibrium potential by −Ω p/F."""

    stack: float = Q(0.0, "Pa", "pressure on both electrodes", ge=0, le=1e10)
    working: float | None = Q(None, "Pa", "pressure on the working electrode if different (null: stack)",
                              ge=0, le=1e10)


class Segment(protocol.Segment):
    """One protocol segment: current control, voltage control or rest."""

    control: Literal["current", "voltage", "rest"] = Q(
        "current", "-", "current: a current density; voltage: a cell voltage; rest: no current")
    current_density: float | None = Q(None, "A/m^2", "current control: positive plates on the working "
                                      "electrode", ge=-1e6, le=1e6)
    voltage: float | None = Q(None, "V", "voltage control: cell voltage (negative plates on the working "
                              "electrode)", ge=-10, le=10)
    until_voltage: float | None = Q(None, "V", "current control: end the segment when |voltage| reaches "
                                    "this (a cut-off)", gt=0, le=10)
    until_current: float | None = Q(None, "A/m^2", "voltage control: end the segment when |current "
                                    "density| falls to this", gt=0)
    ramp: float = Q(1e-3, "s", "voltage control: the voltage moves linearly from its value at the start of the "
                    "segment to the set one over this time (a jump of a volt is beyond Newton's reach from "
                    "the previous state)", ge=0)

    @model_validator(mode="after")
    def _complete(self):
        c = self.control
        if c == "current" and self.current_density is None:
            raise ValueError("a current segment needs current_density")
        if c == "voltage" and self.voltage is None:
            raise ValueError("a voltage segment needs voltage")
        wrong = {"current": ["voltage", "until_current"], "voltage": ["current_density", "until_voltage"],
                 "rest": ["current_density", "voltage", "until_voltage", "until_current"]}[c]
        given = [k for k in wrong if getattr(self, k) is not None]
        if given:
            raise ValueError(f"a {c} segment has no {given[0]} (remove it)")
        if self.duration is None and self.until_voltage is None and self.until_current is None:
            raise ValueError("give a duration or an end condition (until_voltage, until_current)")
        return self


class Operation(Model):
    """Protocol: segments repeated ``cycles`` times."""

    segments: list[Segment] = Q([Segment(control="current", current_density=50.0, duration=3600.0)], "-",
                                "protocol segments")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=100000)
    stop_at_depletion: bool = Q(True, "-", "end the run (completed) when the salt concentration at the plating "
                                "electrode falls to depletion_fraction × c0: Sand's time, the onset of "
                                "tip-growing dendrites")
    depletion_fraction: float = Q(1e-4, "-", "c/c0 taken as depleted", gt=0, lt=0.1)

    @model_validator(mode="after")
    def _some(self):
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        return self


class CellStepping(SteppingConfig):
    """Adaptive time steps (the concentration change per step bounds them)."""

    dt_initial: float = Q(1e-3, "s", "first step", gt=0)
    dt_min: float = Q(1e-9, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(60.0, "s", "largest step", gt=0)
    target_change: float | None = Q(0.02, "-", "largest change of c/c0 per step (null: no control)", gt=0)


class Cell1DConfig(BaseConfig):
    """Input of plating with model cell_1d: Li | binary electrolyte | Li with sharp interfaces."""

    problem: Literal["plating"] = Q("plating", "-", "problem name")
    model: Literal["cell_1d"] = Q("cell_1d", "-", "cell_1d: 1-D cell with sharp interfaces")
    electrolyte: Electrolyte = Electrolyte()
    interface: Interface = Interface()
    cell: Cell = Cell()
    pressure: Pressure = Pressure()
    operation: Operation = Operation()
    stepping: CellStepping = CellStepping()
    time_order: Literal[1, 2] = Q(2, "-", "BDF order in time (1: backward Euler)")


# --------------------------------------------------------------------------------------------
# model: phase_field


class Deposition(Model):
    """Phase-field electrodeposition parameters (Chen et al. 2015 form): a named set; any SI value
    given here overrides it (battchem show material NAME lists each set's values and sources)."""

    name: Literal[tuple(ELECTRODEPOSITION_SETS)] = Q(
        "Hong2018_normalised", "-", f"named set ({', '.join(ELECTRODEPOSITION_SETS)}); the Hong set is "
        "normalised (1 µm, 1 s, RT) and read back to SI")
    L_sigma: float | None = Q(None, "m^3/(J s)", "interface mobility L_σ", gt=0)
    W: float | None = Q(None, "J/m^3", "double-well barrier height", gt=0)
    kappa0: float | None = Q(None, "J/m", "gradient energy coefficient κ0", gt=0)
    L_eta: float | None = Q(None, "1/s", "reaction (Butler–Volmer) rate constant L_η", gt=0)
    D_metal: float | None = Q(None, "m^2/s", "Li+ diffusivity in the metal phase", ge=0)
    D_electrolyte: float | None = Q(None, "m^2/s", "Li+ diffusivity in the electrolyte", gt=0)
    sigma_metal: float | None = Q(None, "S/m", "electrode conductivity", gt=0)
    sigma_electrolyte: float | None = Q(None, "S/m", "electrolyte conductivity", gt=0)
    c_s: float | None = Q(None, "mol/m^3", "Li site density of the metal", gt=0)
    c0: float | None = Q(None, "mol/m^3", "bulk Li+ concentration", gt=0)
    alpha: float | None = Q(None, "-", "charge-transfer coefficient", gt=0, lt=1)
    temperature: float | None = Q(None, "K", "temperature", gt=0)
    E_theta: float | None = Q(None, "V", "standard potential E^θ in η = φ − E^θ (public codes: 0)", ge=-10,
                               le=10)
    anisotropy_strength: float | None = Q(None, "-", "δ in κ(θ) = κ0 (1 + δ cos ωθ) (2-D)", ge=0, lt=1)
    anisotropy_mode: int | None = Q(None, "-", "ω", ge=1, le=12)
    noise_amplitude: float | None = Q(None, "1/s", "Langevin noise on ∂ξ/∂t in the interface", ge=0)

    def overrides(self) -> dict:
        return {k: v for k, v in self.model_dump().items() if k != "name" and v is not None}


class PhaseMechanics(Model):
    """Mechanics of the deposit against its partner (electrolyte or separator)."""

    mode: Literal["none", "one_way", "two_way"] = Q(
        "none", "-", "none; one_way: stress from the deposit; two_way: the stress also enters η (−Ω σ_h/F) "
        "and the Allen–Cahn driving force")
    metal: Literal[tuple(ELECTRODEPOSITION_MECHANICS)] = Q("Li_metal", "-", "elastic set of the deposit")
    partner: Literal[tuple(ELECTRODEPOSITION_MECHANICS)] | None = Q(
        None, "-", "elastic set of the partner phase (null: E_partner, nu_partner)")
    E_partner: float | None = Q(None, "Pa", "Young's modulus of the partner (overrides its set; default 1 GPa)",
                                gt=0)
    nu_partner: float | None = Q(None, "-", "Poisson's ratio of the partner", gt=-1, lt=0.5)
    eigenstrain: list[float] = Q([0.0, 0.0, 0.0], "-", "deposition eigenstrain of the deposit (x, y, z)")
    stack_pressure: float = Q(0.0, "Pa", "pressure on the electrolyte boundary (compressive)", ge=0, le=1e10)

    @model_validator(mode="after")
    def _three(self):
        if len(self.eigenstrain) != 3:
            raise ValueError("mechanics.eigenstrain: give three components (x, y, z)")
        if not all(abs(e) <= 0.5 for e in self.eigenstrain):
            raise ValueError(f"mechanics.eigenstrain = {self.eigenstrain}: each component in [-0.5, 0.5]")
        return self


class Nuclei(Model):
    """The initial deposit: a planar front at x = front, with optional bumps or random nuclei."""

    front: float = Q(1e-5, "m", "distance of the initial planar front from the electrode", gt=0)
    bump_radius: float = Q(3e-6, "m", "radius of semicircular bumps on the front (0: none)", ge=0)
    bump_spacing: float = Q(0.0, "m", "distance between bumps along y (0: one bump in the middle)", ge=0)
    random_count: int = Q(0, "-", "random nuclei along y instead of bumps", ge=0, le=10000)
    random_radius: float = Q(2e-6, "m", "radius of the random nuclei", gt=0)
    seed: int = Q(1, "-", "seed of the random nuclei and of the Langevin noise (same on any number of ranks)",
                  ge=0)


class Domain(Model):
    """The cell section: electrode at x = 0, electrolyte boundary at x = length."""

    dimension: Literal[2, 3] = Q(2, "-", "2: a rectangle (per unit depth); 3: a box")
    length: float = Q(5e-5, "m", "extent along the growth direction x", gt=0, le=1e-2)
    width: float = Q(2e-5, "m", "extent along y", gt=0, le=1e-2)
    depth: float = Q(2e-5, "m", "extent along z (3-D)", gt=0, le=1e-2)
    mesh_size: float = Q(5e-7, "m", "element size (resolve the interface: at most 2 × its width δ = "
                         "√(κ0/2W), 0.25 µm for the Hong set)", gt=0)
    near_electrode: float = Q(1.0, "-", "element size near the electrode relative to mesh_size", gt=0, le=1)
    near_band: float = Q(0.0, "m", "extent of the finer zone from the electrode", ge=0)

    @model_validator(mode="after")
    def _size(self):
        cells = 2 * (self.length / self.mesh_size) * (self.width / self.mesh_size)
        if self.dimension == 3:
            cells *= 3 * self.depth / self.mesh_size
        check_cell_count(cells, "domain.length, width, depth and mesh_size")
        return self


class PhaseSegment(protocol.Segment):
    """One segment: the applied electrode potential (voltage control) or current density."""

    voltage: float | None = Q(None, "V", "electrode potential against the electrolyte boundary (negative "
                              "plates)", ge=-10, le=10)
    current_density: float | None = Q(None, "A/m^2", "current density through the electrolyte boundary "
                                      "(negative plates)", ge=-1e6, le=1e6)

    @model_validator(mode="after")
    def _one(self):
        if (self.voltage is None) == (self.current_density is None):
            raise ValueError("give exactly one of voltage or current_density")
        if self.duration is None:
            raise ValueError("give a duration")
        return self


class PhaseOperation(Model):
    """Protocol (all segments under the same control) and the stop at a long dendrite."""

    control: Literal["voltage", "current"] = Q("voltage", "-", "what the segments prescribe")
    segments: list[PhaseSegment] = Q([PhaseSegment(voltage=-0.45, duration=10.0)], "-", "protocol segments")
    cycles: int = Q(1, "-", "repetitions of the segment list", ge=1, le=10000)
    stop_at_tip: float = Q(0.8, "-", "end the run (completed) when the deposit's tip reaches this fraction of "
                           "the domain length", gt=0, le=1)

    @model_validator(mode="after")
    def _same_control(self):
        key = "voltage" if self.control == "voltage" else "current_density"
        wrong = [i for i, s in enumerate(self.segments) if getattr(s, key) is None]
        if wrong:
            raise ValueError(f"segments[{wrong[0]}]: operation.control = {self.control} needs {key} in every "
                             "segment")
        if not self.segments:
            raise ValueError("segments: at least one segment is needed")
        return self


class PhaseStepping(SteppingConfig):
    """Adaptive time steps (the largest change of ξ per step bounds them)."""

    dt_initial: float = Q(0.02, "s", "first step", gt=0)
    dt_min: float = Q(1e-6, "s", "the run fails when a step below this does not converge", gt=0)
    dt_max: float = Q(0.5, "s", "largest step", gt=0)
    target_change: float | None = Q(0.1, "-", "largest change of ξ at a node per step", gt=0)


class PhaseFieldConfig(BaseConfig):
    """Input of plating with model phase_field: phase-field electrodeposition (2-D, 3-D)."""

    problem: Literal["plating"] = Q("plating", "-", "problem name")
    model: Literal["phase_field"] = Q("phase_field", "-", "phase_field: Allen–Cahn electrodeposition")
    deposition: Deposition = Deposition()
    mechanics: PhaseMechanics = PhaseMechanics()
    domain: Domain = Domain()
    nuclei: Nuclei = Nuclei()
    operation: PhaseOperation = PhaseOperation()
    stepping: PhaseStepping = PhaseStepping()
    time_order: Literal[1, 2] = Q(1, "-", "BDF order in time")

    @model_validator(mode="after")
    def _fits(self):
        if self.nuclei.front >= self.domain.length:
            raise ValueError(f"nuclei.front = {self.nuclei.front:g} m must lie inside the domain "
                             f"(allowed: < domain.length = {self.domain.length:g} m)")
        return self
