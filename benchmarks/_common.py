"""Shared helpers of the benchmark drivers: launch a worker on N ranks, collect its JSON, print and
save tables. The drivers themselves are plain (serial) Python: they start the MPI workers with
``mpirun -n N`` as subprocesses, so run them as ``python3 benchmarks/<driver>.py``, not under mpirun.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRATCH = ROOT / ".scratch" / "bench"
RESULTS = HERE / "results"


def refuse_mpi_launch() -> None:
    if int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("PMI_SIZE", "1"))) > 1:
        sys.exit("run the benchmark drivers serially (python3 benchmarks/...): they start their own "
                 "mpirun -n N workers")


def busy_cores(seconds: float = 1.0) -> float:
    """Cores kept busy by other processes, sampled from /proc/stat over ``seconds`` (NaN if unknown)."""
    def sample():
        with open("/proc/stat") as f:
            v = [float(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait

    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
        return (1.0 - (i1 - i0) / max(t1 - t0, 1e-9)) * (os.cpu_count() or 1)
    except (OSError, ValueError, IndexError):
        return float("nan")


def run_worker(script: str, args: list[str], ranks: int, tag: str, timeout: float = 3600.0) -> dict:
    """Run ``benchmarks/<script>`` on ``ranks`` MPI ranks; return the JSON it writes, with
    ``busy_before``: the cores other processes kept busy just before the launch."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    out = SCRATCH / f"{tag}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    if script == "battchem_case.py":
        cmd += ["--outdir", str(SCRATCH / f"{tag}_out")]
    if ranks > 1 or (shutil.which("mpirun") and os.environ.get("BENCH_ALWAYS_MPIRUN")):
        cmd = ["mpirun", "-n", str(ranks), *cmd]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")  # one thread per rank: 2 cores, 2 ranks
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    busy = busy_cores()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not out.exists():
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {proc.returncode})")
    data = json.loads(out.read_text())
    data["launch_wall"] = time.perf_counter() - t0
    data["busy_before"] = busy
    return data


def steady_step(d: dict) -> float:
    """Mean wall time of one step, the first step (lazy set-up of the transport solver) excluded."""
    st = d["step_times"]
    if d["code"] == "baseline":
        st = st[1:] if len(st) > 1 else st
    return float(np.mean(st)) if len(st) else float("nan")


def its_per_solve(values: list[int]) -> float:
    """Mean Krylov iterations per solve over the steps (the first step's excluded when more)."""
    v = values[1:] if len(values) > 1 else values
    return float(np.mean(v)) if len(v) else float("nan")


def table(headers: list[str], rows: list[list], fmt: dict[int, str] | None = None) -> str:
    fmt = fmt or {}
    cells = [[h for h in headers]]
    for r in rows:
        cells.append([(fmt.get(i, "{}").format(x) if not isinstance(x, str) else x) for i, x in enumerate(r)])
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    lines = ["  ".join(c[i].rjust(widths[i]) for i in range(len(headers))) for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Report:
    """Collects the lines of a benchmark, prints them as they come, saves them at the end."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        self.header = environment_header()  # the machine's state when the benchmark started

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def save(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.txt"
        path.write_text(self.header + "\n".join(self.lines) + "\n")
        return path


def load_line() -> str:
    """The load average now, to print beside a table measured on a possibly shared machine."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min) on {os.cpu_count()} "
            "cores")


def environment_header() -> str:
    import platform

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  host {platform.node()}  cores {os.cpu_count()}  "
            f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
