"""The phase-field fracture core shared by the problems that crack: unknowns, solvers, stagger.

Given the displacement and damage spaces, the kinematics and the Dirichlet conditions of a
problem, :class:`PhaseFieldFracture` builds (once) the two subproblems of alternate minimisation of

    Π(u, d) = ∫ [g(d) ψ⁺(ε_e(u)) + ψ⁻(ε_e(u))] w dx + G_c Γ_ℓ(d)     (battchem.physics.phasefield)

- u-step, d frozen: ∫ σ(ε_e(u), d) : ε(v) w dx = 0 — SNES ``newtonls``, prefix ``mechanics_``.
  ``formulation: anisotropic``: σ = g(d) ∂ψ⁺/∂ε + ∂ψ⁻/∂ε (nonlinear with a split);
  ``hybrid`` (Ambati, Gerasimov & De Lorenzis 2015): σ = g(d) ∂ψ/∂ε, linear in u (one Krylov
  solve), with the factorisation or AMG hierarchy kept across sweeps and steps while the solves
  it preconditions need at most ``preconditioner_reuse_its`` Krylov iterations;
- d-step, u frozen: ∫ [−2(1 − d) 𝓗 q + (G_c/c_w)(w′(d) q/ℓ + 2ℓ ∇d·∇q)] w dx = 0 with
  𝓗 = H = max(H_n, ψ⁺) (``history``; AT2 is then linear: one Krylov solve) or 𝓗 = ψ⁺ with the
  SNES variational inequality ``vinewtonrsls`` and bounds d_n ≤ d ≤ 1
  (``variational_inequality``); AT1 with a history field keeps the bounds d_n ≤ d ≤ 1, and the
  linear AT2 history step is raised to d_n where its P1 solution dips below it, prefix
  ``damage_``. The split energy ψ⁺ drives the damage in both formulations;

and iterates them with :func:`battchem.solvers.staggered`: plain sweeps (``stagger: plain``), or
sweeps whose damage iterates are over-relaxed while the sweeps leave an unstable state and
(``anderson``) Anderson-mixed while they contract, or (``adaptive``) Anderson-mixed, then extrapolated
with an adaptive factor once they leave it (:class:`_SafeguardedAcceleration`: clipped to
d_n ≤ d ≤ max(d_n, 1), kept only if the energy does not rise above that of the plain iterate,
plain sweeps once the stagger error stalls); with
``monolithic_switch`` = k > 0, a step whose last k sweeps each reduced the stagger error by less
than the factor ``monolithic_switch_ratio`` is handed to a Newton on (u, d) together
(:mod:`battchem.components.fracture_monolithic`, :class:`_MonolithicSwitch`), whose solution is kept
if it converges without raising the energy, the sweeps going on from it or from where they were. A step
has converged when
‖d_k − d_{k−1}‖∞ and the u-residual at (u_k, d_k), relative to the load (the eigenstrain load
‖∫ C:ε* : ε(v) w dx‖ plus the reactions on the Dirichlet rows), are both below
``solver.stagger_tol``. Matrices, KSPs and preconditioners live as long as the object.

The history field is piecewise constant (DG0): exact for P1 displacements whenever the strain is
cellwise constant (Cartesian 1-D/2-D/3-D, plane strain); a quadrature space would be needed for
axisymmetric strains (u_r/r) or P2 displacements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem.acceleration import AndersonMixing
from battchem.components.fracture_monolithic import MonolithicFracture
from battchem.config import Model, Q, SolverConfig
from battchem.physics import phasefield as pf
from battchem.solvers import (
    NonlinearSolver,
    SolveReport,
    SolverStatistics,
    StaggeredResult,
    absolute_tolerance,
    default_options,
    global_size,
    rigid_body_modes,
    staggered,
)


class FractureInput(Model):
    """Phase-field fracture model (regularised Griffith fracture)."""

    model: Literal["AT2", "AT1"] = Q("AT2", "-",
                                     "crack density: AT2 (w = d², c_w = 2) or AT1 (w = d, c_w = 8/3)")
    Gc: float = Q(2700.0, "J/m^2", "critical energy release rate G_c", gt=0)
    length_scale: float = Q(1.5e-5, "m", "regularisation length ℓ (resolve it with h ≤ ℓ/2)", gt=0)
    split: Literal["spectral", "volumetric_deviatoric", "none"] = Q(
        "spectral", "-", "tension/compression split of ψ: spectral (Miehe 2010), volumetric_deviatoric "
        "(Amor 2009) or none")
    irreversibility: Literal["history", "variational_inequality"] = Q(
        "history", "-", "history: H = max ψ⁺ drives d; variational_inequality: SNES VI with d_prev ≤ d ≤ 1")
    k_res: float = Q(1e-7, "-", "residual stiffness k_res in g(d) = (1 − d)² + k_res", ge=0, lt=1)
    formulation: Literal["anisotropic", "hybrid"] = Q(
        "anisotropic", "-", "anisotropic: the split in the stress and in the energy that drives damage; "
        "hybrid (Ambati 2015): isotropically degraded stress g(d) ∂ψ/∂ε (a linear displacement problem), "
        "the split only in the driving force")
    stagger: Literal["plain", "overrelaxed", "anderson", "adaptive"] = Q(
        "adaptive", "-", "alternate minimisation: plain u ⇄ d sweeps (the reference); overrelaxed: damage "
        "updates over-relaxed while the sweeps leave an unstable state (a running crack); anderson: also "
        "Anderson-mixed while they contract (both safeguarded: d_n ≤ d ≤ 1 and the energy decreasing, else a "
        "plain sweep); "
        "adaptive: Anderson-mixed while they contract, then extrapolated along the slow direction with a "
        "factor from the observed contraction (Aitken) capped by an ω that grows while accepted and halves "
        "when not (same safeguards)")
    anderson_depth: int = Q(5, "-", "stagger anderson: number of previous sweeps combined", ge=1, le=50)
    overrelaxation: float = Q(10.0, "-", "stagger anderson/overrelaxed: relaxation factor ω of the damage update "
                              "while the sweeps leave an unstable state (a crack running at fixed load); "
                              "adaptive: its first cap", ge=1, le=50)
    preconditioner_reuse_its: int = Q(
        25, "-", "hybrid: keep the displacement factorisation / AMG hierarchy across sweeps and steps while "
        "the solves it preconditions need at most this many Krylov iterations (0: rebuild at every change)",
        ge=0, le=1000)
    monolithic_switch: int = Q(
        0, "-", "switch a stalled load step to a monolithic Newton on (u, d) (SNES vinewtonrsls, "
        "d_n ≤ d ≤ 1, prefix fracture_) after this many sweeps in a row whose stagger error decreases by "
        "less than monolithic_switch_ratio; kept if it converges without raising the energy, else the "
        "sweeps go on (0: never)", ge=0, le=1000)
    monolithic_switch_ratio: float = Q(
        0.9, "-", "monolithic_switch: a sweep stalls when its stagger error is below the previous one's "
        "but above this fraction of it", gt=0, lt=1)


@dataclass
class StaggerOutcome:
    """A converged or failed staggered solve of one load step."""

    result: StaggeredResult
    change: float  # ‖d − d_n‖∞ over the step
    residual: float = float("nan")  # u-residual / load at the last sweep (nan: not evaluated)
    sweep_change: float = float("nan")  # ‖d_k − d_{k−1}‖∞ at the last sweep
    safeguarded: int = 0  # accelerated iterates replaced by plain ones (energy increase)
    newton: str = ""  # monolithic switch in this step: "" (none), "converged" or why it was rejected
    escaped: bool = False  # given up because the sweeps left the state (see _ESCAPE_SWEEPS)
    unstable: bool = False  # an unstable jump, solved through at this step (see PhaseFieldFracture.solve)

    @property
    def converged(self) -> bool:
        return self.result.converged

    def controlled_change(self, target: float | None) -> float:
        """‖d − d_n‖∞ for the step controller whose damage target is ``target``: an unstable jump
        (solved through) counts as on target, since a shorter step would not shrink it."""
        return min(self.change, target) if self.unstable and target is not None else self.change


class PhaseFieldFracture:
    """Displacement u and damage d with their solvers and the staggered loop.

    Parameters
    ----------
    Vu, Vd : displacement (P1, vector or scalar) and damage (P1 scalar) spaces.
    strain : u ↦ 3x3 kinematic strain ε(u) (e.g. ``CoordinateSystem.strain``); also applied to
        the test function.
    weight : volume element factor (``CoordinateSystem.weight``).
    dx : cell measure (with the quadrature degree the caller wants).
    E, nu : Young's modulus [Pa] and Poisson's ratio: numbers (made Constants, so that a new value
        reuses the compiled forms), Constants, or spatially varying UFL expressions (e.g. a DG0
        Function per material).
    params : :class:`FractureInput`; ``Gc`` may be overridden by a spatially varying ``Gc``.
    settings : the input's ``solver`` section.
    bcs_u, bcs_d : Dirichlet conditions (loads through their Constants/Functions).
    elastic_strain : u ↦ elastic strain ε_e (default: ``strain``; subtract eigenstrains here).
    initial_history : x ↦ H₀ (or a Function), interpolated into DG0: the floor of the damage
        driving force that seeds initial flaws (Borden et al. 2012, ``pf.flaw_history``):
        the history field starts at H₀ (``history``), or 𝓗 = max(ψ⁺, H₀) (``variational_inequality``);
        :meth:`initialise_damage` then solves for the initial damage it sustains.
    Gc : critical energy release rate as a UFL expression (default: ``params.Gc`` as a Constant).
    damage_cells : local cells (owned and ghost) where damage may develop, e.g. the electrolyte of a
        two-material body (default: everywhere). The damage equation and Γ_ℓ are integrated over
        them, and d = 0 is imposed at the nodes that touch no such cell.
    block_diagonal : ε has the plane-strain/axisymmetric pattern, so the spectral split takes its
        2x2 + ε_33 branch (default: from the ``CoordinateSystem`` that ``strain`` belongs to, else
        from the symbolic zero pattern of ε_e).
    """


    def __init__(self, Vu: fem.FunctionSpace, Vd: fem.FunctionSpace, strain: Callable, weight, dx, E, nu,
                 params: FractureInput, settings: SolverConfig, *,
                 bcs_u: Sequence[fem.DirichletBC] = (), bcs_d: Sequence[fem.DirichletBC] = (),
                 elastic_strain: Callable | None = None, initial_history: Callable | fem.Function | None = None,
                 Gc=None, damage_cells: np.ndarray | None = None, block_diagonal: bool | None = None):
        if Vu.element.basix_element.degree != 1 or Vd.element.basix_element.degree != 1:
            raise ValueError("the phase-field core needs P1 displacement and damage (DG0 history field)")
        msh = Vu.mesh
        self.comm = msh.comm
        self.params, self.settings = params, settings
        self.Vu, self.Vd = Vu, Vd
        self.bcs_u, self.bcs_d = list(bcs_u), list(bcs_d)
        has_eigenstrain = elastic_strain is not None
        elastic_strain = elastic_strain or strain
        p = params

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value)) if isinstance(value, (int, float)) else value

        # parameters as Constants (or given expressions): new values reuse the compiled forms
        E, nu = constant(E), constant(nu)
        self.Gc = constant(p.Gc) if Gc is None else Gc
        ell, k_res = constant(p.length_scale), constant(p.k_res)
        dx_damage = dx
        if damage_cells is not None:
            dx_damage = self._restrict_damage(dx, damage_cells)
        self.u = fem.Function(Vu, name="displacement")
        self.u_old = fem.Function(Vu, name="displacement_old")
        self.d = fem.Function(Vd, name="damage")
        self.d_old = fem.Function(Vd, name="damage_old")
        self.d_iter = fem.Function(Vd, name="damage_previous_iterate")
        VH = fem.functionspace(msh, ("DG", 0))
        self.H = fem.Function(VH, name="history")
        self.H_old = fem.Function(VH, name="history_old")

        # stored energy and stress on the elastic strain (the split's branch from the coordinates)
        if block_diagonal is None:
            block_diagonal = getattr(getattr(strain, "__self__", None), "block_diagonal_strain", None)
        self.block_diagonal = block_diagonal
        eps = elastic_strain(self.u)
        split_u = "none" if p.formulation == "hybrid" else p.split  # the split in the u-problem
        self.psi_plus, self.psi_minus = pf.split_energy(eps, E, nu, p.split, block_diagonal=block_diagonal)
        self.stress = pf.degraded_stress(eps, self.d, E, nu, split_u, k_res, block_diagonal=block_diagonal)
        self.energy_density = pf.degraded_energy_density(eps, self.d, E, nu, split_u, k_res,
                                                         block_diagonal=block_diagonal)
        v = ufl.TestFunction(Vu)
        self.residual_u = ufl.inner(self.stress, strain(v)) * weight * dx
        # the eigenstrain load ∫ C:ε* : ε(v) w dx, ε* = ε(u) − ε_e(u) (independent of u: evaluated
        # at a zero displacement), part of the load the u-residual is measured against
        self._eigen_load = None
        if has_eigenstrain:
            zero = fem.Function(Vu)
            eigen = ufl.replace(strain(self.u) - eps, {self.u: zero})
            self._eigen_load = fem.form(ufl.inner(pf.degraded_stress(eigen, 0.0, E, nu, "none", 0.0), strain(v))
                                        * weight * dx)

        # damage driving force and irreversibility
        history = p.irreversibility == "history"
        driving = self.H if history else self.psi_plus
        if initial_history is not None:
            self.H0 = fem.Function(VH, name="initial_history")
            self.H0.interpolate(initial_history)
            self.H_old.x.array[:] = self.H0.x.array
            self.H.x.array[:] = self.H0.x.array
            if not history:
                driving = ufl.max_value(self.psi_plus, self.H0)
        if history:
            points = VH.element.interpolation_points()
            self._history_expr = fem.Expression(pf.history_update(self.H_old, self.psi_plus), points)
        q = ufl.TestFunction(Vd)
        self.residual_d = pf.damage_residual(self.d, q, driving, self.Gc, ell, p.model, weight, dx_damage)
        # the same equation with the driving force a function of u, for the monolithic switch
        coupled = pf.history_update(self.H_old, self.psi_plus) if history else driving
        self._residual_d_coupled = pf.damage_residual(self.d, q, coupled, self.Gc, ell, p.model, weight,
                                                      dx_damage)
        self._monolithic = None  # built at the first switch
        if damage_cells is not None:
            # structural zeros over the other cells: their nodes need matrix entries (rows with a 1 on the
            # diagonal for the d = 0 condition), which a form over the damage region alone does not create
            zero = fem.Constant(msh, PETSc.ScalarType(0.0)) * self.d * q * dx.reconstruct(
                subdomain_id=0, subdomain_data=self.damage_region)
            self.residual_d += zero
            self._residual_d_coupled += zero
        # irreversibility d ≥ d_n: bounds of the VI (AT1 needs them anyway, for d ≥ 0); AT2 with a
        # history field is one linear solve, whose P1 solution is raised to d_n where it dips below
        # it (H ≥ H_n keeps the continuous d above d_n, but P1 has no discrete maximum principle:
        # dips of 2e-5 were seen on the notched plate)
        bounded = not history or p.model == "AT1"
        if bounded:
            self.d_lower = self.d_old
            self.d_upper = fem.Function(Vd, name="damage_upper_bound")
            self.d_upper.x.array[:] = 1.0

        # solvers (assembled structures and KSPs kept for the whole run)
        s = settings
        user = s.petsc_options
        newton = {"snes_rtol": s.snes_rtol, "snes_atol": s.snes_atol, "snes_max_it": s.snes_max_it}
        opts_u = {**default_options("elasticity", global_size(Vu), s), **newton}
        linear_u = split_u == "none"
        if not linear_u:
            # the u-residual is the gradient of a convex energy (d frozen): the critical-point line
            # search minimises it along the Newton direction, where backtracking on ‖F‖ stalls
            # when the crack runs (tension/compression switches of the split)
            opts_u["snes_linesearch_type"] = "cp"
            # cp stops at the initial point when F·δu < atol ‖δu‖ (default atol 1e-15): in SI
            # units a micrometre particle's forces are that small (F·δu ~ 1e-17 J at the first
            # step of a slow insertion in 3-D), so the step would never be taken
            opts_u["snes_linesearch_atol"] = 0.0
        # a lagged preconditioner needs a Krylov method around it (the operator is SPD: CG); a solve
        # that needs more than _LAGGED_MAX_ITS with it is redone with a new one (where the crack
        # runs, g(d) drops to k_res and the old factorisation is far off: CG stalls)
        self._reuse_its = p.preconditioner_reuse_its if linear_u and p.preconditioner_reuse_its > 0 else None
        if self._reuse_its is not None:
            if opts_u.get("ksp_type") == "preonly":
                opts_u.update({"ksp_type": "cg", "ksp_rtol": s.rtol, "ksp_atol": 0.0})
            opts_u["ksp_max_it"] = max(_LAGGED_MAX_ITS, 2 * self._reuse_its)
        opts_u.update(user.get("mechanics", {}))
        nns = None
        if Vu.dofmap.index_map_bs > 1 and opts_u.get("pc_type") == "gamg":
            nns = rigid_body_modes(Vu)
        self.u_solver = NonlinearSolver(self.residual_u, self.u, self.bcs_u, prefix="mechanics_",
                                        options=opts_u, linear=linear_u, near_nullspace=nns,
                                        lagged_preconditioner=self._reuse_its is not None)
        self.u_solver.snes.setConvergenceHistory(length=1000, reset=True)
        self._last_u_krylov = 0
        opts_d = {**default_options("diffusion", global_size(Vd), s), **newton, **user.get("damage", {})}
        self.d_solver = NonlinearSolver(self.residual_d, self.d, self.bcs_d, prefix="damage_", options=opts_d,
                                        linear=not bounded,
                                        bounds=(self.d_lower, self.d_upper) if bounded else None)

        # the stagger's residual test: residual vector, Dirichlet rows (owned, for the reactions)
        self._r = fem_petsc.create_vector(self.u_solver.L)
        self._f_eigen = fem_petsc.create_vector(self._eigen_load) if self._eigen_load is not None else None
        n_owned = Vu.dofmap.index_map.size_local * Vu.dofmap.index_map_bs
        rows = [bc.dof_indices()[0] for bc in self.bcs_u]
        rows = np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int32)
        self._dirichlet_rows = rows[rows < n_owned]
        self._eigen_norm = 0.0
        self._load_scale = 0.0
        self.stagger_stats = SolverStatistics()  # solves = staggered loops, iterations = sweeps
        self.last = StaggerOutcome(StaggeredResult(True, 0, SolveReport(True)), 0.0)
        self._failed_jump: tuple[float, float] | None = None  # (step, ‖Δd‖∞) of this step's failed attempt
        # Absolute Newton tolerances relative to the physical scale of each residual (not
        # snes_atol, an SI number: a micrometre particle's whole damage residual is ~1e-14), so
        # that a solve starting at round-off (d unchanged since the last sweep) counts as converged:
        # u: snes_rtol × the load (set before each solve);
        # d: snes_rtol × ‖∫ 2G_c/(c_w ℓ) q w dx‖, the residual of a unit change of damage.
        unit = fem.form(2 * self.Gc / (pf.normalisation(p.model) * ell) * q * weight * dx_damage)
        self._d_scale = self._norm(unit)
        self.d_solver.snes.setTolerances(atol=absolute_tolerance(s.snes_rtol, s.snes_atol, self._d_scale))
        gamma = pf.crack_surface_density(self.d, ell, p.model)
        self.forms = {
            "elastic_energy": fem.form(self.energy_density * weight * dx),
            "crack_measure": fem.form(gamma * weight * dx_damage),
            "fracture_energy": fem.form(self.Gc * gamma * weight * dx_damage),
        }

    def _restrict_damage(self, dx, cells: np.ndarray):
        """Measure of the damage region, and d = 0 on the nodes that touch none of its cells.

        A node belongs to the region if any rank sees it on a region cell (an additive reverse
        scatter of a marker), so the constraint is the same whatever the partition."""
        from dolfinx import la
        from dolfinx import mesh as dmesh

        msh, Vd = self.Vd.mesh, self.Vd
        tdim = msh.topology.dim
        cells = np.unique(np.asarray(cells, dtype=np.int32))
        n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
        marker = la.vector(Vd.dofmap.index_map, bs=1)
        marker.array[:] = 0.0
        marker.array[np.unique(Vd.dofmap.list[cells].ravel())] = 1.0
        marker.scatter_reverse(la.InsertMode.add)
        marker.scatter_forward()
        outside = np.flatnonzero(marker.array == 0.0).astype(np.int32)
        self.bcs_d.append(fem.dirichletbc(PETSc.ScalarType(0.0), outside, Vd))
        values = np.zeros(n_cells, dtype=np.int32)
        values[cells] = 1
        tags = dmesh.meshtags(msh, tdim, np.arange(n_cells, dtype=np.int32), values)
        self.damage_region = tags
        return dx.reconstruct(subdomain_id=1, subdomain_data=tags)

    # ------------------------------------------------------------------------------------
    def _max_abs(self, a: np.ndarray, b: np.ndarray) -> float:
        n = self.Vd.dofmap.index_map.size_local
        local = float(np.abs(a[:n] - b[:n]).max()) if n else 0.0
        return self.comm.allreduce(local, op=MPI.MAX)

    def damage_change(self) -> float:
        """‖d − d_n‖∞ since the last accepted step."""
        return self._max_abs(self.d.x.array, self.d_old.x.array)

    @staticmethod
    def _assemble(vec: PETSc.Vec, form: fem.Form) -> PETSc.Vec:
        with vec.localForm() as local:
            local.set(0.0)
        fem_petsc.assemble_vector(vec, form)
        vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        return vec

    def _norm(self, form: fem.Form) -> float:
        vec = fem_petsc.create_vector(form)
        value = self._assemble(vec, form).norm()
        vec.destroy()
        return value

    def load_scale(self) -> float:
        """‖f*‖ + ‖reactions‖ at the current (u, d): the eigenstrain load (see :meth:`begin_step`)
        plus the internal force on the Dirichlet rows; updates the scale of the u-solve's absolute
        tolerance. (Collective; assembles the u-residual.)"""
        self.relative_residual()
        return self._load_scale

    def relative_residual(self) -> float:
        """‖R_u(u, d)‖ on the free dofs over the load ‖f*‖ + ‖R_u on the Dirichlet rows‖.

        Rows with a Dirichlet condition carry the reactions (part of the load); on them the
        residual is the violation of the condition, g − u. With no load at all (u = 0, no
        eigenstrain) the ratio is 0 for a zero residual and inf otherwise (the step fails)."""
        r = self._assemble(self._r, self.u_solver.L)
        local = float(np.sum(r.getArray(readonly=True)[self._dirichlet_rows] ** 2))
        reactions = np.sqrt(self.comm.allreduce(local, op=MPI.SUM))
        self._load_scale = self._eigen_norm + reactions
        fem_petsc.set_bc(r, self.bcs_u, self.u.x.petsc_vec, 1.0)  # rows of u = g: g − u
        free = r.norm()
        if free == 0.0:
            return 0.0
        return free / self._load_scale if self._load_scale > 0 else np.inf

    def _reduced_residual(self) -> bool:
        """The last u-solve ran out of iterations (not a linear-solver or NaN failure) and ended
        with a finite residual below its initial one."""
        snes = self.u_solver.snes
        if snes.getConvergedReason() not in (PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT,
                                             PETSc.SNES.ConvergedReason.DIVERGED_LINE_SEARCH):
            return False
        norms = snes.getConvergenceHistory()[0]
        return len(norms) > 1 and bool(np.isfinite(norms[-1])) and norms[-1] < norms[0]

    def total_energy(self) -> float:
        """Π(u, d) = ∫ W(u, d) w dx + ∫ G_c γ_ℓ(d) w dx, with W the stored energy of the u-problem
        (g ψ⁺ + ψ⁻, or g ψ in the hybrid formulation): the u-step minimises it at fixed d."""
        return self.elastic_energy() + self.fracture_energy()

    # stages of the alternate minimisation ---------------------------------------------------------
    def begin_step(self) -> None:
        """Before the sweeps of a step (load applied): the eigenstrain load ‖f*‖, which stays fixed
        during them, and the load scale of the u-solve's tolerance at the current state."""
        if self._eigen_load is not None:
            self._eigen_norm = self._assemble(self._f_eigen, self._eigen_load).norm()
        self.load_scale()

    def solve_displacement(self) -> SolveReport:
        """The u-step at the current d, with the absolute tolerance snes_rtol × load; in the hybrid
        formulation the preconditioner is rebuilt only when the last solve needed more than
        ``preconditioner_reuse_its`` Krylov iterations (or a solve with the old one failed)."""
        s = self.settings
        self.u_solver.snes.setTolerances(atol=absolute_tolerance(s.snes_rtol, s.snes_atol, self._load_scale))
        rebuilds = self.u_solver.preconditioner_builds
        if self._reuse_its is not None and self._last_u_krylov > self._reuse_its:
            self.u_solver.rebuild_preconditioner()
        report = self.u_solver.solve()
        if self._reuse_its is not None:
            self._last_u_krylov = report.krylov
            if not report.converged and self.u_solver.preconditioner_builds == rebuilds:
                # the old preconditioner was too far off: again with a new one
                self.u_solver.rebuild_preconditioner()
                first, report = report, self.u_solver.solve()
                report.iterations += first.iterations
                report.krylov += first.krylov
                report.seconds += first.seconds
                self._last_u_krylov = 0
        if not report.converged and self._reduced_residual():
            # Inexact u-step: alternate minimisation only needs the energy to decrease, and
            # the stagger converges only once the u-residual test passes, so keep sweeping
            # (this happens at the load step where the crack runs). Counted as a failure in
            # the solver statistics.
            report.converged, report.reason = True, ""
        return report

    def solve_damage(self) -> SolveReport:
        """The d-step at the current u (history field updated from it first), with d_n ≤ d ≤ 1.

        AT2 with a history field is a linear solve without bounds: its P1 solution is projected onto
        [d_n, max(d_n, 1)] (irreversibility; and the continuous solution's d ≤ 1, which P1 misses by
        up to 1 % next to a sharp rise of 𝓗, where the consistent reaction term breaks the discrete
        maximum principle)."""
        if self.params.irreversibility == "history":
            self.H.interpolate(self._history_expr)
        report = self.d_solver.solve()
        if self.d_solver.linear:
            self.d.x.array[:] = _clip_to_bounds(self.d.x.array, self.d_old.x.array)
        return report

    def _owned(self, f: fem.Function) -> np.ndarray:
        return f.x.array[: self.Vd.dofmap.index_map.size_local]

    def _set_owned(self, f: fem.Function, values: np.ndarray) -> None:
        self._owned(f)[:] = values
        f.x.scatter_forward()

    def _lower_bound(self) -> np.ndarray:
        """d_n (irreversibility), and 0 where d_n < 0."""
        return np.maximum(self._owned(self.d_old), 0.0)

    # ---------------------------------------------------------------------------------------------
    def solve(self, *, abort_change: float | None = None, step: float | None = None) -> StaggerOutcome:
        """Alternate u and d from the current state (load already applied) until converged.

        With ``abort_change``, a sweep whose ‖d − d_n‖∞ exceeds it ends the loop as failed, so a
        load step that is too large for the step controller is not iterated to convergence (the
        accelerated methods also give up a step whose sweeps leave an unstable state, see
        :data:`_ESCAPE_SWEEPS`).

        Unstable jumps: a crack that runs at a fixed load runs however short the step, so cutting the
        step back only repeats the failure down to the smallest step. Given the step size ``step``,
        a retry after :meth:`reject` at a shorter step that fails again by the sweeps' escape, or by
        a damage jump at least half the first attempt's, is solved through from where it stopped,
        and ``outcome.unstable`` tells the caller to accept it whatever its damage change.
        """
        outcome = self._alternate(abort_change)
        if step is None or abort_change is None or outcome.converged \
                or not (outcome.change > abort_change or outcome.escaped):
            return outcome
        first = self._failed_jump
        if first is None or step >= first[0] or not (outcome.escaped or outcome.change > 0.5 * first[1]):
            self._failed_jump = (step, outcome.change)
            return outcome
        through = self._alternate(None)
        r0, r1 = outcome.result, through.result
        report = r0.report + r1.report
        report.converged = r1.converged
        result = StaggeredResult(r1.converged, r0.iterations + r1.iterations, report, r0.errors + r1.errors)
        self.last = replace(through, result=result, unstable=r1.converged)
        return self.last

    def _alternate(self, abort_change: float | None) -> StaggerOutcome:
        """The staggered loop of :meth:`solve`, once."""
        s = self.settings
        tol = s.stagger_tol
        measures = {"residual": float("nan"), "change": float("nan")}
        self.begin_step()
        accelerated = self.params.stagger != "plain"
        accelerator = _SafeguardedAcceleration(self, self.params, abort_change) if accelerated else None

        def displacement_stage() -> SolveReport:
            report = self.solve_displacement()
            if accelerator is not None and accelerator.pending:
                report = accelerator.check(report)
            return report

        def damage_stage() -> SolveReport:
            self.d_iter.x.array[:] = self.d.x.array
            report = self.solve_damage()
            if report.converged and abort_change is not None:
                change = self.damage_change()
                if change > abort_change:
                    report.converged = False
                    report.reason = f"damage change {change:.3g} > {abort_change:.3g} within the step"
            return report

        def error() -> float:
            # ‖Δd‖∞ first: the residual (an assembly) is needed only once the damage has settled
            measures["change"] = self._max_abs(self.d.x.array, self.d_iter.x.array)
            measures["residual"] = float("nan")
            if measures["change"] > tol:
                return measures["change"]
            measures["residual"] = self.relative_residual()
            return max(measures["change"], measures["residual"])

        stages = [displacement_stage, damage_stage]
        if accelerator is not None:
            stages.insert(0, accelerator.mix)
        switch = _MonolithicSwitch(self, accelerator) if self.params.monolithic_switch > 0 else None
        if switch is not None:
            stages.insert(0, switch.stage)
        if accelerator is not None or switch is not None:
            error_sweep = error

            def error() -> float:
                value = error_sweep()
                if accelerator is not None:
                    accelerator.record(value)
                return switch.record(value) if switch is not None else value
        result = staggered(stages, error, tol=tol, comm=self.comm, max_iterations=s.stagger_max_it)
        self.stagger_stats.add(SolveReport(result.converged, result.iterations, 0, result.report.reason,
                                           result.report.seconds))
        self.last = StaggerOutcome(result, self.damage_change(), measures["residual"], measures["change"],
                                   accelerator.safeguarded if accelerator is not None else 0,
                                   switch.outcome if switch is not None else "",
                                   accelerator is not None and accelerator.gave_up)
        return self.last

    def initialise_damage(self) -> SolveReport:
        """Solve the d-step once at the current u (normally u = 0, so 𝓗 = H₀) and accept it: the
        initial damage of the flaws becomes d_n (the lower bound of the variational inequality)."""
        report = self.solve_damage()
        if report.converged:
            self.accept()
        return report

    def accept(self) -> None:
        """Make the current state the reference of the next step (d_n, H_n, u_n)."""
        self._failed_jump = None
        self.u_old.x.array[:] = self.u.x.array
        self.d_old.x.array[:] = self.d.x.array
        self.H_old.x.array[:] = self.H.x.array

    def reject(self) -> None:
        """Return to the last accepted state."""
        self.u.x.array[:] = self.u_old.x.array
        self.d.x.array[:] = self.d_old.x.array
        self.H.x.array[:] = self.H_old.x.array

    # quantities --------------------------------------------------------------------------
    def _integral(self, name: str) -> float:
        return self.comm.allreduce(fem.assemble_scalar(self.forms[name]), op=MPI.SUM)

    def elastic_energy(self) -> float:
        """∫ (g(d) ψ⁺ + ψ⁻) w dx."""
        return self._integral("elastic_energy")

    def crack_measure(self) -> float:
        """Γ_ℓ(d) = (1/c_w) ∫ (w(d)/ℓ + ℓ|∇d|²) w dx."""
        return self._integral("crack_measure")

    def fracture_energy(self) -> float:
        """∫ G_c γ_ℓ(d) w dx (G_c Γ_ℓ for a uniform G_c)."""
        return self._integral("fracture_energy")

    def reaction_form(self, w: fem.Function) -> fem.Form:
        """Compiled ∫ σ : ε(w) w dx: with w = 1 on the dofs of a loaded boundary component (0
        elsewhere) its value is the reaction force on that boundary in that direction."""
        v = ufl.TestFunction(self.Vu)
        return fem.form(ufl.replace(self.residual_u, {v: w}))

    def damage_max(self) -> float:
        n = self.Vd.dofmap.index_map.size_local
        local = float(self.d.x.array[:n].max()) if n else -np.inf
        return self.comm.allreduce(local, op=MPI.MAX)

    def solver_statistics(self) -> dict:
        """Per prefix; ``stagger``: one 'solve' per staggered loop, its 'iterations' the sweeps."""
        stats = {"mechanics": self.u_solver.stats, "damage": self.d_solver.stats, "stagger": self.stagger_stats}
        if self.params.monolithic_switch > 0:  # the monolithic Newton solves ('fracture' prefix)
            monolithic = self._monolithic
            stats["fracture"] = monolithic.solver.stats if monolithic is not None else SolverStatistics()
        return stats

    def stagger_columns(self) -> list[tuple[str, str]]:
        """Series columns of the convergence of each accepted step (see :meth:`stagger_quantities`)."""
        return [("stagger_residual", "-"), ("stagger_damage_change", "-")]

    def stagger_quantities(self) -> dict[str, float]:
        """u-residual over the load and ‖d_k − d_{k−1}‖∞ at the last sweep of the last solve."""
        return {"stagger_residual": self.last.residual, "stagger_damage_change": self.last.sweep_change}

    def state_functions(self) -> dict:
        return {"u": self.u, "d": self.d, "H": self.H}


