"""Operating protocols: segments run in order and repeated for a number of cycles.

A segment holds a control (what the problem imposes: a current, a voltage, a pressure, nothing)
and an end: a duration, or a condition on a quantity of the solution ("until the state of charge
reaches 0.9", "until the voltage falls to 3.0 V"), or both (whichever comes first). Problems
declare their own segment models (subclasses of :class:`Segment` with the control keys their
physics needs) and describe a condition with :class:`Until`; :class:`Schedule` is the run-time
part every problem shares:

- which segment is active, since when, and its nominal end (a milestone the stepping lands on);
- landing on a condition inside a step: :meth:`Schedule.landing` interpolates where the quantity
  crossed its target, so the driver redoes the step with that length;
- moving on (:meth:`Schedule.next`), with the reason and the time recorded for the manifest and
  the series (``segment_end_reason``);
- its state for checkpoints.

No physics here: what a control means and how a quantity is computed belong to the problem.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from battchem.config import Model, Q


class Segment(Model):
    """One protocol segment: subclasses add the control keys of their problem."""

    duration: float | None = Q(None, "s", "segment length (with an end condition: the longest it may last)",
                               gt=0)


@dataclass(frozen=True)
class Until:
    """End condition of a segment: ``quantity`` reaches ``target`` while rising (or falling)."""

    quantity: str
    target: float
    rising: bool

    def reached(self, value: float, tol: float = 0.0) -> bool:
        return value >= self.target - tol if self.rising else value <= self.target + tol

    def describe(self) -> str:
        return f"{self.quantity} {'rose' if self.rising else 'fell'} to {self.target:g}"


@dataclass
class SegmentEnd:
    """How a segment ended, for the manifest and the progress output."""

    index: int
    cycle: int
    time: float
    reason: str


@dataclass
class Schedule:
    """The segments of ``segments`` repeated ``cycles`` times, and where the run is in them."""

    segments: Sequence[Segment]
    cycles: int = 1
    index: int = 0
    start: float = 0.0
    end: float = math.inf  # nominal end of the active segment (inf: only its condition ends it)
    finished_at: float | None = None
    ends: list[SegmentEnd] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.segments) * self.cycles

    @property
    def finished(self) -> bool:
        return self.index >= self.count

    @property
    def current(self) -> Segment:
        return self.segments[self.index % len(self.segments)]

    @property
    def cycle(self) -> int:
        """1-based cycle of the active segment."""
        return self.index // len(self.segments) + 1

    def begin(self, t: float, estimated_end: float | None = None) -> None:
        """Start the active segment at ``t``; its nominal end is ``t + duration`` or, for a
        condition, ``estimated_end`` when the problem can predict it (else the condition alone)."""
        self.start = t
        seg = self.current
        candidates = [t + seg.duration] if seg.duration is not None else []
        if estimated_end is not None:
            candidates.append(estimated_end)
        self.end = min(candidates) if candidates else math.inf

    def milestones(self) -> list[float]:
        """Times the stepping must land on exactly: the end of the active segment."""
        return [self.end] if math.isfinite(self.end) else []

    def planned_end(self, estimate=None, far: float = 1e9) -> float:
        """When the schedule ends: its finishing time once finished, else the active segment's
        nominal end plus the later segments' durations. A segment without a duration counts as
        ``estimate(segment)`` when given, else ``far`` (only its condition ends it)."""
        if self.finished:
            return self.finished_at
        end = self.end if math.isfinite(self.end) else self.start + far
        for k in range(self.index + 1, self.count):
            seg = self.segments[k % len(self.segments)]
            if seg.duration is not None:
                end += seg.duration
            else:
                end += estimate(seg) if estimate is not None else far
        return end

    def at_end(self, t: float) -> bool:
        return math.isfinite(self.end) and abs(t - self.end) <= 1e-9 * max(1.0, abs(t))

    @staticmethod
    def landing(until: Until, before: float, after: float, dt: float, *, tol: float = 0.0,
                smallest: float = 0.05) -> float | None:
        """Step length that lands on ``until`` when a step ``dt`` took the quantity from ``before``
        to more than ``tol`` beyond the target (linear interpolation, kept within
        [smallest, 1 − smallest] of dt so that the retry makes progress); None otherwise."""
        beyond = after - until.target if until.rising else until.target - after
        if beyond <= tol or after == before:
            return None
        fraction = (until.target - before) / (after - before)
        return min(1.0 - smallest, max(smallest, fraction)) * dt

    def next(self, t: float, reason: str) -> SegmentEnd:
        """End the active segment at ``t`` for ``reason`` and move to the next one (the caller
        then calls :meth:`begin`, unless :attr:`finished`)."""
        record = SegmentEnd(self.index % len(self.segments), self.cycle, t, reason)
        self.ends.append(record)
        self.index += 1
        if self.finished:
            self.finished_at = t
        return record

    def summary(self) -> list[dict]:
        """The ended segments for a manifest's results: segment (1-based), cycle, end time, reason."""
        return [{"segment": e.index + 1, "cycle": e.cycle, "end_time [s]": e.time, "end_reason": e.reason}
                for e in self.ends]

    # checkpoints ------------------------------------------------------------------------
    def state(self) -> dict:
        return {"index": self.index, "start": self.start, "end": self.end, "finished_at": self.finished_at,
                "ends": [vars(e) for e in self.ends]}

    def restore(self, state: dict) -> None:
        self.index, self.start = int(state["index"]), float(state["start"])
        self.end = float(state["end"])
        self.finished_at = state.get("finished_at")
        self.ends = [SegmentEnd(**e) for e in state.get("ends", [])]
