"""battchem against a hand-written dolfinx script of the same 3-D particle problem (issue 2, 8a).

For each case, on the identical mesh (same .geo, parameters and parallel refinement), the same
degree, PETSc options, step count and Δt:

  battchem      battchem.run on problems/demo_particle_sphere_2C.yaml, one-way coupling, fields,
                plots and periodic checkpoints off (battchem still writes series.csv, the manifest
                and one final field/checkpoint snapshot: that I/O is in its total, not in its steps);
  baseline      benchmarks/baseline_particle.py --post outputs: the two solves plus the same per-step
                post-processing (5 stress projections, extrema, surface means, energy) - same work;
  physics-only  baseline_particle.py --post none: just the two solves (what battchem's per-step
                outputs cost).

The target (ratio <= 1.10) applies to the step time: the mean wall time of one time step
(steps 2..N; the first step also sets up the transport solver). Totals (mesh + set-up + steps
+ battchem's final I/O) are compared too. Every code is run once on a tiny mesh first to fill
the FFCx cache, and each case is repeated ``--repeat`` times alternating the codes; the fastest
repetition counts (the machine may be shared).

    python3 benchmarks/compare_baseline.py [--quick]
"""

from __future__ import annotations

import argparse

from _common import Report, its_per_solve, refuse_mpi_launch, run_worker, steady_step, table

# name, degree, mesh_size, refine, ranks, steps
FULL = [("P2 ~1e5", 2, 0.05, 1, 1, 6),
        ("P1 ~4e5", 1, 0.01485, 1, 2, 6)]
QUICK = [("P1 quick", 1, 0.1, 1, 1, 4),
         ("P2 quick", 2, 0.1, 1, 2, 4)]


def case_args(degree, mesh_size, refine, steps, dt, solver):
    return ["--degree", str(degree), "--mesh-size", str(mesh_size), "--refine", str(refine),
            "--steps", str(steps), "--dt", str(dt), "--solver", solver]


def best(runs: list[dict]) -> dict:
    return min(runs, key=steady_step)


def steady_solve(run: dict, prefix: str) -> float:
    """Mean wall time of one ``prefix`` solve over steps 2..N (the first step's includes the
    preconditioner set-up in battchem and the transport set-up in both)."""
    times = run.get("solve_times", {}).get(prefix, [])
    times = times[1:] if len(times) > 1 else times
    return float(sum(times) / len(times)) if times else float("nan")


