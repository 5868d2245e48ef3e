"""A crack across the slab against the series formula (issue 12 item 4, the resistance rise): the
interphase problem's resistance solve with the damage set to the phase-field profile of a straight
crack, d = exp(−|x − x_c|/ℓ) (AT2's 1-D profile), across a 1-D slab of uniform conductivity κ. In 1-D
the area-specific resistance is exactly ∫ dx/(κ g(d(x))), g = κ_r where d ≥ d_c (the cracked band,
of width 2ℓ ln(1/(1 − d_c))) and (1 − d)² + κ_r below (``growth.crack_resistivity``)."""

import math

import numpy as np
import pytest
from mpi4py import MPI

from battchem import problems
from battchem.driver import load_config

ELL, L, X_C = 0.1e-6, 4e-6, 2.03e-6  # crack length scale, slab thickness, crack centre (between nodes)
KAPPA, RESIDUAL = 0.01, 1e-4


def slab(mesh_size: float, cracked: float):
    """The problem set up on a uniform 1-D slab: the interphase conducts like the electrolyte (its
    thickness does not matter), no expansion (no stress, the damage stays as set)."""
    config = load_config({
        "problem": "interphase",
        "geometry": {"kind": "slab_1d", "thickness": L, "mesh_size": mesh_size},
        "electrolyte": {"kappa": KAPPA},
        "interphase": {"kappa": KAPPA, "expansion": 0.0},
        "growth": {"front_width": ELL, "initial_thickness": 3 * ELL},
        "fracture": {"length_scale": ELL, "crack_conductivity": RESIDUAL, "initiation_damage": cracked},
        "output": {"plots": False}})
    problem = problems.get("interphase")(config, MPI.COMM_WORLD)
    problem.setup(problem.build_mesh())
    return problem


def crack_asr(problem) -> float:
    problem.core.d.interpolate(lambda x: np.exp(-np.abs(x[0] - X_C) / ELL))
    problem.solve_resistance()
    return problem.asr()


def series_formula(cracked: float) -> float:
    """∫ dx/(κ g(d)): the cracked band |x − x_c| ≤ ℓ ln(1/d_c) at 1/(κ κ_r), the flanks by the
    composite Simpson rule on 2e5 intervals each (relative error below 1e-10), intact material at
    1/(κ (1 + κ_r))."""
    half = ELL * math.log(1 / cracked)  # d = d_c at |x − x_c| = half
    intact = 1 / (1 + RESIDUAL)
    s = np.linspace(half, 14 * ELL, 200_001)
    f = 1 / ((1 - np.exp(-s / ELL)) ** 2 + RESIDUAL) - intact  # the flank's excess over intact material
    h = s[1] - s[0]
    flank = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return (L * intact + 2 * half * (1 / RESIDUAL - intact) + 2 * flank) / KAPPA


@pytest.mark.mpi
@pytest.mark.parametrize("cracked, sizes", [(0.5, [ELL / 2, ELL / 4, ELL / 8, ELL / 16]),
                                            (0.9, [ELL / 16, ELL / 32, ELL / 64, ELL / 128])])
def test_crack_across_a_slab_adds_the_series_resistance_of_its_profile(cracked, sizes):
    """The computed ASR converges to the series formula at first order in h or better (the P1
    interpolant of the profile's cusp at x_c, and the element in which d crosses d_c, integrated by a
    5-point rule across a jump of g by up to 1/κ_r); measured errors at the four sizes (mean order):
    d_c = 0.5, h = ℓ/2 … ℓ/16: 3.9 %, 1.7 %, 0.81 %, 0.26 % (1.3); d_c = 0.9, whose band 2ℓ ln(1/0.9)
    = 0.21ℓ is resolved from h = ℓ/16 on, h = ℓ/16 … ℓ/128: 3.8 %, 2.0 %, 0.27 %, 0.10 % (1.75).
    Bounds: 5 % at the first size, 1 % at the finest, mean order 0.8. The crack raises the slab's ASR
    by the series formula's 348× (d_c = 0.5) and 54× (0.9), about 1 + 2ℓ ln(1/d_c)/(κ_r L); the smooth
    law (1 − d)² + κ_r gives 9.0× exactly and, evaluated at the cell centres as before, 1.5× at h = ℓ/2."""
    exact = series_formula(cracked)
    intact = L / KAPPA
    errors = [abs(crack_asr(slab(h, cracked)) / exact - 1) for h in sizes]
    orders = [math.log(errors[i] / errors[i + 1], 2) for i in range(len(errors) - 1)]
    print(f"d_c {cracked}: ASR rise {exact / intact:.1f}x; relative errors {errors}; orders {orders}")
    band = 2 * ELL * math.log(1 / cracked)
    assert exact / intact == pytest.approx(1 + band / (RESIDUAL * L), rel=0.05)  # + the flanks: 1-2 %
    assert errors[0] < 0.05
    assert errors[-1] < 0.01
    assert np.mean(orders) > 0.8
