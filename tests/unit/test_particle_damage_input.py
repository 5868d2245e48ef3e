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


MAP_INPUT = ROOT / "problems" / "particle_disk_fracture_map.yaml"


def test_fracture_map_input_resolves_length_scale_in_its_band():
    """The map input meshes coarsely (h = 0.08 R) except in the band, where h = ℓ/2: no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = load_config(MAP_INPUT)
    g = cfg.geometry
    assert g.band_half_width * g.radius >= 4 * cfg.fracture.length_scale  # the band holds the crack profile
    assert g.crack_path_mesh_size * g.radius <= cfg.fracture.length_scale / 2 * (1 + 1e-12)
    assert g.mesh_size * g.radius > cfg.fracture.length_scale  # outside the band ℓ is not resolved


def test_band_mesh_size_sets_the_resolution_warning():
    with pytest.warns(UserWarning, match=r"geometry\.band_mesh_size × radius"):
        load_config(MAP_INPUT, ["geometry.band_mesh_size=0.05"])


@pytest.mark.parametrize("overrides, message", [
    (["geometry.band_mesh_size=0.2"], r"band_mesh_size = 0\.2 must not exceed geometry\.mesh_size"),
    (["geometry.band_half_width=0"], r"band_mesh_size needs geometry\.band_half_width > 0"),
    (["geometry.band_half_width=1.5"], r"band_half_width.*less than or equal to 1"),
])
def test_band_input_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(MAP_INPUT, overrides)


def test_flat_flaw_distance_2d_segment_and_3d_penny():
    """2-D: the distance to the segment [−a, a] × {0}; 3-D: to the penny of radius a in y = 0."""
    rng = np.random.default_rng(3)
    a = 0.3
    p2 = np.c_[rng.uniform(-1, 1, (200, 2)), np.zeros(200)]
    s = np.clip(p2[:, 0], -a, a)
    expected = np.hypot(p2[:, 0] - s, p2[:, 1])
    d2 = pf.flat_flaw_distance(p2, (0, 0, 0), (0, 1, 0), a)
    np.testing.assert_allclose(d2, expected, rtol=1e-14, atol=1e-15)
    p3 = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 2 * a], [0.2, -0.1, 0.1], [a, 0.0, a]])
    np.testing.assert_allclose(pf.flat_flaw_distance(p3, (0, 0, 0), (0, 2, 0), a),
                               [0.5, a, 0.1, np.sqrt(2) * a - a], rtol=1e-14)


def test_cracked_diffusivity_limits():
    D = 7e-15
    np.testing.assert_allclose([pf.cracked_diffusivity(D, d, 100.0) for d in (0.0, 0.5, 1.0)],
                               [D, D * (1 + 99 / 4), 100 * D], rtol=1e-14)


@pytest.mark.parametrize("override, message", [
    ("fracture.crack_diffusivity_ratio=0.5", r"crack_diffusivity_ratio.*greater than or equal to 1"),
])
def test_crack_diffusivity_ratio_range(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(INSERTION, [override])


def test_refined_mesh_keeps_the_band_size():
    """geometry.band_mesh_size, like mesh_size, is the size of the final mesh: with refine = 1 gmsh
    meshes at twice the sizes and one refinement halves them (a band twice too fine would hold
    four times the cells in 2-D)."""
    from mpi4py import MPI

    from battchem.problems.particle_fracture import ParticleFracture

    cells = {}
    for refine in (0, 1):
        cfg = load_config(MAP_INPUT, [f"geometry.refine={refine}", "geometry.radius=5e-6",
                                      "geometry.band_half_width=0.25", "geometry.band_mesh_size=0.025"])
        md = ParticleFracture(cfg, MPI.COMM_WORLD).build_mesh()
        cells[refine] = md.num_cells_global()
    # the same target sizes: the cell counts agree to within the meshing noise of gmsh (measured
    # ratio near 1); a band meshed at half the size would give a ratio near 4
    assert 0.7 < cells[1] / cells[0] < 1.4


def test_turning_on_fracture_names_every_requirement_at_once(tmp_path):
    """The default particle (3-D octant, P2, one-way) with a fracture section: one line lists both
    changes it needs and the overrides that make them, instead of one per round trip; applying those
    overrides gives a valid input."""
    from battchem.cli import main

    plain = tmp_path / "plain.yaml"
    plain.write_text("problem: particle_fracture\n")
    with pytest.raises(ConfigError) as exc:
        load_config(plain, ["fracture.Gc=1"])
    message = str(exc.value)
    assert message.startswith("the fracture section needs 2 changes: geometry.degree = 2: damage needs P1 "
                              "fields")
    assert "geometry.symmetry = 'reduced' with fracture" in message
    fix = message.split("(all at once: ")[1].rstrip(")").split()
    assert fix == ["--set", "geometry.degree=1", "--set", "geometry.symmetry=full"]
    overrides = ["fracture.Gc=1", *fix[1::2]]
    assert load_config(plain, overrides).fracture.Gc == 1
    all_four = ["fracture.Gc=1", "geometry.kind=sphere_1d", "coupling.mode=two_way"]
    fix_all = (r"\(all at once: --set geometry\.kind=disk --set geometry\.degree=1 "
               r"--set geometry\.symmetry=full --set coupling\.mode=one_way\)$")
    with pytest.raises(ConfigError, match=r"needs 4 changes: .* " + fix_all):
        load_config(plain, all_four)
    assert main(["check", str(plain), "--set", "fracture.Gc=1"]) == 2  # an input error through the CLI
