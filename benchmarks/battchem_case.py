"""One timed battchem run of the 3-D particle (the worker that compare_baseline.py and scaling.py
launch with ``mpirun -n N``); writes a JSON summary on rank 0.

Fields, plots and periodic checkpoints are off; the step is constant (dt_initial = dt_max) so that
the baseline can replay it. Per-step wall times and Krylov iterations come from the driver's
``observer`` hook (called after each accepted step, after series.csv is appended), so a step's
time is everything battchem does per step: solves, projections, quantities, series row.

    mpirun -n 2 python3 benchmarks/battchem_case.py --mesh-size 0.05 --refine 1 --degree 1 \
        --steps 10 --json .scratch/bench/battchem.json
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
INPUT = ROOT / "problems" / "demo_particle_sphere_2C.yaml"


def overrides(mesh_size, refine, degree, steps, dt, solver) -> list[str]:
    return [f"geometry.mesh_size={mesh_size}", f"geometry.refine={refine}", f"geometry.degree={degree}",
            "geometry.kind=sphere", "geometry.symmetry=reduced", "coupling.mode=one_way",
            f"stepping.max_steps={steps}", f"stepping.dt_initial={dt}", f"stepping.dt_max={dt}",
            "stepping.target_change=null", f"solver.linear_solver={solver}",
            "output.plots=false", "output.fields_every=0", "output.checkpoint_every=0",
            "output.progress_every=1000"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mesh-size", type=float, default=0.05)
    p.add_argument("--refine", type=int, default=1)
    p.add_argument("--degree", type=int, default=1, choices=(1, 2))
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--dt", type=float, default=5.0)
    p.add_argument("--solver", default="iterative", choices=("auto", "iterative", "direct"))
    p.add_argument("--outdir", default=str(ROOT / ".scratch" / "bench" / "battchem_run"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    comm = MPI.COMM_WORLD

    import battchem

    stamps, its, seconds = [], [], []

    def observer(problem, t, step):
        stamps.append(time.perf_counter())
        stats = problem.solver_statistics()
        its.append({k: s.krylov for k, s in stats.items()})
        seconds.append({k: s.seconds for k, s in stats.items()})

    t0 = time.perf_counter()
    settings = overrides(a.mesh_size, a.refine, a.degree, a.steps, a.dt, a.solver)
    res = battchem.run(str(INPUT), a.outdir, settings, comm=comm, quiet=True, overwrite=True, observer=observer)
    wall = time.perf_counter() - t0
    rss = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)
    if comm.rank != 0:
        return 0
    m = res.manifest
    w = m["wall_time"]
    # per-step Krylov iterations of each prefix (differences of the running totals; the first
    # step's are measured from the set-up state, where mechanics did one 0-iteration solve)
    setup_its = {k: 0 for k in its[0]} if its else {}
    prev, per_step = setup_its, {k: [] for k in setup_its}
    for row in its:
        for k in row:
            per_step[k].append(row[k] - prev[k])
        prev = row
    # the first step's time is not observable from outside (the loop starts inside run());
    # steps 2..N are, exactly
    step_times = list(np.diff(stamps)) if len(stamps) > 1 else []
    # seconds of each prefix's solves per step (running totals differenced; the first step's
    # include the one-off set-up of the preconditioners)
    solve_times = {k: [row[k] - (seconds[i - 1][k] if i else 0.0) for i, row in enumerate(seconds)]
                   for k in (seconds[0] if seconds else {})}
    dofs = m.get("mesh", {}).get("dofs", {})
    from battchem.config import SolverConfig
    from battchem.solvers import default_options

    s = SolverConfig(linear_solver=a.solver)
    result = {"code": "battchem", "ranks": comm.size, "degree": a.degree, "status": res.status,
              "n_c": dofs.get("c"), "n_u": dofs.get("u"), "cells": m.get("mesh", {}).get("cells"),
              "steps": m["steps"]["accepted"], "mesh": w["mesh"], "mesh_timings": m.get("mesh_timings", {}),
              "setup": w["setup"], "solve": w["solve"], "output": w["output"], "total_manifest": w["total"],
              "total": wall, "step_times": step_times,
              "its_transport": per_step.get("transport", []), "its_mechanics": per_step.get("mechanics", []),
              "its_projection": per_step.get("projection", []), "solvers": m.get("solvers", {}),
              "solve_times": solve_times,
              "rss_mb": rss,
              "options": {"transport": default_options("diffusion", dofs.get("c", 0), s),
                          "mechanics": default_options("elasticity", dofs.get("u", 0), s)},
              "final": {"c_mean": float(res.series["c_mean"][-1]),
                        "hoop_surface_mean": float(res.series["hoop_surface_mean"][-1])},
              "message": m.get("message", "")}
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=float))
    steady = np.mean(step_times) if step_times else float("nan")
    print(f"battchem: {result['n_u']} + {result['n_c']} unknowns, {result['steps']} steps ({res.status}); "
          f"mesh {w['mesh']:.2f} s, setup {w['setup']:.2f} s, step {steady:.3f} s (steady), "
          f"total {wall:.2f} s",
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
