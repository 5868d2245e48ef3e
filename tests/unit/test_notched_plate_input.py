"""Input validation of notched_plate (and of the fracture section shared with other problems)."""

import warnings
from pathlib import Path

import pytest

from battchem.config import ConfigError
from battchem.driver import load_config

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "problems").glob("notched_plate*.yaml"))
COARSE = ROOT / "problems" / "notched_plate_tension_coarse.yaml"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_shipped_inputs_are_valid_and_resolved(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped meshes resolve ℓ: no warning
        cfg = load_config(path)
    assert cfg.problem == "notched_plate"
    assert cfg.geometry.h_band <= cfg.fracture.length_scale / 2


@pytest.mark.parametrize("value", ["0", "-1.5e-5"])
def test_nonpositive_length_scale_rejected(value):
    with pytest.raises(ConfigError, match=r"fracture\.length_scale.*greater than 0"):
        load_config(COARSE, [f"fracture.length_scale={value}"])


def test_unknown_split_rejected_with_allowed_names():
    allowed = r"'spectral', 'volumetric_deviatoric' or 'none'"
    with pytest.raises(ConfigError, match=r"fracture\.split = 'miehe'.*" + allowed):
        load_config(COARSE, ["fracture.split=miehe"])


def test_unknown_irreversibility_rejected_with_allowed_names():
    allowed = r"'history' or 'variational_inequality'"
    with pytest.raises(ConfigError, match=r"fracture\.irreversibility.*" + allowed):
        load_config(COARSE, ["fracture.irreversibility=penalty"])


def test_unknown_model_and_key_rejected():
    with pytest.raises(ConfigError, match=r"'AT2' or 'AT1'"):
        load_config(COARSE, ["fracture.model=AT3"])
    with pytest.raises(ConfigError, match=r"unknown key 'fracture\.lc'"):
        load_config(COARSE, ["fracture.lc=1e-5"])


def test_geometry_consistency():
    with pytest.raises(ConfigError, match="notch_length"):
        load_config(COARSE, ["geometry.notch_length=1.0e-3"])
    with pytest.raises(ConfigError, match="h_far"):
        load_config(COARSE, ["geometry.h_far=1.0e-6"])
    with pytest.raises(ConfigError, match=r"loading\.mode"):
        load_config(COARSE, ["loading.mode=compression"])


def test_unresolved_length_scale_warns_but_runs_validation():
    """ℓ < 2h: a warning naming the fix, and a valid config (the run goes on)."""
    with pytest.warns(UserWarning, match=r"smaller than 2 × geometry\.h_band.*h_band <= ℓ/2"):
        cfg = load_config(COARSE, ["geometry.h_band=1.0e-5"])
    assert cfg.geometry.h_band == 1.0e-5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(COARSE, ["geometry.h_band=7.5e-6"])  # ℓ = 2h exactly: resolved
