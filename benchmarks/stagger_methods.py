"""Staggered methods of the fracture core against the plain loop (issue 10): sweeps and time per
method on the notched plate in tension run to failure at ℓ/h = 2 … 5 (1 rank) and on the demo's
cracking disk (problems/demo_particle_disk_crack.yaml, 2 ranks), in one run on one machine.

Methods (``--methods``): plain (the reference), overrelaxed, anderson, adaptive (``fracture.stagger``),
hybrid (``fracture.formulation: hybrid`` with the default stagger; another model: its peak is
compared with the anisotropic plain one for information), and anderson_newton / hybrid_newton (the
same with ``fracture.monolithic_switch``: Newton on (u, d) after 10 stalled sweeps; its Newton
iterations are listed beside the sweeps). For each case and method it reports the
staggered sweeps of all attempts (rejected steps included) and of the accepted steps, the most
sweeps in one accepted step (the failure step of the plate), the wall and CPU time of the run,
the peak force (plate) or crack initiation time (disk) and the dissipated energy, and the ratios to
plain. CPU time (user + system of the run's processes) is printed beside the wall time because the
machine may be shared: it is far less sensitive to other jobs than the wall time.

    python3 benchmarks/stagger_methods.py [--ratios 2 3 4 5] [--methods plain overrelaxed ...] [--no-disk]
    python3 benchmarks/stagger_methods.py --quick     # ℓ/h = 2, first 40 steps: checks the script
    python3 benchmarks/stagger_methods.py --ratios 4 --no-disk --name stagger_methods_l4   # a partial run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SCRATCH, Report, busy_cores, refuse_mpi_launch, table  # noqa: E402

from battchem.output import read_series  # noqa: E402

PLATE = ROOT / "problems" / "notched_plate_tension_coarse.yaml"
DISK = ROOT / "problems" / "demo_particle_disk_crack.yaml"
LENGTH_SCALE = 1.5e-5  # m, the plate input's ℓ
SWITCH = 10  # stalled sweeps before the monolithic Newton (fracture.monolithic_switch)
METHODS = {"plain": ["fracture.stagger=plain"], "overrelaxed": ["fracture.stagger=overrelaxed"],
           "anderson": ["fracture.stagger=anderson"], "adaptive": ["fracture.stagger=adaptive"],
           "hybrid": ["fracture.formulation=hybrid"],
           "anderson_newton": ["fracture.stagger=anderson", f"fracture.monolithic_switch={SWITCH}"],
           "hybrid_newton": ["fracture.formulation=hybrid", f"fracture.monolithic_switch={SWITCH}"]}
QUIET = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0", "output.progress_every=1000"]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(source: Path, name: str, overrides: list[str], ranks: int) -> dict:
    out = SCRATCH / "stagger" / name
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "battchem.cli", "run", str(source), "-o", str(out), "-q", "--overwrite"]
    cmd += [a for x in QUIET + overrides for a in ("--set", x)]
    if ranks > 1:
        cmd = ["mpirun", "-n", str(ranks), *cmd]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    busy, load = busy_cores(), os.getloadavg()[0]
    c0, t0 = cpu_seconds(), time.perf_counter()
    subprocess.run(cmd, check=False, cwd=ROOT, env=env)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    manifest = json.loads((out / "manifest.json").read_text())
    return {"manifest": manifest, "series": read_series(out / "series.csv"), "wall": wall, "cpu": cpu,
            "busy": busy, "load": load}


def summary(r: dict, plate: bool) -> dict:
    m, s = r["manifest"], r["series"]
    st = m["solvers"]
    out = {"status": m["status"], "sweeps": st["stagger"]["iterations"], "accepted": int(s["stagger_its"].sum()),
           "max": int(s["stagger_its"].max()), "steps": f"{m['steps']['accepted']}/{m['steps']['rejected']}",
           "wall": r["wall"], "cpu": r["cpu"], "u_solves": st["mechanics"]["solves"],
           "u_time": st["mechanics"]["seconds"], "energy": s["fracture_energy"][-1], "load": r["load"]}
    newton = st.get("fracture")  # the monolithic switch's Newton solves: iterations, solutions kept
    out["newton"] = ""
    if newton:
        kept = newton["solves"] - newton["failures"]
        out["newton"] = f"{newton['iterations']} its, {kept}/{newton['solves']} kept"
    if plate:
        i = int(np.argmax(s["force"]))
        out["peak"] = s["force"][i] / 1e3 / 1.0  # kN per mm of the 1 mm thickness
    else:
        out["peak"] = s["crack_initiation_time"][-1]
    return out


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ratios", type=float, nargs="+", default=[2, 3, 4, 5])
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--no-disk", action="store_true", help="skip the cracking disk")
    p.add_argument("--no-plate", action="store_true", help="skip the notched plate")
    p.add_argument("--reference", default="plain", choices=list(METHODS),
                   help="the method the ratios are taken against (plain: the issue's reference)")
    p.add_argument("--quick", action="store_true", help="ℓ/h = 2, first 40 steps, no disk")
    p.add_argument("--name", default="stagger_methods",
                   help="results/<name>.txt (a partial run under its own name keeps the full table)")
    a = p.parse_args(argv)
    ratios, extra = ([2.0], ["stepping.max_steps=40"]) if a.quick else (a.ratios, [])
    methods = [a.reference] + [m for m in a.methods if m != a.reference]
    rep = Report(a.name + ("_quick" if a.quick else ""))
    rep("staggered methods against the plain loop: notched plate in tension to failure (AT2, spectral "
        "split, history, ℓ = 0.015 mm, 1 rank, MUMPS) and the make-demo cracking disk (AT1, 2 ranks)\n")
    cases = []
    if not a.no_plate:
        cases += [(f"plate ℓ/h={k:g}", PLATE, [f"geometry.h_band={LENGTH_SCALE / k:.6e}"] + extra, 1, True)
                  for k in ratios]
    if not (a.no_disk or a.quick):
        cases.append(("disk (demo)", DISK, [], 2, False))
    rows = []
    for label, source, overrides, ranks, plate in cases:
        ref = None
        for method in methods:
            tag = f"{label.split()[0]}_{label.split('=')[-1] if plate else 'disk'}_{method}"
            r = summary(run(source, tag, overrides + METHODS[method], ranks), plate)
            ref = ref or r
            rep(f"  {label} {method}: {r['status']}, {r['sweeps']} sweeps, {r['wall']:.0f} s wall, "
                f"{r['cpu']:.0f} s CPU, load {r['load']:.1f}")
            rows.append([label, method, r["steps"], r["sweeps"], r["sweeps"] / ref["sweeps"], r["accepted"], r["max"],
                         r["wall"], r["wall"] / ref["wall"], r["cpu"], r["cpu"] / ref["cpu"],
                         1e3 * r["u_time"] / max(r["u_solves"], 1), r["peak"],
                         (r["peak"] / ref["peak"] - 1) * 100, (r["energy"] / ref["energy"] - 1) * 100,
                         r["newton"], r["status"], f"{r['load']:.1f}"])
    rep()
    rep(table(["case", "method", "steps acc/rej", "sweeps", "/plain", "sweeps accepted", "max sweeps/step",
               "wall [s]", "/plain", "CPU [s]", "/plain", "ms/u-solve", "peak [kN/mm] | t_init [s]",
               "Δpeak [%]", "ΔE_frac [%]", "Newton", "status", "load"],
              rows, {4: "{:.2f}", 7: "{:.1f}", 8: "{:.2f}", 9: "{:.1f}", 10: "{:.2f}", 11: "{:.1f}", 12: "{:.5g}",
                     13: "{:+.3f}", 14: "{:+.3f}"}))
    rep("  sweeps: staggered u-d iterations of all attempts (rejected steps included); max sweeps/step: the most "
        "in one accepted step (the plate's failure step);\n  CPU: user + system time of the run's processes; "
        "load: 1-min load average at the start of the run (2 cores); hybrid is another model (Δpeak for "
        "information)")
    print(f"saved {rep.save()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
