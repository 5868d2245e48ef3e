"""Unit tests of battchem.physics.phasefield: the split energies and stresses against an
eigen-decomposition in numpy, finite tangents at zero and repeated principal strains, and the
scalar building blocks."""

import math

import numpy as np
import pytest
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI

from battchem.physics import phasefield as pf
from battchem.physics.coordinates import CoordinateSystem
from battchem.physics.mechanics import lame_parameters

E, NU = 210e9, 0.3
LMBDA, MU = lame_parameters(E, NU)
K = E / (3 * (1 - 2 * NU))


def reference_split(eps: np.ndarray, split: str):
    """(ψ⁺, σ⁺, σ⁻) of a 3x3 strain from numpy's eigen-decomposition."""
    tr = np.trace(eps)
    sigma = LMBDA * tr * np.eye(3) + 2 * MU * eps
    if split == "spectral":
        w, v = np.linalg.eigh(eps)
        eps_plus = (v * np.maximum(w, 0)) @ v.T
        psi_plus = 0.5 * LMBDA * max(tr, 0) ** 2 + MU * np.sum(np.maximum(w, 0) ** 2)
        sigma_plus = LMBDA * max(tr, 0) * np.eye(3) + 2 * MU * eps_plus
    else:  # volumetric_deviatoric
        dev = eps - tr / 3 * np.eye(3)
        psi_plus = 0.5 * K * max(tr, 0) ** 2 + MU * np.sum(dev * dev)
        sigma_plus = K * max(tr, 0) * np.eye(3) + 2 * MU * dev
    return psi_plus, sigma_plus, sigma - sigma_plus


class Cell:
    """One-cell mesh with an affine displacement u = G x (uniform strain sym(G))."""

    def __init__(self, gdim: int):
        comm = MPI.COMM_SELF
        self.gdim = gdim
        self.mesh = (dmesh.create_unit_square(comm, 1, 1) if gdim == 2
                     else dmesh.create_unit_cube(comm, 1, 1, 1))
        self.cs = CoordinateSystem(self.mesh, "plane_strain" if gdim == 2 else "cartesian_3d")
        self.V = fem.functionspace(self.mesh, ("Lagrange", 1, (gdim,)))
        self.u = fem.Function(self.V)
        self.d = fem.Function(fem.functionspace(self.mesh, ("Lagrange", 1)))
        self.point = np.full((1, gdim), 0.25)

    def set_strain(self, G: np.ndarray) -> np.ndarray:
        self.u.interpolate(lambda x: G @ x[: self.gdim])
        eps = np.zeros((3, 3))
        eps[: self.gdim, : self.gdim] = 0.5 * (G + G.T)
        return eps

    def evaluate(self, expr) -> np.ndarray:
        expression = fem.Expression(expr, self.point, comm=MPI.COMM_SELF)
        return expression.eval(self.mesh, np.array([0], dtype=np.int32)).ravel()


@pytest.fixture(scope="module", params=[2, 3], ids=["plane_strain", "3d"])
def cell(request):
    return Cell(request.param)


def _strains(gdim: int) -> list[np.ndarray]:
    """Zero, repeated and mixed-sign principal strains, then random ones (scale 1e-3)."""
    s = 1e-3
    if gdim == 2:
        cases = [np.zeros((2, 2)), np.diag([1.0, 1.0]), np.diag([1.0, 0.0]), np.diag([1.0, -1.0]),
                 np.diag([-1.0, -2.0]), np.array([[0.0, 1.0], [1.0, 0.0]])]
    else:
        cases = [np.zeros((3, 3)), np.diag([1.0, 1.0, -0.5]), np.diag([1.0, -0.5, -0.5]),
                 np.diag([1.0, 0.0, 0.0]), np.eye(3), -np.eye(3), np.diag([1.0, -1.0, 0.0])]
    rng = np.random.default_rng(7)
    cases += [(lambda a: a + a.T)(rng.normal(size=(gdim, gdim))) for _ in range(6)]
    return [s * c for c in cases]


