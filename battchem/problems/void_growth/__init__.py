"""void_growth: voids at the Li / solid-electrolyte interface during stripping (models: vacancy_1d,
creep_contact)."""

from battchem.problems.void_growth.inputs import CreepContactConfig, Vacancy1DConfig
from battchem.problems.void_growth.problem import VoidGrowth

__all__ = ["CreepContactConfig", "Vacancy1DConfig", "VoidGrowth"]
