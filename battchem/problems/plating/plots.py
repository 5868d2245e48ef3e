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
