"""Phase-field fracture cost in 3-D (issue 3, item 7): the whole LiMn2O4 sphere with a central penny
flaw (problems/particle_sphere_insertion_penny_flaw.yaml) under 4C insertion, on 2 ranks with the
default scalable solvers (CG + GAMG with rigid-body modes for u, CG + BoomerAMG inside the SNES VI
for d, CG + BoomerAMG for c), for the first load steps (``--steps``, 8 by default: at 1e6 unknowns
a step takes about 35 s on 2 ranks, and the crack initiates after some 50 steps).

Prints unknowns, load steps, staggered sweeps, time per sweep and per load step, the damage-solve
time relative to the displacement solve, Newton and Krylov iterations per solve, and the sweeps
per step. One ``mpirun -n 2 battchem run`` with overrides; its output
folder (pictures included) is kept in .scratch/bench/particle_fracture_3d/.

    python3 benchmarks/particle_fracture_3d.py [--steps 8] [--quick] [--set KEY=VALUE ...]

The shipped input (h = ℓ/2 = 0.025 R in the slab) has 1.0e6 unknowns and takes about 4 min here;
``--set geometry.band_mesh_size=0.035`` gives 3.8e5 unknowns.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, SCRATCH, Report, busy_cores, refuse_mpi_launch, table  # noqa: E402

from battchem.output import read_series  # noqa: E402

INPUT = ROOT / "problems" / "particle_sphere_insertion_penny_flaw.yaml"


def run(ranks: int, overrides: list[str], out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "battchem.cli", "run", str(INPUT), "-o", str(out), "-q"]
    cmd += [a for x in overrides for a in ("--set", x)]
    if ranks > 1:
        cmd = ["mpirun", "-n", str(ranks), *cmd]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    busy = busy_cores()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    series = read_series(out / "series.csv")
    return {"manifest": manifest, "series": series, "wall": wall, "busy": busy}


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--steps", type=int, default=8, help="load steps to time")
    p.add_argument("--quick", action="store_true", help="coarse mesh (ℓ = 1 µm), 5 load steps")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="input override, e.g. --set geometry.band_mesh_size=0.035 (repeatable)")
    a = p.parse_args(argv)
    overrides = ["fracture.stop_at_initiation=true", "output.fields_every=0", "output.plots=false",
                 f"stepping.max_steps={5 if a.quick else a.steps}"]
    if a.quick:
        overrides += ["geometry.mesh_size=0.3", "geometry.band_half_width=0.6", "geometry.band_mesh_size=0.1",
                      "fracture.length_scale=1e-6"]
    overrides += a.overrides
    name = "particle_fracture_3d" + ("_quick" if a.quick else "")
    rep = Report(name)
    rep(f"phase-field cost in 3-D: LiMn2O4 sphere R = 5 µm, central penny flaw, 4C insertion, first "
        f"{5 if a.quick else a.steps} load steps (or until the crack initiates), {a.ranks} ranks, default solvers\n")
    if a.overrides:
        rep(f"  overrides: {' '.join(a.overrides)}\n")
    r = run(a.ranks, overrides, SCRATCH / name)
    m, s = r["manifest"], r["series"]
    st = m["solvers"]
    mech, dmg, tr = st["mechanics"], st["damage"], st["transport"]
    sweeps = dmg["solves"]
    dofs = m["mesh"]["dofs"]
    total = dofs["c"] + dofs["u"] + dofs["d"]
    steps = m["steps"]["accepted"]
    t_init = s["crack_initiation_time"][-1]
    near = s["stagger_its"][1:]
    rep(table(["cells", "unknowns c+u+d", "steps acc/rej", "sweeps", "s/sweep", "s/step", "damage/mech time",
               "Newton its/u-solve", "Krylov its/u-Newton", "Krylov its/d-solve", "sweeps per step",
               "wall [s]", "status", "busy cores"],
              [[m["mesh"]["cells"], f"{total} ({dofs['c']}+{dofs['u']}+{dofs['d']})",
                f"{steps}/{m['steps']['rejected']}", sweeps,
                (mech["seconds"] + dmg["seconds"]) / sweeps, m["wall_time"]["solve"] / steps,
                dmg["seconds"] / mech["seconds"], mech["iterations"] / mech["solves"],
                mech["krylov_iterations"] / max(mech["iterations"], 1), dmg["krylov_iterations"] / dmg["solves"],
                " ".join(str(int(v)) for v in near), m["wall_time"]["total"], m["status"], f"{r['busy']:.1f}"]],
              {4: "{:.2f}", 5: "{:.1f}", 6: "{:.2f}", 7: "{:.2f}", 8: "{:.1f}", 9: "{:.1f}", 11: "{:.0f}"}))
    rep(f"  transport: {tr['seconds'] / max(tr['solves'], 1):.2f} s and "
        f"{tr['krylov_iterations'] / max(tr['solves'], 1):.1f} Krylov its per solve; mesh {m['wall_time']['mesh']:.0f} s; "
        f"last step t = {s['time'][-1]:.4g} s, soc {s['soc'][-1]:.3f}, crack initiation time {t_init:.4g} s; "
        f"Γ_ℓ {s['crack_measure'][0]:.4g} → {s['crack_measure'][-1]:.4g} m²\n"
        "  s/sweep = (u + d solve time) / sweeps; s/step = solve wall time (c, stagger, projections) / "
        "accepted steps")
    print(f"saved {rep.save()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
