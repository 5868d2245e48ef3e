"""The interface between a physics problem and the shared driver.

A problem builds its mesh and forms from the building blocks, advances its state by one step
when asked, and reports quantities; the driver (``battchem.driver``) owns the time loop, the
adaptive steps, outputs, checkpoints and status. A problem module reads top to bottom as the
physics: inputs, unknowns, forms, boundary conditions, quantities of interest.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from mpi4py import MPI

from battchem.config import BaseConfig
from battchem.mesh import MeshData
from battchem.solvers import SolveReport

_REGISTRY: dict[str, type[Problem]] = {}


def register(cls: type[Problem]) -> type[Problem]:
    """Class decorator adding a problem to the registry under ``cls.name``."""
    _REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[Problem]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown problem '{name}' (allowed: {', '.join(sorted(_REGISTRY))})") from None


def names() -> list[str]:
    return sorted(_REGISTRY)


@dataclass
class StepResult:
    """Outcome of one attempted step."""

    report: SolveReport
    stagger: int = 1  # staggered (partitioned) iterations
    change: float | None = None  # relative change of the primary field, for step control
    retry_dt: float | None = None  # converged, but an event (cut-off) lies inside: redo with this dt

    @property
    def converged(self) -> bool:
        return self.report.converged

    @property
    def effort(self) -> int:
        """Iterations that measure how hard the step was: staggered iterations when the step was
        partitioned, Newton iterations otherwise (linear blocks count one each)."""
        return self.stagger if self.stagger > 1 else self.report.iterations


class Problem(abc.ABC):
    """Base class of a physics problem."""

    name: ClassVar[str]
    summary: ClassVar[str]
    Config: ClassVar[type[BaseConfig]]

    def __init__(self, config: BaseConfig, comm: MPI.Comm = MPI.COMM_WORLD):
        self.config = config
        self.comm = comm

    # set-up ---------------------------------------------------------------------------
    @classmethod
    def default_config(cls) -> BaseConfig:
        return cls.Config(problem=cls.name)

    @classmethod
    def config_class(cls, data: dict) -> type[BaseConfig]:
        """The input model that validates ``data`` (a problem with several models picks one)."""
        return cls.Config

    @classmethod
    def default_configs(cls) -> list[BaseConfig]:
        """The default input of each model of the problem (``battchem show``)."""
        return [cls.default_config()]

    @classmethod
    def sources(cls, config: BaseConfig) -> dict:
        """Literature sources of parameter values, nested like the config (for ``show``)."""
        return {}

    @abc.abstractmethod
    def build_mesh(self) -> MeshData:
        """Build (collectively) and return the mesh."""

    @abc.abstractmethod
    def setup(self, mesh_data: MeshData) -> None:
        """Create spaces, unknowns, forms and solvers on ``mesh_data``; set initial state."""

    # time stepping --------------------------------------------------------------------
    @abc.abstractmethod
    def end_time(self) -> float:
        """Time at which the run is complete."""

    def milestones(self) -> list[float]:
        """Times the stepping must land on exactly (protocol changes, outputs)."""
        return [self.end_time()]

    @abc.abstractmethod
    def advance(self, t: float, dt: float) -> StepResult:
        """Solve for the state at t + dt from the accepted state at t (not yet accepted)."""

    @abc.abstractmethod
    def accept(self, t_new: float) -> None:
        """Make the last solved state the accepted one."""

    @abc.abstractmethod
    def reject(self) -> None:
        """Restore the accepted state after a failed attempt."""

    def step_reset(self) -> bool:
        """True when the last accepted step ended at a discontinuity of the loading (a protocol
        switch): the driver then starts again from ``stepping.dt_initial``."""
        return False

    def stop_reason(self, t: float) -> str | None:
        """Why the run ends (status ``completed``) at ``t`` before its end time, e.g. "specimen
        broken"; None to go on."""
        return None

    def results(self) -> dict:
        """Summary values of the run for the manifest's ``results`` (e.g. a crack initiation or
        Sand's time, with the unit in the key: ``{"sand_time [s]": 12.3}``)."""
        return {}

    def events(self) -> list[str]:
        """Messages about the last accepted step worth a permanent line (e.g. 'crack initiated')."""
        return []

    def mesh_data(self):
        """The MeshData the state lives on now: after a remesh a new one (its ``generation`` one
        higher), which the driver's writers and checkpoints then follow. Default: ``self.md``."""
        return getattr(self, "md", None)

    moving_mesh: ClassVar[bool] = False  # the geometry changes: VTX writes it at every output

    # What the driver's time t is and its unit: the series' time and dt columns, the progress line
    # and the manifest's time_axis (a load-stepped problem: e.g. an applied displacement in m).
    time_axis: ClassVar[tuple[str, str]] = ("time", "s")

    # outputs --------------------------------------------------------------------------
    @abc.abstractmethod
    def columns(self) -> list[tuple[str, str]]:
        """(name, unit) of the quantities reported per step, after step, time and dt."""

    @abc.abstractmethod
    def quantities(self, t: float) -> dict[str, float]:
        """Values of :meth:`columns` for the accepted state at ``t`` (collective)."""

    def field_units(self) -> dict[str, str]:
        """Units of the output functions by name (the manifest's ``field_units``, for the Python
        API and pictures of fields)."""
        return {}

    @abc.abstractmethod
    def output_functions(self) -> list:
        """Functions written to fields/ (one element type, e.g. all P1)."""

    @abc.abstractmethod
    def state_functions(self) -> dict:
        """Functions that define the state, for checkpoints."""

    def state_scalars(self) -> dict:
        """Scalars of the state besides time and step (for checkpoints)."""
        return {}

    def restore_scalars(self, scalars: dict) -> None:
        pass

    def progress(self, q: dict[str, float]) -> str:
        """Short problem-specific part of the progress line."""
        return ""

    def plots(self, outdir: Path) -> list[Path]:
        """Write PNG pictures of a finished run (rank 0 draws; called on all ranks)."""
        return []

    @classmethod
    def study_plots(cls, config, rows: list[dict], critical: list[dict], outdir: Path) -> list[Path]:
        """Problem-specific regime maps of a finished sweep (rank 0; ``rows`` and ``critical`` are the
        tables of sweep.csv and critical.csv), besides the generic study.png."""
        return []

    def solver_statistics(self) -> dict:
        """SolverStatistics per subproblem prefix, for the manifest."""
        return {}

    def mesh_summary(self) -> dict:
        return {}
