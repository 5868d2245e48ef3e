"""interphase: growth of the interphase Li forms with a solid electrolyte, the stress its expansion
builds, the cracks it drives in the electrolyte and the resistance they add (PHYSICS.md §4).

Unknowns (P1): the reactant (neutral Li) concentration c and the transformed fraction ξ
(``battchem.physics.growth``: diffusion through the interphase, consumption n ∂ξ/∂t at a diffuse
front of width ℓ moving at v = v0 (c/c_b) F S, S = exp(V_r σ_h/RT), F a seed factor); the
displacement u with

    σ = C(ξ) : (ε(u) − ε*(ξ) − ε_vp) − p n⊗n,   ε*(ξ) = h(ξ) ε*_1 (isotropic or normal expansion),

stiffness interpolated by h(ξ) between electrolyte and interphase (a Li layer has its own), the
stack pressure p as the uniform prestress it causes (exact for a whole-face contact), and ε_vp the
J2 creep/viscoplastic strain of the interphase (``battchem.physics.viscoplasticity``; a cell-wise
internal variable); the electrolyte's damage d by the phase-field core
(``battchem.components.fracture``) with G_c(ξ) = G_c (1 + (r − 1) h(ξ)), G_c = K_IC² (1 − ν²)/E;
and, after each step, the ionic potential φ of ∇·(κ(ξ, d) ∇φ) = 0 between the Li contact (φ = 1)
and the far face (φ = 0), κ = κ(ξ) g(d) with g = κ_r in the cracked band d ≥ d_c (the
initiation damage) and (1 − d)² + κ_r below (``growth.crack_resistivity``, its cell mean), which gives
the slab's area-specific resistance ASR = A_contact / ∫ κ |∇φ|².

Per step: (c, ξ) by one SNES (BDF), then u ⇄ d (the core's alternate minimisation); with stress
feedback (V_r ≠ 0) the two are swept until ξ stops changing (``solver.stagger_tol``).
"""

from __future__ import annotations

import math
from pathlib import Path

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem, la
from mpi4py import MPI
from petsc4py import PETSc

from battchem import evaluation
from battchem.components.fracture import PhaseFieldFracture
from battchem.interface import region_cells
from battchem.materials import FARADAY, GAS_CONSTANT
from battchem.physics import growth, mechanics, viscoplasticity
from battchem.physics.coordinates import CoordinateSystem
from battchem.problems.base import Problem, StepResult, register
from battchem.problems.interphase import geometry
from battchem.problems.interphase.inputs import InterphaseConfig
from battchem.protocol import Schedule
from battchem.solvers import (
    NonlinearSolver,
    Projector,
    default_options,
    global_size,
    rigid_body_modes,
    staggered,
)

_COORDINATES = {"slab_1d": "cartesian_1d", "slab_2d": "plane_strain", "slab_axisym": "axisymmetric",
                "slab_3d": "cartesian_3d"}


