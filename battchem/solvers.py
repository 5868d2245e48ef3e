"""PETSc solvers: one SNES wrapper for every nonlinear (and linear) variational problem, a KSP
wrapper for projections, default options per block, and the staggered (partitioned) loop.

Each subproblem has its own options prefix (``transport_``, ``mechanics_``, ``damage_`` ...), so
any PETSc option can be changed from the input (``solver.petsc_options``) or the command line
(``PETSC_OPTIONS='-mechanics_ksp_type gmres'``). Matrices, vectors, KSPs and preconditioners live
as long as the solver: linear blocks whose operator does not change are assembled and factorised
(or AMG-set-up) once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import ufl
from dolfinx import fem, la
from dolfinx.fem import petsc as fem_petsc
from petsc4py import PETSc

from battchem import interrupt
from battchem.moving import geometry_revision

# --------------------------------------------------------------------------------------------
# Default options


def global_size(V: fem.FunctionSpace) -> int:
    """Number of global unknowns of V."""
    return V.dofmap.index_map.size_global * V.dofmap.index_map_bs


def default_options(block: str, n_global: int, settings) -> dict[str, object]:
    """Default PETSc options for a block.

    ``block`` is ``elasticity`` (SPD, vector; CG + GAMG with the rigid-body near-nullspace),
    ``diffusion`` (SPD scalar; CG + BoomerAMG), ``advection_diffusion`` (nonsymmetric scalar;
    GMRES + BoomerAMG), ``nonsymmetric`` (GMRES + GAMG) or ``mass`` (CG + Jacobi). Small problems
    (``settings.linear_solver`` auto and fewer than ``settings.direct_max_dofs`` unknowns) use
    MUMPS LU, except mass matrices which Jacobi-CG solves in a few iterations at any size.
    """
    choice = settings.linear_solver
    direct = choice == "direct" or (choice == "auto" and n_global <= settings.direct_max_dofs)
    if block == "mass":
        return {"ksp_type": "cg", "pc_type": "jacobi", "ksp_rtol": min(settings.rtol, 1e-10),
                "ksp_atol": 1e-30, "ksp_max_it": 500}
    if direct:
        # ICNTL(14): extra workspace for pivots delayed by off-diagonal pivoting (the default 20 %
        # ran out on the ill-scaled coupled (c, u, σ_h) block)
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps",
                "mat_mumps_icntl_14": 200}
    common = {"ksp_rtol": settings.rtol, "ksp_atol": 1e-30, "ksp_max_it": 1000}
    if block == "elasticity":
        return {"ksp_type": "cg", "pc_type": "gamg", "pc_gamg_coarse_eq_limit": 1000,
                "mg_levels_ksp_type": "chebyshev", "mg_levels_pc_type": "jacobi",
                "mg_levels_ksp_max_it": 2, **common}
    if block == "diffusion":
        return {"ksp_type": "cg", "pc_type": "hypre", "pc_hypre_type": "boomeramg", **common}
    if block == "advection_diffusion":
        return {"ksp_type": "gmres", "pc_type": "hypre", "pc_hypre_type": "boomeramg", **common}
    if block == "nonsymmetric":
        return {"ksp_type": "gmres", "ksp_gmres_restart": 100, "pc_type": "gamg", **common}
    raise ValueError(f"unknown block type {block!r}")


def absolute_tolerance(rtol: float, atol: float, scale: float) -> float:
    """Absolute Newton tolerance ``rtol × scale``, with ``scale`` the physical size of the residual
    (the residual of a unit change of the unknown, or the load the body carries); ``atol`` only when
    the scale is 0 (nothing to measure against).

    A fixed ``atol`` is a number in the residual's units (SI forces, fluxes...): in a micrometre
    body a whole residual can lie below it, and SNES would then stop at its first residual with the
    state unchanged."""
    return rtol * scale if scale > 0 else atol


class OptionsScope:
    """The PETSc options of one solver, present in PETSc's global database only while the solver is
    set up or solves (``with scope: ...``), so that nothing leaks into the next solver or run in the
    same process and PETSc never reports options "set but not used".

    Options already in the database when the scope opens (from ``PETSC_OPTIONS`` or the command
    line) are the user's: they win over the solver's defaults and are left in place.
    """

    def __init__(self, prefix: str, options: dict[str, object]):
        self.items = {f"{prefix}{key}": _option_text(value) for key, value in options.items()}
        self._added: list[str] = []

    def __enter__(self) -> OptionsScope:
        opts = PETSc.Options()
        self._added = [name for name in self.items if not opts.hasName(name)]
        for name in self._added:
            opts[name] = self.items[name]
        return self

    def __exit__(self, *exc) -> None:
        opts = PETSc.Options()
        for name in self._added:
            opts.delValue(name)
        self._added = []


def _option_text(value: object) -> str:
    if value is None:  # a flag option (-snes_monitor)
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SolverError(RuntimeError):
    """PETSc failed for a reason that a smaller step cannot cure (bad option, wrong sizes,
    out of memory...): the run stops with PETSc's own message."""


