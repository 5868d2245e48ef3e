"""Errors end a run with a status and a message, on every rank, never a hung job (issue 7 §9-§11):
rank-0 work (gmsh, pictures) broadcasts its error, a failure on one rank only aborts the job after
writing a `failed` manifest, PETSc's own errors are reported as such instead of being cut back
ten times, and PETSc options do not leak from one run to the next in the same process."""

import subprocess
import sys
from pathlib import Path

import pytest
from mpi4py import MPI
from petsc4py import PETSc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import ROOT, TINY, battchem, env, manifest, write  # noqa: E402

import battchem as bc  # noqa: E402

DISK = {"problem": "particle_fracture", "geometry": {"kind": "disk", "mesh_size": 0.3},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 10.0}]},
        "output": {"plots": False}}


@pytest.mark.mpi
def test_a_picture_failing_on_rank_0_does_not_hang_the_other_ranks(shared_tmp, monkeypatch):
    from battchem import plotting

    curves = plotting.curves

    def broken(*args, **kwargs):
        if MPI.COMM_WORLD.rank == 0:
            raise RuntimeError("no display")
        return curves(*args, **kwargs)

    monkeypatch.setattr(plotting, "curves", broken)
    result = bc.run({**TINY, "output": {"plots": True}}, shared_tmp / "r", quiet=True)
    assert result.status == "completed"
    assert "no display" in result.manifest["plots_error"]  # on every rank


@pytest.mark.mpi
def test_a_gmsh_failure_on_rank_0_fails_the_run_on_every_rank(shared_tmp, monkeypatch):
    import gmsh

    def broken(dim):
        raise RuntimeError("gmsh: invalid surface")

    monkeypatch.setattr(gmsh.model.mesh, "generate", broken)
    result = bc.run(DISK, shared_tmp / "r", quiet=True)
    assert result.status == "failed" and "invalid surface" in result.message
    assert not (shared_tmp / "r" / "series.csv").exists()  # it failed while meshing, before any step
    assert manifest(shared_tmp / "r")["status"] == "failed"


SCRIPT = """
import sys
from mpi4py import MPI
import battchem

def observer(problem, t, step):
    if step == 2 and MPI.COMM_WORLD.rank == 1:
        raise RuntimeError("disk full on rank 1")

battchem.run(sys.argv[1], sys.argv[2], quiet=True, observer=observer)
"""


def test_a_failure_on_one_rank_only_ends_the_job_with_a_failed_manifest(tmp_path):
    """Rank 1 fails alone while rank 0 goes on to the next collective call: after the grace period
    rank 1 records the failure and aborts the job (before, the job hung until the wall-time limit)."""
    path = write(tmp_path / "tiny.yaml", TINY)
    script = write(tmp_path / "one_rank.py", SCRIPT)
    cmd = ["mpirun", "-n", "2", sys.executable, str(script), str(path), str(tmp_path / "r")]
    proc = subprocess.run(cmd, env={**env(), "BATTCHEM_FAILURE_TIMEOUT": "3"}, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode != 0
    m = manifest(tmp_path / "r")
    assert m["status"] == "failed" and m["message"].startswith("rank 1: RuntimeError: disk full on rank 1")
    assert "battchem: failed on rank 1" in proc.stderr


def test_a_petsc_error_is_reported_not_cut_back(tmp_path):
    """An impossible PETSc option is an error, not a step that a smaller dt could fix."""
    bad = {**TINY, "solver": {"petsc_options": {"transport": {"pc_factor_mat_solver_type": "nonexistent"}}}}
    res = battchem("run", write(tmp_path / "bad.yaml", bad), "-o", tmp_path / "r", cwd=tmp_path)
    assert res.returncode == 1
    m = manifest(tmp_path / "r")
    assert m["status"] == "failed" and m["steps"]["rejected"] == 0
    assert "Could not locate solver type nonexistent" in m["message"]
    assert "Could not locate solver type nonexistent" in res.stderr.splitlines()[-1]


def test_petsc_options_do_not_leak_between_runs(tmp_path):
    seen = []

    def observer(problem, t, step):
        if step == 1:
            seen.append(problem.transport_solver.snes.getKSP().getType())

    gmres = {**TINY, "solver": {"linear_solver": "iterative",
                                "petsc_options": {"transport": {"ksp_type": "gmres", "ksp_monitor_cancel": None}}}}
    assert bc.run(gmres, tmp_path / "a", quiet=True, observer=observer).status == "completed"
    assert bc.run({**TINY, "solver": {"linear_solver": "iterative"}}, tmp_path / "b", quiet=True,
                  observer=observer).status == "completed"
    assert seen == ["gmres", "cg"]
    left = [k for k in PETSc.Options().getAll() if k.startswith(("transport_", "mechanics_", "projection_"))]
    assert left == []


def test_no_unused_option_noise_after_a_normal_run(tmp_path):
    res = battchem("run", write(tmp_path / "tiny.yaml", TINY), "-o", tmp_path / "r", cwd=tmp_path)
    assert res.returncode == 0 and "were not used" not in res.stderr and "WARNING" not in res.stderr
