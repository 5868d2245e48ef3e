"""The three measured tiers of Li | solid-electrolyte interface stability from each electrolyte's
interphase transport set (the literature's three tiers): LLZO self-limited at nanometres, Li6PS5Cl
growing as √t (≈ 315 nm after one week, ≈ 540 nm after 400 h; Aktekin et al. 2023), LGPS consuming
≈ 0.7 mAh/cm² of Li in a week (≈ 20× Li6PS5Cl, ≈ 120× the LLZO baseline, which includes
current-collector effects).

    containers/run python3 problems/interphase_tiers.py -o out/interphase_tiers [--picture docs/...png]

Runs problems/interphase_tier_{llzo,lpscl,lgps}.yaml to 400 h (about 10 s in all) and draws the Li
consumed and the thickness against time with the measured points.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import battchem

HERE = Path(__file__).resolve().parent
HOURS = 400.0
TIERS = {  # name: (input, label, measured Li consumption [(h, µAh/cm²)], measured thickness [(h, nm)])
    "llzo": ("interphase_tier_llzo.yaml", "LLZO (self-limited)", [(200, 6.0), (400, 8.0)], []),
    "lpscl": ("interphase_tier_lpscl.yaml", "Li6PS5Cl (√t)", [(168, 35.0)], [(168, 315.0), (400, 540.0)]),
    "lgps": ("interphase_tier_lgps.yaml", "LGPS (mixed conductor)", [(168, 700.0)], []),
}
UAH_PER_CM2 = 36.0  # C/m² in 1 µAh/cm²


def run_tiers(outdir: Path) -> dict:
    results = {}
    for name, (source, *_rest) in TIERS.items():
        overrides = [f"operation.segments.0.duration={HOURS * 3600}", "output.plots=false"]
        result = battchem.run(HERE / source, outdir / name, overrides, overwrite=True, quiet=True)
        assert result.status == "completed", result.message
        results[name] = result.series
    return results


def summary(results: dict) -> list[str]:
    rows = []
    for name, s in results.items():
        t, d = s["time"] / 3600, s["thickness_mean"]
        q = (s["li_consumed"] - s["li_consumed"][0]) / UAH_PER_CM2
        week_d, week_q = (float(np.interp(168.0, t, y)) for y in (d, q))
        rows.append(f"{name:6s} one week: {week_d * 1e9:8.1f} nm, {week_q:8.3g} µAh/cm²; 400 h: "
                    f"{d[-1] * 1e9:8.1f} nm, {q[-1]:8.3g} µAh/cm²")
    return rows


def picture(results: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (name, s), color in zip(results.items(), ("C2", "C0", "C3"), strict=True):
        _, label, li, thick = TIERS[name]
        t = s["time"] / 3600
        grown = (s["li_consumed"] - s["li_consumed"][0]) / UAH_PER_CM2  # beyond the native layer
        ax1.loglog(t[1:], grown[1:], color=color, label=f"{label}, model")
        for h, value in li:
            ax1.plot(h, value, "o", color=color, mfc="none", ms=8)
        ax2.plot(np.sqrt(t), s["thickness_mean"] * 1e9, color=color, label=label)
        for h, value in thick:
            ax2.plot(np.sqrt(h), value, "o", color=color, mfc="none", ms=8)
    ax1.plot([], [], "o", color="0.3", mfc="none",
             label="measured (Aktekin 2023; LLZO baseline incl. collector)")
    ax1.set_xlabel("time [h]")
    ax1.set_ylabel("Li consumed since t = 0 [µAh/cm²]")
    ax1.set_xlim(1e-2, HOURS)
    ax1.grid(alpha=0.3, which="both")
    ax1.legend(fontsize=8, loc="lower right")
    ax2.set_yscale("log")
    ax2.set_xlabel("√(time) [√h]")
    ax2.set_ylabel("interphase thickness [nm]")
    ax2.grid(alpha=0.3, which="both")
    ax2.set_title("Li6PS5Cl: 315 nm (1 week), 540 nm (400 h) measured", fontsize=9)
    fig.suptitle("Three tiers of Li | solid electrolyte stability from each electrolyte's interphase set "
                 "(1-D, 25 °C)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--outdir", default="out/interphase_tiers")
    parser.add_argument("--picture", default=None, help="PNG path (default OUTDIR/tiers.png)")
    args = parser.parse_args()
    out = Path(args.outdir)
    results = run_tiers(out)
    print("\n".join(summary(results)))
    print(picture(results, Path(args.picture) if args.picture else out / "tiers.png"))
