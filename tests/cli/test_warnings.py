"""Warnings reach the user (issue 7 §5). Importing Debian's dolfinx turns on
logging.captureWarnings with no handler, which swallowed every warnings.warn: the promised
"ℓ is not resolved by the mesh" warning never appeared. Now each warning is one stderr line from
rank 0, shown by `check` too, and counted in the manifest."""

from _cli import TINY, battchem, manifest, write

UNRESOLVED = {"problem": "notched_plate", "fracture": {"length_scale": 1e-5},  # h_band 7.5e-6 > ℓ/2
              "loading": {"end_displacement": 1e-7}, "stepping": {"dt_initial": 5e-8},
              "geometry": {"h_band": 7.5e-6, "h_far": 2e-4, "band_half_width": 3e-5},
              "output": {"plots": False, "fields_every": 0}}


def test_check_shows_the_resolution_warning(tmp_path):
    path = write(tmp_path / "coarse.yaml", UNRESOLVED)
    res = battchem("check", path, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    lines = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("battchem: warning: fracture.length_scale = 1e-05 m is smaller than 2 × ")
    assert "(1 warning)" in res.stdout


def test_run_shows_and_records_the_warning_once_on_two_ranks(tmp_path):
    path = write(tmp_path / "coarse.yaml", UNRESOLVED)
    res = battchem("run", path, "-o", tmp_path / "out", cwd=tmp_path, mpi=2)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("battchem: warning: fracture.length_scale") == 1  # rank 0 only, once
    assert len(manifest(tmp_path / "out")["warnings"]) == 1


def test_a_clean_input_has_no_warnings(tmp_path):
    path = write(tmp_path / "tiny.yaml", TINY)
    res = battchem("run", path, "-o", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 0 and "warning" not in res.stderr
    assert manifest(tmp_path / "out")["warnings"] == []
