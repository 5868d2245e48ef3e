"""Values of Functions along a line segment, and CSV profiles of them at chosen times.

``PointSampler`` evaluates at given points, ``LineSampler`` at n points evenly spaced on the
segment from ``start`` to ``end`` (arc length s from 0 to |end − start|); the points are located
once with a bounding-box tree. Each point is evaluated in one cell, chosen the same way whatever
the partition: among the owned cells that contain it on any rank, the one whose midpoint is
lexicographically smallest. So a profile, even of a field that is discontinuous between cells
(DG, or a kink on a shared facet), is the same on 1 and N ranks. The owner evaluates, the values
are summed over ranks (one non-zero term each, so exactly), and every rank gets the whole profile;
points outside the mesh give NaN. Call ``locate()`` again if the mesh moves.

``ProfileWriter`` writes ``OUTDIR/profiles/<name>.csv`` on rank 0: one row per point and time,
columns ``time, s, x, y, z`` and one per field component, headers ``name [unit]`` as in
series.csv.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from dolfinx import fem, geometry
from dolfinx.mesh import compute_midpoints
from mpi4py import MPI


class PointSampler:
    """Collective evaluation of Functions at fixed ``points`` (m x 3, or fewer columns padded with
    zeros), the same on every rank and for any partition (module docstring)."""

    def __init__(self, mesh, points):
        points = np.atleast_2d(np.asarray(points, dtype=np.float64))
        if points.shape[1] > 3:
            raise ValueError(f"points have at most 3 coordinates, got {points.shape[1]}")
        self.mesh = mesh
        self.points = np.ascontiguousarray(np.pad(points, ((0, 0), (0, 3 - points.shape[1]))))
        self.locate()

    @property
    def n(self) -> int:
        return len(self.points)

    def locate(self) -> None:
        """Choose the evaluating cell of every point (collective)."""
        msh, comm = self.mesh, self.mesh.comm
        tdim = msh.topology.dim
        n_owned = msh.topology.index_map(tdim).size_local
        tree = geometry.bb_tree(msh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        candidates = geometry.compute_collisions_points(tree, self.points)
        colliding = geometry.compute_colliding_cells(msh, candidates, self.points)
        key = np.full((self.n, 3), np.inf)
        cell = np.full(self.n, -1, dtype=np.int32)
        for i in range(self.n):
            cells = colliding.links(i)
            cells = cells[cells < n_owned]
            if len(cells):
                mids = compute_midpoints(msh, tdim, cells.astype(np.int32))
                j = np.lexsort(mids.T[::-1])[0]  # smallest x, then y, then z
                key[i], cell[i] = mids[j], cells[j]
        keys = np.stack(comm.allgather(key))  # (ranks, points, 3)
        owner = np.full(self.n, -1)
        for i in range(self.n):
            if np.isfinite(keys[:, i, 0]).any():
                owner[i] = np.lexsort(keys[:, i, :].T[::-1])[0]
        self.found = owner >= 0
        self._mine = np.flatnonzero(owner == comm.rank)
        self._cells = cell[self._mine]

    def __call__(self, f: fem.Function) -> np.ndarray:
        """Values of ``f`` at the points, shape (n,) + value shape, the same on every rank."""
        shape = tuple(f.function_space.value_shape)
        size = int(np.prod(shape)) if shape else 1
        local = np.zeros((self.n, size))
        if len(self._mine):
            local[self._mine] = f.eval(self.points[self._mine], self._cells).reshape(len(self._mine), size)
        values = np.zeros_like(local)
        self.mesh.comm.Allreduce(local, values, op=MPI.SUM)
        values += 0.0  # −0.0 → 0.0: one rank's −0 and a sum's +0 must print alike
        values[~self.found] = np.nan
        return values.reshape((self.n,) + shape)


class LineSampler(PointSampler):
    """``n`` points evenly spaced from ``start`` to ``end``; ``s`` is their arc length."""

    def __init__(self, mesh, start: Sequence[float], end: Sequence[float], n: int):
        if n < 2:
            raise ValueError(f"a line sampler needs at least 2 points, got {n}")
        a, b = _as_point(start), _as_point(end)
        t = np.linspace(0.0, 1.0, n)
        self.s = t * np.linalg.norm(b - a)
        super().__init__(mesh, a[None, :] + t[:, None] * (b - a)[None, :])


def _as_point(p) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64).ravel()
    if p.size > 3:
        raise ValueError(f"a point has at most 3 coordinates, got {p.size}")
    return np.concatenate([p, np.zeros(3 - p.size)])


@dataclass
class ProfileField:
    """A field of a profile: column ``name`` (``name_<component>`` for each component of a
    vector or tensor, row-major, or the given ``components`` labels) in ``unit``."""

    name: str
    function: fem.Function
    unit: str = ""
    components: Sequence[str] | None = None

    def columns(self) -> list[str]:
        shape = tuple(self.function.function_space.value_shape)
        if not shape:
            labels = [self.name]
        else:
            size = int(np.prod(shape))
            comps = self.components or [str(i) for i in range(size)]
            if len(comps) != size:
                raise ValueError(f"profile field {self.name}: {len(comps)} labels for {size} components")
            labels = [f"{self.name}_{c}" for c in comps]
        return [f"{label} [{self.unit}]" if self.unit else label for label in labels]


class ProfileWriter:
    """Profiles of ``fields`` along ``sampler`` in ``outdir/profiles/<name>.csv``.

    ``times``: the times at which a profile is due (None: at every ``write``); hand them to the
    step controller as milestones so that steps land on them. ``resume_time``: continue a file
    after a restart, keeping its rows up to that time.
    """

    def __init__(self, outdir: Path, name: str, sampler: LineSampler, fields: Sequence[ProfileField], *,
                 times: Sequence[float] | None = None, length_unit: str = "m", time_unit: str = "s",
                 resume_time: float | None = None):
        self.sampler = sampler
        self.fields = list(fields)
        self.comm = sampler.mesh.comm
        self.path = Path(outdir) / "profiles" / f"{name}.csv"
        self.times = None if times is None else sorted(float(t) for t in times)
        self.written: list[float] = []
        header = [f"time [{time_unit}]"] + [f"{c} [{length_unit}]" for c in ("s", "x", "y", "z")]
        for field in self.fields:
            header += field.columns()
        self.header = header
        if self.comm.rank == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            keep = []
            if resume_time is not None and self.path.exists():
                with self.path.open(newline="") as f:
                    rows = list(csv.reader(f))[1:]
                keep = [r for r in rows if r and float(r[0]) <= resume_time * (1 + 1e-12)]
                self.written = sorted({float(r[0]) for r in keep})
            with self.path.open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(keep)
        self.written = self.comm.bcast(self.written, root=0)

    def due(self, t: float) -> bool:
        """A profile is wanted at ``t`` (one of ``times``) and not yet written."""
        if any(_same_time(t, w) for w in self.written):
            return False
        return self.times is None or any(_same_time(t, tt) for tt in self.times)

    def write(self, t: float, *, force: bool = False) -> bool:
        """Sample and append the profile at ``t`` if due (or ``force``); collective. Returns
        whether a profile was written."""
        if not (force or self.due(t)):
            return False
        columns = [np.full(self.sampler.n, float(t)), self.sampler.s, *self.sampler.points.T]
        for field in self.fields:
            values = self.sampler(field.function).reshape(self.sampler.n, -1)
            columns.extend(values.T)
        self.written.append(float(t))
        if self.comm.rank == 0:
            with self.path.open("a", newline="") as f:
                csv.writer(f).writerows([[f"{v:.12g}" for v in row] for row in np.column_stack(columns)])
        return True


def _same_time(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def read_profiles(path: Path) -> dict[str, np.ndarray]:
    """A profiles CSV -> {column name (without unit): array over all rows}."""
    with Path(path).open(newline="") as f:
        reader = csv.reader(f)
        names = [h.split(" [")[0] for h in next(reader)]
        rows = [[float(v) for v in r] for r in reader if r]
    data = np.array(rows) if rows else np.zeros((0, len(names)))
    return {name: data[:, i] for i, name in enumerate(names)}
