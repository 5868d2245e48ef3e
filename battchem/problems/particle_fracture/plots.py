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
        title = f"Hoop stress (axisymmetric section), {_title(problem)}\n{when}"
    return plotting.field_picture(grid, "hoop", folder / "hoop_stress.png", title=title, bar_title=label,
                                  scale=1e6, view=view)


def _damage_plot(problem, grid, path: Path) -> Path:
    """Final damage field of a run with fracture (disk: in-plane view; sphere: the crack surface d = 0.5
    inside the translucent particle)."""
    grid.points[:] *= 1e6  # µm
    f = problem.config.fracture
    title = (f"Damage, {_title(problem)}\n{f.model}, {f.split.replace('_', '-')} split, "
             f"l = {f.length_scale * 1e6:.3g} µm, G_c = {f.Gc:g} J/m^2, final state")
    g = problem.config.geometry
    if g.kind == "sphere":  # the crack is inside: its mid-surface d = 0.5 in the translucent particle
        if g.symmetry == "reduced":
            grid = plotting.mirror(grid, [(1, 0, 0), (0, 1, 0), (0, 0, 1)])
        return plotting.crack_picture(grid, "damage", path, level=0.5,
                                      title=title.replace("final state", "final state, surface d = 0.5"))
    view = "xy" if g.kind == "disk" else "iso"
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


GRIFFITH_EXPONENT = -2.5  # C_crit ∝ R^(−5/2): Griffith in the quasi-steady centre stress ∝ C R²
RADIUS_KEY, C_RATE_KEY = "geometry.radius", "operation.segments.0.c_rate"


def fracture_map(config, rows: list[dict], critical: list[dict], outdir: Path) -> list[Path]:
    """The radius × C-rate fracture map of a sweep whose critical search runs over the first segment's
    C-rate at each radius: fracture_map.csv (bracket, estimate and the Griffith estimate
    ``analytic.disk_griffith_critical_c_rate`` per radius) and fracture_map.png (cracked and intact
    runs, the power-law fit of the critical C-rate with the exponents its brackets allow, Griffith's
    R^(−5/2))."""
    s = config.sweep
    if (s.critical is None or s.critical.key != C_RATE_KEY or RADIUS_KEY not in s.grid or len(s.grid) != 1
            or config.fracture is None or not config.fracture.flaws or config.geometry.kind != "disk"):
        return []
    from battchem import analytic
    from battchem.search import power_law_fit

    m, flaw, gc = config.material.resolved(), config.fracture.flaws[0], config.fracture.Gc
    points = sorted((r[RADIUS_KEY], r[f"{C_RATE_KEY} lo"], r[f"{C_RATE_KEY} hi"], r[f"{C_RATE_KEY} critical"],
                     r["runs"]) for r in critical if np.isfinite(r[f"{C_RATE_KEY} critical"]))
    if len(points) < 2:
        return []
    radius, lo, hi, crit, runs = (np.array(v, dtype=float) for v in zip(*points, strict=True))
    griffith = np.array([analytic.disk_griffith_critical_c_rate(
        radius=R, flaw_half_length=0.5 * flaw.length * R, D=m.D, c_max=m.c_max, E=m.E, nu=m.nu,
        Omega=m.Omega, Gc=gc) for R in radius])
    p, prefactor, err = power_law_fit(radius, crit)
    corners = [power_law_fit(radius, np.where(np.array(c), hi, lo))[0]
               for c in np.ndindex(*([2] * len(radius)))]
    lines = [f"# fitted exponent {p:.4f} (standard error {err:.2g}; the brackets allow {min(corners):.4f} to "
             f"{max(corners):.4f}; Griffith {GRIFFITH_EXPONENT})",
             "radius [m],c_lo [1/h],c_hi [1/h],c_crit [1/h],griffith_estimate [1/h],runs"]
    lines += [f"{v[0]:.6g},{v[1]:.6g},{v[2]:.6g},{v[3]:.6g},{g:.6g},{int(v[4])}"
              for v, g in zip(points, griffith, strict=True)]
    table = outdir / "fracture_map.csv"
    table.write_text("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    for fails, marker, colour, label in ((True, "x", "tab:red", "cracked"), (False, "o", "tab:blue", "intact")):
        pts = [(r[RADIUS_KEY] * 1e6, r[C_RATE_KEY]) for r in rows if bool(r.get("fails")) == fails]
        if pts:
            ax.scatter(*zip(*pts, strict=True), marker=marker, color=colour, label=label, zorder=3,
                       facecolors="none" if marker == "o" else None)
    span = np.geomspace(radius.min() / 1.15, radius.max() * 1.15, 50)
    ax.plot(span * 1e6, prefactor * span**p, "k-", label=f"fit of the critical C-rate: $R^{{{p:.2f}}}$")
    rates = [r[C_RATE_KEY] for r in rows]
    top = max(rates) * 1.5
    ax.fill_between(span * 1e6, prefactor * span**p, top, color="tab:red", alpha=0.08, lw=0,
                    label="the flaw grows during insertion")
    ax.set_ylim(min(rates) / 1.5, top)
    anchor = np.exp(np.mean(np.log(crit) - GRIFFITH_EXPONENT * np.log(radius)))
    ax.plot(span * 1e6, anchor * span**GRIFFITH_EXPONENT, "k--", lw=0.8, label="Griffith scaling $R^{-5/2}$")
    ax.plot(radius * 1e6, griffith, "k:", lw=0.8, label="Griffith estimate (uniform centre stress)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("particle radius R [µm]")
    ax.set_ylabel("C-rate of the insertion [1/h]")
    ax.set_title(f"Fracture map: {config.material.label()}, flaw {flaw.length:g} R,\n"
                 f"{config.fracture.model}, G_c = {gc:g} J/m², ℓ = {config.fracture.length_scale * 1e6:g} µm",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    picture = outdir / "fracture_map.png"
    fig.savefig(picture, dpi=120)
    plt.close(fig)
    return [table, picture]