@pytest.mark.parametrize("split", ["spectral", "volumetric_deviatoric"])
def test_split_matches_eigendecomposition(cell, split):
    """ψ⁺ and σ = g σ⁺ + σ⁻ equal the numpy reference at every strain, degenerate ones included."""
    cell.d.x.array[:] = 0.3
    g = 0.7**2
    eps_u = cell.cs.strain(cell.u)
    psi_plus = pf.split_energy(eps_u, E, NU, split)[0]
    sigma = pf.degraded_stress(eps_u, cell.d, E, NU, split, 0.0)
    e_psi = fem.Expression(psi_plus, cell.point)
    e_sig = fem.Expression(sigma, cell.point)
    cells = np.array([0], dtype=np.int32)
    for G in _strains(cell.gdim):
        eps = cell.set_strain(G)
        psi_ref, sp, sm = reference_split(eps, split)
        psi = e_psi.eval(cell.mesh, cells).ravel()[0]
        sig = e_sig.eval(cell.mesh, cells).reshape(3, 3)
        scale_psi = MU * np.sum(eps * eps) + 1e-300
        scale_sig = 2 * MU * np.abs(eps).max() + 1e-300
        # 1e-10: the closed-form eigenvalues are exact up to the acos clamp (relative 1e-12)
        # and round-off of the trigonometric formula near repeated eigenvalues
        assert abs(psi - psi_ref) <= 1e-10 * scale_psi, (split, eps.diagonal())
        assert np.abs(sig - (g * sp + sm)).max() <= 1e-10 * scale_sig, (split, eps.diagonal())
        assert np.allclose(sig, sig.T, rtol=0, atol=1e-12 * scale_sig)


def test_tangent_finite_and_consistent(cell):
    """The u-Jacobian of the spectral split is finite at zero and repeated principal strains; at
    zero strain (the first Newton iterate) with d = 0 and k_res = 0 it is the elastic stiffness;
    at generic strains it matches a finite difference of the residual."""
    cell.d.x.array[:] = 0.0
    v = ufl.TestFunction(cell.V)
    eps_u = cell.cs.strain(cell.u)
    F = ufl.inner(pf.degraded_stress(eps_u, cell.d, E, NU, "spectral", 0.0), cell.cs.strain(v)) * ufl.dx
    sigma_elastic = LMBDA * ufl.tr(eps_u) * ufl.Identity(3) + 2 * MU * eps_u
    F_elastic = ufl.inner(sigma_elastic, cell.cs.strain(v)) * ufl.dx
    J, J0 = fem.form(ufl.derivative(F, cell.u)), fem.form(ufl.derivative(F_elastic, cell.u))
    Fc = fem.form(F)
    cases = _strains(cell.gdim)
    degenerate = 7 if cell.gdim == 3 else 6
    rng = np.random.default_rng(3)
    for k, G in enumerate(cases):
        cell.set_strain(G)
        A = fem_petsc.assemble_matrix(J)
        A.assemble()
        values = A.getValuesCSR()[2]
        assert np.all(np.isfinite(values)), f"non-finite tangent at strain {G.ravel()}"
        if k == 0:
            A0 = fem_petsc.assemble_matrix(J0)
            A0.assemble()
            a0 = A0.getValuesCSR()[2]
            # identical sparsity; 1e-12: both are the same quadratic form up to round-off
            assert np.abs(values - a0).max() <= 1e-12 * np.abs(a0).max()
        if k >= degenerate:  # smooth point: J δu ≈ (F(u + δu) − F(u)) with |δu| = 1e-9 |u|
            du = rng.normal(size=cell.u.x.array.shape) * 1e-6 * np.abs(cell.u.x.array).max()
            f0 = fem_petsc.assemble_vector(Fc).array.copy()
            cell.u.x.array[:] += du
            f1 = fem_petsc.assemble_vector(Fc).array.copy()
            cell.u.x.array[:] -= du
            x, y = A.createVecs()
            x.array[:] = du
            A.mult(x, y)
            # first-order difference with a relative perturbation 1e-6: error O(1e-6)
            assert np.abs(y.array - (f1 - f0)).max() <= 1e-4 * np.abs(f1 - f0).max()


