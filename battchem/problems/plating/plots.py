"""Pictures of a plating run: cell voltage against time (with Sand's time) and the salt profiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from battchem import plotting
from battchem.output import read_series
from battchem.parallel import on_root


def cell_plots(problem, outdir: Path) -> list[Path]:
    """plots/voltage.png (voltage, overpotentials, concentrations at the electrodes against time)
    and plots/concentration.png (salt profiles across the cell at several times)."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    profiles = list(problem._profiles)

    def draw() -> list[Path]:
        return [_voltage(problem, outdir / "series.csv", folder / "voltage.png"),
                _profiles(problem, profiles, folder / "concentration.png")]

    return on_root(comm, draw)


def _title(problem) -> str:
    cfg = problem.config
    p = cfg.pressure
    pressure = f", p = {p.stack / 1e6:g} MPa" if p.stack or p.working else ""
    return (f"{cfg.electrolyte.label()}, L = {cfg.cell.thickness * 1e6:g} µm\n"
            f"{cfg.interface.label()}{pressure}")


def _voltage(problem, csv: Path, path: Path) -> Path:
    s = read_series(csv)
    t = s["time"]
    c0 = problem.el.c0
    voltage = [(s["voltage"] * 1e3, "cell voltage"),
               (s["eta_working"] * 1e3, "η working", {"ls": "--"}),
               (s["eta_counter"] * 1e3, "η counter", {"ls": "--"}),
               (s["electrolyte_drop"] * 1e3, "electrolyte drop", {"ls": ":"})]
    concentration = [(s["c_working"] / c0, "working"), (s["c_counter"] / c0, "counter")]
    theory = problem.results().get("sand_time_semi_infinite [s]")
    if theory is not None and theory <= 1.2 * t[-1]:  # Sand's time of the first current, for comparison
        concentration.append(([0.0, 1.0], f"Sand's time π D (c0 F)²/(4 (i(1−t₊))²) = {theory:.4g} s",
                              {"x": [theory, theory], "color": "0.3", "ls": "-."}))
    if problem.sand_time is not None:
        concentration.append(([0.0], f"depleted at {problem.sand_time:.4g} s",
                              {"x": [problem.sand_time], "marker": "o", "ls": "", "color": "C3"}))
    panels = [{"ylabel": "voltage [mV]", "lines": voltage, "reference": [(0.0, "")]},
              {"ylabel": "c / c0 at the electrodes", "lines": concentration}]
    return plotting.curves(path, t, panels, xlabel="time [s]", title=_title(problem))


def _profiles(problem, profiles, path: Path) -> Path:
    c0 = problem.el.c0
    lines = [(c / c0, f"t = {t:.3g} s", {"x": x * 1e6}) for t, x, c in profiles]
    if not lines:
        lines = [(np.zeros(1), "")]
    return plotting.curves(path, None, [{"ylabel": "c / c0", "lines": lines}], xlabel="x [µm]",
                           title=_title(problem))


def phase_field_plots(problem, outdir: Path) -> list[Path]:
    """plots/deposit.png (ξ, with the hydrostatic stress beside it when mechanics is on) and
    plots/series.png (current, tip height, roughness against time)."""
    from dolfinx import fem

    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    e = problem.edep
    data = {"xi": e.xi.x.array}
    if problem.sigma_h is not None:  # cell values of σ_h [Pa], drawn at the nodes
        sh = fem.Function(e.V)
        sh.interpolate(problem.sigma_h)
        data["sigma_h"] = sh.x.array
    grid = plotting.gather_grid(e.V, data)
    dim = problem.config.domain.dimension

    def draw() -> list[Path]:
        grid.points[:] *= 1e6  # µm
        view = "xy" if dim == 2 else "iso"
        title = _phase_title(problem)
        paths = [plotting.field_picture(grid, "xi", folder / "deposit.png", title=f"Deposit, {title}",
                                        bar_title="order parameter (1: Li metal)", cmap="Greys", symmetric=False, view=view)]
        if "sigma_h" in data:
            paths.append(plotting.field_picture(grid, "sigma_h", folder / "stress.png",
                                                title=f"Hydrostatic stress, {title}", bar_title="hydrostatic stress [MPa]",
                                                scale=1e6, view=view))
        s = read_series(outdir / "series.csv")
        panels = [{"ylabel": "current density [A/m²]", "lines": [(-s["current_density"], "Faradaic (plating +)")]},
                  {"ylabel": "tip height [µm]", "lines": [(s["tip_height"] * 1e6, "")]},
                  {"ylabel": "roughness [-]", "lines": [(s["roughness"], "")]}]
        paths.append(plotting.curves(folder / "series.png", s["time"], panels, xlabel="time [s]", title=title))
        return paths

    return on_root(comm, draw)


