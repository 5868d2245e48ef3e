"""The phase-field fracture core's machinery (battchem.components.fracture): the spectral split's
branch taken from the coordinate system, the stagger's residual measured against the load, the
hybrid formulation's linear u-problem with its preconditioner kept across solves."""

from types import SimpleNamespace

import numpy as np
import pytest
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc
from ufl.corealg.traversal import unique_pre_traversal

from battchem.components.fracture import (
    _ARREST_FRACTION,
    _ERROR_STALL_SWEEPS,
    _ESCAPE_SWEEPS,
    FractureInput,
    PhaseFieldFracture,
    StaggerOutcome,
    _clip_to_bounds,
    _SafeguardedAcceleration,
)
from battchem.config import SolverConfig
from battchem.physics import phasefield as pf
from battchem.physics.coordinates import CoordinateSystem
from battchem.solvers import SolveReport, StaggeredResult

E, NU, GC, ELL = 210e9, 0.3, 2700.0, 0.1


def square(kind="plane_strain", n=8):
    comm = MPI.COMM_WORLD
    if kind == "cartesian_3d":
        msh = dmesh.create_unit_cube(comm, 2, 2, 2)
    else:
        msh = dmesh.create_unit_square(comm, n, n)
    gdim = msh.geometry.dim
    Vu = fem.functionspace(msh, ("Lagrange", 1, (gdim,)))
    Vd = fem.functionspace(msh, ("Lagrange", 1))
    return msh, Vu, Vd, CoordinateSystem(msh, kind)


def left_clamp(msh, Vu):
    facets = dmesh.locate_entities_boundary(msh, msh.topology.dim - 1, lambda x: np.isclose(x[0], 0.0))
    dofs = fem.locate_dofs_topological(Vu, msh.topology.dim - 1, facets)
    return fem.dirichletbc(np.zeros(msh.geometry.dim, dtype=PETSc.ScalarType), dofs, Vu)


def contains(expr, kind) -> bool:
    return any(isinstance(node, kind) for node in unique_pre_traversal(expr))


@pytest.mark.parametrize("kind", ["plane_strain", "cartesian_3d"])
def test_split_branch_follows_the_coordinate_system(kind):
    """An eigenstrain makes ε_e a sum, whose zero pattern UFL no longer exposes: the branch of the
    spectral split must come from the coordinates. Plane strain takes the 2x2 + ε_33 form (no
    acos, which only the general 3x3 eigenvalue formula uses), 3-D the general one."""
    msh, Vu, Vd, cs = square(kind)
    alpha = fem.Constant(msh, PETSc.ScalarType(1e-3))

    def elastic_strain(u):
        return cs.strain(u) - alpha * ufl.Identity(3)

    assert not pf._is_block_diagonal(elastic_strain(fem.Function(Vu)))  # what the symbolic check sees
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), E, NU,
                              FractureInput(Gc=GC, length_scale=ELL), SolverConfig(), bcs_u=[left_clamp(msh, Vu)],
                              elastic_strain=elastic_strain)
    planar = kind == "plane_strain"
    assert core.block_diagonal is planar
    for expr in (core.stress, core.psi_plus):
        assert contains(expr, ufl.classes.Acos) is not planar