# Krylov iteration limit of the hybrid u-solve with a lagged preconditioner (a fresh factorisation
# needs 1, a fresh AMG hierarchy for 3-D elasticity 20-40)
_LAGGED_MAX_ITS = 200

# Relative slack of the energy safeguard. With a history field the plain d-step minimises
# ∫ g(d) H + G_c γ_ℓ with H ≥ ψ⁺, so it may itself raise Π: by up to 3e-8 of Π per sweep on the
# notched plate while the crack runs. A tighter test (1e-7) rejected most accelerated iterates there
# (349 sweeps at the failure step against 191); a looser one (1e-5) let the iterates cycle.
_ENERGY_SLACK = 1e-6

# A cycle of the accelerated updates (seen once on the notched plate while tuning: a period of about
# 420 sweeps, never converging) is broken by plain sweeps for the rest of the step once ‖f‖₂ has
# not reached a new minimum for this many sweeps (more than any accelerated step of the coarse
# plate needs in all: 239 at its failure step).
_STALL_SWEEPS = 300

# The stall test on the stagger error itself (‖Δd‖∞, then the load-normalised residual: what the
# convergence test compares with stagger_tol) while Anderson mixes: no new best, by the relative
# margin _ERROR_PROGRESS, for _ERROR_STALL_SWEEPS sweeps → plain sweeps for the rest of the step.
# ‖f‖₂ can keep decreasing while the error does not. Measured (the longest run of mixed sweeps
# without a new best in a step): 14 on the small notched plate (17 in a rejected step), 2 on the
# LAGP contact edge. Not after the escape (over-relaxation while the crack runs): there the error
# legitimately stays above its best for long (174 sweeps in the LAGP first-cracking step), and a
# stall test on it cost the small plate 636 sweeps instead of 532.
_ERROR_PROGRESS = 0.01
_ERROR_STALL_SWEEPS = 30

