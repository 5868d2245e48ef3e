"""Radius × C-rate fracture map of a LiMn2O4 particle section with a central flaw.

For each radius R the flaw is scaled with R (total length 0.4 R) while the material, G_c and ℓ
stay fixed. The smallest C-rate whose insertion initiates the crack (``crack_initiation_time``
in series.csv, the run stops there) is bracketed by geometric bisection from the Griffith
estimate of ``battchem.analytic.disk_griffith_critical_c_rate``. A power law C_crit = A R^p
is fitted through the bracket mid-points; Griffith scaling of the quasi-steady centre stress,
σ ∝ C R² against σ_c ∝ a^(−1/2) ∝ R^(−1/2), predicts p = −5/2.

    containers/run python3 problems/fracture_map.py                 # about 7 min on 2 cores
    containers/run python3 problems/fracture_map.py --replot        # redraw from map.json

Every run is an ordinary ``battchem run`` of problems/particle_disk_fracture_map.yaml with
overrides, in OUTDIR/R<radius>um_C<rate>/; OUTDIR/map.json, map.csv and map.png collect them.
Runs already in OUTDIR (status completed) are reused.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import yaml

from battchem import analytic
from battchem.driver import load_config
from battchem.output import read_series
from battchem.sweep import bisect_threshold, power_law_fit

HERE = Path(__file__).resolve().parent
BASE = HERE / "particle_disk_fracture_map.yaml"
GRIFFITH_EXPONENT = -2.5


def case_overrides(base, radius: float, c_rate: float) -> list[str]:
    """Input overrides of one map point: the radius, a band of half-width 5ℓ meshed at ℓ/2
    (relative to R) along the flaw line, and the C-rate of the insertion."""
    ell = base.fracture.length_scale
    seg = base.operation.segments[0]
    segment = {"direction": "insertion", "c_rate": float(c_rate), "until_soc": seg.until_soc}
    return [f"geometry.radius={radius!r}",
            f"geometry.band_half_width={min(1.0, 5 * ell / radius)!r}",
            f"geometry.band_mesh_size={min(base.geometry.mesh_size, ell / (2 * radius))!r}",
            f"operation.segments=[{json.dumps(segment)}]"]


def run_case(base_path: Path, outdir: Path, radius: float, c_rate: float) -> dict:
    """One ``battchem run``; returns whether (and when) the crack initiated."""
    base = load_config(base_path)
    folder = outdir / f"R{radius * 1e6:.4g}um_C{c_rate:.5g}"
    manifest = folder / "manifest.json"
    done = manifest.exists() and json.loads(manifest.read_text()).get("status") == "completed"
    if not done:
        cmd = [sys.executable, "-m", "battchem.cli", "run", str(base_path), "-o", str(folder), "--quiet", "--overwrite"]
        for item in case_overrides(base, radius, c_rate):
            cmd += ["--set", item]
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
    info = json.loads(manifest.read_text())
    if info.get("status") != "completed":
        raise RuntimeError(f"{folder}: run {info.get('status')}: {info.get('message')}")
    series = read_series(folder / "series.csv")
    t_init = float(series["crack_initiation_time"][-1])
    cracked = math.isfinite(t_init)
    soc = float(np.interp(t_init, series["time"], series["soc"])) if cracked else float(series["soc"][-1])
    return {"radius": radius, "c_rate": c_rate, "cracked": cracked, "initiation_time": t_init,
            "soc": soc, "steps": int(series["step"][-1]), "wall_time": info.get("wall_time", float("nan")),
            "folder": str(folder)}


def griffith_estimate(base, radius: float) -> float:
    m = base.material.resolved()
    flaw = base.fracture.flaws[0]
    return analytic.disk_griffith_critical_c_rate(radius=radius, flaw_half_length=0.5 * flaw.length * radius,
                                                  D=m.D, c_max=m.c_max, E=m.E, nu=m.nu, Omega=m.Omega,
                                                  Gc=base.fracture.Gc)


def sweep_radius(base_path: Path, outdir: Path, radius: float, ratio: float) -> dict:
    """Bracket the critical C-rate at one radius."""
    base = load_config(base_path)
    runs = []

    def cracks(c_rate: float) -> bool:
        result = run_case(base_path, outdir, radius, c_rate)
        runs.append(result)
        print(f"  R = {radius * 1e6:5.2f} um  C = {c_rate:7.4f}: "
              f"{'cracked at soc %.3f' % result['soc'] if result['cracked'] else 'intact'}", flush=True)
        return result["cracked"]

    estimate = float(griffith_estimate(base, radius))
    threshold = bisect_threshold(cracks, estimate, factor=1.5, ratio=ratio)
    return {"radius": radius, "griffith_estimate": estimate, "c_lo": float(threshold.lo),
            "c_hi": float(threshold.hi), "c_crit": threshold.estimate, "runs": runs}


def summarise(results: list[dict], base) -> dict:
    radii = np.array([r["radius"] for r in results])
    c_crit = np.array([r["c_crit"] for r in results])
    p, A, err = power_law_fit(radii, c_crit)
    # the exponents the brackets allow: fits through every choice of lo or hi at each radius
    corners = itertools.product(*[(r["c_lo"], r["c_hi"]) for r in results])
    slopes = [power_law_fit(radii, np.array(choice))[0] for choice in corners]
    return {"exponent": p, "prefactor": A, "exponent_standard_error": err,
            "exponent_bracket_range": [min(slopes), max(slopes)],
            "griffith_exponent": GRIFFITH_EXPONENT,
            "Gc": base.fracture.Gc, "length_scale": base.fracture.length_scale,
            "flaw_length_over_R": base.fracture.flaws[0].length, "radii": results}


def write_table(summary: dict, path: Path) -> None:
    lines = ["radius [m],c_lo [1/h],c_hi [1/h],c_crit [1/h],griffith_estimate [1/h],runs"]
    for r in summary["radii"]:
        lines.append(f"{r['radius']:.6g},{r['c_lo']:.6g},{r['c_hi']:.6g},{r['c_crit']:.6g},"
                     f"{r['griffith_estimate']:.6g},{len(r['runs'])}")
    path.write_text("\n".join(lines) + "\n")


def plot(summary: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    runs = [run for r in summary["radii"] for run in r["runs"]]
    for cracked, marker, colour, label in ((True, "x", "tab:red", "cracked"), (False, "o", "tab:blue", "intact")):
        pts = [(run["radius"] * 1e6, run["c_rate"]) for run in runs if run["cracked"] == cracked]
        if pts:
            ax.scatter(*zip(*pts), marker=marker, color=colour, label=label, zorder=3,
                       facecolors="none" if marker == "o" else None)
    radii = np.array([r["radius"] for r in summary["radii"]])
    c_crit = np.array([r["c_crit"] for r in summary["radii"]])
    span = np.geomspace(radii.min() / 1.15, radii.max() * 1.15, 50)
    p, A = summary["exponent"], summary["prefactor"]
    ax.plot(span * 1e6, A * span**p, "k-", label=f"fit of the critical C-rate: $R^{{{p:.2f}}}$")
    top = max(run["c_rate"] for run in runs) * 1.5
    ax.fill_between(span * 1e6, A * span**p, top, color="tab:red", alpha=0.08, lw=0,
                    label="the flaw grows during insertion")
    ax.set_ylim(min(run["c_rate"] for run in runs) / 1.5, top)
    anchor = np.exp(np.mean(np.log(c_crit) - GRIFFITH_EXPONENT * np.log(radii)))
    ax.plot(span * 1e6, anchor * span**GRIFFITH_EXPONENT, "k--", lw=0.8, label="Griffith scaling $R^{-5/2}$")
    griffith = np.array([r["griffith_estimate"] for r in summary["radii"]])
    ax.plot(radii * 1e6, griffith, "k:", lw=0.8, label="Griffith estimate (uniform centre stress)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("particle radius R [µm]")
    ax.set_ylabel("C-rate of the insertion [1/h]")
    ax.set_title(f"Fracture map: LiMn2O4 disk, central flaw {summary['flaw_length_over_R']:g} R,\n"
                 f"AT1, G_c = {summary['Gc']:g} J/m², ℓ = {summary['length_scale'] * 1e6:g} µm", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--radii", type=float, nargs="+", default=[6.0, 9.0, 13.5, 20.0], help="radii [µm]")
    ap.add_argument("--input", type=Path, default=BASE)
    ap.add_argument("-o", "--outdir", type=Path, default=Path("out/fracture_map"))
    ap.add_argument("--jobs", type=int, default=2, help="radii swept at once (one process each)")
    ap.add_argument("--ratio", type=float, default=1.1, help="final bracket hi/lo of the critical C-rate")
    ap.add_argument("--replot", action="store_true", help="redraw map.png from map.json")
    args = ap.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    base = load_config(args.input)
    if args.replot:
        summary = json.loads((args.outdir / "map.json").read_text())
    else:
        radii = [r * 1e-6 for r in args.radii]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda R: sweep_radius(args.input, args.outdir, R, args.ratio), radii))
        summary = summarise(results, base)
        (args.outdir / "map.json").write_text(json.dumps(summary, indent=1))
        write_table(summary, args.outdir / "map.csv")
    print(yaml.safe_dump({"radius_um": [r["radius"] * 1e6 for r in summary["radii"]],
                          "c_crit": [round(r["c_crit"], 4) for r in summary["radii"]],
                          "bracket": [[round(r["c_lo"], 4), round(r["c_hi"], 4)] for r in summary["radii"]],
                          "griffith_estimate": [round(r["griffith_estimate"], 4) for r in summary["radii"]]},
                         sort_keys=False).rstrip())
    lo, hi = summary["exponent_bracket_range"]
    print(f"fitted exponent p = {summary['exponent']:.3f} (fit standard error "
          f"{summary['exponent_standard_error']:.3f}; the C-rate brackets allow {lo:.3f} to {hi:.3f}; "
          f"Griffith: {GRIFFITH_EXPONENT})")
    print(f"picture: {plot(summary, args.outdir / 'map.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