@pytest.mark.mpi
def test_residual_is_measured_against_the_load():
    """Plane strain square clamped on the left with a graded eigenstrain ε* = a x I: the stagger's
    relative residual is ‖R_u‖ on the free rows over ‖f*‖ + ‖reactions‖, with f* = ∫ C:ε* : ε(v)
    (assembled here from its own form) and the reactions R_u on the clamped rows. At the solution
    the undamaged internal force is the residual itself (a traction-free body), so the former
    normalisation by it gave a ratio of order 1 whatever the accuracy."""
    msh, Vu, Vd, cs = square()
    x = ufl.SpatialCoordinate(msh)
    a = 1e-3
    eigen = a * x[0] * ufl.Identity(3)
    bc = left_clamp(msh, Vu)
    # G_c so large that the body stays intact (d ~ ψ ℓ/G_c ~ 1e-8)
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), E, NU,
                              FractureInput(Gc=1e12, length_scale=ELL, split="none"), SolverConfig(stagger_tol=1e-6),
                              bcs_u=[bc], elastic_strain=lambda u: cs.strain(u) - eigen)
    outcome = core.solve()
    assert outcome.converged and core.damage_max() < 1e-6
    # the u-problem is solved to round-off (MUMPS); the residual left is that of the last d-step,
    # which moved d by ~2e-8 where g(d) ≈ 1 − 2d: of that order relative to the load
    assert outcome.residual < 1e-7
    # away from the solution: the definition, with independently assembled parts
    core.u.x.array[:] *= 1.01
    v = ufl.TestFunction(Vu)
    lmbda, mu = E * NU / ((1 + NU) * (1 - 2 * NU)), E / (2 * (1 + NU))
    load = fem.form(ufl.inner(lmbda * ufl.tr(eigen) * ufl.Identity(3) + 2 * mu * eigen, cs.strain(v)) * ufl.dx)
    f_star = fem_petsc.assemble_vector(load)
    f_star.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    r = fem_petsc.assemble_vector(core.u_solver.L)
    r.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    owned = Vu.dofmap.index_map.size_local * Vu.dofmap.index_map_bs
    clamped = bc.dof_indices()[0]
    clamped = clamped[clamped < owned]
    values = r.getArray(readonly=True)
    reactions = np.sqrt(msh.comm.allreduce(float(np.sum(values[clamped] ** 2)), op=MPI.SUM))
    free = values.copy()
    free[clamped] = 0.0  # u already satisfies u = 0 there
    free_norm = np.sqrt(msh.comm.allreduce(float(np.sum(free**2)), op=MPI.SUM))
    expected = free_norm / (f_star.norm() + reactions)
    # 1e-12: the same sums in another order
    assert core.relative_residual() == pytest.approx(expected, rel=1e-12)
    # 1 % too much displacement everywhere leaves about 1 % of the load out of balance
    assert 1e-3 < expected < 1e-1


@pytest.mark.mpi
def test_hybrid_displacement_problem_is_linear_and_keeps_its_preconditioner():
    """Hybrid formulation (Ambati et al. 2015): σ = g(d) C:ε, one Krylov solve per u-step (no Newton
    iterations), and the factorisation is rebuilt only when a solve preconditioned by the old one
    needs more than ``preconditioner_reuse_its`` iterations. A square pulled on its right edge with a
    band of initial damage that grows over the load steps."""
    msh, Vu, Vd, cs = square(n=16)
    facets = dmesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 1.0))
    right = fem.locate_dofs_topological(Vu.sub(0), 1, facets)
    load = fem.Constant(msh, PETSc.ScalarType(0.0))
    bcs = [left_clamp(msh, Vu), fem.dirichletbc(load, right, Vu.sub(0))]
    params = FractureInput(model="AT2", Gc=GC, length_scale=ELL, formulation="hybrid", stagger="plain",
                           preconditioner_reuse_its=5)
    H0 = lambda x: pf.flaw_history(np.abs(x[0] - 0.5), GC, ELL, 10.0)  # noqa: E731
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), E, NU, params,
                              SolverConfig(linear_solver="direct", stagger_tol=1e-6, stagger_max_it=200),
                              bcs_u=bcs, initial_history=H0)
    assert core.u_solver.linear and core.u_solver.options["ksp_type"] == "cg"
    # the stress of the u-problem is g(d) ∂ψ/∂ε: at d = 1/2 a quarter of the elastic stress
    core.d.x.array[:] = 0.5
    strain = np.array([[1e-3, 2e-4], [2e-4, -5e-4]])
    core.u.interpolate(lambda x: strain @ x[:2])
    probe = fem.form(ufl.inner(core.stress, ufl.Identity(3)) * ufl.dx)
    lmbda, mu = E * NU / ((1 + NU) * (1 - 2 * NU)), E / (2 * (1 + NU))
    trace = (0.25 + params.k_res) * (3 * lmbda + 2 * mu) * np.trace(strain)
    assert msh.comm.allreduce(fem.assemble_scalar(probe), op=MPI.SUM) == pytest.approx(trace, rel=1e-12)
    core.d.x.array[:] = 0.0
    core.u.x.array[:] = 0.0
    assert core.initialise_damage().converged
    solves = []
    for step in range(1, 6):
        load.value = 2e-4 * step
        outcome = core.solve()
        assert outcome.converged, outcome.result.report.reason
        core.accept()
        solves.append(outcome.result.iterations)
    stats = core.u_solver.stats
    assert stats.iterations == stats.solves  # one linear solve each
    # every sweep reassembles the operator (d changed); the factorisation is rebuilt far less often
    assert 1 <= core.u_solver.preconditioner_builds < stats.solves / 2
    assert core.damage_max() > 0.5  # the band did grow


