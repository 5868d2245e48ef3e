"""Strong and weak scaling of each problem's default solvers, and the sweep's throughput with 1 and
2 rank groups (issue 13 §5).

- strong: the same mesh on 1 and 2 ranks: speed-up and parallel efficiency of the steady step time;
- weak: the unknowns grow with the ranks (element size / ranks^(1/dim)): efficiency = t(1)/t(N);
- sweep: ``battchem sweep problems/plating_morphology.yaml`` on 2 ranks as 1 group and as 2
  groups: cases per hour.

The 1-D models (plating cell_1d, void_growth vacancy_1d: a few hundred unknowns, under a second per
run) are not scaled. The same sizes run at 8-512 ranks under Slurm with benchmarks/slurm/
(``--overrides PROBLEM RANKS KIND`` prints the --set options of a case for those scripts).

    python3 benchmarks/problem_scaling.py [--quick] [--ranks 1 2] [problem ...]
    python3 benchmarks/problem_scaling.py --overrides plating_phase_field 64 weak
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
from _common import ROOT, SCRATCH, Report, busy_cores, refuse_mpi_launch, run_worker, table


@dataclass(frozen=True)
class Case:
    """A problem input whose mesh is scaled by a factor s (element sizes × s)."""

    input: str
    dim: int
    sizes: dict  # key -> element size at s = 1 (the strong-scaling mesh)
    quick: float  # s of --quick (coarser)
    steps: int
    extra: tuple = ()

    def overrides(self, s: float) -> list[str]:
        return [f"{k}={v * s:.6g}" for k, v in self.sizes.items()] + list(self.extra)


CASES = {
    # 3-D sphere octant, one-way diffusion-induced stress (the make demo sphere): ~1.1e5 unknowns
    "particle_fracture": Case("problems/demo_particle_sphere_2C.yaml", 3, {"geometry.mesh_size": 0.05},
                              3.4, 6, ("geometry.refine=1",)),
    # Miehe's plate, staggered u-d, elastic load steps: ~1.0e5 unknowns
    "notched_plate": Case("problems/notched_plate_tension_coarse.yaml", 2,
                          {"geometry.h_band": 2.0e-6, "geometry.h_far": 1.4e-5}, 7.5, 6),
    # stress-coupled electrodeposition (xi, ln c, phi, u): ~1.1e5 unknowns
    "plating_phase_field": Case("problems/plating_dendrite.yaml", 2, {"domain.mesh_size": 1.35e-7}, 2.0, 6),
    # interphase growth, creep, electrolyte damage under a Li contact edge (staggered growth-mechanics-damage)
    "interphase": Case("problems/interphase_lagp_contact_edge.yaml", 2,
                       {"geometry.mesh_size": 0.2e-6, "geometry.coarse_mesh_size": 1.6e-6}, 2.0, 6),
    # Taylor-Hood creep flow of Li with the SE potential, a void at the interface
    "void_creep": Case("problems/void_creep_stripping.yaml", 2,
                       {"geometry.mesh_size": 0.25e-6, "geometry.mesh_size_far": 2.0e-6}, 2.0, 6),
}
SWEEP_INPUT = "problems/plating_morphology.yaml"


def factor(case: Case, ranks: int, kind: str) -> float:
    """Element-size factor: 1 for strong scaling; ranks^(-1/dim) for weak scaling (unknowns ∝ ranks)."""
    return 1.0 if kind == "strong" else ranks ** (-1.0 / case.dim)


def run_case(name: str, case: Case, s: float, ranks: int, tag: str) -> dict:
    args = [str(ROOT / case.input), "--steps", str(case.steps), "--outdir", str(SCRATCH / f"{tag}_out")]
    for item in case.overrides(s):
        args += ["--set", item]
    return run_worker("problem_case.py", args, ranks, tag)


def steady(d: dict) -> float:
    return float(np.mean(d["step_times"])) if d["step_times"] else float("nan")


def sweep_throughput(report: Report, quick: bool) -> None:
    rows = []
    for groups in (1, 2):
        out = SCRATCH / f"sweep_groups{groups}"
        shutil.rmtree(out, ignore_errors=True)
        busy = busy_cores()
        cmd = ["mpirun", "-n", "2", sys.executable, "-m", "battchem.cli", "sweep", str(ROOT / SWEEP_INPUT),
               "-o", str(out), "--groups", str(groups)]
        if quick:
            cmd += ["--set", "domain.mesh_size=1e-6"]
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        cases = len(list((out / "cases").iterdir()))
        rows.append([groups, 2 // groups, cases, wall, 3600.0 * cases / wall, busy])
    report(f"\nsweep throughput: {SWEEP_INPUT} on 2 ranks")
    report(table(["groups", "ranks/group", "cases", "wall [s]", "cases/hour", "busy cores before"], rows,
                 {3: "{:.1f}", 4: "{:.0f}", 5: "{:.1f}"}))


def collect(folder: str) -> str:
    """Tables of the JSON files that benchmarks/slurm/scaling.sbatch writes (PROBLEM_KIND_RANKS.json):
    per problem and kind, the steady step time against ranks, speed-up or weak efficiency relative to
    the fewest ranks."""
    import json
    from pathlib import Path

    runs: dict = {}
    for path in sorted(Path(folder).glob("*.json")):
        name, kind, _ = path.stem.rsplit("_", 2)
        runs.setdefault((name, kind), []).append(json.loads(path.read_text()))
    out = []
    for (name, kind), data in sorted(runs.items()):
        data.sort(key=lambda d: d["ranks"])
        ref, base = steady(data[0]), data[0]["ranks"]
        rows = [[d["ranks"], d["unknowns"], steady(d), ref / steady(d) * (1 if kind == "weak" else base / d["ranks"]),
                 np.mean(d["newton_per_step"] or [np.nan]), np.mean(d["krylov_per_step"] or [np.nan])] for d in data]
        out.append(f"\n{name} ({kind})")
        out.append(table(["ranks", "unknowns", "step [s]", "efficiency", "Newton/step", "Krylov/step"], rows,
                         {2: "{:.3f}", 3: "{:.2f}", 4: "{:.1f}", 5: "{:.1f}"}))
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("problems", nargs="*", help=f"any of {', '.join(CASES)} (default: all, and the sweep)")
    p.add_argument("--quick", action="store_true", help="coarse meshes, to check the scripts (< 2 min)")
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    p.add_argument("--overrides", nargs=3, metavar=("PROBLEM", "RANKS", "KIND"),
                   help="print the input and --set options of one case (for the Slurm scripts) and exit")
    p.add_argument("--scale", type=float, default=1.0,
                   help="with --overrides: element sizes × this at 1 rank (0.25: 16× the unknowns in 2-D)")
    p.add_argument("--collect", metavar="DIR", help="tabulate the JSON files of Slurm scaling jobs and exit")
    a = p.parse_args(argv)
    if a.overrides:
        name, ranks, kind = a.overrides
        case = CASES[name]
        print(" ".join([case.input, "--steps", str(case.steps)]
                       + [f"--set {o}" for o in case.overrides(a.scale * factor(case, int(ranks), kind))]))
        return 0
    if a.collect:
        print(collect(a.collect))
        return 0
    refuse_mpi_launch()
    subset = "_" + "_".join(a.problems) if a.problems else ""
    report = Report("problem_scaling" + subset + ("_quick" if a.quick else ""))
    names = a.problems or list(CASES)
    base = min(a.ranks)
    for name in names:
        case = CASES[name]
        scale = case.quick if a.quick else 1.0
        rows = []
        for kind in ("strong", "weak"):
            ref = None
            for ranks in a.ranks:
                s = scale * factor(case, ranks // base, kind)
                d = run_case(name, case, s, ranks, f"{name}_{kind}_{ranks}")
                t = steady(d)
                ref = ref if ref is not None else t
                speedup = ref / t if kind == "strong" else float("nan")
                efficiency = speedup * base / ranks if kind == "strong" else ref / t
                rows.append([kind, ranks, d["unknowns"], d["steps"], t, t / d["unknowns"] * 1e6 * ranks,
                             speedup, efficiency, np.mean(d["newton_per_step"] or [np.nan]),
                             np.mean(d["krylov_per_step"] or [np.nan]), d["busy_before"]])
        report(f"\n{name}: {case.input}, {case.steps} steps ({'quick' if a.quick else 'full'} sizes)")
        report(table(["scaling", "ranks", "unknowns", "steps", "step [s]", "µs/unknown·rank", "speed-up",
                      "efficiency", "Newton/step", "Krylov/step", "busy cores before"], rows,
                     {4: "{:.3f}", 5: "{:.2f}", 6: "{:.2f}", 7: "{:.2f}", 8: "{:.1f}", 9: "{:.1f}", 10: "{:.1f}"}))
    if not a.problems:
        sweep_throughput(report, a.quick)
    print(f"saved {report.save()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
