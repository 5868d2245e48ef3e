"""Plane-strain and generalised-plane-strain disk under galvanostatic insertion (one-way, no damage)
against the quasi-steady closed form of a solid cylinder (Timoshenko & Goodier §151, the thermal
analogy with the eigenstrain (Ω/3)(c − c_ref)).

At constant inward flux j the concentration becomes c = c(0, t) + j r²/(2DR) after the transient,
which decays like exp(−λ₁² τ), λ₁ = 3.8317 (first zero of J₁): at τ = D t/R² = 0.6 it is below
2e-4. Then, with σ₀ = ΩE c_max C R²/(48(1 − ν) D · 3600 s)
(battchem.analytic.disk_centre_stress_quasi_steady):

    σ_r(0) = σ_θ(0) = σ₀,   σ_θ(R) = −2σ₀,
    generalised plane strain: σ_zz = ΩE (c̄ − c)/(3(1 − ν)), so σ_zz(0) = 2σ₀ and σ_h(0) = 4σ₀/3;
    plane strain: σ_zz = ν(σ_rr + σ_θθ) − EΩ(c − c_ref)/3 carries the mean lithiation as a uniform
    compression, so σ_h(0) = (2(1 + ν)σ₀ − EΩ(c(0) − c_ref)/3)/3 changes with the state of charge.
"""

import pytest

import battchem
from battchem.analytic import disk_centre_stress_quasi_steady
from battchem.materials import INTERCALATION_MATERIALS
from battchem.output import read_series

MAT = INTERCALATION_MATERIALS["LiMn2O4_Zhang2007"].as_dict()
R, D = MAT["radius"], MAT["D"]
C_RATE, TAU = 0.5, 0.6


def run_disk(out_of_plane, outdir):
    config = {
        "problem": "particle_fracture",
        "geometry": {"kind": "disk", "symmetry": "reduced", "mesh_size": 0.05, "degree": 2,
                     "out_of_plane": out_of_plane},
        "operation": {"soc_initial": 0.1, "stop_at_surface_limit": False,
                      "segments": [{"direction": "insertion", "c_rate": C_RATE, "duration": TAU * R**2 / D}]},
        "stepping": {"dt_initial": 1.0, "dt_max": 20.0, "target_change": None},
        "output": {"plots": False, "fields_every": 0, "checkpoint_every": 0},
    }
    result = battchem.run(config, outdir, quiet=True)
    assert result.status == "completed", result.message
    return {k: v[-1] for k, v in read_series(result.outdir / "series.csv").items()}


@pytest.mark.mpi
def test_disk_stresses_reach_the_quasi_steady_cylinder_solution(shared_tmp):
    E, nu, Omega, c_max = MAT["E"], MAT["nu"], MAT["Omega"], MAT["c_max"]
    sigma0 = disk_centre_stress_quasi_steady(radius=R, D=D, c_max=c_max, c_rate=C_RATE, E=E, nu=nu, Omega=Omega)
    generalized = run_disk("generalized_plane_strain", shared_tmp / "gps")
    plane = run_disk("plane_strain", shared_tmp / "ps")
    # Measured: σ_h(0) −0.15 % (generalised) and +0.22 % (plane strain), surface hoop stress +2e-5.
    # The quasi-steady state has no time-discretisation error (c_t is uniform): what remains is the
    # P2 error at h = 0.05 R (nodal extremes of L2-projected stresses) and the 2e-4 transient, so
    # 0.5 % is about twice the largest measured error
    assert generalized["sigma_h_max"] == pytest.approx(4 * sigma0 / 3, rel=0.005)
    for q in (generalized, plane):  # in-plane stresses do not depend on the out-of-plane condition
        assert q["hoop_surface_mean"] == pytest.approx(-2 * sigma0, rel=0.005)
    # plane strain: the centre is the least compressed point; σ_h(0) follows the formula above with
    # c(0) = c̄ − jR/(4D) and c_ref the initial concentration
    j = c_max * (R / 2) * C_RATE / 3600
    c_centre = plane["c_mean"] - j * R / (4 * D)
    expected = (2 * (1 + nu) * sigma0 - E * Omega * (c_centre - 0.1 * c_max) / 3) / 3
    assert plane["sigma_h_max"] == pytest.approx(expected, rel=0.005)
    assert plane["sigma_h_max"] < 0 < generalized["sigma_h_max"]
