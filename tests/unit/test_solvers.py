"""The SNES wrapper, Jacobian reuse, variational-inequality bounds, projection, staggered loop."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI
from petsc4py import PETSc

from battchem.config import SolverConfig
from battchem.solvers import (
    NonlinearSolver,
    Projector,
    SolveReport,
    absolute_tolerance,
    default_options,
    staggered,
)

SETTINGS = SolverConfig()


@pytest.mark.mpi
def test_newton_on_a_nonlinear_diffusion_problem():
    """−∇·((1 + u²)∇u) = f with u = 1 + x + 2y: P1 holds u exactly, so Newton must reproduce it
    up to the nonlinear tolerance and the quadrature of f (degree raised to make that exact)."""
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 8, 8)
    V = fem.functionspace(msh, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(msh)
    u_exact = 1 + x[0] + 2 * x[1]
    f = -ufl.div((1 + u_exact**2) * ufl.grad(u_exact))
    u, v = fem.Function(V), ufl.TestFunction(V)
    F = (1 + u**2) * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx - f * v * ufl.dx(metadata={"quadrature_degree": 6})
    g = fem.Function(V)
    g.interpolate(lambda y: 1 + y[0] + 2 * y[1])
    boundary = mesh.locate_entities_boundary(msh, 1, lambda y: np.full(y.shape[1], True))
    bc = fem.dirichletbc(g, fem.locate_dofs_topological(V, 1, boundary))
    solver = NonlinearSolver(F, u, [bc], prefix="test_newton_", options={
        **default_options("diffusion", 81, SETTINGS), "snes_rtol": 1e-12, "snes_atol": 1e-14})
    report = solver.solve()
    assert report.converged and 2 <= report.iterations <= 12
    err = np.abs(u.x.array - g.x.array).max()
    assert MPI.COMM_WORLD.allreduce(err, op=MPI.MAX) < 1e-10


def _homogeneous_reaction(L: float, scaled: bool):
    """∫ L² ∇u·∇q + (u³ − 1) q dx = 0 on a cube of side L from u = 1 + x/L: the exact solution
    u = 1 (P1 holds it); returns the report and max |u − 1|."""
    msh = mesh.create_box(MPI.COMM_WORLD, [[0, 0, 0], [L, L, L]], [4, 4, 4], mesh.CellType.tetrahedron)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, q = fem.Function(V), ufl.TestFunction(V)
    u.interpolate(lambda x: 1 + x[0] / L)
    F = (L**2 * ufl.inner(ufl.grad(u), ufl.grad(q)) + (u**3 - 1) * q) * ufl.dx
    solver = NonlinearSolver(F, u, [], prefix="test_scale_", options={
        **default_options("diffusion", 125, SETTINGS), "snes_rtol": 1e-9, "snes_atol": 1e-12},
        residual_scale=(lambda: solver.load_norm()) if scaled else None)
    report = solver.solve()
    err = MPI.COMM_WORLD.allreduce(np.abs(u.x.array - 1).max(), op=MPI.MAX)
    solver.destroy()
    return report, err


@pytest.mark.mpi
def test_load_scaled_absolute_tolerance_does_not_depend_on_the_unit_of_length():
    """The same homogeneous problem on a 1 m and a 1 µm cube: with the absolute tolerance snes_rtol ×
    ‖F(u_0)‖ (``residual_scale``) Newton takes the same iterations and reaches u = 1 in both; with the
    SI snes_atol 1e-12 the micrometre cube's whole residual (~1e-19) passes it and SNES returns the
    initial guess unsolved (0 iterations, error 1). Error bound 1e-8: rtol 1e-9 on a residual whose
    scale is that of a unit change of u (measured 1.1e-12 in 5 iterations at both sizes)."""
    metre, _ = _homogeneous_reaction(1.0, scaled=True)
    for L in (1.0, 1e-6):
        report, err = _homogeneous_reaction(L, scaled=True)
        assert report.converged and report.iterations >= 1 and err < 1e-8
        assert report.iterations == metre.iterations
    unscaled, err = _homogeneous_reaction(1e-6, scaled=False)  # the defect the scale removes
    assert unscaled.converged and unscaled.iterations == 0 and err == pytest.approx(1.0)
    assert absolute_tolerance(1e-9, 1e-12, 0.0) == 1e-12  # no scale (no load): snes_atol
    assert absolute_tolerance(1e-9, 1e-12, 1e-14) == pytest.approx(1e-23)


def test_linear_solver_reuses_its_matrix_until_the_key_changes():
    msh = mesh.create_unit_square(MPI.COMM_SELF, 6, 6)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    k = fem.Constant(msh, PETSc.ScalarType(1.0))
    F = k * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx + u * v * ufl.dx - v * ufl.dx
    solver = NonlinearSolver(F, u, [], prefix="test_reuse_", linear=True, jacobian_key=lambda: float(k.value),
                             options=default_options("diffusion", 49, SETTINGS))
    for _ in range(3):
        assert solver.solve().converged
    assert solver.jacobian_assemblies == 1
    assert np.allclose(u.x.array, 1.0)  # −Δu + u = 1 with natural BCs: u = 1
    k.value = 2.0
    assert solver.solve().converged
    assert solver.jacobian_assemblies == 2


def test_linear_solve_assembles_the_residual_once():
    """A linear solve is one residual assembly, one Krylov solve (SNES ksponly with a monitor
    would assemble the residual a second time after the solve, only to report its norm)."""
    msh = mesh.create_unit_square(MPI.COMM_SELF, 6, 6)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    F = ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx + u * v * ufl.dx - v * ufl.dx

    class Counting(NonlinearSolver):
        residuals = 0

        def _residual(self, snes, x, b):
            Counting.residuals += 1
            super()._residual(snes, x, b)

    solver = Counting(F, u, [], prefix="test_once_", linear=True, options=default_options("diffusion", 49, SETTINGS))
    assert solver.solve().converged and np.allclose(u.x.array, 1.0)
    assert Counting.residuals == 1


def test_lagged_preconditioner_is_rebuilt_only_on_request():
    """lagged_preconditioner: the Krylov method always solves with the current operator (exact
    answer), preconditioned by the factorisation of the operator of the last rebuild."""
    msh = mesh.create_unit_square(MPI.COMM_SELF, 8, 8)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    k = fem.Constant(msh, PETSc.ScalarType(1.0))
    F = k * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx + k * u * v * ufl.dx - v * ufl.dx
    options = {"ksp_type": "cg", "pc_type": "lu", "ksp_rtol": 1e-12, "ksp_atol": 0.0}
    solver = NonlinearSolver(F, u, [], prefix="test_lag_", linear=True, options=options, lagged_preconditioner=True)
    report = solver.solve()
    assert report.converged and report.krylov == 1 and solver.preconditioner_builds == 1
    for value in (1.5, 3.0):  # −kΔu + ku = 1: u = 1/k, with the factorisation of k = 1
        k.value = value
        u.x.array[:] = 0.0
        report = solver.solve()
        assert report.converged and solver.preconditioner_builds == 1
        # the old factorisation of k = 1 is the new operator over k: one CG step still solves it
        # exactly (a scaled identity), so count the factorisations, not the iterations
        assert np.allclose(u.x.array, 1.0 / value, rtol=1e-10)
    solver.rebuild_preconditioner()
    assert solver.solve().converged and solver.preconditioner_builds == 2


@pytest.mark.mpi
def test_variational_inequality_obstacle():
    """min ∫ ½|u′|² + 10 u on (0, 1), u(0) = u(1) = 0, u ≥ −0.1: contact on [a, 1 − a] with
    a = √0.02 and u = 5x² − 10 a x before it (smooth fit)."""
    msh = mesh.create_interval(MPI.COMM_WORLD, 200, [0.0, 1.0])
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    F = ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx + 10.0 * v * ufl.dx
    ends = mesh.locate_entities_boundary(msh, 0, lambda x: np.isclose(x[0], 0) | np.isclose(x[0], 1))
    bc = fem.dirichletbc(PETSc.ScalarType(0), fem.locate_dofs_topological(V, 0, ends), V)
    lower, upper = fem.Function(V), fem.Function(V)
    lower.x.array[:] = -0.1
    upper.x.array[:] = 1e3
    solver = NonlinearSolver(F, u, [bc], prefix="test_vi_", bounds=(lower, upper),
                             options={**default_options("diffusion", 201, SETTINGS), "snes_rtol": 1e-10})
    assert solver.solve().converged
    x = V.tabulate_dof_coordinates()[:, 0]
    a = np.sqrt(0.02)
    exact = np.where((x > a) & (x < 1 - a), -0.1, np.where(x <= a, 5 * x**2 - 10 * a * x,
                                                             5 * (1 - x) ** 2 - 10 * a * (1 - x)))
    assert u.x.array.min() >= -0.1 - 1e-12
    # piecewise-linear approximation of a C¹ contact solution: error O(h²) = O(2.5e-5)
    err = MPI.COMM_WORLD.allreduce(np.abs(u.x.array - exact).max(), op=MPI.MAX)
    assert err < 1e-4


def test_projector_reproduces_a_polynomial_of_its_degree():
    msh = mesh.create_unit_square(MPI.COMM_SELF, 4, 4)
    V = fem.functionspace(msh, ("Lagrange", 2))
    x = ufl.SpatialCoordinate(msh)
    target = fem.Function(V, name="target")
    proj = Projector(V, 1, ufl.dx, prefix="test_proj_", settings=SETTINGS)
    proj.add(target, x[0] ** 2 + 3 * x[1])
    assert proj.project().converged
    X = V.tabulate_dof_coordinates()
    assert np.allclose(target.x.array, X[:, 0] ** 2 + 3 * X[:, 1], atol=1e-8)


def test_staggered_loop_converges_and_reports_failure():
    state = {"a": 0.0, "b": 0.0, "old": np.inf}

    def stage_a():  # a = 1 + b/2
        state["old"] = state["a"]
        state["a"] = 1 + state["b"] / 2
        return SolveReport(True, 1, 2)

    def stage_b():  # b = a/2
        state["b"] = state["a"] / 2
        return SolveReport(True, 1, 3)

    res = staggered([stage_a, stage_b], lambda: abs(state["a"] - state["old"]), tol=1e-10, max_iterations=50)
    assert res.converged and state["a"] == pytest.approx(4 / 3)
    assert res.report.iterations == 2 * res.iterations and res.report.krylov == 5 * res.iterations
    state.update(a=0.0, b=0.0)
    res = staggered([stage_a, stage_b], lambda: abs(state["a"] - state["old"]), tol=1e-10, max_iterations=3)
    assert not res.converged and "not converged in 3" in res.report.reason


def test_staggered_loop_stops_when_sweeps_change_nothing():
    """Stages that converge without moving (a u-step refused by its line search) leave the error
    where it is: the loop fails after three equal errors instead of running to max_iterations."""
    res = staggered([lambda: SolveReport(True, 0, 0)], lambda: 0.5, tol=1e-4, max_iterations=2000)
    assert not res.converged and res.iterations == 3 and "stagnated at error 5.00e-01" in res.report.reason


def test_staggered_loop_detects_stagnation_by_a_relative_change():
    """Errors that move by round-off only (1e-13 relative) are stagnation too, not progress."""
    errors = iter(0.5 * (1 + 1e-13 * k) for k in range(100))
    res = staggered([lambda: SolveReport(True, 1, 1)], lambda: next(errors), tol=1e-4, max_iterations=2000)
    assert not res.converged and res.iterations == 3 and "stagnated" in res.report.reason
    # a slow but genuine decrease (1e-3 per sweep) is not stagnation
    errors = iter(0.5 * 0.999**k for k in range(10000))
    res = staggered([lambda: SolveReport(True, 1, 1)], lambda: next(errors), tol=0.4, max_iterations=2000)
    assert res.converged and res.iterations == 225  # first k with 0.999^(k−1) ≤ 0.8


@pytest.mark.mpi
def test_switching_between_flux_and_value_control():
    """A protocol's switch from current to voltage control changes the Dirichlet set of a live
    solver: −u″ = 0 on (0, 1), u(0) = 0, and at x = 1 either the flux u′ = q (u = q x) or the value
    u = V (u = V x). P1 holds both exactly; the matrix is reassembled at each switch only."""
    msh = mesh.create_interval(MPI.COMM_WORLD, 10, [0.0, 1.0])
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    flux = fem.Constant(msh, PETSc.ScalarType(0.0))
    F = ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx - flux * v * ufl.ds
    left = fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 0)), V)
    value = fem.Constant(msh, PETSc.ScalarType(0.0))
    right = fem.dirichletbc(value, fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 1)), V)
    x = V.tabulate_dof_coordinates()[:, 0]
    # ds covers both ends; the flux term acts only where no Dirichlet value is imposed (x = 1)
    solver = NonlinearSolver(F, u, [left], prefix="test_switch_", linear=True, jacobian_key=lambda: 0,
                             options=default_options("diffusion", 11, SETTINGS))
    for control, q_or_v in (("current", 0.3), ("voltage", 0.5), ("current", -0.2)):
        if control == "current":
            flux.value, bcs = q_or_v, [left]
        else:
            flux.value, value.value, bcs = 0.0, q_or_v, [left, right]
        solver.set_bcs(bcs)
        assert solver.solve().converged
        assert np.allclose(u.x.array, q_or_v * x, atol=1e-12), control
    assert solver.jacobian_assemblies == 3
