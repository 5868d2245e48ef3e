"""Parameter studies (issue 13 §1): battchem sweep runs a grid of cases on rank groups, tabulates
them, resumes a killed study without rerunning finished cases, and searches a critical value by
bisection against a criterion read from each run."""

import math
import sys
from pathlib import Path

import pytest
from mpi4py import MPI

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import battchem, write  # noqa: E402

import battchem as bc  # noqa: E402
from battchem.config import ConfigError  # noqa: E402
from battchem.materials import ELECTROLYTES  # noqa: E402
from battchem.output import read_manifest  # noqa: E402
from battchem.problems.plating.cell import sand_time  # noqa: E402
from battchem.study import evaluate, load_table  # noqa: E402

NYMAN = {k: v.value for k, v in ELECTROLYTES["LiPF6_EC_EMC_Nyman2008"].values.items()}
BASE = {"problem": "plating", "model": "cell_1d", "title": "Sand's time against current",
        "cell": {"thickness": 1e-3, "elements": 100},
        "operation": {"segments": [{"control": "current", "current_density": 100.0, "duration": 1000.0}]},
        "output": {"plots": False, "fields_every": 0}}
GRID = {"grid": {"operation.segments.0.current_density": [100.0, 150.0, 200.0]}, "summary": ["sand_time"]}


@pytest.mark.mpi
def test_a_grid_on_one_and_two_groups_gives_one_table(shared_tmp):
    """Sand's time at three currents, on every rank together and (under mpirun -n 2) on two
    groups of one rank: the same table, and t_s ∝ i⁻² as the closed form says (within 1 %)."""
    groups = MPI.COMM_WORLD.size
    together = bc.sweep({**BASE, "sweep": GRID}, shared_tmp / "one", groups=1)
    apart = bc.sweep({**BASE, "sweep": GRID}, shared_tmp / "two", groups=groups)
    assert together.status == apart.status == "completed" and len(together.rows) == 3
    for a, b in zip(together.rows, apart.rows, strict=True):
        assert a["case"] == b["case"] and a["sand_time"] == pytest.approx(b["sand_time"], rel=1e-9)
    for row in together.rows:
        i = row["operation.segments.0.current_density"]
        assert row["sand_time"] == pytest.approx(sand_time(NYMAN["D"], NYMAN["c0"], i, NYMAN["t_plus"]), rel=0.01)
    table = load_table(shared_tmp / "one" / "sweep.csv")
    assert [r["status"] for r in table] == ["completed"] * 3
    manifest = read_manifest(shared_tmp / "one" / "cases" / table[0]["case"])
    assert manifest["sweep"]["study"] == str((shared_tmp / "one").resolve())
    assert (shared_tmp / "one" / "study.png").exists()


def test_a_rerun_reuses_finished_cases(tmp_path):
    bc.sweep({**BASE, "sweep": GRID}, tmp_path / "s")
    started = [read_manifest(p)["started"] for p in sorted((tmp_path / "s" / "cases").iterdir())]
    again = bc.sweep({**BASE, "sweep": {**GRID, "grid": {"operation.segments.0.current_density":
                                                          [100.0, 150.0, 200.0, 250.0]}}}, tmp_path / "s")
    assert len(again.rows) == 4
    cases = sorted((tmp_path / "s" / "cases").iterdir())
    assert [read_manifest(p)["started"] for p in cases[:3]] == started  # not rerun


def test_critical_current_by_bisection(tmp_path):
    """The smallest current that depletes the electrode within 100 s: Sand's time t_s = K/i²
    equals 100 s at i* = √(K/100) = 153.6 A/m² (the cell is semi-infinite over 100 s). The search
    brackets it within 5 % (ratio 1.05) through the CLI."""
    study = {**BASE, "operation": {"segments": [{"control": "current", "current_density": 100.0, "duration": 100.0}]},
             "sweep": {"critical": {"key": "operation.segments.0.current_density", "start": 100.0,
                                    "factor": 1.5, "ratio": 1.05, "criterion": {"stop_reason": "Sand"}}}}
    path = write(tmp_path / "study.yaml", study)
    res = battchem("sweep", path, "-o", tmp_path / "c", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    row = load_table(tmp_path / "c" / "critical.csv")[0]
    key = "operation.segments.0.current_density"
    expected = math.sqrt(sand_time(NYMAN["D"], NYMAN["c0"], 1.0, NYMAN["t_plus"]) / 100.0)
    assert expected == pytest.approx(153.6, rel=1e-3)
    assert row[f"{key} lo"] < expected * 1.01 and row[f"{key} hi"] > expected * 0.99
    assert row[f"{key} hi"] / row[f"{key} lo"] <= 1.05


def test_derived_keys_and_expressions():
    values = {"geometry.radius": 1e-5, "fracture.length_scale": 2.5e-7}
    assert evaluate("min(1.0, 5 * fracture.length_scale / geometry.radius)", values) == pytest.approx(0.125)
    assert evaluate("sqrt(pi) * 2 ** 3", {}) == pytest.approx(8 * math.sqrt(math.pi))
    for bad in ("__import__('os')", "geometry.missing * 2", "[1, 2]"):
        with pytest.raises(ConfigError):
            evaluate(bad, values)
    with pytest.raises(ConfigError, match="no sweep block"):
        bc.sweep(BASE, "/tmp/never")
