"""plating: Li plating and stripping (models: cell_1d)."""

from battchem.problems.plating.inputs import Cell1DConfig
from battchem.problems.plating.problem import Plating

__all__ = ["Cell1DConfig", "Plating"]
