"""interphase benchmarks (issue 12 item 5): battchem's growth–mechanics step against a hand-written
dolfinx script (baseline_interphase.py), and the cost of the staggered growth–mechanics–damage loop
against the number of unknowns.

    python3 benchmarks/interphase.py [--quick] [compare] [damage] [--sizes H ...]

compare: the same 2-D slab (plane strain, 38 % isotropic expansion, no damage) at two sizes, 1 rank,
constant Δt, MUMPS everywhere; per step battchem's ``Interphase.advance`` (predictor, (ĉ, ξ) Newton,
copies to P1, mechanics) against the script's same work; median over steps 2..N, the two alternating
three times (the machine is shared: the median of the three medians is reported). battchem's
``accept`` (ionic resistance, four stress projections, cell stresses) is timed apart.

damage: tests/regression/inputs/interphase_crack_2d.yaml (LAGP, contact edge, phase-field damage) at
three element sizes, 1 rank: unknowns, steps, wall time per step, u ⇄ d sweeps per step (mean, max),
Newton iterations per step.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _common import RESULTS, ROOT, environment_header, refuse_mpi_launch, run_worker  # noqa: E402


def battchem_worker(mesh_size: float, steps: int, json_path: str) -> dict:
    """battchem's Interphase on the baseline's case; times advance() and accept() per step."""
    import baseline_interphase as base
    from mpi4py import MPI

    from battchem import problems
    from battchem.driver import load_config

    cfg = load_config({
        "problem": "interphase",
        "geometry": {"kind": "slab_2d", "thickness": base.L, "width": base.W, "mesh_size": mesh_size,
                     "lateral": "clamped"},
        "electrolyte": {"name": "LAGP_Tippens2019"},
        "interphase": {"name": "LAGP_Lewis2019", "D_int": base.D_INT, "c_b": base.C_B, "n": base.N_LI,
                       "front_rate": base.V0, "expansion": base.EXPANSION},
        "growth": {"front_width": base.ELL, "initial_thickness": base.DELTA0},
        "solver": {"linear_solver": "direct"}})
    problem = problems.get("interphase")(cfg, MPI.COMM_WORLD)
    problem.setup(problem.build_mesh())
    advance, accept, newton = [], [], []
    t = 0.0
    for _ in range(steps):
        t0 = time.perf_counter()
        result = problem.advance(t, base.DT)
        t1 = time.perf_counter()
        assert result.converged, result.report.reason
        problem.accept(t + base.DT)
        accept.append(time.perf_counter() - t1)
        advance.append(t1 - t0)
        newton.append(result.report.iterations)
        t += base.DT
    out = {"step_times": advance, "accept_times": accept, "newton": newton,
           "thickness": problem.thickness_mean(), "dofs": problem.mesh_summary()["dofs"]}
    if MPI.COMM_WORLD.rank == 0:
        Path(json_path).write_text(json.dumps(out))
    return out


def compare(quick: bool, sizes: list[float] | None = None) -> str:
    sizes = sizes or ([0.4e-6] if quick else [0.2e-6, 0.1e-6])
    steps = 6 if quick else 20
    rows = ["| unknowns (ĉ, ξ + u) | battchem advance | dolfinx script | ratio | Newton its/step (growth + 1 "
            "linear mechanics / growth) | accept "
            "(resistance, projections) | δ battchem / script |", "|---|---|---|---|---|---|---|"]
    for h in sizes:
        medians = {"battchem": [], "script": []}
        last = {}
        for rep in range(1 if quick else 3):
            for name, script, args in (("script", "baseline_interphase.py", []),
                                       ("battchem", "interphase.py", ["--worker"])):
                tag = f"interphase_{name}_{h:g}_{rep}"
                data = run_worker(script, [*args, "--mesh-size", str(h), "--steps", str(steps)], 1, tag)
                medians[name].append(statistics.median(data["step_times"][1:]))
                last[name] = data
        b, s = statistics.median(medians["battchem"]), statistics.median(medians["script"])
        dofs = last["battchem"]["dofs"]
        rows.append(f"| {dofs['c+xi']} + {dofs['u']} | {b * 1e3:.0f} ms | {s * 1e3:.0f} ms | {b / s:.2f} | "
                    f"{statistics.mean(last['battchem']['newton'][1:]):.1f} / "
                    f"{statistics.mean(last['script']['newton'][1:]):.1f} | "
                    f"{statistics.median(last['battchem']['accept_times'][1:]) * 1e3:.0f} ms | "
                    f"{last['battchem']['thickness'] / last['script']['thickness']:.9f} |")
        print(rows[-1], flush=True)
    return "\n".join(rows)


def damage(quick: bool) -> str:
    import numpy as np

    import battchem

    source = ROOT / "tests" / "regression" / "inputs" / "interphase_crack_2d.yaml"
    factors = [2.0] if quick else [1.0, 0.75, 0.5]
    rows = ["| element size | cells | unknowns (ĉ, ξ + u + d) | steps | s / step | sweeps / step (mean, max) "
            "| Newton its / step | mechanics / growth / damage time |", "|---|---|---|---|---|---|---|---|"]
    for f in factors:
        h = 0.25e-6 * f
        out = RESULTS.parent.parent / ".scratch" / "bench" / f"interphase_damage_{f:g}"
        overrides = [f"geometry.mesh_size={h}", f"geometry.coarse_mesh_size={4 * h}", "output.plots=false"]
        result = battchem.run(source, out, overrides, overwrite=True, quiet=True)
        m, s = result.manifest, result.series
        dofs = m["mesh"]["dofs"]
        steps = m["steps"]["accepted"]
        sv = m["solvers"]
        unknowns = f"{dofs['c+xi']} + {dofs['u']} + {dofs['d']}"
        rows.append(f"| {h * 1e6:.3g} µm | {m['mesh']['cells']} | {unknowns} | "
                    f"{steps} | {m['wall_time']['solve'] / steps:.2f} | {np.mean(s['stagger_its'][1:]):.1f}, "
                    f"{int(np.max(s['stagger_its']))} | {np.mean(s['newton_its'][1:]):.1f} | "
                    f"{sv['mechanics']['seconds']:.1f} / {sv['growth']['seconds']:.1f} / "
                    f"{sv['damage']['seconds']:.1f} s |")
        print(rows[-1], flush=True)
    return "\n".join(rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("parts", nargs="*", default=[])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sizes", type=float, nargs="+", default=None,
                   help="compare: element sizes [m] (default 2e-7 1e-7); the results file is then named "
                        "after the part and sizes")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mesh-size", type=float, default=0.2e-6, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=20, help=argparse.SUPPRESS)
    p.add_argument("--json", default=None, help=argparse.SUPPRESS)
    p.add_argument("--outdir", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        battchem_worker(a.mesh_size, a.steps, a.json)
        return 0
    refuse_mpi_launch()
    parts = a.parts or ["compare", "damage"]
    text = environment_header() + f"# interphase {' '.join(parts)}{' --quick' if a.quick else ''}\n"
    if "compare" in parts:
        text += ("\n## growth–mechanics step: battchem vs hand-written dolfinx (1 rank)\n"
                 + compare(a.quick, a.sizes) + "\n")
    if "damage" in parts:
        text += "\n## staggered growth–mechanics–damage loop (1 rank)\n" + damage(a.quick) + "\n"
    name = "interphase_quick.txt" if a.quick else "interphase.txt"
    if a.sizes and not a.quick:
        name = f"interphase_{'_'.join(parts)}_{'_'.join(f'{h:g}' for h in a.sizes)}.txt"
    (RESULTS / name).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
