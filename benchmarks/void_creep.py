"""void_growth, model creep_contact: cost of a step against unknowns, of a whole stripping run and of
a remesh (issue 11, item 6).

(a) step time: the closure cell of problems/void_creep_closure.yaml (no current, 1 MPa) at three
    interface element sizes, remeshing off, ``--steps`` steps; the mean wall time of steps 2..N from
    the driver's observer hook (everything the driver does per step: mesh motion, the SE potential,
    the creep flow with its active-set rounds, the quantities and the series row);
(b) a whole stripping run: problems/void_creep_stripping.yaml (1 mA/cm² under 0.1 MPa until the void
    has closed), outputs off; wall time, steps, remeshes;
(c) remeshing: the steps of (b) after which the driver saw a remesh, against the median step.

    containers/run python3 benchmarks/void_creep.py [--quick]

Serial only. The table goes to benchmarks/results/void_creep.txt.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import battchem

HERE = Path(__file__).resolve().parent
PROBLEMS = HERE.parent / "problems"
QUIET = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0",
         "output.checkpoint_interval=0"]


def timed_run(path: Path, overrides: list[str], outdir: Path) -> dict:
    stamps, remeshes = [], []

    def observer(problem, t, step):
        stamps.append(time.perf_counter())
        remeshes.append(problem.remeshes)

    t0 = time.perf_counter()
    result = battchem.run(str(path), outdir, [*QUIET, *overrides], quiet=True, overwrite=True,
                          observer=observer)
    wall = time.perf_counter() - t0
    steps = np.diff(np.asarray(stamps))
    remeshed = np.flatnonzero(np.diff(np.asarray(remeshes)) > 0)  # steps[k] is step k + 2, its remesh
    m = result.manifest
    mesh = m.get("mesh", {})
    return {"status": result.status, "message": result.message, "wall": wall, "steps": steps,
            "remesh_steps": steps[remeshed] if len(steps) else np.zeros(0), "dofs": mesh.get("dofs", {}),
            "cells": mesh.get("cells"), "n_steps": len(stamps), "remeshes": remeshes[-1] if remeshes else 0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="two small meshes and 5 steps")
    p.add_argument("--steps", type=int, default=12)
    a = p.parse_args(argv)
    sizes = (0.5e-6, 0.25e-6) if a.quick else (0.5e-6, 0.25e-6, 0.125e-6)
    steps = 5 if a.quick else a.steps
    lines = [f"void_growth creep_contact benchmarks ({time.strftime('%Y-%m-%d %H:%M')}, load "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, 1 rank)", "",
             "(a) step time against unknowns (closure cell, no remeshing)",
             f"{'mesh_size':>10} {'cells':>7} {'v+p':>8} {'phi':>6} {'step [s]':>9} {'s/1e4 unknowns':>15}"]
    with tempfile.TemporaryDirectory() as tmp:
        for h in sizes:
            r = timed_run(PROBLEMS / "void_creep_closure.yaml",
                          [f"geometry.mesh_size={h}", f"stepping.max_steps={steps}", "remesh.min_angle=0",
                           "remesh.min_radius_ratio=0"], Path(tmp) / f"h{h}")
            d = r["dofs"]
            n = d.get("v", 0) + d.get("p", 0)
            step = float(np.mean(r["steps"]))
            lines.append(f"{h:10.3g} {r['cells']:7d} {n:8d} {d.get('phi', 0):6d} {step:9.3f} "
                         f"{step / (n + d.get('phi', 0)) * 1e4:15.3f}")
            print(lines[-1], flush=True)
        if not a.quick:
            r = timed_run(PROBLEMS / "void_creep_stripping.yaml", [], Path(tmp) / "stripping")
            lines += ["", "(b) whole stripping run (problems/void_creep_stripping.yaml)",
                      f"status {r['status']}: {r['message']}",
                      f"wall {r['wall']:.1f} s, {r['n_steps']} steps, {r['remeshes']} remeshes, "
                      f"median step {np.median(r['steps']):.3f} s", "",
                      "(c) remeshing: the step with the remesh against the median step",
                      "  ".join(f"{t:.3f} s" for t in r["remesh_steps"])
                      + f"  (median step {np.median(r['steps']):.3f} s: a remesh costs "
                        f"{np.mean(r['remesh_steps']) / np.median(r['steps']) - 1:.1f} steps)"]
    text = "\n".join(lines)
    print(text)
    if not a.quick:
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "void_creep.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
