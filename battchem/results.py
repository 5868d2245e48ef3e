"""A run's outputs as Python objects: :func:`load` an output directory, or take the :class:`Result`
that :func:`battchem.run` returns.

    result = battchem.load("out/demo")
    result                                   # Result(particle_fracture, completed: 59 steps to ...)
    result.series["hoop_surface_max"]        # numpy array, one value per accepted step
    result.units["hoop_surface_max"]         # "Pa"
    result.times                             # the times at which fields/ holds the fields
    c = result.field("concentration", t=600) # the written state nearest t = 600 s
    c.time, c.at([[0, 0, 0], [5e-6, 0, 0]]), c.along([0, 0, 0], [5e-6, 0, 0], n=50)
    result.plot()                            # redraw plots/; result.plot("hoop_stress", t=600)

Fields are read from the VTX files of ``fields/`` (:mod:`battchem.vtx`), so every time a run wrote
them is available (every ``output.fields_every`` steps, milestones such as segment ends, the first
and the last state), not only the checkpoint; a time between two written ones gives the nearest
written state, whose time ``FieldState.time`` says (fields are not interpolated in time). Values
are computed on each process alone (a serial mesh of the written cells): the same on every rank,
and no collective call, so a script may ask on rank 0 only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class FieldState:
    """One field at one written time: ``function`` is a dolfinx Function on a serial mesh."""

    name: str
    time: float
    unit: str
    function: object

    def __repr__(self) -> str:
        unit = f" [{self.unit}]" if self.unit else ""
        return f"FieldState({self.name}{unit} at t = {self.time:.6g})"

    def at(self, points) -> np.ndarray:
        """Values at ``points`` (one point, or rows of 1 to 3 coordinates): shape (n,) for a scalar,
        (n, components) for a vector; NaN outside the body."""
        from battchem.sampling import PointSampler

        return PointSampler(self.function.function_space.mesh, np.atleast_2d(points))(self.function)

    def along(self, start, end, n: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """(s, values) at ``n`` points evenly spaced from ``start`` to ``end``; s is the distance
        from ``start``."""
        from battchem.sampling import LineSampler

        sampler = LineSampler(self.function.function_space.mesh, start, end, n)
        return sampler.s, sampler(self.function)


@dataclass
class Result:
    """What a run produced: ``series`` maps column names (no units) to arrays, ``units`` the same
    names to their units, ``manifest`` is manifest.json; fields at the written times through
    :meth:`field`, :meth:`at` and :meth:`along`."""

    outdir: Path
    status: str
    series: dict[str, np.ndarray] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.manifest.get("message", "")

    @property
    def problem(self) -> str:
        return self.manifest.get("problem", "?")

    def __repr__(self) -> str:
        steps = self.manifest.get("steps", {})
        unit = self.manifest.get("time_axis", {}).get("unit", "s")
        final = steps.get("final_time", float("nan"))
        where = f"{steps.get('accepted', '?')} steps to t = {final:.6g} {unit}" if steps else "no steps yet"
        message = f" ({self.message})" if self.message else ""
        return (f"Result({self.problem}, {self.status}: {where}{message}; {len(self.series)} series columns; "
                f"{self.outdir})")

    # fields -------------------------------------------------------------------------------
    def _files(self) -> list:
        """The VTX files of fields/, in the order they were written (restarts, remeshes later)."""
        from battchem.vtx import VTXFile

        cached = self.__dict__.get("_vtx")
        folder = Path(self.outdir) / "fields"
        paths = sorted(folder.glob("*.bp"), key=lambda p: (p.stat().st_mtime, p.name)) if folder.is_dir() \
            else []
        if cached is None or [f.path for f in cached] != paths:
            cached = self.__dict__["_vtx"] = [VTXFile(p) for p in paths]
        return cached

    @property
    def fields(self) -> list[str]:
        """Names of the fields written to fields/."""
        return list(dict.fromkeys(name for f in self._files() for name in f.names))

    @property
    def times(self) -> np.ndarray:
        """Every time at which fields were written."""
        return np.unique([t for f in self._files() for t in f.times])

    def field(self, name: str, t: float | None = None) -> FieldState:
        """``name`` at the written time nearest ``t`` (None: the last one)."""
        files = [f for f in self._files() if name in f.names]
        if not files:
            raise KeyError(f"no field '{name}' in {Path(self.outdir) / 'fields'} (fields: "
                           f"{', '.join(self.fields)})")
        target = max(max(f.times) for f in files) if t is None else float(t)
        # nearest time; on a tie the file written last (after a restart or a remesh)
        best = min((abs(time - target), -i, i, k) for i, f in enumerate(files)
                   for k, time in enumerate(f.times))
        vtx, step = files[best[2]], best[3]
        unit = self.manifest.get("field_units", {}).get(name, "")
        return FieldState(name, vtx.times[step], unit, vtx.function(name, step))

    def at(self, name: str, points, t: float | None = None) -> np.ndarray:
        """Values of field ``name`` at ``points`` at the written time nearest ``t``."""
        return self.field(name, t).at(points)

    def along(self, name: str, start, end, n: int = 50, t: float | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """(s, values) of field ``name`` along the segment ``start``-``end`` at the time nearest ``t``."""
        return self.field(name, t).along(start, end, n)

    def profile(self, name: str) -> dict[str, np.ndarray]:
        """profiles/<name>.csv (a :class:`battchem.exports.LineProfile` of the run) as arrays."""
        from battchem.sampling import read_profiles

        return read_profiles(Path(self.outdir) / "profiles" / f"{name}.csv")

    # pictures -----------------------------------------------------------------------------
    def plot(self, field: str | None = None, t: float | None = None, comm=None) -> list[Path]:
        """Draw pictures into plots/. No arguments: the problem's own pictures, redrawn from the
        checkpoint (collective, as ``battchem plot OUTDIR``). With ``field`` and/or ``t``: that field
        (default: the first written) at the written time nearest ``t`` (default: the last)."""
        from mpi4py import MPI

        comm = comm or MPI.COMM_WORLD
        if field is None and t is None:
            from battchem.driver import replot

            return replot(Path(self.outdir), comm)
        from battchem.parallel import on_root

        return [on_root(comm, self._field_picture, field or self.fields[0], t)]

    def _field_picture(self, name: str, t: float | None) -> Path:
        from battchem import plotting
        from battchem.vtx import vtk_grid

        state = self.field(name, t)
        files = [f for f in self._files() if name in f.names]
        vtx = next(f for f in reversed(files) if state.time in f.times)
        folder = Path(self.outdir) / "plots"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}_t{state.time:.6g}.png"
        time_unit = self.manifest.get("time_axis", {}).get("unit", "s")
        title = f"{self.manifest.get('title') or self.problem}, t = {state.time:.6g} {time_unit}"
        if vtx.mesh(0).tdim == 1:  # a 1-D body (e.g. a radial model): the field against x
            m = vtx.mesh(vtx.step_of(state.time))
            order = np.argsort(m.x[:, 0])
            values = vtx.values(name, vtx.step_of(state.time))[order]
            x_scale, x_unit = display_scale("m", m.x[:, 0])
            scale, unit = display_scale(state.unit, values)
            lines = [(values[:, i] / scale, f"{name}_{i}" if values.shape[1] > 1 else "")
                     for i in range(values.shape[1])]
            panel = {"ylabel": f"{name} [{unit}]" if unit else name, "lines": lines}
            return plotting.curves(path, m.x[order, 0] / x_scale, [panel], xlabel=f"x [{x_unit}]",
                                   title=title)
        grid = vtk_grid(vtx, vtx.times.index(state.time), [name])
        data = grid.point_data if name in grid.point_data else grid.cell_data
        values = np.asarray(data[name])
        if values.ndim > 1:  # a vector: its magnitude
            data[name] = np.linalg.norm(values, axis=1)
            label = f"|{name}|"
        else:
            label = name
        scale, unit = display_scale(state.unit, np.asarray(data[name]))
        if data is grid.cell_data:
            grid = grid.cell_data_to_point_data()
        values = np.asarray(grid.point_data[name])
        symmetric = values.size > 0 and values.min() < 0 < values.max()
        view = "xy" if vtx.mesh(0).tdim < 3 else "iso"
        title = f"{label}, {title}"
        return plotting.field_picture(grid, name, path, title=title, scale=scale, view=view,
                                      bar_title=f"{label} [{unit}]" if unit else label, symmetric=symmetric,
                                      cmap="coolwarm" if symmetric else "viridis")


def display_scale(unit: str, values: np.ndarray) -> tuple[float, str]:
    """(divisor, unit) that shows ``values`` in ``unit`` with a readable prefix: Pa as MPa or GPa,
    m as µm or mm (values as they are for other units)."""
    peak = float(np.nanmax(np.abs(values))) if values.size else 0.0
    if unit == "Pa":
        return (1e9, "GPa") if peak >= 1e9 else (1e6, "MPa")
    if unit == "m":
        return (1e-3, "mm") if peak >= 1e-3 else (1e-6, "µm")
    return 1.0, unit


def load(outdir: str | Path) -> Result:
    """The :class:`Result` of the run in ``outdir`` (finished, failed, interrupted or running)."""
    from battchem.output import read_manifest, read_series, series_units

    outdir = Path(outdir)
    manifest = read_manifest(outdir)
    if manifest is None:
        raise FileNotFoundError(f"{outdir} holds no battchem run (no readable manifest.json)")
    series_path = outdir / "series.csv"
    series = read_series(series_path) if series_path.exists() else {}
    units = series_units(series_path) if series_path.exists() else {}
    return Result(outdir.resolve(), manifest["status"], series, manifest, units)
