"""All of battchem's benchmarks (``make bench``): battchem vs a hand-written dolfinx script, the
scaling of the default solvers, the cost of phase-field fracture (notched plate, 3-D particle), the
staggered methods against the plain loop, the cost of plating phase-field electrodeposition (and its
hand-written comparison), and strong/weak scaling of every problem with the sweep's throughput.
Tables are printed and saved to benchmarks/results/.

    python3 benchmarks/run_all.py            # full set (about 35 min on 2 quiet cores, ~6 GB, plus plating)
    python3 benchmarks/run_all.py --quick    # tiny sizes, < 2 min: checks that the scripts work
    python3 benchmarks/run_all.py compare    # one part only (compare | scaling | phasefield | stagger |
                                             # phasefield3d | plating | plating_compare | problems | interphase)

Run it serially, not under mpirun: the workers are started with ``mpirun -n 1|2``. On a machine
without FEniCSx, prefix with ``containers/run`` (``make bench`` does).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_baseline  # noqa: E402
import interphase  # noqa: E402
import particle_fracture_3d  # noqa: E402
import phasefield  # noqa: E402
import plating_compare  # noqa: E402
import plating_phase_field  # noqa: E402
import problem_scaling  # noqa: E402
import scaling  # noqa: E402
import stagger_methods  # noqa: E402
from _common import RESULTS, environment_header, refuse_mpi_launch  # noqa: E402


def main(argv=None):
    refuse_mpi_launch()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("parts", nargs="*", help="compare, scaling, phasefield, stagger, phasefield3d, plating, "
                   "plating_compare, problems and/or interphase (default: all)")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    known = {"compare": compare_baseline, "scaling": scaling, "phasefield": phasefield,
             "stagger": stagger_methods, "phasefield3d": particle_fracture_3d, "plating": plating_phase_field,
             "plating_compare": plating_compare, "problems": problem_scaling, "interphase": interphase}
    parts = a.parts or list(known)
    if set(parts) - set(known):
        p.error(f"unknown part(s) {sorted(set(parts) - set(known))} (allowed: {', '.join(known)})")
    flags = ["--quick"] if a.quick else []
    t0 = time.perf_counter()
    header = environment_header()
    saved = []
    for part in parts:
        print(f"\n=== {part}{' (quick)' if a.quick else ''} ===", flush=True)
        module = known[part]
        module.main(flags)
        saved.append(RESULTS / f"{module.__name__}{'_quick' if a.quick else ''}.txt")
    wall = time.perf_counter() - t0
    summary = RESULTS / f"run_all{'_quick' if a.quick else ''}.txt"
    text = header + f"# run_all {' '.join(parts)}{' --quick' if a.quick else ''}: {wall:.0f} s\n"
    for path in saved:
        if path.exists():
            text += f"\n## {path.name}\n" + path.read_text()
    summary.write_text(text)
    print(f"\nall benchmarks done in {wall:.0f} s; tables in {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
