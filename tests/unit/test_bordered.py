"""Bordered systems (battchem.bordered): a block system whose Dirichlet value λ is unknown, fixed by
a scalar equation G(x) = G*.

Field u on the unit square: −∇·(k(u)∇u) = 0, k = 1 + u², u = λ on x = 0, u = 0 on x = 1, insulated
elsewhere; field v: −Δv = u, v = 0 on x = 0 and x = 1 (a second block, coupled one way). Closure:
the flux G = −∫ k(u) ∂u/∂x dx = G*. With the Kirchhoff transform K(u) = u + u³/3 the exact solution
is K(u) = K(λ)(1 − x), so G = K(λ) and λ solves λ + λ³/3 = G*. For the discrete solution too,
G = −∫ ∂K(u_h)/∂x dx = K(u_h(0)) − K(u_h(1)) = K(λ) (divergence theorem, exact quadrature of the
polynomial integrand): λ is exact up to the Newton tolerance on any mesh.
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI
from petsc4py import PETSc
from scipy.optimize import brentq

from battchem.blocks import BlockSolver, Field, reaction_diffusion_potential
from battchem.bordered import BorderedSolver
from battchem.config import SolverConfig

pytestmark = pytest.mark.mpi


def build(comm, target: float, settings: SolverConfig, layout: str = "blocks"):
    msh = mesh.create_unit_square(comm, 12, 4)
    Vu, Vv = (fem.functionspace(msh, ("Lagrange", 1)) for _ in range(2))
    u, v = fem.Function(Vu, name="u"), fem.Function(Vv, name="v")
    p, q = ufl.TestFunction(Vu), ufl.TestFunction(Vv)
    dx = ufl.dx(metadata={"quadrature_degree": 4})
    k = 1 + u**2
    Fu = k * ufl.inner(ufl.grad(u), ufl.grad(p)) * dx
    Fv = (ufl.inner(ufl.grad(v), ufl.grad(q)) - u * q) * dx
    left = mesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 0.0))
    right = mesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 1.0))
    lam = fem.Constant(msh, PETSc.ScalarType(0.0))
    bc_lam = fem.dirichletbc(lam, fem.locate_dofs_topological(Vu, 1, left), Vu)
    bcs = [bc_lam, fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_topological(Vu, 1, right), Vu)]
    bcs += [fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_topological(Vv, 1, facets), Vv)
            for facets in (left, right)]
    options = reaction_diffusion_potential(2 * Vu.dofmap.index_map.size_global, settings, ("u", "v"))
    options.update({"snes_rtol": 1e-12, "snes_atol": 1e-13, "ksp_rtol": 1e-12})
    make = BlockSolver.as_mixed if layout == "mixed" else BlockSolver
    inner = make([Field("u", u, Fu), Field("v", v, Fv)], bcs, prefix=f"bordered_test_{layout}_", options=options)
    G = -k * u.dx(0) * ufl.dx(metadata={"quadrature_degree": 4})
    solver = BorderedSolver(inner, "u", bc_lam, lam, G, target, scale=1.0, prefix="bordered_test_outer_")
    return solver, u, v, lam


@pytest.mark.parametrize("layout", ["blocks", "mixed"])
@pytest.mark.parametrize("linear_solver", ["direct", "iterative"])
def test_flux_controlled_dirichlet_value(linear_solver, layout):
    target = 2.0
    exact = brentq(lambda s: s + s**3 / 3 - target, 0.0, 2.0, xtol=1e-15)
    solver, u, v, lam = build(MPI.COMM_WORLD, target, SolverConfig(linear_solver=linear_solver), layout)
    report = solver.solve()
    assert report.converged, report.reason
    # Newton on an exact Jacobian from λ = 0, u = 0: quadratic convergence (measured 6 iterations)
    assert report.iterations <= 8, report.scaled
    # rtol 1e-12 on O(1) residuals: λ and the flux to 1e-10
    assert float(lam.value) == pytest.approx(exact, abs=1e-10)
    assert report.residuals["constraint"][-1] < 1e-10
    x = u.function_space.tabulate_dof_coordinates()[:, 0]
    K = u.x.array + u.x.array**3 / 3
    error = np.abs(K - (exact + exact**3 / 3) * (1 - x)).max()
    assert error < 2e-3, error  # P1 on triangles, h = 1/12: O(h²) (measured 1.25e-3 of K ≤ 2.0)
    # a new target reuses everything and lands on the new root
    solver.set_target(0.5)
    assert solver.solve().converged
    root = brentq(lambda s: s + s**3 / 3 - 0.5, 0, 1, xtol=1e-15)
    assert float(lam.value) == pytest.approx(root, abs=1e-10)
    solver.destroy()
