"""void_growth, model creep_contact: creep-fed contact of Li on a solid electrolyte during stripping
(PHYSICS.md §3b; issue 11 item 2).

A unit cell (plane strain or axisymmetric, coordinates x/r across and y/z up) holds Li above the
interface y = 0 with one void on the axis, and the solid electrolyte (SE) below it.

SE, ionic current (fixed mesh, potential φ):

    ∇·(κ ∇φ) = 0,   κ ∂φ/∂n = χ j(η) on the interface,   −κ ∂φ/∂n = j_app at the counter side y = −H,

η = φ_Li − φ with φ_Li = 0, j(η) Butler–Volmer (or linearised, η/Z) with i0 = RT/(F Z (α_a + α_c)),
χ the fraction of each interface facet the Li touches (1 on contact, 0 under voids: insulating).
The total current is the applied one (galvanostatic) because the counter side carries it.

Li, incompressible power-law creep (``battchem.physics.creep``, Taylor–Hood velocity v and
pressure p): traction −p_stack n on the top (current-collector side), symmetry v_x = 0 on the axis
and the side, and on the contact the Li consumed at the local rate v·n = j V_m/F (v_y = −j V_m/F,
frictionless); void surfaces are traction free.

Contact active set (``battchem.contact``): after each solve, contact facets whose normal traction
σ_yy would be tensile (beyond ``adhesion``) open and the step is solved again; after each move, free
facets that reached the SE close.

Time: the geometry is the state. A step moves the Li mesh by Δt w (forward Euler), w the velocity
of the mesh: equal to v on the void surfaces and the top, w_y = 0 on the contact (the Li there is
consumed, the boundary stays on the SE; the contact edges slide with the material), harmonic inside;
then the state of the new geometry is solved. Δt keeps the motion per step within ``target_change``
of the local edge length. A degraded mesh is rebuilt from its boundary (``battchem.remesh``).

Internally the velocity is in units of U = W ε̇_c (W the cell half-width, ε̇_c the creep rate at σ0
and T) and the pressure in units of σ0; inputs and outputs are SI.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import ufl
from dolfinx import fem, la
from dolfinx import mesh as dmesh
from mpi4py import MPI
from petsc4py import PETSc

from battchem import moving, remesh
from battchem.blocks import BlockSolver, saddle_point
from battchem.contact import ActiveSet, Plane, vertex_marker
from battchem.materials import FARADAY
from battchem.physics import creep as law
from battchem.physics import kinetics
from battchem.physics.coordinates import CoordinateSystem
from battchem.problems.base import StepResult
from battchem.problems.void_growth import cell_mesh
from battchem.problems.void_growth.problem import VoidGrowth
from battchem.protocol import Schedule
from battchem.solvers import NonlinearSolver, SolveReport, default_options, global_size, rigid_body_modes

EXPONENT_CAP = 60.0  # largest Butler–Volmer exponent (exp(60) ~ 1e26: only Newton's first iterates get there)
SNAPSHOT_GROWTH = 1.3  # a void-shape snapshot when the time grew by 30 % ...
SNAPSHOT_CONTACT = 0.04  # ... or the contact fraction changed by this much since the last one
CHI_TOLERANCE = 1e-3  # the supply-limited fractions χ are converged when no one changes by more
SUPPLY_FLOOR = 1e-9  # a touching facet closes only when its supply exceeds j by this much (x j_scale)


class CreepContact(VoidGrowth):
    """Creep-fed contact of a Li unit cell with one void on a solid electrolyte."""

    moving_mesh = True

    # mesh -----------------------------------------------------------------------------------
    def build_mesh(self):
        g, v = self.config.geometry, self.config.voids
        return cell_mesh.lithium(self.comm, g.spacing / 2, g.li_thickness, v.size / 2, v.height, v.shape,
                                 g.mesh_size, g.mesh_size_far)

    def setup(self, md):
        if not hasattr(self, "k"):  # once per run: constants, the electrolyte, the protocol
            self._setup_constants()
            self._setup_electrolyte()
            self._setup_protocol()
        self._setup_lithium(md)
        report = self._solve_state()
        if not report.converged:
            raise RuntimeError(f"the initial state did not converge ({report.reason})")
        self._update_outputs()
        self._measure()
        if self._li_volume0 is None:
            self._li_volume0 = self.q["li_volume"]
            self._snapshot(0.0)

    def _setup_constants(self) -> None:
        cfg = self.config
        self.creep, self.itf = cfg.creep.resolved(), cfg.interface.resolved()
        op, g = cfg.operation, cfg.geometry
        T = op.temperature
        self.axisymmetric = g.coordinates == "axisymmetric"
        self.W = g.spacing / 2  # cell half-width (radius when axisymmetric)
        self.cell_area = math.pi * self.W**2 if self.axisymmetric else self.W  # projected interface
        self.rate = self.creep.strain_rate * law.arrhenius_factor(self.creep.activation_energy, T,
                                                                  self.creep.reference_temperature)
        self.U = self.W * self.rate  # velocity scale
        self.f = kinetics.thermal_factor(T)
        self.i0 = kinetics.exchange_current_from_resistance(self.itf.resistance, self.itf.alpha_a,
                                                            self.itf.alpha_c, T)
        self._j_scale = self.i0
        # values that enter forms: Constants (one compiled form for every input), set per mesh
        self.k = {"U": self.U, "sigma0": self.creep.reference_stress, "rate": self.rate,
                  "n": self.creep.exponent,
                  "delta": self.creep.regularization_rate, "p_stack": op.stack_pressure,
                  "kappa": self.itf.conductivity, "i0": self.i0, "Z": self.itf.resistance, "f": self.f,
                  "alpha_a": self.itf.alpha_a, "alpha_c": self.itf.alpha_c}
        self._li_volume0: float | None = None
        self.charge = 0.0  # ∫ j_app dt [C/m²]
        self._volume_lag = 0.0  # Li the last move did not remove (its rate changed over the step)
        self._rate_moved = 0.0  # the consumption rate the last move used
        self._t_accepted = 0.0
        self.remeshes, self.openings, self.closings = 0, 0, 0
        self.stop: str | None = None
        self._events: list[str] = []
        self.snapshots: list[dict] = []  # void shape and interface current at chosen times (rank 0)

    def _constants(self, msh) -> dict[str, fem.Constant]:
        return {name: fem.Constant(msh, PETSc.ScalarType(value)) for name, value in self.k.items()}

    def _weight_length(self) -> float:
        """Length carried by the volume weight: 2π W for the axisymmetric 2π r, 1 otherwise."""
        return 2 * math.pi * self.W if self.axisymmetric else 1.0

    # the electrolyte: fixed mesh, potential φ -----------------------------------------------
    def _setup_electrolyte(self) -> None:
        cfg, g = self.config, self.config.geometry
        self.se = se = cell_mesh.electrolyte(self.comm, self.W, g.electrolyte_thickness, g.mesh_size,
                                             g.mesh_size_far)
        msh = se.mesh
        kind = "axisymmetric" if self.axisymmetric else "plane_strain"
        cs = CoordinateSystem(msh, kind)
        self.Vphi = V = fem.functionspace(msh, ("Lagrange", 1))
        self.phi = fem.Function(V, name="electrolyte_potential")
        self.chi = fem.Function(fem.functionspace(msh, ("DG", 0)), name="contact_coverage")
        k = self._se_k = self._constants(msh)
        self.applied = fem.Constant(msh, PETSc.ScalarType(0.0))  # j_app [A/m²]
        psi = ufl.TestFunction(V)
        eta = -self.phi  # φ_Li = 0
        if cfg.interface.kinetics == "linear":
            j = kinetics.linear_kinetics(eta, k["Z"])
        else:
            j = kinetics.butler_volmer(eta, k["i0"], k["alpha_a"], k["alpha_c"], k["f"], cap=EXPONENT_CAP)
        self._j_expr = j
        ds_i, ds_c = se.ds("interface"), se.ds("counter")
        norm = self.i0 * self.W * self._weight_length()
        F = (1.0 / norm) * (k["kappa"] * ufl.inner(ufl.grad(self.phi), ufl.grad(psi)) * cs.weight * ufl.dx
                            - self.chi * j * psi * cs.weight * ds_i + self.applied * psi * cs.weight * ds_c)
        s = cfg.solver
        options = {**default_options("diffusion", global_size(V), s), "snes_rtol": s.snes_rtol,
                   "snes_atol": 1e-12, "snes_max_it": max(s.snes_max_it, 30),
                   **s.petsc_options.get("electrolyte", {})}
        self.phi_solver = NonlinearSolver(F, self.phi, [], prefix="electrolyte_", options=options,
                                          linear=cfg.interface.kinetics == "linear")
        self._se_forms = {
            "current": fem.form(self.chi * j * cs.weight * ds_i),
            "covered": fem.form(self.chi * cs.weight * ds_i),
            "counter_potential": fem.form(self.phi * cs.weight * ds_c), "counter": fem.form(cs.weight * ds_c)}
        # interface facets: their cells (χ lives there) and x ranges
        fdim = msh.topology.dim - 1
        facets = se.facets("interface")
        msh.topology.create_connectivity(fdim, fdim + 1)
        msh.topology.create_connectivity(fdim, 0)
        f2c, f2v = msh.topology.connectivity(fdim, fdim + 1), msh.topology.connectivity(fdim, 0)
        self._se_cells = f2c.array[f2c.offsets[facets]]
        nodes = _vertex_nodes(msh, f2v.array.reshape(-1, 2)[facets])
        xs = msh.geometry.x[nodes, 0]
        self._se_x = np.sort(xs, axis=1)
        # interface nodes, gathered in the order of x on every rank (for j along the interface)
        dofs = fem.locate_dofs_topological(V, fdim, facets)
        self._se_dofs = dofs[dofs < V.dofmap.index_map.size_local]
        x_local = V.tabulate_dof_coordinates()[self._se_dofs, 0]
        x_all = np.concatenate(self.comm.allgather(x_local))
        self._se_order = np.argsort(x_all, kind="stable")
        self.interface_x = x_all[self._se_order]

    def interface_current(self) -> np.ndarray:
        """j(η) at the interface nodes (ordered by x, every rank), whether touching the Li or not."""
        phi = np.concatenate(self.comm.allgather(self.phi.x.array[self._se_dofs]))[self._se_order]
        eta = -phi
        if self.config.interface.kinetics == "linear":
            return eta / self.itf.resistance
        a = np.clip(self.itf.alpha_a * self.f * eta, -EXPONENT_CAP, EXPONENT_CAP)
        b = np.clip(-self.itf.alpha_c * self.f * eta, -EXPONENT_CAP, EXPONENT_CAP)
        return self.i0 * (np.exp(a) - np.exp(b))

    def _carrying_intervals(self) -> np.ndarray:
        """x-intervals (m, 3): (lo, hi, weight) of the Li facets that carry current, weight 1 on
        the contact and the supply-limited fraction χ on touching free facets; sorted by x and the
        same on every rank."""
        x = self.md.mesh.geometry.x
        parts = []
        for facets, weight in ((self.contact.facets("contact"), None), (self._limited, self._limited_chi)):
            if len(facets):
                nodes = _vertex_nodes(self.md.mesh, self.contact.vertices(facets))
                xs = np.sort(x[nodes, 0], axis=1)
                w = np.ones(len(facets)) if weight is None else weight
                parts.append(np.column_stack([xs, w]))
        local = np.concatenate(parts) if parts else np.zeros((0, 3))
        intervals = np.concatenate(self.comm.allgather(local)) if self.comm.size > 1 else local
        return intervals[np.lexsort((intervals[:, 1], intervals[:, 0]))]

    def _carrying_weight(self, x: np.ndarray) -> np.ndarray:
        """The weight (1 on contact, χ on supply-limited facets, 0 under voids) at points x of the
        interface (the largest where two facets meet)."""
        weight = np.zeros(len(x))
        tol = 1e-12 * self.W
        for lo, hi, w in self._intervals:
            weight = np.where((x >= lo - tol) & (x <= hi + tol), np.maximum(weight, w), weight)
        return weight

    def _update_coverage(self) -> None:
        """χ of every interface facet of the SE: the weighted fraction (by r when axisymmetric) of it
        that current-carrying Li covers."""
        intervals = self._carrying_intervals()
        g = (lambda x: 0.5 * x * x) if self.axisymmetric else (lambda x: x)
        lo_i, hi_i, w_i = intervals.T
        start = np.concatenate([[0.0], np.cumsum(w_i * (g(hi_i) - g(lo_i)))])

        def cumulative(x):  # ∫_0^x χ_Li (r) dx of the disjoint, sorted intervals
            k = np.searchsorted(lo_i, x, side="right") - 1
            inside = k >= 0
            kk = np.maximum(k, 0)
            partial = np.where(inside, w_i[kk] * (g(np.minimum(x, hi_i[kk])) - g(np.minimum(x, lo_i[kk]))),
                               0.0) \
                if len(lo_i) else np.zeros_like(x)
            return np.where(inside, start[kk], 0.0) + partial

        x0, x1 = self._se_x[:, 0], self._se_x[:, 1]
        covered = (cumulative(x1) - cumulative(x0)) / (g(x1) - g(x0))
        self.chi.x.array[:] = 0.0
        self.chi.x.array[self._se_cells] = np.clip(covered, 0.0, 1.0)
        self.chi.x.scatter_forward()
        self._intervals = intervals

    # protocol -----------------------------------------------------------------------------
    def _setup_protocol(self) -> None:
        op = self.config.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self.schedule.begin(0.0)
        self._set_current()

    def _set_current(self) -> None:
        s = self.schedule
        seg = None if s.finished else s.current
        self.applied.value = seg.current_density if seg is not None and seg.control == "current" else 0.0

    def end_time(self) -> float:
        s = self.schedule
        if s.finished:
            return s.finished_at
        return s.end + sum(s.segments[k % len(s.segments)].duration for k in range(s.index + 1, s.count))

    def milestones(self) -> list[float]:
        return [*self.schedule.milestones(), self.end_time()]

    # the Li: moving mesh, velocity and pressure --------------------------------------------
    def _setup_lithium(self, md) -> None:
        cfg = self.config
        self.md, msh = md, md.mesh
        self.cs = cs = CoordinateSystem(msh, "axisymmetric" if self.axisymmetric else "plane_strain")
        k = self._li_k = self._constants(msh)
        self.V = V = fem.functionspace(msh, ("Lagrange", 2, (2,)))
        self.Q = Q = fem.functionspace(msh, ("Lagrange", 1))
        self.v = fem.Function(V, name="velocity_scaled")
        self.p = fem.Function(Q, name="pressure_scaled")
        w, q = ufl.TestFunction(V), ufl.TestFunction(Q)
        v, p = k["U"] * self.v, k["sigma0"] * self.p  # physical velocity and pressure
        D = cs.strain(v)
        mu = law.norton_viscosity(D, k["rate"], k["sigma0"], k["n"], k["delta"])
        F_v, F_p = law.creep_flow_residual(v, p, w, q, cs, law.measure(msh), mu)
        F_v += law.traction_work(k["p_stack"] * ufl.FacetNormal(msh), w, cs, md.ds("top"))  # t = −p n
        length = self.W * self._weight_length()
        F_v, F_p = (1.0 / (k["sigma0"] * length)) * F_v, (1.0 / (k["U"] * length)) * F_p
        s = cfg.solver
        unknowns = global_size(V) + global_size(Q)
        # backtracking and many iterations: at low stresses and rates (0.1 MPa, 0.1 mA/cm²) the n = 5
        # viscosity varies over decades and full Newton steps stall (50 basic iterations were not enough)
        options = {**saddle_point(unknowns, s, velocity="v", pressure="p"), "snes_rtol": s.snes_rtol,
                   "snes_atol": 1e-10, "snes_stol": 0.0, "snes_max_it": max(s.snes_max_it, 200),
                   "snes_linesearch_type": "bt",
                   **s.petsc_options.get("creep", {})}
        # Schur-complement preconditioner (iterative solves): the 1/μ-weighted pressure mass matrix
        # (blocks.pressure_mass_schur) in these units and with the coordinate weight
        schur = -(k["sigma0"] / (mu * k["U"] * length)) * ufl.TrialFunction(Q) * q * cs.weight * ufl.dx
        self.contact = ActiveSet(md, Plane((0.0, 0.0), (0.0, 1.0)))
        self._built_revision = -1
        self._chi_of: dict[int, float] = {}  # χ of the touching free facets (local facet -> χ)
        self._limited, self._limited_chi = np.zeros(0, np.int32), np.zeros(0)
        self._vy = self.v[1]
        self.touching_vertices = fem.Function(Q, name="touching")  # 1 at touching free vertices (P1)
        # 1 on the cells of touching free facets (a boundary facet has one cell): their consumption
        self.limited_cells = fem.Function(fem.functionspace(msh, ("DG", 0)), name="limited_cells")
        V1, self._v1_map = V.sub(1).collapse()
        self.vy_contact = fem.Function(V1)
        self.Wm = Wm = moving.coordinate_space(msh)
        self.w_mesh = fem.Function(Wm, name="mesh_velocity_scaled")
        self._w_target = fem.Function(Wm)
        self._w0, self._w0_map = Wm.sub(0).collapse()
        self._w_edge = fem.Function(self._w0)
        sym = np.concatenate([md.facets("axis"), md.facets("side")])
        self._bc_symmetry = fem.dirichletbc(PETSc.ScalarType(0.0),
                                            fem.locate_dofs_topological(V.sub(0), 1, sym), V.sub(0))
        self._build_bcs()
        self.creep_solver = BlockSolver([("v", self.v, F_v), ("p", self.p, F_p)], self._li_bcs,
                                        prefix="creep_",
                                        options=options, preconditioner={("p", "p"): schur},
                                        near_nullspace={"v": rigid_body_modes(V)}, scales={"v": 1.0,
                                                                                           "p": 1.0})
        # normal traction on the contact (tension positive), stress and creep rate for the outputs
        sigma = law.cauchy_stress(D, p, mu)
        self._tension = sigma[1, 1]
        DG0 = fem.functionspace(msh, ("DG", 0))
        self.von_mises = fem.Function(DG0, name="von_mises_stress")
        self.creep_rate = fem.Function(DG0, name="creep_rate")
        points = DG0.element.interpolation_points()
        von_mises = law.von_mises(law.deviatoric_stress(D, mu))
        self._cell_expressions = {self.von_mises: fem.Expression(von_mises, points),
                                  self.creep_rate: fem.Expression(law.effective_strain_rate(D), points)}
        self.velocity = fem.Function(V, name="velocity")
        self.pressure = fem.Function(Q, name="pressure")
        # mesh motion: w harmonic inside, prescribed on the boundary (see the module docstring)
        Wm = self.Wm
        z = ufl.TestFunction(Wm)
        F_m = ufl.inner(ufl.grad(self.w_mesh), ufl.grad(z)) * ufl.dx
        self.mesh_solver = NonlinearSolver(F_m, self.w_mesh, self._mesh_bcs, prefix="mesh_motion_",
                                           linear=True,
                                           jacobian_key=lambda: self.contact.revision,
                                           options={**default_options("diffusion", global_size(Wm), s),
                                                    **s.petsc_options.get("mesh_motion", {})})
        self._motion_revision = None  # geometry revision at which w_mesh was computed
        self._li_forms = {"volume": fem.form(cs.weight * ufl.dx(domain=msh))}
        self._geometry_forms()

    def _build_bcs(self) -> None:
        """Dirichlet conditions of the velocity and of the mesh motion for the current active set."""
        md, V = self.md, self.V
        contact, free = self.contact.facets("contact"), self.contact.facets("free")
        V1 = self.vy_contact.function_space
        dofs = fem.locate_dofs_topological((V.sub(1), V1), 1, contact)
        self._contact_dofs = dofs[1]
        self._li_bcs = [self._bc_symmetry, fem.dirichletbc(self.vy_contact, dofs, V.sub(1))]
        # mesh motion: w = v on free surfaces and the top (not at contact vertices), w_x = 0 on the axis
        # and the side, w_y = 0 on the contact, w_x = v_x at the contact edges
        on_contact = vertex_marker(md, contact)
        moving_with_v = vertex_marker(md, np.concatenate([free, md.facets("top")])) & ~on_contact
        symmetry = vertex_marker(md, np.concatenate([md.facets("axis"), md.facets("side")])) & ~moving_with_v
        edges = on_contact & vertex_marker(md, free)
        Wm = self.Wm
        md.mesh.topology.create_connectivity(0, md.mesh.topology.dim)

        def located(space, marker):
            return fem.locate_dofs_topological(space, 0, np.flatnonzero(marker).astype(np.int32))

        self._edge_dofs = located((Wm.sub(0), self._w0), edges)
        self._w_moving_blocks = located(Wm, moving_with_v)
        self._w_symmetry_blocks = located(Wm, vertex_marker(md, np.concatenate([md.facets("axis"),
                                                                                 md.facets("side")])))
        self._mesh_bcs = [
            fem.dirichletbc(self._w_target, located(Wm, moving_with_v)),
            fem.dirichletbc(PETSc.ScalarType(0.0), located(Wm.sub(0), symmetry), Wm.sub(0)),
            fem.dirichletbc(PETSc.ScalarType(0.0), located(Wm.sub(1), on_contact), Wm.sub(1)),
            fem.dirichletbc(self._w_edge, self._edge_dofs, Wm.sub(0))]
        self._built_revision = self.contact.revision

    def _refresh_active_set(self) -> None:
        if self._built_revision == self.contact.revision:
            return
        self._build_bcs()
        self.creep_solver.set_bcs(self._li_bcs)
        self.mesh_solver.set_bcs(self._mesh_bcs)
        self._geometry_forms()

    def _geometry_forms(self) -> None:
        """Forms over the two groups of the active set (rebuilt when it changes)."""
        md, cs = self.md, self.cs
        y, n = ufl.SpatialCoordinate(md.mesh)[1], ufl.FacetNormal(md.mesh)
        z = ufl.TestFunction(self.Wm)
        v, w = self._li_k["U"] * self.v, self._li_k["U"] * self.w_mesh
        tau = self.touching_vertices
        # the boundary velocity the mesh should follow: v, but on touching free facets only what lifts off
        intended = v + ufl.as_vector([0, tau * (ufl.max_value(v[1], 0) - v[1])])
        self._motion_forms = {
            "deficit": fem.form(ufl.inner(intended - w, n) * cs.weight * (md.ds("free") + md.ds("top"))),
            # nodal normals and lumped masses of the moving surfaces (the voids and the top)
            "normal": fem.form(ufl.inner(n, z) * cs.weight * (md.ds("free") + md.ds("top"))),
            "mass": fem.form(z[0] * cs.weight * (md.ds("free") + md.ds("top")))}
        self._set_forms = {"contact": fem.form(cs.weight * md.ds("contact")),
                           "void": fem.form(-y * n[1] * cs.weight * md.ds("free")),  # ∫ y dA of the voids
                           "free": fem.form(cs.weight * md.ds("free")),
                           "consumption": fem.form(-v[1] * cs.weight * md.ds("contact")
                                                   - self.limited_cells * ufl.min_value(v[1], 0)
                                                   * cs.weight * md.ds("free"))}

    # the state of a geometry: φ, v, p and the active set -------------------------------------
    def _solve_state(self, dt: float | None = None) -> SolveReport:
        """Solve the SE potential and the creep flow of the current geometry with the contact
        active set. Within a step (``dt`` given) the set is updated and the state solved again until
        it no longer changes:

        - a contact facet whose normal traction turns tensile (beyond ``adhesion``) opens: creep does
          not bring the Li as fast as the current strips it there;
        - a free facet touching the electrolyte carries the current that the arriving Li supplies,
          χ j with χ = min(1, q/j), q = −v_y F/V_m (supply-limited: traction free, the surface stays on
          the electrolyte while v_y ≤ 0 and lifts off, opening a gap, where v_y > 0);
        - a touching free facet where the Li arrives faster than the current strips it (q > j) closes.

        Without ``dt`` (the initial state, a remeshed body) the set and χ are kept as they are."""
        op = self.config.operation
        total = SolveReport(True)
        self.rounds = 0
        while True:
            self.rounds += 1
            self._refresh_active_set()
            self._update_limited()
            self._update_coverage()
            report = self.phi_solver.solve()
            total.seconds += report.seconds
            if not report.converged:
                total.reason = f"electrolyte: {report.reason}"
                return total
            self._set_contact_velocity()
            report = self.creep_solver.solve()
            # the step's effort: the hardest creep solve (the active-set rounds are counted apart)
            total = SolveReport(total.converged and report.converged, max(total.iterations,
                                                                          report.iterations),
                                total.krylov + report.krylov, report.reason or total.reason,
                                total.seconds + report.seconds)
            if not report.converged:
                total.reason = f"creep: {report.reason}"
                return total
            if dt is None or self.rounds >= op.active_set_iterations:
                return total
            tensile = self.contact.facet_midpoint_values(self._tension) > op.adhesion
            supply, current = self._supply(self._limited)
            chi = np.where(current > 0, np.clip(supply / np.where(current > 0, current, 1.0), 0.0, 1.0), 0.0)
            approaching = supply > np.maximum(current,
                                              0.0) * (1 + CHI_TOLERANCE) + SUPPLY_FLOOR * self._j_scale
            change = np.abs(chi - self._limited_chi).max() if chi.size else 0.0
            counts = self.comm.allreduce(np.array([np.count_nonzero(tensile), np.count_nonzero(approaching),
                                                   len(tensile)]), op=MPI.SUM)
            change = self.comm.allreduce(float(change), op=MPI.MAX)
            if counts[0] == 0 and counts[1] == 0 and change <= CHI_TOLERANCE:
                return total
            if counts[0] and counts[0] == counts[2] and counts[1] == 0:
                self.stop = "contact lost: the whole contact turned tensile"
                return total
            self._chi_of.update(zip(self._limited.tolist(), chi.tolist()))
            opened = self.contact.facets("contact")[tensile]
            self._chi_of.update({int(f): 1.0 for f in opened})  # they carried the full current
            self.closings += self.contact.close(np.isin(self.contact.facets("free"),
                                                        self._limited[approaching]))
            self.openings += self.contact.open(np.isin(self.contact.facets("contact"), opened))

    def _chi_from_intervals(self, intervals: np.ndarray) -> None:
        """χ of the touching free facets of the current mesh taken from x-intervals (lo, hi, weight)
        of another mesh of the same body (before a remesh, or a checkpoint), at the facet midpoints."""
        self._intervals = np.asarray(intervals, dtype=float).reshape(-1, 3)
        free = self.contact.facets("free")
        limited = free[self.contact.touching(free)]
        if not len(limited):
            self._chi_of = {}
            return
        nodes = _vertex_nodes(self.md.mesh, self.contact.vertices(limited))
        xm = self.md.mesh.geometry.x[nodes, 0].mean(axis=1)
        self._chi_of = dict(zip(limited.tolist(), self._carrying_weight(xm).tolist()))

    def _update_limited(self) -> None:
        """The touching free facets (supply-limited) and their χ (kept per facet between rounds)."""
        free = self.contact.facets("free")
        self._limited = free[self.contact.touching(free)]
        self._limited_chi = np.array([self._chi_of.get(int(f), 0.0) for f in self._limited])
        self._chi_of = dict(zip(self._limited.tolist(), self._limited_chi.tolist()))

    def _mark_touching(self) -> np.ndarray:
        """The touching free (supply-limited) facets of the current state and their vertices, marked
        1 in ``touching_vertices`` (which weighs their share of the consumed Li); returns the
        vertices."""
        self._update_limited()
        md = self.md
        touching = vertex_marker(md, self._limited) & ~vertex_marker(md, self.contact.facets("contact"))
        vertices = np.flatnonzero(touching).astype(np.int32)
        self.touching_vertices.x.array[:] = 0.0
        self.touching_vertices.x.array[fem.locate_dofs_topological(self.Q, 0, vertices)] = 1.0
        tdim = md.mesh.topology.dim
        md.mesh.topology.create_connectivity(tdim - 1, tdim)
        cells = dmesh.compute_incident_entities(md.mesh.topology, self._limited.astype(np.int32), tdim - 1, tdim)
        self.limited_cells.x.array[:] = 0.0
        self.limited_cells.x.array[self.limited_cells.function_space.dofmap.list[cells, 0]] = 1.0
        self.limited_cells.x.scatter_forward()
        return vertices

    def _supply(self, facets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """At the midpoints of ``facets``: the current the arriving Li supplies, q = −v_y F/V_m, and
        the Butler–Volmer current j of the electrolyte there."""
        vy = self.contact.facet_midpoint_values(self._vy, facets)  # collective
        current_all = self.interface_current()  # collective
        if not len(facets):
            return np.zeros(0), np.zeros(0)
        nodes = _vertex_nodes(self.md.mesh, self.contact.vertices(facets))
        xm = self.md.mesh.geometry.x[nodes, 0].mean(axis=1)
        current = np.interp(xm, self.interface_x, current_all)
        return -self.U * vy * FARADAY / self.itf.molar_volume, current

    def _contact_dof_x(self) -> np.ndarray:
        """x of the velocity dofs on the contact, in the current geometry."""
        return self.vy_contact.function_space.tabulate_dof_coordinates()[self._contact_dofs, 0]

    def _set_contact_velocity(self) -> None:
        """v_y = −j V_m/F at the velocity dofs of the contact (j interpolated along x from the SE)."""
        j = np.interp(self._contact_dof_x(), self.interface_x, self.interface_current())
        self.vy_contact.x.array[self._contact_dofs] = -j * self.itf.molar_volume / (FARADAY * self.U)

    # time steps ---------------------------------------------------------------------------
    def _mesh_velocity(self) -> None:
        """w on the current geometry from the current v (once per accepted state)."""
        revision = moving.geometry_revision(self.md.mesh)
        if self._motion_revision == revision:
            return
        self._refresh_active_set()
        self._w_target.interpolate(self.v)
        self._w_edge.x.array[:] = self._w_target.x.array[self._w0_map]
        # touching free vertices stay on the electrolyte unless the Li lifts off (w_y = max(v_y, 0))
        vertices = self._mark_touching()
        blocks = fem.locate_dofs_topological(self.Wm, 0, vertices)
        target = self._w_target.x.array.reshape(-1, 2)
        target[blocks, 1] = np.maximum(target[blocks, 1], 0.0)
        self._w_touching_blocks = blocks
        for attempt in range(2):  # the second solve keeps the volume (see _volume_correction)
            report = self.mesh_solver.solve()
            if not report.converged:
                raise RuntimeError(f"mesh motion solve failed ({report.reason})")
            if attempt == 0:
                self._volume_correction()
        self._motion_revision = revision
        self._edge_length = _shortest_edge_at_nodes(self.md.mesh)

    def _volume_correction(self) -> None:
        """Shift the normal mesh velocity of the moving surfaces (voids off the electrolyte, the top)
        uniformly so that the body's volume changes at exactly ∮ v·n (= −the consumption at the
        contact, v being weakly divergence free): the P1 mesh velocity misses the flux of the
        quadratic part of v on curved, fast-moving void surfaces. With nodal normals N_i = ∫ φ_i n w ds
        and lumped masses m_i = ∫ φ_i w ds of these surfaces, w_i += c N_i/m_i,
        c = (∫ (v − w)·n w ds) / Σ_i |N_i|²/m_i."""
        forms = self._motion_forms
        comm = self.comm
        deficit = comm.allreduce(fem.assemble_scalar(forms["deficit"]), op=MPI.SUM)
        normals = fem.assemble_vector(forms["normal"])
        masses = fem.assemble_vector(forms["mass"])
        for vec in (normals, masses):
            vec.scatter_reverse(la.InsertMode.add)
            vec.scatter_forward()
        N = normals.array.reshape(-1, 2).copy()
        N[self._w_symmetry_blocks, 0] = 0.0  # nodes on the axis or the side keep w_x = 0
        m = masses.array.reshape(-1, 2)[:, 0]
        use = np.zeros(len(m), dtype=bool)
        use[self._w_moving_blocks] = True
        use[self._w_touching_blocks] = False  # they stay on the electrolyte
        use &= m > 0
        n_owned = self.Wm.dofmap.index_map.size_local
        owned = use.copy()
        owned[n_owned:] = False
        denominator = comm.allreduce(float(np.sum(np.sum(N[owned] ** 2, axis=1) / m[owned])), op=MPI.SUM)
        if denominator <= 0.0:
            return
        c = deficit / denominator
        target = self._w_target.x.array.reshape(-1, 2)
        target[use] += c * N[use] / m[use, None] / self.U
        self._w_target.x.scatter_forward()

    def _conserve_volume(self, target: float) -> None:
        """Move the moving surfaces (voids off the electrolyte, the top) along their normals,
        uniformly, so that the Li volume is ``target``: the volume before the step less the Li
        stripped at the contact during it. This removes the forward-Euler error of the moving
        surfaces and the volume that putting crossing nodes back onto the electrolyte adds (the Li is
        incompressible); spread over the top too, it stays small where a void is about to close.
        Nodes on the electrolyte stay. One linearised correction, c N_i/m_i as in _volume_correction."""
        forms, comm = self._motion_forms, self.comm
        volume = comm.allreduce(fem.assemble_scalar(self._li_forms["volume"]), op=MPI.SUM)
        normals = fem.assemble_vector(forms["normal"])
        masses = fem.assemble_vector(forms["mass"])
        for vec in (normals, masses):
            vec.scatter_reverse(la.InsertMode.add)
            vec.scatter_forward()
        N = normals.array.reshape(-1, 2).copy()
        N[self._w_symmetry_blocks, 0] = 0.0
        m = masses.array.reshape(-1, 2)[:, 0]
        y = self.Wm.tabulate_dof_coordinates()[:, 1]
        use = (m > 0) & (y > self.contact.tolerance)
        owned = use.copy()
        owned[self.Wm.dofmap.index_map.size_local:] = False
        denominator = comm.allreduce(float(np.sum(np.sum(N[owned] ** 2, axis=1) / m[owned])), op=MPI.SUM)
        if denominator <= 0.0:
            return
        c = (volume - target) / denominator  # a move c N/m changes the volume by c Σ|N|²/m
        shift = fem.Function(self.Wm)
        shift.x.array.reshape(-1, 2)[use] = -c * N[use] / m[use, None]
        moving.move_mesh(self.md.mesh, shift)

    def _motion(self, dt: float) -> tuple[np.ndarray, float]:
        """Node displacements Δt U w and the largest |displacement| / shortest edge at the node."""
        msh = self.md.mesh
        displacement = dt * self.U * moving.nodal_field(msh, self.w_mesh)
        local = np.linalg.norm(displacement, axis=1) / self._edge_length
        return displacement, self.comm.allreduce(float(local.max()) if local.size else 0.0, op=MPI.MAX)

    def advance(self, t, dt):
        self._mesh_velocity()
        displacement, change = self._motion(dt)
        target = self.config.stepping.target_change
        if target is not None and change > 2 * target and dt * target / change >= self.config.stepping.dt_min:
            return StepResult(SolveReport(True), change=change, retry_dt=dt * target / change)
        self._saved = (self.md.mesh.geometry.x.copy(), self.md.facet_tags, self.v.x.array.copy(),
                       self.p.x.array.copy(), self.stop)
        msh = self.md.mesh
        msh.geometry.x[:, :2] += displacement
        moving.geometry_changed(msh)
        self.contact.project_penetrating()  # touching free facets: supply-limited, or closing (_solve_state)
        # the volume this step keeps: the Li consumed at the last state's rate, and what the last move
        # missed because the rate changed over its step (a new current, new supply-limited facets):
        # the consumed volume then follows Σ Δt × (rate at the end of each step), like the charge
        self._rate_moved = self.q["consumption_rate"]
        self._conserve_volume(self.q["li_volume"] - dt * self._rate_moved - self._volume_lag)
        self._set_current()
        report = self._solve_state(dt)
        return StepResult(report, change=change)

    def reject(self):
        saved = getattr(self, "_saved", None)
        if saved is None:
            return
        x, tags, v, p, stop = saved
        msh = self.md.mesh
        msh.geometry.x[:] = x
        moving.geometry_changed(msh)
        if tags is not self.md.facet_tags:
            self.md.facet_tags = tags
            self.contact.revision += 1
        self.v.x.array[:], self.p.x.array[:] = v, p
        self.stop = stop
        self._saved = None

    def accept(self, t_new):
        dt = t_new - self._t_accepted
        self.charge += float(self.applied.value) * dt
        self._t_accepted = t_new
        self._saved = None
        self._update_outputs()
        self._measure()
        q = self.q
        self._volume_lag = dt * (q["consumption_rate"] - self._rate_moved)
        op = self.config.operation
        if self.stop is None and q["contact_fraction"] <= op.contact_loss_fraction:
            self.stop = (f"contact lost: the contact fraction fell to {q['contact_fraction']:.4g} "
                         f"(contact_loss_fraction {op.contact_loss_fraction:g})")
        if self.stop is None and op.stop_when_closed and q["free_area"] == 0.0:
            self.stop = "voids closed: the Li touches the electrolyte everywhere"
        # touching everywhere, part of it supply-limited (free facets on the SE that carry less current):
        # the void is gone and the contact is as large as creep can feed it, a steady state
        if self.stop is None and op.stop_when_closed and q["touching_fraction"] >= 1.0 - 1e-9:
            limited = "" if q["contact_fraction"] >= 1.0 - 1e-9 else \
                f" (fraction carrying current {q['contact_fraction']:.4g}, the rest supply-limited)"
            self.stop = f"voids closed: the Li touches the electrolyte everywhere{limited}"
        if self.stop is not None:
            self._events.append(f"{self.stop} at t = {t_new:.6g} s after {self.charge / 36000:.4g} mAh/cm^2")
            self._snapshot(t_new, force=True)
            return
        s = self.schedule
        if s.at_end(t_new):
            s.next(t_new, "reached its end")
            if not s.finished:
                s.begin(t_new)
                self._set_current()
        self._snapshot(t_new)
        quality = moving.mesh_quality(self.md.mesh)
        rm = self.config.remesh
        if quality.degraded(rm.min_angle, rm.min_radius_ratio):
            self._remesh(t_new, quality)

    def _remesh(self, t: float, quality) -> None:
        """Rebuild the Li mesh from its boundary (the active set is kept in the facet groups) and
        solve the state on it, starting from the transferred v and p."""
        g = self.config.geometry
        x = self.md.mesh.geometry.x
        free = self.contact.vertices(self.contact.facets("free")).ravel()
        nodes = _vertex_nodes(self.md.mesh, free.reshape(-1, 1)).ravel() if free.size else np.zeros(0,
                                                                                                    np.int32)
        local_top = float(x[nodes, 1].max()) if nodes.size else 0.0
        void_top = self.comm.allreduce(local_top, op=MPI.MAX)
        new = remesh.remesh(self.md, lambda x, y: cell_mesh.graded_size(g.mesh_size, g.mesh_size_far,
                                                                        y - void_top),
                            [self.v, self.p])
        carrying = self._intervals  # the supply-limited χ go over to the new facets by position
        self._setup_lithium(new.data)
        self._chi_from_intervals(carrying)
        self.v.x.array[:] = new.functions[self.v.name].x.array
        self.p.x.array[:] = new.functions[self.p.name].x.array
        report = self._solve_state()
        if not report.converged:
            raise RuntimeError(f"the state on the remeshed body did not converge ({report.reason})")
        self.remeshes += 1
        self._update_outputs()
        self._measure()
        self._events.append(f"remeshed (min angle {quality.min_angle:.1f}°, radius ratio "
                            f"{quality.min_radius_ratio:.2f}): {new.data.num_cells_global()} cells")

    def step_reset(self):
        return False

    def stop_reason(self, t):
        return self.stop

    def events(self):
        out, self._events = self._events, []
        return out

    def results(self):
        q = getattr(self, "q", {})
        return {"contact_fraction_final [-]": q.get("contact_fraction"),
                "stripped_charge [C/m^2]": self.charge, "remeshes": self.remeshes,
                "contact_openings": self.openings, "contact_closings": self.closings,
                "creep_rate_at_reference_stress [1/s]": self.rate,
                "exchange_current_density [A/m^2]": self.i0}

    # quantities ---------------------------------------------------------------------------
    def _measure(self) -> None:
        """The per-step quantities of the current state (collective), kept in ``self.q``."""
        comm = self.comm

        def total(form):
            return comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

        se = self._se_forms
        # the consumption rate of this state, with this state's supply-limited facets (the marker of
        # the last move would miss facets that became supply-limited since: each such change left a
        # deficit of Δt × their consumption in the volume the next step keeps)
        self._mark_touching()
        covered = total(se["covered"])
        contact = total(self._set_forms["contact"])
        volume = total(self._li_forms["volume"])
        j_contact = np.interp(self._contact_dof_x(), self.interface_x, self.interface_current())
        local_peak = float(j_contact.max()) if j_contact.size else -np.inf
        vm = self.von_mises.x.array[: self.von_mises.function_space.dofmap.index_map.size_local]
        rate = self.creep_rate.x.array[: self.creep_rate.function_space.dofmap.index_map.size_local]
        self.q = {
            "current_density": float(self.applied.value),
            "contact_fraction": covered / self.cell_area,
            "touching_fraction": self._touching_measure() / self.cell_area,
            "active_fraction": contact / self.cell_area,
            "void_volume": total(self._set_forms["void"]),
            "free_area": total(self._set_forms["free"]),
            "li_volume": volume,
            "consumed_volume": (self._li_volume0 - volume) if self._li_volume0 is not None else 0.0,
            "consumption_rate": total(self._set_forms["consumption"]),
            "current_density_mean": total(se["current"]) / covered if covered > 0 else 0.0,
            "current_density_peak": comm.allreduce(local_peak, op=MPI.MAX) if contact > 0 else 0.0,
            "cell_overpotential": -total(se["counter_potential"]) / total(se["counter"]),
            "stripped_charge": self.charge,
            "stripped_thickness": self.charge * self.itf.molar_volume / FARADAY,
            "von_mises_max": comm.allreduce(float(vm.max()) if vm.size else 0.0, op=MPI.MAX),
            "creep_rate_max": comm.allreduce(float(rate.max()) if rate.size else 0.0, op=MPI.MAX),
            "active_set_rounds": float(self.rounds),
            "remeshes": float(self.remeshes),
        }

    def _touching_measure(self) -> float:
        """∫ w ds over the interface where the Li touches it (contact and touching free facets)."""
        g = (lambda x: math.pi * x * x) if self.axisymmetric else (lambda x: x)
        return float(sum(g(hi) - g(lo) for lo, hi, _ in self._intervals))

    def columns(self):
        volume = "m^3" if self.axisymmetric else "m^2"
        return [("current_density", "A/m^2"), ("contact_fraction", "-"), ("touching_fraction", "-"),
                ("active_fraction", "-"), ("void_volume", volume),
                ("li_volume", volume), ("consumed_volume", volume), ("current_density_mean", "A/m^2"),
                ("current_density_peak", "A/m^2"), ("cell_overpotential", "V"), ("stripped_charge", "C/m^2"),
                ("stripped_thickness", "m"), ("von_mises_max", "Pa"), ("creep_rate_max", "1/s"),
                ("active_set_rounds", "-"), ("remeshes", "-")]

    def quantities(self, t):
        return {name: self.q[name] for name, _ in self.columns()}

    def progress(self, q):
        return (f"j {q['current_density']:.3g} A/m2  contact {q['contact_fraction']:.4f}  "
                f"void {q['void_volume']:.3e}  eta {q['cell_overpotential'] * 1e3:.3g} mV")

    def _update_outputs(self) -> None:
        self.velocity.x.array[:] = self.U * self.v.x.array
        self.pressure.x.array[:] = self.k["sigma0"] * self.p.x.array
        for f, expression in self._cell_expressions.items():
            f.interpolate(expression)

    def _snapshot(self, t: float, force: bool = False) -> None:
        """Keep the void surface and the interface current at ``t`` for the pictures, at the first
        state, when time or contact changed enough since the last snapshot, and at the end (the
        decision is the same on every rank; rank 0 keeps the gathered data)."""
        q = self.q
        if self.snapshots and not force:
            last = self.snapshots[-1]
            if t < SNAPSHOT_GROWTH * last["time"] and abs(q["contact_fraction"] - last["contact_fraction"]) \
                    < SNAPSHOT_CONTACT:
                return
        segments = []
        msh = self.md.mesh
        for flag, which in ((1.0, "contact"), (0.0, "free")):
            facets = self.contact.facets(which)
            if len(facets):
                nodes = _vertex_nodes(msh, self.contact.vertices(facets))
                xy = msh.geometry.x[nodes][:, :, :2].reshape(-1, 4)
                segments.append(np.column_stack([xy, np.full(len(xy), flag)]))
        local = np.concatenate(segments) if segments else np.zeros((0, 5))
        gathered = self.comm.gather(local, root=0)
        current = self.interface_current() * self._carrying_weight(self.interface_x)
        snap = {"time": t, "contact_fraction": q["contact_fraction"]}
        if self.comm.rank == 0:
            snap.update({"segments": np.concatenate(gathered).tolist(), "x": self.interface_x.tolist(),
                         "current": current.tolist()})
        self.snapshots.append(snap)

    # outputs, checkpoints ----------------------------------------------------------------------
    def field_units(self):
        return {self.velocity.name: "m/s", self.pressure.name: "Pa", self.von_mises.name: "Pa",
                self.creep_rate.name: "1/s", self.phi.name: "V"}

    def output_functions(self):
        return [self.velocity, self.pressure, self.von_mises, self.creep_rate, self.phi]

    def state_functions(self):
        # the touching vertices of the last move weigh the supply-limited facets' share of the Li
        # consumed, which sets the volume the next step keeps (_conserve_volume)
        return {"v": self.v, "p": self.p, "touching": self.touching_vertices}

    def state_scalars(self):
        return {"schedule": self.schedule.state(), "charge": self.charge, "t_accepted": self._t_accepted,
                "li_volume0": self._li_volume0, "remeshes": self.remeshes, "openings": self.openings,
                "closings": self.closings, "snapshots": self.snapshots, "stop": self.stop,
                "carrying_intervals": self._intervals.tolist(), "volume_lag": self._volume_lag}

    def restore_scalars(self, scalars):
        self.schedule.restore(scalars["schedule"])
        self.charge, self._t_accepted = scalars["charge"], scalars["t_accepted"]
        self._li_volume0 = scalars["li_volume0"]
        self._volume_lag = scalars.get("volume_lag", 0.0)
        self.remeshes, self.openings = scalars["remeshes"], scalars["openings"]
        self.closings = scalars["closings"]
        self.snapshots, self.stop = scalars["snapshots"], scalars["stop"]
        self._set_current()
        # φ and the coverage follow from the restored geometry, active set and χ; v, p were read back
        self._refresh_active_set()
        self._chi_from_intervals(scalars["carrying_intervals"])
        self._update_limited()
        self._update_coverage()
        self.phi_solver.solve()
        self._motion_revision = None
        self._update_outputs()
        self._measure()

    def solver_statistics(self):
        return {"creep": self.creep_solver.stats, "electrolyte": self.phi_solver.stats,
                "mesh_motion": self.mesh_solver.stats}

    def mesh_summary(self):
        h = self.md.h_range()
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1],
                "electrolyte_cells": self.se.num_cells_global(),
                "dofs": {"v": global_size(self.V), "p": global_size(self.Q), "phi": global_size(self.Vphi)}}

    def plots(self, outdir: Path):
        from battchem.problems.void_growth import plots

        return plots.creep_plots(self, Path(outdir))


def _vertex_nodes(msh, vertices: np.ndarray) -> np.ndarray:
    """Geometry nodes of the vertex indices ``vertices`` (same shape)."""
    from dolfinx import mesh as dmesh

    vertices = np.asarray(vertices, dtype=np.int32)
    if vertices.size == 0:
        return np.zeros(vertices.shape, dtype=np.int32)
    msh.topology.create_connectivity(0, msh.topology.dim)
    return dmesh.entities_to_geometry(msh, 0, vertices.ravel()).reshape(vertices.shape)


def _shortest_edge_at_nodes(msh) -> np.ndarray:
    """For every geometry node (owned and ghost), the length of the shortest edge that ends there."""
    from dolfinx import mesh as dmesh

    msh.topology.create_entities(1)
    imap = msh.topology.index_map(1)
    edges = np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)
    nodes = dmesh.entities_to_geometry(msh, 1, edges)
    x = msh.geometry.x
    length = np.linalg.norm(x[nodes[:, 0]] - x[nodes[:, 1]], axis=1)
    shortest = np.full(x.shape[0], np.inf)
    np.minimum.at(shortest, nodes[:, 0], length)
    np.minimum.at(shortest, nodes[:, 1], length)
    return shortest