def test_stagger_statistics_and_columns():
    """The staggered loops are counted per step (the 'stagger' entry of the manifest) and the
    convergence measures of the last one are reported as series columns."""
    msh, Vu, Vd, cs = square(n=4)
    load = fem.Constant(msh, PETSc.ScalarType(1e-5))
    facets = dmesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 1.0))
    bcs = [left_clamp(msh, Vu), fem.dirichletbc(load, fem.locate_dofs_topological(Vu.sub(0), 1, facets), Vu.sub(0))]
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), E, NU,
                              FractureInput(Gc=GC, length_scale=ELL), SolverConfig(stagger_tol=1e-8), bcs_u=bcs)
    assert [name for name, _ in core.stagger_columns()] == ["stagger_residual", "stagger_damage_change"]
    assert all(np.isnan(v) for v in core.stagger_quantities().values())  # no solve yet
    outcome = core.solve()
    q = core.stagger_quantities()
    assert outcome.converged and q["stagger_residual"] <= 1e-8 and q["stagger_damage_change"] <= 1e-8
    stats = core.solver_statistics()["stagger"]
    assert stats.solves == 1 and stats.iterations == outcome.result.iterations >= 2


@pytest.mark.mpi
def test_fracture_energy_integrates_the_local_toughness():
    """The diffuse crack d = exp(−|y|/ℓ) across a strip (0, W) × (−L, L) (AT2) has the crack measure
    Γ_ℓ = ∫ (d²/ℓ + ℓ|∇d|²)/2 = W (1 − e^(−2L/ℓ)) exactly; with G_c = G₁ for x < W/2 and G₂ beyond,
    the fracture energy is (G₁ + G₂)/2 × Γ_ℓ, not G_c × Γ_ℓ for either. Interpolated on P1 with
    h = ℓ/16 across the crack (nodes on y = 0, where d has its kink): Γ_ℓ within 0.1 % (measured
    1.6e-4, the O(h²) interpolation error); the two integrals must agree with each other to
    round-off, which only a G_c taken cell by cell gives."""
    comm = MPI.COMM_WORLD
    ell, width, half = 0.1, 1.0, 0.8
    msh = dmesh.create_rectangle(comm, [[0.0, -half], [width, half]], [8, int(2 * half / (ell / 16))])
    Vu = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    Vd = fem.functionspace(msh, ("Lagrange", 1))
    cs = CoordinateSystem(msh, "plane_strain")
    Q = fem.functionspace(msh, ("DG", 0))
    G1, G2 = 1000.0, 3000.0
    Gc = fem.Function(Q)
    Gc.interpolate(lambda x: np.where(x[0] < width / 2, G1, G2))
    dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 4})
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, dx, E, NU, FractureInput(Gc=G1, length_scale=ell),
                              SolverConfig(), Gc=Gc)
    core.d.interpolate(lambda x: np.exp(-np.abs(x[1]) / ell))
    exact = width * (1 - np.exp(-2 * half / ell))
    assert core.crack_measure() == pytest.approx(exact, rel=1e-3)
    # the halves carry equal crack areas (the profile does not depend on x): (G₁ + G₂)/2 Γ_ℓ
    assert core.fracture_energy() == pytest.approx(0.5 * (G1 + G2) * core.crack_measure(), rel=1e-12)


def accelerator_alone() -> _SafeguardedAcceleration:
    """The accelerator's bookkeeping without a fracture core (record and restart use none)."""
    core = SimpleNamespace(comm=MPI.COMM_WORLD)
    return _SafeguardedAcceleration(core, FractureInput(Gc=GC, length_scale=ELL))


def first_stall(errors, escaped=False) -> int | None:
    """The sweep (1-based) after which the accelerator's stall rule has switched to plain sweeps."""
    accelerator = accelerator_alone()
    accelerator.escaped = escaped
    for k, e in enumerate(errors, start=1):
        accelerator.record(e)
        if accelerator.stalled:
            return k
    return None


