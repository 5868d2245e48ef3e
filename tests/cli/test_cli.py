"""The command line as a user meets it: bad input gives one line naming the key and the allowed
range, exit code 2, no traceback and no output directory; list/show/check work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"problem": "particle_fracture",
        "geometry": {"kind": "sphere_1d", "mesh_size": 0.1},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 1.0, "duration": 10.0}]}}


def battchem(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("BATTCHEM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "battchem.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def write(path, data):
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def merged(update):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    for key, value in update.items():
        node = data
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return data


BAD = [
    ("unknown_key", merged({"material.youngs_modulus": 1e9}), "material.youngs_modulus", "allowed keys"),
    ("wrong_type", merged({"material.E": "stiff"}), "material.E", "valid number"),
    ("nu_half", merged({"material.nu": 0.5}), "material.nu", "< 0.5"),
    ("D_negative", merged({"material.D": -1e-15}), "material.D", "> 0"),
    ("D_zero", merged({"material.D": 0.0}), "material.D", "> 0"),
    ("E_zero", merged({"material.E": 0.0}), "material.E", "> 0"),
    ("dt_zero", merged({"stepping.dt_initial": 0.0}), "stepping.dt_initial", "> 0"),
    ("dt_negative", merged({"stepping.dt_max": -1.0}), "stepping.dt_max", "> 0"),
    ("unknown_problem", {"problem": "warp_drive"}, "warp_drive", "allowed: "),
    ("no_problem", {"geometry": {}}, "problem", "allowed: "),
    ("malformed", "problem: particle_fracture\ngeometry: {kind: sphere\n", "malformed YAML", "line"),
    ("not_a_mapping", "- just\n- a list\n", "YAML mapping", "problem"),
]


@pytest.mark.parametrize("name, data, key, allowed", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_clear_line(tmp_path, name, data, key, allowed):
    path = write(tmp_path / f"{name}.yaml", data)
    out = tmp_path / "out"
    res = battchem("run", str(path), "-o", str(out), cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert key in lines[0] and allowed in lines[0], lines[0]
    assert "Traceback" not in res.stderr + res.stdout
    assert not out.exists()  # rejected before anything was created


def test_missing_file_and_bad_override(tmp_path):
    res = battchem("run", str(tmp_path / "nope.yaml"), cwd=tmp_path)
    assert res.returncode == 2 and "does not exist" in res.stderr and "Traceback" not in res.stderr
    good = write(tmp_path / "good.yaml", GOOD)
    res = battchem("check", str(good), "--set", "material.nu=0.7", cwd=tmp_path)
    assert res.returncode == 2 and "material.nu" in res.stderr and "< 0.5" in res.stderr


def test_debug_shows_the_traceback(tmp_path):
    bad = write(tmp_path / "bad.yaml", merged({"material.nu": 0.5}))
    res = battchem("--debug", "check", str(bad), cwd=tmp_path)
    assert res.returncode != 0 and "Traceback" in res.stderr


def test_list_show_check(tmp_path):
    res = battchem("list", cwd=tmp_path)
    assert res.returncode == 0 and "particle_fracture" in res.stdout
    res = battchem("show", "particle_fracture", cwd=tmp_path)
    assert res.returncode == 0 and "[Pa]" in res.stdout and "Zhang" in res.stdout
    shown = write(tmp_path / "shown.yaml", res.stdout)
    res = battchem("check", str(shown), cwd=tmp_path)
    assert res.returncode == 0 and "valid particle_fracture input" in res.stdout
    res = battchem("show", "nonsense", cwd=tmp_path)
    assert res.returncode == 2 and "unknown problem" in res.stderr


def test_run_writes_the_output_contract(tmp_path):
    path = write(tmp_path / "tiny.yaml", merged({"output.plots": True}))
    res = battchem("run", str(path), "-o", "tiny_out", "--set", "stepping.dt_max=5", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "tiny_out"
    for name in ("config.yaml", "manifest.json", "series.csv", "fields/fields.bp", "checkpoint/state.json",
                 "plots/series.png", "plots/hoop_stress.png"):
        assert (out / name).exists(), name
    header = (out / "series.csv").read_text().splitlines()[0]
    for column in ("step", "time [s]", "dt [s]", "soc [-]", "sigma_h_max [Pa]", "hoop_surface_max [Pa]",
                   "elastic_energy [J]", "stagger_its", "newton_its", "krylov_its"):
        assert column in header.split(","), column
    resolved = yaml.safe_load((out / "config.yaml").read_text())
    # material values left to the named set stay null in config.yaml (so that a copy with another set
    # name takes the new set's values); the values used and their sources are in the manifest
    assert resolved["stepping"]["dt_max"] == 5 and resolved["material"]["E"] is None
    material = json.loads((out / "manifest.json").read_text())["parameters"]["material"]
    assert material["set"] == "LiMn2O4_Zhang2007" and material["values"]["E"]["value"] == 10e9
    assert "Zhang" in material["values"]["E"]["source"]
    # the replot command redraws from the checkpoint
    res = battchem("plot", str(out), cwd=tmp_path)
    assert res.returncode == 0 and "hoop_stress.png" in res.stdout