@register
class Interphase(Problem):
    """Interphase growth, expansion stress, electrolyte cracking and resistance."""

    name = "interphase"
    summary = ("interphase growth at Li | solid electrolyte: expansion stress, cracking, resistance "
               "(1-D, 2-D, 3-D)")
    Config = InterphaseConfig

    @classmethod
    def sources(cls, config):
        return {"lithium": {"E": "Anand & Narayan 2019 (LePage 2019 fit), ecmLab/continuum R_Run.i [V-code]",
                            "nu": "same set [V-code]"}}

    def build_mesh(self):
        return geometry.build(self.config.geometry, self.comm)

    # ------------------------------------------------------------------------------------------
    def setup(self, md):
        cfg = self.config
        g, gr = cfg.geometry, cfg.growth
        self.md, msh = md, md.mesh
        self.el = el = cfg.electrolyte.resolved()
        self.ip = ip = cfg.interphase.resolved()
        self.cs = cs = CoordinateSystem(msh, _COORDINATES[g.kind])
        w = cs.weight
        x = ufl.SpatialCoordinate(msh)
        self.dim = g.dim
        depth = x[g.dim - 1]  # the last coordinate: x, y or z
        self.normal = ufl.as_vector([1 if i == g.dim - 1 else 0 for i in range(3)])
        self.layer = g.lithium == "layer"
        self.contact_area = {"slab_1d": 1.0, "slab_2d": g.contact,
                             "slab_axisym": math.pi * g.contact**2, "slab_3d": g.contact**2}[g.kind]
        self.RT = GAS_CONSTANT * cfg.operation.temperature

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value))

        self.V = V = fem.functionspace(msh, ("Lagrange", 1))
        tdim = msh.topology.dim
        # quadrature degree 4: the front's reaction term ξ(1 − ξ)(ξ − 1/2 + χ) q is quartic in P1 fields; UFL
        # would estimate more (the exp of the stress factor, the rational series conductivity)
        self.dx_e = md.dx("electrolyte")(metadata={"quadrature_degree": 4})
        electrolyte = region_cells(md, "electrolyte")
        self.li_nodes = _nodes_outside(V, np.flatnonzero(electrolyte).astype(np.int32))  # Li-only nodes
        self.li = constant(0.0)  # indicator of the Li layer (a DG0 field when there is one)
        if self.layer:
            self.li = fem.Function(fem.functionspace(msh, ("DG", 0)), name="lithium_indicator")
            self.li.x.array[:] = (~electrolyte).astype(float)
        self._node_depth = V.tabulate_dof_coordinates()[:, g.dim - 1]

        # growth: w = (ĉ, ξ) with c = c_s ĉ ------------------------------------------------
        seg_currents = [s.current_density for s in cfg.operation.segments if s.control == "current"]
        c_front = ip.c_b * (max(seg_currents) / FARADAY) / (ip.n * ip.front_rate) if seg_currents and \
            ip.front_rate > 0 else 0.0
        self.c_scale = max(ip.c_b, c_front)
        P1 = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
        self.W = W = fem.functionspace(msh, basix.ufl.mixed_element([P1, P1]))
        self.w = fem.Function(W, name="c_xi")
        self.bdf = bdf = _bdf(self.w, cfg.time_order)
        c_hat, xi = ufl.split(self.w)
        q_c, q_xi = ufl.TestFunctions(W)
        rates = bdf.derivative(self.w)
        self.k = {"c_s": constant(self.c_scale), "c_b": constant(ip.c_b), "n": constant(ip.n),
                  "v0": constant(ip.front_rate), "ell": constant(gr.front_width), "D_int": constant(ip.D_int),
                  "D_0": constant(ip.D_pristine), "V_r": constant(ip.activation_volume),
                  "RT": constant(self.RT)}
        k = self.k
        self.seed_factor = fem.Function(V, name="seed_factor")
        self.seed_factor.interpolate(self._seed_factor)
        self.sigma_h = fem.Function(V, name="hydrostatic_stress")  # physical σ_h (the feedback uses it)
        self.sigma_h_old = self.sigma_h.x.array.copy()
        h = growth.transformed_fraction(xi)
        D = growth.interpolate(h, k["D_0"], k["D_int"]) * self.seed_factor \
            * growth.tunnelling_factor(depth, ip.tunnelling_length)
        c = k["c_s"] * c_hat
        self.feed = constant(0.0)  # reactant flux from the Li side [mol/(m² s)] (current control)
        F_c = growth.reactant_residual(c, k["c_s"] * rates[0], rates[1], q_c, D, k["n"], w, self.dx_e)
        F_c -= self.feed * q_c * w * md.ds("li")
        self.frozen = ip.front_rate == 0.0
        if self.frozen:  # no reaction: ξ keeps its initial profile
            F_xi = bdf.dt * rates[1] * q_xi * w * self.dx_e
        else:
            factor = self.seed_factor * growth.stress_factor(self.sigma_h, k["V_r"], k["RT"])
            mobility = growth.front_mobility(k["v0"], k["c_s"], k["c_b"], k["ell"], factor)
            chi = growth.front_driving(c, k["c_s"])
            # times Δt R_0 (R_0 the mobility without factors): the rate term becomes a change of ξ
            reference = growth.front_mobility(k["v0"], k["c_s"], k["c_b"], k["ell"])
            F_xi = (bdf.dt * reference) * growth.front_residual(xi, rates[1], q_xi, mobility, k["ell"], chi,
                                                                 w, self.dx_e)
        volume = evaluation.integral(fem.form(w * self.dx_e), self.comm)
        node_volume = volume / V.dofmap.index_map.size_global
        # both residuals in units of a change of ξ at one node (whatever Δt: at tiny steps a residual in
        # units of a rate would carry round-off of order 1/Δt past the Newton tolerance)
        F = (1.0 / node_volume) * ((bdf.dt / k["n"]) * F_c + F_xi)
        if self.layer:  # structural zeros: matrix entries for the pinned Li-layer nodes (1 on the diagonal)
            F += constant(0.0) * (c_hat * q_c + xi * q_xi) * md.dx("lithium")
        fdim = tdim - 1
        V0 = W.sub(0).collapse()[0]
        li_dofs = fem.locate_dofs_topological((W.sub(0), V0), fdim, md.facets("li"))
        self.c_contact = constant(ip.c_b / self.c_scale)
        self.bc_hold = fem.dirichletbc(self.c_contact, li_dofs[0], W.sub(0))
        self.bcs_pinned = []
        if self.layer:  # nodes inside the Li layer: no growth equations there, c = ξ = 0
            cells = np.flatnonzero(electrolyte).astype(np.int32)
            for i in range(2):
                Vi, to_w = W.sub(i).collapse()
                dofs = np.asarray(to_w)[_nodes_outside(Vi, cells)].astype(np.int32)
                self.bcs_pinned.append(fem.dirichletbc(constant(0.0), dofs, W.sub(i)))
        s = cfg.solver
        n_growth = global_size(V) * 2
        options = {**default_options("nonsymmetric", n_growth, s), "snes_rtol": s.snes_rtol,
                   "snes_atol": max(s.snes_atol, 1e-10), "snes_max_it": s.snes_max_it, "snes_stol": 0.0,
                   **s.petsc_options.get("growth", {})}
        self.growth_solver = NonlinearSolver(F, self.w, [self.bc_hold, *self.bcs_pinned], prefix="growth_",
                                             options=options)
        self.c = fem.Function(V, name="concentration")
        self.xi = fem.Function(V, name="interphase_fraction")
        self._initial_state()

        # mechanics ---------------------------------------------------------------------------
        self._setup_mechanics(constant, depth)

        # ionic resistance --------------------------------------------------------------------
        self.phi = fem.Function(V, name="ionic_potential")
        kappa = growth.series_conductivity(growth.transformed_fraction(self.xi), constant(el.kappa),
                                           constant(ip.kappa))
        self.crack_resistivity = None
        if self.core is not None:
            # the cell mean of the crack's factor on 1/κ (high-degree rule: the factor jumps where d
            # crosses initiation_damage), so each element carries its own series ∫ dx/κ across the crack;
            # at its centre alone an element next to a crack's centre line (d = 1 at a node, ≈ 0.6 at the
            # next) would be taken uncracked. Computed directly (an L2 projection onto DG0 started from the
            # last step's values diverges when a cell's value jumps by 1/κ_r)
            DG0 = fem.functionspace(msh, ("DG", 0))
            self.crack_resistivity = fem.Function(DG0, name="crack_resistivity")
            f, q = cfg.fracture, ufl.TestFunction(DG0)
            dx_8 = md.dx()(metadata={"quadrature_degree": 8})
            factor = growth.crack_resistivity(self.core.d, constant(f.crack_conductivity),
                                              constant(f.initiation_damage))
            self._crack_form = fem.form(factor * q * w * dx_8)
            self._cell_volume = fem.assemble_vector(fem.form(q * w * dx_8)).array.copy()
            kappa = kappa / self.crack_resistivity
        psi = ufl.TestFunction(V)
        # one point per cell: with the series rule 1/κ is linear in ξ, so κ at the cell's centre makes each
        # element's 1-D resistance the exact ∫ dx/κ of its linear ξ (higher rules average κ instead of 1/κ,
        # off by 2e-4 across a front of 2.5 elements)
        self.dx_k = md.dx("electrolyte")(metadata={"quadrature_degree": 1})
        F_phi = growth.conduction_residual(self.phi, psi, kappa, w, self.dx_k)
        if self.layer:
            F_phi += constant(0.0) * self.phi * psi * md.dx("lithium")
        bcs_phi = []
        for face, value in (("li", 1.0), ("counter", 0.0)):
            dofs = fem.locate_dofs_topological(V, fdim, md.facets(face))
            bcs_phi.append(fem.dirichletbc(PETSc.ScalarType(value), dofs, V))
        if self.layer:
            bcs_phi.append(fem.dirichletbc(PETSc.ScalarType(1.0), self.li_nodes, V))
        self.conduction = NonlinearSolver(F_phi, self.phi, bcs_phi, prefix="conduction_", linear=True,
                                          options={**default_options("diffusion", global_size(V), s),
                                                   **s.petsc_options.get("conduction", {})})

        # quantities (compiled once) ------------------------------------------------------------
        h_xi = growth.transformed_fraction(self.xi)
        self.forms = {
            "xi": fem.form(self.xi * w * self.dx_e),
            "c": fem.form(self.c * w * self.dx_e),
            "h": fem.form(h_xi * w * self.dx_e),
            "inplane": fem.form(h_xi * self.sigma_inplane * w * self.dx_e),
            "current": fem.form(kappa * ufl.inner(ufl.grad(self.phi), ufl.grad(self.phi)) * w * self.dx_k),
        }

        # protocol and run state
        op = cfg.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self.fed_charge = 0.0  # ∫ j dt of current segments [C/m²]
        self.first_crack_time: float | None = None
        self._events: list[str] = []
        self._switched = False
        self._t_accepted = 0.0
        self._begin_segment(0.0)
        self._switched = False
        self.solve_resistance()
        self.asr_initial = self.asr()

    # ---------------------------------------------------------------------------------------------
    def _seed_factor(self, x):
        """1 + Σ (f − 1) exp(−(s/w)²) over the seeds: s = x_lat − x_gb for a grain boundary, the
        distance from its centre for a defect."""
        out = np.ones(x.shape[1])
        dim = self.config.geometry.dim
        for seed in self.config.seeds:
            if seed.factor == 1.0:
                continue
            if seed.kind == "grain_boundary":
                s = np.abs(x[0] - seed.position)
            else:
                s = np.sqrt((x[0] - seed.position) ** 2 + np.sum(x[1:dim] ** 2, axis=0))
            out += (seed.factor - 1) * np.exp(-((s / seed.size) ** 2))
        return out

    def _initial_profile(self, x) -> np.ndarray:
        """ξ0: the native layer of thickness δ0 under the contact (a front profile of width ℓ) and
        half-disks of interphase at the defect seeds."""
        cfg = self.config
        g, ell, delta0 = cfg.geometry, cfg.growth.front_width, cfg.growth.initial_thickness

        def front(s):
            return 0.5 * (1 - np.tanh(0.5 * s / ell))  # 1/(1 + exp(s/ℓ)) without overflow

        if g.dim == 1:
            return front(x[0] - delta0)
        lateral = x[: g.dim - 1]  # x (2-D), or x and y (3-D)
        xi = front(x[g.dim - 1] - delta0)
        if g.contact < g.width:  # the native layer covers the contact only (the square x, y ≤ a in 3-D)
            for coordinate in lateral:
                xi = xi * front(coordinate - g.contact)
        for seed in cfg.seeds:
            if seed.kind == "defect":  # a half-disk; in 3-D a hemisphere on the plane y = 0
                distance = np.sqrt((x[0] - seed.position) ** 2 + np.sum(x[1: g.dim] ** 2, axis=0))
                xi = np.maximum(xi, front(distance - seed.size))
        return xi

    def _initial_state(self) -> None:
        xi0 = fem.Function(self.V)
        xi0.interpolate(self._initial_profile)
        xi0.x.array[self.li_nodes] = 0.0
        first = self.config.operation.segments[0]
        c0 = fem.Function(self.V)
        c0.x.array[:] = xi0.x.array * (self.ip.c_b / self.c_scale if first.control == "hold" else 0.0)
        self.w.sub(0).interpolate(c0)
        self.w.sub(1).interpolate(xi0)
        self.w.x.scatter_forward()
        for past in self.bdf.history(self.w):
            past.x.array[:] = self.w.x.array
        self._copy_growth()
        self.xi_old = self.xi.x.array.copy()
        self.xi_iter = self.xi.x.array.copy()
        self.xi_initial = fem.Function(self.V, name="interphase_fraction_initial")
        self.xi_initial.x.array[:] = self.xi.x.array

    def _copy_growth(self) -> None:
        """c = c_s ĉ and ξ as P1 Functions (the mechanics, resistance and outputs read them)."""
        self.c.interpolate(self.w.sub(0))
        self.c.x.array[:] *= self.c_scale
        self.xi.interpolate(self.w.sub(1))

    # ---------------------------------------------------------------------------------------------
    def _setup_mechanics(self, constant, depth) -> None:
        cfg, md, cs = self.config, self.md, self.cs
        msh, g, el, ip, li_in = md.mesh, cfg.geometry, self.el, self.ip, cfg.lithium
        w, tdim = cs.weight, msh.topology.dim
        h = growth.transformed_fraction(self.xi)
        li = self.li
        E = growth.interpolate(h, constant(el.E), constant(ip.E))
        nu = growth.interpolate(h, constant(el.nu), constant(ip.nu))
        # the native layer is the stress-free reference: only material transformed during the run expands
        grown = h - growth.transformed_fraction(self.xi_initial)
        eig = growth.transformation_strain(grown, constant(ip.expansion), cfg.interphase.expansion_kind,
                                           self.normal)
        if self.layer:
            E = li * constant(li_in.E) + (1 - li) * E
            nu = li * constant(li_in.nu) + (1 - li) * nu
            eig = (1 - li) * eig
        self.E, self.nu = E, nu
        self.pressure = constant(cfg.operation.stack_pressure)
        self.prestress = -self.pressure * ufl.outer(self.normal, self.normal)
        pressure_strain = mechanics.compliance(self.prestress, E, nu)

        # J2 flow of the interphase (and of a Li layer): fluidity φ = 1/(3η) where it flows
        fluidity, flow_stress = 0, 0
        if ip.viscosity is not None:
            fluidity = (1 - li) * h / (3 * constant(ip.viscosity))
            flow_stress = (1 - li) * constant(ip.flow_stress)
        if self.layer and li_in.viscosity is not None:
            fluidity = fluidity + li / (3 * constant(li_in.viscosity))
            flow_stress = flow_stress + li * constant(li_in.flow_stress)
        self.flows = ip.viscosity is not None or (self.layer and li_in.viscosity is not None)
        plastic = (ip.viscosity is not None and ip.flow_stress > 0) or (
            self.layer and li_in.viscosity is not None and li_in.flow_stress > 0)
        self.eps_vp = None
        if self.flows:
            from battchem.quadrature import InternalVariable

            self.eps_vp = InternalVariable(fem.functionspace(msh, ("DG", 0, (3, 3))), "viscoplastic_strain")

        def trial(u):
            eps = cs.strain(u) - eig - pressure_strain
            return eps - self.eps_vp.old if self.eps_vp is not None else eps

        # the step of the flow: Δt while a step is solved, 0 once its increment is stored in ε_vp (so that
        # the accepted state's stress is C:(ε − ε_vp) without a second increment)
        self.flow_dt = constant(0.0)

        def increment(u):
            return viscoplasticity.flow_increment(trial(u), E, nu, fluidity, self.flow_dt,
                                                  flow_stress if plastic else None, self.prestress)

        def elastic(u):
            return trial(u) - increment(u) if self.flows else trial(u)

        self._increment = increment
        Vu = fem.functionspace(msh, ("Lagrange", 1, cs.displacement_shape))
        self.Vu = Vu
        fdim = tdim - 1
        bcs = []
        counter = md.facets("counter")
        if g.dim == 1:
            dofs = fem.locate_dofs_topological(Vu, fdim, counter)
            bcs.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Vu))
        else:
            if g.dim == 2:
                held = [(1, counter), (0, md.facets("axis"))]
                if g.lateral == "clamped":
                    held.append((0, md.facets("side")))
            else:  # each symmetry plane (and a clamped side) holds its normal component
                held = [(2, counter), (0, md.facets("symmetry_x")), (1, md.facets("symmetry_y"))]
                if g.lateral == "clamped":
                    held += [(0, md.facets("side_x")), (1, md.facets("side_y"))]
            for comp, facets in held:
                dofs = fem.locate_dofs_topological(Vu.sub(comp), fdim, facets)
                bcs.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Vu.sub(comp)))
        # fixed quadrature degree: the split and the return mapping (√, max) would make UFL pick a very
        # high one; 2 integrates the P1 products (linear ξ in E and ε*, quadratic g(d)) to P1 accuracy
        dxq = ufl.Measure("dx", domain=msh, subdomain_data=md.cell_tags, metadata={"quadrature_degree": 2})
        self.dxq = dxq
        s = cfg.solver
        f = cfg.fracture
        self.core = None
        if f is not None:
            self.Gc = cfg.fracture.Gc if cfg.fracture.Gc is not None else cfg.electrolyte.toughness()
            Gc = constant(self.Gc) * (1 + (constant(ip.toughness_ratio) - 1) * h)
            cells = None
            if self.layer:
                cells = np.flatnonzero(region_cells(md, "electrolyte")).astype(np.int32)
            Vd = fem.functionspace(msh, ("Lagrange", 1))
            self.core = PhaseFieldFracture(Vu, Vd, cs.strain, w, dxq, E, nu, f, s, bcs_u=bcs,
                                           elastic_strain=elastic, Gc=Gc, damage_cells=cells)
            self.u = self.core.u
            stress = self.core.stress
            self.mech_solver = None
        else:
            self.Gc = None
            self.u = fem.Function(Vu, name="displacement")
            stress = mechanics.elastic_stress(elastic(self.u), E, nu)
            v = ufl.TestFunction(Vu)
            F_u = mechanics.equilibrium_residual(stress, v, cs, dxq)
            opts = {**default_options("elasticity", global_size(Vu), s), "snes_rtol": s.snes_rtol,
                    "snes_atol": s.snes_atol, "snes_max_it": s.snes_max_it,
                    **s.petsc_options.get("mechanics", {})}
            nns = rigid_body_modes if (cs.displacement_shape and opts.get("pc_type") == "gamg") else None
            # viscoplastic Newton: absolute tolerance snes_rtol × the load (reactions + unbalanced force),
            # not snes_atol in newtons (a nanometre column's whole residual is ~1e-14 N)
            self.mech_solver = NonlinearSolver(F_u, self.u, bcs, prefix="mechanics_", options=opts,
                                               linear=not plastic, near_nullspace=nns,
                                               residual_scale=lambda: self.mech_solver.load_norm())
        self.u_old = self.u.x.array.copy()
        self.stress = stress + self.prestress  # the physical stress
        V = self.V
        self.sigma1 = fem.Function(V, name="max_principal_stress")
        self.sigma_inplane = fem.Function(V, name="inplane_stress")
        self.sigma_normal = fem.Function(V, name="normal_stress")
        sigma = self.stress
        normal_stress = mechanics.normal_stress(sigma, self.normal)
        self.projector = Projector(V, w, dxq, prefix="projection_", settings=s)
        self.projector.add(self.sigma_h, mechanics.hydrostatic_stress(sigma))
        self.projector.add(self.sigma1, mechanics.max_principal_stress(sigma))
        self.projector.add(self.sigma_inplane, (ufl.tr(sigma) - normal_stress) / 2)
        self.projector.add(self.sigma_normal, normal_stress)
        report = self._solve_mechanics(None)  # the state at t = 0: elastic (flow_dt = 0)
        if not report.converged:
            raise RuntimeError(f"initial mechanics did not converge ({report.reason})")
        self._accept_mechanics()
        # the largest principal stress per cell (at its midpoint): an L2 projection would overshoot next
        # to the front, where the stress jumps by the interphase's GPa over ℓ
        DG0 = fem.functionspace(msh, ("DG", 0))
        self.sigma1_cell = fem.Function(DG0, name="max_principal_stress_cell")
        self.xi_cell = fem.Function(DG0, name="interphase_fraction_cell")
        points = DG0.element.interpolation_points()
        self._cell_expressions = [
            (self.sigma1_cell, fem.Expression(mechanics.max_principal_stress(sigma), points)),
            (self.xi_cell, fem.Expression(self.xi, points))]
        self.electrolyte_cells = region_cells(md, "electrolyte")
        self.projector.project()
        self._update_cells()
        self.sigma_h_old[:] = self.sigma_h.x.array

    def _update_cells(self) -> None:
        for target, expression in self._cell_expressions:
            target.interpolate(expression)

    def _solve_mechanics(self, abort, dt=None):
        """u (⇄ d with fracture) at the current ξ; sets ``_mech`` = (sweeps, ‖Δd‖∞ over the step for
        the step controller).

        With fracture, a sweep whose ‖Δd‖∞ exceeds ``abort``, or sweeps that leave the state, fail the
        step so that a smaller one is tried, unless the jump is unstable (the fracture core solves
        a cut-back that fails again through: ``PhaseFieldFracture.solve``)."""
        if self.core is None:
            self._mech = (1, 0.0)
            return self.mech_solver.solve()
        outcome = self.core.solve(abort_change=abort, step=dt)
        target = self.config.fracture.target_damage_change
        self._mech = (outcome.result.iterations, outcome.controlled_change(target))
        return outcome.result.report

    def _accept_mechanics(self) -> None:
        if self.core is not None:
            self.core.accept()
        self.u_old[:] = self.u.x.array
        if self.eps_vp is not None:
            self.eps_vp.update(self.eps_vp.old + self._increment(self.u))
            self.eps_vp.accept()
            self.flow_dt.value = 0.0

    # protocol -------------------------------------------------------------------------------------
    def _apply_control(self, seg) -> None:
        """The Li side of segment ``seg``: c = c_b held (hold), a reactant flux (current) or nothing."""
        self.feed.value = seg.current_density / FARADAY if seg.control == "current" else 0.0
        self.growth_solver.set_bcs(([self.bc_hold] if seg.control == "hold" else []) + self.bcs_pinned)

    def _begin_segment(self, t: float) -> None:
        self._apply_control(self.schedule.current)
        self.schedule.begin(t)
        self._switched = True

    def step_reset(self) -> bool:
        out, self._switched = self._switched, False
        return out

    def end_time(self) -> float:
        s = self.schedule
        if s.finished:
            return s.finished_at
        return s.end + sum(s.segments[k % len(s.segments)].duration for k in range(s.index + 1, s.count))

    def milestones(self) -> list[float]:
        return [*self.schedule.milestones(), self.end_time()]

    # one step -------------------------------------------------------------------------------------
    def _max_change(self, a: np.ndarray, b: np.ndarray) -> float:
        n = self.V.dofmap.index_map.size_local
        local = float(np.abs(a[:n] - b[:n]).max()) if n else 0.0
        return self.comm.allreduce(local, op=MPI.MAX)

    def advance(self, t, dt):
        cfg = self.config
        self.bdf.set_step(dt)
        self.flow_dt.value = dt
        f, st = cfg.fracture, cfg.stepping
        abort = 2.0 * f.target_damage_change if f is not None and dt > st.dt_min * (1 + 1e-9) else None
        sweeps = {"mechanics": 0, "damage_change": 0.0}

        self._predict(dt)

        def growth_stage():
            self.xi_iter[:] = self.xi.x.array
            report = self.growth_solver.solve()
            if report.converged:
                self._copy_growth()
            return report

        def mechanics_stage():
            report = self._solve_mechanics(abort, dt)
            sweeps["mechanics"] += self._mech[0]
            sweeps["damage_change"] = self._mech[1]
            if report.converged and self.feedback:
                report = report + self.projector.project("hydrostatic_stress")
            return report

        if self.feedback:
            s = cfg.solver
            result = staggered([growth_stage, mechanics_stage],
                               lambda: self._max_change(self.xi.x.array, self.xi_iter), tol=s.stagger_tol,
                               max_iterations=s.stagger_max_it, min_iterations=2, comm=self.comm)
            report = result.report
        else:
            report = growth_stage()
            if report.converged:
                report = report + mechanics_stage()
        if not report.converged:
            return StepResult(report, max(sweeps["mechanics"], 1))
        change = self._max_change(self.xi.x.array, self.xi_old)
        if f is not None and st.target_change is not None:
            # ‖Δd‖∞ on the scale of the ξ target, so that a growing crack shortens the steps
            change = max(change, sweeps["damage_change"] * st.target_change / f.target_damage_change)
        return StepResult(report, max(sweeps["mechanics"], 1), change)

    def _predict(self, dt: float) -> None:
        """Start Newton from the linear extrapolation of the last two accepted states (BDF2's history):
        the front moves steadily, and from its old position Newton's first steps overshoot the double
        well (the line search then creeps)."""
        if self.bdf.order < 2 or self.bdf.steps < 1:
            return
        current, previous = self.bdf.history(self.w)
        omega = dt / self.bdf.dt_previous
        self.w.x.array[:] = (1 + omega) * current.x.array - omega * previous.x.array
        self.w.x.scatter_forward()

    @property
    def feedback(self) -> bool:
        return self.ip.activation_volume != 0.0 and not self.frozen

    def accept(self, t_new):
        dt = t_new - self._t_accepted
        self.fed_charge += float(self.feed.value) * FARADAY * dt
        self._t_accepted = t_new
        self.bdf.accept()
        self.xi_old[:] = self.xi.x.array
        self._accept_mechanics()
        self.projector.project()
        self._update_cells()
        self.sigma_h_old[:] = self.sigma_h.x.array
        self.solve_resistance()
        if self.core is not None and self.first_crack_time is None:
            d_max = self.core.damage_max()
            if d_max >= self.config.fracture.initiation_damage:
                self.first_crack_time = t_new
                self._events.append(f"first cracking of the electrolyte at t = {t_new:.6g} s (max d = "
                                    f"{d_max:.3f}, thickness {self.thickness_mean() * 1e6:.4g} µm)")
        s = self.schedule
        if s.at_end(t_new):
            s.next(t_new, "reached its end")
            if not s.finished:
                self._begin_segment(t_new)

    def reject(self):
        self.bdf.reject()
        self.w.x.scatter_forward()
        self._copy_growth()
        if self.core is not None:
            self.core.reject()
        else:
            self.u.x.array[:] = self.u_old
        self.sigma_h.x.array[:] = self.sigma_h_old

    def stop_reason(self, t):
        f = self.config.fracture
        if f is not None and f.stop_at_initiation and self.first_crack_time is not None:
            return f"the electrolyte cracked at t = {self.first_crack_time:.6g} s"
        return None

    def events(self):
        out, self._events = self._events, []
        return out

    # resistance and quantities --------------------------------------------------------------------
    def solve_resistance(self):
        """φ of ∇·(κ ∇φ) = 0 with φ = 1 on the Li contact and 0 on the far face."""
        if self.crack_resistivity is not None:
            n = self.crack_resistivity.function_space.dofmap.index_map.size_local
            mean = fem.assemble_vector(self._crack_form).array[:n] / self._cell_volume[:n]
            self.crack_resistivity.x.array[:n] = mean
            self.crack_resistivity.x.scatter_forward()
        report = self.conduction.solve()
        if not report.converged:
            raise RuntimeError(f"resistance solve failed ({report.reason})")
        return report

    def asr(self) -> float:
        """Area-specific resistance of the slab [Ω m²]: contact area / current at unit voltage."""
        current = evaluation.integral(self.forms["current"], self.comm)
        return self.contact_area / current

    def thickness_mean(self) -> float:
        """∫ ξ dV / contact area: the interphase volume per contact area [m]."""
        return evaluation.integral(self.forms["xi"], self.comm) / self.contact_area

    def thickness_max(self) -> float:
        """Deepest node where ξ ≥ 1/2 (to one element)."""
        n = self.V.dofmap.index_map.size_local
        xi = self.xi.x.array[:n]
        mask = xi >= 0.5
        mask[self.li_nodes[self.li_nodes < n]] = False
        local = float(self._node_depth[:n][mask].max()) if mask.any() else 0.0
        return self.comm.allreduce(local, op=MPI.MAX)

    def _extremum(self, values: np.ndarray, mask: np.ndarray, op) -> float:
        n = self.V.dofmap.index_map.size_local
        sel = values[:n][mask[:n]]
        local = (float(sel.max()) if op is MPI.MAX else float(sel.min())) if sel.size else \
            (-np.inf if op is MPI.MAX else np.inf)
        return self.comm.allreduce(local, op=op)

    def columns(self):
        # Γ_ℓ(d): a count of cracks per unit area (1-D), a length per unit depth (plane strain), an area
        kind = self.config.geometry.kind
        area = {"slab_1d": "-", "slab_2d": "m", "slab_axisym": "m^2", "slab_3d": "m^2"}[kind]
        out = [("thickness_mean", "m"), ("thickness_max", "m"), ("li_consumed", "C/m^2"),
               ("current_density", "A/m^2"),
               ("interphase_inplane_stress", "Pa"), ("sigma_h_min", "Pa"), ("sigma_h_max", "Pa"),
               ("sigma1_max_electrolyte", "Pa"), ("asr", "Ohm m^2"), ("asr_ratio", "-")]
        if self.config.fracture is not None:
            out += [("crack_area", area), ("damage_max", "-"), ("first_crack_time", "s")]
        return out

    def quantities(self, t):
        comm, ip = self.comm, self.ip
        xi_int = evaluation.integral(self.forms["xi"], comm)
        h_int = evaluation.integral(self.forms["h"], comm)
        c_int = evaluation.integral(self.forms["c"], comm)
        bulk = np.ones(len(self.xi.x.array), dtype=bool)
        bulk[self.li_nodes] = False
        ncell = self.md.mesh.topology.index_map(self.md.mesh.topology.dim).size_local
        pristine = self.electrolyte_cells[:ncell] & (self.xi_cell.x.array[:ncell] < 0.5)
        s1 = self.sigma1_cell.x.array[:ncell][pristine]
        s1_max = self.comm.allreduce(float(s1.max()) if s1.size else -np.inf, op=MPI.MAX)
        asr = self.asr()
        q = {"thickness_mean": xi_int / self.contact_area, "thickness_max": self.thickness_max(),
             "li_consumed": FARADAY * (ip.n * xi_int + c_int) / self.contact_area,
             "current_density": float(self.feed.value) * FARADAY,
             "interphase_inplane_stress": (evaluation.integral(self.forms["inplane"], comm) / h_int
                                           if h_int > 0 else 0.0),
             "sigma_h_min": self._extremum(self.sigma_h.x.array, bulk, MPI.MIN),
             "sigma_h_max": self._extremum(self.sigma_h.x.array, bulk, MPI.MAX),
             "sigma1_max_electrolyte": s1_max,
             "asr": asr, "asr_ratio": asr / self.asr_initial if hasattr(self, "asr_initial") else 1.0}
        if self.core is not None:
            q.update({"crack_area": self.core.crack_measure(), "damage_max": self.core.damage_max(),
                      "first_crack_time": (self.first_crack_time if self.first_crack_time is not None
                                           else float("nan"))})
        return q

    def progress(self, q):
        text = (f"δ {q['thickness_mean'] * 1e6:.4g} µm  σ1_SE {q['sigma1_max_electrolyte'] / 1e6:+.1f} MPa  "
                f"ASR {q['asr'] * 1e4:.4g} Ω cm²")
        if self.core is not None:
            text += f"  d_max {q['damage_max']:.3f}"
        return text

    def results(self):
        ip = self.ip
        A, B = growth.deal_grove_coefficients(ip.D_int, ip.c_b, ip.n, ip.front_rate)
        out = {"first_crack_time [s]": self.first_crack_time,
               "deal_grove_A [m]": A if math.isfinite(A) else None,
               "deal_grove_B [m^2/s]": B, "asr_initial [Ohm m^2]": self.asr_initial,
               "fed_charge [C/m^2]": self.fed_charge,
               "segments": [{"segment": e.index + 1, "cycle": e.cycle, "end_time [s]": e.time,
                             "end_reason": e.reason} for e in self.schedule.ends]}
        if self.Gc is not None:
            out["Gc [J/m^2]"] = self.Gc
        return out

    # outputs --------------------------------------------------------------------------------------
    def field_units(self):
        stresses = (self.sigma_h, self.sigma1, self.sigma_inplane, self.sigma1_cell)
        # φ of the resistance solve is 1 on the Li contact and 0 on the counter face: a fraction of the
        # voltage across the slab, whatever current flows (the ASR is what is physical)
        return {self.c.name: "mol/m^3", self.xi.name: "-", **{f.name: "Pa" for f in stresses},
                self.phi.name: "-", self.u.name: "m", "damage": "-"}

    def output_functions(self):
        out = [self.c, self.xi, self.sigma_h, self.sigma1, self.sigma_inplane, self.phi, self.u,
               self.sigma1_cell]
        return out + ([self.core.d] if self.core is not None else [])

    def state_functions(self):
        out = {"c_xi": self.w, **self.bdf.checkpoint_functions(), "sigma_h": self.sigma_h,
               "xi_initial": self.xi_initial}
        out.update(self.core.state_functions() if self.core is not None else {"u": self.u})
        if self.eps_vp is not None:
            out.update(self.eps_vp.checkpoint_functions())
        return out

    def state_scalars(self):
        return {"schedule": self.schedule.state(), "bdf": self.bdf.state(), "fed_charge": self.fed_charge,
                "t_accepted": self._t_accepted, "first_crack_time": self.first_crack_time,
                "asr_initial": self.asr_initial}

    def restore_scalars(self, scalars):
        self.bdf.restore(scalars["bdf"])
        self._copy_growth()
        self.xi_old[:] = self.xi.x.array
        if self.core is not None:
            self.core.accept()
        self.u_old[:] = self.u.x.array
        if self.eps_vp is not None:
            self.eps_vp.restored()
        self.sigma_h_old[:] = self.sigma_h.x.array
        self.projector.project(exclude=("hydrostatic_stress",))
        self._update_cells()
        self.schedule.restore(scalars["schedule"])
        self.fed_charge, self._t_accepted = scalars["fed_charge"], scalars["t_accepted"]
        self.first_crack_time, self.asr_initial = scalars["first_crack_time"], scalars["asr_initial"]
        if not self.schedule.finished:
            self._apply_control(self.schedule.current)
        self._switched = False
        self.solve_resistance()

    def solver_statistics(self):
        out = {"growth": self.growth_solver.stats, "conduction": self.conduction.stats,
               "projection": self.projector.stats}
        if self.core is not None:
            out.update(self.core.solver_statistics())
        else:
            out["mechanics"] = self.mech_solver.stats
        return out

    def mesh_summary(self):
        h = self.md.h_range()
        dofs = {"c+xi": 2 * global_size(self.V), "u": global_size(self.Vu)}
        if self.core is not None:
            dofs["d"] = global_size(self.core.Vd)
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1], "dofs": dofs}

    @classmethod
    def study_plots(cls, config, rows, critical, outdir):
        """The map of the time to first cracking (crack_map.png, crack_map.csv) of a sweep over two axes
        whose summary has first_crack_time."""
        from battchem.problems.interphase import plots

        return plots.crack_map(config, rows, Path(outdir))

    def plots(self, outdir: Path):
        from battchem.problems.interphase import plots

        return plots.make_plots(self, Path(outdir))


def _bdf(w, order):
    from battchem.time_integration import BDF

    return BDF([w], order=order)


def _nodes_outside(V: fem.FunctionSpace, cells: np.ndarray) -> np.ndarray:
    """Local dofs (owned and ghost) of V that touch none of ``cells`` on any rank."""
    marker = la.vector(V.dofmap.index_map, bs=1)
    marker.array[:] = 0.0
    if len(cells):
        marker.array[np.unique(V.dofmap.list[cells].ravel())] = 1.0
    marker.scatter_reverse(la.InsertMode.add)
    marker.scatter_forward()
    return np.flatnonzero(marker.array == 0.0).astype(np.int32)