@pytest.mark.parametrize("ratio, stall",
                         [(0.5, None), (0.995, None), (0.9999, 31), (1.0, 31), (1.0 + 1e-12, 31)])
def test_accelerated_stagger_stalls_on_the_error_itself(ratio, stall):
    """The accelerator's stall rule on stagger errors e_k = 1e-3 ρ^k (60 sweeps, Anderson mixing): progress is a new
    best error by 1 %, so ρ = 0.995 (a new best every 3rd sweep: 0.995³ < 0.99 < 0.995²) keeps the
    acceleration, as a fast contraction does; a creep (ρ = 0.9999: 1 % takes 100 sweeps), a constant
    error or one growing by round-off stalls 30 sweeps (:data:`_ERROR_STALL_SWEEPS`) after the
    first, its best: the rule is relative, not an exact equality."""
    assert _ERROR_STALL_SWEEPS == 30
    assert first_stall(1e-3 * ratio ** np.arange(60)) == stall
    # past the first growth (over-relaxation while the crack runs) the error may stay high
    assert first_stall(1e-3 * ratio ** np.arange(60), escaped=True) is None


def test_accelerated_stagger_stalls_when_the_error_cycles():
    """A cycle above the tolerance stalls 30 sweeps after its last new best, whatever the errors do
    in between; a restart (a Newton solution replaced the iterate) forgets the errors so far."""
    decrease = list(1e-2 * 0.5 ** np.arange(5))  # best 6.25e-4 at sweep 5
    cycle = [7e-4, 2e-3, 6.5e-4, 9e-4] * 10
    assert first_stall(decrease + cycle) == 5 + 30
    accelerator = accelerator_alone()
    for e in decrease + cycle[:19]:
        accelerator.record(e)
    accelerator.restart()
    stalls = []
    for e in cycle:
        accelerator.record(e)
        stalls.append(accelerator.stalled)
    assert stalls.index(True) + 1 == 3 + 30  # the best since the restart: 6.5e-4 at its 3rd sweep


class DamageIterates:
    """The damage iterates the accelerator reads and writes, without a fracture core: the plain next
    iterate G(x) is set by the test (the d-step's result), the lower bound is 0."""

    comm = MPI.COMM_WORLD

    def __init__(self, n: int = 4):
        self.d_iter, self.d = np.zeros(n), np.zeros(n)

    def _owned(self, f):
        return f

    def _set_owned(self, f, values):
        f[:] = values

    def _lower_bound(self):
        return np.zeros_like(self.d)

    def total_energy(self):
        return 0.0


def sweeps_until_given_up(residual_norms, abort_change) -> tuple[int | None, _SafeguardedAcceleration]:
    """Drive the accelerator's first stage with plain residuals f = G(x) − x of the given ‖f‖₂ (from
    x = 0.1, inside the bounds): the sweep whose stage failed, or None."""
    iterates = DamageIterates()
    accelerator = _SafeguardedAcceleration(iterates, FractureInput(Gc=GC, length_scale=ELL), abort_change)
    for sweep, norm in enumerate([0.0, *residual_norms], start=1):
        iterates.d_iter[:] = 0.1
        iterates.d[:] = 0.1 + norm / 2  # ‖f‖₂ over 4 entries
        if not accelerator.mix().converged:
            return sweep, accelerator
        accelerator.pending = False
    return None, accelerator


def test_accelerated_stagger_gives_up_a_step_whose_sweeps_leave_the_state():
    """With a step-size limit, :data:`_ESCAPE_SWEEPS` = 5 growing ‖G(x) − x‖₂ in a row (the crack
    runs at this load) give the step up at once and say why (``StaggerOutcome.escaped``: the
    interphase problem then solves the jump through once a cut-back escapes again, instead of
    cutting the step for ever); a decrease restarts the count; without a limit the sweeps go on."""
    assert _ESCAPE_SWEEPS == 5
    growing = 1e-3 * 1.05 ** np.arange(8)  # a crack leaving the state: ‖f‖ grows by a few % a sweep
    sweep, accelerator = sweeps_until_given_up(growing, abort_change=0.2)
    assert (sweep, accelerator.gave_up) == (1 + 1 + 5, True)  # the first sweep has no residual yet
    interrupted = [*growing[:4], 0.5e-3, *growing[:6]]
    sweep, accelerator = sweeps_until_given_up(interrupted, abort_change=0.2)
    assert (sweep, accelerator.gave_up) == (6 + 5, True)  # sweep 6 decreased, 7 … 11 grew again
    assert sweeps_until_given_up(growing, abort_change=None)[0] is None


