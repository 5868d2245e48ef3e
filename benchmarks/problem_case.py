"""One timed battchem run of any problem input (the worker of problem_scaling.py and of the Slurm
scaling jobs in benchmarks/slurm/); writes a JSON summary on rank 0.

Fields, plots and checkpoints are off. Per-step wall times and the Newton and Krylov iterations per
step come from the driver's ``observer`` hook (after each accepted step, series row included), so a
step's time is everything battchem does per step. The unknowns are those of the problem's state
(``Problem.state_functions``), counted over the whole mesh.

    mpirun -n 2 python3 benchmarks/problem_case.py problems/plating_dendrite.yaml --steps 5 \
        --set domain.mesh_size=2.5e-7 --json .scratch/bench/case.json
    srun python3 benchmarks/problem_case.py INPUT --steps 5 --set ... --json OUT.json   (Slurm)
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI

ROOT = Path(__file__).resolve().parents[1]
QUIET_OUTPUT = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0"]


def state_unknowns(problem) -> int:
    """Global number of unknowns of the problem's state Functions (blocks counted)."""
    total = 0
    for f in problem.state_functions().values():
        V = f.function_space
        total += V.dofmap.index_map.size_global * V.dofmap.index_map_bs
    return total


def iteration_totals(problem) -> tuple[int, int]:
    """Running totals of Newton and Krylov iterations over the problem's solvers (the L2
    projections of output quantities excluded)."""
    stats = [s for name, s in problem.solver_statistics().items() if name != "projection"]
    return sum(s.iterations for s in stats), sum(s.krylov for s in stats)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("input")
    p.add_argument("--set", action="append", default=[], help="key.path=value (repeatable)")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--outdir", default=str(ROOT / ".scratch" / "bench" / "problem_case"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    comm = MPI.COMM_WORLD

    import battchem

    stamps, totals, unknowns = [], [], []

    def observer(problem, t, step):
        stamps.append(time.perf_counter())
        totals.append(iteration_totals(problem))
        if not unknowns:
            unknowns.append(state_unknowns(problem))

    t0 = time.perf_counter()
    settings = [*a.set, f"stepping.max_steps={a.steps}", *QUIET_OUTPUT]
    res = battchem.run(a.input, a.outdir, settings, comm=comm, quiet=True, overwrite=True, observer=observer)
    wall = time.perf_counter() - t0
    rss = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)
    if comm.rank != 0:
        return 0
    m = res.manifest
    w = m["wall_time"]
    # the first step's time is not observable from outside (the loop starts inside run()): steps 2..N
    step_times = list(np.diff(stamps)) if len(stamps) > 1 else []
    newton = list(np.diff([n for n, _ in totals])) if len(totals) > 1 else []
    krylov = list(np.diff([k for _, k in totals])) if len(totals) > 1 else []
    result = {"code": "battchem", "input": a.input, "overrides": a.set, "ranks": comm.size,
              "status": res.status, "unknowns": unknowns[0] if unknowns else None,
              "cells": m.get("mesh", {}).get("cells"), "steps": m["steps"]["accepted"],
              "mesh": w["mesh"], "setup": w["setup"], "solve": w["solve"], "total": wall,
              "step_times": step_times, "newton_per_step": newton, "krylov_per_step": krylov,
              "rss_mb": rss, "message": m.get("message", "")}
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(result, indent=1, default=float))
    steady = np.mean(step_times) if step_times else float("nan")
    print(f"{a.input}: {result['unknowns']} unknowns on {comm.size} rank(s), {result['steps']} steps "
          f"({res.status}); step {steady:.3f} s (steady), total {wall:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
