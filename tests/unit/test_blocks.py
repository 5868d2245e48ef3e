"""battchem.blocks: two meshes through entity_maps, per-field scaled convergence, bounds, options."""

import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI
from petsc4py import PETSc

from battchem.blocks import BlockSolver, reaction_diffusion_potential, saddle_point
from battchem.config import SolverConfig

DIRECT, ITERATIVE = SolverConfig(linear_solver="direct"), SolverConfig(linear_solver="iterative")


def all_ranks_max(values, comm=MPI.COMM_WORLD):
    return comm.allreduce(float(np.abs(values).max()) if len(values) else 0.0, op=MPI.MAX)


@pytest.mark.mpi
@pytest.mark.parametrize("settings", [DIRECT, ITERATIVE], ids=["direct", "fieldsplit"])
def test_two_meshes_coupled_through_entity_maps(settings):
    """u on Ω = (0, 1)², c on the submesh Ω_s = (0, ½) × (0, 1) (codim 0), coupled both ways:

        −Δu + u − χ_s (c − c_e) = −Δu_e + u_e   on Ω          (integrated on Ω, c mapped in)
        −∇·((1 + c²)∇c) + c − u = f_c           on Ω_s        (integrated on Ω_s, u mapped in)

    with Dirichlet data u_e on ∂Ω and c_e on ∂Ω_s (interface included). u_e, c_e are quadratic and
    every integrand a polynomial integrated exactly (degree ≤ 7, quadrature 8), so the P2 Galerkin
    solution is the exact one: any error in the cross-mesh blocks shows up directly."""
    comm = MPI.COMM_WORLD
    msh = mesh.create_unit_square(comm, 8, 8)
    tdim = msh.topology.dim
    cells = mesh.locate_entities(msh, tdim, lambda x: x[0] <= 0.5 + 1e-12)
    sub, sub_to_parent, _, _ = mesh.create_submesh(msh, tdim, cells)
    cell_map = msh.topology.index_map(tdim)
    parent_to_sub = np.full(cell_map.size_local + cell_map.num_ghosts, -1, dtype=np.int32)
    parent_to_sub[sub_to_parent] = np.arange(len(sub_to_parent), dtype=np.int32)
    tags = mesh.meshtags(msh, tdim, np.sort(cells), np.full(len(cells), 1, dtype=np.int32))

    def u_exact(x):
        return 1 + x[0] ** 2 + 2 * x[1] ** 2

    def c_exact(x):
        return 1 + x[0] * x[1] + x[1] ** 2

    V, W = fem.functionspace(msh, ("Lagrange", 2)), fem.functionspace(sub, ("Lagrange", 2))
    u, c = fem.Function(V), fem.Function(W)
    v, w = ufl.TestFunction(V), ufl.TestFunction(W)
    x, xs = ufl.SpatialCoordinate(msh), ufl.SpatialCoordinate(sub)
    dx = ufl.Measure("dx", domain=msh, subdomain_data=tags, metadata={"quadrature_degree": 8})
    dxs = ufl.Measure("dx", domain=sub, metadata={"quadrature_degree": 8})
    f_u = -ufl.div(ufl.grad(u_exact(x))) + u_exact(x)
    F_u = (ufl.inner(ufl.grad(u), ufl.grad(v)) + u * v - f_u * v) * dx - (c - c_exact(x)) * v * dx(1)
    k_e = 1 + c_exact(xs) ** 2
    f_c = -ufl.div(k_e * ufl.grad(c_exact(xs))) + c_exact(xs) - u_exact(xs)
    F_c = ((1 + c**2) * ufl.inner(ufl.grad(c), ufl.grad(w)) + c * w - u * w - f_c * w) * dxs

    u_bc, c_bc = fem.Function(V), fem.Function(W)
    u_bc.interpolate(u_exact)
    c_bc.interpolate(c_exact)
    outer = mesh.locate_entities_boundary(msh, 1, lambda y: np.full(y.shape[1], True))
    sub.topology.create_connectivity(1, 2)
    sub_boundary = mesh.exterior_facet_indices(sub.topology)
    bcs = [fem.dirichletbc(u_bc, fem.locate_dofs_topological(V, 1, outer)),
           fem.dirichletbc(c_bc, fem.locate_dofs_topological(W, 1, sub_boundary))]
    tag = "d" if settings is DIRECT else "i"
    solver = BlockSolver([("u", u, F_u), ("c", c, F_c)], bcs, prefix=f"two_mesh_{tag}_",
                         entity_maps={sub: parent_to_sub, msh: sub_to_parent},
                         options={**reaction_diffusion_potential(0, settings, ("u", "c")),
                                  "snes_rtol": 1e-12})
    report = solver.solve()
    assert report.converged, report.reason
    assert solver.field_split == (settings is ITERATIVE)
    # measured 2e-15: the solution is exact up to the Newton tolerance (1e-12 relative) times the
    # conditioning of an 8×8 P2 problem (~1e2)
    assert all_ranks_max(u.x.array - u_bc.x.array) < 1e-10
    assert all_ranks_max(c.x.array - c_bc.x.array) < 1e-10
    # u's equation is affine: after the first Newton step its residual is that of the linear solve
    # (round-off with MUMPS, 1.3e-10 with GMRES at rtol 1e-9 in the preconditioned norm), while the
    # nonlinear c equation needs several steps (6 measured): the report keeps them apart
    assert report.scaled["u"][1] < 1e-8 and report.scaled["c"][1] > 1e-3 and report.iterations >= 4


