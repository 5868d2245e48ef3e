"""Plausibility, not just validity (issue 14 §2): valid but implausible values give one warning
each, on rank 0, to stderr (in `check` too) and in the manifest. The user's case: a 10 µm NMC811
particle at 2C reached −27.5 GPa of surface hoop stress without a word."""

import warnings

import pytest
from _cli import TINY, battchem, manifest, write

from battchem import problems
from battchem.config import implausible
from battchem.driver import load_config

NMC811_2C = {"problem": "particle_fracture", "title": "NMC811 at 2C",
             "geometry": {"kind": "sphere_1d", "mesh_size": 0.05},
             "material": {"name": "NMC811_OKane2022"},
             "operation": {"segments": [{"direction": "insertion", "c_rate": 2.0, "until_soc": 0.9}]},
             "output": {"plots": False, "fields_every": 0}}


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("battchem: warning: ")]


def test_nmc811_at_2c_warns_of_its_chemical_strain_and_its_stresses_once_on_two_ranks(tmp_path):
    path = write(tmp_path / "nmc811.yaml", NMC811_2C)
    res = battchem("run", path, "-o", tmp_path / "out", cwd=tmp_path, mpi=2)
    assert res.returncode == 0, res.stderr
    lines = warning_lines(res.stderr)
    assert len(lines) == 2, res.stderr  # once each, from rank 0 only
    assert "chemical strain |Omega| c_max / 3 = 0.263" in lines[0]  # 1.25e-5 × 63104 / 3
    assert "beyond E/50 = 7.5 GPa" in lines[1] and "NMC811_OKane2022" in lines[1]
    recorded = manifest(tmp_path / "out")["warnings"]
    assert recorded == [line.removeprefix("battchem: warning: ") for line in lines]


@pytest.mark.parametrize("given, suggestion", [(5, "5e-06"), (5000, "5e-06"), (0.005, "5e-06"),
                                               (0.05, "5e-05")])
def test_check_flags_a_radius_in_the_wrong_unit(tmp_path, given, suggestion):
    path = write(tmp_path / "radius.yaml", TINY)
    res = battchem("check", path, "--set", f"geometry.radius={given}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr  # valid, only implausible
    lines = warning_lines(res.stderr)
    assert len(lines) == 1 and "(1 warning)" in res.stdout, res.stderr
    assert lines[0].startswith(f"battchem: warning: geometry.radius = {given:g} m is outside the plausible "
                               "range 1e-08 to 0.001 m for a particle radius")
    assert f"did you mean {suggestion}?" in lines[0]


def test_steps_too_short_for_the_surface_elements_warn_in_check(tmp_path):
    """sphere_1d, 10 P2 elements on R = 5 µm: node spacing 2.5e-7 m; backward Euler keeps c in
    [0, c_max] for steps above h²/(6D) = 1.47 s (D = 7.08e-15 m²/s), and these are at most 0.01 s."""
    data = {**TINY, "stepping": {"dt_initial": 0.01, "dt_min": 0.01, "dt_max": 0.01}}
    path = write(tmp_path / "short_steps.yaml", data)
    res = battchem("check", path, cwd=tmp_path)
    lines = warning_lines(res.stderr)
    assert res.returncode == 0 and len(lines) == 1, res.stderr
    assert lines[0].startswith("battchem: warning: stepping.dt_max = 0.01 s: even the longest step diffuses "
                               "only sqrt(6 D dt) = 2.06e-08 m")
    assert "h^2/(6D) = 1.47 s" in lines[0]
    res = battchem("check", path, "--set", "stepping.dt_max=1.5", cwd=tmp_path)  # just above h²/(6D)
    assert res.returncode == 0 and not warning_lines(res.stderr), res.stderr


def test_default_and_tiny_inputs_are_plausible():
    for name in problems.names():
        for config in problems.get(name).default_configs():
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                load_config(config.model_dump(mode="json"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(TINY)


def test_implausible_suggests_the_unit_prefix_slip_closest_to_the_typical_value():
    assert implausible("r", 5e-6, 1e-8, 1e-3, "m", "a radius") is None
    assert implausible("r", 1e-3, 1e-8, 1e-3, "m", "a radius") is None  # the bounds are plausible
    # 0.5 m: 5e-4 (mm given as m) and 5e-7 (µm) are both plausible; the one nearer the typical value wins
    assert "did you mean 5e-07?" in implausible("r", 0.5, 1e-8, 1e-3, "m", "a radius", typical=5e-6)
    assert "did you mean 0.0005?" in implausible("r", 0.5, 1e-8, 1e-3, "m", "a radius", typical=3e-4)
    assert "did you mean" not in implausible("r", 1e30, 1e-8, 1e-3, "m", "a radius")  # no prefix brings it in
