"""Interrupts end a run cleanly (issue 7 §8): SIGINT is treated like SIGTERM, a request is honoured
inside Newton and staggered loops (not only between steps), the last accepted state is restored and
checkpointed, the manifest says `interrupted` and how to continue, every rank exits with 3."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import env, manifest, write  # noqa: E402

import battchem as bc  # noqa: E402
from battchem.components.fracture import PhaseFieldFracture  # noqa: E402

LONG = {"problem": "particle_fracture", "geometry": {"kind": "sphere_1d", "mesh_size": 0.05},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 3000.0}]},
        "stepping": {"dt_max": 0.5, "dt_initial": 0.5, "target_change": None},
        "output": {"plots": False, "progress_every": 0}}


def start(tmp_path, mpi=0):
    path = write(tmp_path / "long.yaml", LONG)
    cmd = [sys.executable, "-m", "battchem.cli", "run", str(path), "-o", str(tmp_path / "run")]
    if mpi:
        cmd = ["mpirun", "-n", str(mpi), *cmd]
    proc = subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    for line in proc.stdout:  # wait until it is stepping
        if line.startswith("step"):
            break
    time.sleep(0.5)
    return proc


def checkpoint_step(folder: Path) -> int:
    import json

    return json.loads((folder / "checkpoint" / "state.json").read_text())["scalars"]["step"]


def test_sigint_is_a_clean_stop_with_a_checkpoint(tmp_path):
    proc = start(tmp_path)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    m = manifest(tmp_path / "run")
    assert m["status"] == "interrupted" and "SIGINT" in m["message"] and "--restart" in m["message"]
    assert checkpoint_step(tmp_path / "run") == m["steps"]["accepted"] > 0
    assert [line for line in err.splitlines() if line.startswith("battchem: run interrupted")]


def test_sigusr1_under_mpirun_stops_every_rank_with_status_3(tmp_path):
    """Open MPI's mpirun forwards SIGUSR1 to the ranks (not SIGTERM/SIGINT, see the next test)."""
    proc = start(tmp_path, mpi=2)
    proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert "PMIX ERROR" not in err and "Traceback" not in err
    m = manifest(tmp_path / "run")
    assert m["status"] == "interrupted" and "SIGUSR1" in m["message"]
    assert checkpoint_step(tmp_path / "run") == m["steps"]["accepted"]
    assert "interrupted:" in out  # the final line


def test_sigterm_to_mpirun_is_recorded_even_though_mpirun_kills_the_ranks(tmp_path):
    """mpirun passes SIGTERM on and kills the ranks 0.25 s later (PRRTE 3, not configurable): the
    manifest must still say `interrupted`, not `running`, and where the last checkpoint is."""
    proc = start(tmp_path, mpi=2)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    m = manifest(tmp_path / "run")
    # either the ranks were killed after the request was recorded, or (a small problem) they finished
    # the clean stop within the 0.25 s mpirun left them
    assert m["status"] == "interrupted" and "SIGTERM" in m["message"]
    assert "last checkpoint" in m["message"] or "checkpoint written" in m["message"]


SMALL_PLATE = {"problem": "notched_plate", "fracture": {"length_scale": 1.5e-5},
               "geometry": {"h_band": 7.5e-6, "h_far": 2e-4, "band_half_width": 3e-5},
               "loading": {"end_displacement": 2.5e-7}, "stepping": {"dt_initial": 5e-8, "dt_max": 5e-8},
               "output": {"plots": False, "fields_every": 0}}


def test_a_request_during_a_staggered_step_restores_the_last_accepted_state(tmp_path, monkeypatch):
    """SIGTERM arrives inside step 3's u–d loop: the stagger stops at its next stage, the run goes
    back to step 2, checkpoints it, and a restart reproduces the uninterrupted run."""
    full = bc.run(SMALL_PLATE, tmp_path / "full", quiet=True)
    assert full.status == "completed" and len(full.series["step"]) == 6
    solve = PhaseFieldFracture.solve
    calls = {"n": 0}

    def solve_with_a_signal(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return solve(self, **kwargs)

    monkeypatch.setattr(PhaseFieldFracture, "solve", solve_with_a_signal)
    part = bc.run(SMALL_PLATE, tmp_path / "part", quiet=True)
    monkeypatch.setattr(PhaseFieldFracture, "solve", solve)
    assert part.status == "interrupted" and "SIGTERM" in part.message
    assert list(part.series["step"]) == [0, 1, 2] and checkpoint_step(tmp_path / "part") == 2
    rest = bc.run(SMALL_PLATE, tmp_path / "part", quiet=True, restart=True)
    assert rest.status == "completed"
    for name in ("force", "elastic_energy", "fracture_energy", "damage_max"):
        # the checkpoint holds the state exactly: only round-off of re-assembled operators differs
        assert np.allclose(rest.series[name], full.series[name], rtol=1e-9, atol=1e-12 * np.abs(full.series[name]).max()), name


def test_a_request_inside_a_newton_solve_stops_at_the_next_iteration(tmp_path, monkeypatch):
    """The SNES monitor checks for a request after every Newton iteration: a signal sent from the
    residual evaluation of step 4 stops that step without finishing its Newton solve."""
    from battchem.solvers import NonlinearSolver

    residual = NonlinearSolver._residual
    state = {"evaluations": 0, "armed": False}

    def observer(problem, t, step):
        state["armed"] = step == 3

    def residual_with_a_signal(self, snes, x, b):
        if state["armed"]:
            state["armed"] = False
            os.kill(os.getpid(), signal.SIGINT)
        return residual(self, snes, x, b)

    monkeypatch.setattr(NonlinearSolver, "_residual", residual_with_a_signal)
    two_way = {**LONG, "coupling": {"mode": "two_way"}, "geometry": {"kind": "sphere_1d", "mesh_size": 0.1}}
    result = bc.run(two_way, tmp_path / "r", quiet=True, observer=observer)
    assert result.status == "interrupted" and "SIGINT" in result.message
    assert list(result.series["step"]) == [0, 1, 2, 3]
    assert checkpoint_step(tmp_path / "r") == 3
