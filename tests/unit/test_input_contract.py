"""Inputs that mean what they say (issue 7 §3, §4, §7): a partial section changes only the keys it
names, a named set supplies every value that is not given, non-finite numbers and undecodable
files are rejected with one line."""

import pytest
import yaml
from pydantic import BaseModel

from battchem import problems
from battchem.config import ConfigError, NamedSet, commented_yaml, load_yaml
from battchem.driver import load_config


def sections():
    """(problem, section, key, default value) for every key of every section of every problem."""
    for name in problems.names():
        config = problems.get(name).default_config()
        for section in type(config).model_fields:
            value = getattr(config, section)
            if isinstance(value, BaseModel):
                for key in type(value).model_fields:
                    yield name, section, key, getattr(value, key)


CASES = list(sections())


@pytest.mark.parametrize("problem, section, key, value", CASES, ids=[f"{c[0]}.{c[1]}.{c[2]}" for c in CASES])
def test_a_partial_section_keeps_the_problem_defaults(problem, section, key, value):
    """{section: {key: its default}} must give exactly the default input: no other key of the
    section may fall back to the section model's class default."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    config = load_config({"problem": problem, section: {key: value}})
    assert config == problems.get(problem).default_config()


def test_changing_one_stepping_key_keeps_the_others():
    default = problems.get("particle_fracture").default_config().stepping
    assert default.target_change == 0.02 and default.dt_min == 1e-3  # the problem's own defaults
    for given in ({"stepping": {"max_steps": 1}}, {"stepping": {"dt_max": 10}}):
        stepping = load_config({"problem": "particle_fracture", **given}).stepping
        changed = {k for k in type(stepping).model_fields if getattr(stepping, k) != getattr(default, k)}
        assert changed == set(given["stepping"])
    via_set = load_config({"problem": "particle_fracture"}, ["stepping.max_steps=10"]).stepping
    assert via_set.target_change == 0.02 and via_set.dt_min == 1e-3 and via_set.max_steps == 10


def test_show_dump_with_another_set_name_takes_every_value_of_the_new_set(capsys):
    from battchem.cli import main

    assert main(["show", "particle_fracture"]) == 0
    text = capsys.readouterr().out
    assert "# E: 10000000000.0" in text and "Zhang" in text  # the set's values, commented, with source
    data = yaml.safe_load(text)
    data["material"]["name"] = "NMC811_OKane2022"
    values = load_config(data).material.resolved()
    assert values.E == 375e9 and values.c_max == 63104.0 and values.Omega == 1.25e-5


def test_overridden_values_are_named_in_label_and_provenance():
    material = load_config({"problem": "particle_fracture", "material": {"E": 12e9}}).material
    assert isinstance(material, NamedSet)
    assert material.label() == "LiMn2O4_Zhang2007 (E = 1.2e+10 Pa)"
    prov = material.provenance()
    assert prov["overrides"] == {"E": 12e9}
    assert prov["values"]["E"]["source"].startswith("input")
    assert "Zhang" in prov["values"]["nu"]["source"] and prov["values"]["nu"]["value"] == 0.3


@pytest.mark.parametrize("text", [".inf", "-.inf", ".nan", ".NaN", "1e999"])
def test_non_finite_numbers_are_rejected(text):
    with pytest.raises(ConfigError) as exc:
        load_config({"problem": "particle_fracture"}, [f"stepping.dt_max={text}"])
    assert "stepping.dt_max" in str(exc.value) and "finite" in str(exc.value)


def test_undecodable_and_unreadable_files_are_input_errors(tmp_path):
    binary = tmp_path / "mesh.msh"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        load_yaml(binary)


def test_duration_segments_do_not_confuse_the_state_of_charge_check():
    """The README's cycling example: insertion to 0.9, then extraction for a fixed time, three
    cycles. The state of charge after a duration segment is unknown, so the next cycle's
    insertion target cannot be judged; it was rejected before."""
    operation = {"soc_initial": 0.0, "cycles": 3, "segments": [
        {"direction": "insertion", "c_rate": 1.0, "until_soc": 0.9},
        {"direction": "extraction", "current_density": 5.0, "duration": 1800}]}
    assert load_config({"problem": "particle_fracture", "operation": operation}).operation.cycles == 3
    operation["segments"].insert(1, {"direction": "insertion", "c_rate": 1.0, "until_soc": 0.8})
    with pytest.raises(ConfigError, match="insertion must end above"):
        load_config({"problem": "particle_fracture", "operation": operation})


def test_list_items_can_be_overridden_by_index():
    config = load_config({"problem": "particle_fracture"}, ["operation.segments.0.c_rate=2"])
    assert config.operation.segments[0].c_rate == 2 and config.operation.segments[0].until_soc == 0.9
    with pytest.raises(ConfigError, match="index 3 out of range"):
        load_config({"problem": "particle_fracture"}, ["operation.segments.3.c_rate=2"])


def test_a_typo_in_a_list_item_lists_that_items_keys():
    with pytest.raises(ConfigError) as exc:
        load_config({"problem": "particle_fracture"}, ["operation.segments.0.c_rat=2"])
    message = str(exc.value)
    assert "did you mean 'c_rate'" in message and "until_soc" in message and "geometry" not in message


def test_show_lists_the_keys_of_list_items():
    """Each key of a segment and of a flaw is listed with its unit and meaning, and the printed
    list still parses back to the default."""
    config = problems.get("particle_fracture").default_config()
    text = commented_yaml(config)
    lines = [line.strip() for line in text.splitlines()]
    assert ("#  c_rate: null  # [1/h] current as a C-rate of the theoretical capacity: 1C fills the particle "
            "from 0 to c_max in 1 h, i = c_max F (V/A) C / 3600 s (PyBaMM's C-rate refers to the cell's "
            "practical capacity, a narrower window) (allowed > 0)") in lines
    assert any(line.startswith("#  #  length: 0.2") for line in lines)  # flaws, inside the optional section
    assert load_config(yaml.safe_load(text)) == config
