"""Cracking of a solid electrolyte by its expanding interphase (validation): the time to first
cracking of an LAGP-like section under a Li contact, swept over the growth rate and the electrolyte's
toughness, and uniform growth against growth with a fast grain boundary under the contact.

    containers/run python3 problems/interphase_cracking.py -o out/interphase_cracking [--picture PNG]

The case is problems/interphase_lagp_contact_edge.yaml shrunk to a 10 µm section under a 5 µm contact
(about 15 s a run, 10 runs): the interphase creeps with η = 1e14 Pa s (relaxation time 6η(1 − ν)/E ≈
4 h, a placeholder), the growth rate is scaled by multiplying D_int and the front rate together (B and
v0 of δ² + Aδ = Bt scale alike, A is unchanged), and K_IC gives G_c = K_IC²(1 − ν²)/E. Each run stops
at the first cracking (max d ≥ 0.9) or after ``HOURS``. Writes OUTDIR/crack_map.csv and the picture.
Measured (2026-11-26): the time to first cracking falls nearly as 1/(growth rate) (95 → 27 → 9 min at
K_IC 1.1 MPa√m) and rises as about K_IC^1.6; the interphase is 1.5, 1.9 and 3.3-3.4 µm thick when the
electrolyte cracks at K_IC 0.6, 1.1 and 2 MPa√m, a little thinner when it grows faster (less creep);
a fast grain boundary under the contact cracks it after 20 instead of 27 min.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import battchem

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "interphase_lagp_contact_edge.yaml"
HOURS = 3.0
GROWTH_FACTORS = (0.3, 1.0, 3.0)  # × D_int and front rate of LAGP_Lewis2019
K_IC = (0.6e6, 1.1e6, 2.0e6)  # Pa √m (LATP's 1.1 is the LAGP placeholder)
SMALL = ["geometry.thickness=10e-6", "geometry.width=10e-6", "geometry.contact_width=5e-6",
         "geometry.band_depth=5e-6", "geometry.coarse_mesh_size=1e-6", "interphase.viscosity=1e14",
         "fracture.stop_at_initiation=true", f"operation.segments.0.duration={HOURS * 3600}",
         "output.fields_every=0", "output.plots=false"]
D_INT, FRONT_RATE = 5e-13, 1e-7  # LAGP_Lewis2019 (UNVERIFIED model choices)


def run_one(outdir: Path, factor: float, k_ic: float, seed: bool = False, observer=None) -> dict:
    overrides = [*SMALL, f"interphase.D_int={D_INT * factor}", f"interphase.front_rate={FRONT_RATE * factor}",
                 f"electrolyte.K_IC={k_ic}"]
    if seed:  # a grain boundary under the contact: 5x faster transport and front over ±0.25 µm
        overrides.append("seeds=[{kind: grain_boundary, position: 2.5e-6, size: 0.25e-6, rate_factor: 5.0}]")
    result = battchem.run(SOURCE, outdir, overrides, overwrite=True, quiet=True, observer=observer)
    assert result.status == "completed", result.message
    s = result.series
    t_crack = result.manifest.get("results", {}).get("first_crack_time [s]")
    at = -1 if t_crack is None else int(np.argmin(np.abs(s["time"] - t_crack)))
    return {"time": s["time"], "thickness": s["thickness_mean"], "damage_max": s["damage_max"],
            "t_crack": t_crack, "thickness_at_crack": float(s["thickness_mean"][at])}


def _when(t_crack) -> str:
    return "none" if t_crack is None else f"{t_crack:.4g} s"


def sweep(outdir: Path) -> dict:
    runs, rows = {}, ["growth_factor,K_IC [Pa m^0.5],seed,first_crack_time [s],thickness_at_crack [m]"]
    for f in GROWTH_FACTORS:
        for k in K_IC:
            runs[(f, k)] = run_one(outdir / f"f{f:g}_K{k / 1e6:g}", f, k)
            r = runs[(f, k)]
            rows.append(f"{f:g},{k:g},0,{r['t_crack']},{r['thickness_at_crack']:.6g}")
            print(f"growth x{f:g}, K_IC {k / 1e6:g} MPa√m: first cracking "
                  f"{_when(r['t_crack'])} "
                  f"(mean thickness {r['thickness_at_crack'] * 1e6:.3g} µm)", flush=True)
    runs["seed"] = run_one(outdir / "seed", 1.0, 1.1e6, seed=True)
    r = runs["seed"]
    rows.append(f"1,1.1e+06,1,{r['t_crack']},{r['thickness_at_crack']:.6g}")
    (outdir / "crack_map.csv").write_text("\n".join(rows) + "\n")
    print(f"grain-boundary seed, growth x1, K_IC 1.1: first cracking "
          f"{_when(r['t_crack'])}", flush=True)
    return runs


def picture(runs: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.4))
    t_map = np.full((len(K_IC), len(GROWTH_FACTORS)), np.nan)
    for i, k in enumerate(K_IC):
        for j, f in enumerate(GROWTH_FACTORS):
            t = runs[(f, k)]["t_crack"]
            t_map[i, j] = np.nan if t is None else t / 60
    finite = t_map[np.isfinite(t_map)]
    norm = LogNorm(vmin=finite.min(), vmax=max(finite.max(), HOURS * 60)) if finite.size else None
    m = ax1.imshow(t_map, origin="lower", cmap="viridis_r", norm=norm, aspect="auto")
    for i, k in enumerate(K_IC):
        for j, f in enumerate(GROWTH_FACTORS):
            r = runs[(f, k)]
            text = (f"> {HOURS:g} h" if r["t_crack"] is None else
                    f"{r['t_crack'] / 60:.0f} min\nδ {r['thickness_at_crack'] * 1e6:.2f} µm")
            ax1.text(j, i, text, ha="center", va="center", fontsize=8,
                     bbox={"facecolor": "w", "alpha": 0.7, "edgecolor": "none"})
    ax1.set_xticks(range(len(GROWTH_FACTORS)), [f"×{f:g}" for f in GROWTH_FACTORS])
    ax1.set_yticks(range(len(K_IC)), [f"{k / 1e6:g}" for k in K_IC])
    ax1.set_xlabel("growth rate (D_int and front rate × LAGP placeholder)")
    ax1.set_ylabel("electrolyte K_IC [MPa √m]")
    fig.colorbar(m, ax=ax1, label="time to first cracking [min]")
    ax1.set_title("time to first cracking (max d ≥ 0.9)", fontsize=9)
    for key, label, color in (((1.0, 1.1e6), "uniform growth", "C0"), ("seed", "grain boundary ×5 under the "
                                                                       "contact", "C3")):
        r = runs[key]
        ax2.plot(r["time"] / 60, r["damage_max"], color=color, label=label)
        if r["t_crack"] is not None:
            ax2.axvline(r["t_crack"] / 60, color=color, ls=":", lw=1)
    ax2.axhline(0.9, color="0.4", ls="--", lw=1)
    ax2.set_xlabel("time [min]")
    ax2.set_ylabel("max damage of the electrolyte")
    ax2.set_title("non-uniform growth cracks earlier (growth ×1, K_IC 1.1 MPa√m)", fontsize=9)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    fig.suptitle("Li | LAGP-like section (10 µm, 5 µm contact, 38 % isotropic expansion, creeping "
                 "interphase η = 1e14 Pa s)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--outdir", default="out/interphase_cracking")
    parser.add_argument("--picture", default=None, help="PNG path (default OUTDIR/crack_map.png)")
    args = parser.parse_args()
    out = Path(args.outdir)
    print(picture(sweep(out), Path(args.picture) if args.picture else out / "crack_map.png"))
