"""Regime maps of a sweep drawn from its tables (issue 13 §1): particle_fracture's fracture map and
the generic map with one curve per value of a second grid key. Synthetic tables, no runs."""

import math
from pathlib import Path

import numpy as np
import pytest

from battchem import problems
from battchem.driver import load_config
from battchem.study import _plot

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "problems" / "particle_disk_fracture_map.yaml"
KEY = "operation.segments.0.c_rate"


def _critical(radii, rates, spread):
    return [{"geometry.radius": R, f"{KEY} lo": c / spread, f"{KEY} hi": c * spread,
             f"{KEY} critical": c, "runs": 2} for R, c in zip(radii, rates, strict=True)]


def test_fracture_map_fits_the_critical_rates_and_writes_the_griffith_estimate(tmp_path):
    config = load_config(MAP)
    radii = [6e-6, 9e-6, 1.35e-5, 2e-5]
    rates = [0.4 * (R / 1e-5) ** -2.37 for R in radii]  # an exact power law: the fit returns it
    critical = _critical(radii, rates, 1.05)
    rows = [{"geometry.radius": R, KEY: c * f, "fails": f > 1} for R, c in zip(radii, rates, strict=True)
            for f in (1 / 1.05, 1.05)]
    paths = problems.get("particle_fracture").study_plots(config, rows, critical, tmp_path)
    assert [p.name for p in paths] == ["fracture_map.csv", "fracture_map.png"]
    text = paths[0].read_text().splitlines()
    assert "fitted exponent -2.3700" in text[0]
    # the brackets' extreme corners: lo at one end and hi at the other shift the slope by
    # ±2 ln(1.05)/ln(20/6) / (spread of the fit), well away from -2.37 but finite
    lo, hi = (float(v) for v in text[0].split("allow ")[1].split(";")[0].split(" to "))
    assert lo < -2.37 < hi and hi - lo < 0.2
    table = np.loadtxt(paths[0], delimiter=",", comments="#", skiprows=2)
    m = config.material.resolved()
    from battchem import analytic

    for row in table:
        expected = analytic.disk_griffith_critical_c_rate(
            radius=row[0], flaw_half_length=0.2 * row[0], D=m.D, c_max=m.c_max, E=m.E, nu=m.nu, Omega=m.Omega,
            Gc=config.fracture.Gc)
        assert row[4] == pytest.approx(expected, rel=1e-5)  # 6 printed digits
    assert paths[1].stat().st_size > 10_000


def test_no_fracture_map_for_other_sweeps(tmp_path):
    config = load_config(MAP, ["sweep.critical=null", "sweep.summary=[soc]"])
    assert problems.get("particle_fracture").study_plots(config, [], [], tmp_path) == []


def test_generic_map_draws_one_curve_per_value_of_the_second_key(tmp_path):
    config = load_config({"problem": "plating", "model": "cell_1d", "sweep": {
        "grid": {"cell.thickness": [1e-4, 1e-3], "pressure.stack": [0.0, 1e6]}, "summary": ["sand_time"]}})
    rows = [{"cell.thickness": L, "pressure.stack": p, "sand_time": L * (1 + p / 1e6)}
            for L in (1e-4, 1e-3) for p in (0.0, 1e6)] + [{"cell.thickness": 1e-3, "pressure.stack": 0.0,
                                                            "sand_time": math.nan}]
    path = _plot(config, rows, [], tmp_path)
    import matplotlib.image

    assert path.name == "study.png" and matplotlib.image.imread(path).shape[0] > 100


def test_the_domain_of_a_field_picture_is_cut_from_its_title_and_colour_bar():
    """plating's deposit montage keeps the drawn domain of each picture: a synthetic 'picture' with
    a sparse title line, a grey domain and a colour bar taller than the domain."""
    from battchem.problems.plating.plots import _domain

    image = np.ones((90, 120, 3))
    image[2:6, 10:60:3] = 0.0  # title text
    image[30:60, 10:95] = 0.5  # domain (rows 30-59, columns 10-94)
    image[20:80, 100:104] = 0.2  # colour bar
    body = _domain(image)
    assert body.shape[:2] == (30, 85) and np.all(body == 0.5)