def reaction_potential(scale, settings, prefix, *, msh=None, options=None, **kwargs):
    """c: −Δc + c³ = 10 (nonlinear); φ: S(−Δφ + φ − c) = S (affine), homogeneous Dirichlet data,
    unit square 16×16, P1. S is the physical scale of the potential equation. Krylov solves are
    tight (rtol 1e-12) so that Newton's progress, not the linear solver, sets the residuals.
    ``kwargs`` go to BlockSolver, a ``jacobian`` as {key: callable(c, dc, w) -> form}."""
    msh = msh or mesh.create_unit_square(MPI.COMM_WORLD, 16, 16)
    V = fem.functionspace(msh, ("Lagrange", 1))
    c, phi = fem.Function(V), fem.Function(V)
    w, psi = ufl.TestFunction(V), ufl.TestFunction(V)
    F_c = (ufl.inner(ufl.grad(c), ufl.grad(w)) + c**3 * w - 10 * w) * ufl.dx
    F_phi = scale * (ufl.inner(ufl.grad(phi), ufl.grad(psi)) + (phi - c) * psi - psi) * ufl.dx
    facets = mesh.locate_entities_boundary(msh, 1, lambda y: np.full(y.shape[1], True))
    dofs = fem.locate_dofs_topological(V, 1, facets)
    bcs = [fem.dirichletbc(PETSc.ScalarType(0), dofs, V)]  # V is shared: one BC constrains both
    if "jacobian" in kwargs:
        dc = ufl.TrialFunction(V)
        kwargs["jacobian"] = {key: form(c, dc, w) for key, form in kwargs["jacobian"].items()}
    opts = {**reaction_diffusion_potential(0, settings, ("c", "phi")), "snes_rtol": 1e-9, "snes_atol": 1e-50,
            **({"ksp_rtol": 1e-12} if settings is ITERATIVE else {}), **(options or {})}
    solver = BlockSolver([("c", c, F_c), ("phi", phi, F_phi)], bcs, prefix=prefix, options=opts, **kwargs)
    return solver, solver.solve(), (c, phi)


