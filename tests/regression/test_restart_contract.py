"""--restart continues the run that is in the folder, not a different one (issue 7 §6): physics or
mesh changes are refused unless forced, run-control changes (stepping, output, solver) take effect,
each restart is recorded, config.yaml is the input actually run."""

import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import TINY, battchem, manifest, write  # noqa: E402

import battchem as bc  # noqa: E402
from battchem.config import ConfigError  # noqa: E402

LONG = {**TINY, "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 60.0}]},
        "stepping": {"dt_initial": 1.0, "dt_max": 2.0, "target_change": None, "growth": 1.5}}


def interrupted_run(folder: Path):
    part = bc.run(LONG, folder, ["stepping.max_steps=5"], quiet=True)
    assert part.status == "interrupted" and len(part.series["step"]) == 6
    return part


def test_physics_changes_are_refused_unless_forced(tmp_path):
    interrupted_run(tmp_path / "r")
    with pytest.raises(ConfigError) as exc:
        bc.run(LONG, tmp_path / "r", ["material.E=2e10"], quiet=True, restart=True)
    assert "material.E" in str(exc.value) and "--force" in str(exc.value)
    with pytest.raises(ConfigError, match="geometry.mesh_size"):
        bc.run(LONG, tmp_path / "r", ["geometry.mesh_size=0.05"], quiet=True, restart=True)
    forced = bc.run(LONG, tmp_path / "r", ["material.E=2e10"], quiet=True, restart=True, force=True)
    assert forced.status == "completed"
    history = forced.manifest["restart_history"]
    assert history[0]["forced"] and history[0]["changes"]["material.E"] == [None, 2e10]
    saved = yaml.safe_load((tmp_path / "r" / "config.yaml").read_text())
    assert saved["material"]["E"] == 2e10  # config.yaml is what the rest of the run used


def test_run_control_changes_take_effect_and_are_recorded(tmp_path):
    """The controller's saved step used to overwrite the new limits: dt_max = 0.5 on restart must
    bound every later step."""
    interrupted_run(tmp_path / "r")
    rest = bc.run(LONG, tmp_path / "r", ["stepping.dt_max=0.5"], quiet=True, restart=True)
    assert rest.status == "completed"
    dts = rest.series["dt"][6:]
    assert dts.max() <= 0.5 * (1 + 1e-12) and rest.series["dt"][1:6].max() > 0.5
    assert rest.manifest["restarts"] == 1
    assert rest.manifest["restart_history"][0]["changes"] == {"stepping.dt_max": [2.0, 0.5],
                                                              "stepping.max_steps": [5, None]}


def test_restart_without_an_input_uses_the_saved_one_and_another_file_with_the_same_physics_is_fine(tmp_path):
    path = write(tmp_path / "long.yaml", LONG)
    res = battchem("run", path, "-o", tmp_path / "r", "--set", "stepping.max_steps=3", cwd=tmp_path)
    assert res.returncode == 3 and "continue with" in res.stderr
    res = battchem("run", "-o", tmp_path / "r", "--restart", "--set", "stepping.max_steps=3", cwd=tmp_path)
    assert res.returncode == 3, res.stderr
    same = write(tmp_path / "copy.yaml", {**LONG, "title": "same physics, another file"})
    res = battchem("run", same, "-o", tmp_path / "r", "--restart", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    m = manifest(tmp_path / "r")
    assert m["restarts"] == 2 and m["status"] == "completed" and m["steps"]["accepted"] > 6
    other = write(tmp_path / "other.yaml", {**LONG, "material": {"D": 1e-14}})
    res = battchem("run", other, "-o", tmp_path / "r", "--restart", cwd=tmp_path)
    assert res.returncode == 2 and "material.D" in res.stderr


def test_the_stagger_method_may_change_on_a_restart(tmp_path):
    """fracture.stagger and its parameters choose how the same equations are solved (issue 10): a
    restart may change them without --force; fracture physics (G_c) still needs it."""
    plate = {"problem": "notched_plate", "geometry": {"h_far": 2e-4, "band_half_width": 3e-5},
             "fracture": {"length_scale": 1.5e-5}, "loading": {"end_displacement": 3e-7},
             "stepping": {"dt_initial": 5e-8, "dt_max": 5e-8}, "output": {"plots": False, "fields_every": 0}}
    assert bc.run(plate, tmp_path / "p", ["stepping.max_steps=2"], quiet=True).status == "interrupted"
    with pytest.raises(ConfigError, match="fracture.Gc"):
        bc.run(plate, tmp_path / "p", ["fracture.Gc=2000"], quiet=True, restart=True)
    done = bc.run(plate, tmp_path / "p", ["fracture.stagger=plain"], quiet=True, restart=True)
    assert done.status == "completed"
    assert done.manifest["restart_history"][-1]["changes"]["fracture.stagger"][1] == "plain"