def test_split_sums_to_elastic_energy(cell):
    """ψ⁺ + ψ⁻ = ψ for every split (the identity the module builds ψ⁻ from)."""
    eps_u = cell.cs.strain(cell.u)
    psi = pf.elastic_energy_density(eps_u, E, NU)
    for split in pf.SPLITS:
        plus, minus = pf.split_energy(eps_u, E, NU, split)
        for G in _strains(cell.gdim)[-3:]:
            cell.set_strain(G)
            total = cell.evaluate(psi)[0]
            assert abs(cell.evaluate(plus + minus)[0] - total) <= 1e-12 * total
            assert cell.evaluate(plus)[0] >= 0 and cell.evaluate(minus)[0] >= -1e-12 * total


def test_block_and_general_paths_agree():
    """The plane-strain (2x2 + ε_33) and the general 3x3 forms of Σ⟨ε_i⟩₊² agree, also for an
    axisymmetric-like block with a nonzero ε_33."""
    c = Cell(2)
    eps_u = c.cs.strain(c.u)
    hoop = ufl.as_tensor([[eps_u[0, 0], eps_u[0, 1], 0], [eps_u[1, 0], eps_u[1, 1], 0], [0, 0, -0.7e-3]])
    for eps_expr in (eps_u, hoop):
        block = pf.sum_positive_principal_squares(eps_expr, block_diagonal=True)
        general = pf.sum_positive_principal_squares(eps_expr, block_diagonal=False)
        for G in _strains(2):
            c.set_strain(G)
            ref = c.evaluate(block)[0]
            # 1e-10 relative: see test_split_matches_eigendecomposition
            assert abs(c.evaluate(general)[0] - ref) <= 1e-10 * max(ref, 1e-12)


def test_scalar_blocks():
    """g(d), w(d), c_w, and the closed-form homogeneous strengths."""
    assert pf.degradation(0.0, 1e-6) == pytest.approx(1 + 1e-6)
    assert pf.degradation(1.0, 1e-6) == pytest.approx(1e-6)
    assert pf.normalisation("AT2") == 2.0 and pf.normalisation("AT1") == pytest.approx(8 / 3)
    # c_w = 4 ∫₀¹ √w: numerical quadrature of the definition
    s = np.linspace(0, 1, 200001)
    for model in pf.MODELS:
        w = s**2 if model == "AT2" else s
        assert 4 * np.trapezoid(np.sqrt(w), s) == pytest.approx(pf.normalisation(model), rel=1e-6)
    # AT2 strength: max over d of (1−d)² √(2ψ E) with d = ψ/(ψ + G_c/2ℓ) → at d = 1/4
    Ep, Gc, ell = 2.8e11, 2700.0, 1.5e-5
    psi = np.linspace(1, 1e9, 2_000_001)
    d = psi / (psi + Gc / (2 * ell))
    sigma = (1 - d) ** 2 * np.sqrt(2 * psi * Ep)
    assert pf.elastic_threshold(Ep, Gc, ell, "AT2") == pytest.approx(sigma.max(), rel=1e-6)
    assert pf.elastic_threshold(Ep, Gc, ell, "AT1") == pytest.approx(math.sqrt(3 * Ep * Gc / (8 * ell)))
    with pytest.raises(ValueError, match="allowed: none, volumetric_deviatoric, spectral"):
        pf.split_energy(ufl.Identity(3), E, NU, "miehe")
    with pytest.raises(ValueError, match="allowed: AT1, AT2"):
        pf.crack_density_function(0.5, "AT3")