@pytest.mark.mpi
@pytest.mark.parametrize("settings", [DIRECT, ITERATIVE], ids=["direct", "fieldsplit"])
def test_scaled_residuals_make_convergence_independent_of_units(settings):
    tag = "d" if settings is DIRECT else "i"
    msh = mesh.create_unit_square(MPI.COMM_WORLD, 16, 16)  # one partition for both runs
    _, unit, (c1, phi1) = reaction_potential(1.0, settings, f"rp_unit_{tag}_", msh=msh)
    _, big, (c2, phi2) = reaction_potential(1e10, settings, f"rp_big_{tag}_", msh=msh)
    assert unit.converged and big.converged
    assert big.iterations == unit.iterations >= 3, (unit.iterations, big.iterations)
    for report in (unit, big):
        worst = np.max(list(report.scaled.values()), axis=0)
        assert np.all(np.diff(worst) < 0), worst  # the largest scaled residual falls at every step
        assert max(s[-1] for s in report.scaled.values()) <= 1e-9
        assert report.scales["phi"] == pytest.approx(report.residuals["phi"][0])
    assert big.scales["phi"] == pytest.approx(1e10 * unit.scales["phi"], rel=1e-12)
    # the same iterates: with S = 1e10 the Newton steps are those of S = 1 (row scaling leaves them
    # unchanged; 1e-8 leaves room for Krylov solves stopped at rtol 1e-9 in a different norm)
    assert all_ranks_max(c2.x.array - c1.x.array) < 1e-8 and all_ranks_max(phi2.x.array - phi1.x.array) < 1e-8
    # the test has teeth: a test on the unscaled norm, ‖F‖ ≤ 1e-9 ‖F⁰‖, is met after the first
    # step (measured 1.5e-11: F_φ, affine, is then zero and its 1e10-sized initial norm dwarfs F_c),
    # when c is still far from converged (3 steps in all, 1.5e-2 after the first)
    total = np.sqrt(np.sum(np.square(list(big.residuals.values())), axis=0))
    assert total[1] / total[0] < 1e-9 and big.scaled["c"][1] > 1e-3


def test_given_scales_and_monitor(capfd):
    """Scales given in the units of each residual are used as they are; the monitor (argument or
    option) prints one line per iterate with every field's scaled norm."""
    scales = {"c": 2.0, "phi": 4e10}
    solver, report, _ = reaction_potential(1e10, DIRECT, "rp_monitor_", monitor=True, scales=scales)
    assert report.converged and report.scales == scales
    assert report.scaled["phi"][0] == pytest.approx(report.residuals["phi"][0] / 4e10)
    lines = [ln for ln in capfd.readouterr().out.splitlines() if ln.startswith("rp_monitor_")]
    assert len(lines) == report.iterations + 1 and "phi" in lines[-1]
    _, report, _ = reaction_potential(1.0, DIRECT, "rp_option_", options={"snes_monitor_blocks": None})
    lines = [ln for ln in capfd.readouterr().out.splitlines() if ln.startswith("rp_option_")]
    assert len(lines) == report.iterations + 1
    with pytest.raises(ValueError, match="unknown fields"):
        BlockSolver(solver.fields, prefix="rp_bad_", scales={"psi": 1.0})


def test_jacobian_block_override():
    """A Picard block ∫ ∇δc·∇w + c² δc w in place of ∂F_c/∂c (∫ ∇δc·∇w + 3c² δc w) is used:
    the iteration still converges, but linearly: 6 steps against Newton's 3."""
    _, newton, (c_newton, _) = reaction_potential(1.0, DIRECT, "rp_newton_")
    picard = {("c", "c"): lambda c, dc, w: (ufl.inner(ufl.grad(dc), ufl.grad(w)) + c**2 * dc * w) * ufl.dx}
    _, report, (c, _) = reaction_potential(1.0, DIRECT, "rp_picard_", jacobian=picard,
                                           options={"snes_max_it": 100})
    assert newton.converged and report.converged and report.iterations >= newton.iterations + 2
    # both stopped at scaled residual 1e-9 on a problem with an O(1) inverse Jacobian
    assert np.abs(c.x.array - c_newton.x.array).max() < 1e-8


