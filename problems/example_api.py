"""battchem from Python: the question a PyBaMM user asks, answered without leaving Python.

How large does the surface hoop stress get in a 10 µm NMC811 particle lithiated at 2C, and what
does the stress look like across the particle?

    containers/run python3 problems/example_api.py [-o OUTDIR]     # a few seconds

It runs the radial (sphere_1d) model of the particle with three user-defined outputs (a probe at
the surface, a probe at the centre, a line profile at chosen times), then reads the run back
with battchem.load: series with units, fields at the written times, pictures. The NMC811 set's
modulus is a LiCoO2 value and its chemical strain is large, so expect battchem's plausibility
warnings: they are part of the answer (`battchem show material NMC811_OKane2022`).
"""

from __future__ import annotations

import argparse

import numpy as np

import battchem
from battchem import evaluation

R = 5e-6  # m: a 10 µm particle

INPUT = {
    "problem": "particle_fracture",
    "title": "NMC811, 10 µm particle, 2C lithiation",
    "geometry": {"kind": "sphere_1d", "radius": R, "mesh_size": 0.02, "degree": 2},
    "material": {"name": "NMC811_OKane2022"},
    # 2C on the theoretical capacity: 1C moves c_max in one hour (PyBaMM: its practical window)
    "operation": {"soc_initial": 0.3,
                  "segments": [{"direction": "insertion", "c_rate": 2.0, "until_soc": 0.9}]},
    "stepping": {"dt_initial": 1.0, "dt_max": 10.0},
    "output": {"fields_every": 10},
}


def c_spread(problem, t):
    """c_max - c_min over the particle: the concentration difference that drives the stress
    (collective: evaluation.extrema reduces over the ranks)."""
    lo, hi = evaluation.extrema(problem.c)
    return hi - lo


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--outdir", default="out/example_api")
    args = ap.parse_args(argv)

    exports = [battchem.Probe("hoop_at_surface", "hoop_stress", [R, 0, 0], unit="Pa"),
               battchem.Probe("c_at_centre", "concentration", [0, 0, 0], unit="mol/m^3"),
               battchem.Quantity("c_spread", c_spread, unit="mol/m^3"),
               battchem.LineProfile("hoop_profile", "hoop_stress", [0, 0, 0], [R, 0, 0], n=11,
                                    times=[100, 300])]
    result = battchem.run(INPUT, args.outdir, exports=exports, overwrite=True, quiet=True)
    print(result)

    # the series: one value per step, with units
    s, units = result.series, result.units
    peak = int(np.argmax(np.abs(s["hoop_at_surface"])))
    print(f"largest surface hoop stress: {s['hoop_at_surface'][peak] / 1e9:.3g} G{units['hoop_at_surface']} "
          f"at t = {s['time'][peak]:.4g} {units['time']} (soc {s['soc'][peak]:.3f}); "
          f"c spread then {s['c_spread'][peak]:.4g} {units['c_spread']}")
    for end in result.manifest["results"]["segments"]:
        print(f"segment {end['segment']} ended at t = {end['end_time [s]']:.4g} s: {end['end_reason']}")

    # the line profile, written at the times asked for
    profile = result.profile("hoop_profile")
    at_300 = profile["time"] == 300
    print("hoop stress across the particle at t = 300 s [GPa]:",
          " ".join(f"{v / 1e9:.3g}" for v in profile["hoop_stress"][at_300]))

    # the same from the fields, read back later (here: at once) from the output folder
    run = battchem.load(args.outdir)
    state = run.field("hoop_stress", t=300)
    r, hoop = state.along([0, 0, 0], [R, 0, 0], n=11)
    print(f"{state}: at r = R/2 {hoop[5] / 1e9:.3g} GPa, at r = R {hoop[-1] / 1e9:.3g} GPa")
    print(f"fields written at {len(run.times)} times, from {run.times[0]:g} to {run.times[-1]:.4g} s")

    # pictures: the problem's own, and one field at one written time
    for path in run.plot() + run.plot("concentration", t=300):
        print(f"picture: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
