"""Parameter studies: bracketing a threshold by bisection, and power-law fits.

No physics here: a study supplies ``fails(x)`` (for example "this C-rate cracks the particle").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Threshold:
    """The bracket lo < x* ≤ hi of a monotone threshold and every evaluation made."""

    lo: float
    hi: float
    evaluations: list[tuple[float, bool]] = field(default_factory=list)

    @property
    def estimate(self) -> float:
        """Geometric mid-point √(lo · hi) (the bracket is refined on a log scale)."""
        return float(np.sqrt(self.lo * self.hi))


def bisect_threshold(fails: Callable[[float], bool], start: float, *, factor: float = 2.0,
                     ratio: float = 1.1, max_evaluations: int = 20) -> Threshold:
    """Smallest x > 0 at which ``fails`` turns true, for ``fails`` monotone in x (false below,
    true above): step from ``start`` by ``factor`` until the threshold is bracketed, then bisect
    geometrically until hi/lo ≤ ``ratio``.
    """
    if not (factor > 1 and ratio > 1 and start > 0):
        raise ValueError("bisect_threshold needs start > 0, factor > 1 and ratio > 1")
    evaluations: list[tuple[float, bool]] = []

    def evaluate(x: float) -> bool:
        if len(evaluations) >= max_evaluations:
            raise RuntimeError(f"no bracket of ratio {ratio} after {max_evaluations} evaluations: "
                               f"{evaluations}")
        result = bool(fails(x))
        evaluations.append((x, result))
        return result

    lo, hi = 0.0, np.inf
    x = start
    while lo == 0.0 or hi == np.inf:
        if evaluate(x):
            hi = x
            x = x / factor
        else:
            lo = x
            x = x * factor
    while hi / lo > ratio:
        x = float(np.sqrt(lo * hi))
        if evaluate(x):
            hi = x
        else:
            lo = x
    return Threshold(lo, hi, evaluations)


def power_law_fit(x, y) -> tuple[float, float, float]:
    """Least-squares fit of log y = log A + p log x; returns (p, A, standard error of p) (the
    error is nan with two points, where the line passes through both)."""
    lx, ly = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    if lx.size < 2:
        raise ValueError("power_law_fit needs at least two points")
    p, log_a = np.polyfit(lx, ly, 1)
    if lx.size == 2:
        return float(p), float(np.exp(log_a)), float("nan")
    residual = ly - (log_a + p * lx)
    error = np.sqrt(residual @ residual / (lx.size - 2) / np.sum((lx - lx.mean()) ** 2))
    return float(p), float(np.exp(log_a)), float(error)