# With a step-size limit (``abort_change``): this many growing ‖f‖₂ in a row mean that the sweeps
# are leaving an unstable state (the crack runs at this load), which ends, one way or the other,
# far above the limit; the step is given up at once. On the coarse notched plate the accepted steps
# were the same with and without this rule (overrelaxed, ω = 5); the 7 rejected steps cost 215
# sweeps instead of 357.
_ESCAPE_SWEEPS = 5


# The adaptive extrapolation (stagger: adaptive), measured on the coarse notched plate's failure step
# (ℓ/h = 2; anderson: 239 sweeps; the alternatives were measured while the rules were developed, with
# the energy slack of the accelerated iterates, before the two below them). Its cap ω_max starts at
# ``overrelaxation``, grows by _OMEGA_GROWTH after an accepted extrapolation (to _OMEGA_CAP at most)
# and halves after a rejected one (to _OMEGA_FLOOR at least): growth 2 gave 165 sweeps against 143
# with 1.5; a fixed cap of 10, 157. A factor below _OMEGA_FLOOR gives a plain sweep (with 1.5
# instead, in the final version: 104 sweeps against 106, each extrapolation costing an energy check).
_OMEGA_GROWTH = 1.5
_OMEGA_CAP = 50.0
_OMEGA_FLOOR = 2.0

