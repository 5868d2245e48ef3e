"""interphase: interphase growth at Li | solid electrolyte, expansion stress, cracking, resistance."""

from battchem.problems.interphase.inputs import InterphaseConfig
from battchem.problems.interphase.problem import Interphase

__all__ = ["Interphase", "InterphaseConfig"]
