"""Forms of battchem.physics.growth and battchem.physics.viscoplasticity, one by one."""

import math

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.physics import growth, viscoplasticity


def _cell_value(msh, expr):
    """Value of a UFL expression at the midpoint of the first cell (constants only)."""
    shape = ufl.shape(expr)
    V = fem.functionspace(msh, ("DG", 0, shape) if shape else ("DG", 0))
    f = fem.Function(V)
    f.interpolate(fem.Expression(expr, V.element.interpolation_points()))
    return f.x.array[: int(np.prod(shape)) if shape else 1].reshape(shape) if shape else f.x.array[0]


@pytest.mark.parametrize("flow_stress", [None, 40e6])
def test_return_mapping_is_backward_euler(flow_stress):
    """The increment satisfies the implicit flow rule at the end of the step: Δε_vp = Δt φ ⟨q − σ_y⟩
    (3/2) s/q with s, q of the returned stress (not of the trial one), and is volume preserving.
    Round-off only: bound 1e-10."""
    msh = mesh.create_unit_interval(MPI.COMM_SELF, 1)
    E, nu, eta, dt = 50e9, 0.25, 1e12, 30.0
    mu = E / (2 * (1 + nu))
    eps = np.array([[1e-3, 2e-4, 0.0], [2e-4, -5e-4, 1e-4], [0.0, 1e-4, 3e-4]])
    prestress = np.diag([0.0, -5e6, 0.0])
    phi = 1 / (3 * eta)
    dflow = _cell_value(msh, viscoplasticity.flow_increment(
        fem.Constant(msh, eps), E, nu, phi, dt, flow_stress, fem.Constant(msh, prestress)))
    assert abs(np.trace(dflow)) < 1e-16
    dev = eps - np.trace(eps) / 3 * np.eye(3)
    s_new = 2 * mu * (dev - dflow) + (prestress - np.trace(prestress) / 3 * np.eye(3))
    q_new = math.sqrt(1.5 * np.sum(s_new * s_new))
    over = q_new - (flow_stress or 0.0)
    assert over > 0  # the trial state flows in both cases
    expected = dt * phi * over * 1.5 * s_new / q_new
    assert np.allclose(dflow, expected, rtol=1e-10, atol=1e-10 * np.abs(expected).max())


def test_no_flow_below_the_flow_stress():
    msh = mesh.create_unit_interval(MPI.COMM_SELF, 1)
    eps = fem.Constant(msh, np.diag([1e-5, -0.5e-5, -0.5e-5]))  # q = 3μ × 1.5e-5 ≈ 0.9 MPa < 10 MPa
    dflow = _cell_value(msh, viscoplasticity.flow_increment(eps, 50e9, 0.25, 1.0, 1.0, 10e6))
    assert np.abs(dflow).max() == 0.0


def test_travelling_front_solves_the_front_form():
    """ξ = 1/(1 + exp((x − vt)/ℓ)) with v = 2Rℓχ and ξ̇ = −v ξ' is an exact solution of the front
    equation: its residual vanishes as the mesh resolves it (P1 interpolation error, order 2 in
    h); measured orders ≈ 2.0 over h = ℓ/2 → ℓ/8; bound [1.8, 2.2]."""
    ell, R, chi = 0.1, 3.0, 0.2
    v = 2 * R * ell * chi
    errors = []
    for n in (40, 80, 160):
        msh = mesh.create_interval(MPI.COMM_SELF, n, [-1.0, 1.0])
        V = fem.functionspace(msh, ("Lagrange", 1))
        xi, rate, q = fem.Function(V), fem.Function(V), ufl.TestFunction(V)
        xi.interpolate(lambda x: 0.5 * (1 - np.tanh(0.5 * x[0] / ell)))
        rate.interpolate(lambda x: v * 0.25 / ell / np.cosh(0.5 * x[0] / ell) ** 2)  # −v ξ'
        F = growth.front_residual(xi, rate, q, R, ell, chi, 1, ufl.dx)
        b = fem.assemble_vector(fem.form(F))
        scale = fem.assemble_vector(fem.form(ufl.inner(rate, q) / R * ufl.dx))
        errors.append(np.abs(b.array[1:-1]).max() / np.abs(scale.array).max())
    orders = [math.log2(errors[k] / errors[k + 1]) for k in range(2)]
    assert errors[-1] < 0.05
    assert orders == pytest.approx([2.0, 2.0], abs=0.2)


def test_series_conductivity_integrates_to_the_layer_formula():
    """∫ dx/κ(ξ) = (L − δ)/κ_0 + δ/κ_1 with δ = ∫ h(ξ) dx, for any ξ profile (here a smooth one):
    the mixing rule is linear in h. Quadrature round-off; bound 1e-12."""
    msh = mesh.create_interval(MPI.COMM_SELF, 64, [0.0, 2.0])
    V = fem.functionspace(msh, ("Lagrange", 2))
    xi = fem.Function(V)
    xi.interpolate(lambda x: 0.5 * (1 - np.tanh((x[0] - 0.7) / 0.1)))
    h = growth.transformed_fraction(xi)
    k0, k1 = 0.04, 1e-5
    resistance = fem.assemble_scalar(fem.form(1 / growth.series_conductivity(h, k0, k1) * ufl.dx))
    delta = fem.assemble_scalar(fem.form(h * ufl.dx))
    assert resistance == pytest.approx(growth.series_resistance([(delta, k1), (2.0 - delta, k0)]), rel=1e-12)


def test_deal_grove_closed_forms():
    A, B = growth.deal_grove_coefficients(1e-13, 10.0, 1e4, 1e-9)
    assert (A, B) == pytest.approx((2e-7, 2e-16))
    t = 1234.5
    d = growth.deal_grove_thickness(t, A, B, 3e-8)
    assert d**2 + A * d == pytest.approx(B * t + 9e-16 + A * 3e-8, rel=1e-12)
