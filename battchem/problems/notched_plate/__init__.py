"""notched_plate: Miehe's single-edge-notched plate, the benchmark of the phase-field fracture core."""

from battchem.problems.notched_plate.inputs import (
                                                    PUBLISHED_TENSION_PEAK,
                                                    PUBLISHED_TENSION_PEAK_DISPLACEMENT,
                                                    NotchedPlateConfig,
                                                    resolution_warnings,
)
from battchem.problems.notched_plate.problem import NotchedPlate

__all__ = ["NotchedPlate", "NotchedPlateConfig", "PUBLISHED_TENSION_PEAK", "PUBLISHED_TENSION_PEAK_DISPLACEMENT",
           "resolution_warnings"]
