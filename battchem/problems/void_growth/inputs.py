"""Inputs of void_growth: the Li metal, the electrode and the stripping protocol, for each model
(``model: vacancy_1d`` now; the creep-contact model adds its sections).

Sign convention: a positive current density strips Li from the electrode into the electrolyte.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from battchem import protocol
from battchem.config import BaseConfig, Model, NamedSet, Q, SteppingConfig
from battchem.materials import LITHIUM_METALS


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