@pytest.mark.mpi
def test_bounded_field_in_a_block_system():
    """min ∫ ½|u′|² + 10 u on (0, 1), u(0) = u(1) = 0, u ≥ −0.1 (contact on [a, 1 − a], a = √0.02,
    u = 5x² − 10 a x before it), coupled one way to an unbounded field −φ″ = u, φ(0) = φ(1) = 0."""
    msh = mesh.create_interval(MPI.COMM_WORLD, 200, [0.0, 1.0])
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, phi, v, psi = fem.Function(V), fem.Function(V), ufl.TestFunction(V), ufl.TestFunction(V)
    F_u = (ufl.inner(ufl.grad(u), ufl.grad(v)) + 10.0 * v) * ufl.dx
    F_phi = (ufl.inner(ufl.grad(phi), ufl.grad(psi)) - u * psi) * ufl.dx
    ends = mesh.locate_entities_boundary(msh, 0, lambda x: np.isclose(x[0], 0) | np.isclose(x[0], 1))
    bc = fem.dirichletbc(PETSc.ScalarType(0), fem.locate_dofs_topological(V, 0, ends), V)
    lower, upper = fem.Function(V), fem.Function(V)
    lower.x.array[:] = -0.1
    upper.x.array[:] = 1e3
    solver = BlockSolver([("u", u, F_u), ("phi", phi, F_phi)], [bc], prefix="block_vi_",
                         bounds={"u": (lower, upper)}, options={**reaction_diffusion_potential(0, DIRECT),
                                                                 "snes_rtol": 1e-10})
    report = solver.solve()
    assert report.converged, report.reason
    x = V.tabulate_dof_coordinates()[:, 0]
    a = np.sqrt(0.02)
    exact = np.where((x > a) & (x < 1 - a), -0.1, np.where(x <= a, 5 * x**2 - 10 * a * x,
                                                             5 * (1 - x) ** 2 - 10 * a * (1 - x)))
    assert u.x.array.min() >= -0.1 - 1e-12
    # P1 approximation of a C¹ contact solution: error O(h²) = O(2.5e-5)
    assert all_ranks_max(u.x.array - exact) < 1e-4
    # φ is unconstrained: −φ″ = u ≤ 0 with zero ends gives φ ≤ 0, its residual converged
    assert MPI.COMM_WORLD.allreduce(phi.x.array.max(), op=MPI.MAX) <= 1e-12
    assert report.scaled["phi"][-1] <= 1e-10


def test_linear_block_reuses_its_matrix_until_the_key_changes():
    msh = mesh.create_unit_square(MPI.COMM_SELF, 6, 6)
    V = fem.functionspace(msh, ("Lagrange", 1))
    a, b = fem.Function(V), fem.Function(V)
    va, vb = ufl.TestFunction(V), ufl.TestFunction(V)
    k = fem.Constant(msh, PETSc.ScalarType(1.0))
    # natural BCs: a = b = 1 solves −∇·(k∇a) + 2a − b = 1 and −Δb + 2b − a = 1
    F_a = (k * ufl.inner(ufl.grad(a), ufl.grad(va)) + (2 * a - b - 1) * va) * ufl.dx
    F_b = (ufl.inner(ufl.grad(b), ufl.grad(vb)) + (2 * b - a - 1) * vb) * ufl.dx
    solver = BlockSolver([("a", a, F_a), ("b", b, F_b)], prefix="block_reuse_", linear=True,
                         jacobian_key=lambda: float(k.value), options=reaction_diffusion_potential(0, DIRECT))
    reports = [solver.solve() for _ in range(3)]
    assert all(r.converged and r.iterations == 1 for r in reports)
    assert solver.jacobian_assemblies == 1
    assert np.allclose(a.x.array, 1.0) and np.allclose(b.x.array, 1.0)
    # a linear report holds F(x⁰) and F(x¹), scaled by F(x⁰): after a direct solve from zero the
    # residual is round-off (1e-12 leaves 4 orders above the measured ~1e-16)
    assert all(len(s) == 2 and s[-1] < 1e-12 for s in reports[0].scaled.values())
    k.value = 2.0
    assert solver.solve().converged
    assert solver.jacobian_assemblies == 2


def test_default_options_switch_from_mumps_to_field_splits():
    auto = SolverConfig()  # MUMPS up to direct_max_dofs unknowns
    small = saddle_point(1000, auto, nullspace=True)
    assert small["pc_factor_mat_solver_type"] == "mumps" and small["mat_mumps_icntl_24"] == 1
    large = saddle_point(10**6, auto, velocity="v", pressure="q", factorization="full")
    assert large["pc_fieldsplit_type"] == "schur" and large["pc_fieldsplit_schur_fact_type"] == "full"
    assert large["fieldsplit_v_pc_type"] == "gamg" and large["pc_fieldsplit_schur_precondition"] == "a11"
    rdp = reaction_diffusion_potential(10**6, auto, ("c", "phi"), composition="additive")
    assert rdp["pc_fieldsplit_type"] == "additive" and rdp["fieldsplit_phi_pc_type"] == "hypre"
    assert reaction_diffusion_potential(1000, auto)["pc_type"] == "lu"