# After an accepted extrapolation, ‖f‖₂ growing by more than this factor means the extrapolated
# damage profile is off the slow direction: one plain sweep lets it relax before the next
# extrapolation (a bound of 2.5 gave 141 sweeps, 1.25 gave 143).
_RELAX_GROWTH = 1.25

# Energy slack of the adaptive extrapolation once the sweeps leave the state (the creep past a limit
# point and the running crack). There the plain sweeps themselves raise Π (the history field drives
# d with H ≥ ψ⁺): by 5e-8 of Π per sweep in the creep of the plate's failure step, so an
# extrapolation by ω ≈ 5 plain sweeps already exceeds _ENERGY_SLACK. Failure-step sweeps against
# this slack (without the rule that extrapolates with the cap at the first plain sweep after an
# extrapolation): 143 (1e-6), 133 (3e-6), 111 (1e-5), 113 (3e-5), 111 (1e-4), each with anderson's
# peak force and dissipated energy to 1e-7; 1e-5 with that rule: 106. (The monolithic switch
# accepts 1e-4: solutions with the plain answer raised Π by up to 1.4e-5.)
_EXTRAPOLATION_ENERGY_SLACK = 1e-5

# Once ‖f‖₂ after the escape falls below this fraction of its largest value in the step (the jumps
# right after an extrapolation not counted), the crack has run through or arrested and the sweeps
# contract to a stable state: the rest of the step is plain sweeps. Extrapolating there overshoots
# (the next residual points back: cos(f_k, f_{k−1}) ≈ −1) by the cap ω_max = 25–50 that the
# running crack left, which then grows again after each extrapolation the loose energy slack
# accepts: on the coarse notched plate at ℓ/h = 4 the crack had run through by sweep 116 of the
# failure step (Γ_ℓ constant to 1e-5, ‖f‖₂ from 1.7 down to 1e-2), then ‖f‖₂ cycled between 3e-5
# and 3e-2 for 310 sweeps until _STALL_SWEEPS ended them (431 sweeps; 129 with this rule). Over
# every step of the plate at ℓ/h = 2–5, ‖f‖₂/peak stayed ≥ 0.046 before the crack had run through
# and fell to 0.002–0.0099 at the first sweep after (the rule fires there): the bound sits between.
# (Measured before the unstable-jump rule of solve; after it the cycle shows at ℓ/h = 5 instead:
# 453 sweeps, 114 with this rule.)
_ARREST_FRACTION = 2e-2