def _phase_title(problem) -> str:
    cfg = problem.config
    seg = cfg.operation.segments[0]
    control = f"{seg.voltage * 1e3:+g} mV" if seg.voltage is not None else f"{seg.current_density:+g} A/m²"
    m = cfg.mechanics
    mech = "" if m.mode == "none" else f", {m.mode.replace('_', '-')} mechanics"
    return f"{cfg.deposition.name}, {control}{mech}"


def deposit_montage(config, rows: list[dict], outdir: Path) -> list[Path]:
    """deposits.png: every case's plots/deposit.png (white margins cropped) in a grid, one row per
    value of the first swept key, titled by the swept values and the final roughness."""
    keys = list(config.sweep.grid) + list(config.sweep.zip)
    cases = [r for r in rows if (outdir / r["folder"] / "plots" / "deposit.png").exists()]
    if not cases or not keys:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # one row per value of the first key when several keys are swept, else a single row
    first = list(dict.fromkeys(r.get(keys[0]) for r in cases)) if len(keys) > 1 else [None]
    row_of = (lambda r: r.get(keys[0])) if len(keys) > 1 else (lambda r: None)
    columns = max(sum(row_of(r) == v for r in cases) for v in first)
    fig, axes = plt.subplots(len(first), columns, figsize=(3.2 * columns, 1.8 * len(first) + 0.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, value in enumerate(first):
        for j, r in enumerate(r for r in cases if row_of(r) == value):
            image = plt.imread(outdir / r["folder"] / "plots" / "deposit.png")[..., :3]
            body = _domain(image)
            axes[i, j].imshow(body)
            label = ", ".join(f"{k.split('.')[-1]} = {r.get(k):g}" for k in keys if isinstance(r.get(k), (int, float)))
            rough = r.get("roughness")
            axes[i, j].set_title(label + (f"\nroughness {rough:.3g}" if isinstance(rough, float) else ""),
                                 fontsize=8)
    fig.suptitle(f"{config.title}\n(final deposits, black: Li metal)", fontsize=10)
    fig.tight_layout()
    path = outdir / "deposits.png"
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return [path]


def _domain(image: np.ndarray) -> np.ndarray:
    """The drawn domain of a field picture: the longest run of rows, then of columns, in which most
    pixels are not white (the title is sparse text, the colour bar a separate narrow strip)."""
    inked = image.min(axis=2) < 0.97

    def longest(mask: np.ndarray) -> slice:
        best, start = (0, 0), None
        for k, on in enumerate(np.append(mask, False)):
            if on and start is None:
                start = k
            elif not on and start is not None:
                best, start = max(best, (k - start, start)), None
        return slice(best[1], best[1] + best[0]) if best[0] else slice(None)

    rows = longest(inked.mean(axis=1) > 0.5)
    outside = np.concatenate([inked[:rows.start], inked[rows.stop:]]) if rows.start is not None else inked[:0]
    bar = outside.mean(axis=0) > 0.3 if len(outside) else np.zeros(inked.shape[1], bool)  # spans past the domain
    columns = longest((inked[rows].mean(axis=0) > 0.5) & ~bar)
    return image[rows, columns]
