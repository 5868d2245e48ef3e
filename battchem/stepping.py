"""Adaptive time (or load) stepping.

The controller proposes a step, clipped so that milestones (output times, protocol changes, the
end time) are hit exactly and no sliver step is left before them. After a converged step it grows
the step by ``growth`` when the solve was easy (few iterations) and the change of the solution was
below target; after a failed step it cuts back by ``cutback``, and declares failure after
``max_cutbacks`` consecutive cuts or below ``dt_min``.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass


class StepFailure(RuntimeError):
    """The step could not be cut back any further."""


@dataclass
class StepController:
    dt_initial: float
    dt_min: float
    dt_max: float
    growth: float = 1.5
    cutback: float = 0.5
    easy_iterations: int = 5
    max_cutbacks: int = 10
    target_change: float | None = None
    dt: float = 0.0
    cutbacks: int = 0

    def __post_init__(self):
        if self.dt <= 0:
            self.dt = min(self.dt_initial, self.dt_max)

    @classmethod
    def from_config(cls, cfg) -> StepController:
        return cls(cfg.dt_initial, cfg.dt_min, cfg.dt_max, cfg.growth, cfg.cutback,
                   cfg.easy_iterations, cfg.max_cutbacks, cfg.target_change)

    # ------------------------------------------------------------------------------------
    def propose(self, t: float, milestones: list[float]) -> tuple[float, bool]:
        """Step from ``t``: (dt, lands_on_milestone). ``milestones`` is sorted ascending."""
        dt = self.dt
        i = bisect.bisect_right(milestones, t + self._eps(t))
        if i == len(milestones):
            return dt, False
        remaining = milestones[i] - t
        if dt >= remaining - self._eps(remaining):
            return remaining, True
        if dt > 0.5 * remaining:  # split evenly instead of leaving a sliver
            return 0.5 * remaining, False
        return dt, False

    def accepted(self, dt_taken: float, iterations: int, change: float | None = None) -> None:
        """Update after a converged step of size ``dt_taken``."""
        self.cutbacks = 0
        base = max(self.dt, dt_taken)
        factor = self.growth if iterations <= self.easy_iterations else 1.0
        if self.target_change is not None and change is not None and change > 0:
            factor = min(factor, max(self.cutback, 0.9 * self.target_change / change))
        self.dt = min(self.dt_max, max(self.dt_min, base * factor))

    def rejected(self, dt_tried: float) -> None:
        """Cut back after a failed step; raises StepFailure when no smaller step is allowed."""
        self.cutbacks += 1
        if self.cutbacks > self.max_cutbacks or dt_tried <= self.dt_min * (1 + 1e-12):
            raise StepFailure(f"step failed {self.cutbacks} times in a row, last dt = {dt_tried:.3e} s "
                              f"(dt_min = {self.dt_min:.3e} s)")
        self.dt = max(self.dt_min, dt_tried * self.cutback)

    def change_too_large(self, change: float | None) -> bool:
        """A converged step whose change exceeds twice the target is redone smaller."""
        return (self.target_change is not None and change is not None
                and change > 2.0 * self.target_change and self.dt > self.dt_min)

    @staticmethod
    def _eps(scale: float) -> float:
        return 1e-10 * max(abs(scale), 1e-300)

    # checkpointing ----------------------------------------------------------------------
    def state(self) -> dict:
        return asdict(self)

    def restore(self, state: dict) -> None:
        """Continue from a saved controller: its step size and cut-back count. The limits (dt_min,
        dt_max, growth, ...) stay those of the current input, which a restart may change."""
        self.dt = min(self.dt_max, max(self.dt_min, float(state["dt"])))
        self.cutbacks = int(state.get("cutbacks", 0))
