"""Taylor–Hood flow through battchem.blocks: Stokes and power-law flow with a manufactured solution.

    −∇·(2μ ε(u)) + ∇p = f,   ∇·u = 0   in Ω = (0, 1)²,   u = u_e on ∂Ω,

weak form F_u = ∫ 2μ ε(u):ε(v) − p ∇·v − f·v dx, F_p = −∫ q ∇·u dx (symmetric saddle point), with
μ = 1 (Stokes) or the regularised power law μ = μ₀ (ε_II² + δ²)^((n−1)/2), ε_II² = ½ ε(u):ε(u).
Manufactured solution u_e = (sin πx cos πy, −cos πx sin πy) (divergence free, u_e·n = 0 on ∂Ω),
p_e = cos πx cos πy (zero mean). The pressure is defined up to a constant: the constant pressure is
declared as the Jacobian's nullspace (not a point pin), consistent because u_h·n = 0 at every
boundary node, so ∫ ∇·u_h = 0; pressures are compared after removing their means.

P2–P1 elements: velocity L2 error O(h³), H1 O(h²), pressure L2 O(h²). Solver: the ``saddle_point``
defaults (GMRES, lower Schur factorisation, GAMG with rigid-body modes on the velocity, pressure
mass matrix weighted by 1/μ at the current iterate for the Schur complement).
"""

import time

import basix.ufl
import numpy as np
import pytest
import ufl
from dolfinx import fem, mesh
from mpi4py import MPI

from battchem.blocks import BlockSolver, pressure_mass_schur, saddle_point
from battchem.config import SolverConfig
from battchem.evaluation import integral
from battchem.solvers import rigid_body_modes

ITERATIVE = SolverConfig(linear_solver="iterative", rtol=1e-10)
MU0, DELTA = 1.0, 0.5


def exact(x):
    u = ufl.as_vector([ufl.sin(np.pi * x[0]) * ufl.cos(np.pi * x[1]),
                       -ufl.cos(np.pi * x[0]) * ufl.sin(np.pi * x[1])])
    p = ufl.cos(np.pi * x[0]) * ufl.cos(np.pi * x[1])
    return u, p


def viscosity(u, n_power):
    """μ = μ₀ (ε_II² + δ²)^((n−1)/2), ε_II² = ½ ε(u):ε(u); μ = μ₀ for n = 1."""
    if n_power == 1:
        return MU0
    eps = ufl.sym(ufl.grad(u))
    return MU0 * (0.5 * ufl.inner(eps, eps) + DELTA**2) ** ((n_power - 1) / 2)


def flow_residual(u, p, v, q, f, n_power):
    """F_u + F_p = ∫ 2μ(u) ε(u):ε(v) − p ∇·v − f·v − q ∇·u dx, as (F_u, F_p)."""
    mu = viscosity(u, n_power)
    dxf = ufl.dx(metadata={"quadrature_degree": 8})  # f is not polynomial
    F_u = (2 * mu * ufl.inner(ufl.sym(ufl.grad(u)), ufl.sym(ufl.grad(v))) - p * ufl.div(v)) * ufl.dx \
        - ufl.inner(f, v) * dxf
    return F_u, -q * ufl.div(u) * ufl.dx


def forcing(msh, n_power):
    x = ufl.SpatialCoordinate(msh)
    u_e, p_e = exact(x)
    return -ufl.div(2 * viscosity(u_e, n_power) * ufl.sym(ufl.grad(u_e))) + ufl.grad(p_e)


def boundary_dofs(V, msh):
    facets = mesh.locate_entities_boundary(msh, 1, lambda y: np.full(y.shape[1], True))
    return fem.locate_dofs_topological(V, 1, facets)


def errors(u, p, msh):
    comm = msh.comm
    u_e, p_e = exact(ufl.SpatialCoordinate(msh))
    dxe = ufl.dx(metadata={"quadrature_degree": 8})
    p_mean = integral(p * ufl.dx, comm)  # |Ω| = 1
    return {"u_L2": np.sqrt(integral(ufl.inner(u - u_e, u - u_e) * dxe, comm)),
            "u_H1": np.sqrt(integral(ufl.inner(ufl.grad(u - u_e), ufl.grad(u - u_e)) * dxe, comm)),
            "p_L2": np.sqrt(integral((p - p_mean - p_e) ** 2 * dxe, comm))}