def accelerated_sweeps(residual_norms) -> list[bool]:
    """Whether the adaptive accelerator's first stage replaced the plain iterate, sweep by sweep, for
    plain residuals f = G(x) − x of the given ‖f‖₂ (from x = 0.1; each replacement then dropped, so
    every ‖f‖₂ is a plain sweep's)."""
    iterates = DamageIterates()
    params = FractureInput(Gc=GC, length_scale=ELL, stagger="adaptive")
    accelerator = _SafeguardedAcceleration(iterates, params)
    replaced = []
    for norm in [0.0, *residual_norms]:
        iterates.d_iter[:] = 0.1
        iterates.d[:] = 0.1 + norm / 2  # ‖f‖₂ over 4 entries
        assert accelerator.mix().converged
        replaced.append(accelerator.pending)
        accelerator.pending = False
    return replaced[1:]


def test_adaptive_stagger_stops_extrapolating_once_the_crack_has_run():
    """After the escape (‖f‖₂ grows to a peak: the crack runs), ‖f‖₂ contracting by ρ = 0.6 a sweep
    (Aitken ω = 2.5, an extrapolation before this rule) is extrapolated down to
    :data:`_ARREST_FRACTION` = 0.02 of the peak (0.6⁷ = 0.028), then the sweeps are plain for the rest
    of the step, even when ‖f‖₂ grows again (the coarse notched plate at ℓ/h = 4 cycled for 310
    sweeps there with the cap ω_max = 25–50)."""
    assert _ARREST_FRACTION == 2e-2
    escape = list(1e-3 * 2.0 ** np.arange(11))  # grows to the peak 2**10 1e-3 ≈ 1
    contraction = list(escape[-1] * 0.6 ** np.arange(1, 10))  # 0.6 … 0.010 of the peak
    replaced = accelerated_sweeps(escape + contraction + [0.05, 0.1])
    n = len(escape)
    assert all(replaced[1:n + 7])  # the escape (its first sweep starts it) and 0.6¹ … 0.6⁷
    assert not any(replaced[n + 7:])  # 0.6⁸ = 0.017 < 0.02, and everything after


def test_accelerated_damage_is_clipped_above_a_history_damage_beyond_one():
    """The linear AT2 history step leaves d_n a little above 1 where the crack is (1.0007 at the
    LAGP contact edge); the accelerated update must stay ≥ d_n there (a clip to 1 stagnated the
    stagger at ‖Δd‖∞ = d_n − 1), and within [d_n, 1] elsewhere."""
    lower = np.array([0.0, 0.2, 1.0, 1.00065])
    update = np.array([-0.1, 1.5, 1.2, 1.2])
    assert np.array_equal(_clip_to_bounds(update, lower), [0.0, 1.0, 1.0, 1.00065])


