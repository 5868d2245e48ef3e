"""Input validation of particle_fracture with phase-field damage (fracture section)."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from battchem.config import ConfigError
from battchem.driver import load_config
from battchem.physics import phasefield as pf

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "problems").glob("particle_disk_*flaw*.yaml"))
INSERTION = ROOT / "problems" / "particle_disk_insertion_central_flaw.yaml"


def test_damage_inputs_shipped():
    assert len(INPUTS) == 2


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_shipped_inputs_are_valid_and_resolved(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the shipped meshes resolve ℓ: no warning
        cfg = load_config(path)
    assert cfg.fracture is not None and cfg.fracture.flaws
    assert cfg.geometry.mesh_size * 5e-6 <= cfg.fracture.length_scale / 2 * (1 + 1e-12)


@pytest.mark.parametrize("value", ["0", "-2.5e-7"])
def test_nonpositive_length_scale_rejected(value):
    with pytest.raises(ConfigError, match=r"fracture\.length_scale.*greater than 0"):
        load_config(INSERTION, [f"fracture.length_scale={value}"])


def test_unknown_split_and_flaw_location_rejected():
    with pytest.raises(ConfigError, match=r"fracture\.split = 'miehe'"):
        load_config(INSERTION, ["fracture.split=miehe"])
    with pytest.raises(ConfigError, match=r"location.*'centre' or 'surface'"):
        load_config(INSERTION, ['fracture.flaws=[{location: edge, length: 0.1}]'])
    with pytest.raises(ConfigError, match=r"length.*less than 1"):
        load_config(INSERTION, ['fracture.flaws=[{location: centre, length: 1.5}]'])


@pytest.mark.parametrize("override, message", [
    ("geometry.symmetry=reduced", r"symmetry = 'reduced' with fracture"),
    ("geometry.degree=2", r"geometry\.degree = 2: damage needs P1"),
    ("coupling.mode=two_way", r"two_way.*with fracture is not implemented"),
    ("geometry.kind=sphere_1d", r"sphere_1d.*allowed: disk, sphere"),
])
def test_unsupported_combinations_rejected(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(INSERTION, [override])


def test_unresolved_length_scale_warns():
    """ℓ < 2h: a warning naming the fix, and a valid config (the run goes on)."""
    with pytest.warns(UserWarning, match=r"does not resolve the crack"):
        cfg = load_config(INSERTION, ["geometry.mesh_size=0.05"])  # h = 0.25 um = ℓ
    assert cfg.geometry.mesh_size == 0.05


def test_flaw_history_profile():
    """Borden et al. (2012) initial history: B G_c/(4ℓ) on the flaw line, linear to 0 at ℓ/2."""
    Gc, ell = 1.0, 2e-7
    H = pf.flaw_history(np.array([0.0, ell / 4, ell / 2, ell]), Gc, ell)
    np.testing.assert_allclose(H, [1e3 * Gc / (4 * ell), 1e3 * Gc / (8 * ell), 0.0, 0.0], rtol=1e-14)
