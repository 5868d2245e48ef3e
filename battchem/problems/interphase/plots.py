"""Pictures of an interphase run: thickness, resistance, stresses and cracks against time, and (2-D,
3-D) the interphase, the damage and the largest principal stress at the end."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from battchem import plotting
from battchem.output import read_series
from battchem.parallel import on_root


def _time_axis(t):
    for scale, unit in ((86400.0 * 7, "weeks"), (86400.0, "days"), (3600.0, "h"), (60.0, "min")):
        if t[-1] > 3 * scale:
            return t / scale, unit
    return t, "s"


def title(problem) -> str:
    cfg = problem.config
    g, ip = cfg.geometry, cfg.interphase
    expansion = problem.ip.expansion
    text = (f"{cfg.electrolyte.label()} | interphase {ip.label()}, {g.kind}, "
            f"ε_v = {expansion:.3g} ({ip.expansion_kind})")
    if cfg.operation.stack_pressure:
        text += f", p = {cfg.operation.stack_pressure / 1e6:.3g} MPa"
    return text


def series_plot(problem, csv: Path, path: Path) -> Path:
    s = read_series(csv)
    t, unit = _time_axis(s["time"])
    panels = [
        {"ylabel": "thickness [µm]", "lines": [(s["thickness_mean"] * 1e6, "mean (volume / contact area)"),
                                               (s["thickness_max"] * 1e6, "max (ξ ≥ 1/2)", {"ls": "--"})]},
        {"ylabel": "ASR / ASR(0)", "lines": [(s["asr_ratio"], f"ASR(0) = {s['asr'][0] * 1e4:.3g} Ω cm²")],
         "log": True},
        {"ylabel": "stress [MPa]", "lines": [
            (s["sigma1_max_electrolyte"] / 1e6, "max principal, electrolyte"),
            (s["interphase_inplane_stress"] / 1e6, "mean in-plane, interphase", {"ls": "--"})],
         "reference": [(0.0, "")]},
    ]
    if "crack_area" in s:
        panels.append({"ylabel": "damage", "lines": [(s["damage_max"], "max d")]})
    _panels(path, t, panels, unit, title(problem))
    return path


def _panels(path, t, panels, unit, text):
    """Stacked panels sharing the time axis (like plotting.curves, with optional log y axes)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 1, figsize=(7.0, 2.6 * len(panels)), sharex=True, squeeze=False)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        for line in panel["lines"]:
            style = dict(line[2]) if len(line) > 2 else {}
            ax.plot(t, line[0], label=line[1], **style)
        for value, _ in panel.get("reference", []):
            ax.axhline(value, color="0.4", ls=":", lw=1)
        if panel.get("log"):
            ax.set_yscale("log")
        ax.set_ylabel(panel["ylabel"])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel(f"time [{unit}]")
    axes[0, 0].set_title(text, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def make_plots(problem, outdir: Path) -> list[Path]:
    """plots/series.png; in 2-D and 3-D also plots/fields.png (ξ, damage or σ1, at the end of the run)."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    grid = None
    dim = problem.config.geometry.dim
    if dim > 1:
        data = {"xi": problem.xi.x.array, "sigma1": problem.sigma1.x.array}
        if problem.core is not None:
            data["d"] = problem.core.d.x.array
        grid = plotting.gather_grid(problem.V, data)

    def draw() -> list[Path]:
        paths = [series_plot(problem, Path(outdir) / "series.csv", folder / "series.png")]
        if grid is not None:
            fields = field_panels if dim == 2 else field_volume
            paths.append(fields(problem, grid, folder / "fields.png"))
        return paths

    return on_root(comm, draw)


def field_panels(problem, grid, path: Path) -> Path:
    """Side-by-side maps (matplotlib triangulation): ξ, then d (or σ1 without fracture)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.tri as mtri

    g = grid.clean()
    pts = g.points[:, :2] * 1e6
    cells = g.cells_dict
    tris = next(iter(cells.values()))
    triang = mtri.Triangulation(pts[:, 0], pts[:, 1], tris)
    names = [("xi", "interphase fraction ξ", "viridis", (0, 1))]
    if "d" in g.point_data:
        names.append(("d", "damage d", "inferno_r", (0, 1)))
    else:
        s1 = g.point_data["sigma1"] / 1e6
        lim = float(np.nanmax(np.abs(s1)))
        names.append(("sigma1", "max principal stress [MPa]", "coolwarm", (-lim, lim)))
    fig, axes = plt.subplots(1, len(names), figsize=(5.2 * len(names), 4.6), squeeze=False)
    for ax, (key, label, cmap, lim) in zip(axes[0], names, strict=True):
        values = g.point_data[key] / (1e6 if key == "sigma1" else 1.0)
        m = ax.tripcolor(triang, values, shading="gouraud", cmap=cmap, vmin=lim[0], vmax=lim[1])
        fig.colorbar(m, ax=ax, label=label, shrink=0.85)
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.set_xlabel("x [µm]" if problem.config.geometry.kind == "slab_2d" else "r [µm]")
        ax.set_ylabel("depth [µm]")
    fig.suptitle(title(problem), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return Path(path)


def field_volume(problem, grid, path: Path) -> Path:
    """3-D (pyvista, off-screen): the slab mirrored through its symmetry planes x = 0 and y = 0, depth
    downwards, seen from the side. Left: ξ with a quarter cut away; right: the interphase front (ξ =
    1/2) and the cracked electrolyte (d ≥ the initiation damage; without fracture, σ1 ≥ 0.9 of its
    maximum) inside the outline of the slab."""
    import pyvista

    plotting.ensure_display()
    g = grid.clean()
    g.points[:] = g.points * np.array([1e6, 1e6, -1e6])  # µm, Li face on top
    g = plotting.mirror(g, [(1, 0, 0), (0, 1, 0)]).clean()
    x0, x1, y0, y1, z0, z1 = g.bounds
    cut = g.clip_box([0.0, x1 + 1, y0 - 1, 0.0, z0 - 1, z1 + 1], invert=True)
    f = problem.config.fracture
    if "d" in g.point_data:
        level, key, label = f.initiation_damage, "d", f"crack (d >= {f.initiation_damage:g})"
    else:
        level, key, label = 0.9 * float(np.nanmax(g.point_data["sigma1"])), "sigma1", "sigma1 >= 0.9 max"
    # VTK's fonts have no Greek letters
    bar = {"title": "interphase fraction xi", "color": "black", "vertical": False, "position_x": 0.2,
           "position_y": 0.04, "width": 0.6, "title_font_size": 16, "label_font_size": 14, "fmt": "%.2g"}
    plotter = pyvista.Plotter(off_screen=True, shape=(1, 2), window_size=[1800, 860], border=False)
    plotter.set_background("white")
    plotter.subplot(0, 0)
    plotter.add_mesh(cut.extract_surface(nonlinear_subdivision=0), scalars="xi", cmap="viridis", clim=(0, 1),
                     scalar_bar_args=bar)
    plotter.add_text("interphase fraction, a quarter cut away", font_size=11, color="black")
    plotter.subplot(0, 1)
    plotter.add_mesh(g.outline(), color="black", line_width=1)
    front = g.contour([0.5], scalars="xi")
    if front.n_points:
        plotter.add_mesh(front, color="#3a7bd5", opacity=0.5, smooth_shading=True)
    crack = g.contour([level], scalars=key)
    if crack.n_points:
        plotter.add_mesh(crack, color="#d62728", smooth_shading=True)
    plotter.add_text(f"interphase front (xi = 1/2, blue), {label} (red)", font_size=11, color="black")
    plotter.link_views()
    centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.5 * (z0 + z1)])
    size = max(x1 - x0, y1 - y0, z1 - z0)
    plotter.camera_position = [tuple(centre + size * np.array([1.3, -2.0, 0.9])), tuple(centre), (0, 0, 1)]
    plotter.reset_camera()  # the same direction, the whole slab in view
    cfg = problem.config
    plotter.add_text(f"{cfg.electrolyte.name} | {cfg.interphase.name}, t = {problem._t_accepted:.4g} s; "
                     f"depth {cfg.geometry.thickness * 1e6:.3g} um, mirrored about x = 0 and y = 0",
                     position="lower_edge", font_size=9, color="black")
    path = Path(path)
    plotter.screenshot(str(path))
    plotter.close()
    return path


