"""particle_fracture with damage in 3-D (validation, PHYSICS.md §1): a central penny flaw in a
whole sphere grows in its own plane under insertion, equally in every in-plane direction; a
surface (thumbnail) flaw is seeded where it should be. Coarse versions of
problems/particle_sphere_insertion_penny_flaw.yaml (ℓ = 0.2 R, h = ℓ/2 in the slab |y| ≤ 3ℓ,
about 5e3 nodes)."""

from pathlib import Path

import damage_runs
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
PENNY = ROOT / "problems" / "particle_sphere_insertion_penny_flaw.yaml"
R, ELL = 5e-6, 1e-6
H_BAND = 0.1  # × R = ℓ/2
COARSE = ["output.plots=false", "output.fields_every=0", "output.checkpoint_every=0",
          "geometry.refine=0", "geometry.mesh_size=0.3", "geometry.band_half_width=0.6", f"geometry.band_mesh_size={H_BAND}",
          f"fracture.length_scale={ELL}"]


def run_with_final_damage(outdir, overrides):
    """Run the coarse penny input; return (result, coordinates / R and d of the damage dofs at the
    end, gathered)."""
    return damage_runs.run_with_final_damage(PENNY, outdir, COARSE + overrides, length=R)


def seeded_penny_crack_measure(a, ell, n=1500):
    """(3/8) ∫ (d/ℓ + ℓ|∇d|²) dV with d = 1 for dist ≤ ℓ/2 and (1 − (dist − ℓ/2)/2ℓ)² up to
    dist = 2.5ℓ, dist the distance to the penny of radius a: midpoint rule in the axisymmetric
    coordinates (ρ, y) on n × n cells (relative error ~1e-5 at n = 1500)."""
    reach = 2.5 * ell
    rho = (np.arange(n) + 0.5) * (a + reach) / n
    y = (np.arange(n) + 0.5) * reach / n
    P, Y = np.meshgrid(rho, y, indexing="ij")
    t = (np.hypot(Y, np.maximum(P - a, 0.0)) - ell / 2) / (2 * ell)
    density = np.where(t <= 0, 3 / (8 * ell), 3 / 8 * 2 * np.clip(1 - t, 0, None) ** 2 / ell)
    return 2 * np.sum(density * 2 * np.pi * P) * (a + reach) / n * reach / n  # both faces


@pytest.mark.mpi
def test_penny_flaw_grows_in_its_plane_and_stays_round(shared_tmp):
    """5.5C insertion to soc 0.3: the penny (diameter 0.6 R) in the triaxial tension of the core."""
    result, x, d = run_with_final_damage(
        shared_tmp / "penny", ["fracture.flaws=[{location: centre, length: 0.6, angle: 0}]",
                               "operation.segments=[{direction: insertion, c_rate: 5.5, until_soc: 0.3}]"])
    assert result.status == "completed", result.manifest.get("message")
    s = result.series
    # the seeded penny of radius a = 0.3 R against Γ_ℓ of the 1-D AT1 profile laid along the distance
    # to the penny (d = 1 within ℓ/2, then (1 − t/2ℓ)²): exact on the flat faces, too large at the
    # convex rim, which at a = 1.5ℓ holds most of Γ_ℓ (measured: −18 %). 30 % tells a penny from a
    # line (Γ_ℓ ~ 5 times smaller) or a penny of the wrong radius (a ± ℓ/2: ±40 %)
    estimate = seeded_penny_crack_measure(0.3 * R, ELL)
    assert s["crack_measure"][0] == pytest.approx(estimate, rel=0.3)
    assert np.isfinite(s["crack_initiation_time"][-1])
    assert s["crack_measure"][-1] > s["crack_measure"][0] + 2 * ELL**2
    # the surface is in hoop compression during insertion: no damage in the outer shell (AT1: d = 0
    # below the strength). (Inside the tensile core, away from the penny, this coarse ℓ = 0.2 R is
    # in the strength regime — a = 1.5ℓ, σ₁ reaches 0.9 of √(3EG_c/8ℓ) — and some damage nucleates
    # off the flaw plane; the shipped input with ℓ = 0.05 R does not do that.)
    r = np.linalg.norm(x, axis=1)
    assert d[r > 0.85].max() < 0.05
    # the crack front is round: the radius of the broken region (d > 0.5, |y| < h) along x and
    # along z agree within two band elements (the mesh is not symmetric about the y axis)
    broken = (d > 0.5) & (np.abs(x[:, 1]) < H_BAND)
    reach_x = np.abs(x[broken & (np.abs(x[:, 2]) < H_BAND), 0]).max()
    reach_z = np.abs(x[broken & (np.abs(x[:, 0]) < H_BAND), 2]).max()
    assert reach_x > 0.3 + ELL / R / 2  # it grew beyond the seeded radius
    assert abs(reach_x - reach_z) <= 2 * H_BAND


def test_surface_thumbnail_flaw_is_seeded_in_its_plane(shared_tmp):
    """A surface flaw of depth 0.3 R at the polar angle 90°: the initial damage lies in the plane
    x = 0 (normal (−1, 0, 0)), within the depth from the mouth at (0, R, 0)."""
    result, x, d = run_with_final_damage(
        shared_tmp / "thumb", ["fracture.flaws=[{location: surface, length: 0.3, angle: 90}]",
                               "geometry.band_half_width=0", "geometry.band_mesh_size=null",
                               f"geometry.mesh_size={H_BAND}", "stepping.max_steps=1",
                               "operation.segments=[{direction: insertion, c_rate: 0.1, until_soc: 0.5}]"])
    assert result.status == "interrupted", result.manifest.get("message")  # after max_steps = 1
    # distance to the thumbnail: the disk of radius 0.3 R about the mouth (0, R, 0) in the plane x = 0
    mouth = x - np.array([0.0, 1.0, 0.0])
    dist = np.hypot(mouth[:, 0], np.maximum(np.hypot(mouth[:, 1], mouth[:, 2]) - 0.3, 0.0)) * R
    near, far = dist < ELL / 4, dist > 2.5 * ELL  # seeded core (H₀ ≥ H₀max/2); beyond the AT1 support
    assert near.sum() > 5 and d[near].min() > 0.9
    assert far.sum() > 0.5 * d.size and d[far].max() < 1e-3
