"""Run control: checkpoint/restart reproduces an uninterrupted run, SIGTERM checkpoints and exits,
failing solves cut the step back and retry, and a run that cannot continue ends as ``failed``
with what it wrote kept."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import battchem
from battchem.output import read_series

ROOT = Path(__file__).resolve().parents[2]
INPUT = ROOT / "tests" / "regression" / "inputs" / "particle_sphere_cycle.yaml"
QUICK = ["geometry.kind=sphere_axisym", "geometry.mesh_size=0.15"]


@pytest.mark.mpi
def test_restart_gives_the_uninterrupted_series(shared_tmp):
    full = battchem.run(INPUT, shared_tmp / "full", QUICK, quiet=True)
    part = battchem.run(INPUT, shared_tmp / "part", QUICK + ["stepping.max_steps=20"], quiet=True)
    assert part.status == "interrupted" and len(part.series["step"]) == 21
    rest = battchem.run(INPUT, shared_tmp / "part", QUICK, quiet=True, restart=True)
    assert rest.status == "completed"
    assert rest.manifest["restarts"] == 1
    assert len(rest.series["step"]) == len(full.series["step"])
    for name, ref in full.series.items():
        if name == "krylov_its":
            continue
        # the checkpoint stores the state exactly (ADIOS2 doubles) and the step controller state:
        # only round-off of the re-assembled operators separates the runs
        assert np.allclose(rest.series[name], ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max()), name


def test_cutback_and_retry_then_failure(shared_tmp):
    """An undersized Krylov budget fails large steps: they are cut back until they converge
    (status completed, rejections recorded); with no way to converge the run ends as failed,
    keeping config, series and manifest."""
    starve = ["solver.linear_solver=iterative",
              "solver.petsc_options={transport: {pc_type: jacobi, ksp_type: cg, ksp_max_it: 20}}"]
    base = QUICK + ["stepping.dt_initial=200", "stepping.target_change=null",
                    "operation.segments=[{direction: insertion, c_rate: 1, duration: 600}]"]
    ok = battchem.run(INPUT, shared_tmp / "ok", base + starve, quiet=True)
    assert ok.status == "completed" and ok.manifest["steps"]["rejected"] >= 1
    assert ok.series["dt"][1] < 200
    never = ["solver.linear_solver=iterative",
             "solver.petsc_options={transport: {pc_type: none, ksp_type: cg, ksp_max_it: 1}}",
             "stepping.max_cutbacks=3"]
    bad = battchem.run(INPUT, shared_tmp / "bad", base + never, quiet=True)
    assert bad.status == "failed" and "failed 4 times" in bad.manifest["message"]
    out = shared_tmp / "bad"
    assert (out / "config.yaml").exists() and (out / "checkpoint" / "state.json").exists()
    assert len(read_series(out / "series.csv")["step"]) == 1  # the initial state row is kept
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"


def test_sigterm_writes_a_checkpoint_and_exits_interrupted(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "battchem.cli", "run", str(INPUT), "-o", str(tmp_path / "run"),
           "--set", "stepping.dt_max=2", "--set", "output.progress_every=0", "--set", "geometry.kind=sphere_1d"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:  # wait until it is stepping
        if line.startswith("step"):
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 3
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and "SIGTERM" in manifest["message"]
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["scalars"]["step"] == manifest["steps"]["accepted"] > 0


@pytest.mark.mpi
@pytest.mark.parametrize("overrides", [
    ["geometry.kind=sphere", "geometry.mesh_size=0.25", "geometry.symmetry=full"],
    ["geometry.kind=sphere_axisym", "geometry.mesh_size=0.2", "coupling.mode=two_way"],
    ["geometry.kind=disk", "geometry.mesh_size=0.15", "geometry.refine=1", "solver.linear_solver=iterative"],
], ids=["3d_full_sphere", "axisym_two_way", "disk_refined_iterative"])
def test_one_and_two_ranks_give_the_same_series(shared_tmp, overrides):
    """Under mpirun -n 2: the same input on each rank alone (COMM_SELF) and on both ranks
    (COMM_WORLD). Direct solves agree to round-off; the iterative case (AMG-CG, rtol 1e-9) to the
    Krylov tolerance amplified by the time integration, measured < 1e-8. Bound 1e-7 relative to
    each column's range."""
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    parallel = battchem.run(INPUT, shared_tmp / "world", overrides, quiet=True, comm=comm)
    serial = battchem.run(INPUT, shared_tmp / f"self{comm.rank}", overrides, quiet=True, comm=MPI.COMM_SELF)
    assert parallel.status == serial.status == "completed"
    for name, ref in serial.series.items():
        if name == "krylov_its":
            continue
        assert len(parallel.series[name]) == len(ref), name
        assert np.abs(parallel.series[name] - ref).max() <= 1e-7 * np.abs(ref).max(), name