def solve_flow(N, n_power, *, settings=ITERATIVE, comm=MPI.COMM_WORLD, prefix="flow_", options=None,
               pin=False):
    """Taylor–Hood solve on an N×N unit square with two blocks (u, p); the pressure constant is a
    nullspace, or with ``pin`` a Dirichlet value at the origin. Returns (errors, report, unknowns,
    solver)."""
    msh = mesh.create_unit_square(comm, N, N)
    V = fem.functionspace(msh, ("Lagrange", 2, (2,)))
    Q = fem.functionspace(msh, ("Lagrange", 1))
    u_e, p_e = exact(ufl.SpatialCoordinate(msh))
    u, p = fem.Function(V, name="u"), fem.Function(Q, name="p")
    q = ufl.TestFunction(Q)
    F_u, F_p = flow_residual(u, p, ufl.TestFunction(V), q, forcing(msh, n_power), n_power)

    u_bc = fem.Function(V)
    u_bc.interpolate(fem.Expression(u_e, V.element.interpolation_points()))
    bcs = [fem.dirichletbc(u_bc, boundary_dofs(V, msh))]
    if pin:  # p(0, 0) = p_e(0, 0) = 1
        origin = fem.locate_dofs_geometrical(Q, lambda y: np.isclose(y[0], 0) & np.isclose(y[1], 0))
        bcs.append(fem.dirichletbc(1.0, origin, Q))

    unknowns = V.dofmap.index_map.size_global * 2 + Q.dofmap.index_map.size_global
    solver = BlockSolver([("u", u, F_u), ("p", p, F_p)], bcs, prefix=prefix, linear=n_power == 1,
                         options={**saddle_point(unknowns, settings, nullspace=not pin),
                                  "snes_rtol": 1e-10, "snes_atol": 1e-14, **(options or {})},
                         preconditioner={("p", "p"): pressure_mass_schur(ufl.TrialFunction(Q), q,
                                                                         viscosity(u, n_power))},
                         near_nullspace={"u": rigid_body_modes(V)}, nullspace=[] if pin else ["p"])
    report = solver.solve()
    return errors(u, p, msh), report, unknowns, solver


def solve_flow_mixed(N, n_power, *, settings=ITERATIVE, comm=MPI.COMM_WORLD, prefix="flow_mixed_"):
    """The same flow with one Function on the mixed space P2×P1, split by its sub-spaces."""
    msh = mesh.create_unit_square(comm, N, N)
    P2 = basix.ufl.element("Lagrange", msh.basix_cell(), 2, shape=(2,))
    P1 = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
    W = fem.functionspace(msh, basix.ufl.mixed_element([P2, P1]))
    w = fem.Function(W)
    u, p = ufl.split(w)
    v, q = ufl.TestFunctions(W)
    _, dp = ufl.TrialFunctions(W)
    F_u, F_p = flow_residual(u, p, v, q, forcing(msh, n_power), n_power)
    F = F_u + F_p

    V, _ = W.sub(0).collapse()
    u_bc = fem.Function(V)
    u_bc.interpolate(fem.Expression(exact(ufl.SpatialCoordinate(msh))[0], V.element.interpolation_points()))
    facets = mesh.locate_entities_boundary(msh, 1, lambda y: np.full(y.shape[1], True))
    dofs = fem.locate_dofs_topological((W.sub(0), V), 1, facets)
    bcs = [fem.dirichletbc(u_bc, dofs, W.sub(0))]

    unknowns = W.dofmap.index_map.size_global
    P = ufl.derivative(F, w) + pressure_mass_schur(dp, q, viscosity(u, n_power))
    solver = BlockSolver.mixed(F, w, ["u", "p"], bcs, prefix=prefix, linear=n_power == 1,
                               options={**saddle_point(unknowns, settings, nullspace=True),
                                        "snes_rtol": 1e-10, "snes_atol": 1e-14},
                               preconditioner=P, near_nullspace={"u": rigid_body_modes(V)}, nullspace=["p"])
    report = solver.solve()
    return errors(w.sub(0), w.sub(1), msh), report, unknowns, solver