def _clip_to_bounds(update: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Damage (an accelerated update, or the unbounded AT2 history step) clipped to
    d_n ≤ d ≤ max(d_n, 1). d_n above 1 (from checkpoints written before the history step was
    bounded: 1.0007 at the LAGP contact edge) is kept: a clip to 1 there put d below d_n, the d-step
    raised it back, and every sweep measured the same ‖Δd‖∞ = d_n − 1 (the stagger stagnated at
    6.5e-4 and the step failed at any size)."""
    return np.clip(update, lower, np.maximum(lower, 1.0))


class _SafeguardedAcceleration:
    """The damage update of the accelerated staggered methods between two sweeps of a load step.

    With x = d_{k−1} the iterate the last sweep started from and g = G(x) its result (the plain
    next iterate), the evolution of the residual f = g − x chooses the update (after Storvik et al.
    2021, CMAME 381, 113822, who switch between Anderson mixing and over-relaxation on it):

    - ‖f‖₂ grew: the sweeps are leaving an unstable state (a crack running at fixed load), which
      plain sweeps do slowly (‖f‖ grows by a few % per sweep): over-relaxation x + ω f,
      ω = ``overrelaxation``;
    - ‖f‖₂ decreased: ``anderson``: Anderson mixing of the last ``anderson_depth`` pairs
      (:class:`battchem.acceleration.AndersonMixing`) until the first growth in the step, the plain
      update g after it; ``overrelaxed``: always g. (A secant method converges to unstable states
      as readily as to stable ones: past a growth it would lead the sweeps back to the state they
      leave — a bar past its peak ended at d = 0.49 instead of breaking.)

    ``adaptive``: Anderson mixing until the first growth of ‖f‖₂, as ``anderson``; from then on (the
    sweeps creep past a limit point, then the crack runs: both move along one slow direction, with
    ‖f_k‖/‖f_{k−1}‖ = ρ near or above 1) every sweep is extrapolated, x + ω f with Aitken's factor
    ω = 1/(1 − ρ) — exact for an iteration contracting by ρ along one direction — or the cap ω_max
    when ρ ≥ 1 − 1/ω_max or when ρ is not known (at the escape, and at the first plain sweep after
    an extrapolation: ρ is measured between plain sweeps only). ω_max adapts to the safeguard
    (Storvik et al. 2021 adapt the acceleration to the residual's evolution): × :data:`_OMEGA_GROWTH`
    after an accepted extrapolation, ÷ 2 after a rejected one; one plain sweep follows an
    extrapolation whose ‖f‖₂ grew by more than :data:`_RELAX_GROWTH`; ω < :data:`_OMEGA_FLOOR`
    gives a plain sweep. The energy test allows :data:`_EXTRAPOLATION_ENERGY_SLACK` there. Once ‖f‖₂
    falls below :data:`_ARREST_FRACTION` of its peak in the step (the crack has run through), the
    rest of the step is plain sweeps.

    The update is clipped to d_n ≤ d ≤ max(d_n, 1) (irreversibility) and kept only if the energy
    Π(u, d) after its u-step does not exceed Π(u_{k−1}, g) — the energy of the plain iterate before
    its own u-step, which could only lower it — by more than :data:`_ENERGY_SLACK` of |Π| (and the
    u-step converged); otherwise d = g, the u-step is redone and the mixing restarts. See also
    :data:`_STALL_SWEEPS`, :data:`_ERROR_STALL_SWEEPS` and :data:`_ESCAPE_SWEEPS`."""

    def record(self, error: float) -> None:
        """After every sweep: the stagger error (the one the convergence test uses). It has made
        progress when it fell below (1 − :data:`_ERROR_PROGRESS`) times its best so far; after
        :data:`_ERROR_STALL_SWEEPS` sweeps of Anderson mixing without progress the rest of the step
        is plain sweeps."""
        self.recorded += 1
        if error < (1.0 - _ERROR_PROGRESS) * self.best_error:
            self.best_error, self.best_error_sweep = error, self.recorded
        mixing = self.anderson and not self.escaped
        stalled = mixing and self.recorded - self.best_error_sweep >= _ERROR_STALL_SWEEPS
        self.stalled = self.stalled or stalled

    def restart(self) -> None:
        """Forget the sweeps so far (the iterate was replaced by another solver's)."""
        self.mixing.reset()
        self.best_error, self.best_error_sweep = np.inf, self.recorded
        self.previous_norm, self.best_norm, self.best_sweep = None, np.inf, self.sweeps
        self.growth_streak, self.escaped, self.stalled = 0, False, False
        self.extrapolated, self.contraction_known = False, False
        self.peak_norm, self.arrested = 0.0, False

    def __init__(self, core: PhaseFieldFracture, params: FractureInput, abort_change: float | None = None):
        self.core = core
        self.anderson = params.stagger in ("anderson", "adaptive")
        self.adaptive = params.stagger == "adaptive"
        self.omega = params.overrelaxation
        self.omega_cap = params.overrelaxation  # adaptive: the cap ω_max
        self.extrapolated = False  # adaptive: the last sweep started from an accepted extrapolation
        self.contraction_known = False  # adaptive: the last ‖f‖₂ was a plain sweep's, after the escape
        self.mixing = AndersonMixing(params.anderson_depth, core.comm)
        self.abortable = abort_change is not None
        self.sweeps = 0
        self.previous_norm: float | None = None
        self.best_norm, self.best_sweep = np.inf, 0
        self.growth_streak = 0
        self.recorded = 0  # stagger errors recorded in this step (see record)
        self.best_error, self.best_error_sweep = np.inf, 0
        self.escaped = False  # ‖f‖₂ has grown in this step
        self.stalled = False
        self.peak_norm = 0.0  # adaptive: the largest ‖f‖₂ of the step, not right after an extrapolation
        self.arrested = False  # adaptive: ‖f‖₂ fell below _ARREST_FRACTION of peak_norm after the escape
        self.plain: np.ndarray | None = None
        self.energy = 0.0
        self.pending = False  # an accelerated iterate awaits its safeguard check
        self.safeguarded = 0
        self.gave_up = False  # the step was given up by the _ESCAPE_SWEEPS rule

    def mix(self) -> SolveReport:
        """First stage of every sweep: replace the plain iterate (the current d) by the
        accelerated one (nothing in the first sweep of a step)."""
        core = self.core
        self.sweeps += 1
        if self.sweeps == 1:
            return SolveReport(True)
        comm = core.comm
        x, g = core._owned(core.d_iter).copy(), core._owned(core.d).copy()
        norm = np.sqrt(comm.allreduce(float(np.sum((g - x) ** 2)), op=MPI.SUM))
        if norm < self.best_norm:
            self.best_norm, self.best_sweep = norm, self.sweeps
        self.stalled = self.stalled or self.sweeps - self.best_sweep > _STALL_SWEEPS
        growing = self.previous_norm is not None and norm >= self.previous_norm
        ratio = norm / self.previous_norm if self.previous_norm else np.inf
        self.previous_norm = norm
        self.growth_streak = self.growth_streak + 1 if growing else 0
        if self.abortable and self.growth_streak >= _ESCAPE_SWEEPS:
            self.gave_up = True
            return SolveReport(False, reason=f"the sweeps leave the state at this load ({self.growth_streak} "
                               "growing residuals in a row: the crack runs); a smaller step")
        if self.adaptive and not self.extrapolated:
            self.peak_norm = max(self.peak_norm, norm)
            self.arrested = self.arrested or (self.escaped and norm < _ARREST_FRACTION * self.peak_norm)
        if self.stalled or self.arrested:
            return SolveReport(True)
        if self.adaptive and (growing or self.escaped):
            self.escaped = True
            self.mixing.reset()
            omega = self._extrapolation_factor(ratio)
            if omega is None:
                return SolveReport(True)
            update = x + omega * (g - x)
        elif growing:
            self.escaped = True
            self.mixing.reset()
            update = x + self.omega * (g - x)
        elif self.anderson and not self.escaped:
            update = self.mixing.step(x, g)
        else:
            return SolveReport(True)
        update = _clip_to_bounds(update, core._lower_bound())
        if comm.allreduce(bool(np.any(update != g)), op=MPI.LOR):
            self.energy = core.total_energy()  # Π(u_{k−1}, g): u not yet solved at the update
            self.plain = g
            core._set_owned(core.d, update)
            self.pending = True
        return SolveReport(True)

    def _extrapolation_factor(self, ratio: float) -> float | None:
        """``adaptive`` after the escape: ω for x + ω f from ρ = ``ratio`` = ‖f_k‖/‖f_{k−1}‖, or None
        for a plain sweep (see the class docstring)."""
        after_extrapolation, self.extrapolated = self.extrapolated, False
        if after_extrapolation and ratio > _RELAX_GROWTH:
            self.contraction_known = False
            return None
        if not after_extrapolation and not self.contraction_known:
            ratio = np.inf
        self.contraction_known = not after_extrapolation
        omega = self.omega_cap if ratio >= 1.0 - 1.0 / self.omega_cap else 1.0 / (1.0 - ratio)
        return omega if omega >= _OMEGA_FLOOR else None

    def check(self, report: SolveReport) -> SolveReport:
        """After the u-step at an accelerated iterate: keep it, or fall back to the plain one."""
        core = self.core
        self.pending = False
        extrapolating = self.adaptive and self.escaped
        slack = _EXTRAPOLATION_ENERGY_SLACK if extrapolating else _ENERGY_SLACK
        if report.converged and core.total_energy() <= self.energy + slack * abs(self.energy):
            if extrapolating:
                self.extrapolated = True
                self.omega_cap = min(_OMEGA_CAP, _OMEGA_GROWTH * self.omega_cap)
            return report
        if extrapolating:
            self.omega_cap = max(_OMEGA_FLOOR, 0.5 * self.omega_cap)
        core._set_owned(core.d, self.plain)
        self.mixing.reset()
        self.safeguarded += 1
        again = core.solve_displacement()
        again.iterations += report.iterations
        again.krylov += report.krylov
        again.seconds += report.seconds
        return again


# Relative slack of the monolithic switch's energy test. With a history field the sweeps do not
# minimise Π exactly (H ≥ ψ⁺), so the stagger iterate's Π is not a strict upper bound: Newton
# solutions that reproduced the plain answer on the small notched plate raised it by up to 1.4e-5
# of Π; the rejected (diverged) ones by orders of magnitude
_NEWTON_ENERGY_SLACK = 1e-4
_NEWTON_ATTEMPTS = 2


class _MonolithicSwitch:
    """First stage of every sweep with ``monolithic_switch`` = k > 0: once the last k stagger errors
    each exceeded ``monolithic_switch_ratio`` times the one before (the sweeps stall: a crack running
    at fixed load, or a slow linear contraction), Newton on (u, d) from the current iterate
    (:class:`MonolithicFracture`), once per step. Its solution is kept if it converged within the
    bounds and Π(u, d) is not above the iterate's (alternate minimisation only lowers Π: a higher Π
    is another critical point than the one the sweeps approach); the history field is then updated
    from it and the sweeps go on from it (the next one checks that it is their fixed point).
    Otherwise u, d and H are restored and the sweeps go on as if nothing happened."""

    def __init__(self, core: PhaseFieldFracture, accelerator: _SafeguardedAcceleration | None):
        self.core, self.accelerator = core, accelerator
        self.k, self.ratio = core.params.monolithic_switch, core.params.monolithic_switch_ratio
        self.errors: list[float] = []
        self.outcome = ""
        self.attempts = 0

    def record(self, error: float) -> float:
        self.errors.append(error)
        return error

    def stalled(self) -> bool:
        e = self.errors[-self.k - 1:]
        slow = [self.ratio * a < b < a for a, b in zip(e[:-1], e[1:], strict=True)]
        return len(e) == self.k + 1 and all(slow)

    def stage(self) -> SolveReport:
        if self.outcome == "converged" or self.attempts >= _NEWTON_ATTEMPTS or not self.stalled():
            return SolveReport(True)
        core = self.core
        if core._monolithic is None:
            core._monolithic = MonolithicFracture(core, core._residual_d_coupled)
        saved = [f.x.array.copy() for f in (core.u, core.d, core.H)]
        energy = core.total_energy()
        self.attempts += 1
        self.errors.clear()  # another attempt only after k more stalled sweeps
        report = core._monolithic.solve()
        raised = core.total_energy() - energy
        if report.converged and raised <= _NEWTON_ENERGY_SLACK * abs(energy):
            self.outcome = "converged"
            if core.params.irreversibility == "history":
                core.H.interpolate(core._history_expr)
            core.d_iter.x.array[:] = core.d.x.array  # the accelerator's next pair starts here
            if self.accelerator is not None:
                self.accelerator.restart()
        else:
            self.outcome = report.reason or f"energy raised by {raised:.3g}"
            for f, values in zip((core.u, core.d, core.H), saved, strict=True):
                f.x.array[:] = values
        return SolveReport(True, report.iterations, report.krylov, "", report.seconds)
