"""void_growth: voids at the Li / solid-electrolyte interface during stripping (models: vacancy_1d)."""

from battchem.problems.void_growth.inputs import Vacancy1DConfig
from battchem.problems.void_growth.problem import VoidGrowth

__all__ = ["Vacancy1DConfig", "VoidGrowth"]
