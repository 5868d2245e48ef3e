"""Cost of the plating phase-field model (issue 9, item 6): time per step against unknowns, and the
coupled solve's block preconditioner against monolithic MUMPS.

The case (benchmarks/plating_case.py): the problem's default 2-D cell, 50 × 20 µm, a planar front at
10 µm with one bump of radius 3 µm, the Hong & Viswanathan 2018 set, the electrode at −0.45 V,
``--steps`` steps of constant dt = 0.02 s (the input's first step). The mesh is refined from the
input's h = 0.5 µm (2 interface widths) to h = 0.0625 µm: 1.4e4 … 9e5 unknowns (ξ, c̃, φ on P1),
and with ``mechanics.mode = two_way`` (u on P1 as well: 5 unknowns per node) up to 3.7e5; in 3-D a
bar of the cell (50 × 4 × 4 µm, bump radius 1.5 µm; a wider box at −0.45 V and dt = 0.02 s takes
15-30 Newton iterations per step with rejections) on 2 ranks, 2.2e4 … 1.6e5 unknowns. Every case runs twice:

  iterative   solver.linear_solver = iterative: the component's default above direct_max_dofs,
              GMRES (to 1e-6) on a multiplicative field split (ξ, ln c̃, φ (, u)), one GAMG
              V-cycle per field (with rigid-body modes for u);
  direct      solver.linear_solver = direct: MUMPS LU of the monolithic Jacobian.

Per run: time per step (mean over steps 2..N), Newton iterations per step, Krylov iterations per
Newton iteration, the step's split from the PETSc log (assembly = residual + Jacobian evaluations,
solve = KSPSolve + PC set-up (factorisation or AMG set-up), other = the rest of the step: battchem's
quantities and series row), time per Newton iteration, per unknown, and the peak memory. Then, per
series, direct / iterative step time at each size and the crossover size (log-log interpolation).
Extra options of the coupled solve (e.g. a field-split variant) go to every iterative run with
``--petsc KEY=VALUE`` (prefix ``electrodeposition_`` implied, i.e. the input's
``solver.petsc_options.electrodeposition``).

    python3 benchmarks/plating_phase_field.py [--quick] [--series 2d,2d_two_way,3d] [--steps 4]
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field

import numpy as np
from _common import Report, load_line, refuse_mpi_launch, run_worker, table

# a strip of the 2-D cell (4 µm wide, bump radius 1.5 µm) and the same in 3-D (4 × 4 µm section)
STRIP = ["--width", "4e-6", "--bump-radius", "1.5e-6"]
BAR = ["--dimension", "3", "--depth", "4e-6", *STRIP]


@dataclass
class Series:
    name: str
    what: str
    ranks: int
    sizes: list[tuple[str, float]]  # (label, mesh size [m])
    extra: list[str] = field(default_factory=list)


FULL = [
    Series("2d", "2-D 50 x 20 µm, mechanics none", 1,
           [("1.4e4", 5e-7), ("5.6e4", 2.5e-7), ("2.2e5", 1.25e-7), ("9e5", 6.25e-8)]),
    Series("2d_two_way", "2-D 50 x 20 µm, mechanics two_way", 1,
           [("2.4e4", 5e-7), ("9.4e4", 2.5e-7), ("3.7e5", 1.25e-7)], ["--mechanics", "two_way"]),
    Series("3d", "3-D bar 50 x 4 x 4 µm, mechanics none", 2,
           [("2.2e4", 5e-7), ("6e4", 3.5e-7), ("1.6e5", 2.5e-7)], BAR),
]
QUICK = [
    Series("2d", "2-D strip 50 x 4 µm, mechanics none", 1, [("9e2", 1e-6)], STRIP),
    Series("3d", "3-D bar 50 x 4 x 4 µm, mechanics none", 2, [("2e3", 1.4e-6)], BAR),
]
SOLVERS = ("iterative", "direct")

# variants of the field split, as options of the input's solver.petsc_options.electrodeposition
HYPRE = [f"fieldsplit_{n}_{k}={v}" for n in ("xi", "c", "phi") for k, v in (
    ("pc_type", "hypre"), ("pc_hypre_type", "boomeramg"), ("pc_hypre_boomeramg_coarsen_type", "HMIS"),
    ("pc_hypre_boomeramg_interp_type", "ext+i"), ("pc_hypre_boomeramg_relax_type_all", "l1scaled-Jacobi"))]
VARIANTS = [("default: GAMG, rtol 1e-6", []),
            ("GAMG, rtol 1e-9", ["ksp_rtol=1e-9"]),
            ("BoomerAMG, rtol 1e-6", HYPRE),
            ("BoomerAMG, rtol 1e-9 (before)", [*HYPRE, "ksp_rtol=1e-9"]),
            ("symmetric multiplicative", ["pc_fieldsplit_type=symmetric_multiplicative"]),
            ("additive (block Jacobi)", ["pc_fieldsplit_type=additive"])]
VARIANT_SIZES = {"full": [("5.6e4", 2.5e-7), ("2.2e5", 1.25e-7)], "quick": [("9e2", 1e-6)]}


def per_step(values: list[float]) -> float:
    """Mean over steps 2..N (the first step also builds the solver's structures)."""
    v = values[1:] if len(values) > 1 else values
    return float(np.mean(v)) if len(v) else float("nan")


def summary(d: dict) -> dict:
    ev = d["events"]
    newton = per_step(d["newton"])
    step = float(np.mean(d["step_times"])) if d["step_times"] else float("nan")
    assembly = per_step(ev["SNESFunctionEval"]) + per_step(ev["SNESJacobianEval"])
    solve = per_step(ev["KSPSolve"]) + per_step(ev["PCSetUp"])
    return {"step": step, "newton": newton, "residual": per_step(ev["SNESFunctionEval"]),
            "jacobian": per_step(ev["SNESJacobianEval"]),
            "krylov": sum(d["krylov"][1:]) / max(sum(d["newton"][1:]), 1) if len(d["newton"]) > 1
            else d["krylov"][0] / max(d["newton"][0], 1),
            "assembly": assembly, "solve": solve, "other": step - per_step(ev["SNESSolve"]),
            "per_newton": step / newton if newton else float("nan")}


def crossover(sizes: list[int], ratio: list[float]) -> str:
    """Where direct/iterative step time crosses 1, interpolated linearly in log-log."""
    for k in range(1, len(sizes)):
        r0, r1 = ratio[k - 1], ratio[k]
        if (r0 - 1) * (r1 - 1) <= 0 and r0 != r1:
            s = math.log(r0) / (math.log(r0) - math.log(r1))
            n = math.exp(math.log(sizes[k - 1]) + s * (math.log(sizes[k]) - math.log(sizes[k - 1])))
            faster = "the field split" if r1 > 1 else "MUMPS"
            return f"crossover at about {n:.2g} unknowns ({faster} faster above)"
    if all(r > 1 for r in ratio):
        return f"the field split is faster at every size (crossover below {sizes[0]} unknowns)"
    return f"MUMPS is faster at every size (crossover above {sizes[-1]} unknowns)"


def variants(rep: Report, mode: str, steps: int) -> None:
    """Field-split variants on the 2-D case (1 rank): GMRES iterations and time per Newton iteration."""
    extra = STRIP if mode == "quick" else []
    chosen = VARIANTS if mode == "full" else [VARIANTS[3]]
    rows = []
    for label, h in VARIANT_SIZES[mode]:
        for name, options in chosen:
            args = [*extra, "--mesh-size", str(h), "--steps", str(steps), "--solver", "iterative"]
            args += [x for kv in options for x in ("--petsc", kv)]
            d = run_worker("plating_case.py", args, 1, f"pf_variant_{label}_{len(rows)}")
            m = summary(d)
            print(f"  done variant {name} at {label}: step {m['step']:.2f} s", flush=True)
            rows.append([label, d["unknowns"], name, m["newton"], m["krylov"], m["solve"] / m["newton"],
                         m["step"] / m["newton"], m["step"], d["busy_before"]])
    rep("")
    rep("field-split variants (2-D, 1 rank; options through solver.petsc_options.electrodeposition; "
        "'before' = the component's options until this benchmark):")
    rep(table(["size", "unknowns", "variant", "Newton/step", "Krylov/Newton", "solve/Newton [s]", "s/Newton",
               "step [s]", "busy"], rows,
              {3: "{:.2f}", 4: "{:.1f}", 5: "{:.3f}", 6: "{:.3f}", 7: "{:.3f}", 8: "{:.1f}"}))


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny meshes, 2 steps (checks the script works)")
    p.add_argument("--steps", type=int, default=None, help="steps per run (default 4, quick 2)")
    p.add_argument("--series", default=None, help="comma-separated: 2d, 2d_two_way, 3d (default: all)")
    p.add_argument("--max-unknowns", type=float, default=None, help="skip larger sizes (by label)")
    p.add_argument("--petsc", action="append", default=[], metavar="KEY=VALUE",
                   help="extra option of the iterative runs' coupled solve")
    p.add_argument("--name", default=None, help="results file name (default plating_phase_field[_quick])")
    p.add_argument("--skip-variants", action="store_true", help="do not compare field-split variants")
    a = p.parse_args(argv)
    series = QUICK if a.quick else FULL
    if a.series:
        wanted = a.series.split(",")
        series = [s for s in series if s.name in wanted]
    if a.max_unknowns:
        for s in series:
            s.sizes = [(label, h) for label, h in s.sizes if float(label) <= a.max_unknowns]
    steps = a.steps or (2 if a.quick else 4)
    rep = Report(a.name or ("plating_phase_field_quick" if a.quick else "plating_phase_field"))
    rep(f"plating phase-field cost: planar front with a bump, Hong2018 set, -0.45 V, {steps} steps of "
        "dt = 0.02 s; iterative = GMRES + multiplicative field split with AMG per field, direct = MUMPS")
    if a.petsc:
        rep("extra options of the iterative runs: " + " ".join(a.petsc))
    if a.quick:
        rep("QUICK MODE: tiny meshes, fixed per-step costs dominate: the numbers check the script only")

    rows, results = [], {}
    for s in series:
        for label, h in s.sizes:
            for solver in SOLVERS:
                args = [*s.extra, "--mesh-size", str(h), "--steps", str(steps), "--solver", solver]
                if solver == "iterative":
                    args += [x for kv in a.petsc for x in ("--petsc", kv)]
                d = run_worker("plating_case.py", args, s.ranks, f"pf_{s.name}_{label}_{solver}")
                m = summary(d)
                results[(s.name, label, solver)] = (d, m)
                print(f"  done {s.name} {label} {solver}: step {m['step']:.2f} s, total {d['total']:.1f} s",
                      flush=True)
                rows.append([s.name, s.ranks, solver, d["unknowns"], d["cells"], m["step"], m["newton"],
                             m["krylov"], m["assembly"], m["solve"], m["other"], m["per_newton"],
                             1e6 * m["step"] / d["unknowns"], max(d["rss_mb"]), d["busy_before"]])
    rep("")
    rep(load_line())
    rep(table(["series", "ranks", "solver", "unknowns", "cells", "step [s]", "Newton/step", "Krylov/Newton",
               "assembly [s]", "solve [s]", "other [s]", "s/Newton", "step/unknown [us]",
               "peak RSS/rank [MB]", "busy"], rows,
              {5: "{:.3f}", 6: "{:.2f}", 7: "{:.1f}", 8: "{:.3f}", 9: "{:.3f}", 10: "{:.3f}", 11: "{:.3f}",
               12: "{:.2f}", 13: "{:.0f}", 14: "{:.1f}"}))
    rep("  per step, steps 2..N: assembly = residual + Jacobian evaluations, solve = KSPSolve + PC set-up")
    rep("  (factorisation / AMG set-up), other = the step minus SNESSolve (quantities, series row); rank 0's")
    rep("  PETSc log; busy = cores other processes kept busy in the second before the run")
    rep("")
    rep("block preconditioner (iterative) against MUMPS (direct), step time:")
    for s in series:
        sizes, ratio, parts = [], [], []
        for label, _ in s.sizes:
            (di, mi), (_, md) = results[(s.name, label, "iterative")], results[(s.name, label, "direct")]
            sizes.append(di["unknowns"])
            ratio.append(md["step"] / mi["step"])
            parts.append(f"{di['unknowns']}: {md['step']:.2f} / {mi['step']:.2f} s = {ratio[-1]:.2f}")
        its = [results[(s.name, label, "iterative")][1]["krylov"] for label, _ in s.sizes]
        growth = f"{its[0]:.1f}"
        if len(its) > 1:
            growth += f" -> {its[-1]:.1f} ({100 * (its[-1] / its[0] - 1):+.0f} %)"
        rep(f"  {s.name} ({s.what}, {s.ranks} rank(s)): direct / iterative = " + "; ".join(parts))
        rep(f"    {crossover(sizes, ratio)}; GMRES iterations per Newton iteration {growth}")
    if not a.skip_variants:
        variants(rep, "quick" if a.quick else "full", steps)
    path = rep.save()
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
