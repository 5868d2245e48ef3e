"""Quantities a user adds to a run without editing battchem (``battchem.run(..., exports=[...])``).

- :class:`Probe`: an output field at fixed points, as series.csv columns at every accepted step;
- :class:`LineProfile`: an output field along a segment, in ``profiles/<name>.csv``, at given times
  (the steps land on them) or whenever the fields are written;
- :class:`Quantity`: any scalar ``function(problem, t)`` as a series.csv column.

Fields are named as in fields/ (``battchem.load(OUTDIR).fields``, e.g. ``concentration``,
``hoop_stress``, ``displacement``). Point values are the same on every rank and for any partition
(:mod:`battchem.sampling`); a remeshed or moving body is located again. Give the same exports when
a run is continued with ``--restart`` (``restart=True``): their columns continue.

    probe = battchem.Probe("c_centre", "concentration", [0, 0, 0], unit="mol/m^3")
    line = battchem.LineProfile("hoop_radius", "hoop_stress", [0, 0, 0], [5e-6, 0, 0], times=[600, 1200])
    result = battchem.run("in.yaml", "out/x", exports=[probe, line])
    result.series["c_centre"], result.profile("hoop_radius")
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


class Export:
    """Base of the exports: the driver calls :meth:`start` once the problem is set up, then
    :meth:`values` for every series row and :meth:`after_step` after every accepted step, all
    collectively (every rank, same order)."""

    name: str

    def start(self, lookup: Callable, problem, outdir: Path, resume_time: float | None) -> None:
        """``lookup(field)`` returns the named output Function with current values."""
        self.lookup, self.problem = lookup, problem

    def columns(self) -> list[tuple[str, str]]:
        """(name, unit) of the series columns this export adds."""
        return []

    def values(self, t: float) -> dict[str, float]:
        """The values of :meth:`columns` at the accepted state at ``t``."""
        return {}

    def times(self) -> list[float]:
        """Times the steps must land on."""
        return []

    def after_step(self, t: float, fields_written: bool) -> None:
        """Called after each accepted step (and for the initial and final states)."""


class _Located:
    """A sampler of a function's mesh, rebuilt when the mesh is replaced (remesh) or moved."""

    def __init__(self, build: Callable):
        self.build = build
        self.key = None
        self.sampler = None

    def __call__(self, mesh):
        from battchem.moving import geometry_revision

        key = (id(mesh), geometry_revision(mesh))
        if key != self.key:
            self.sampler, self.key = self.build(mesh), key
        return self.sampler


class Probe(Export):
    """Values of output field ``field`` at ``points`` (one point or rows of coordinates) as series
    columns: ``name`` for one point of a scalar, ``name_<i>`` for the i-th of several points, and
    ``_<component>`` (0, 1, 2) for each component of a vector field."""

    def __init__(self, name: str, field: str, points, unit: str = ""):
        self.name, self.field, self.unit = name, field, unit
        self.points = np.atleast_2d(np.asarray(points, dtype=float))
        self._shape: tuple = ()

    def start(self, lookup, problem, outdir, resume_time):
        from battchem.sampling import PointSampler

        super().start(lookup, problem, outdir, resume_time)
        self._shape = tuple(lookup(self.field).function_space.value_shape)
        self._sampler = _Located(lambda mesh: PointSampler(mesh, self.points))

    def _labels(self) -> list[str]:
        points = [""] if len(self.points) == 1 else [f"_{i}" for i in range(len(self.points))]
        components = [""] if not self._shape else [f"_{i}" for i in range(int(np.prod(self._shape)))]
        return [f"{self.name}{p}{c}" for p in points for c in components]

    def columns(self):
        return [(label, self.unit) for label in self._labels()]

    def values(self, t):
        f = self.lookup(self.field)
        values = self._sampler(f.function_space.mesh)(f).reshape(len(self.points), -1)
        return dict(zip(self._labels(), values.ravel(), strict=True))


class LineProfile(Export):
    """Output field ``field`` at ``n`` points from ``start`` to ``end`` in profiles/<name>.csv
    (columns time, s, x, y, z and the field's components; :func:`battchem.sampling.read_profiles`
    or ``Result.profile(name)`` read it back): at ``times`` (milestones of the stepping), or, when
    ``times`` is None, whenever the run writes its fields."""

    def __init__(self, name: str, field: str, start: Sequence[float], end: Sequence[float], n: int = 50,
                 times: Sequence[float] | None = None, unit: str = ""):
        self.name, self.field, self.unit = name, field, unit
        self.start_point, self.end_point, self.n = start, end, n
        self._times = None if times is None else sorted(float(t) for t in times)

    def start(self, lookup, problem, outdir, resume_time):
        from battchem.sampling import LineSampler, ProfileField, ProfileWriter

        super().start(lookup, problem, outdir, resume_time)
        self._sampler = _Located(lambda mesh: LineSampler(mesh, self.start_point, self.end_point, self.n))
        f = lookup(self.field)
        self.writer = ProfileWriter(outdir, self.name, self._sampler(f.function_space.mesh),
                                    [ProfileField(self.field, f, self.unit)], times=self._times,
                                    resume_time=resume_time)

    def times(self):
        return list(self._times or [])

    def after_step(self, t, fields_written):
        if self._times is None and not fields_written:
            return
        f = self.lookup(self.field)
        self.writer.sampler = self._sampler(f.function_space.mesh)
        self.writer.fields[0].function = f
        self.writer.write(t)  # when due: at one of the times, or not yet written at t


class Quantity(Export):
    """Any scalar of the accepted state, ``function(problem, t) -> float``, as the series column
    ``name``. The function is called on every rank and must return the same value on each (use
    collective helpers such as :func:`battchem.evaluation.integral`)."""

    def __init__(self, name: str, function: Callable, unit: str = ""):
        self.name, self.function, self.unit = name, function, unit

    def columns(self):
        return [(self.name, self.unit)]

    def values(self, t):
        return {self.name: float(self.function(self.problem, t))}