def velocity_split_near_nullspace(solver):
    """Number of near-nullspace vectors on the velocity split's preconditioner matrix."""
    ksp_u = solver.snes.getKSP().getPC().getFieldSplitSubKSP()[0]
    nsp = ksp_u.getOperators()[1].getNearNullSpace()
    return len(nsp.getVecs()) if nsp.handle else 0


def rates(errors, sizes):
    return np.diff(np.log(errors)) / np.diff(np.log(1.0 / np.asarray(sizes, dtype=float)))


@pytest.mark.mpi
@pytest.mark.parametrize("n_power", [1, 0.5])
def test_taylor_hood_orders(n_power):
    sizes = [8, 16, 32]
    runs = [solve_flow(N, n_power, prefix=f"th_order_{N}_") for N in sizes]
    for _, report, _, solver in runs:
        assert report.converged, report.reason
        assert velocity_split_near_nullspace(solver) == 3  # rigid-body modes reach GAMG
    for key, order in (("u_L2", 3), ("u_H1", 2), ("p_L2", 2)):
        errs = [r[0][key] for r in runs]
        observed = rates(errs, sizes)
        # asymptotic orders 3 / 2 / 2 for P2–P1; 0.1–0.2 of an order is left for the coarse meshes
        assert observed[-1] > order - (0.2 if key == "u_L2" else 0.1), (key, errs, observed)


@pytest.mark.mpi
def test_mixed_space_split_by_sub_spaces_matches_blocks():
    """One Function on P2×P1 split by V.sub(i).collapse() gives the block solution."""
    e_block, r_block, n_block, _ = solve_flow(16, 0.5, prefix="cmp_block_")
    e_mixed, r_mixed, n_mixed, solver = solve_flow_mixed(16, 0.5, prefix="cmp_mixed_")
    assert r_mixed.converged and n_mixed == n_block and r_mixed.iterations == r_block.iterations
    sizes = [s.iset.getSizes()[1] for s in solver.splits]
    assert sizes == [2 * 33**2, 17**2] and velocity_split_near_nullspace(solver) == 3
    # both solved to Krylov rtol 1e-10 and Newton rtol 1e-10: errors (≥ 1e-4) agree far below that
    for key in e_block:
        assert e_mixed[key] == pytest.approx(e_block[key], rel=1e-7), key


def test_pressure_point_pin_equals_the_nullspace_solution():
    """A pinned pressure dof (a constrained field with no diagonal block: a zero block is added)
    gives the nullspace solution shifted by a constant: the continuity row it replaces is implied
    by the others (∫ ∇·u_h = 0). Direct (MUMPS) and field-split solves."""
    reference, *_ = solve_flow(16, 1, prefix="pin_ref_")
    for settings, tag in ((SolverConfig(linear_solver="direct"), "d"), (ITERATIVE, "i")):
        pinned, report, _, _ = solve_flow(16, 1, settings=settings, pin=True, prefix=f"pin_{tag}_")
        assert report.converged, report.reason
        for key in reference:  # Krylov rtol 1e-10 against errors ≥ 1e-4
            assert pinned[key] == pytest.approx(reference[key], rel=1e-7), (tag, key)


def test_krylov_iterations_flat_over_refinement():
    """Power-law flow (n = 0.5), P refreshed with μ(u) at every Newton step, 1.9e3 → 1.1e5 unknowns:
    GMRES iterations per Newton step stay flat with the saddle-point defaults."""
    settings = SolverConfig(linear_solver="iterative", rtol=1e-8)
    counts, newton, sizes = [], [], []
    for N in (14, 28, 56, 110):
        t0 = time.perf_counter()
        _, report, unknowns, _ = solve_flow(N, 0.5, settings=settings, prefix=f"flat_{N}_")
        assert report.converged, (N, report.reason)
        counts.append(report.linear_iterations)
        newton.append(report.iterations)
        sizes.append(unknowns)
        print(f"N={N} unknowns={unknowns} newton={report.iterations} krylov={report.linear_iterations} "
              f"{time.perf_counter() - t0:.1f} s")
    assert sizes[-1] >= 1e5
    assert max(newton) - min(newton) <= 1  # Newton itself is mesh independent (5 measured)
    flat = np.concatenate(counts)
    # measured 38–43 per step (ratio 1.13); growth like h^(-1/2) would give 2.8 over these meshes
    assert flat.max() / flat.min() <= 1.3, counts
