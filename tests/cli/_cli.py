"""Running the battchem command line the way a user does (a subprocess), for the CLI tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# A particle input that runs in about a second: 1-D radial sphere, 10 s of 1C insertion.
TINY = {"problem": "particle_fracture",
        "geometry": {"kind": "sphere_1d", "mesh_size": 0.1},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 10.0}]},
        "output": {"plots": False}}


def env() -> dict:
    out = {**os.environ, "PYTHONPATH": str(ROOT)}
    out.pop("BATTCHEM_DEBUG", None)
    return out


def battchem(*args, cwd, timeout=300, mpi: int = 0):
    """``battchem ARGS`` (under ``mpirun -n mpi`` when mpi > 0) -> CompletedProcess."""
    cmd = [sys.executable, "-m", "battchem.cli", *map(str, args)]
    if mpi:
        cmd = ["mpirun", "-n", str(mpi), *cmd]
    return subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def manifest(outdir: Path) -> dict:
    return json.loads((Path(outdir) / "manifest.json").read_text())


def error_lines(stderr: str) -> list[str]:
    """The lines battchem printed to stderr (PETSc/MPI noise excluded)."""
    return [line for line in stderr.splitlines() if line.startswith("battchem:")]
