"""battchem.blocks.MixedLayout / BlockSolver.as_mixed: the block system assembled as one mixed form.

A scalar c and a vector u (P1) on the unit square, coupled both ways and nonlinear:

    F_c = ∫ (1 + c²) ∇c·∇q + c q − 10 q dx          (c = 0 on x = 0),
    F_u = ∫ σ(u) : ε(v) dx,  σ = λ tr(ε − ε*) I + 2μ (ε − ε*),  ε* = (c/(1 + |u|²)) I
                                                     (u = 0 on x = 0, u_y = 0 on y = 0).

The layouts are the same system in another dof order: the same Newton iterates (same iteration
count) and the same solution to the Newton tolerance, with MUMPS and with a field split (GAMG on u
with rigid-body modes given in u's own numbering and permuted by as_mixed).
"""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI
from petsc4py import PETSc

from battchem.blocks import BlockSolver, Field, MixedLayout
from battchem.config import SolverConfig
from battchem.solvers import rigid_body_modes

pytestmark = pytest.mark.mpi


def system(msh):
    Vc = fem.functionspace(msh, ("Lagrange", 1))
    Vu = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    c, u = fem.Function(Vc, name="c"), fem.Function(Vu, name="u")
    q, v = ufl.TestFunction(Vc), ufl.TestFunction(Vu)
    F_c = ((1 + c**2) * ufl.inner(ufl.grad(c), ufl.grad(q)) + c * q - 10 * q) * ufl.dx
    eps = ufl.sym(ufl.grad(u)) - c / (1 + ufl.inner(u, u)) * ufl.Identity(2)
    sigma = 1.0 * ufl.tr(eps) * ufl.Identity(2) + 2 * 0.8 * eps
    F_u = ufl.inner(sigma, ufl.sym(ufl.grad(v))) * ufl.dx
    left = mesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 0.0))
    bottom = mesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[1], 0.0))
    bcs = [fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_topological(Vc, 1, left), Vc),
           fem.dirichletbc(np.zeros(2), fem.locate_dofs_topological(Vu, 1, left), Vu),
           fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_topological(Vu.sub(1), 1, bottom), Vu.sub(1))]
    return [Field("c", c, F_c), Field("u", u, F_u)], bcs


def options(settings: SolverConfig) -> dict:
    base = {"snes_rtol": 1e-11, "snes_atol": 1e-50}
    if settings.linear_solver == "direct":
        return {**base, "ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    return {**base, "ksp_type": "gmres", "ksp_rtol": 1e-12, "ksp_max_it": 500, "pc_type": "fieldsplit",
            "pc_fieldsplit_type": "multiplicative", "fieldsplit_c_ksp_type": "preonly",
            "fieldsplit_c_pc_type": "gamg", "fieldsplit_u_ksp_type": "preonly", "fieldsplit_u_pc_type": "gamg"}


def all_ranks_max(values, comm=MPI.COMM_WORLD):
    return comm.allreduce(float(np.abs(values).max()) if len(values) else 0.0, op=MPI.MAX)


@pytest.mark.parametrize("linear_solver", ["direct", "iterative"])
def test_mixed_layout_solves_the_block_system(linear_solver):
    settings = SolverConfig(linear_solver=linear_solver)
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 12, 10)
    results = {}
    for layout in ("blocks", "mixed"):
        fields, bcs = system(msh)
        near = {"u": rigid_body_modes(fields[1].u.function_space)}
        make = BlockSolver.as_mixed if layout == "mixed" else BlockSolver
        solver = make(fields, bcs, prefix=f"ml_{layout}_{linear_solver}_", options=options(settings),
                      near_nullspace=near)
        report = solver.solve()
        assert report.converged, (layout, report.reason)
        if linear_solver == "iterative":
            assert solver.field_split and [s.name for s in solver.splits] == ["c", "u"]
        results[layout] = (report, fields[0].u.x.array.copy(), fields[1].u.x.array.copy())
    (rb, cb, ub), (rm, cm, um) = results["blocks"], results["mixed"]
    # Newton with an exact Jacobian from zero: measured 5 iterations in both layouts
    assert rm.iterations == rb.iterations >= 3, (rb.iterations, rm.iterations)
    # snes_rtol 1e-11 on O(1) fields (c up to ~2, u ~0.3): the solutions agree far below it
    assert all_ranks_max(cm - cb) < 1e-9 and all_ranks_max(um - ub) < 1e-9
    assert all_ranks_max(cb) > 1.0 and all_ranks_max(ub) > 0.05  # non-trivial solution
    # the boundary data hold in the fields' own numbering after the mixed solve
    # (to the Krylov tolerance: GMRES leaves ~1e-24 in the constrained rows)
    x = fields[1].u.function_space.tabulate_dof_coordinates()
    assert all_ranks_max(um.reshape(-1, 2)[np.isclose(x[:, 0], 0.0)]) < 1e-14
    assert all_ranks_max(um.reshape(-1, 2)[np.isclose(x[:, 1], 0.0), 1]) < 1e-14


def test_layout_maps_and_conditions():
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 5, 4)
    fields, bcs = system(msh)
    layout = MixedLayout(fields, bcs)
    # the vector condition becomes one per component: 1 + 2 + 1 conditions
    assert len(layout.bcs) == 4
    rng = np.random.default_rng(3)
    for f in fields:
        f.u.x.array[:] = rng.random(f.u.x.array.size)
    expected = [f.u.x.array.copy() for f in fields]
    layout.gather()
    for f in fields:
        f.u.x.array[:] = 0.0
    layout.scatter()
    for f, e in zip(fields, expected, strict=True):
        assert np.array_equal(f.u.x.array, e)
    # every dof of W is reached exactly once by the fields' maps
    all_dofs = np.concatenate(layout.maps)
    assert np.array_equal(np.sort(all_dofs), np.arange(layout.w.x.array.size))
    # the mixed function carries the fields: ∫ c dx and ∫ u_x dx agree in both forms
    c, u = fields[0].u, fields[1].u
    for expr in (c * ufl.dx, u[0] * ufl.dx):
        direct = msh.comm.allreduce(fem.assemble_scalar(fem.form(expr)), op=MPI.SUM)
        mixed = msh.comm.allreduce(fem.assemble_scalar(fem.form(layout.on_mixed(expr))), op=MPI.SUM)
        assert mixed == pytest.approx(direct, rel=1e-14)