@pytest.mark.mpi
@pytest.mark.parametrize("length", [1.0, 1e-6])
def test_homogeneous_damage_does_not_depend_on_the_unit_of_length(length):
    """A cube of side L clamped on its whole boundary with a uniform shrinkage eigenstrain
    ε* = −a I stays at u = 0 in uniform triaxial tension ε_e = a I, ψ = 9K a²/2. Undamaged or
    not, the AT1 damage is then uniform with −2(1 − d) H + 3G_c/(8ℓ) = 0: d = 1 − 3G_c/(16ℓH)
    (the bounded SNES VI solve; AT2 with a history field is a linear solve). With ℓ = 0.1 L and
    G_c ∝ L the answer is the same for L = 1 m and L = 1 µm (a particle); an absolute Newton
    tolerance in SI units (1e-12 against a damage residual whose whole scale is ~1e-14 at 1 µm)
    returned d = 0 unsolved there: a 3-D particle never cracked."""
    comm = MPI.COMM_WORLD
    msh = dmesh.create_unit_cube(comm, 3, 3, 3)
    msh.geometry.x[:] *= length
    Vu = fem.functionspace(msh, ("Lagrange", 1, (3,)))
    Vd = fem.functionspace(msh, ("Lagrange", 1))
    cs = CoordinateSystem(msh, "cartesian_3d")
    msh.topology.create_connectivity(2, 3)
    boundary = dmesh.exterior_facet_indices(msh.topology)
    bc = fem.dirichletbc(np.zeros(3, dtype=PETSc.ScalarType), fem.locate_dofs_topological(Vu, 2, boundary), Vu)
    ell, gc = 0.1 * length, GC * length  # G_c/ℓ = 27 kJ/m³ at both sizes
    bulk = E / (3 * (1 - 2 * NU))
    a = np.sqrt(3 * gc / (8 * ell) / (4.5 * bulk))  # ψ = 3G_c/(8ℓ): d = 1/2
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), E, NU,
                              FractureInput(model="AT1", Gc=gc, length_scale=ell, split="none", stagger="plain"),
                              SolverConfig(), bcs_u=[bc], elastic_strain=lambda u: cs.strain(u) + a * ufl.Identity(3))
    outcome = core.solve()
    assert outcome.converged
    n = Vd.dofmap.index_map.size_local
    d = core.d.x.array[:n]
    lowest = comm.allreduce(float(d.min()) if n else np.inf, op=MPI.MIN)
    # 1e-8: Newton on the (linear in d) AT1 equation to snes_rtol = 1e-9 of the damage scale
    assert lowest == pytest.approx(0.5, abs=1e-8)
    assert core.damage_max() == pytest.approx(0.5, abs=1e-8)


@pytest.mark.mpi
def test_history_damage_stays_within_one():
    """AT2 with a history field: 𝓗₀ = 1e4 J/m³ in one row of cells of a unit square (h = 1/32,
    ℓ = 0.05, G_c = 1) drives d to ≈ 1 there; the P1 solution of the unbounded linear d-step
    overshoots to 1.008 next to the rise of 𝓗 (measured before the projection). The d-step keeps
    d_n ≤ d ≤ 1, and leaves the solution unchanged wherever it was inside the bounds."""
    n = 32
    msh = dmesh.create_unit_square(MPI.COMM_WORLD, n, n)
    Vu = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    Vd = fem.functionspace(msh, ("Lagrange", 1))
    cs = CoordinateSystem(msh, "plane_strain")
    core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, ufl.dx(domain=msh), 1e9, 0.3,
                              FractureInput(Gc=1.0, length_scale=0.05, model="AT2", irreversibility="history"),
                              SolverConfig(), initial_history=lambda x: np.where(np.abs(x[1] - 0.5) < 0.6 / n, 1e4, 0.0))
    core.H.interpolate(core._history_expr)
    core.d_solver.solve()  # the bare linear solve, from d = 0
    unbounded = core.d.x.array.copy()
    assert msh.comm.allreduce(unbounded.max(), op=MPI.MAX) > 1.005  # the overshoot this guards against
    core.d.x.array[:] = 0.0
    assert core.solve_damage().converged  # the same solve from d = 0, projected
    assert core.damage_max() == pytest.approx(1.0, abs=1e-12)
    inside = unbounded <= 1.0
    # the same linear solve twice agrees to round-off, not bitwise (2 ranks in CI differed in the
    # last digits: a parallel direct solve's reductions may be ordered differently); 1e-10 is far
    # below the 8e-3 overshoot and above round-off of d ≤ 1
    difference = np.abs(core.d.x.array[inside] - unbounded[inside]).max(initial=0.0)
    assert difference < 1e-10, difference
    assert np.all(core.d.x.array >= 0.0)


def test_an_unstable_jump_counts_as_on_target_for_the_step_controller():
    """A jump solved through (a crack running at a fixed load) reports the damage target to the step
    controller, which would otherwise reject it as too large; any other step reports ‖d − d_n‖∞."""
    solved = StaggeredResult(True, 40, SolveReport(True))
    assert StaggerOutcome(solved, 0.8, unstable=True).controlled_change(0.1) == 0.1
    assert StaggerOutcome(solved, 0.05, unstable=True).controlled_change(0.1) == 0.05
    assert StaggerOutcome(solved, 0.8).controlled_change(0.1) == 0.8
    assert StaggerOutcome(solved, 0.8, unstable=True).controlled_change(None) == 0.8
