"""The phase-field fracture core shared by the problems that crack: unknowns, solvers, stagger.

Given the displacement and damage spaces, the kinematics and the Dirichlet conditions of a
problem, :class:`PhaseFieldFracture` builds (once) the two subproblems of alternate minimisation of

    Π(u, d) = ∫ [g(d) ψ⁺(ε_e(u)) + ψ⁻(ε_e(u))] w dx + G_c Γ_ℓ(d)     (battchem.physics.phasefield)

- u-step, d frozen: ∫ σ(ε_e(u), d) : ε(v) w dx = 0 — SNES ``newtonls`` (one Krylov solve when the
  split is ``none``, where it is linear), prefix ``mechanics_``;
- d-step, u frozen: ∫ [−2(1 − d) 𝓗 q + (G_c/c_w)(w′(d) q/ℓ + 2ℓ ∇d·∇q)] w dx = 0 with
  𝓗 = H = max(H_n, ψ⁺) (``history``; AT2 is then linear: one Krylov solve) or 𝓗 = ψ⁺ with the
  SNES variational inequality ``vinewtonrsls`` and bounds d_n ≤ d ≤ 1
  (``variational_inequality``); AT1 with a history field keeps the bounds 0 ≤ d ≤ 1, prefix
  ``damage_``;

and iterates them with :func:`battchem.solvers.staggered` until ‖d_k − d_{k−1}‖∞ and the
u-residual at (u_k, d_k), relative to the undamaged internal force ‖∫ ∂ψ/∂ε : ε(v)‖, are below
``solver.stagger_tol``. Matrices, KSPs and preconditioners live as long as the object.

The history field is piecewise constant (DG0): exact for P1 displacements whenever the strain is
cellwise constant (Cartesian 1-D/2-D/3-D, plane strain); a quadrature space would be needed for
axisymmetric strains (u_r/r) or P2 displacements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem.config import Model, Q, SolverConfig
from battchem.physics import phasefield as pf
from battchem.solvers import (
    NonlinearSolver,
    SolveReport,
    StaggeredResult,
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


@dataclass
class StaggerOutcome:
    """A converged or failed staggered solve of one load step."""

    result: StaggeredResult
    change: float  # ‖d − d_n‖∞ over the step

    @property
    def converged(self) -> bool:
        return self.result.converged


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
    """

    def __init__(self, Vu: fem.FunctionSpace, Vd: fem.FunctionSpace, strain: Callable, weight, dx, E, nu,
                 params: FractureInput, settings: SolverConfig, *,
                 bcs_u: Sequence[fem.DirichletBC] = (), bcs_d: Sequence[fem.DirichletBC] = (),
                 elastic_strain: Callable | None = None, initial_history: Callable | fem.Function | None = None,
                 Gc=None, damage_cells: np.ndarray | None = None):
        if Vu.element.basix_element.degree != 1 or Vd.element.basix_element.degree != 1:
            raise ValueError("the phase-field core needs P1 displacement and damage (DG0 history field)")
        msh = Vu.mesh
        self.comm = msh.comm
        self.params, self.settings = params, settings
        self.Vu, self.Vd = Vu, Vd
        self.bcs_u, self.bcs_d = list(bcs_u), list(bcs_d)
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

        # stored energy and stress on the elastic strain
        eps = elastic_strain(self.u)
        self.psi_plus, self.psi_minus = pf.split_energy(eps, E, nu, p.split)
        self.stress = pf.degraded_stress(eps, self.d, E, nu, p.split, k_res)
        self.energy_density = pf.degraded_energy_density(eps, self.d, E, nu, p.split, k_res)
        v = ufl.TestFunction(Vu)
        self.residual_u = ufl.inner(self.stress, strain(v)) * weight * dx
        undamaged = pf.degraded_stress(eps, 0.0, E, nu, "none", 0.0)
        self._undamaged_force = fem.form(ufl.inner(undamaged, strain(v)) * weight * dx)

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
        if damage_cells is not None:
            # structural zeros over the other cells: their nodes need matrix entries (rows with a 1 on the
            # diagonal for the d = 0 condition), which a form over the damage region alone does not create
            self.residual_d += fem.Constant(msh, PETSc.ScalarType(0.0)) * self.d * q * dx.reconstruct(
                subdomain_id=0, subdomain_data=self.damage_region)
        bounded = not history or p.model == "AT1"
        if bounded:
            self.d_lower = self.d_old if not history else fem.Function(Vd, name="damage_lower_bound")
            self.d_upper = fem.Function(Vd, name="damage_upper_bound")
            self.d_upper.x.array[:] = 1.0

        # solvers (assembled structures and KSPs kept for the whole run)
        s = settings
        user = s.petsc_options
        newton = {"snes_rtol": s.snes_rtol, "snes_atol": s.snes_atol, "snes_max_it": s.snes_max_it}
        opts_u = {**default_options("elasticity", global_size(Vu), s), **newton}
        if p.split != "none":
            # the u-residual is the gradient of a convex energy (d frozen): the critical-point line
            # search minimises it along the Newton direction, where backtracking on ‖F‖ stalls
            # when the crack runs (tension/compression switches of the split)
            opts_u["snes_linesearch_type"] = "cp"
            # cp stops at the initial point when F·δu < atol ‖δu‖ (default atol 1e-15): in SI
            # units a micrometre particle's forces are that small (F·δu ~ 1e-17 J at the first
            # step of a slow insertion in 3-D), so the step would never be taken
            opts_u["snes_linesearch_atol"] = 0.0
        opts_u.update(user.get("mechanics", {}))
        nns = None
        if Vu.dofmap.index_map_bs > 1 and opts_u.get("pc_type") == "gamg":
            nns = rigid_body_modes(Vu)
        self.u_solver = NonlinearSolver(self.residual_u, self.u, self.bcs_u, prefix="mechanics_",
                                        options=opts_u, linear=p.split == "none", near_nullspace=nns)
        self.u_solver.snes.setConvergenceHistory(length=1000, reset=True)
        opts_d = {**default_options("diffusion", global_size(Vd), s), **newton, **user.get("damage", {})}
        self.d_solver = NonlinearSolver(self.residual_d, self.d, self.bcs_d, prefix="damage_", options=opts_d,
                                        linear=not bounded,
                                        bounds=(self.d_lower, self.d_upper) if bounded else None)

        # vectors of the stagger's residual test, and the quantities of interest
        self._r = fem_petsc.create_vector(self.u_solver.L)
        self._f0 = fem_petsc.create_vector(self._undamaged_force)
        # Absolute Newton tolerances relative to the physical scale of each residual, so that a
        # solve starting at round-off (d unchanged since the last sweep) counts as converged:
        # u: snes_rtol × ‖undamaged internal force at the current u‖ (set before each solve);
        # d: snes_rtol × ‖∫ 2G_c/(c_w ℓ) q w dx‖, the residual of a unit change of damage.
        unit = fem.form(2 * self.Gc / (pf.normalisation(p.model) * ell) * q * weight * dx_damage)
        self._d_scale = self._norm(unit)
        self.d_solver.snes.setTolerances(atol=max(s.snes_atol, s.snes_rtol * self._d_scale))
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

    def force_scale(self) -> float:
        """‖∫ ∂ψ/∂ε(ε_e(u)) : ε(v) w dx‖: the internal force the current strain carries undamaged."""
        return self._assemble(self._f0, self._undamaged_force).norm()

    def relative_residual(self) -> float:
        """‖R_u(u, d)‖ on the free dofs over :meth:`force_scale`."""
        r = self._assemble(self._r, self.u_solver.L)
        fem_petsc.set_bc(r, self.bcs_u, self.u.x.petsc_vec, 1.0)  # rows of u = g: g − u = 0
        free, scale = r.norm(), self.force_scale()
        if free == 0.0:
            return 0.0
        return free / scale if scale > 0 else np.inf

    def _reduced_residual(self) -> bool:
        """The last u-solve ran out of iterations (not a linear-solver or NaN failure) and ended
        with a finite residual below its initial one."""
        snes = self.u_solver.snes
        if snes.getConvergedReason() not in (PETSc.SNES.ConvergedReason.DIVERGED_MAX_IT,
                                             PETSc.SNES.ConvergedReason.DIVERGED_LINE_SEARCH):
            return False
        norms = snes.getConvergenceHistory()[0]
        return len(norms) > 1 and bool(np.isfinite(norms[-1])) and norms[-1] < norms[0]

    def solve(self, *, abort_change: float | None = None) -> StaggerOutcome:
        """Alternate u and d from the current state (load already applied) until converged.

        With ``abort_change``, a sweep whose ‖d − d_n‖∞ exceeds it ends the loop as failed, so a
        load step that is too large for the step controller is not iterated to convergence.
        """
        history = self.params.irreversibility == "history"

        s = self.settings

        def displacement_stage() -> SolveReport:
            self.u_solver.snes.setTolerances(atol=max(s.snes_atol, s.snes_rtol * self.force_scale()))
            report = self.u_solver.solve()
            if not report.converged and self._reduced_residual():
                # Inexact u-step: alternate minimisation only needs the energy to decrease, and
                # the stagger converges only once the u-residual test passes, so keep sweeping
                # (this happens at the load step where the crack runs). Counted as a failure in
                # the solver statistics.
                report.converged, report.reason = True, ""
            return report

        def damage_stage() -> SolveReport:
            self.d_iter.x.array[:] = self.d.x.array
            if history:
                self.H.interpolate(self._history_expr)
            report = self.d_solver.solve()
            if report.converged and abort_change is not None:
                change = self.damage_change()
                if change > abort_change:
                    report.converged = False
                    report.reason = f"damage change {change:.3g} > {abort_change:.3g} within the step"
            return report

        def error() -> float:
            return max(self._max_abs(self.d.x.array, self.d_iter.x.array), self.relative_residual())

        result = staggered([displacement_stage, damage_stage], error, tol=s.stagger_tol, comm=self.comm,
                           max_iterations=s.stagger_max_it)
        return StaggerOutcome(result, self.damage_change())

    def initialise_damage(self) -> SolveReport:
        """Solve the d-step once at the current u (normally u = 0, so 𝓗 = H₀) and accept it: the
        initial damage of the flaws becomes d_n (the lower bound of the variational inequality)."""
        if self.params.irreversibility == "history":
            self.H.interpolate(self._history_expr)
        report = self.d_solver.solve()
        if report.converged:
            self.accept()
        return report

    def accept(self) -> None:
        """Make the current state the reference of the next step (d_n, H_n, u_n)."""
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
        return {"mechanics": self.u_solver.stats, "damage": self.d_solver.stats}

    def state_functions(self) -> dict:
        return {"u": self.u, "d": self.d, "H": self.H}
