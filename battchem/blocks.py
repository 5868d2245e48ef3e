"""Block and mixed nonlinear solves with PETSc field splits.

Equations. Fields u_1 … u_N (each a Function, possibly on different meshes coupled through
``entity_maps``) solve the residual equations

    F_i(u_1, …, u_N; v_i) = 0   for all v_i in V_i,   i = 1 … N,

by Newton's method (SNES ``newtonls`` with a line search, or ``vinewtonrsls`` with bounds):
J δu = −F with the Jacobian blocks J_ij = ∂F_i/∂u_j (``ufl.derivative``; blocks that vanish
identically are left out). A single Function on a mixed space with one residual form is the same
system with N = 1 block, split by its sub-spaces.

Layout. The same fields can be assembled either way (``BlockSolver.as_mixed``, :class:`MixedLayout`):
the fields' Functions stay what the caller reads and writes, and the solve copies them into one
Function w on W = V_1 × … × V_N and back. The residual is then the single form
Σ_i F_i(split(w); split(v)_i) and its Jacobian one kernel, which evaluates subexpressions shared by
the blocks (exponentials, interpolation functions, stresses) once per quadrature point instead of
once per non-zero block J_ij: for strongly coupled nonlinear fields the cheaper assembly.

Algebra. The blocks are assembled into one monolithic (blocked AIJ) PETSc matrix, not a MatNest:
MUMPS, the default for small problems, factorises only an assembled matrix, and PCFIELDSPLIT
extracts the sub-matrices it needs from the index sets (``PETSc.IS``) built here, one per field
(block case: each rank's owned rows of field i, contiguous in the block layout; mixed case: the
owned dofs of the sub-space, ``V.sub(i).collapse()[1]``, sorted, in global numbering). Options such as
``-<prefix>fieldsplit_<name>_pc_type hypre`` therefore work as in any PETSc code. A near-nullspace
(e.g. rigid-body modes) given for a field is composed on its IS under ``"nearnullspace"``, where
PCFIELDSPLIT attaches it to that field's sub-matrix, so GAMG inside the split sees it. A constant
nullspace (the pressure of enclosed flow) is attached to the whole Jacobian; it needs a consistent
residual (∫ ∇·u_h = 0 for the discrete boundary data). The alternative, a point pin (a Dirichlet
condition on one pressure dof), also works: a constrained field without a diagonal block gets a
zero block to hold the unit diagonal.

Preconditioner matrix. Optional blocks replace those of J in a separate matrix P, assembled (and
refreshed) together with J and used only by a field split (a factorisation needs J itself). For
Taylor–Hood flow the (p, p) block of P is the pressure mass matrix weighted by the inverse
viscosity, Ŝ = −∫ (1/μ) p q dx, spectrally equivalent to the Schur complement S = −B A⁻¹ Bᵀ
uniformly in h, the weight following a variable (e.g. power-law) viscosity (``pressure_mass_schur``).

Per-field convergence. Each field has a residual scale s_i (given, in the units of F_i, or the norm
of its first residual; a field whose first residual vanishes takes the largest first residual of
the others). The nondimensional norms r_i = ‖F_i‖ / s_i are recorded at every Newton iteration and
convergence is judged on them by a custom SNES convergence test:

    max_i r_i ≤ max(atol, rtol · max_i r_i⁰)     or     ‖δu‖ ≤ stol ‖u‖,

so each equation must be reduced relative to its own size whatever the physical units of the
others (rtol, atol, stol, max_it are the SNES tolerances, set by options). The residual blocks are
not scaled: row scaling would leave the Newton step unchanged but break the symmetry that CG,
MINRES and Schur-complement preconditioners rely on. With bounds, the norms run over the inactive
set of the variational inequality, as PETSc's own test does.

Default options (``saddle_point``, ``reaction_diffusion_potential``) follow ``default_options``:
MUMPS LU below ``settings.direct_max_dofs`` unknowns, otherwise field splits with AMG per block.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.cpp.la.petsc import scatter_local_vectors
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem import interrupt
from battchem.solvers import (
    _UNSET,
    OptionsScope,
    SolveReport,
    SolverStatistics,
    _factor_error,
    _reason_name,
    default_options,
    raise_solver_error,
)

# --------------------------------------------------------------------------------------------
# Default options


def _direct(n_global: int, settings) -> bool:
    choice = settings.linear_solver
    return choice == "direct" or (choice == "auto" and n_global <= settings.direct_max_dofs)


def saddle_point(n_global: int, settings, *, velocity: str = "u", pressure: str = "p",
                 factorization: str = "lower", nullspace: bool = False) -> dict[str, object]:
    """Options for Taylor–Hood flow [[A, Bᵀ], [B, 0]] (``velocity``, ``pressure`` split names).

    Iterative: GMRES on a Schur-complement field split with ``factorization`` ``lower``
    ([[A, 0], [B, Ŝ]]⁻¹) or ``full``; one GAMG V-cycle (Chebyshev/Jacobi smoothing, near-nullspace
    from the split's IS) for A; for S the (p, p) block of the preconditioner matrix
    (``schur_precondition a11``), i.e. the viscosity-weighted pressure mass matrix of
    ``pressure_mass_schur``, applied by one Jacobi sweep (a P1 mass matrix and its diagonal are
    spectrally equivalent). Left preconditioning: the Krylov norm is the preconditioned one, which
    is blind to the physical scales of the two equations.
    Direct: MUMPS LU; with ``nullspace`` (pressure defined up to a constant) MUMPS detects the null
    pivot (ICNTL(24)) and the Krylov wrapper removes the constant.
    """
    if _direct(n_global, settings):
        opts = default_options("nonsymmetric", n_global, settings)  # its MUMPS branch
        if nullspace:
            opts["mat_mumps_icntl_24"] = 1
        return opts
    u, p = f"fieldsplit_{velocity}_", f"fieldsplit_{pressure}_"
    return {
        "ksp_type": "gmres", "ksp_gmres_restart": 200, "ksp_rtol": settings.rtol, "ksp_atol": 1e-30,
        "ksp_max_it": 1000,
        "pc_type": "fieldsplit", "pc_fieldsplit_type": "schur",
        "pc_fieldsplit_schur_fact_type": factorization, "pc_fieldsplit_schur_precondition": "a11",
        f"{u}ksp_type": "preonly", f"{u}pc_type": "gamg", f"{u}pc_gamg_coarse_eq_limit": 1000,
        f"{u}pc_gamg_threshold": 0.05,
        f"{u}mg_levels_ksp_type": "chebyshev", f"{u}mg_levels_pc_type": "jacobi",
        f"{u}mg_levels_ksp_max_it": 2,
        f"{p}ksp_type": "preonly", f"{p}pc_type": "jacobi",
    }


def reaction_diffusion_potential(n_global: int, settings, fields: Sequence[str] = ("c", "phi"), *,
                                 composition: str = "multiplicative") -> dict[str, object]:
    """Options for coupled scalar reaction–diffusion and potential equations (one split per field).

    Iterative: GMRES on a block Gauss–Seidel (``multiplicative``) or block Jacobi (``additive``)
    field split, one BoomerAMG V-cycle per scalar block. Direct: MUMPS LU.
    """
    if _direct(n_global, settings):
        return default_options("nonsymmetric", n_global, settings)  # its MUMPS branch
    opts: dict[str, object] = {
        "ksp_type": "gmres", "ksp_gmres_restart": 200, "ksp_rtol": settings.rtol, "ksp_atol": 1e-30,
        "ksp_max_it": 1000, "pc_type": "fieldsplit", "pc_fieldsplit_type": composition}
    for name in fields:
        opts.update({f"fieldsplit_{name}_ksp_type": "preonly", f"fieldsplit_{name}_pc_type": "hypre",
                     f"fieldsplit_{name}_pc_hypre_type": "boomeramg"})
    return opts


def pressure_mass_schur(p, q, viscosity, dx=ufl.dx) -> ufl.Form:
    """Ŝ = −∫ (1/μ) p q dx (p trial, q test function of the pressure space or of a mixed space's
    pressure component): the Schur-complement preconditioner of viscous flow
    ∫ 2μ ε(u):ε(v) − p ∇·v − q ∇·u, with μ any UFL expression (e.g. a power-law viscosity at the
    current iterate; P is then reassembled with J at every Newton step). The sign is that of
    S = −B A⁻¹ Bᵀ."""
    return -(1 / viscosity) * ufl.inner(p, q) * dx


# --------------------------------------------------------------------------------------------
# Report


@dataclass
class BlockSolveReport(SolveReport):
    """Outcome of one block solve, with the per-field history (one entry per Newton iterate,
    the initial guess first)."""

    scales: dict[str, float] = field(default_factory=dict)
    residuals: dict[str, list[float]] = field(default_factory=dict)  # ‖F_i‖, physical units
    scaled: dict[str, list[float]] = field(default_factory=dict)  # ‖F_i‖ / s_i
    linear_iterations: list[int] = field(default_factory=list)  # Krylov iterations per Newton step


@dataclass
class Field:
    """One unknown of a block system: its name (the split's options prefix
    ``fieldsplit_<name>_``), Function and residual form (tested in the Function's space)."""

    name: str
    u: fem.Function
    F: ufl.Form


@dataclass
class _Split:
    name: str
    iset: PETSc.IS  # global rows of the field, sorted (PCFIELDSPLIT requires it)
    local: slice | np.ndarray  # the same rows in the local (owned) part of a block vector
    order: np.ndarray | None = None  # mixed space: collapsed sub-space dof of each row


# --------------------------------------------------------------------------------------------
# Mixed layout


def _sub_dofs(W: fem.FunctionSpace, i: int, V: fem.FunctionSpace) -> np.ndarray:
    """Index in W of every (local and ghost, unrolled) dof of V, where V has the element of
    W.sub(i): the cell dofmaps of V and of W.sub(i) list the same element dofs in the same order
    (for a blocked V, dof b·bs + j of node b is the j-th value of that node)."""
    bs = V.dofmap.index_map_bs
    cells_V = V.dofmap.list
    n_cells, n_nodes = cells_V.shape
    out = np.full((V.dofmap.index_map.size_local + V.dofmap.index_map.num_ghosts) * bs, -1, dtype=np.int32)
    unrolled = (cells_V[:, :, None] * bs + np.arange(bs)).reshape(n_cells, -1)
    out[unrolled.ravel()] = W.sub(i).dofmap.list.reshape(n_cells, -1).ravel()
    if (out < 0).any():
        raise RuntimeError(f"field {i}: dofs not reached by any cell")
    return out


class MixedLayout:
    """Fields u_1 … u_N (Functions on one mesh, residuals F_i tested in their own spaces) as one
    Function w on W = V_1 × … × V_N with the residual F = Σ_i F_i(u → split(w); v_i → split(v)_i).

    ``maps[i]`` is the index in W of each dof of V_i; :meth:`gather` copies the fields into w,
    :meth:`scatter` back. Dirichlet conditions on V_i (or on a sub-space of it) become conditions on
    W.sub(i) (the same sub-space path) with the same value object (:meth:`condition`), so a
    Constant changed later acts on both. Forms of the fields (e.g. a constraint functional) are
    written on w with :meth:`on_mixed`."""

    def __init__(self, fields: Sequence[Field], bcs: Sequence[fem.DirichletBC] = ()):
        spaces = [f.u.function_space for f in fields]
        msh = spaces[0].mesh
        if any(V.mesh is not msh for V in spaces):
            raise ValueError("a mixed layout needs every field on the same mesh")
        self.fields = list(fields)
        self.W = W = fem.functionspace(msh, basix.ufl.mixed_element([V.ufl_element() for V in spaces]))
        self.w = fem.Function(W, name="_".join(f.name for f in fields))
        self.maps = [_sub_dofs(W, i, V) for i, V in enumerate(spaces)]
        unknowns, tests = ufl.split(self.w), ufl.TestFunctions(W)
        self.substitution = {f.u: unknowns[i] for i, f in enumerate(fields)}
        parts = []
        for i, f in enumerate(fields):
            (test,) = f.F.arguments()
            parts.append(ufl.replace(f.F, {**self.substitution, test: tests[i]}))
        self.F = sum(parts[1:], parts[0])
        self._conditions: dict[int, fem.DirichletBC | list[fem.DirichletBC]] = {}
        for bc in bcs:
            self._conditions[id(bc)] = self.condition(bc)
        self.bcs = []
        for c in self._conditions.values():
            self.bcs.extend(c if isinstance(c, list) else [c])

    def on_mixed(self, form):
        """``form`` (or expression) of the fields, written on w."""
        return ufl.replace(form, self.substitution)

    def condition(self, bc: fem.DirichletBC) -> fem.DirichletBC | list[fem.DirichletBC]:
        """The condition ``bc`` (on a field's space or a sub-space of it, constant value) on W. A
        vector-valued Constant on a blocked field becomes one condition per component (a list),
        each with a copy of that component's value (W's sub-spaces are not blocked)."""
        if id(bc) in self._conditions:
            return self._conditions[id(bc)]
        for i, f in enumerate(self.fields):
            V = f.u.function_space
            if V._cpp_object.contains(bc.function_space):
                break
        else:
            raise ValueError("a Dirichlet condition on none of the fields' spaces")
        target = self.W.sub(i)
        for component in bc.function_space.component()[len(V._cpp_object.component()):]:
            target = target.sub(component)
        dofs, _ = bc.dof_indices()
        value = bc.g  # the C++ value object, shared with bc
        if type(value).__name__.startswith("Function"):
            raise NotImplementedError("a mixed layout takes Dirichlet conditions with constant values")
        if np.size(value.value) > 1:
            bs = np.size(value.value)
            out = []
            for j, vj in enumerate(np.ravel(value.value)):
                component = dofs[dofs % bs == j]
                out.append(fem.dirichletbc(PETSc.ScalarType(vj), self.maps[i][component].astype(np.int32),
                                           target.sub(j)))
            return out
        cpp = type(bc._cpp_object)(value, self.maps[i][dofs].astype(np.int32), target._cpp_object)
        return fem.DirichletBC(cpp)

    def owned(self, i: int) -> np.ndarray:
        """W's (local) index of each owned dof of field i."""
        V = self.fields[i].u.function_space
        n = V.dofmap.index_map.size_local * V.dofmap.index_map_bs
        rows = self.maps[i][:n]
        n_w = self.W.dofmap.index_map.size_local * self.W.dofmap.index_map_bs
        if rows.size and rows.max() >= n_w:
            raise RuntimeError(f"field {self.fields[i].name}: an owned dof is a ghost of the mixed space")
        return rows.astype(PETSc.IntType)

    def gather(self) -> None:
        """w ← (u_1, …, u_N) (local and ghost entries)."""
        for f, m in zip(self.fields, self.maps, strict=True):
            self.w.x.array[m] = f.u.x.array

    def scatter(self) -> None:
        """(u_1, …, u_N) ← w."""
        for f, m in zip(self.fields, self.maps, strict=True):
            f.u.x.array[:] = self.w.x.array[m]


# --------------------------------------------------------------------------------------------
# Solver


def scaled_convergence(snes, it: int, worst: float, report, xnorm: float, ynorm: float):
    """SNES convergence decision on scaled per-field residuals: ``worst`` is the largest scaled
    residual now, ``report.scaled`` the history of each field's (its first entries the initial
    residuals). Converged when worst <= atol, or worst <= rtol × the largest initial one, or the
    step is below stol × ‖x‖; NaN diverges; max_it ends the iteration."""
    rtol, atol, stol, max_it = snes.getTolerances()
    reason = PETSc.SNES.ConvergedReason
    if not np.isfinite(worst):
        return reason.DIVERGED_FNORM_NAN
    if worst <= atol:
        return reason.CONVERGED_FNORM_ABS
    if it == 0:
        return reason.ITERATING
    initial = max(s[0] for s in report.scaled.values())
    if worst <= rtol * initial:
        return reason.CONVERGED_FNORM_RELATIVE
    if ynorm <= stol * xnorm:
        return reason.CONVERGED_SNORM_RELATIVE
    if it >= max_it:
        return reason.DIVERGED_MAX_IT
    return reason.ITERATING


class BlockSolver:
    """Solve the block system F_i(u_1 … u_N; v_i) = 0 with PETSc SNES and field splits.

    Parameters
    ----------
    fields : ``Field`` objects or ``(name, Function, residual)`` tuples.
    bcs : Dirichlet conditions on any of the fields' spaces.
    prefix : PETSc options prefix; the splits are ``<prefix>fieldsplit_<name>_``.
    options : PETSc options (without prefix), e.g. ``saddle_point(...)``.
    linear : the residuals are affine: one Krylov solve per call (``snes_type ksponly``).
    entity_maps : mesh → entity map, for forms coupling fields on different meshes (as in
        ``dolfinx.fem.form``: ``emap[i]`` is the entity of that mesh matching entity i of the
        integration domain).
    jacobian : {(name_i, name_j): form or None} replacing ∂F_i/∂u_j.
    preconditioner : {(name_i, name_j): form} replacing blocks of J in the preconditioner matrix P
        (used only when the PC is a field split).
    near_nullspace : {name: PETSc.NullSpace} for AMG inside that field's split (rigid-body modes
        of ``solvers.rigid_body_modes``).
    nullspace : names of fields defined up to a constant (the pressure of enclosed flow).
    scales : {name: s_i} residual scales in the units of F_i (default: the first residual).
    monitor : print the per-field scaled residuals at each iteration (also with the option
        ``-<prefix>snes_monitor_blocks``).
    jacobian_key : callable returning a hashable that changes whenever J (or P) does; when given,
        they are reassembled only on a change.
    bounds : {name: (lower, upper)} Functions for a variational inequality (``vinewtonrsls``);
        fields not named are unbounded.
    """

    def __init__(self, fields: Sequence[Field | tuple], bcs: Sequence[fem.DirichletBC] = (), *,
                 prefix: str, options: Mapping[str, object] | None = None, linear: bool = False,
                 entity_maps: dict | None = None,
                 jacobian: Mapping[tuple[str, str], ufl.Form | None] | None = None,
                 preconditioner: Mapping[tuple[str, str], ufl.Form] | None = None,
                 near_nullspace: Mapping[str, PETSc.NullSpace] | None = None,
                 nullspace: Sequence[str] = (), scales: Mapping[str, float] | None = None,
                 monitor: bool = False, jacobian_key: Callable[[], Hashable] | None = None,
                 bounds: Mapping[str, tuple[fem.Function, fem.Function]] | None = None,
                 _splits: Sequence[tuple[str, np.ndarray]] | None = None):
        blocks = [f if isinstance(f, Field) else Field(*f) for f in fields]
        self.fields = blocks
        self.functions = [f.u for f in blocks]
        self.bcs = list(bcs)
        self.prefix = prefix
        self.linear = linear
        self._jacobian_key = jacobian_key
        self._assembled_key: object = _UNSET
        self.layout: MixedLayout | None = None  # set by as_mixed
        spaces = [u.function_space for u in self.functions]
        names = [f.name for f in blocks]

        jac = [[_derivative(f.F, u) for u in self.functions] for f in blocks]
        for (ni, nj), form in (jacobian or {}).items():
            jac[names.index(ni)][names.index(nj)] = form
        for i, V in enumerate(spaces):  # a constrained field needs its diagonal block in the matrix
            if jac[i][i] is None and any(V._cpp_object.contains(bc.function_space) for bc in self.bcs):
                jac[i][i] = _zero_block(V)
        self.L = fem.form([f.F for f in blocks], entity_maps=entity_maps)
        self.a = fem.form(jac, entity_maps=entity_maps)
        self.a_P = None
        if preconditioner:
            pre = [[jac[i][j] for j in range(len(blocks))] for i in range(len(blocks))]
            for (ni, nj), form in preconditioner.items():
                pre[names.index(ni)][names.index(nj)] = form
            self.a_P = fem.form(pre, entity_maps=entity_maps)

        self.A = fem_petsc.create_matrix_block(self.a)
        self.b = fem_petsc.create_vector_block(self.L)
        self.x = fem_petsc.create_vector_block(self.L)
        self._maps = [(V.dofmap.index_map, V.dofmap.index_map_bs) for V in spaces]
        self._owned = [m.size_local * bs for m, bs in self._maps]
        self._offsets = np.concatenate([[0], np.cumsum(self._owned)]).astype(int)
        self.comm = comm = spaces[0].mesh.comm
        self.splits = self._make_splits(names, _splits)
        self.names = [s.name for s in self.splits]
        self._near_nullspace = {}
        for name, nsp in (near_nullspace or {}).items():
            split = self._split(name)
            if split.order is not None:
                nsp = _permuted(nsp, split.order)
            split.iset.compose("nearnullspace", nsp)  # PCFIELDSPLIT hands it to the sub-matrix
            self._near_nullspace[name] = nsp
        self._nullspace = None
        if nullspace:
            self._nullspace = self._constant_nullspace(nullspace)
            self.A.setNullSpace(self._nullspace)
            self.A.setTransposeNullSpace(self._nullspace)
        self._scales_given = dict(scales or {})
        unknown = set(self._scales_given) - set(self.names)
        if unknown:
            raise ValueError(f"scales given for unknown fields {sorted(unknown)}")

        snes = PETSc.SNES().create(comm)
        snes.setOptionsPrefix(prefix)
        base = {"snes_type": "ksponly" if linear else "newtonls",
                "snes_error_if_not_converged": False, "ksp_error_if_not_converged": False}
        if not linear:
            base["snes_linesearch_type"] = "bt"
        if bounds:
            base["snes_type"] = "vinewtonrsls"
            base["snes_linesearch_type"] = "basic"
        merged = {**base, **(options or {})}
        self.options = merged
        self._scope = OptionsScope(prefix, merged)
        snes.setFunction(self._residual, self.b)
        self._bounds = None
        self._bound_functions = dict(bounds or {})
        if bounds:
            self._bounds = self._bound_vectors(bounds)
            snes.setVariableBounds(*self._bounds)
        with self._scope:
            self.monitor = monitor or PETSc.Options().getBool(f"{prefix}snes_monitor_blocks", False)
            snes.setFromOptions()
            ksp = snes.getKSP()
            ksp.setFromOptions()
        # an interrupt request (SIGINT/SIGTERM) is honoured after every Newton iteration
        comm = self.functions[0].function_space.mesh.comm
        snes.setMonitor(lambda snes, its, norm: interrupt.check(comm))
        pc = ksp.getPC()
        self.field_split = pc.getType() == PETSc.PC.Type.FIELDSPLIT
        if self.field_split:
            pc.setFieldSplitIS(*[(s.name, s.iset) for s in self.splits])
        use_P = self.a_P is not None and self.field_split
        self.P = fem_petsc.create_matrix_block(self.a_P) if use_P else None
        snes.setJacobian(self._jacobian, self.A, self.P if self.P is not None else self.A)
        snes.setConvergenceTest(self._converged)
        self.snes = snes
        self.stats = SolverStatistics()
        self.jacobian_assemblies = 0
        self._report: BlockSolveReport | None = None

    @classmethod
    def mixed(cls, F: ufl.Form, w: fem.Function, names: Sequence[str],
              bcs: Sequence[fem.DirichletBC] = (), *,
              near_nullspace: Mapping[str, PETSc.NullSpace] | None = None,
              preconditioner: ufl.Form | None = None, **kwargs) -> BlockSolver:
        """Solver for one Function ``w`` on a mixed space with residual F, split by its
        sub-spaces (``names[i]`` for ``W.sub(i)``). A split's rows are its sub-space's owned dofs
        sorted by global index (PCFIELDSPLIT requires sorted index sets); a near-nullspace is given
        on the collapsed sub-space ``W.sub(i).collapse()[0]`` and permuted to that order.
        ``preconditioner`` is the full bilinear form of P; ``jacobian``, if given, is
        ``{("w", "w"): J}``."""
        W = w.function_space
        n_owned = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
        splits = []
        for i, name in enumerate(names):
            Vi, parent_dofs = W.sub(i).collapse()
            n_i = Vi.dofmap.index_map.size_local * Vi.dofmap.index_map_bs
            owned = np.asarray(parent_dofs[:n_i], dtype=PETSc.IntType)
            if owned.size and owned.max() >= n_owned:
                raise RuntimeError("collapsed sub-space owns a dof its parent does not")
            splits.append((name, owned))
        pre = None if preconditioner is None else {("w", "w"): preconditioner}
        return cls([Field("w", w, F)], bcs, near_nullspace=near_nullspace, preconditioner=pre,
                   _splits=splits, **kwargs)

    @classmethod
    def as_mixed(cls, fields: Sequence[Field | tuple], bcs: Sequence[fem.DirichletBC] = (), *,
                 near_nullspace: Mapping[str, PETSc.NullSpace] | None = None, **kwargs) -> BlockSolver:
        """The block system of ``fields`` (as for the constructor: Functions, residuals, conditions
        on their spaces, near-nullspaces in their numbering) assembled on one mixed space
        (:class:`MixedLayout`); :meth:`solve` reads and writes the fields' Functions, the splits are
        named after the fields. ``jacobian`` and ``preconditioner`` blocks are not available."""
        layout = MixedLayout([f if isinstance(f, Field) else Field(*f) for f in fields], bcs)
        splits = [(f.name, layout.owned(i)) for i, f in enumerate(layout.fields)]
        solver = cls([Field("w", layout.w, layout.F)], layout.bcs, near_nullspace=near_nullspace,
                     _splits=splits, **kwargs)
        solver.layout = layout
        return solver

    # helpers ------------------------------------------------------------------------------
    def _make_splits(self, names: Sequence[str],
                     mixed: Sequence[tuple[str, np.ndarray]] | None) -> list[_Split]:
        """Blocks: field i owns the contiguous rows [start + o_i, start + o_i + n_i) of each rank's
        range. Mixed: the owned dofs of each sub-space, sorted, in the parent's global numbering."""
        start = self.x.getOwnershipRange()[0]
        if mixed is None:
            return [_Split(n, PETSc.IS().createStride(int(hi - lo), int(start + lo), 1, comm=self.comm),
                           slice(int(lo), int(hi)))
                    for n, lo, hi in zip(names, self._offsets[:-1], self._offsets[1:], strict=True)]
        splits = []
        for n, idx in mixed:
            order = np.argsort(idx, kind="stable")
            rows = idx[order]
            splits.append(_Split(n, PETSc.IS().createGeneral(start + rows, comm=self.comm), rows, order))
        return splits

    def _split(self, name: str) -> _Split:
        for s in self.splits:
            if s.name == name:
                return s
        raise KeyError(f"no field {name!r} (fields: {self.names})")

    def _constant_nullspace(self, names: Sequence[str]) -> PETSc.NullSpace:
        vecs = []
        for name in names:
            v = self.x.duplicate()
            ones = np.zeros(v.getLocalSize())
            ones[self._split(name).local] = 1.0
            v.setArray(ones)
            v.normalize()
            vecs.append(v)
        return PETSc.NullSpace().create(vectors=vecs, comm=self.comm)

    def _bound_vectors(self, bounds):
        lower, upper = self.x.duplicate(), self.x.duplicate()
        for vec, k, fill in ((lower, 0, PETSc.NINFINITY), (upper, 1, PETSc.INFINITY)):
            arrays = []
            for f in self.fields:
                if f.name in bounds:
                    arrays.append(bounds[f.name][k].x.array)
                else:
                    arrays.append(np.full(f.u.x.array.shape, fill))
            scatter_local_vectors(vec, arrays, self._maps)
            vec.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        return lower, upper

    def _to_functions(self, x: PETSc.Vec) -> None:
        xa = x.getArray(readonly=True)
        for u, lo, hi in zip(self.functions, self._offsets[:-1], self._offsets[1:], strict=True):
            u.x.array[: hi - lo] = xa[lo:hi]
            u.x.scatter_forward()

    def _from_functions(self, x: PETSc.Vec) -> None:
        scatter_local_vectors(x, [u.x.array for u in self.functions], self._maps)
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)

    def field_norms(self, F: PETSc.Vec) -> np.ndarray:
        """‖F_i‖ (l2) of every split; over the inactive set when the solve has bounds."""
        a = F.getArray(readonly=True)
        if self._bounds is not None:
            a = a * self._inactive(a)
        squares = np.array([np.dot(a[s.local], a[s.local]) for s in self.splits])
        return np.sqrt(self.comm.allreduce(squares, op=MPI.SUM))

    def _inactive(self, f: np.ndarray) -> np.ndarray:
        """PETSc's active set of vinewtonrsls: x at a bound with F pushing outwards."""
        x = self.snes.getSolution().getArray(readonly=True)
        lo, hi = (v.getArray(readonly=True) for v in self._bounds)
        tol = 1e-8  # PETSC_SMALL, SNESVIGetActiveSetIS's zero tolerance
        active = ((x <= lo + tol) & (f > 0)) | ((x >= hi - tol) & (f < 0))
        return ~active

    # SNES callbacks -----------------------------------------------------------------------
    def _residual(self, snes, x, b):
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        self._to_functions(x)
        with b.localForm() as b_local:
            b_local.set(0.0)
        fem_petsc.assemble_vector_block(b, self.L, self.a, bcs=self.bcs, x0=x, alpha=-1.0)

    def _jacobian(self, snes, x, A, P):
        if self._jacobian_key is not None:
            key = self._jacobian_key()
            if key == self._assembled_key:
                return
            self._assembled_key = key
        A.zeroEntries()
        fem_petsc.assemble_matrix_block(A, self.a, bcs=self.bcs)
        A.assemble()
        if self.P is not None:
            P.zeroEntries()
            fem_petsc.assemble_matrix_block(P, self.a_P, bcs=self.bcs)
            P.assemble()
        self.jacobian_assemblies += 1

    def _record(self, norms: np.ndarray) -> np.ndarray:
        """Store ‖F_i‖ and r_i = ‖F_i‖/s_i (fixing the default scales at the first call)."""
        rep = self._report
        if not rep.scales:
            fallback = norms.max() if norms.max() > 0 else 1.0
            for name, n in zip(self.names, norms, strict=True):
                rep.scales[name] = float(self._scales_given.get(name, n if n > 0 else fallback))
        scaled = norms / np.array([rep.scales[n] for n in self.names])
        for name, n, r in zip(self.names, norms, scaled, strict=True):
            rep.residuals[name].append(float(n))
            rep.scaled[name].append(float(r))
        if self.monitor:
            it = len(rep.scaled[self.names[0]]) - 1
            fields = "  ".join(f"{n} {r:.3e}" for n, r in zip(self.names, scaled, strict=True))
            PETSc.Sys.Print(f"{self.prefix} {it:3d} scaled residual {scaled.max():.3e}  [{fields}]",
                            comm=self.comm)
        return scaled

    def _converged(self, snes, it, norms):
        xnorm, ynorm, _ = norms
        rep = self._report
        if it > 0:
            total = snes.getLinearSolveIterations()
            rep.linear_iterations.append(total - sum(rep.linear_iterations))
        scaled = self._record(self.field_norms(self.b))
        return scaled_convergence(snes, it, float(scaled.max()), rep, xnorm, ynorm)

    def update_bounds(self) -> None:
        """Copy the current values of the bound Functions into the variational inequality's bounds
        (e.g. the irreversibility bound d_n after a step was accepted)."""
        for vec, k in zip(self._bounds, (0, 1), strict=True):
            arrays = [self._bound_functions[f.name][k].x.array if f.name in self._bound_functions
                      else np.full(f.u.x.array.shape, PETSc.INFINITY if k else PETSc.NINFINITY)
                      for f in self.fields]
            scatter_local_vectors(vec, arrays, self._maps)
            vec.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)

    def set_scales(self, scales: Mapping[str, float]) -> None:
        """Replace the residual scales s_i of the next solves (fields not named: first residual)."""
        unknown = set(scales) - set(self.names)
        if unknown:
            raise ValueError(f"scales given for unknown fields {sorted(unknown)}")
        self._scales_given = dict(scales)

    def invalidate(self) -> None:
        """Force reassembly of J (and P) at the next solve."""
        self._assembled_key = _UNSET

    def set_bcs(self, bcs: Sequence[fem.DirichletBC]) -> None:
        """Replace the Dirichlet conditions (e.g. a contact active set changed) on the same dofs'
        fields; J is reassembled at the next solve. The conditions may constrain other dofs of a
        field, as long as every constrained field has a diagonal block (the sparsity is kept)."""
        self.bcs = list(bcs)
        self.invalidate()

    # ------------------------------------------------------------------------------------
    def solve(self) -> BlockSolveReport:
        """Solve from the current Functions; on failure they hold the last iterate."""
        t0 = time.perf_counter()
        self._report = rep = BlockSolveReport(False)
        for name in self.names:
            rep.residuals[name], rep.scaled[name] = [], []
        if self.layout is not None:
            self.layout.gather()
        for u in self.functions:
            u.x.petsc_vec.stateIncrease()
        self._from_functions(self.x)
        if self.linear:  # ksponly calls no convergence test: record F(x⁰) here, F(x¹) below
            self._residual(self.snes, self.x, self.b)
            self._record(self.field_norms(self.b))
        with self._scope:
            try:
                self.snes.solve(None, self.x)
            except PETSc.Error as exc:  # not a convergence failure: report PETSc's own message
                raise_solver_error(exc, self.prefix)
        reason = self.snes.getConvergedReason()
        ksp_reason = self.snes.getKSP().getConvergedReason()
        if self.linear:
            rep.linear_iterations.append(self.snes.getLinearSolveIterations())
            self._residual(self.snes, self.x, self.b)
            self._record(self.field_norms(self.b))
        self._to_functions(self.x)
        if self.layout is not None:
            self.layout.scatter()
        converged = reason > 0 and ksp_reason >= 0
        if converged:
            converged = all(np.isfinite(s[-1]) for s in rep.scaled.values())
        rep.converged = converged
        rep.iterations = self.snes.getIterationNumber()
        rep.krylov = self.snes.getLinearSolveIterations()
        if not converged:
            rep.reason = _reason_name(reason, ksp_reason) + _factor_error(self.snes.getKSP())
        rep.seconds = time.perf_counter() - t0
        self.stats.add(rep)
        return rep

    def destroy(self) -> None:
        for obj in (self.snes, self.A, self.P, self.b, self.x):
            if obj is not None:
                obj.destroy()


def _permuted(nsp: PETSc.NullSpace, order: np.ndarray) -> PETSc.NullSpace:
    """The nullspace with every vector's owned entries reordered as ``v[order]`` (a permutation
    on each rank keeps the basis orthonormal)."""
    vecs = []
    for v in nsp.getVecs():
        w = PETSc.Vec().createMPI((len(order), PETSc.DECIDE), comm=v.getComm())
        w.setArray(v.getArray(readonly=True)[order])
        vecs.append(w)
    return PETSc.NullSpace().create(constant=nsp.hasConstant(), vectors=vecs, comm=nsp.getComm())


def _derivative(F: ufl.Form, u: fem.Function) -> ufl.Form | None:
    """∂F/∂u in the direction of a trial function of u's space, None where it vanishes."""
    J = ufl.algorithms.expand_derivatives(ufl.derivative(F, u, ufl.TrialFunction(u.function_space)))
    return None if J.empty() else J


def _zero_block(V: fem.FunctionSpace) -> ufl.Form:
    """0 · ∫ u v dx: room in the matrix for the unit diagonal of constrained dofs."""
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    zero = fem.Constant(V.mesh, PETSc.ScalarType(0.0))
    return zero * ufl.inner(u, v) * ufl.dx(domain=V.mesh)
