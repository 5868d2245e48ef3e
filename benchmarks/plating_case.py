"""One timed battchem run of the plating phase-field model (the worker that plating_phase_field.py and
plating_compare.py launch with ``mpirun -n N``); writes a JSON summary on rank 0.

The case: a planar front at ``--front`` with one bump of ``--bump-radius`` in the middle (2-D
rectangle or 3-D box from battchem's gmsh sources), the Hong & Viswanathan 2018 set, the electrode
held at ``--voltage``, a constant step ``--dt`` (dt_initial = dt_max, no step control) for
``--steps`` steps. Fields, plots and periodic checkpoints are off. Per step: wall time (from the
driver's ``observer`` hook: everything battchem does per step, solve, quantities, series row),
Newton and Krylov iterations, and the PETSc log of the step (residual and Jacobian assembly,
KSPSolve, PC set-up), the same events baseline_plating.py records.

    mpirun -n 2 python3 benchmarks/plating_case.py --mesh-size 2.5e-7 --steps 4 --solver iterative \
        --json .scratch/bench/p.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

ROOT = Path(__file__).resolve().parents[1]

# PETSc log events read after every step (cumulative; differences per step)
EVENTS = ("SNESSolve", "SNESFunctionEval", "SNESJacobianEval", "KSPSolve", "PCSetUp", "PCApply")


def events() -> dict[str, float]:
    return {name: PETSc.Log.Event(name).getPerfInfo()["time"] for name in EVENTS}


def case_config(a) -> dict:
    """The plating input of the case (a mapping for battchem.run)."""
    domain = {"dimension": a.dimension, "length": a.length, "width": a.width, "mesh_size": a.mesh_size}
    if a.dimension == 3:
        domain["depth"] = a.depth
    petsc = dict(kv.split("=", 1) for kv in a.petsc)
    return {
        "problem": "plating", "model": "phase_field",
        "domain": domain,
        "nuclei": {"front": a.front, "bump_radius": a.bump_radius},
        "mechanics": {"mode": a.mechanics},
        "operation": {"control": "voltage", "segments": [{"voltage": a.voltage, "duration": 1e3}],
                      "stop_at_tip": 1.0},
        "stepping": {"dt_initial": a.dt, "dt_max": a.dt, "target_change": None, "max_steps": a.steps},
        "solver": {"linear_solver": a.solver, "snes_max_it": a.snes_max_it,
                   "petsc_options": {"electrodeposition": petsc} if petsc else {}},
        "output": {"plots": False, "fields_every": 0, "checkpoint_every": 0, "checkpoint_interval": 0,
                   "progress_every": 1000},
    }


def arguments(p: argparse.ArgumentParser) -> None:
    """The case's options (shared with baseline_plating.py)."""
    p.add_argument("--dimension", type=int, default=2, choices=(2, 3))
    p.add_argument("--length", type=float, default=5e-5, help="extent along x (growth) [m]")
    p.add_argument("--width", type=float, default=2e-5, help="extent along y [m]")
    p.add_argument("--depth", type=float, default=2e-5, help="extent along z (3-D) [m]")
    p.add_argument("--mesh-size", type=float, default=5e-7, help="element size [m]")
    p.add_argument("--front", type=float, default=1e-5, help="initial planar front [m]")
    p.add_argument("--bump-radius", type=float, default=3e-6, help="bump in the middle of the front [m]")
    p.add_argument("--voltage", type=float, default=-0.45, help="electrode potential [V]")
    p.add_argument("--dt", type=float, default=0.02, help="time step [s] (constant)")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--solver", default="iterative", choices=("direct", "iterative"),
                   help="direct: MUMPS LU; iterative: the component's field split")
    p.add_argument("--snes-max-it", type=int, default=50,
                   help="Newton iteration limit (the first step drains the interface of ions: 20-30 damped "
                   "iterations at dt = 0.02 s, more than the default 25)")
    p.add_argument("--mechanics", default="none", choices=("none", "two_way"))
    p.add_argument("--petsc", action="append", default=[], metavar="KEY=VALUE",
                   help="extra option of the coupled solve (prefix electrodeposition_ implied)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments(p)
    p.add_argument("--outdir", default=str(ROOT / ".scratch" / "bench" / "plating_run"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    comm = MPI.COMM_WORLD
    PETSc.Log.begin()

    import battchem

    stamps, its, logs, probe = [], [], [], {}

    def observer(problem, t, step):
        stamps.append(time.perf_counter())
        s = problem.edep.solver.stats
        its.append((s.iterations, s.krylov))
        logs.append(events())
        probe["problem"] = problem

    t0 = time.perf_counter()
    res = battchem.run(case_config(a), a.outdir, comm=comm, quiet=True, overwrite=True, observer=observer)
    wall = time.perf_counter() - t0
    rss = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)
    edep = probe["problem"].edep
    options = {k: str(v) for k, v in edep.solver.options.items()}
    if comm.rank != 0:
        return 0
    m = res.manifest
    w = m["wall_time"]
    newton = list(np.diff([0] + [i for i, _ in its]))
    krylov = list(np.diff([0] + [k for _, k in its]))
    per_step = {name: list(np.diff([0.0] + [log[name] for log in logs])) for name in EVENTS}
    dofs = m["mesh"]["dofs"]
    s = res.series
    result = {"code": "battchem", "ranks": comm.size, "status": res.status, "dimension": a.dimension,
              "mechanics": a.mechanics, "solver": a.solver, "unknowns": int(sum(dofs.values())), "dofs": dofs,
              "cells": m["mesh"]["cells"], "steps": m["steps"]["accepted"], "mesh": w["mesh"],
              "setup": w["setup"], "total": wall,
              # the first step's start is not observable from outside run(): steps 2..N, exactly
              "step_times": list(np.diff(stamps)) if len(stamps) > 1 else [],
              "newton": [int(x) for x in newton], "krylov": [int(x) for x in krylov], "events": per_step,
              "rss_mb": rss, "options": options,
              "final": {k: float(s[k][-1]) for k in ("tip_height", "current_density", "deposited_li",
                                                    "concentration_min", "unfilled_li",
                                                    "li_balance_error", "interface_length")},
              "message": m.get("message", "")}
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1, default=float))
    steady = np.mean(result["step_times"]) if result["step_times"] else float("nan")
    print(f"battchem: {result['unknowns']} unknowns, {result['steps']} steps ({res.status}); mesh "
          f"{w['mesh']:.2f} s, setup {w['setup']:.2f} s, step {steady:.3f} s (steady), "
          f"Newton {result['newton']}, Krylov {result['krylov']}, total {wall:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
