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
