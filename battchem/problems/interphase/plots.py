"""Pictures of an interphase run: thickness, resistance, stresses and cracks against time, and (2-D)
the interphase, the damage and the largest principal stress at the end."""

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
    """plots/series.png; in 2-D also plots/fields.png (ξ, damage or σ1, at the end of the run)."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    grid = None
    if problem.config.geometry.dim == 2:
        data = {"xi": problem.xi.x.array, "sigma1": problem.sigma1.x.array}
        if problem.core is not None:
            data["d"] = problem.core.d.x.array
        grid = plotting.gather_grid(problem.V, data)

    def draw() -> list[Path]:
        paths = [series_plot(problem, Path(outdir) / "series.csv", folder / "series.png")]
        if grid is not None:
            paths.append(field_panels(problem, grid, folder / "fields.png"))
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
