"""Input handling: overrides, one-line validation errors, defaults that round-trip."""

import pytest
import yaml

from battchem.config import ConfigError, apply_overrides, commented_yaml
from battchem.driver import load_config
from battchem.problems.particle_fracture import ParticleConfig

BASE = {"problem": "particle_fracture"}


def test_overrides_parse_yaml_values_and_create_sections():
    data = apply_overrides(BASE, ["material.E=1.5e9", "geometry.kind=disk", "output.plots=false",
                                  "operation.segments=[{direction: rest, duration: 5}]"])
    assert data["material"]["E"] == 1.5e9
    assert data["geometry"]["kind"] == "disk"
    assert data["output"]["plots"] is False
    assert data["operation"]["segments"][0]["duration"] == 5
    assert "material" not in BASE  # the input mapping is not modified


def test_override_without_equals_sign_is_an_error():
    with pytest.raises(ConfigError, match="key.path=value"):
        apply_overrides(BASE, ["material.E"])


def test_named_material_set_fills_unset_values_and_overrides_win():
    cfg = load_config({**BASE, "material": {"name": "NMC811_OKane2022", "E": 150e9}})
    values = cfg.material.resolved()
    assert values.E == 150e9
    assert values.Omega == pytest.approx(1.25e-5)
    assert values.c_max == pytest.approx(63104.0)
    assert cfg.material.overrides() == {"E": 150e9}
    assert cfg.material.label() == "NMC811_OKane2022 (E = 1.5e+11 Pa)"


@pytest.mark.parametrize("override, key, allowed", [
    ("material.nu=0.5", "material.nu", "< 0.5"),
    ("material.nu=-1.2", "material.nu", "> -1"),
    ("material.D=0", "material.D", "> 0"),
    ("material.E=-1e9", "material.E", "> 0"),
    ("material.c_max=0", "material.c_max", "> 0"),
    ("stepping.dt_initial=0", "stepping.dt_initial", "> 0"),
    ("geometry.mesh_size=2", "geometry.mesh_size", "<= 1"),
    ("geometry.degree=3", "geometry.degree", "<= 2"),
])
def test_out_of_range_values_name_the_key_and_the_range(override, key, allowed):
    with pytest.raises(ConfigError) as exc:
        load_config(BASE, [override])
    message = str(exc.value)
    assert key in message and allowed in message
    assert "\n" not in message


def test_unknown_key_lists_the_allowed_keys():
    with pytest.raises(ConfigError) as exc:
        load_config({**BASE, "material": {"Youngs": 1e9}})
    message = str(exc.value)
    assert "material.Youngs" in message and "allowed keys" in message and "nu" in message


def test_wrong_type_and_unknown_problem_and_material():
    with pytest.raises(ConfigError, match="material.E"):
        load_config({**BASE, "material": {"E": "stiff"}})
    with pytest.raises(ConfigError, match="unknown problem 'plating_xyz'"):
        load_config({"problem": "plating_xyz"})
    with pytest.raises(ConfigError, match="missing key 'problem'"):
        load_config({"material": {}})
    with pytest.raises(ConfigError, match="unknown material set 'unobtainium'"):
        load_config({**BASE, "material": {"name": "unobtainium"}})


def test_protocol_consistency_is_checked():
    with pytest.raises(ConfigError, match="exactly one of c_rate or current_density"):
        load_config({**BASE, "operation": {"segments": [{"direction": "insertion", "duration": 10}]}})
    with pytest.raises(ConfigError, match="insertion must end above"):
        load_config({**BASE, "operation": {"soc_initial": 0.5, "segments": [
            {"direction": "insertion", "c_rate": 1, "until_soc": 0.4}]}})
    with pytest.raises(ConfigError, match="dt_min"):
        load_config(BASE, ["stepping.dt_min=10", "stepping.dt_initial=1"])


def test_defaults_printed_by_show_round_trip():
    cfg = ParticleConfig()
    text = commented_yaml(cfg)
    assert "[Pa]" in text and "Young's modulus" in text
    again = load_config(yaml.safe_load(text))
    assert again == cfg
