"""Coordinate systems: the 1-D Cartesian (uniaxial strain) kind and the displacement gradient."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.config import SolverConfig
from battchem.physics import mechanics
from battchem.physics.coordinates import KINDS, CoordinateSystem
from battchem.solvers import NonlinearSolver, default_options


def cell_values(expr, msh, points):
    """Values of ``expr`` at reference ``points`` of every owned cell, shape (cells, points, ...)."""
    n = msh.topology.index_map(msh.topology.dim).size_local
    e = fem.Expression(expr, np.atleast_2d(points))
    return e.eval(msh, np.arange(n, dtype=np.int32)).reshape((n, len(points)) + ufl.shape(expr))


@pytest.mark.mpi
def test_clamped_film_with_eigenstrain():
    """A film on a rigid substrate (x = 0 fixed, x = L free, laterally clamped) with a uniform
    isotropic eigenstrain ε* I:

        σ_xx = 0,  σ_yy = σ_zz = −E ε*/(1 − ν),  u(L) = ε* L (1 + ν)/(1 − ν).
    """
    E, nu, eps_star, L = 150e9, 0.3, 0.01, 2e-6
    msh = mesh.create_interval(MPI.COMM_WORLD, 12, [0.0, L])
    cs = CoordinateSystem(msh, "cartesian_1d")
    assert cs.displacement_shape == () and cs.weight == 1
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    sigma = mechanics.elastic_stress(cs.strain(u) - eps_star * mechanics.I3, E, nu)
    F = mechanics.equilibrium_residual(sigma, v, cs, ufl.dx)
    clamp = fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], 0.0))
    bc = fem.dirichletbc(0.0, clamp, V)
    solver = NonlinearSolver(F, u, [bc], prefix="film1d_", linear=True,
                             options=default_options("elasticity", 13, SolverConfig()))
    assert solver.solve().converged

    s = cell_values(sigma, msh, [[0.25], [0.75]])
    lateral = -E * eps_star / (1 - nu)
    # the exact u is linear, so P1 holds it; what is left is the round-off of one LU solve with
    # entries ~E/h (relative 1e-15 times a condition number ~n² = 144): 1e-11 relative is ample
    assert np.allclose(s[..., 0, 0], 0.0, atol=1e-11 * abs(lateral))
    assert np.allclose(s[..., 1, 1], lateral, rtol=1e-11) and np.allclose(s[..., 2, 2], lateral, rtol=1e-11)
    assert np.allclose(s[..., 0, 1], 0.0, atol=1e-11 * abs(lateral))
    tip = fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[0], L))
    n_owned = V.dofmap.index_map.size_local
    tip = tip[tip < n_owned]
    tip_u = msh.comm.allreduce(float(u.x.array[tip].sum()), op=MPI.SUM)
    assert tip_u == pytest.approx(eps_star * L * (1 + nu) / (1 - nu), rel=1e-11)


def polynomial_displacement(kind, msh):
    x = ufl.SpatialCoordinate(msh)
    if kind in ("spherical_1d", "cartesian_1d"):
        return 0.3 * x[0] + 0.2 * x[0] ** 2
    if kind == "cartesian_3d":
        return ufl.as_vector([x[0] * x[1], 0.5 * x[2] ** 2 + x[0], x[0] - 0.4 * x[1] * x[2]])
    return ufl.as_vector([0.3 * x[0] + x[0] * x[1], 0.5 * x[1] ** 2 - 0.2 * x[0]])


@pytest.mark.parametrize("kind", KINDS)
def test_strain_is_symmetric_part_of_displacement_gradient(kind):
    comm = MPI.COMM_SELF
    if kind == "cartesian_3d":
        msh, p = mesh.create_unit_cube(comm, 1, 1, 1), [[0.2, 0.3, 0.1]]
    elif kind in ("spherical_1d", "cartesian_1d"):
        msh, p = mesh.create_interval(comm, 2, [0.5, 1.5]), [[0.3]]
    else:
        msh, p = mesh.create_rectangle(comm, [[0.5, 0.0], [1.5, 1.0]], [1, 1]), [[0.2, 0.3]]
    cs = CoordinateSystem(msh, kind)
    u = polynomial_displacement(kind, msh)
    H = cell_values(cs.displacement_gradient(u), msh, p)
    eps = cell_values(cs.strain(u), msh, p)
    assert np.allclose(0.5 * (H + np.swapaxes(H, -1, -2)), eps, rtol=1e-14, atol=1e-14)
    x = cell_values(ufl.SpatialCoordinate(msh), msh, p)[..., 0]
    if kind in ("axisymmetric", "spherical_1d"):  # the hoop stretch u_r / r is on the diagonal
        ur = cell_values(u[0] if kind == "axisymmetric" else u, msh, p)
        assert np.allclose(H[..., 2, 2], ur / x, rtol=1e-14)
    if kind in ("plane_strain", "cartesian_1d"):
        assert np.all(H[..., 2, 2] == 0.0)
