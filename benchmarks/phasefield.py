"""Phase-field fracture cost (issue 3, item 7): the single-edge-notched plate in tension run to
failure at ℓ/h = 2 … 5 in the crack band, with battchem's default solvers.

Prints, per resolution: unknowns, load steps (accepted / rejected), staggered sweeps, time per
sweep and per load step, damage-solve time relative to the displacement solve, the most sweeps
any accepted step needed (the failure step) and the peak force. Each case is a plain
``battchem run`` of ``problems/notched_plate_tension_coarse.yaml`` with ``geometry.h_band = ℓ/k``;
cases run one after another on one rank.

    python3 benchmarks/phasefield.py [--ratios 2 3 4 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SCRATCH, Report, busy_cores, refuse_mpi_launch, table  # noqa: E402

from battchem.output import read_series  # noqa: E402

INPUT = ROOT / "problems" / "notched_plate_tension_coarse.yaml"
LENGTH_SCALE = 1.5e-5  # m, the input's ℓ
PUBLISHED_PEAK = 0.70  # kN per mm thickness (Miehe, Hofacker & Welschinger 2010)


def run_case(ratio: float, extra: list[str]) -> dict:
    out = SCRATCH / f"phasefield_l_over_h_{ratio:g}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "battchem.cli", "run", str(INPUT), "-o", str(out), "-q", "--overwrite",
           "--set", f"geometry.h_band={LENGTH_SCALE / ratio:.6e}", "--set", "output.plots=false",
           "--set", "output.fields_every=0"] + [a for x in extra for a in ("--set", x)]
    busy = busy_cores()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, cwd=ROOT)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    col = read_series(out / "series.csv")
    return {"ratio": ratio, "manifest": manifest, "series": col, "wall": wall, "busy": busy}


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ratios", type=float, nargs="+", default=[2, 3, 4, 5])
    p.add_argument("--quick", action="store_true", help="ℓ/h = 2 only, first 40 load steps")
    a = p.parse_args(argv)
    ratios, extra = (([2.0], ["stepping.max_steps=40"]) if a.quick else (a.ratios, []))
    rep = Report("phasefield" + ("_quick" if a.quick else ""))
    rep("phase-field cost: notched plate in tension (AT2, spectral split, history), ℓ = 0.015 mm, "
        "1 rank, default solvers (MUMPS below solver.direct_max_dofs unknowns)\n")
    rows = []
    for ratio in ratios:
        r = run_case(ratio, extra)
        m, s = r["manifest"], r["series"]
        stats = m["solvers"]
        sweeps = stats["stagger"]["iterations"]  # staggered sweeps, rejected steps included
        force = np.abs(s["force"]) / 1e3 / 1.0  # N per 1 mm thickness -> kN/mm
        peak = int(np.argmax(force))
        dofs = m["mesh"]["dofs"]
        rows.append([f"{ratio:g}", f"{dofs['u']}+{dofs['d']}", f"{m['steps']['accepted']}/{m['steps']['rejected']}",
                     sweeps, 1e3 * m["wall_time"]["solve"] / sweeps, m["wall_time"]["solve"] / m["steps"]["accepted"],
                     stats["damage"]["seconds"] / stats["mechanics"]["seconds"],
                     int(s["stagger_its"].max()), int(s["stagger_its"][max(peak - 3, 0):peak + 1].max()),
                     force[peak], m["wall_time"]["total"], m["status"], f"{r['busy']:.1f}"])
        rep(f"  done ℓ/h = {ratio:g}: {m['status']}, {r['wall']:.0f} s")
    rep()
    rep(table(["ℓ/h", "unknowns u+d", "steps acc/rej", "sweeps", "ms/sweep", "s/step", "damage/mech time",
               "max sweeps/step", "sweeps before peak", "peak [kN/mm]", "wall [s]", "status", "busy cores"],
              rows, {4: "{:.2f}", 5: "{:.3f}", 6: "{:.2f}", 9: "{:.4f}", 10: "{:.1f}"}))
    rep(f"  published peak {PUBLISHED_PEAK} kN/mm; sweeps = staggered u-d iterations (all attempts); "
        "ms/sweep = solve time / sweeps;\n  max sweeps/step is the failure step (the crack runs through "
        "the ligament at fixed load); 'sweeps before peak' = most sweeps in the 3 steps up to the peak")
    print(f"saved {rep.save()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
