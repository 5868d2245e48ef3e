"""Building blocks evaluated on known fields: kinematics, stress measures, energies."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.physics import mechanics
from battchem.physics.coordinates import CoordinateSystem


def const(msh, array):
    return fem.Constant(msh, np.asarray(array, dtype=np.float64))


def evaluate(expr, msh, point_ref):
    """Value of a UFL expression at one reference point of local cell 0."""
    e = fem.Expression(expr, np.atleast_2d(point_ref))
    return e.eval(msh, np.array([0], dtype=np.int32)).reshape(ufl.shape(expr) or ())


def unit_mesh(kind):
    comm = MPI.COMM_SELF
    if kind == "cartesian_3d":
        return mesh.create_unit_cube(comm, 2, 2, 2), [0.3, 0.3, 0.3]
    if kind == "spherical_1d":
        return mesh.create_interval(comm, 4, [0.5, 1.5]), [0.3]
    return mesh.create_unit_square(comm, 2, 2), [0.3, 0.3]


@pytest.mark.parametrize("kind, expected", [
    ("cartesian_3d", np.diag([1.0, 1.0, 1.0])),
    ("plane_strain", np.diag([1.0, 1.0, 0.0])),  # ε_zz = 0
    ("axisymmetric", np.diag([1.0, 1.0, 1.0])),  # ε_θθ = u_r / r = a
    ("spherical_1d", np.diag([1.0, 1.0, 1.0])),  # ε_θθ = ε_φφ = u_r / r = a
])
def test_homogeneous_expansion_strain(kind, expected):
    msh, p = unit_mesh(kind)
    cs = CoordinateSystem(msh, kind)
    a = 2e-3
    x = ufl.SpatialCoordinate(msh)
    u = a * x[0] if kind == "spherical_1d" else a * x
    assert np.allclose(evaluate(cs.strain(u), msh, p), a * expected, rtol=1e-12, atol=1e-15)


def test_shear_strain_components_axisymmetric():
    msh, p = unit_mesh("axisymmetric")
    cs = CoordinateSystem(msh, "axisymmetric")
    x = ufl.SpatialCoordinate(msh)
    u = ufl.as_vector([x[1], 0.0])  # u_r = z: ε_rz = 1/2, ε_θθ = z/r
    eps = evaluate(cs.strain(u), msh, p)
    xp = evaluate(x, msh, p)
    assert eps[0, 1] == pytest.approx(0.5) and eps[2, 2] == pytest.approx(xp[1] / xp[0])


def test_stress_energy_and_free_expansion():
    """σ = 0 for ε(u) = ε*, and ψ = ½ σ:ε for Hooke's law."""
    msh, p = unit_mesh("cartesian_3d")
    E, nu, Omega, dc = 10e9, 0.3, 3.5e-6, 1000.0
    eps_star = mechanics.chemical_strain(const(msh, dc), 0.0, Omega)
    zero = mechanics.elastic_stress(eps_star - eps_star, E, nu)
    assert np.allclose(evaluate(zero, msh, p), 0.0)
    eps = const(msh, np.array([[1.0, 0.2, 0.0], [0.2, -0.5, 0.1], [0.0, 0.1, 0.3]]) * 1e-3)
    sigma = mechanics.elastic_stress(eps, E, nu)
    psi = evaluate(mechanics.strain_energy_density(eps, E, nu), msh, p)
    assert psi == pytest.approx(0.5 * np.sum(evaluate(sigma, msh, p) * evaluate(eps, msh, p)), rel=1e-12)
    # hydrostatic part: K tr(ε) with K = E / (3(1 − 2ν))
    sh = evaluate(mechanics.hydrostatic_stress(sigma), msh, p)
    assert sh == pytest.approx(E / (3 * (1 - 2 * nu)) * 0.8e-3, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_max_principal_stress_matches_eigvalsh(seed):
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(3, 3))
    S = 0.5 * (S + S.T) * 1e8
    if seed == 0:
        S = np.diag([2e8, 2e8, -1e8])  # repeated eigenvalue
    if seed == 1:
        S = 3e7 * np.eye(3)  # spherical: J2 = 0
    msh, p = unit_mesh("cartesian_3d")
    value = evaluate(mechanics.max_principal_stress(const(msh, S)), msh, p)
    # acos is evaluated 1e-12 inside [-1, 1]: relative error ~1e-6 of the deviatoric norm at most
    assert value == pytest.approx(np.linalg.eigvalsh(S).max(), rel=1e-6, abs=1e-6 * np.abs(S).max())


def test_hoop_and_radial_stress_about_the_centre():
    msh, _ = unit_mesh("cartesian_3d")
    cs = CoordinateSystem(msh, "cartesian_3d")
    S = np.array([[5.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, -2.0]])
    x = msh.geometry.x[msh.geometry.dofmap[0]]
    ref = [0.25, 0.25, 0.25]
    centre = np.array([-1.0, 0.2, 0.4])
    point = evaluate(ufl.SpatialCoordinate(msh), msh, ref)
    n = (point - centre) / np.linalg.norm(point - centre)
    sr = evaluate(mechanics.radial_stress(const(msh, S), cs, centre), msh, ref)
    sh = evaluate(mechanics.hoop_stress(const(msh, S), cs, centre), msh, ref)
    assert sr == pytest.approx(n @ S @ n)
    assert sh == pytest.approx((np.trace(S) - n @ S @ n) / 2)
    assert x.shape[0] == 4


def test_plane_strain_hoop_is_the_in_plane_circumferential_stress():
    msh, p = unit_mesh("plane_strain")
    cs = CoordinateSystem(msh, "plane_strain")
    S = np.array([[5.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 7.0]])
    point = evaluate(ufl.SpatialCoordinate(msh), msh, p)
    t = np.array([-point[1], point[0], 0.0]) / np.linalg.norm(point)
    assert evaluate(mechanics.hoop_stress(const(msh, S), cs), msh, p) == pytest.approx(t @ S @ t)
