"""Quantities a user adds without editing battchem (issue 14 §6, like FESTIM's exports): point
probes and scalars as series columns, line profiles in profiles/, equal to the run's own fields
at the same times; the same on 1 and 2 ranks and across a restart."""

import numpy as np
import pytest
from mpi4py import MPI

import battchem
from battchem.output import series_units

R = 5e-6
DISK = {"problem": "particle_fracture",
        "geometry": {"kind": "disk", "mesh_size": 0.3, "degree": 2},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 20.0}]},
        "output": {"plots": False, "fields_every": 3}}
CENTRE_AND_SURFACE = [[0.0, 0.0, 0.0], [R, 0.0, 0.0]]


def exports():
    return [battchem.Probe("c_probe", "concentration", CENTRE_AND_SURFACE, unit="mol/m^3"),
            battchem.Probe("u_top", "displacement", [0.0, R, 0.0], unit="m"),
            battchem.LineProfile("hoop_radius", "hoop_stress", [0, 0, 0], [R, 0, 0], n=6, times=[5.0, 12.0],
                                 unit="Pa"),
            battchem.LineProfile("c_diagonal", "concentration", [0, 0, 0], [0.7 * R, 0.7 * R, 0], n=4),
            battchem.Quantity("twice_soc", lambda problem, t: 2 * problem.soc())]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return battchem.run(DISK, tmp_path_factory.mktemp("exports") / "out", quiet=True, exports=exports(),
                        comm=MPI.COMM_SELF)


def test_probes_and_quantities_are_series_columns_with_units(result):
    units = series_units(result.outdir / "series.csv")
    for column, unit in (("c_probe_0", "mol/m^3"), ("c_probe_1", "mol/m^3"), ("u_top_0", "m"),
                         ("u_top_1", "m"), ("twice_soc", "")):
        assert units[column] == unit and result.units[column] == unit
    s = result.series
    # both are the CSV's 12 significant digits of the same number
    assert np.allclose(s["twice_soc"], 2 * s["soc"], rtol=1e-11, atol=0)
    loaded = battchem.load(result.outdir)
    for t_index in (-1, 3):  # the last step and step 3 (fields every 3 steps)
        t = s["time"][t_index]
        c = loaded.at("concentration", CENTRE_AND_SURFACE, t=t)
        assert loaded.field("concentration", t).time == t
        # a probe of the live function and the written field at the same state: round-off
        assert np.allclose([s["c_probe_0"][t_index], s["c_probe_1"][t_index]], c, rtol=1e-10)
        u = loaded.at("displacement", [0.0, R, 0.0], t=t)[0]
        assert np.allclose([s["u_top_0"][t_index], s["u_top_1"][t_index]], u[:2], rtol=1e-10, atol=1e-22)
    assert s["c_probe_1"][-1] > s["c_probe_0"][-1] > 0  # insertion: the surface fills first


def test_line_profiles_at_their_times_and_with_the_fields(result):
    loaded = battchem.load(result.outdir)
    hoop = loaded.profile("hoop_radius")
    assert sorted(set(hoop["time"])) == [5.0, 12.0]  # the steps landed on the profile times
    assert 5.0 in loaded.times and 12.0 in loaded.times  # (and wrote the fields there)
    for t in (5.0, 12.0):
        rows = hoop["time"] == t
        s, values = loaded.along("hoop_stress", [0, 0, 0], [R, 0, 0], n=6, t=t)
        assert np.allclose(hoop["s"][rows], s, rtol=1e-12, atol=1e-20)
        assert np.allclose(hoop["hoop_stress"][rows], values, rtol=1e-10, atol=1e-10 * np.abs(values).max())
    diagonal = loaded.profile("c_diagonal")
    assert np.array_equal(np.unique(diagonal["time"]), loaded.times)  # no times: whenever fields are written


@pytest.mark.mpi
def test_exports_are_the_same_on_one_and_two_ranks(shared_tmp):
    comm = MPI.COMM_WORLD
    serial = battchem.run(DISK, shared_tmp / f"serial{comm.rank}", quiet=True, exports=exports(),
                          comm=MPI.COMM_SELF)
    shared = battchem.run(DISK, shared_tmp / "shared", quiet=True, exports=exports(), comm=comm)
    for column in ("c_probe_0", "c_probe_1", "u_top_0", "u_top_1", "twice_soc"):
        a, b = serial.series[column], shared.series[column]
        # MUMPS on 1 and 2 ranks: the solutions differ by round-off, far below 1e-9 of the column's scale
        assert np.allclose(a, b, rtol=0, atol=1e-9 * np.abs(a).max()), column
    if comm.rank == 0:
        for name, field in (("hoop_radius", "hoop_stress"), ("c_diagonal", "concentration")):
            a = battchem.load(serial.outdir).profile(name)[field]
            b = battchem.load(shared.outdir).profile(name)[field]
            assert np.allclose(a, b, rtol=0, atol=1e-9 * np.abs(a).max()), name


def test_exports_continue_across_a_restart(tmp_path):
    whole = battchem.run(DISK, tmp_path / "whole", quiet=True, exports=exports(), comm=MPI.COMM_SELF)
    first = battchem.run(DISK, tmp_path / "parts", ["stepping.max_steps=3"], quiet=True, exports=exports(),
                         comm=MPI.COMM_SELF)
    assert first.status == "interrupted"
    second = battchem.run(None, tmp_path / "parts", ["stepping.max_steps=null"], quiet=True, restart=True,
                          exports=exports(), comm=MPI.COMM_SELF)
    assert second.status == "completed"
    for column in ("c_probe_0", "c_probe_1", "twice_soc"):
        # a restart reproduces the uninterrupted run (checkpoint of the exact state, same steps)
        assert np.allclose(second.series[column], whole.series[column], rtol=1e-10, atol=1e-12), column
    a = battchem.load(whole.outdir).profile("hoop_radius")
    b = battchem.load(second.outdir).profile("hoop_radius")
    assert np.array_equal(a["time"], b["time"])
    assert np.allclose(a["hoop_stress"], b["hoop_stress"], rtol=1e-10, atol=1e-4)  # Pa, values ~1e7