def petsc_message(exc: PETSc.Error) -> str:
    """The human part of a PETSc error (its last lines, without the call stack)."""
    lines = [line.split("] ", 1)[-1].strip() for line in str(exc).splitlines()[1:]]
    text = [line for line in lines if line and not re.match(r"^\w+\(\) at ", line)
            and not line.startswith("See https://petsc.org")]
    return "; ".join(text) or str(exc).splitlines()[0]


def rigid_body_modes(V: fem.FunctionSpace) -> PETSc.NullSpace:
    """Orthonormalised rigid-body modes of a 2-D or 3-D vector space (AMG near-nullspace)."""
    index_map = V.dofmap.index_map
    bs = V.dofmap.index_map_bs
    n_local = index_map.size_local
    x = V.tabulate_dof_coordinates()[:n_local]
    gdim = V.mesh.geometry.dim
    if bs != gdim:
        raise ValueError("rigid_body_modes needs a vector space with one component per dimension")
    n_modes = 3 if gdim == 2 else 6
    basis = [la.vector(index_map, bs=bs, dtype=PETSc.ScalarType) for _ in range(n_modes)]
    arrays = [b.array.reshape(-1, bs) for b in basis]
    for i in range(gdim):
        arrays[i][:n_local, i] = 1.0  # translations
    if gdim == 2:
        arrays[2][:n_local, 0] = -x[:, 1]
        arrays[2][:n_local, 1] = x[:, 0]
    else:
        arrays[3][:n_local, 0] = -x[:, 1]
        arrays[3][:n_local, 1] = x[:, 0]
        arrays[4][:n_local, 0] = x[:, 2]
        arrays[4][:n_local, 2] = -x[:, 0]
        arrays[5][:n_local, 2] = x[:, 1]
        arrays[5][:n_local, 1] = -x[:, 2]
    la.orthonormalize(basis)
    vecs = [b.petsc_vec.copy() for b in basis]  # own their memory (the la.Vectors are temporary)
    return PETSc.NullSpace().create(vectors=vecs, comm=V.mesh.comm)


# --------------------------------------------------------------------------------------------
# Solve statistics


@dataclass
class SolveReport:
    """Outcome of one solve."""

    converged: bool
    iterations: int = 0  # Newton (or staggered) iterations
    krylov: int = 0  # Krylov iterations, summed
    reason: str = ""
    seconds: float = 0.0

    def __add__(self, other: SolveReport) -> SolveReport:
        return SolveReport(self.converged and other.converged, self.iterations + other.iterations,
                           self.krylov + other.krylov, other.reason or self.reason,
                           self.seconds + other.seconds)


@dataclass
class SolverStatistics:
    """Totals per solver prefix, for the manifest."""

    solves: int = 0
    failures: int = 0
    iterations: int = 0
    krylov: int = 0
    seconds: float = 0.0

    def add(self, report: SolveReport) -> None:
        self.solves += 1
        self.failures += 0 if report.converged else 1
        self.iterations += report.iterations
        self.krylov += report.krylov
        self.seconds += report.seconds


# --------------------------------------------------------------------------------------------
# SNES wrapper


