"""Stress relaxation of a Maxwell material under held strain, integrated with a quadrature-point
internal variable (battchem.quadrature) and backward Euler.

1-D bar (uniaxial stress): σ = E (ε − ε_v), ε̇_v = σ/η, ε = ε0 held from t = 0:
    σ(t) = E ε0 exp(−E t/η).
2-D plane strain, deviatoric creep (an incompressible creeping solid such as Li):
    σ = λ tr(ε − ε_c) I + 2μ (ε − ε_c),  ε̇_c = dev σ / (2η),
in simple shear u = (γ y, 0) held from t = 0: σ_xy(t) = μ γ exp(−μ t/η).

Backward Euler gives the implicit update in closed form (linear law), used both in the residual
(so the stress of the step is consistent with the update) and to store the internal variable:
    ε_v ← (ε_v,old + (Δt E/η) ε) / (1 + Δt E/η),   ε_c ← (ε_c,old + (Δt μ/η) dev ε) / (1 + Δt μ/η).
The discrete stress is σ_n = σ_0 (1 + Δt/τ)^(−n): first order in Δt.
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.config import SolverConfig
from battchem.physics import mechanics
from battchem.physics.coordinates import CoordinateSystem
from battchem.quadrature import InternalVariable, measure, quadrature_space
from battchem.solvers import NonlinearSolver, default_options

E, NU, ETA, STRAIN = 10e9, 0.3, 2e12, 1e-3  # relaxation times η/E = 200 s, η/μ = 520 s
QDEG = 2


def point_values(f):
    """Owned quadrature values of ``f`` gathered on every rank (the fields are uniform)."""
    imap = f.function_space.dofmap.index_map
    owned = f.x.array[: imap.size_local * f.function_space.dofmap.index_map_bs]
    return np.concatenate(MPI.COMM_WORLD.allgather(owned))


def relax_bar(n_steps, T):
    msh = mesh.create_interval(MPI.COMM_WORLD, 6, [0.0, 1e-3])
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    eps_v = InternalVariable(quadrature_space(msh, QDEG), "viscous_strain")
    dt = fem.Constant(msh, T / n_steps)
    k = dt * E / ETA
    eps_v_new = (eps_v.old + k * u.dx(0)) / (1 + k)
    sigma = E * (u.dx(0) - eps_v_new)
    left = fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 0.0))
    right = fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 1e-3))
    bcs = [fem.dirichletbc(0.0, left, V), fem.dirichletbc(STRAIN * 1e-3, right, V)]
    solver = NonlinearSolver(sigma * v.dx(0) * measure(msh, QDEG), u, bcs, prefix="maxwell_bar_",
                             linear=True, options=default_options("elasticity", 0, SolverConfig()))
    stress = InternalVariable(quadrature_space(msh, QDEG), "stress")
    for step in range(n_steps):
        if step == 1:  # a step tried too long and rejected (as after a failed solve) leaves no trace
            dt.value *= 10
            assert solver.solve().converged
            eps_v.update(eps_v_new)
            eps_v.reject()
            dt.value /= 10
        assert solver.solve().converged
        eps_v.update(eps_v_new)
        stress.update(sigma)  # with eps_v_new: the stress of the step
        eps_v.accept()
    return point_values(stress.current), E * STRAIN * np.exp(-E * T / ETA)


def relax_shear(n_steps, T):
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 2, 2)
    cs = CoordinateSystem(msh, "plane_strain")
    V = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    u, v = fem.Function(V), ufl.TestFunction(V)
    eps_c = InternalVariable(quadrature_space(msh, QDEG, (3, 3)), "creep_strain")
    _, mu = mechanics.lame_parameters(E, NU)
    dt = fem.Constant(msh, T / n_steps)
    k = dt * mu / ETA
    eps_c_new = (eps_c.old + k * ufl.dev(cs.strain(u))) / (1 + k)
    sigma = mechanics.elastic_stress(cs.strain(u) - eps_c_new, E, NU)
    shear = fem.Function(V)
    shear.interpolate(lambda x: np.vstack([STRAIN * x[1], np.zeros_like(x[0])]))
    boundary = mesh.locate_entities_boundary(msh, 1, lambda x: np.full(x.shape[1], True))
    bcs = [fem.dirichletbc(shear, fem.locate_dofs_topological(V, 1, boundary))]
    F = mechanics.equilibrium_residual(sigma, v, cs, measure(msh, QDEG))
    solver = NonlinearSolver(F, u, bcs, prefix="maxwell_shear_", linear=True,
                             options=default_options("elasticity", 0, SolverConfig()))
    stress = InternalVariable(quadrature_space(msh, QDEG, (3, 3)), "stress")
    for _ in range(n_steps):
        assert solver.solve().converged
        eps_c.update(eps_c_new)
        stress.update(sigma)
        eps_c.accept()
    s = point_values(stress.current).reshape(-1, 3, 3)
    # deviatoric creep keeps the volume: no normal stress appears in simple shear
    assert np.allclose(s[:, [0, 1, 2], [0, 1, 2]], 0.0, atol=1e-9 * mu * STRAIN)
    return s[:, 0, 1], mu * STRAIN * np.exp(-mu * T / ETA)


@pytest.mark.mpi
@pytest.mark.parametrize("case, tau", [(relax_bar, ETA / E),
                                       (relax_shear, ETA / mechanics.lame_parameters(E, NU)[1])],
                         ids=["bar", "shear"])
def test_relaxation_first_order_in_time(case, tau):
    T = tau  # one relaxation time: σ falls to 1/e
    steps = [4, 8, 16, 32]
    errors = []
    for n in steps:
        values, exact = case(n, T)
        # the field stays uniform; the discrete value is σ_0 (1 + Δt/τ)^(−n) exactly (round-off)
        sigma0 = exact * np.exp(T / tau)
        assert np.allclose(values, sigma0 * (1 + T / (n * tau)) ** (-n), rtol=1e-10)
        errors.append(abs(values[0] - exact) / abs(exact))
    rates = np.diff(np.log(errors)) / np.diff(np.log(1.0 / np.array(steps)))
    # measured 0.932, 0.964, 0.982 (both cases: the same recurrence in Δt/τ): the deviation from 1
    # halves with Δt, so the finest pair within 0.05, every pair within 0.1, and shrinking
    deviation = np.abs(rates - 1.0)
    assert deviation[-1] < 0.05 and np.all(deviation < 0.1), (errors, rates)
    assert np.all(np.diff(deviation) < 0), (errors, rates)
