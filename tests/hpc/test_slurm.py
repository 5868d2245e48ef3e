"""The cluster path (issue 13 §2), run by `make test-hpc` inside the battchem-hpc image on a
one-node Slurm cluster (containers/slurm/one-node-cluster): the shipped batch script submitted with
sbatch --wait, its 2 tasks launched by srun with PMIx, gives the series of a plain mpirun -n 2 run;
a study runs as a 2-group job; a SIGTERM delivered by Slurm (the wall-time warning) stops the job
with a checkpoint and status 3, and resubmitting the same command finishes the run. Skipped where
there is no Slurm (make test)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import ROOT, env, manifest, write  # noqa: E402

from battchem.output import read_series  # noqa: E402

pytestmark = [pytest.mark.hpc,
              pytest.mark.skipif(shutil.which("sbatch") is None, reason="needs Slurm: make test-hpc")]
NATIVE = ROOT / "containers" / "slurm" / "battchem_native.sbatch"
DISK = {"problem": "particle_fracture", "title": "cluster path: disk, 2C insertion",
        "geometry": {"kind": "disk", "mesh_size": 0.1, "degree": 2},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 2.0, "duration": 600.0}]},
        "output": {"plots": False}}


def sbatch(*args, cwd):
    cmd = ["sbatch", "--wait", "--ntasks=2", "--time=20", "--output=job-%j.out", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=1200)


def mpirun(*args, cwd):
    cmd = ["mpirun", "-n", "2", sys.executable, "-m", "battchem.cli", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=1200)


def test_sbatch_with_srun_gives_the_mpirun_series(tmp_path):
    path = write(tmp_path / "disk.yaml", DISK)
    assert mpirun("run", path, "-o", tmp_path / "mpirun", cwd=tmp_path).returncode == 0
    job = sbatch(NATIVE, path, tmp_path / "slurm", cwd=tmp_path)
    assert job.returncode == 0, job.stderr + "".join(p.read_text() for p in tmp_path.glob("job-*.out"))
    m = manifest(tmp_path / "slurm")
    assert m["status"] == "completed" and m["mpi_size"] == 2
    ref, got = read_series(tmp_path / "mpirun" / "series.csv"), read_series(tmp_path / "slurm" / "series.csv")
    assert set(ref) == set(got) and len(ref["step"]) == len(got["step"])
    for name, values in ref.items():
        if name != "krylov_its":  # same partition and MUMPS: identical but for round-off
            assert np.allclose(got[name], values, rtol=1e-10, atol=1e-12 * np.abs(values).max()), name


def test_a_study_as_a_two_group_job(tmp_path):
    study = {"problem": "plating", "model": "cell_1d", "title": "cluster study",
             "cell": {"thickness": 1e-3, "elements": 100},
             "operation": {"segments": [{"current_density": 100.0, "duration": 1000.0}]},
             "output": {"plots": False, "fields_every": 0},
             "sweep": {"grid": {"operation.segments.0.current_density": [100.0, 150.0, 200.0, 250.0]},
                       "summary": ["sand_time"]}}
    path = write(tmp_path / "study.yaml", study)
    script = write(tmp_path / "sweep.sbatch", "#!/bin/bash\n"
                   f"srun --mpi=pmix battchem sweep {path} -o {tmp_path / 'slurm'} --groups 2\n")
    assert mpirun("sweep", path, "-o", tmp_path / "mpirun", "--groups", "2", cwd=tmp_path).returncode == 0
    job = sbatch(script, cwd=tmp_path)
    assert job.returncode == 0, job.stderr
    assert (tmp_path / "slurm" / "sweep.csv").read_text() .replace(str(tmp_path / "slurm"), "X") == \
        (tmp_path / "mpirun" / "sweep.csv").read_text().replace(str(tmp_path / "mpirun"), "X")


def test_slurm_sigterm_checkpoints_and_the_same_command_finishes(tmp_path):
    long = {**DISK, "operation": {"segments": [{"direction": "insertion", "c_rate": 0.5, "duration": 7000.0}]},
            "stepping": {"dt_max": 5.0}}
    path = write(tmp_path / "long.yaml", long)
    job = subprocess.run(["sbatch", "--parsable", "--ntasks=2", "--time=20", "--output=job-%j.out", str(NATIVE),
                          str(path), str(tmp_path / "run")], cwd=tmp_path, env=env(), capture_output=True,
                         text=True, timeout=60)
    job_id = job.stdout.strip().split(";")[0]
    for _ in range(600):  # wait until it is stepping
        if (tmp_path / "run" / "series.csv").exists() and len((tmp_path / "run" / "series.csv").read_text().splitlines()) > 5:
            break
        subprocess.run(["sleep", "0.5"])
    # as --signal=TERM@300 at the time limit: to the job step's tasks (not the batch shell)
    subprocess.run(["scancel", "--signal=TERM", job_id], check=True)
    subprocess.run(["bash", "-c", f"while squeue -h -j {job_id} 2>/dev/null | grep -q .; do sleep 1; done"],
                   timeout=300)
    m = manifest(tmp_path / "run")
    assert m["status"] == "interrupted" and "SIGTERM" in m["message"]
    out = next(tmp_path.glob(f"job-{job_id}.out")).read_text()
    assert "interrupted; resubmit" in out
    again = sbatch(NATIVE, path, tmp_path / "run", cwd=tmp_path)
    assert again.returncode == 0 and manifest(tmp_path / "run")["status"] == "completed"
    assert manifest(tmp_path / "run")["restarts"] == 1
    assert os.path.exists(tmp_path / "run" / "checkpoint" / "state.json")