class NonlinearSolver:
    """Solve F(u; v) = 0 for ``u`` with PETSc SNES.

    Parameters
    ----------
    F : residual form, linear in the test function.
    u : the unknown Function (initial guess on entry, solution on exit).
    bcs : Dirichlet conditions (values are taken from their Functions/Constants at solve time).
    J : Jacobian form (default: Gateaux derivative of F).
    prefix : PETSc options prefix, e.g. ``"transport_"``.
    options : PETSc options (without prefix) for SNES, KSP and PC.
    linear : the residual is affine in u: one Krylov solve per call (``snes_type ksponly``).
    jacobian_key : callable returning a hashable that changes whenever the Jacobian does; when
        given, the matrix is reassembled (and the preconditioner rebuilt) only on a change of the
        key or of the mesh geometry (``battchem.moving.geometry_revision``).
    near_nullspace : PETSc NullSpace attached to the matrix for AMG, or a builder V ↦ NullSpace
        (``rigid_body_modes``), called again when the mesh moves; a fixed NullSpace is kept as is.
    bounds : (lower, upper) Functions for a variational inequality (``snes_type vinewtonrsls``).
    lagged_preconditioner : build the preconditioner (factorisation, AMG hierarchy) from a copy of
        the Jacobian that is refreshed only after :meth:`rebuild_preconditioner` (and at the first
        solve), while the Krylov method always sees the current Jacobian (needs a Krylov
        ``ksp_type``, not ``preonly``; costs a second matrix).
    residual_scale : callable returning the residual's physical scale (e.g. :meth:`load_norm`),
        evaluated before each Newton solve (not for ``linear``): the absolute tolerance is then
        :func:`absolute_tolerance` (snes_rtol × scale; snes_atol, as set by the options, when 0).
    """

    def __init__(self, F, u: fem.Function, bcs: Sequence[fem.DirichletBC] = (), J=None, *,
                 prefix: str, options: dict[str, object] | None = None, linear: bool = False,
                 jacobian_key: Callable[[], Hashable] | None = None,
                 near_nullspace: PETSc.NullSpace | None = None,
                 bounds: tuple[fem.Function, fem.Function] | None = None,
                 lagged_preconditioner: bool = False,
                 residual_scale: Callable[[], float] | None = None):
        self.u = u
        self.bcs = list(bcs)
        self.prefix = prefix
        self.linear = linear
        self._jacobian_key = jacobian_key
        self._assembled_key: object = _UNSET
        self._mesh = u.function_space.mesh
        self._revision = geometry_revision(self._mesh)
        self._near_nullspace_builder = None
        if near_nullspace is not None and not isinstance(near_nullspace, PETSc.NullSpace):
            self._near_nullspace_builder = near_nullspace
            near_nullspace = near_nullspace(u.function_space)
        if J is None:
            J = ufl.derivative(F, u, ufl.TrialFunction(u.function_space))
        self.L = fem.form(F)
        self.a = fem.form(J)
        self.A = fem_petsc.create_matrix(self.a)
        self.P = fem_petsc.create_matrix(self.a) if lagged_preconditioner else self.A
        self._refresh_preconditioner = True
        self.preconditioner_builds = 0
        if near_nullspace is not None:
            self.A.setNearNullSpace(near_nullspace)
            self.P.setNearNullSpace(near_nullspace)
            self._near_nullspace = near_nullspace
        self.b = fem_petsc.create_vector(self.L)
        self.x = u.x.petsc_vec.copy()
        self.stats = SolverStatistics()
        self.jacobian_assemblies = 0

        comm = u.function_space.mesh.comm
        snes = PETSc.SNES().create(comm)
        snes.setOptionsPrefix(prefix)
        base = {"snes_type": "ksponly" if linear else "newtonls",
                "snes_error_if_not_converged": False, "ksp_error_if_not_converged": False}
        if not linear:
            base["snes_linesearch_type"] = "bt"
        if bounds is not None:
            base["snes_type"] = "vinewtonrsls"
            base["snes_linesearch_type"] = "basic"
        merged = {**base, **(options or {})}  # a None value is a flag option (-snes_monitor)
        self.options = merged
        self._scope = OptionsScope(prefix, merged)
        snes.setFunction(self._residual, self.b)
        snes.setJacobian(self._jacobian, self.A, self.P)
        if bounds is not None:
            snes.setVariableBounds(bounds[0].x.petsc_vec, bounds[1].x.petsc_vec)
            self._bounds = bounds
        with self._scope:
            snes.setFromOptions()
            snes.getKSP().setFromOptions()
        # an interrupt request (SIGINT/SIGTERM) is honoured after every Newton iteration; a
        # linear solve checks before it starts instead (with a monitor, ksponly assembles the
        # residual again after the solve, only to report its norm)
        self._comm = comm
        if not linear:
            snes.setMonitor(lambda snes, its, norm: interrupt.check(comm))
        self.snes = snes
        self._residual_scale = residual_scale
        self._tolerances = snes.getTolerances()[:2]  # (rtol, atol) as the options set them
        self._raw = None  # work vector of load_norm

    # SNES callbacks ---------------------------------------------------------------------
    def _residual(self, snes, x, b):
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        with b.localForm() as b_local:
            b_local.set(0.0)
        fem_petsc.assemble_vector(b, self.L)
        fem_petsc.apply_lifting(b, [self.a], bcs=[self.bcs], x0=[x], alpha=-1.0)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b, self.bcs, x, -1.0)

    def _jacobian(self, snes, x, A, P):
        if self._jacobian_key is not None:
            key = (geometry_revision(self._mesh), self._jacobian_key())
            if key == self._assembled_key:
                return
            self._assembled_key = key
        A.zeroEntries()
        fem_petsc.assemble_matrix(A, self.a, bcs=self.bcs)
        A.assemble()
        self.jacobian_assemblies += 1
        if self.P is not self.A and self._refresh_preconditioner:
            # P's state changes only here: the PC is set up again only then
            if self.preconditioner_builds:
                A.copy(P, structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
            else:  # not assembled yet: no pattern to copy into
                fem_petsc.assemble_matrix(P, self.a, bcs=self.bcs)
                P.assemble()
            self._refresh_preconditioner = False
            self.preconditioner_builds += 1

    def load_norm(self) -> float:
        """‖F(u)‖ at the current u over every row, Dirichlet rows included and unmodified: the
        unbalanced force on the free rows plus the reactions on the held ones, i.e. the load the
        body carries (the reactions alone at equilibrium). (Collective; assembles F.)"""
        if self._raw is None:
            self._raw = fem_petsc.create_vector(self.L)
        with self._raw.localForm() as local:
            local.set(0.0)
        fem_petsc.assemble_vector(self._raw, self.L)
        self._raw.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        return self._raw.norm()

    def invalidate(self) -> None:
        """Force reassembly of the Jacobian at the next solve."""
        self._assembled_key = _UNSET

    def rebuild_preconditioner(self) -> None:
        """With ``lagged_preconditioner``: build the preconditioner from the next Jacobian."""
        self._refresh_preconditioner = True

    def set_bcs(self, bcs: Sequence[fem.DirichletBC]) -> None:
        """Replace the Dirichlet conditions, e.g. when a protocol switches from current to voltage
        control; the Jacobian is reassembled at the next solve (the sparsity already holds every
        diagonal entry, so no new matrix is needed)."""
        self.bcs = list(bcs)
        self.invalidate()
        self._refresh_preconditioner = True  # a lagged preconditioner holds the old Dirichlet rows

    def refresh(self) -> None:
        """Follow a move of the mesh (``solve`` calls it when the geometry revision changed): the
        Jacobian is reassembled at the next solve and a near-nullspace given as a builder rebuilt
        from the new coordinates. GAMG copies the near-nullspace at its first set-up and reuses that
        copy at every later one, so the preconditioner is reset to make it read the new modes."""
        self._revision = geometry_revision(self._mesh)
        self.invalidate()
        self._refresh_preconditioner = True  # a lagged preconditioner holds the old geometry
        if self._near_nullspace_builder is not None:
            self._near_nullspace = self._near_nullspace_builder(self.u.function_space)
            self.A.setNearNullSpace(self._near_nullspace)
            self.P.setNearNullSpace(self._near_nullspace)
            self.snes.getKSP().getPC().reset()

    # ------------------------------------------------------------------------------------
    def solve(self) -> SolveReport:
        """Solve from the current ``u``; on failure ``u`` holds the last iterate."""
        if self.linear:
            interrupt.check(self._comm)
        t0 = time.perf_counter()
        if geometry_revision(self._mesh) != self._revision:
            self.refresh()
        self.u.x.petsc_vec.stateIncrease()  # u may have been written through numpy (see Projector)
        if self._residual_scale is not None and not self.linear:  # ksponly tests no tolerance
            rtol, atol = self._tolerances
            self.snes.setTolerances(atol=absolute_tolerance(rtol, atol, self._residual_scale()))
        self.u.x.petsc_vec.copy(self.x)
        with self._scope:
            try:
                self.snes.solve(None, self.x)
            except PETSc.Error as exc:
                raise_solver_error(exc, self.prefix)
        reason = self.snes.getConvergedReason()
        ksp_reason = self.snes.getKSP().getConvergedReason()
        self.x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        converged = reason > 0 and ksp_reason >= 0
        if converged and not self.linear:
            converged = bool(np.isfinite(self.snes.getFunctionNorm()))
        why = "" if converged else _reason_name(reason, ksp_reason) + _factor_error(self.snes.getKSP())
        report = SolveReport(converged, self.snes.getIterationNumber(),
                             self.snes.getLinearSolveIterations(), why, time.perf_counter() - t0)
        self.stats.add(report)
        return report

    def destroy(self) -> None:
        for obj in (self.snes, self.A, self.b, self.x) + ((self.P,) if self.P is not self.A else ()):
            obj.destroy()
        if self._raw is not None:
            self._raw.destroy()


_UNSET = object()


def raise_solver_error(exc: PETSc.Error, prefix: str):
    """Re-raise what a PETSc call raised: the Python exception of one of our callbacks (an
    interrupt request, an error in a form evaluation) as itself, PETSc's own errors as
    :class:`SolverError` with PETSc's message. (Failures to converge are not errors: SNES and KSP
    report them through their converged reason.)"""
    cause = exc.__cause__
    if cause is not None:
        raise cause from None
    raise SolverError(f"{prefix.rstrip('_')} solver: PETSc error {exc.ierr}: {petsc_message(exc)}") from None


def _reason_name(snes_reason: int, ksp_reason: int) -> str:
    snes_names = {v: k for k, v in vars(PETSc.SNES.ConvergedReason).items() if isinstance(v, int)}
    ksp_names = {v: k for k, v in vars(PETSc.KSP.ConvergedReason).items() if isinstance(v, int)}
    text = f"SNES {snes_names.get(snes_reason, snes_reason)}"
    if ksp_reason < 0:
        text += f", KSP {ksp_names.get(ksp_reason, ksp_reason)}"
    return text


def _factor_error(ksp: PETSc.KSP) -> str:
    """MUMPS INFOG(1), INFOG(2) after a failed factorisation ('' when not applicable)."""
    if ksp.getConvergedReason() != PETSc.KSP.ConvergedReason.DIVERGED_PCSETUP_FAILED:
        return ""
    try:
        factor = ksp.getPC().getFactorMatrix()
        return f" (MUMPS INFOG(1) = {factor.getMumpsInfog(1)}, INFOG(2) = {factor.getMumpsInfog(2)})"
    except PETSc.Error:
        return ""


# --------------------------------------------------------------------------------------------
# KSP wrapper for projections


class Projector:
    """L2 projections onto one space with the mass matrix assembled and set up once (and again
    after each move of the mesh).

    For each registered target p and expression e, solves ∫ p q w dx = ∫ e q w dx with CG +
    Jacobi (the mass matrix is well conditioned at every mesh size).
    """

    def __init__(self, V: fem.FunctionSpace, weight, dx, *, prefix: str, settings):
        import ufl as _ufl

        p, q = _ufl.TrialFunction(V), _ufl.TestFunction(V)
        self.V, self.weight, self.dx = V, weight, dx
        self.a = fem.form(_ufl.inner(p, q) * weight * dx)
        self.A = fem_petsc.assemble_matrix(self.a)
        self.A.assemble()
        self._revision = geometry_revision(V.mesh)
        self.targets: dict[str, tuple[fem.Function, fem.Form]] = {}
        self.b = None
        ksp = PETSc.KSP().create(V.mesh.comm)
        ksp.setOptionsPrefix(prefix)
        user = (getattr(settings, "petsc_options", {}) or {}).get(prefix.rstrip("_"), {})
        self._scope = OptionsScope(prefix, {**default_options("mass", global_size(V), settings), **user})
        ksp.setOperators(self.A)
        with self._scope:
            ksp.setFromOptions()
        ksp.setInitialGuessNonzero(True)
        self.ksp = ksp
        self.stats = SolverStatistics()

    def add(self, target: fem.Function, expr) -> fem.Function:
        """Register ``target`` as the projection of ``expr``; returns ``target``."""
        import ufl as _ufl

        q = _ufl.TestFunction(self.V)
        L = fem.form(_ufl.inner(expr, q) * self.weight * self.dx)
        self.targets[target.name] = (target, L)
        if self.b is None:
            self.b = fem_petsc.create_vector(L)
        return target

    def refresh(self) -> None:
        """Reassemble the mass matrix on the current geometry (``project`` calls it after a move)."""
        self.A.zeroEntries()
        fem_petsc.assemble_matrix(self.A, self.a)
        self.A.assemble()
        self.ksp.setOperators(self.A)
        self._revision = geometry_revision(self.V.mesh)

    def project(self, name: str | None = None, exclude: Sequence[str] = ()) -> SolveReport:
        """Update one target (or all of them but ``exclude``) from its expression, starting the
        Krylov iterations from the target's current values (the previous step's projection)."""
        if geometry_revision(self.V.mesh) != self._revision:
            self.refresh()
        report = SolveReport(True)
        for key, (target, L) in self.targets.items():
            if (name is not None and key != name) or key in exclude:
                continue
            t0 = time.perf_counter()
            with self.b.localForm() as b_local:
                b_local.set(0.0)
            fem_petsc.assemble_vector(self.b, L)
            self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            # numpy writes (interpolate, restores) do not bump the PETSc state of the wrapping Vec,
            # whose cached norms would then be stale: mark it as changed
            target.x.petsc_vec.stateIncrease()
            with self._scope:
                try:
                    self.ksp.solve(self.b, target.x.petsc_vec)
                except PETSc.Error as exc:
                    raise_solver_error(exc, self.ksp.getOptionsPrefix())
            target.x.scatter_forward()
            reason = self.ksp.getConvergedReason()
            r = SolveReport(reason > 0, 0, self.ksp.getIterationNumber(),
                            "" if reason > 0 else f"projection KSP reason {reason}",
                            time.perf_counter() - t0)
            self.stats.add(r)
            report = report + r
        return report


# --------------------------------------------------------------------------------------------
# Staggered (partitioned) iterations


@dataclass
class StaggeredResult:
    """Outcome of a staggered loop."""

    converged: bool
    iterations: int
    report: SolveReport
    errors: list[float] = field(default_factory=list)


def staggered(stages: Sequence[Callable[[], SolveReport]], error: Callable[[], float], *,
              tol: float, max_iterations: int, min_iterations: int = 1, comm=None,
              stagnation_rtol: float = 1e-9) -> StaggeredResult:
    """Alternate the ``stages`` (each one solve, fields frozen in the others) until ``error()``,
    evaluated after each sweep, falls below ``tol``; stops early when a stage fails or when the
    error of three sweeps in a row stays within ``stagnation_rtol`` of itself (stagnation: each
    stage converges without a step, and the error only moves by round-off). With ``comm``, an
    interrupt request is honoured after every stage (:func:`battchem.interrupt.check`)."""
    total = SolveReport(True)
    errors: list[float] = []
    for k in range(1, max_iterations + 1):
        for stage in stages:
            if comm is not None:
                interrupt.check(comm)
            report = stage()
            total = total + report
            if not report.converged:
                return StaggeredResult(False, k, total, errors)
        errors.append(error())
        if not np.isfinite(errors[-1]):
            total.converged = False
            total.reason = "staggered error is not finite"
            return StaggeredResult(False, k, total, errors)
        if k >= min_iterations and errors[-1] <= tol:
            return StaggeredResult(True, k, total, errors)
        if k >= 3 and max(errors[-3:]) - min(errors[-3:]) <= stagnation_rtol * errors[-1]:
            # the sweeps no longer change anything (each stage reports convergence without a step):
            # more of them cannot help, so fail now and let the caller cut the step
            total.converged = False
            total.reason = f"staggered loop stagnated at error {errors[-1]:.2e} (tolerance {tol:.2e})"
            return StaggeredResult(False, k, total, errors)
    total.converged = False
    total.reason = f"staggered loop not converged in {max_iterations} iterations (error {errors[-1]:.2e})"
    return StaggeredResult(False, max_iterations, total, errors)
