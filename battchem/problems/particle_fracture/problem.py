"""particle_fracture: lithium diffusion and diffusion-induced stress in an active particle.

Unknowns: Li concentration c [mol/m³], displacement u [m] and, with a ``fracture`` section,
damage d [-]:

    ∂c/∂t + ∇·J = 0,   J = −D ∇c + (D Ω c / RT) ∇σ_h          (two-way; −D ∇c one-way)
    J·n = ± i / F on the particle surface                       (galvanostatic; + extraction)
    ∇·σ = 0,  σ = C : (ε(u) − (Ω/3)(c − c_ref) I),  σ·n = 0 on the surface

Geometries: ``sphere_1d`` (radial, spherical symmetry), ``disk`` (2-D plane strain),
``sphere_axisym`` (axisymmetric (r, z) quadrant), ``sphere`` (3-D octant or full sphere). Rigid-body
modes are removed by symmetry planes or, for full geometries, by six (3-D) or three (2-D) point
constraints that do not over-constrain the body.

With damage (``fracture``, one-way coupling, P1, disk or 3-D sphere, full section): σ = g(d)
∂ψ⁺/∂ε_e + ∂ψ⁻/∂ε_e with ε_e = ε(u) − ε*(c), and per step c first, then the u–d alternate
minimisation of ``battchem.components.fracture`` at that c (AT1/AT2, split, history or VI).
Optionally cracks are fast diffusion paths, D(d_n) = D [1 + (ratio − 1) d_n²] with the damage of the
last accepted step. Initial flaws (disk: central or radial surface cracks of given length and
orientation; sphere: central pennies or surface thumbnail cracks) seed an initial history field
(Borden et al. 2012). The step controller bounds ‖Δd‖∞ per step
(``fracture.target_damage_change``) besides the concentration change, so steps shrink while a
crack runs; the crack initiation time is the first time Γ_ℓ exceeds its initial value by ℓ^(dim−1).

Each step (no damage): c from the mass balance (backward Euler) → u from equilibrium → σ_h projected; with
two-way coupling the three fields are solved together by Newton (``coupling.solution:
monolithic``, with σ_h an unknown: ∫ (σ_h − tr σ/3) p w dx = 0) or alternately until c stops
changing (``staggered``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from battchem import evaluation
from battchem import mesh as bmesh
from battchem.components.fracture import PhaseFieldFracture
from battchem.materials import FARADAY, GAS_CONSTANT
from battchem.physics import mechanics, transport
from battchem.physics import phasefield as pf
from battchem.physics.coordinates import CoordinateSystem
from battchem.problems.base import Problem, StepResult, register
from battchem.problems.particle_fracture.inputs import ParticleConfig
from battchem.protocol import Schedule, Until
from battchem.solvers import (
    NonlinearSolver,
    Projector,
    default_options,
    global_size,
    rigid_body_modes,
    staggered,
)

# --------------------------------------------------------------------------------------------
# Geometry bookkeeping

_COORDINATES = {"sphere_1d": "spherical_1d", "disk": "plane_strain",
                "sphere_axisym": "axisymmetric", "sphere": "cartesian_3d"}
# volume/area ratio of the whole particle (sets the current of a C-rate)
_VOLUME_TO_AREA = {"sphere_1d": 1 / 3, "disk": 1 / 2, "sphere_axisym": 1 / 3, "sphere": 1 / 3}


def _symmetry_factor(kind: str, symmetry: str) -> float:
    """Whole particle / meshed part (integrals already carry 2πr or 4πr² where needed)."""
    if symmetry == "full" or kind == "sphere_1d":
        return 1.0
    return {"disk": 4.0, "sphere_axisym": 2.0, "sphere": 8.0}[kind]


@register
class ParticleFracture(Problem):
    """Diffusion-induced stress in a particle, with optional phase-field damage."""

    name = "particle_fracture"
    summary = "Li diffusion, diffusion-induced stress and phase-field fracture of active particles"
    Config = ParticleConfig

    # ------------------------------------------------------------------------------------
    @property
    def radius(self) -> float:
        g = self.config.geometry
        return g.radius if g.radius is not None else self.config.material.radius

    def build_mesh(self):
        g = self.config.geometry
        R = self.radius
        reduced = g.symmetry == "reduced"
        snap = {"surface": bmesh.onto_sphere(R)}
        if g.kind == "sphere_1d":
            n = max(2, int(round(1.0 / g.mesh_size)))
            return bmesh.from_geo("interval", {"L": 1.0, "n": n, "grading": g.grading ** (1.0 / max(n - 1, 1))},
                                  self.comm, 1, scale=R)
        # gmsh meshes at 2^refine × the final sizes; the band keeps its element-size ratio
        h = g.mesh_size * 2**g.refine
        band = {"band": g.band_half_width, "h_band": g.crack_path_mesh_size * 2**g.refine if g.band_half_width
                else h, "transition": 0.3}
        if g.kind in ("disk", "sphere_axisym"):
            return bmesh.from_geo("disk", {"R": 1.0, "h": h, "quarter": int(reduced), **band},
                                  self.comm, 2, scale=R, refine=g.refine, snap=snap)
        return bmesh.from_geo("sphere", {"R": 1.0, "h": h, "octant": int(reduced), **band},
                              self.comm, 3, scale=R, refine=g.refine, snap=snap)

    # ------------------------------------------------------------------------------------
    def setup(self, md):
        cfg = self.config
        g = cfg.geometry
        self.mat = mat = cfg.material.resolved()
        self.md = md
        msh = md.mesh
        self.cs = cs = CoordinateSystem(msh, _COORDINATES[g.kind])
        self.factor = _symmetry_factor(g.kind, g.symmetry)
        dx, ds_surface = ufl.Measure("dx", domain=msh), md.ds("surface")
        self.dx, self.ds_surface = dx, ds_surface
        w = cs.weight

        # parameters: UFL Constants, so that another value reuses the compiled forms (a sweep over
        # E, Ω, D or the temperature compiles once)
        self.RT = GAS_CONSTANT * mat.temperature
        self.c_initial = cfg.operation.soc_initial * mat.c_max
        c_ref = cfg.coupling.c_ref if cfg.coupling.c_ref is not None else self.c_initial

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value))

        self.constants = {"E": constant(mat.E), "nu": constant(mat.nu), "Omega": constant(mat.Omega),
                          "D": constant(mat.D), "RT": constant(self.RT), "c_ref": constant(c_ref)}
        E, nu, Omega, D, RT = (self.constants[k] for k in ("E", "nu", "Omega", "D", "RT"))
        two_way = cfg.coupling.mode == "two_way"

        # unknowns
        Vc = fem.functionspace(msh, ("Lagrange", g.degree))
        Vu = fem.functionspace(msh, ("Lagrange", g.degree, cs.displacement_shape))
        self.Vc, self.Vu = Vc, Vu
        self.c = fem.Function(Vc, name="concentration")
        self.c_old = fem.Function(Vc, name="concentration_old")
        self.c_iter = fem.Function(Vc, name="concentration_previous_iterate")
        self.u = fem.Function(Vu, name="displacement")
        self.u_old = fem.Function(Vu, name="displacement_old")
        for f in (self.c, self.c_old):
            f.x.array[:] = self.c_initial
        self.sigma_h = fem.Function(Vc, name="hydrostatic_stress")
        self.hoop = fem.Function(Vc, name="hoop_stress")
        self.radial = fem.Function(Vc, name="radial_stress")
        self.von_mises = fem.Function(Vc, name="von_mises_stress")
        self.sigma1 = fem.Function(Vc, name="max_principal_stress")
        self.dt = fem.Constant(msh, PETSc.ScalarType(1.0))
        self.outflow = fem.Constant(msh, PETSc.ScalarType(0.0))  # j·n [mol/(m² s)], + extraction

        # mechanics: ∫ σ(ε(u) + ε_zz e_z⊗e_z − ε*(c)) : ε(v) w dx = 0, with ε_zz = 0 except in
        # generalised plane strain, where it is the mean chemical strain (set after each c-solve)
        s = cfg.solver
        self.c_ref = c_ref
        self.axial_strain = None
        if g.out_of_plane == "generalized_plane_strain":
            self.axial_strain = fem.Constant(msh, PETSc.ScalarType(0.0))

        def chemo_elastic_strain(u):
            eps = cs.strain(u) - mechanics.chemical_strain(self.c, self.constants["c_ref"], Omega)
            return eps if self.axial_strain is None else eps + mechanics.axial_strain(self.axial_strain)

        self.core = None
        if cfg.fracture is not None:
            # with damage: σ = g(d) ∂ψ⁺/∂ε_e + ∂ψ⁻/∂ε_e, ε_e = ε(u) − ε*(c), and the u–d
            # alternate minimisation of the fracture core (battchem.components.fracture)
            H0 = self._flaw_history() if cfg.fracture.flaws else None
            # fixed quadrature degree: UFL would estimate a very high one for the split (√, acos,
            # conditionals); 2 integrates g(d) (quadratic) times the P1 elastic strain products
            # (ε(u) cellwise constant, ε*(c) linear) to within the P1 accuracy
            dx_d = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 2})
            self.core = PhaseFieldFracture(Vu, fem.functionspace(msh, ("Lagrange", 1)), cs.strain, w, dx_d, E, nu,
                                           cfg.fracture, s, bcs_u=self._mechanics_bcs(),
                                           elastic_strain=chemo_elastic_strain, initial_history=H0)
            self.u = self.core.u
            eps_e = chemo_elastic_strain(self.u)
            self.stress = self.core.stress
            self.mech_solver = None
        else:
            eps_e = chemo_elastic_strain(self.u)
            self.stress = mechanics.elastic_stress(eps_e, E, nu)
            v = ufl.TestFunction(Vu)
            F_u = mechanics.equilibrium_residual(self.stress, v, cs, dx)
            n_u = global_size(Vu)
            opts_u = {**default_options("elasticity", n_u, s), **s.petsc_options.get("mechanics", {})}
            nns = rigid_body_modes(Vu) if (cs.displacement_shape and opts_u.get("pc_type") == "gamg") else None
            self.mech_solver = NonlinearSolver(F_u, self.u, self._mechanics_bcs(), prefix="mechanics_",
                                               options=opts_u, linear=True, jacobian_key=lambda: 0,
                                               near_nullspace=nns)

        # transport: ∫ (c − c_n)/Δt q w − ∫ J·∇q w + ∫ j_out q w ds = 0
        q = ufl.TestFunction(Vc)
        crack_paths = self.core is not None and cfg.fracture.crack_diffusivity_ratio != 1.0
        if crack_paths:  # D(d_n): the damage of the last accepted step (lagged one step)
            D = pf.cracked_diffusivity(D, self.core.d_old, constant(cfg.fracture.crack_diffusivity_ratio))
        flux = transport.stress_coupled_flux(self.c, D, self.sigma_h if two_way else None, Omega, RT)
        F_c = transport.mass_balance_residual(self.c, self.c_old, q, self.dt, flux, w, dx,
                                              outflow=self.outflow, ds=ds_surface)
        block = "advection_diffusion" if two_way else "diffusion"
        opts_c = {**default_options(block, global_size(Vc), s), **s.petsc_options.get("transport", {})}
        key = None if (two_way or crack_paths) else (lambda: float(self.dt.value))
        self.volume = evaluation.integral(w * dx, self.comm)
        self.monolithic = self.transport_solver = None
        if two_way and cfg.coupling.solution == "monolithic":
            self.monolithic = self._monolithic_solver()
        else:
            self.transport_solver = NonlinearSolver(F_c, self.c, [], prefix="transport_",
                                                    options=opts_c, linear=True, jacobian_key=key)

        # derived stresses, L2-projected onto the concentration space; nonlinear stress measures
        # (sqrt, acos) would make UFL pick a very high quadrature degree, so fix it: exact for
        # the polynomial part (degree k stresses times a degree-k test function times r or r²)
        qdeg = 2 * g.degree + {"spherical_1d": 2, "axisymmetric": 1}.get(cs.kind, 0)
        dxq = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": qdeg})
        dsq = md.ds("surface")(metadata={"quadrature_degree": qdeg})
        self.projector = Projector(Vc, w, dxq, prefix="projection_", settings=s)
        self.projector.add(self.sigma_h, mechanics.hydrostatic_stress(self.stress))
        self.projector.add(self.hoop, mechanics.hoop_stress(self.stress, cs))
        self.projector.add(self.radial, mechanics.radial_stress(self.stress, cs))
        self.projector.add(self.von_mises, mechanics.von_mises_stress(self.stress))
        self.projector.add(self.sigma1, mechanics.max_principal_stress(self.stress))

        # quantities of interest (compiled once)
        self.surface_area = evaluation.integral(w * ds_surface, self.comm)
        self.forms = {
            "c_integral": fem.form(self.c * w * dx),
            "c_surface": fem.form(self.c * w * ds_surface),
            "hoop_surface": fem.form(mechanics.hoop_stress(self.stress, cs) * w * dsq),
            "energy": fem.form((mechanics.strain_energy_density(eps_e, E, nu) if self.core is None
                                else self.core.energy_density) * w * dxq),
        }
        fdim = msh.topology.dim - 1
        self.surface_dofs = fem.locate_dofs_topological(Vc, fdim, md.facets("surface"))

        # protocol state
        op = cfg.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self._pending_events: list[str] = []
        self._warned: set[str] = set()
        self._peak: dict | None = None
        self._begin_segment(0.0)
        self._update_axial_strain()

        if self.core is not None:
            report = self.core.initialise_damage()
            if not report.converged:
                raise RuntimeError(f"initial damage of the flaws did not converge ({report.reason})")
            if c_ref != self.c_initial:  # pre-stressed start: equilibrate u and d at c_initial
                outcome = self.core.solve()
                if not outcome.converged:
                    raise RuntimeError(f"initial u-d solve did not converge ({outcome.result.report.reason})")
                self.core.accept()
                self.projector.project()
            self._crack_initial = self.core.crack_measure()
            self._initiation_time = float("nan")
        elif c_ref != self.c_initial:  # else the particle starts stress free: u = 0, σ = 0
            self.mech_solver.solve()
            self.projector.project()

    def _monolithic_solver(self):
        """Newton on w = (c, u, σ_h) for two-way coupling:

            F_c(c, σ_h; q) + ∫ σ(u, c) : ε(v) w dx + ∫ (σ_h − tr σ(u, c)/3) p w dx = 0.
        """
        import basix.ufl

        cfg, cs, msh = self.config, self.cs, self.md.mesh
        mat, deg = self.mat, cfg.geometry.degree
        cell = msh.basix_cell()
        scalar = basix.ufl.element("Lagrange", cell, deg)
        vector = basix.ufl.element("Lagrange", cell, deg, shape=cs.displacement_shape)
        W = fem.functionspace(msh, basix.ufl.mixed_element([scalar, vector, scalar]))
        self.W = W
        self.w = fem.Function(W, name="c_u_sigma_h")
        self.w.sub(0).interpolate(self.c)
        self.w.x.scatter_forward()
        self.w_old = self.w.x.array.copy()
        c, u, sigma_h = ufl.split(self.w)
        q, v, p = ufl.TestFunctions(W)
        w = cs.weight
        k = self.constants
        stress = mechanics.elastic_stress(cs.strain(u) - mechanics.chemical_strain(c, k["c_ref"], k["Omega"]),
                                          k["E"], k["nu"])
        flux = transport.stress_coupled_flux(c, k["D"], sigma_h, k["Omega"], k["RT"])
        # The three residuals differ by ~10 orders in SI (mol/s, N, Pa m³): scale each by its
        # natural size so that Newton's norms weigh them alike (rates c_max V / t_D, forces
        # E ε_ch V / R, stresses E ε_ch V; ε_ch = |Ω| c_max / 3).
        R, V = self.radius, self.volume
        strain = max(abs(mat.Omega) * mat.c_max / 3, 1e-12)
        # (Constants, not literals: the measured volume must not enter the JIT cache key)
        scale_c = fem.Constant(msh, PETSc.ScalarType(mat.c_max * V * mat.D / R**2))
        scale_u = fem.Constant(msh, PETSc.ScalarType(mat.E * strain * V / R))
        scale_s = fem.Constant(msh, PETSc.ScalarType(mat.E * strain * V))
        F = ((1 / scale_c) * transport.mass_balance_residual(c, self.c_old, q, self.dt, flux, w, self.dx,
                                                             outflow=self.outflow, ds=self.ds_surface)
             + (1 / scale_u) * mechanics.equilibrium_residual(stress, v, cs, self.dx)
             + (1 / scale_s) * (sigma_h - mechanics.hydrostatic_stress(stress)) * p * w * self.dx)
        s = cfg.solver
        n = global_size(W)
        direct = s.linear_solver == "direct" or (s.linear_solver == "auto" and n <= s.direct_max_dofs)
        # MUMPS threshold pivoting (CNTL(1) = 0.01) delays so many pivots of this ill-scaled block
        # that the factorisation runs out of workspace on 2 ranks (INFOG(1) = -9) whatever
        # ICNTL(14); a 1e-6 threshold factorises it, and Newton absorbs the small loss of accuracy
        opts = ({**default_options("elasticity", 0, s), "mat_mumps_cntl_1": 1e-6} if direct else
                {"ksp_type": "gmres", "ksp_gmres_restart": 200, "pc_type": "asm", "sub_pc_type": "ilu",
                 "ksp_rtol": s.rtol, "ksp_max_it": 2000})
        # no step-length test: the unknowns span 20 orders (m, mol/m³, Pa), so ‖Δw‖ < stol ‖w‖ says
        # nothing about convergence; the scaled residual decides
        opts.update({"snes_rtol": s.snes_rtol, "snes_atol": s.snes_atol, "snes_max_it": s.snes_max_it,
                     "snes_stol": 0.0,
                     **s.petsc_options.get("coupled", {})})
        return NonlinearSolver(F, self.w, self._mechanics_bcs(W.sub(1)), prefix="coupled_", options=opts)

    # boundary conditions ------------------------------------------------------------------
    def _mechanics_bcs(self, Vu=None):
        g, md = self.config.geometry, self.md
        Vu = self.Vu if Vu is None else Vu
        fdim = md.mesh.topology.dim - 1
        zero = PETSc.ScalarType(0.0)
        if g.kind == "sphere_1d":
            dofs = fem.locate_dofs_topological(Vu, fdim, md.facets("centre"))
            return [fem.dirichletbc(zero, dofs, Vu)]
        bcs = []
        if g.symmetry == "reduced":
            # u_x = 0 on x = 0 (the axis r = 0 in axisymmetry), u_y = 0 on y = 0, u_z = 0 on z = 0
            planes = ["symmetry_x", "symmetry_y"] + (["symmetry_z"] if g.kind == "sphere" else [])
            for i, name in enumerate(planes):
                dofs = fem.locate_dofs_topological(Vu.sub(i), fdim, md.facets(name))
                bcs.append(fem.dirichletbc(zero, dofs, Vu.sub(i)))
            return bcs
        # full section: pin the centre; in 2-D stop the rotation with u_y = 0 at (R, 0); in 3-D
        # with u_x = u_y = 0 at the pole (0, 0, R) and u_y = 0 at the surface node nearest (R, 0, 0)
        R = self.radius
        gdim = md.mesh.geometry.dim
        constraints = [((0.0, 0.0, 0.0), range(gdim))]
        if gdim == 2:
            constraints.append(((R, 0.0, 0.0), [1]))
        else:
            constraints += [((0.0, 0.0, R), [0, 1]), ((R, 0.0, 0.0), [1])]
        for point, comps in constraints:
            for i in comps:
                Vi, _ = Vu.sub(i).collapse()
                local = evaluation.nearest_dof(Vi, np.array(point))
                xyz = Vi.tabulate_dof_coordinates()[local] if len(local) else np.zeros((0, 3))
                xyz = [x for part in self.comm.allgather(xyz) for x in part][0]
                dofs = fem.locate_dofs_geometrical(
                    (Vu.sub(i), Vi), lambda x, p=xyz: np.linalg.norm(x.T - p[None, :], axis=1) < 1e-9 * R)
                bcs.append(fem.dirichletbc(zero, dofs[0], Vu.sub(i)))
        return bcs

    # protocol -------------------------------------------------------------------------------
    def _current_density(self, seg) -> float:
        """Magnitude of the surface current density [A/m²] of a segment."""
        if seg.direction == "rest":
            return 0.0
        if seg.current_density is not None:
            return seg.current_density
        mat = self.mat
        v_over_a = _VOLUME_TO_AREA[self.config.geometry.kind] * self.radius
        return mat.c_max * FARADAY * v_over_a * seg.c_rate / 3600.0

    def _apply_control(self, seg) -> None:
        """The surface flux j_out = ±i/F of a segment (+ extraction)."""
        sign = {"insertion": -1.0, "extraction": 1.0, "rest": 0.0}[seg.direction]
        self.outflow.value = sign * self._current_density(seg) / FARADAY

    def _begin_segment(self, t: float) -> None:
        """Impose the active segment's current; its end is its duration or, for until_soc, the
        exact galvanostatic end time (d soc/dt = −j_out A / (V c_max) is constant)."""
        seg = self.schedule.current
        self._apply_control(seg)
        estimate = None
        if seg.until_soc is not None:
            rate = -self.outflow.value * self.surface_area / (self.volume * self.mat.c_max)
            estimate = t + (seg.until_soc - self.soc()) / rate
        self.schedule.begin(t, estimate)

    def _surface_limit(self) -> Until | None:
        """The voltage cut-off stand-in: the surface concentration reaching c_max (insertion) or 0."""
        seg = self.schedule.current
        if not self.config.operation.stop_at_surface_limit or seg.direction == "rest":
            return None
        if seg.direction == "insertion":
            return Until("surface concentration", self.mat.c_max, rising=True)
        return Until("surface concentration", 0.0, rising=False)

    def end_time(self) -> float:
        # a segment that ends at a state of charge: estimated from the nominal C-rate path
        return self.schedule.planned_end(
            lambda seg: abs(seg.until_soc - 0.5) * 3600.0 / max(seg.c_rate or 1.0, 1e-9) + 1.0)

    def milestones(self) -> list[float]:
        return [*self.schedule.milestones(), self.end_time()]

    def soc(self) -> float:
        return evaluation.integral(self.forms["c_integral"], self.comm) / (self.volume * self.mat.c_max)

    # one step ----------------------------------------------------------------------------------
    def advance(self, t, dt):
        self.dt.value = dt
        d_change = None
        if self.core is not None:  # one-way: c, then the u–d alternate minimisation at that c
            report = self.transport_solver.solve()
            stagger = 1
            if report.converged:
                self._update_axial_strain()
                f, st = self.config.fracture, self.config.stepping
                abort = 2.0 * f.target_damage_change if dt > st.dt_min * (1 + 1e-9) else None
                outcome = self.core.solve(abort_change=abort, step=dt)
                report, stagger = report + outcome.result.report, outcome.result.iterations
                d_change = outcome.controlled_change(f.target_damage_change)
            if report.converged:
                report = report + self.projector.project("hydrostatic_stress")
        elif self.config.coupling.mode == "one_way":
            report = self.transport_solver.solve()
            if report.converged:
                self._update_axial_strain()
                report = report + self.mech_solver.solve()
            if report.converged:
                report = report + self.projector.project("hydrostatic_stress")
            stagger = 1
        elif self.monolithic is not None:
            report = self.monolithic.solve()
            if report.converged:  # copy the blocks to the single-field Functions
                self.c.interpolate(self.w.sub(0))
                self.u.interpolate(self.w.sub(1))
                self.sigma_h.interpolate(self.w.sub(2))
            stagger = 1
        else:
            scale = self.mat.c_max

            def transport_stage():
                self.c_iter.x.array[:] = self.c.x.array
                return self.transport_solver.solve()

            def mechanics_stage():
                r = self.mech_solver.solve()
                return r + self.projector.project("hydrostatic_stress") if r.converged else r

            def change():
                d = self.c.x.array - self.c_iter.x.array
                n = self.Vc.dofmap.index_map.size_local
                local = float(np.abs(d[:n]).max()) if n else 0.0
                return self.comm.allreduce(local, op=MPI.MAX) / scale

            s = self.config.solver
            res = staggered([transport_stage, mechanics_stage], change, tol=s.stagger_tol, comm=self.comm,
                            max_iterations=s.stagger_max_it)
            report, stagger = res.report, res.iterations
        if not report.converged:
            return StepResult(report, stagger)
        n = self.Vc.dofmap.index_map.size_local
        local = float(np.abs(self.c.x.array[:n] - self.c_old.x.array[:n]).max()) if n else 0.0
        change = self.comm.allreduce(local, op=MPI.MAX) / self.mat.c_max
        if d_change is not None and self.config.stepping.target_change is not None:
            # the step controller bounds one change: express ‖Δd‖∞ on the scale of the
            # concentration target, so that a growing crack shortens the steps like fast diffusion
            change = max(change, d_change * self.config.stepping.target_change
                         / self.config.fracture.target_damage_change)
        retry = self._surface_limit_retry(dt)
        return StepResult(report, stagger, change, retry_dt=retry)

    def _update_axial_strain(self) -> None:
        """Generalised plane strain: ε_zz = (Ω/3)(c̄ − c_ref) for the current c."""
        if self.axial_strain is not None:
            c_mean = evaluation.integral(self.forms["c_integral"], self.comm) / self.volume
            self.axial_strain.value = mechanics.generalized_plane_strain_axial_strain(
                c_mean, self.c_ref, self.mat.Omega)

    def _surface_limit_retry(self, dt: float) -> float | None:
        """A shorter step that lands on the surface-concentration limit, when this one overshot
        it by more than 1e-3 c_max."""
        limit = self._surface_limit()
        if limit is None:
            return None
        lo, hi = evaluation.extrema(self.c, self.surface_dofs)
        lo_old, hi_old = evaluation.extrema(self.c_old, self.surface_dofs)
        before, after = (hi_old, hi) if limit.rising else (lo_old, lo)
        return Schedule.landing(limit, before, after, dt, tol=1e-3 * self.mat.c_max)

    def accept(self, t_new):
        if self.monolithic is not None:
            self.w_old[:] = self.w.x.array
        self.c_old.x.array[:] = self.c.x.array
        self.u_old.x.array[:] = self.u.x.array
        if self.core is not None:
            self.core.accept()
            self._check_initiation(t_new)
        self.projector.project(exclude=("hydrostatic_stress",))  # σ_h is current after advance()
        s = self.schedule
        seg = s.current
        ended, reason = s.at_end(t_new), "reached its end"
        limit = self._surface_limit()
        if not ended and limit is not None:
            lo, hi = evaluation.extrema(self.c, self.surface_dofs)
            if limit.reached(hi if limit.rising else lo, tol=1e-3 * self.mat.c_max):
                ended, reason = True, "surface concentration limit reached"
        if ended:
            self._pending_events.append(f"segment {s.index + 1}/{s.count} ({seg.direction}) "
                                        f"{reason} at t = {t_new:.6g} s, soc = {self.soc():.4f}")
            s.next(t_new, reason)
            if not s.finished:
                self._begin_segment(t_new)

    def reject(self):
        if self.monolithic is not None:
            self.w.x.array[:] = self.w_old
        self.c.x.array[:] = self.c_old.x.array
        self.u.x.array[:] = self.u_old.x.array
        if self.core is not None:
            self.core.reject()
        self._update_axial_strain()
        self.projector.project("hydrostatic_stress")

    # fracture ---------------------------------------------------------------------------------
    def _flaw_history(self):
        """x ↦ H₀(x) of the initial flaws (``fracture.flaws``; particle centred at 0), the
        Borden et al. (2012) history field of ``pf.flaw_history`` around each flat flaw. Each flaw
        lies in the plane through the z axis at its angle (normal (−sin θ, cos θ, 0)): a centre flaw
        is the disk of radius length·R/2 about 0 (2-D: a segment), a surface flaw the disk of radius
        depth = length·R about the surface point R(cos θ, sin θ, 0), of which the particle keeps
        the inner half."""
        f, R = self.config.fracture, self.radius
        flats = []
        for flaw in f.flaws:
            theta = np.deg2rad(flaw.angle)
            e = np.array([np.cos(theta), np.sin(theta), 0.0])
            normal = np.array([-np.sin(theta), np.cos(theta), 0.0])
            if flaw.location == "centre":
                flats.append((np.zeros(3), normal, 0.5 * flaw.length * R))
            else:
                flats.append((R * e, normal, flaw.length * R))

        def H0(x):
            dist = np.full(x.shape[1], np.inf)
            for centre, normal, radius in flats:
                dist = np.minimum(dist, pf.flat_flaw_distance(x.T, centre, normal, radius))
            return pf.flaw_history(dist, f.Gc, f.length_scale)

        return H0

    def _check_initiation(self, t: float) -> None:
        """Crack initiation: the regularised crack measure has grown by ℓ^(dim−1) beyond that of
        the initial flaws (a crack advanced by one length scale in 2-D)."""
        if not np.isnan(self._initiation_time):
            return
        ell = self.config.fracture.length_scale
        dim = self.md.mesh.topology.dim
        if self.core.crack_measure() - self._crack_initial > ell ** (dim - 1):
            self._initiation_time = t
            self._pending_events.append(f"crack initiated at t = {t:.6g} s (soc {self.soc():.4f}, "
                                        f"d_max {self.core.damage_max():.3f})")

    def stop_reason(self, t):
        f = self.config.fracture
        if f is not None and f.stop_at_initiation and not np.isnan(self._initiation_time):
            return f"crack initiated at t = {self._initiation_time:.6g} s"
        return None

    def events(self):
        out, self._pending_events = self._pending_events, []
        return out

    def results(self):
        out = {"segments": self.schedule.summary()}
        if self.core is not None:
            t = self._initiation_time
            out["crack_initiation_time [s]"] = None if np.isnan(t) else t
        return out

    # outputs ----------------------------------------------------------------------------------
    def columns(self):
        energy = "J/m" if self.config.geometry.kind == "disk" else "J"  # per unit thickness in 2-D
        return [("soc", "-"), ("c_mean", "mol/m^3"), ("c_min", "mol/m^3"), ("c_max", "mol/m^3"),
                ("c_surface_mean", "mol/m^3"), ("current_density", "A/m^2"),
                ("sigma_h_max", "Pa"), ("sigma_h_min", "Pa"), ("hoop_surface_mean", "Pa"),
                ("hoop_surface_max", "Pa"), ("sigma1_max", "Pa"), ("von_mises_max", "Pa"),
                ("elastic_energy", energy)] + self._fracture_columns()

    def _fracture_columns(self):
        if self.core is None:
            return []
        disk = self.config.geometry.kind == "disk"
        return [("fracture_energy", "J/m" if disk else "J"), ("crack_measure", "m" if disk else "m^2"),
                ("damage_max", "-"), ("crack_initiation_time", "s")] + self.core.stagger_columns()

    def quantities(self, t):
        comm = self.comm
        c_lo, c_hi = evaluation.extrema(self.c)
        sh_lo, sh_hi = evaluation.extrema(self.sigma_h)
        _, hoop_max = evaluation.extrema(self.hoop, self.surface_dofs)
        _, s1_max = evaluation.extrema(self.sigma1)
        _, vm_max = evaluation.extrema(self.von_mises)
        c_mean = evaluation.integral(self.forms["c_integral"], comm) / self.volume
        c_surf = evaluation.integral(self.forms["c_surface"], comm)
        q = {
            "soc": c_mean / self.mat.c_max, "c_mean": c_mean, "c_min": c_lo, "c_max": c_hi,
            "c_surface_mean": c_surf / self.surface_area,
            "current_density": self.outflow.value * FARADAY,
            "sigma_h_max": sh_hi, "sigma_h_min": sh_lo,
            "hoop_surface_mean": evaluation.integral(self.forms["hoop_surface"], comm) / self.surface_area,
            "hoop_surface_max": hoop_max, "sigma1_max": s1_max, "von_mises_max": vm_max,
            "elastic_energy": self.factor * evaluation.integral(self.forms["energy"], comm),
        }
        if self.core is not None:
            q.update({"fracture_energy": self.factor * self.core.fracture_energy(),
                      "crack_measure": self.factor * self.core.crack_measure(),
                      "damage_max": self.core.damage_max(), "crack_initiation_time": self._initiation_time,
                      **self.core.stagger_quantities()})
        self._track_peak(t, q)
        self._warn_implausible(t, q)
        return q

    def _warn_implausible(self, t, q):
        """Warn once per run when the stresses exceed E/50 (strains of several percent): valid, but
        beyond linear elasticity and the strength of any oxide particle."""
        import warnings

        columns = ("sigma_h_max", "sigma_h_min", "hoop_surface_mean", "hoop_surface_max", "sigma1_max",
                   "von_mises_max")
        column = max(columns, key=lambda k: abs(q[k]))
        limit = self.mat.E / 50
        if abs(q[column]) > limit and "stress" not in self._warned:
            self._warned.add("stress")
            warnings.warn(f"{column} = {q[column] / 1e9:.3g} GPa at t = {t:.6g} s, beyond E/50 = "
                          f"{limit / 1e9:.3g} GPa: strains of several percent, outside linear elasticity and "
                          "above the strength of oxide particles; check material "
                          f"{self.config.material.label()} and the current (warned once)",
                          UserWarning, stacklevel=2)

    def _track_peak(self, t, q):
        """Keep the stress field at the largest surface hoop stress magnitude for the picture."""
        if self._peak is None or abs(q["hoop_surface_mean"]) > abs(self._peak["value"]):
            self._peak = {"value": q["hoop_surface_mean"], "time": t,
                          "hoop": self.hoop.x.array.copy(), "radial": self.radial.x.array.copy(),
                          "c": self.c.x.array.copy()}

    def progress(self, q):
        text = (f"soc {q['soc']:.3f}  hoop_surf {q['hoop_surface_max'] / 1e6:+.1f} MPa  "
                f"σh [{q['sigma_h_min'] / 1e6:+.1f}, {q['sigma_h_max'] / 1e6:+.1f}] MPa")
        if self.core is not None:
            text += f"  Γ_ℓ {q['crack_measure']:.4g} m  d_max {q['damage_max']:.3f}"
        return text

    def field_units(self):
        stresses = (self.sigma_h, self.hoop, self.radial, self.von_mises, self.sigma1)
        return {self.c.name: "mol/m^3", self.u.name: "m", **{f.name: "Pa" for f in stresses}, "damage": "-"}

    def output_functions(self):
        fields = [self.c, self.u, self.sigma_h, self.hoop, self.radial, self.von_mises, self.sigma1]
        return fields + ([self.core.d] if self.core is not None else [])

    def state_functions(self):
        if self.core is not None:
            return {"c": self.c, **self.core.state_functions()}
        return {"c": self.c, "u": self.u}

    def state_scalars(self):
        out = {"schedule": self.schedule.state()}
        if self.core is not None:
            out.update({"crack_initial": self._crack_initial, "initiation_time": self._initiation_time})
        return out

    def restore_scalars(self, scalars):
        self.c_old.x.array[:] = self.c.x.array
        self.u_old.x.array[:] = self.u.x.array
        if self.core is not None:
            self.core.accept()
            self._crack_initial = scalars.get("crack_initial", self._crack_initial)
            self._initiation_time = float(scalars.get("initiation_time", float("nan")))
        self.schedule.restore(scalars["schedule"])
        if not self.schedule.finished:
            self._apply_control(self.schedule.current)
        self._update_axial_strain()
        self.projector.project()
        if self.monolithic is not None:
            for i, f in enumerate((self.c, self.u, self.sigma_h)):
                self.w.sub(i).interpolate(f)
            self.w.x.scatter_forward()
            self.w_old[:] = self.w.x.array

    def solver_statistics(self):
        if self.core is not None:
            return {**self.core.solver_statistics(), "transport": self.transport_solver.stats,
                    "projection": self.projector.stats}
        stats = {"mechanics": self.mech_solver.stats, "projection": self.projector.stats}
        if self.monolithic is not None:
            stats["coupled"] = self.monolithic.stats
        else:
            stats["transport"] = self.transport_solver.stats
        return stats

    def mesh_summary(self):
        h = self.md.h_range()
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1],
                "dofs": {"c": global_size(self.Vc), "u": global_size(self.Vu),
                         **({"d": global_size(self.core.Vd)} if self.core is not None else {})},
                "radius": self.radius, "symmetry_factor": self.factor}

    def plots(self, outdir: Path):
        from battchem.problems.particle_fracture import plots

        return plots.make_plots(self, Path(outdir))

    @classmethod
    def study_plots(cls, config, rows, critical, outdir):
        """The fracture map (fracture_map.png, fracture_map.csv) of a sweep that searches the critical
        C-rate over the particle radius."""
        from battchem.problems.particle_fracture import plots

        return plots.fracture_map(config, rows, critical, Path(outdir))

