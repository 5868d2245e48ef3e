"""Anderson acceleration of a fixed-point iteration x ← G(x), distributed over MPI.

Given the last m + 1 iterates x_i and their images g_i = G(x_i), with residuals f_i = g_i − x_i,
Anderson's method (type II; Walker & Ni 2011, SIAM J. Numer. Anal. 49, 1715) takes

    γ = argmin_γ ‖f_k − ΔF γ‖₂,     x_{k+1} = g_k − ΔG γ,

where the columns of ΔF and ΔG are the differences f_{i+1} − f_i and g_{i+1} − g_i. With m = 0 (or
an empty history) this is the plain iteration x_{k+1} = g_k. The least-squares problem is solved
through its m × m normal equations, whose entries are global inner products (one allreduce), so
every rank computes the same coefficients. Columns that add nothing (their part orthogonal to the
others below √rcond of their norm, rcond = 1e-6 by default) are dropped: the normal equations
then have a condition number below about 1/rcond, so round-off (which differs with the number of
ranks) is amplified by at most that factor, and the coefficients stay bounded when the iteration
stagnates in some directions.

The vectors are the owned entries of a distributed field (numpy arrays); the caller applies
bounds and safeguards to the returned iterate.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from mpi4py import MPI


class AndersonMixing:
    """Anderson acceleration with depth ``depth`` on vectors distributed over ``comm``."""

    def __init__(self, depth: int, comm: MPI.Comm, rcond: float = 1e-6):
        if depth < 0:
            raise ValueError(f"Anderson depth must be >= 0, got {depth}")
        self.depth = depth
        self.comm = comm
        self.rcond = rcond
        self._x: deque[np.ndarray] = deque(maxlen=depth + 1)
        self._g: deque[np.ndarray] = deque(maxlen=depth + 1)
        self.coefficients = np.zeros(0)  # γ of the last step (for diagnostics)

    def reset(self) -> None:
        """Forget the history (the next step is a plain one)."""
        self._x.clear()
        self._g.clear()
        self.coefficients = np.zeros(0)

    def __len__(self) -> int:
        return len(self._x)

    def step(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Record the pair (x, G(x)) and return the next iterate g − ΔG γ."""
        self._x.append(np.array(x, dtype=float))
        self._g.append(np.array(g, dtype=float))
        if len(self._x) < 2:
            self.coefficients = np.zeros(0)
            return self._g[-1].copy()
        f = [gi - xi for xi, gi in zip(self._x, self._g)]
        dF = np.stack([f[i + 1] - f[i] for i in range(len(f) - 1)], axis=1)
        dG = np.stack([self._g[i + 1] - self._g[i] for i in range(len(f) - 1)], axis=1)
        m = dF.shape[1]
        local = np.empty((m, m + 1))
        local[:, :m] = dF.T @ dF
        local[:, m] = dF.T @ f[-1]
        total = np.empty_like(local)
        self.comm.Allreduce(local, total, op=MPI.SUM)
        gram, rhs = total[:, :m], total[:, m]
        keep = self._independent_columns(gram)
        gamma = np.zeros(m)
        if keep.size:
            sub = gram[np.ix_(keep, keep)]
            gamma[keep] = np.linalg.solve(sub, rhs[keep])
        self.coefficients = gamma
        return self._g[-1] - dG @ gamma

    def _independent_columns(self, gram: np.ndarray) -> np.ndarray:
        """Indices of the columns kept, newest first: a column is dropped when the squared norm of
        its part orthogonal to the columns already kept is below ``rcond`` times its squared norm
        (the last pivot of a Cholesky factorisation of the Gram matrix, that column last)."""
        kept: list[int] = []
        for j in reversed(range(gram.shape[0])):
            if not gram[j, j] > 0:
                continue
            order = [*kept, j]
            try:
                chol = np.linalg.cholesky(gram[np.ix_(order, order)])
            except np.linalg.LinAlgError:
                continue
            if chol[-1, -1] ** 2 > self.rcond * gram[j, j]:
                kept.append(j)
        return np.array(sorted(kept), dtype=int)
