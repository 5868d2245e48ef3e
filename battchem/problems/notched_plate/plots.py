"""Pictures of a notched_plate run: force–displacement curve and the damage field."""

from __future__ import annotations

from pathlib import Path

from battchem import plotting
from battchem.output import read_series
from battchem.parallel import on_root


def make_plots(problem, outdir: Path) -> list[Path]:
    """Write plots/force_displacement.png and plots/damage.png (final) and damage_peak.png.

    The fields are gathered collectively; rank 0 draws, and every rank returns the paths or
    raises the drawing error."""
    comm = problem.comm
    folder = plotting.plots_folder(outdir, comm)
    final = plotting.gather_grid(problem.Vd, {"damage": problem.core.d.x.array})
    peak = plotting.gather_grid(problem.Vd, {"damage": problem._peak["damage"]})
    peak_when = f"at the peak force, U = {problem._peak['displacement'] * 1e3:.4g} mm"

    def draw() -> list[Path]:
        return [_damage_picture(problem, final, folder / "damage.png", "final state"),
                _damage_picture(problem, peak, folder / "damage_peak.png", peak_when),
                _curve(problem, outdir / "series.csv", folder / "force_displacement.png")]

    return on_root(comm, draw)


def _title(problem, ell: str = "ℓ") -> str:
    cfg = problem.config
    f = cfg.fracture
    return (f"notched plate, {cfg.loading.mode}: {f.model}, {f.split.replace('_', '-')} split, "
            f"{f.irreversibility.replace('_', ' ')}, {ell} = {f.length_scale * 1e3:.4g} mm, "
            f"h = {cfg.geometry.h_band * 1e3:.3g} mm")


def _damage_picture(problem, grid, path: Path, when: str) -> Path:
    grid.points[:, :2] *= 1e3  # mm
    # VTK's font has no ℓ
    return plotting.field_picture(grid, "damage", path, title=f"Damage, {_title(problem, 'l')}\n{when}",
                                  bar_title="damage d [-]", cmap="inferno_r", symmetric=False, view="xy")


def _curve(problem, csv: Path, path: Path) -> Path:
    from battchem.problems.notched_plate.inputs import (
        PUBLISHED_TENSION_PEAK,
        PUBLISHED_TENSION_PEAK_DISPLACEMENT,
    )

    s = read_series(csv)
    b_mm = problem.config.geometry.thickness * 1e3
    u_mm = s["displacement"] * 1e3
    force = s["force"] / 1e3 / b_mm  # kN per mm of thickness
    lines = [(force, "battchem")]
    if problem.config.loading.mode == "tension":
        lines.append(([PUBLISHED_TENSION_PEAK * 1e-6], "Miehe et al. 2010 peak (0.70 kN/mm)",
                      {"x": [PUBLISHED_TENSION_PEAK_DISPLACEMENT * 1e3], "marker": "*", "ms": 12, "ls": "",
                       "color": "C3"}))
    energies = {"ylabel": "energy / thickness [J/mm]", "lines": [
        (s["elastic_energy"] / b_mm, "elastic"), (s["fracture_energy"] / b_mm, "fracture (G_c Γ_ℓ)")]}
    if problem.config.loading.mode == "tension":  # the crack runs straight through the ligament
        ligament = problem.config.geometry.side - problem.config.geometry.notch_length
        energies["reference"] = [(problem.config.fracture.Gc * ligament * 1e-3, "G_c × ligament")]
    return plotting.curves(path, u_mm, [{"ylabel": "force / thickness [kN/mm]", "lines": lines}, energies],
                           xlabel="top-edge displacement U [mm]", title=_title(problem))
