"""Every numeric key of every problem's input, set to −1, 0, 1e300, .inf and .nan (issue 7): each
value is either refused before anything is built (one line naming the key, exit 2) or, where
accepted, a short run ends with a status and a one-line message — never a traceback, never an
output directory without a final manifest. New problems' keys join through BASES."""

import json
import math

import pytest
import yaml
from pydantic import BaseModel

from battchem.cli import main
from battchem.config import ConfigError
from battchem.driver import load_config

# A coarse, quick base input per problem (and per optional section); every run stops after 2 steps.
BASES = {
    "particle": {"problem": "particle_fracture", "geometry": {"kind": "sphere_1d", "mesh_size": 0.2}},
    "particle_damage": {"problem": "particle_fracture",
                        "geometry": {"kind": "disk", "mesh_size": 0.25, "degree": 1, "symmetry": "full"},
                        "fracture": {"length_scale": 2.5e-6, "flaws": [{"length": 0.3}]}},
    "notched_plate": {"problem": "notched_plate", "geometry": {"h_far": 2e-4, "band_half_width": 3e-5},
                      "fracture": {"length_scale": 1.5e-5}, "stepping": {"dt_initial": 5e-8}},
    "plating_cell": {"problem": "plating", "model": "cell_1d", "cell": {"elements": 20},
                     "operation": {"segments": [{"control": "current", "current_density": 50.0, "duration": 10.0,
                                                 "until_voltage": 0.5},
                                                {"control": "voltage", "voltage": -0.05, "duration": 5.0,
                                                 "until_current": 1.0}]}},
    "plating_phase_field": {"problem": "plating", "model": "phase_field",
                            "domain": {"length": 4e-6, "width": 1e-6, "mesh_size": 5e-7},
                            "nuclei": {"front": 1.5e-6, "bump_radius": 0.0},
                            "mechanics": {"mode": "two_way", "E_partner": 1e9, "stack_pressure": 1e5},
                            "operation": {"segments": [{"voltage": -0.02, "duration": 0.1}]}},
    "void_vacancy": {"problem": "void_growth", "model": "vacancy_1d", "electrode": {"elements": 20},
                     "operation": {"segments": [{"control": "current", "current_density": 10.0, "duration": 100.0}]}},
}
QUICK = ["stepping.max_steps=2", "output.plots=false", "output.fields_every=0", "output.progress_every=0"]
VALUES = ["-1", "0", "1e300", ".inf", ".nan"]


def numeric_keys(model: BaseModel, prefix: str = ""):
    """Dotted paths of the int/float leaves of a config (list items by index)."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from numeric_keys(value, f"{prefix}{name}.")
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                yield from numeric_keys(item, f"{prefix}{name}.{i}.")
        elif not isinstance(value, bool) and ("float" in str(info.annotation) or "int" in str(info.annotation)):
            yield prefix + name


CASES = [(label, key, value) for label, base in BASES.items()
         for key in numeric_keys(load_config(base)) for value in VALUES]


@pytest.mark.parametrize("label, key, value", CASES, ids=[f"{c[0]}:{c[1]}={c[2]}" for c in CASES])
def test_every_numeric_key_is_refused_or_runs_to_a_status(label, key, value, tmp_path, capsys):
    base = BASES[label]
    try:
        load_config(base, [f"{key}={value}"])
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message and key.split(".")[-1] in message, message
        path = tmp_path / "in.yaml"
        path.write_text(yaml.safe_dump(base))
        assert main(["check", str(path), "--set", f"{key}={value}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("battchem: input error:"), err
        return
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump(base))
    code = main(["run", str(path), "-o", str(tmp_path / "out"), "-q", "--set", f"{key}={value}",
                 *[a for q in QUICK for a in ("--set", q)]])
    err = capsys.readouterr().err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    expected = {"completed": 0, "failed": 1, "interrupted": 3}
    assert manifest["status"] in expected and code == expected[manifest["status"]], (manifest["status"], code)
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("battchem:") and "warning" not in line]
    assert len(errors) <= 1, err
    assert "\n" not in manifest["message"]
    assert math.isfinite(manifest["wall_time"]["total"])
