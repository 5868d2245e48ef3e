"""battchem never deletes what it did not write (issue 7 §1): a folder that is not a battchem
output is refused, a finished run is replaced only with --overwrite, and then only battchem's own
files go."""

import pytest
from _cli import TINY, battchem, manifest, write

import battchem as bc
from battchem.output import OutputError


def test_a_foreign_folder_is_refused_and_left_untouched(tmp_path):
    folder = tmp_path / "thesis"
    (folder / ".git").mkdir(parents=True)
    write(folder / "config.yaml", "my: own config\n")
    write(folder / "thesis.tex", "\\documentclass{article}\n")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    path = write(tmp_path / "tiny.yaml", TINY)
    res = battchem("run", path, "-o", folder, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and "holds no battchem run" in res.stderr
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert (folder / "config.yaml").read_text() == "my: own config\n"
    res = battchem("run", path, "-o", folder, "--overwrite", cwd=tmp_path)  # not even with --overwrite
    assert res.returncode == 2 and (folder / "thesis.tex").exists()


def test_a_finished_run_is_replaced_only_with_overwrite_and_foreign_files_stay(tmp_path):
    path = write(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "run"
    assert battchem("run", path, "-o", out, cwd=tmp_path).returncode == 0
    write(out / "notes.txt", "my notes about this run\n")
    first = manifest(out)["started"], (out / "series.csv").read_text()
    res = battchem("run", path, "-o", out, cwd=tmp_path)
    assert res.returncode == 2 and "--overwrite" in res.stderr and "--restart" in res.stderr
    assert (manifest(out)["started"], (out / "series.csv").read_text()) == first
    res = battchem("run", path, "-o", out, "--overwrite", "--set", "stepping.dt_max=2", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (out / "notes.txt").read_text() == "my notes about this run\n"
    assert manifest(out)["status"] == "completed"
    assert (out / "series.csv").read_text() != first[1]  # the new run's series (smaller steps)


def test_the_python_api_refuses_too(tmp_path):
    (tmp_path / "x").mkdir()
    write(tmp_path / "x" / "data.csv", "1,2\n")
    with pytest.raises(OutputError, match="holds no battchem run"):
        bc.run(TINY, tmp_path / "x", quiet=True)
    assert bc.run(TINY, tmp_path / "y", quiet=True).status == "completed"
    with pytest.raises(OutputError, match="--overwrite"):
        bc.run(TINY, tmp_path / "y", quiet=True)
    assert bc.run(TINY, tmp_path / "y", quiet=True, overwrite=True).status == "completed"
