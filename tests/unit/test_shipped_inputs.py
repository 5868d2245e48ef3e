"""Every input in problems/ validates, with no warning (for example an unresolved ℓ)."""

import warnings
from pathlib import Path

import pytest

from battchem.driver import load_config

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "problems").glob("*.yaml"))


def test_inputs_found():
    assert len(INPUTS) >= 10


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_shipped_input_is_valid(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = load_config(path)
    assert cfg.title
