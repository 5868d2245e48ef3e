"""Pictures of a void_growth run: the interfacial site fraction against stripped capacity."""

from __future__ import annotations

from pathlib import Path

from battchem import plotting
from battchem.output import read_series
from battchem.parallel import on_root


def vacancy_plots(problem, outdir: Path) -> list[Path]:
    """plots/site_fraction.png: the interfacial and mean Li site fractions against time, with the
    semi-infinite depletion time for comparison."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    theory = problem.results().get("depletion_time_semi_infinite [s]")

    def draw() -> list[Path]:
        s = read_series(outdir / "series.csv")
        hours = s["time"] / 3600.0
        lines = [(s["site_fraction_interface"], "at the interface"), (s["site_fraction_mean"], "mean", {"ls": "--"})]
        if theory is not None and theory <= 1.2 * s["time"][-1]:
            lines.append(([0.0, 1.0], f"π D (c0 F)²/(4 j²) = {theory / 3600:.3g} h",
                          {"x": [theory / 3600, theory / 3600], "color": "0.3", "ls": "-."}))
        cfg = problem.config
        title = (f"{cfg.metal.label()}, L = {cfg.electrode.thickness * 1e6:g} µm ({cfg.electrode.back} back)")
        return [plotting.curves(folder / "site_fraction.png", hours,
                                [{"ylabel": "Li site fraction c/c0", "lines": lines}], xlabel="time [h]",
                                title=title)]

    return on_root(comm, draw)


def creep_plots(problem, outdir: Path) -> list[Path]:
    """plots/contact.png (contact fraction, void volume, current densities and overpotential against
    time) and plots/void_shape.png (the void surface and the current density along the interface at
    several times)."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    snapshots = list(problem.snapshots)

    def draw() -> list[Path]:
        return [_contact_history(problem, outdir / "series.csv", folder / "contact.png"),
                void_shape_picture(snapshots, folder / "void_shape.png", _creep_title(problem))]

    return on_root(comm, draw)


def _creep_title(problem) -> str:
    cfg = problem.config
    op, v = cfg.operation, cfg.voids
    return (f"{cfg.creep.label()}, {cfg.interface.label()}; {cfg.geometry.coordinates.replace('_', ' ')}\n"
            f"void {v.shape} {v.size * 1e6:g} µm wide every {cfg.geometry.spacing * 1e6:g} µm; "
            f"p = {op.stack_pressure / 1e6:g} MPa, T = {op.temperature:g} K")


def _contact_history(problem, csv: Path, path: Path) -> Path:
    s = read_series(csv)
    t = s["time"] / 3600.0
    unit = "µm³" if problem.axisymmetric else "µm²"
    scale = 1e18 if problem.axisymmetric else 1e12
    panels = [{"ylabel": "contact fraction", "lines": [(s["contact_fraction"], "")]},
              {"ylabel": f"void volume [{unit}]", "lines": [(s["void_volume"] * scale, "")]},
              {"ylabel": "current density [mA/cm²]",
               "lines": [(s["current_density"] / 10, "applied"), (s["current_density_mean"] / 10,
                                                                  "mean on contact"),
                         (s["current_density_peak"] / 10, "peak", {"ls": "--"})]},
              {"ylabel": "overpotential [mV]", "lines": [(s["cell_overpotential"] * 1e3, "")]}]
    return plotting.curves(path, t, panels, xlabel="time [h]", title=_creep_title(problem))


def void_shape_picture(snapshots: list[dict], path: Path, title: str, count: int = 6) -> Path:
    """The void surface (top) and the current density along the interface (bottom) at up to
    ``count`` of the ``snapshots`` (evenly chosen, the first and the last included)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.collections import LineCollection

    chosen = [s for s in snapshots if "segments" in s]
    if len(chosen) > count:
        picks = np.unique(np.round(np.linspace(0, len(chosen) - 1, count)).astype(int))
        chosen = [chosen[i] for i in picks]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.0, 6.0), sharex=True)
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, max(len(chosen), 1)))
    for snap, colour in zip(chosen, colours):
        label = f"t = {snap['time'] / 3600:.3g} h, contact {snap['contact_fraction']:.3f}"
        seg = np.asarray(snap["segments"]).reshape(-1, 5)
        free = seg[seg[:, 4] == 0.0]
        lines = free[:, :4].reshape(-1, 2, 2) * 1e6
        top.add_collection(LineCollection(lines, colors=[colour], linewidths=1.5, label=label))
        bottom.plot(np.asarray(snap["x"]) * 1e6, np.asarray(snap["current"]) / 10, color=colour, label=label)
    top.axhline(0.0, color="0.3", lw=2)
    top.autoscale()
    top.set_ylabel("y [µm] (void surface)")
    top.set_ylim(bottom=-0.05 * max(top.get_ylim()[1], 1e-3))
    top.legend(fontsize=7, loc="upper right")
    top.set_title(title, fontsize=9)
    bottom.set_ylabel("current density [mA/cm²]")
    bottom.set_xlabel("x (r) along the interface [µm]")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
