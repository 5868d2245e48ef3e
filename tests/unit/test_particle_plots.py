"""Pictures of a cracking particle (issue 14 §5): the series plot has a damage panel (Γ_ℓ in µm)
and marks the crack initiation on every panel; titles give lengths in µm and name the protocol and
the overridden material values."""

from types import SimpleNamespace

import numpy as np

from battchem import plotting
from battchem.driver import load_config
from battchem.problems.particle_fracture import plots

DISK = {"problem": "particle_fracture", "geometry": {"kind": "disk", "symmetry": "full", "degree": 1,
                                                     "mesh_size": 0.1},
        "material": {"E": 12e9},
        "fracture": {"Gc": 1.0, "length_scale": 1e-6, "flaws": [{"location": "centre", "length": 0.4}]},
        "operation": {"segments": [{"direction": "insertion", "c_rate": 3.0, "until_soc": 0.5},
                                   {"direction": "rest", "duration": 600}]}}
COLUMNS = ["step", "time [s]", "dt [s]", "soc [-]", "c_surface_mean [mol/m^3]", "sigma_h_max [Pa]",
           "sigma_h_min [Pa]", "hoop_surface_max [Pa]", "sigma1_max [Pa]", "crack_measure [m]",
           "damage_max [-]", "crack_initiation_time [s]"]


def fake_problem():
    config = load_config(DISK)
    return SimpleNamespace(config=config, radius=5e-6, mat=config.material.resolved())


def write_series(path, initiation):
    t = np.linspace(0.0, 600.0, 7)
    rows = [[i, ti, 100.0, ti / 1200, 0.0, 1e7, -1e7, -5e7, 2e7, 2e-6 + 1e-9 * ti, 1.0,
             initiation if ti >= initiation else np.nan] for i, ti in enumerate(t)]
    lines = [",".join(COLUMNS)] + [",".join(f"{v:.12g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def test_the_series_plot_has_a_damage_panel_and_marks_the_initiation(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(plotting, "curves",
                        lambda path, x, panels, **kw: drawn.update(x=x, panels=panels, **kw))
    write_series(tmp_path / "series.csv", initiation=400.0)
    plots._series_plot(fake_problem(), tmp_path / "series.csv", tmp_path / "series.png")
    panels = drawn["panels"]
    assert [p["ylabel"] for p in panels] == ["stress [MPa]", "state of charge [-]", "damage: Γ_ℓ [µm]"]
    assert np.allclose(panels[2]["lines"][0][0], (2e-6 + 1e-9 * drawn["x"] * 60) * 1e6)  # m -> µm, x in min
    assert drawn["xlabel"] == "time [min]"
    for panel in panels:  # every panel marks the initiation at 400 s = 6.67 min; the damage panel names it
        assert [m[0] for m in panel["marks"]] == [400.0 / 60]
    assert panels[2]["marks"][0][1] == "crack initiation, t = 400 s"
    title = drawn["title"]
    assert title.startswith("LiMn2O4_Zhang2007 (E = 1.2e+10 Pa), R = 5 µm, disk")
    assert title.endswith("3C insertion, then rest 600 s")


def test_no_mark_before_a_crack_initiates(tmp_path, monkeypatch):
    drawn = {}
    monkeypatch.setattr(plotting, "curves", lambda path, x, panels, **kw: drawn.update(panels=panels))
    write_series(tmp_path / "series.csv", initiation=1e9)
    plots._series_plot(fake_problem(), tmp_path / "series.csv", tmp_path / "series.png")
    assert not any(p.get("marks") for p in drawn["panels"])


def test_the_damage_picture_gives_lengths_in_micrometres(monkeypatch):
    drawn = {}
    monkeypatch.setattr(plotting, "field_picture", lambda grid, scalar, path, **kw: drawn.update(kw))
    grid = SimpleNamespace(points=np.ones((3, 3)))
    plots._damage_plot(fake_problem(), grid, "damage.png")
    assert np.all(grid.points == 1e6)  # the picture's coordinates in µm
    assert "l = 1 µm" in drawn["title"] and " um" not in drawn["title"]


def _cube_with_penny(radius):
    """A unit cube (hexahedra) with the AT2-like damage profile of a penny crack of ``radius`` in
    the plane y = 0 (d = exp(−|y|/ℓ) inside the penny, 0 outside; no crack when radius = 0)."""
    import pyvista

    axis = np.linspace(-1.0, 1.0, 25)
    grid = pyvista.RectilinearGrid(axis, axis, axis).cast_to_unstructured_grid()
    x, y, z = grid.points.T
    inside = np.hypot(x, z) < radius
    grid.point_data["damage"] = np.where(inside, np.exp(-np.abs(y) / 0.1), 0.0)
    return grid


def _crack_pixels(path):
    """Pixels of the crack colour (#b2182b seen through the translucent blue-grey body: red clearly
    above green and blue; the body, the background and the text are grey, blue or white)."""
    import matplotlib.image

    rgb = matplotlib.image.imread(path)[..., :3]
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(np.sum((red - green > 0.15) & (red - blue > 0.1)))


def test_the_3d_crack_picture_shows_an_internal_crack(tmp_path):
    """An internal penny crack (it does not reach the surface, so a picture of the surface would
    show nothing) is drawn as its d = 0.5 surface; with no crack, no crack-coloured pixel."""
    cracked = plotting.crack_picture(_cube_with_penny(0.6), "damage", tmp_path / "crack.png", level=0.5,
                                     title="penny")
    intact = plotting.crack_picture(_cube_with_penny(0.0), "damage", tmp_path / "intact.png", level=0.5,
                                    title="intact")
    # a penny of radius 0.6 in a cube of side 2 covers ~5 % of a 1200 × 900 picture seen obliquely;
    # 1 % is a floor that a missing or clipped crack surface would not reach
    assert _crack_pixels(cracked) > 0.01 * 1200 * 900
    assert _crack_pixels(intact) == 0
