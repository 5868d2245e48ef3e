"""Pictures of a particle_fracture run: the hoop stress at its peak and the stress/SOC history."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from battchem import plotting
from battchem.output import read_series


def make_plots(problem, outdir: Path) -> list[Path]:
    """Write plots/hoop_stress.png (field or radial profiles) and plots/series.png."""
    comm = problem.comm
    plots = plotting.plots_folder(outdir, comm)
    paths = [_field_plot(problem, plots)]
    if getattr(problem, "core", None) is not None:
        paths.append(_damage_plot(problem, plots / "damage.png"))
    if comm.rank == 0:
        paths.append(_series_plot(problem, outdir / "series.csv", plots / "series.png"))
    paths = comm.bcast(paths if comm.rank == 0 else None, root=0)
    return [p for p in paths if p is not None]


def _title(problem) -> str:
    cfg = problem.config
    g, m = cfg.geometry, cfg.material
    return f"{m.name}, R = {problem.radius * 1e6:.3g} µm, {g.kind}, {cfg.coupling.mode.replace('_', '-')} coupling"


def _field_plot(problem, folder: Path) -> Path | None:
    peak = problem._peak
    kind = problem.config.geometry.kind
    when = f"t = {peak['time']:.4g} s (largest mean surface hoop stress, {peak['value'] / 1e6:+.1f} MPa)"
    if kind == "sphere_1d":
        return _profile_plot(problem, peak, folder / "hoop_stress.png", when)
    grid = plotting.gather_grid(problem.Vc, {"hoop": peak["hoop"], "c": peak["c"]})
    if grid is None:
        return None
    reduced = problem.config.geometry.symmetry == "reduced"
    if kind == "sphere":
        if reduced:
            grid = plotting.mirror(grid, [(1, 0, 0), (0, 1, 0), (0, 0, 1)], drop_original=True)
        view = "iso"
    else:
        if reduced:
            grid = plotting.mirror(grid, [(1, 0, 0), (0, 1, 0)])
        view = "xy"
    label = "hoop stress [MPa]"
    title = f"Hoop stress, {_title(problem)}\n{when}"
    if kind == "sphere_axisym":
        title = f"Hoop stress σθθ (axisymmetric section), {_title(problem)}\n{when}"
    return plotting.field_picture(grid, "hoop", folder / "hoop_stress.png", title=title, bar_title=label,
                                  scale=1e6, view=view)


def _damage_plot(problem, path: Path) -> Path | None:
    """Final damage field of a run with fracture (disk: in-plane view; sphere: iso view)."""
    grid = plotting.gather_grid(problem.core.Vd, {"damage": problem.core.d.x.array})
    if grid is None:
        return None
    grid.points[:] *= 1e6  # µm
    f = problem.config.fracture
    title = (f"Damage, {_title(problem)}\n{f.model}, {f.split.replace('_', '-')} split, "
             f"l = {f.length_scale * 1e6:.3g} um, G_c = {f.Gc:g} J/m^2, final state")
    view = "xy" if problem.config.geometry.kind == "disk" else "iso"
    return plotting.field_picture(grid, "damage", path, title=title, bar_title="damage d [-]",
                                  cmap="inferno_r", symmetric=False, view=view)


def _profile_plot(problem, peak, path: Path, when: str) -> Path | None:
    V = problem.Vc
    comm = problem.comm
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n, 0]
    parts = comm.gather((x, peak["c"][:n], peak["radial"][:n], peak["hoop"][:n]), root=0)
    if comm.rank != 0:
        return None
    r, c, sr, st = (np.concatenate([p[i] for p in parts]) for i in range(4))
    order = np.argsort(r)
    R, c_max = problem.radius, problem.config.material.c_max
    r, c, sr, st = r[order] / R, c[order] / c_max, sr[order] / 1e6, st[order] / 1e6
    return plotting.curves(path, r, [
        {"ylabel": "c / c_max [-]", "lines": [(c, "")]},
        {"ylabel": "stress [MPa]", "lines": [(sr, "radial σ_r"), (st, "hoop σ_θ")], "reference": [(0.0, "")]},
    ], xlabel="r / R", title=f"{_title(problem)}\n{when}")


def _series_plot(problem, csv: Path, path: Path) -> Path:
    s = read_series(csv)
    t = s["time"]
    scale, unit = (3600.0, "h") if t[-1] > 3 * 3600 else ((60.0, "min") if t[-1] > 180 else (1.0, "s"))
    c_max = problem.config.material.c_max
    return plotting.curves(path, t / scale, [
        {"ylabel": "stress [MPa]", "lines": [
            (s["hoop_surface_max"] / 1e6, "max surface hoop stress"),
            (s["sigma1_max"] / 1e6, "max principal stress"),
            (s["sigma_h_max"] / 1e6, "max hydrostatic stress"),
            (s["sigma_h_min"] / 1e6, "min hydrostatic stress", {"ls": "--"})],
         "reference": [(0.0, "")]},
        {"ylabel": "state of charge [-]", "lines": [
            (s["soc"], "mean (SOC)"), (s["c_surface_mean"] / c_max, "surface c / c_max", {"ls": "--"})]},
    ], xlabel=f"time [{unit}]", title=_title(problem))