def best_solve(runs: list[dict], prefix: str) -> float:
    return min(steady_solve(r, prefix) for r in runs)


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny meshes, a few steps (checks the scripts work)")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per case (default 2, quick 1)")
    p.add_argument("--dt", type=float, default=5.0, help="time step [s] (constant)")
    p.add_argument("--solver", default="iterative", choices=("auto", "iterative", "direct"),
                   help="solver.linear_solver of battchem; the baseline uses the same options")
    a = p.parse_args(argv)
    cases = QUICK if a.quick else FULL
    repeat = a.repeat or (1 if a.quick else 2)
    rep = Report("compare_baseline_quick" if a.quick else "compare_baseline")
    rep("battchem vs hand-written dolfinx (benchmarks/baseline_particle.py): 3-D sphere octant, one-way "
        f"coupling, 2C extraction, dt = {a.dt:g} s, solver.linear_solver = {a.solver}")
    if a.quick:
        rep("QUICK MODE: tiny meshes, fixed per-step costs dominate: the ratios below check the script only")

    # warm-up: compile every form of both codes (the FFCx cache persists between runs)
    for degree in sorted({c[1] for c in cases}):
        warm = case_args(degree, 0.2, 0, 2, a.dt, a.solver)
        run_worker("battchem_case.py", warm, 1, f"warm_b{degree}")
        run_worker("baseline_particle.py", warm + ["--post", "outputs"], 1, f"warm_o{degree}")

    rows, checks, solve_rows = [], [], []
    for name, degree, ms, refine, ranks, steps in cases:
        args = case_args(degree, ms, refine, steps, a.dt, a.solver)
        runs = {"battchem": [], "outputs": [], "none": []}
        for r in range(repeat):
            tag = f"cmp_{degree}_{ms}_{ranks}_{r}"
            runs["battchem"].append(run_worker("battchem_case.py", args, ranks, tag + "_b"))
            baseline = "baseline_particle.py"
            runs["outputs"].append(run_worker(baseline, args + ["--post", "outputs"], ranks, tag + "_o"))
            runs["none"].append(run_worker(baseline, args + ["--post", "none"], ranks, tag + "_n"))
        b, o, n = best(runs["battchem"]), best(runs["outputs"]), best(runs["none"])
        tb, to, tn = steady_step(b), steady_step(o), steady_step(n)
        Tb, To = min(x["total"] for x in runs["battchem"]), min(x["total"] for x in runs["outputs"])
        rows.append([name, ranks, f"{b['n_u']}+{b['n_c']}", b["steps"], tb, to, tb / to, tn, tb / tn,
                     Tb, To, Tb / To,
                     f"{its_per_solve(b['its_mechanics']):.1f}/{its_per_solve(o['its_mechanics']):.1f}",
                     f"{its_per_solve(b['its_transport']):.1f}/{its_per_solve(o['its_transport']):.1f}"])
        mech = [best_solve(runs["battchem"], "mechanics"), best_solve(runs["none"], "mechanics")]
        trans = [best_solve(runs["battchem"], "transport"), best_solve(runs["none"], "transport")]
        solve_rows.append([name, ranks, mech[0], mech[1], mech[0] / mech[1], trans[0], trans[1], trans[0] / trans[1]])
        same_opts = b["options"] == o["options"]
        dc = abs(b["final"]["c_mean"] - o["final"]["c_mean"]) / abs(o["final"]["c_mean"])
        dh = abs(b["final"]["hoop_surface_mean"] - o["final"]["hoop_surface_mean"]) / \
            max(abs(o["final"]["hoop_surface_mean"]), 1e-300)
        phase = o.get("phase", {})
        per = {k: v / max(o["steps"], 1) for k, v in phase.items()}
        bs = b["solvers"]
        bper = {k: bs[k]["seconds"] / max(bs[k]["solves"], 1) for k in bs}
        checks.append(
            f"  {name}, {ranks} rank(s): same mesh {b['cells'] == o['cells']} ({b['cells']} cells), "
            f"same PETSc options {same_opts}, final c_mean rel. diff {dc:.1e}, "
            f"hoop_surface_mean rel. diff {dh:.1e}\n"
            f"    baseline per step: transport {per.get('transport', 0):.3f} s, mechanics "
            f"{per.get('mechanics', 0):.3f} s, post {per.get('post', 0):.3f} s | battchem per solve: "
            + ", ".join(f"{k} {v:.3f} s ({bs[k]['solves']} solves)" for k, v in bper.items())
            + f" | battchem mesh {b['mesh']:.2f} s setup {b['setup']:.2f} s output {b['output']:.2f} s; "
            f"baseline mesh {o['mesh']:.2f} s setup {o['setup']:.2f} s")

    headers = ["case", "ranks", "unknowns u+c", "steps", "battchem step [s]", "baseline step [s]", "ratio",
               "physics-only step [s]", "ratio", "battchem total [s]", "baseline total [s]", "ratio",
               "its/solve u (b/bl)", "its/solve c (b/bl)"]
    fmt = {4: "{:.3f}", 5: "{:.3f}", 6: "{:.2f}", 7: "{:.3f}", 8: "{:.2f}", 9: "{:.1f}", 10: "{:.1f}",
           11: "{:.2f}"}
    rep("")
    rep(table(headers, rows, fmt))
    rep("")
    rep("per solve, steps 2..N (fastest repetition; baseline = the physics-only script, whose solves are the "
        "same code as with --post outputs):")
    rep(table(["case", "ranks", "mechanics battchem [s]", "mechanics baseline [s]", "ratio",
               "transport battchem [s]", "transport baseline [s]", "ratio"], solve_rows,
              {2: "{:.3f}", 3: "{:.3f}", 4: "{:.3f}", 5: "{:.3f}", 6: "{:.3f}", 7: "{:.3f}"}))
    rep("")
    rep("checks and breakdown:")
    for c in checks:
        rep(c)
    rep("")
    worst = max(r[6] for r in rows)
    verdict = "PASS" if worst <= 1.10 else "FAIL"
    rep(f"(a) {verdict}: battchem / baseline step time (same work) = "
        + ", ".join(f"{r[6]:.2f}" for r in rows) + f"; worst {worst:.2f} (target <= 1.10)")
    worst_solve = max(r[4] for r in solve_rows)
    rep(f"(3) {'PASS' if worst_solve <= 1.05 else 'FAIL'}: battchem / baseline mechanics solve = "
        + ", ".join(f"{r[4]:.3f}" for r in solve_rows) + f"; worst {worst_solve:.3f} (target <= 1.05)")
    rep("    for information: battchem / physics-only step = " + ", ".join(f"{r[8]:.2f}" for r in rows)
        + "; total-time ratios = " + ", ".join(f"{r[11]:.2f}" for r in rows))
    path = rep.save()
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
