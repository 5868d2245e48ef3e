"""BDF objects: coefficients, exactness on polynomials in time, accept/reject, restart state."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.time_integration import BDF, BDF2, BackwardEuler


@pytest.fixture
def setup():
    msh = mesh.create_unit_interval(MPI.COMM_SELF, 2)
    V = fem.functionspace(msh, ("DG", 0))
    u = fem.Function(V, name="u")
    return msh, u


def mean(form):
    return fem.assemble_scalar(form)  # the unit interval: ∫ f dx = f for a constant f


def advance(bdf, u, t_old, t_new, f):
    bdf.set_step(t_new - t_old)
    u.x.array[:] = f(t_new)


def test_coefficients(setup):
    msh, u = setup
    bdf = BDF2([u])
    bdf.set_step(0.1)
    assert bdf.coefficients == (1.0, 1.0, 0.0)  # first step: backward Euler
    bdf.accept()
    bdf.set_step(0.1)
    assert np.allclose(bdf.coefficients, (1.5, 2.0, -0.5), rtol=1e-15)
    bdf.set_step(0.2)  # ω = 2: ((1 + 2ω)/(1 + ω), 1 + ω, −ω²/(1 + ω))
    assert np.allclose(bdf.coefficients, (5 / 3, 3.0, -4 / 3), rtol=1e-15)
    be = BackwardEuler([u])
    be.accept()
    be.set_step(0.3)
    assert be.coefficients == (1.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        BDF([u], order=3)
    with pytest.raises(ValueError):
        bdf.set_step(0.0)


@pytest.mark.parametrize("order, poly", [(1, lambda t: 2.0 - 3.0 * t), (2, lambda t: 1 + 3 * t - 4 * t * t)])
def test_exact_for_polynomials_of_the_order(setup, order, poly):
    """BDF-k differentiates polynomials of degree k exactly, with any step sequence; one compiled
    form serves every step (Δt and coefficients are Constants)."""
    msh, u = setup
    dpoly = {1: lambda t: -3.0, 2: lambda t: 3 - 8 * t}[order]
    u.x.array[:] = poly(0.0)
    bdf = BDF([u], order=order)
    form = fem.form(bdf.derivative(u) * ufl.dx)
    times = [0.0, 0.1, 0.35, 0.4, 0.9]  # ω = 2.5, 0.2, 10
    for k in range(1, len(times)):
        advance(bdf, u, times[k - 1], times[k], poly)
        if k > 1 or order == 1:  # BDF2's first step is BDF1, exact for linear functions only
            # a handful of operations on O(1) numbers divided by Δt ≥ 0.05: 1e-12 absolute
            assert mean(form) == pytest.approx(dpoly(times[k]), abs=1e-12)
        bdf.accept()


def test_rate_of_an_expression_of_several_functions(setup):
    """rate(g, u, v) applies the scheme to g(u, v) as a whole: exact for g(u(t), v(t)) a polynomial
    of the order in t (here u v with u, v linear: quadratic, BDF2), and for one Function the same
    as derivative(u, transform=g)."""
    msh, u = setup
    v = fem.Function(u.function_space, name="v")
    fu, fv = (lambda t: 1.0 + 2.0 * t), (lambda t: 3.0 - t)
    u.x.array[:], v.x.array[:] = fu(0.0), fv(0.0)
    bdf = BDF2([u, v])
    rate = fem.form(bdf.rate(lambda a, b: a * b, u, v) * ufl.dx)
    single = fem.form((bdf.rate(ufl.exp, u) - bdf.derivative(u, transform=ufl.exp)) * ufl.dx)
    times = [0.0, 0.1, 0.35, 0.4]
    for k in range(1, len(times)):
        bdf.set_step(times[k] - times[k - 1])
        u.x.array[:], v.x.array[:] = fu(times[k]), fv(times[k])
        t = times[k]
        if k > 1:  # the first step is BDF1
            # O(1) values divided by Δt ≥ 0.05: 1e-12 absolute
            assert mean(rate) == pytest.approx(2.0 * fv(t) - fu(t), abs=1e-12)
        assert mean(single) == 0.0
        bdf.accept()


def test_accept_shifts_and_reject_restores(setup):
    msh, u = setup
    u.x.array[:] = 1.0
    bdf = BDF2([u])
    u_n, u_nm1 = bdf.history(u)
    bdf.set_step(0.1)
    u.x.array[:] = 2.0
    bdf.accept()
    assert np.all(u_n.x.array == 2.0) and np.all(u_nm1.x.array == 1.0)
    bdf.set_step(0.1)
    u.x.array[:] = 7.0  # a failed Newton iterate
    bdf.reject()
    assert np.all(u.x.array == 2.0) and np.all(u_n.x.array == 2.0) and np.all(u_nm1.x.array == 1.0)
    assert bdf.steps == 1 and bdf.dt_previous == pytest.approx(0.1)
    with pytest.raises(KeyError):
        bdf.history(fem.Function(u.function_space))


def test_restart_continues_identically(setup):
    """A BDF rebuilt from state() and checkpoint_functions() gives the same next step."""
    msh, u = setup
    f = lambda t: np.exp(t)  # noqa: E731
    u.x.array[:] = f(0.0)
    bdf = BDF2([u])
    form = fem.form(bdf.derivative(u) * ufl.dx)
    for t_old, t_new in [(0.0, 0.1), (0.1, 0.3)]:
        advance(bdf, u, t_old, t_new, f)
        bdf.accept()
    state = bdf.state()
    saved = {name: g.x.array.copy() for name, g in bdf.checkpoint_functions().items()}
    assert list(saved) == ["u_n2"]

    v = fem.Function(u.function_space, name="u")
    v.x.array[:] = u.x.array  # u as read from a checkpoint
    again = BDF2([v])
    for name, g in again.checkpoint_functions().items():
        g.x.array[:] = saved[name]
    again.restore(state)
    form_again = fem.form(again.derivative(v) * ufl.dx)
    advance(bdf, u, 0.3, 0.45, f)
    advance(again, v, 0.3, 0.45, f)
    assert again.coefficients == bdf.coefficients
    assert mean(form_again) == mean(form)
    with pytest.raises(ValueError):
        BackwardEuler([v]).restore(state)
