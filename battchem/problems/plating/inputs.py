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
from battchem.config import BaseConfig, Model, NamedSet, Q, SteppingConfig
from battchem.materials import ELECTROLYTES, LITHIUM_INTERFACES


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
