"""Outcomes on the terminal and in the outputs (issue 14 §4): the progress explains its columns
once and shows t/t_end; the notched plate's pseudo-time is labelled as the displacement it is (in
the series header and the manifest, the column keeps its name `time`); -q prints nothing."""

import re

from _cli import TINY, battchem, manifest, write

from battchem.output import read_series, series_units

PLATE = {"problem": "notched_plate", "loading": {"end_displacement": 1e-7}, "stepping": {"dt_initial": 5e-8},
         "geometry": {"h_band": 1.5e-5, "h_far": 2e-4, "band_half_width": 6e-5},
         "fracture": {"length_scale": 3e-5},
         "output": {"plots": False, "fields_every": 0, "progress_every": 0}}

LEGEND = "progress: step, t/t_end [{unit}] ({meaning}), dt [{unit}], iterations staggered/Newton/Krylov"


def test_the_plate_pseudo_time_is_a_displacement_in_metres(tmp_path):
    path = write(tmp_path / "plate.yaml", PLATE)
    res = battchem("run", path, "-o", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    units = series_units(out / "series.csv")
    assert units["time"] == "m" and units["dt"] == "m" and units["displacement"] == "m"
    series = read_series(out / "series.csv")
    assert list(series["time"]) == list(series["displacement"])  # the same axis, the column keeps its name
    axis = manifest(out)["time_axis"]
    assert axis == {"column": "time", "meaning": "pseudo-time: the top-edge displacement U", "unit": "m"}
    lines = res.stdout.splitlines()
    legend = LEGEND.format(unit="m", meaning=axis["meaning"])
    assert sum(line.startswith(legend) for line in lines) == 1
    steps = [line for line in lines if line.startswith("step ")]
    assert len(steps) == 2 and "t 1.0000e-07/1.0000e-07 m  dt 5.000e-08 m  its " in steps[1]
    assert lines[-1].startswith("completed: 2 steps to t = 1e-07 m in ")


def test_a_particle_run_shows_time_against_its_end(tmp_path):
    path = write(tmp_path / "tiny.yaml", {**TINY, "output": {"plots": False, "progress_every": 0}})
    res = battchem("run", path, "-o", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert sum(line.startswith(LEGEND.format(unit="s", meaning="time")) for line in lines) == 1
    steps = [line for line in lines if line.startswith("step ")]
    pattern = r"  t \S+/1\.0000e\+01 s  dt \S+ s  its \d+/\d+/\d+  soc "
    assert steps and all(re.search(pattern, s) for s in steps)
    assert manifest(tmp_path / "out")["time_axis"]["unit"] == "s"


def test_quiet_prints_nothing(tmp_path):
    path = write(tmp_path / "tiny.yaml", {**TINY, "output": {"plots": True}})
    res = battchem("run", path, "-o", tmp_path / "out", "-q", cwd=tmp_path)
    assert res.returncode == 0
    assert res.stdout == "" and res.stderr == ""
    assert manifest(tmp_path / "out")["plots"]  # the pictures were drawn, only not listed
