"""The Python API a modeller can stay in (issue 14 §6): battchem.load(OUTDIR) -> Result with units
and a short repr; fields at every written time, at points and along lines, equal to the live state
of the run at that time; pictures of any field at any written time (API and `battchem plot`)."""

import numpy as np
import pytest
from _cli import battchem as cli
from _cli import manifest

import battchem
from battchem.output import series_units
from battchem.sampling import PointSampler

R = 5e-6
DISK = {"problem": "particle_fracture", "title": "API test disk",
        "geometry": {"kind": "disk", "mesh_size": 0.3, "degree": 2},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 20.0}]},
        "output": {"plots": False, "fields_every": 2}}
POINTS = np.array([[0.0, 0.0, 0.0], [0.3 * R, 0.4 * R, 0.0], [R, 0.0, 0.0], [0.7 * R, 0.7 * R, 0.0]])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The disk run, and the live concentration and hoop stress at POINTS after every step."""
    live = {}

    def observer(problem, t, step):
        sampler = PointSampler(problem.Vc.mesh, POINTS)
        live[t] = {"concentration": sampler(problem.c), "hoop_stress": sampler(problem.hoop)}

    out = tmp_path_factory.mktemp("api") / "out"
    result = battchem.run(DISK, out, quiet=True, observer=observer)
    return result, live


def test_load_gives_the_result_of_the_run_with_units(run):
    result, _ = run
    loaded = battchem.load(result.outdir)
    assert loaded.status == result.status == "completed" and loaded.outdir == result.outdir
    assert set(loaded.series) == set(result.series)
    assert all(np.array_equal(loaded.series[k], result.series[k]) for k in result.series)
    assert loaded.units == result.units == series_units(result.outdir / "series.csv")
    assert loaded.units["hoop_surface_max"] == "Pa" and loaded.units["time"] == "s"
    steps = len(result.series["step"]) - 1
    assert repr(loaded) == (f"Result(particle_fracture, completed: {steps} steps to t = 20 s; "
                            f"{len(result.series)} series columns; {result.outdir})")


def test_fields_at_every_written_time_equal_the_live_state(run):
    result, live = run
    loaded = battchem.load(result.outdir)
    s = result.series
    written = [t for step, t in zip(s["step"], s["time"], strict=True) if step % 2 == 0] + [s["time"][-1]]
    assert np.array_equal(loaded.times, np.unique(written))  # fields_every 2, and the final state
    assert {"concentration", "hoop_stress", "displacement"} <= set(loaded.fields)
    for t in loaded.times[1:]:
        for name in ("concentration", "hoop_stress"):
            state = loaded.field(name, t)
            assert state.time == t and state.unit == {"concentration": "mol/m^3", "hoop_stress": "Pa"}[name]
            expected = live[t][name]
            # the same nodal values on another (serial) mesh: equal up to the round-off of evaluating
            assert np.allclose(state.at(POINTS), expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())
    assert np.all(loaded.at("concentration", POINTS, t=0.0) == 0.0)  # the initial state: soc_initial 0
    # between written times: the nearest written state, which says its time
    t1, t2 = loaded.times[-2:]
    assert loaded.field("concentration", t1 + 0.4 * (t2 - t1)).time == t1
    assert loaded.field("concentration").time == t2  # no time: the last written
    # along a line: the same values as at the points of that line
    s_line, values = loaded.along("hoop_stress", [0, 0, 0], [R, 0, 0], n=5)
    assert np.allclose(s_line, np.linspace(0, R, 5), rtol=0, atol=1e-20)
    points = np.column_stack([np.linspace(0, R, 5), np.zeros(5), np.zeros(5)])
    assert np.array_equal(values, loaded.at("hoop_stress", points))
    assert np.isnan(loaded.at("concentration", [2 * R, 0, 0])).all()  # outside the particle
    with pytest.raises(KeyError, match="no field 'nope'.*concentration"):
        loaded.field("nope")


def test_pictures_of_any_field_at_any_written_time(run, tmp_path):
    result, _ = run
    loaded = battchem.load(result.outdir)
    t = loaded.times[2]
    paths = loaded.plot("hoop_stress", t=t + 1e-3)
    assert paths == [result.outdir / "plots" / f"hoop_stress_t{t:.6g}.png"] and paths[0].stat().st_size > 1e4
    res = cli("plot", result.outdir, "--field", "displacement", "--time", "1e9", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(result.outdir / "plots" / "displacement_t20.png")  # the last written
    res = cli("plot", result.outdir, "--field", "nope", cwd=tmp_path)
    assert res.returncode == 2 and "--field nope: no such field" in res.stderr
    assert "concentration" in res.stderr  # the fields there are named
    res = cli("plot", result.outdir, cwd=tmp_path)  # no option: the problem's own pictures
    assert res.returncode == 0 and res.stdout.split() == [
        str(result.outdir / "plots" / name) for name in ("hoop_stress.png", "series.png")]
    assert manifest(result.outdir)["field_units"]["displacement"] == "m"


def test_load_refuses_a_folder_that_holds_no_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no battchem run"):
        battchem.load(tmp_path)
    res = cli("plot", tmp_path, cwd=tmp_path)
    assert res.returncode == 2 and "holds no battchem run" in res.stderr