CRACK_TIME = "first_crack_time"


def crack_map(config, rows: list[dict], outdir: Path) -> list[Path]:
    """The map of the time to first cracking of a sweep over two axes (a grid key, and a second grid key
    or the zipped keys together, e.g. K_IC × growth rate) whose summary has first_crack_time:
    crack_map.csv (per case the axis values, the time to first cracking, NaN when the electrolyte did
    not crack, the mean thickness then, the run's status) and crack_map.png (the map, log colours)."""
    s = config.sweep
    y_keys = list(s.grid)[:1]
    x_keys = list(s.grid)[1:] if len(s.grid) == 2 else list(s.zip)
    if (CRACK_TIME not in s.summary or config.fracture is None or len(s.grid) + bool(s.zip) != 2
            or not y_keys or not x_keys):
        return []
    ys = list(s.grid[y_keys[0]])
    xs = list(zip(*(s.grid[k] if k in s.grid else s.zip[k] for k in x_keys), strict=True))
    t_map = np.full((len(ys), len(xs)), np.nan)
    delta = np.full_like(t_map, np.nan)
    status = np.full(t_map.shape, "missing", dtype=object)
    for r in rows:
        i, j = ys.index(r[y_keys[0]]), xs.index(tuple(r[k] for k in x_keys))
        t, thickness = r.get(CRACK_TIME), r.get("thickness_mean")
        t_map[i, j] = t if isinstance(t, (int, float)) else np.nan
        delta[i, j] = thickness if isinstance(thickness, (int, float)) else np.nan
        status[i, j] = r.get("status", "")
    duration = sum(seg.duration or 0.0 for seg in config.operation.segments)
    lines = [f"# time to first cracking (max d >= {config.fracture.initiation_damage:g}); nan: no crack "
             f"within the run ({duration:g} s); thickness_mean at the first cracking (else at the end)",
             ",".join([*y_keys, *x_keys, "first_crack_time [s]", "thickness_mean [m]", "status"])]
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            lines.append(",".join([f"{y:.6g}", *(f"{v:.6g}" for v in x), f"{t_map[i, j]:.6g}",
                                   f"{delta[i, j]:.6g}", str(status[i, j])]))
    outdir = Path(outdir)
    table = outdir / "crack_map.csv"
    table.write_text("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    minutes = t_map / 60
    finite = minutes[np.isfinite(minutes)]
    norm = LogNorm(vmin=finite.min(), vmax=max(finite.max(), duration / 60)) if finite.size else None
    fig, ax = plt.subplots(figsize=(6.8, 4.6))
    image = ax.imshow(minutes, origin="lower", cmap="viridis_r", norm=norm, aspect="auto")
    for i in range(len(ys)):
        for j in range(len(xs)):
            if np.isfinite(minutes[i, j]):
                text = f"{minutes[i, j]:.3g} min\nδ {delta[i, j] * 1e6:.3g} µm"
            else:
                done = status[i, j] == "completed"
                text = f"no crack\nin {duration / 3600:.3g} h" if done else str(status[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    bbox={"facecolor": "w", "alpha": 0.7, "edgecolor": "none"})
    labels = ["\n".join(f"{k.split('.')[-1]} {v:.3g}" for k, v in zip(x_keys, x, strict=True)) for x in xs]
    ax.set_xticks(range(len(xs)), labels, fontsize=8)
    ax.set_yticks(range(len(ys)), [f"{y:.3g}" for y in ys])
    ax.set_xlabel(" and ".join(x_keys))
    ax.set_ylabel(y_keys[0])
    if norm is not None:
        fig.colorbar(image, ax=ax, label="time to first cracking [min]")
    ax.set_title(f"{config.title}"[:90], fontsize=9)
    fig.tight_layout()
    picture = outdir / "crack_map.png"
    fig.savefig(picture, dpi=130)
    plt.close(fig)
    return [table, picture]
