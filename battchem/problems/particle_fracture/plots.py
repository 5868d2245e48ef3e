"""Pictures of a particle_fracture run: the hoop stress at its peak and the stress/SOC history."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from battchem import plotting
from battchem.output import read_series
from battchem.parallel import on_root


def make_plots(problem, outdir: Path) -> list[Path]:
    """Write plots/hoop_stress.png (field or radial profiles), plots/damage.png (with fracture) and
    plots/series.png. The fields are gathered collectively; rank 0 draws, and every rank returns
    the paths or raises the drawing error."""
    comm = problem.comm
    plots = plotting.plots_folder(outdir, comm)
    peak = problem._peak
    if problem.config.geometry.kind == "sphere_1d":
        profile = _gather_profile(problem, peak)
    else:
        hoop = plotting.gather_grid(problem.Vc, {"hoop": peak["hoop"], "c": peak["c"]})
    damage = None
    if getattr(problem, "core", None) is not None:
        damage = plotting.gather_grid(problem.core.Vd, {"damage": problem.core.d.x.array})

    def draw() -> list[Path]:
        if problem.config.geometry.kind == "sphere_1d":
            paths = [_profile_plot(problem, profile, plots / "hoop_stress.png", _when(peak))]
        else:
            paths = [_field_plot(problem, hoop, plots)]
        if damage is not None:
            paths.append(_damage_plot(problem, damage, plots / "damage.png"))
        paths.append(_series_plot(problem, outdir / "series.csv", plots / "series.png"))
        return paths

    return on_root(comm, draw)


def _when(peak) -> str:
    return f"t = {peak['time']:.4g} s (largest mean surface hoop stress, {peak['value'] / 1e6:+.1f} MPa)"


def _title(problem) -> str:
    cfg = problem.config
    g, m = cfg.geometry, cfg.material
    coupling = cfg.coupling.mode.replace("_", "-")
    return (f"{m.label()}, R = {problem.radius * 1e6:.3g} µm, {g.kind}, {coupling} coupling, "
            f"{_protocol(cfg.operation)}")


def _protocol(operation) -> str:
    """The segments as "2C extraction, then rest 600 s (× cycles)"."""
    parts = []
    for seg in operation.segments[:3]:
        if seg.direction == "rest":
            parts.append(f"rest {seg.duration:g} s")
        elif seg.c_rate is not None:
            parts.append(f"{seg.c_rate:g}C {seg.direction}")
        else:
            parts.append(f"{seg.current_density:g} A/m² {seg.direction}")
    text = ", then ".join(parts) + (", ..." if len(operation.segments) > 3 else "")
    return text + (f" (× {operation.cycles})" if operation.cycles > 1 else "")


def _field_plot(problem, grid, folder: Path) -> Path:
    kind = problem.config.geometry.kind
    when = _when(problem._peak)
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


def _damage_plot(problem, grid, path: Path) -> Path:
    """Final damage field of a run with fracture (disk: in-plane view; sphere: iso view)."""
    grid.points[:] *= 1e6  # µm
    f = problem.config.fracture
    title = (f"Damage, {_title(problem)}\n{f.model}, {f.split.replace('_', '-')} split, "
             f"l = {f.length_scale * 1e6:.3g} µm, G_c = {f.Gc:g} J/m^2, final state")
    view = "xy" if problem.config.geometry.kind == "disk" else "iso"
    return plotting.field_picture(grid, "damage", path, title=title, bar_title="damage d [-]",
                                  cmap="inferno_r", symmetric=False, view=view)


def _gather_profile(problem, peak):
    """(r, c, σ_r, σ_θ) of the radial mesh on rank 0 (None elsewhere)."""
    V = problem.Vc
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n, 0]
    parts = problem.comm.gather((x, peak["c"][:n], peak["radial"][:n], peak["hoop"][:n]), root=0)
    if parts is None:
        return None
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def _profile_plot(problem, profile, path: Path, when: str) -> Path:
    r, c, sr, st = profile
    order = np.argsort(r)
    R, c_max = problem.radius, problem.mat.c_max
    r, c, sr, st = r[order] / R, c[order] / c_max, sr[order] / 1e6, st[order] / 1e6
    return plotting.curves(path, r, [
        {"ylabel": "c / c_max [-]", "lines": [(c, "")]},
        {"ylabel": "stress [MPa]", "lines": [(sr, "radial σ_r"), (st, "hoop σ_θ")], "reference": [(0.0, "")]},
    ], xlabel="r / R", title=f"{_title(problem)}\n{when}")


def _series_plot(problem, csv: Path, path: Path) -> Path:
    s = read_series(csv)
    t = s["time"]
    scale, unit = (3600.0, "h") if t[-1] > 3 * 3600 else ((60.0, "min") if t[-1] > 180 else (1.0, "s"))
    c_max = problem.mat.c_max
    panels = [
        {"ylabel": "stress [MPa]", "lines": [
            (s["hoop_surface_max"] / 1e6, "max surface hoop stress"),
            (s["sigma1_max"] / 1e6, "max principal stress"),
            (s["sigma_h_max"] / 1e6, "max hydrostatic stress"),
            (s["sigma_h_min"] / 1e6, "min hydrostatic stress", {"ls": "--"})],
         "reference": [(0.0, "")]},
        {"ylabel": "state of charge [-]", "lines": [
            (s["soc"], "mean (SOC)"), (s["c_surface_mean"] / c_max, "surface c / c_max", {"ls": "--"})]},
    ]
    if "crack_measure" in s:  # with fracture: the crack measure, and when the crack initiated
        disk = problem.config.geometry.kind == "disk"
        gamma, gamma_unit = ((s["crack_measure"] * 1e6, "µm") if disk
                             else (s["crack_measure"] * 1e12, "µm²"))
        what = "regularised crack length" if disk else "regularised crack area"
        panels.append({"ylabel": f"damage: Γ_ℓ [{gamma_unit}]", "lines": [(gamma, f"Γ_ℓ, {what}")]})
        initiation = s["crack_initiation_time"][-1] if len(t) else np.nan
        if np.isfinite(initiation):
            for panel in panels:
                panel["marks"] = [(initiation / scale, "")]
            panels[-1]["marks"] = [(initiation / scale, f"crack initiation, t = {initiation:.4g} s")]
    return plotting.curves(path, t / scale, panels, xlabel=f"time [{unit}]", title=_title(problem))
