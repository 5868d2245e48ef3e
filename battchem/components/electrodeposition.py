"""Phase-field electrodeposition: unknowns, coupled Newton solve, time stepping, quantities.

Given a mesh (coordinates in metres), the SI :class:`battchem.physics.electrodeposition.Parameters`
and the facets of the electrode (current collector) and of the electrolyte boundary (bulk
electrolyte / counter side), :class:`Electrodeposition` builds

    ξ, ln c̃, φ (P1) and, with mechanics, û = u/l0 (P1 vector; scalar in 1-D)

(c̃ the Li⁺ concentration of the electrolyte over c0, carried as its logarithm so that it stays
positive whatever a Newton step does; ``c`` holds the ions per volume (1 − h(ξ)) c̃ for output) and
the nondimensional residuals of ``battchem.physics.electrodeposition`` (Allen–Cahn with nonlinear
Butler–Volmer, the Li balance of ions and metal with Nernst–Planck fluxes, charge conservation,
equilibrium), integrated in time with BDF1 (BDF2 optional; the rates of the Li content and of the
metal fraction are the scheme's differences of the whole expressions, so the discrete Li balance is
exact) and solved together, one Newton solve per step, with SNES ``newtonls`` and a
backtracking line search through :class:`battchem.blocks.BlockSolver` (prefix
``electrodeposition_``; per-field scaled residuals, see ``_residual_scales``; the charge balance
divided by the largest conductivity, so that its rounding level does not stall the line search):
MUMPS below ``settings.direct_max_dofs`` unknowns, above it GMRES on a multiplicative field split
with one GAMG V-cycle per field (with rigid-body modes for û).

Boundary conditions:
- electrode facets: ξ = 1; φ = V (voltage control, :meth:`set_voltage`); no Li⁺ flux;
- electrolyte facets: ξ = 0, ln c̃ = ln c̃_b (:meth:`set_bulk_concentration`), φ = 0 (the reference;
  :meth:`set_electrolyte_potential`);
- other boundaries: ∇ξ·n = 0, no flux, insulating.
- current control (``control="current"``): see :class:`battchem.bordered.BorderedSolver`; the
  electrode potential V becomes one more unknown and the equation "Faradaic current through the
  electrolyte facets = prescribed current" is added (:meth:`set_current`).
- mechanics (``none | one_way | two_way``): ``displacement_bcs`` [(facets, component or None)] fix
  û (None: every component) and a stack pressure p acts on ``pressure_facets``
  (:meth:`set_pressure`). ``one_way`` solves û after each converged step from the new ξ (stress
  reported, no feedback); ``two_way`` solves û in the same Newton system, the stress entering η
  through −Ω σ_h/(nF) and the Allen–Cahn driving force through ∂ψ/∂ξ.

Initial state: ``set_planar_front`` / ``set_bumps`` / ``set_nuclei`` / ``set_random_nuclei`` /
``set_order_parameter``, ``set_concentration``, then :meth:`start` (solves for a potential consistent
with ξ). Langevin noise (``params.noise_amplitude`` > 0 with ``noise_seed``): a standard normal DG0
field ζ redrawn at each step from (seed, step) (``battchem.noise``, rank-count independent) adds
a ζ 16ξ²(1 − ξ)² to ∂ξ/∂t, i.e. only in the interface; its strength per unit time depends on dt.

Time: :meth:`solve` (dt in s) then :meth:`accept` or :meth:`reject`. Quantities (SI; per unit depth
in 2-D, per unit area in 1-D): :meth:`quantities`; the deposited Li is the Li in the metal,
c_s ∫ h(ξ) θ(c̃), and ``unfilled_li`` the metal's empty sites c_s ∫ h (1 − θ), the Li that the ions
could not bring to where ξ rose (positivity: docs/electrodeposition_positivity.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem.blocks import BlockSolver, BlockSolveReport, Field
from battchem.bordered import BorderedSolver
from battchem.config import SolverConfig
from battchem.evaluation import front_position, interface_measure_form
from battchem.noise import NoiseField
from battchem.physics import electrodeposition as ed
from battchem.physics.coordinates import CoordinateSystem
from battchem.physics.mechanics import von_mises_stress
from battchem.solvers import NonlinearSolver, default_options, rigid_body_modes
from battchem.time_integration import BDF

FARADAY = ed.FARADAY
MECHANICS = ("none", "one_way", "two_way")
CONTROLS = ("voltage", "current")

# Under current control, |G − G*| is measured against max(|G*|, this) (nondimensional current
# density, 1e-3 F c0 l0/t0 ≈ 0.1 A/m² for c0 = 1 M, l0 = 1 µm, t0 = 1 s).
CURRENT_SCALE_FLOOR = 1e-3

# Relative tolerance of the Krylov solve inside each Newton iteration of the field split (the
# larger of this and solver.rtol; see solver_options).
NEWTON_KRYLOV_RTOL = 1e-6

# Cells whose midpoint ξ lies in [BAND_LOW, BAND_HIGH] form the interface band of the stress maxima.
BAND_LOW, BAND_HIGH = 0.05, 0.95


def solver_options(n_global: int, settings: SolverConfig, fields: Sequence[str]) -> dict[str, object]:
    """MUMPS LU below ``settings.direct_max_dofs``; above it GMRES on a multiplicative (block
    Gauss–Seidel) field split in the order ξ, c̃, φ (, û), one GAMG V-cycle per block (with
    rigid-body modes for û), to a relative tolerance of max(settings.rtol, NEWTON_KRYLOV_RTOL).

    The Newton iteration, not its inner Krylov solve, sets the accuracy of the coupled solve: with
    the inner tolerance at 1e-6 instead of solver.rtol's 1e-9 an inexact Newton step still cuts the
    residual by up to 1e-6, and in the cases below no iteration had to cut it by more to reach
    snes_rtol: the Newton iterations per step are unchanged. GAMG's V-cycle costs less than
    BoomerAMG's for the same GMRES iterations. Planar front with a bump, 2-D, Hong set, −0.45 V,
    dt = 0.02 s, 1 rank (benchmarks/plating_phase_field.py), GMRES iterations and linear-solve time
    (KSPSolve + PC set-up) per Newton iteration:
        56k unknowns:  BoomerAMG rtol 1e-9 22–25, 0.60–0.63 s;  GAMG rtol 1e-6 16–20, 0.31–0.35 s
        224k unknowns: BoomerAMG rtol 1e-9 22–24, 2.0 s;        GAMG rtol 1e-6 16–19, 0.98 s
    (MUMPS: 0.59–0.72 s at 56k; these times were taken on a shared machine at load 7–10: on idle
    cores, with the mixed-space assembly, GAMG at rtol 1e-6 takes 16.4 iterations and 0.058 s per
    Newton iteration at 56k, 14.0 and 0.23 s at 224k, 12.7 and 0.96 s at 892k, MUMPS 0.12, 0.65 and
    3.9 s; benchmarks/results/plating_phase_field.txt), with the same Newton iterations (also at dt = 0.05 s, 18 of them)
    and the same tip height to 7 digits; neither count grows with the mesh. 3-D bar (22k) and 2-D
    two_way mechanics (24k): linear-solve time −32 % and −25 %. dolfinx #4229 mesh (241k): 21–29
    against 27–31 iterations, the same Newton iterations. The ordering of the splits, symmetric or
    additive composition and exact block solves change little (exact blocks: 18–19 iterations):
    the coupling of ξ and φ through the reaction and the charge source limits block Gauss–Seidel.
    BoomerAMG, if chosen through the options, needs l1-scaled Jacobi smoothing: with hypre's
    default hybrid Gauss–Seidel GMRES broke down on the c̃ block (the Hong set has D_s = 0:
    mass-only rows in the metal next to the migration terms)."""
    choice = settings.linear_solver
    if choice == "direct" or (choice == "auto" and n_global <= settings.direct_max_dofs):
        return default_options("nonsymmetric", n_global, settings)  # its MUMPS branch
    opts: dict[str, object] = {
        "ksp_type": "gmres", "ksp_gmres_restart": 200, "ksp_rtol": max(settings.rtol, NEWTON_KRYLOV_RTOL),
        "ksp_atol": 1e-30, "ksp_max_it": 2000, "pc_type": "fieldsplit",
        "pc_fieldsplit_type": "multiplicative"}
    for name in fields:
        p = f"fieldsplit_{name}_"
        if name == "u":
            opts.update({f"{p}ksp_type": "preonly", f"{p}pc_type": "gamg",
                         f"{p}pc_gamg_coarse_eq_limit": 1000,
                         f"{p}mg_levels_ksp_type": "chebyshev", f"{p}mg_levels_pc_type": "jacobi",
                         f"{p}mg_levels_ksp_max_it": 2})
        else:
            opts.update({f"{p}ksp_type": "preonly", f"{p}pc_type": "gamg"})
    return opts


def settings_options(settings: SolverConfig, prefix: str) -> dict:
    return dict(settings.petsc_options.get(prefix, {}))


def _facet_tags(msh: dmesh.Mesh, facets: np.ndarray) -> dmesh.MeshTags:
    facets = np.unique(np.asarray(facets, dtype=np.int32))
    return dmesh.meshtags(msh, msh.topology.dim - 1, facets, np.ones_like(facets))


class Electrodeposition:
    """Phase-field electrodeposition on ``msh`` (see the module docstring).

    Parameters
    ----------
    msh : the mesh, coordinates in metres (1-D, 2-D or 3-D simplices).
    params : SI parameters. scales : nondimensionalisation (default ``Scales.for_parameters``).
    settings : the input's ``solver`` section (tolerances, linear solver; PETSc options under
        ``petsc_options`` keys ``electrodeposition`` (the coupled solve), ``electrodeposition_current``
        (the outer solve of current control) and ``electrodeposition_mechanics`` (one-way û)).
    electrode_facets, electrolyte_facets : local facet indices of the two boundaries.
    control : ``voltage`` or ``current``. mechanics : ``none``, ``one_way`` or ``two_way``.
    displacement_bcs : [(facets, component or None)], û = 0 there. pressure_facets : stack pressure.
    bdf_order : 1 (backward Euler) or 2. noise_seed : seed of the Langevin noise (required when
        params.noise_amplitude > 0). quadrature_degree : of every cell integral.
    growth_direction : the direction of the tip height (default +x, away from the electrode).
    layout : ``mixed`` (default) assembles the coupled residual as one form on the mixed space of the
        fields (``BlockSolver.as_mixed``): one Jacobian kernel evaluates e^{ln c̃}, h(ξ), the
        Butler–Volmer exponentials and the stress once per quadrature point, where ``blocks``
        compiles one kernel per non-zero block and repeats them in each (the same system, splits
        and answer; see benchmarks/plating_compare.py for the assembly times).
    """

    def __init__(self, msh: dmesh.Mesh, params: ed.Parameters, settings: SolverConfig, *,
                 electrode_facets: np.ndarray, electrolyte_facets: np.ndarray,
                 scales: ed.Scales | None = None, control: Literal["voltage", "current"] = "voltage",
                 mechanics: Literal["none", "one_way", "two_way"] = "none",
                 displacement_bcs: Sequence[tuple[np.ndarray, int | None]] = (),
                 pressure_facets: np.ndarray | None = None, bdf_order: int = 1, noise_seed: int | None = None,
                 quadrature_degree: int = 4, growth_direction: Sequence[float] = (1.0, 0.0, 0.0),
                 layout: Literal["mixed", "blocks"] = "mixed"):
        if mechanics not in MECHANICS:
            raise ValueError(f"mechanics {mechanics!r} (allowed: {', '.join(MECHANICS)})")
        if control not in CONTROLS:
            raise ValueError(f"control {control!r} (allowed: {', '.join(CONTROLS)})")
        self.msh, self.comm = msh, msh.comm
        self.params = params
        self.scales = s = scales or ed.Scales.for_parameters(params)
        self.groups = ed.nondimensionalise(params, s)
        if layout not in ("mixed", "blocks"):
            raise ValueError(f"layout {layout!r} (allowed: mixed, blocks)")
        self.settings, self.control, self.mechanics, self.layout = settings, control, mechanics, layout
        self.gdim = gdim = msh.geometry.dim
        self.tdim = tdim = msh.topology.dim
        self.growth_direction = tuple(growth_direction)[:gdim]

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value))

        # nondimensional groups as Constants (new values reuse the compiled forms); the anisotropy
        # mode sets a polynomial degree and a zero strength drops the anisotropic term
        gd = {}
        for key, value in vars(self.groups).items():
            if key == "anisotropy_mode":
                gd[key] = int(value)
            elif key == "eigenstrain":
                gd[key] = fem.Constant(msh, np.asarray(value, dtype=PETSc.ScalarType))
            elif key in ("anisotropy_strength", "half_occupancy") and value == 0.0:
                gd[key] = 0.0
            else:
                gd[key] = constant(value)
        self.g = gd

        # nondimensional coordinates x̂ = x/l0: ∇̂ = l0 ∇, dx̂ = dx/l0^d, dŝ = ds/l0^(d−1)
        l0 = s.length
        self._l0 = constant(l0)
        grad = self.grad = lambda f: self._l0 * ufl.grad(f)
        weight = self._l0 ** (-tdim)
        self._weight_s = self._l0 ** (1 - tdim)
        self.dx = dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": quadrature_degree})

        # unknowns: one P1 space per field (Dirichlet conditions are matched to fields by space)
        # (the Li⁺ unknown is ln c̃, so c̃ = e^{ln c̃} > 0 whatever a Newton step does; ``c`` holds the
        # ions per volume (1 − h) c̃ for output)
        V_xi, V_c, V_phi = (fem.functionspace(msh, ("Lagrange", 1)) for _ in range(3))
        self.V = V_xi
        self.xi = fem.Function(V_xi, name="xi")
        self.log_c = fem.Function(V_c, name="log_c")
        self.c = fem.Function(V_c, name="c")
        self.phi = fem.Function(V_phi, name="phi")
        self.phi_old = fem.Function(V_phi, name="phi_old")
        self.bdf = BDF([self.xi, self.log_c], order=bdf_order)
        c_l = ufl.exp(self.log_c)
        xi_dot = self.bdf.derivative(self.xi)
        self.xi_dot = xi_dot
        # the rates of the Li content and of the metal fraction, each the time scheme's difference of
        # the whole expression (so that the discrete Li balance is exact)
        content_dot = self.bdf.rate(lambda xi, lc: ed.li_content(xi, ufl.exp(lc), gd), self.xi, self.log_c)
        metal_dot = self.bdf.rate(lambda xi, lc: ed.metal_fraction(xi, ufl.exp(lc), gd), self.xi, self.log_c)

        # boundary conditions
        fdim = tdim - 1
        msh.topology.create_connectivity(fdim, tdim)
        self.electrode_facets = np.asarray(electrode_facets, dtype=np.int32)
        self.electrolyte_facets = np.asarray(electrolyte_facets, dtype=np.int32)

        def boundary_dofs(V, facets):
            return fem.locate_dofs_topological(V, fdim, facets)

        self.voltage = constant(0.0)  # φ̂ on the electrode
        self.c_bulk = constant(1.0)  # c̃ on the electrolyte boundary
        self.log_c_bulk = constant(0.0)
        self.phi_reference = constant(0.0)  # φ̂ on the electrolyte boundary
        one, zero = PETSc.ScalarType(1.0), PETSc.ScalarType(0.0)
        self.bcs = [fem.dirichletbc(one, boundary_dofs(V_xi, self.electrode_facets), V_xi),
                    fem.dirichletbc(zero, boundary_dofs(V_xi, self.electrolyte_facets), V_xi),
                    fem.dirichletbc(self.log_c_bulk, boundary_dofs(V_c, self.electrolyte_facets), V_c),
                    fem.dirichletbc(self.phi_reference, boundary_dofs(V_phi, self.electrolyte_facets), V_phi)]
        self._electrode_phi_dofs = boundary_dofs(V_phi, self.electrode_facets)
        self.bc_voltage = fem.dirichletbc(self.voltage, self._electrode_phi_dofs, V_phi)
        self.bcs.append(self.bc_voltage)

        # mechanics
        self.u = None
        sigma_h = None
        elastic_driving = None
        self.pressure = constant(0.0)
        if mechanics != "none":
            kind = {1: "cartesian_1d", 2: "plane_strain", 3: "cartesian_3d"}[gdim]
            self.cs = cs = CoordinateSystem(msh, kind)
            Vu = fem.functionspace(msh, ("Lagrange", 1, cs.displacement_shape))
            self.Vu = Vu
            self.u = fem.Function(Vu, name="u")
            self.u_old = fem.Function(Vu, name="u_old")
            self.strain = lambda w: self._l0 * cs.strain(w)  # ε = ∇u = l0 ∇û
            eps = self.strain(self.u)
            self.stress = ed.stress(eps, self.xi, gd)
            v = ufl.TestFunction(Vu)
            self.residual_u = ed.equilibrium_residual(self.stress, v, self.strain, dx, weight=weight)
            if pressure_facets is not None:
                ds_p = ufl.Measure("ds", domain=msh, subdomain_data=_facet_tags(msh, pressure_facets))(1)
                n = ufl.FacetNormal(msh)
                nv = n[0] * v if cs.displacement_shape == () else ufl.dot(n, v)
                self.residual_u += self.pressure * nv * self._weight_s * ds_p
            self.bcs_u = []
            for facets, component in displacement_bcs:
                if component is None or cs.displacement_shape == ():
                    dofs = fem.locate_dofs_topological(Vu, fdim, np.asarray(facets, dtype=np.int32))
                    zero = np.zeros(cs.displacement_shape, dtype=PETSc.ScalarType)
                    self.bcs_u.append(fem.dirichletbc(zero, dofs, Vu))
                else:
                    Vi = Vu.sub(component)
                    dofs = fem.locate_dofs_topological(Vi, fdim, np.asarray(facets, dtype=np.int32))
                    self.bcs_u.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Vi))
            if mechanics == "two_way":
                sigma_h = ed.hydrostatic(self.stress)
                elastic_driving = ed.elastic_driving_force(eps, self.xi, gd)

        # noise
        self.noise = None
        if params.noise_amplitude > 0 and noise_seed is None:
            raise ValueError("noise_amplitude > 0 needs a noise_seed")
        if params.noise_amplitude > 0:
            self.noise = NoiseField(fem.functionspace(msh, ("DG", 0)), noise_seed, name="langevin_noise")

        # residuals
        q_xi, q_c, q_phi = (ufl.TestFunction(V) for V in (V_xi, V_c, V_phi))
        self._q_c, self._q_phi = q_c, q_phi
        eta = ed.overpotential(self.phi, gd["E_theta"], sigma_h, gd["Omega"], gd["n"])
        self.eta = eta
        self.residual_xi = ed.allen_cahn_residual(
            self.xi, xi_dot, q_xi, eta, c_l, gd, dx, grad=grad, weight=weight, gdim=gdim,
            elastic_driving=elastic_driving, noise=None if self.noise is None else self.noise.function)
        self.residual_c = ed.li_balance_residual(content_dot, c_l, self.xi, self.phi, q_c, gd, dx, grad=grad,
                                                 weight=weight)
        self.residual_phi = ed.charge_residual(self.phi, self.xi, metal_dot, q_phi, gd, dx, grad=grad,
                                               weight=weight)

        self._ds_electrolyte = ufl.Measure("ds", domain=msh,
                                           subdomain_data=_facet_tags(msh, self.electrolyte_facets))(1)

        # consistent boundary flows: the residual tested with 1 on the electrolyte-boundary dofs
        self._w_boundary = fem.Function(V_c, name="electrolyte_boundary_indicator")
        self._w_boundary.x.array[boundary_dofs(V_c, self.electrolyte_facets)] = 1.0
        self._flux_form = fem.form(ufl.replace(self.residual_c, {q_c: self._w_boundary}))
        self._ohmic_form = fem.form(ufl.replace(self.residual_phi, {q_phi: self._w_boundary}))

        # solver. The charge balance enters Newton divided by the largest conductivity σ̂_max: its
        # rounding level in the metal (σ̂_s |φ̂| ε per row, ~1e-6 for σ̂_s ~ 1e8) would otherwise
        # dominate the 2-norm that the line search reduces and stall it once ξ and c̃ are nearly
        # converged (the convergence test scales each field itself, see _residual_scales)
        self._charge_row_scale = 1.0 / max(self.groups.sigma_metal, self.groups.sigma_electrolyte)
        fields = [Field("xi", self.xi, self.residual_xi), Field("c", self.log_c, self.residual_c),
                  Field("phi", self.phi, self._charge_row_scale * self.residual_phi)]
        n_global = 3 * V_xi.dofmap.index_map.size_global
        near = {}
        if mechanics == "two_way":
            fields.append(Field("u", self.u, self.residual_u))
            n_global += self.Vu.dofmap.index_map.size_global * self.Vu.dofmap.index_map_bs
            if self.Vu.dofmap.index_map_bs > 1:
                near["u"] = rigid_body_modes(self.Vu)
        names = [f.name for f in fields]
        options = solver_options(n_global, settings, names)
        options.update({"snes_rtol": settings.snes_rtol, "snes_atol": settings.snes_atol,
                        "snes_max_it": settings.snes_max_it})
        options.update(settings_options(settings, "electrodeposition"))
        bcs = self.bcs + (self.bcs_u if mechanics == "two_way" else [])
        self._fields = fields
        self._block_options = options
        self._block_bcs = bcs
        self._near = near
        self.solver = self._make_solver()
        if mechanics == "one_way":
            opts_u = {**default_options("elasticity", self.Vu.dofmap.index_map.size_global
                                        * self.Vu.dofmap.index_map_bs, settings),
                      **settings_options(settings, "electrodeposition_mechanics")}
            amg = self.Vu.dofmap.index_map_bs > 1 and opts_u.get("pc_type") == "gamg"
            self.u_solver = NonlinearSolver(self.residual_u, self.u, self.bcs_u,
                                            prefix="electrodeposition_mechanics_", options=opts_u,
                                            linear=True,
                                            near_nullspace=rigid_body_modes(self.Vu) if amg else None)

        # quantities
        h = ed.interpolation(self.xi)
        self._forms = {
            "metal": fem.form(ed.metal_fraction(self.xi, c_l, gd) * weight * dx),
            "ions": fem.form((1 - h) * c_l * weight * dx),
            "unfilled": fem.form(h * (1 - ed.metal_occupancy(c_l, gd["half_occupancy"])) * weight * dx),
            "interface": interface_measure_form(self.xi, weight=self._l0 * weight, dx=dx),
            "electrode_area": fem.form(self._weight_s * ufl.Measure(
                "ds", domain=msh, subdomain_data=_facet_tags(msh, self.electrode_facets))(1)),
            "electrolyte_area": fem.form(self._weight_s * self._ds_electrolyte),
        }
        if self.u is not None:
            V0 = fem.functionspace(msh, ("DG", 0))
            self._xi_cell = fem.Function(V0)
            self._sh_cell = fem.Function(V0)
            self._vm_cell = fem.Function(V0)
            points = V0.element.interpolation_points()
            self._cell_exprs = [(self._xi_cell, fem.Expression(self.xi, points)),
                                (self._sh_cell, fem.Expression(ed.hydrostatic(self.stress), points)),
                                (self._vm_cell, fem.Expression(von_mises_stress(self.stress), points))]
        self.steps = 0
        self.time = 0.0
        self.charge = 0.0  # ∫ I dt through the electrolyte boundary [C] (anodic positive)
        self.li_inflow = 0.0  # ∫ (Li⁺ entering through the electrolyte boundary) dt [mol]
        self._last_outflow = 0.0  # the last step's increment of −li_inflow (BDF2 quadrature)
        self._flows = (0.0, 0.0)  # (Li⁺ outflow [mol/s], ohmic outward current [A]) of the last solve
        self._reference: dict[str, float] = {}

    # ------------------------------------------------------------------------------------
    def _residual_scales(self) -> dict[str, float]:
        """Per-field residual scales of the convergence test: the residual of a unit rate (per t0) of
        ξ, of c̃, the charge source n r ∂ξ/∂t̂ of a unit rate of ξ, and for û the internal force of a
        uniform stress Ê_Li I. Fixed, so a field already in equilibrium at the start of a step is
        not measured against its own round-off."""
        out = {}
        for f in self._fields:
            V = f.u.function_space
            q = ufl.TestFunction(V)
            if f.name == "u":
                form = self.g["E_metal"] * ufl.tr(self.strain(q)) * self._l0 ** (-self.tdim) * self.dx
            else:
                rate = self.g["n"] * self.g["site_ratio"] * self._charge_row_scale if f.name == "phi" else 1.0
                form = rate * q * self._l0 ** (-self.tdim) * self.dx
            vec = fem_petsc.assemble_vector(fem.form(form))
            vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            out[f.name] = vec.norm()
            vec.destroy()
        return out

    def _make_solver(self):
        make = BlockSolver.as_mixed if self.layout == "mixed" else BlockSolver
        block = make(self._fields, self._block_bcs, prefix="electrodeposition_",
                     options=self._block_options, near_nullspace=self._near or None,
                     scales=self._residual_scales())
        if self.control == "voltage":
            return block
        # galvanostatic: V is the unknown λ of a bordered system closed by "Faradaic current density
        # through the electrolyte facets = prescribed" (G = −R_c(w_Γ)/|Γ|, nondimensional)
        area = self.comm.allreduce(fem.assemble_scalar(fem.form(self._weight_s * self._ds_electrolyte)),
                                   op=MPI.SUM)
        self._current_form = (-1.0 / area) * ufl.replace(self.residual_c, {self._q_c: self._w_boundary})
        return BorderedSolver(block, "phi", self.bc_voltage, self.voltage, self._current_form, 0.0,
                              scale=CURRENT_SCALE_FLOOR, prefix="electrodeposition_current_",
                              options=settings_options(self.settings, "electrodeposition_current"))

    # controls ----------------------------------------------------------------------------
    def set_voltage(self, volts: float) -> None:
        """Electrode potential V [V] against the electrolyte boundary (φ = 0 there)."""
        self.voltage.value = volts / self.scales.potential

    def set_electrolyte_potential(self, volts: float) -> None:
        """Potential of the electrolyte boundary [V] (default 0, the reference of η = φ − E^θ; a
        non-zero value with the same electrode potential gives a field-free cell at that potential,
        as in an equilibrium check)."""
        self.phi_reference.value = volts / self.scales.potential

    def set_bulk_concentration(self, c: float) -> None:
        """Li⁺ concentration on the electrolyte boundary [mol/m³] (> 0)."""
        if not c > 0:
            raise ValueError(f"bulk concentration {c} must be > 0")
        self.c_bulk.value = c / self.params.c0
        self.log_c_bulk.value = np.log(c / self.params.c0)

    def set_pressure(self, p: float) -> None:
        """Stack pressure on the pressure facets [Pa] (compression positive)."""
        self.pressure.value = p / self.scales.energy_density

    def set_current(self, i: float) -> None:
        """Prescribed current density through the electrolyte facets [A/m²] (anodic positive,
        plating negative); ``control="current"`` only."""
        if self.control != "current":
            raise ValueError("set_current needs control='current'")
        target = i / self.scales.current_density
        self.solver.set_target(target, max(abs(target), CURRENT_SCALE_FLOOR))

    @property
    def electrode_potential(self) -> float:
        """V [V]."""
        return float(self.voltage.value) * self.scales.potential

    # initial states ------------------------------------------------------------------------
    def _profile(self, signed_distance: np.ndarray) -> np.ndarray:
        """Equilibrium profile 1/(1 + e^{s/δ}) of the signed distance s [m] (s < 0 in the metal)."""
        delta = self.params.interface_width()
        return 0.5 * (1.0 - np.tanh(signed_distance / (2 * delta)))

    def _coordinates(self) -> np.ndarray:
        return self.V.tabulate_dof_coordinates()

    def set_planar_front(self, position: float) -> None:
        """ξ = equilibrium profile of a flat front at distance ``position`` [m] along the growth
        direction (from the origin)."""
        d = np.zeros(3)
        d[:self.gdim] = self.growth_direction
        d /= np.linalg.norm(d)
        self.xi.x.array[:] = self._profile(self._coordinates() @ d - position)
        self._initial_potential()

    def set_order_parameter(self, values) -> None:
        """ξ from a callable of the dof coordinates (shape (3, n) like ``Function.interpolate``)."""
        self.xi.x.array[:] = values(self._coordinates().T)
        self._initial_potential()

    def set_nuclei(self, position: float, centres: np.ndarray, radius: float) -> None:
        """A flat front at ``position`` [m] plus round nuclei (circles/spheres of ``radius`` [m]
        centred at ``centres``, shape (k, gdim)): ξ = max of the profiles."""
        x = self._coordinates()
        d = np.zeros(3)
        d[:self.gdim] = self.growth_direction
        d /= np.linalg.norm(d)
        xi = self._profile(x @ d - position)
        for centre in np.atleast_2d(centres):
            p = np.zeros(3)
            p[:len(centre)] = centre
            xi = np.maximum(xi, self._profile(np.linalg.norm(x - p, axis=1) - radius))
        self.xi.x.array[:] = xi
        self._initial_potential()

    def set_bumps(self, position: float, radius: float, spacing: float, along: int = 1,
                  offset: float = 0.0, extent: tuple[float, float] | None = None) -> None:
        """Semicircular bumps of ``radius`` centred on the front at ``position``, every ``spacing``
        along coordinate ``along`` starting at ``offset`` (2-D; in 3-D rows of hemispheres)."""
        lo, hi = extent if extent is not None else self._extent(along)
        ys = np.arange(offset, hi + 1e-12 * abs(hi - lo), spacing)
        ys = ys[ys >= lo - 1e-12 * abs(hi - lo)]
        centres = np.zeros((len(ys), self.gdim))
        d = np.asarray(self.growth_direction, dtype=float)
        centres[:] = position * d / np.linalg.norm(d)
        centres[:, along] = ys
        self.set_nuclei(position, centres, radius)

    def set_random_nuclei(self, position: float, count: int, radius: float, seed: int,
                          along: int = 1) -> None:
        """``count`` nuclei of ``radius`` at positions along coordinate ``along`` drawn uniformly over
        the mesh's extent with numpy's generator seeded by ``seed`` (the same on every rank)."""
        lo, hi = self._extent(along)
        ys = np.random.default_rng(seed).uniform(lo, hi, size=count)
        centres = np.zeros((count, self.gdim))
        d = np.asarray(self.growth_direction, dtype=float)
        centres[:] = position * d / np.linalg.norm(d)
        centres[:, along] = ys
        self.set_nuclei(position, centres, radius)

    def _extent(self, axis: int) -> tuple[float, float]:
        x = self.msh.geometry.x[:, axis]
        lo = float(x.min()) if x.size else np.inf
        hi = float(x.max()) if x.size else -np.inf
        return self.comm.allreduce(lo, op=MPI.MIN), self.comm.allreduce(hi, op=MPI.MAX)

    def set_concentration(self, c: float, profile: Literal["uniform", "electrolyte"] = "uniform") -> None:
        """Li⁺ at c̃ = c/c0 (> 0) in the electrolyte, i.e. (c/c0)(1 − h(ξ)) ions per volume, and the
        metal's sites filled to θ(c̃): the equilibrium at c. The two profiles are the same state
        (kept for callers of the earlier model, where ``uniform`` also put ions into the metal)."""
        if profile not in ("uniform", "electrolyte"):
            raise ValueError(f"profile {profile!r} (allowed: uniform, electrolyte)")
        if not c > 0:
            raise ValueError(f"concentration {c} must be > 0 (the unknown is ln c̃)")
        self.log_c.x.array[:] = np.log(c / self.params.c0)
        self._update_concentration()

    def _update_concentration(self) -> None:
        """c ← (1 − h(ξ)) e^{ln c̃} at the nodes: the ions per volume (output only)."""
        electrolyte = np.maximum(1.0 - ed.interpolation(self.xi.x.array), 0.0)  # ≥ 0 also after rounding
        self.c.x.array[:] = electrolyte * np.exp(self.log_c.x.array)

    def _initial_potential(self) -> None:
        """Initial guess φ = V ξ + φ_ref (1 − ξ) (the metal at the electrode potential, the electrolyte
        at the reference)."""
        xi = self.xi.x.array
        self.phi.x.array[:] = float(self.voltage.value) * xi + float(self.phi_reference.value) * (1 - xi)
        self._update_concentration()

    def start(self, initial_potential: bool = True) -> None:
        """Take the current fields as the initial state (history of the time scheme, reference of the
        deposited and total Li). With ``initial_potential`` φ is first made consistent with ξ:
        ∇·(σ_eff(ξ)∇φ) = 0 with its Dirichlet data (no reaction yet), one linear solve. (From the
        guess φ = Vξ the first Newton solve of the #4229 case needs dt ≤ 0.02 s; from the
        consistent potential it converges at dt = 0.1 s in 5 iterations.)"""
        for f in (self.xi, self.log_c):
            for past in self.bdf.history(f):
                past.x.array[:] = f.x.array
        if initial_potential:
            self._solve_initial_potential()
        self.phi_old.x.array[:] = self.phi.x.array
        self._voltage_old = float(self.voltage.value)
        if self.u is not None:
            self.u_old.x.array[:] = self.u.x.array
        self._update_concentration()
        self._reference = {"metal": self._integral("metal"), "total_li": self.total_li()}

    def _solve_initial_potential(self) -> None:
        V = self.phi.function_space
        q = ufl.TestFunction(V)
        sigma = ed.effective(self.xi, self.g["sigma_metal"], self.g["sigma_electrolyte"])
        F = sigma * ufl.inner(self.grad(self.phi), self.grad(q)) * self._l0 ** (-self.tdim) * self.dx
        bcs = [bc for bc in self.bcs if V._cpp_object.contains(bc.function_space)]
        opts = {**default_options("diffusion", V.dofmap.index_map.size_global, self.settings),
                **settings_options(self.settings, "electrodeposition_potential")}
        solver = NonlinearSolver(F, self.phi, bcs, prefix="electrodeposition_potential_", options=opts,
                                 linear=True)
        report = solver.solve()
        solver.destroy()
        if not report.converged:
            raise RuntimeError(f"initial potential: {report.reason}")

    # time stepping ------------------------------------------------------------------------
    def solve(self, dt: float) -> BlockSolveReport:
        """One step of ``dt`` [s] from the last accepted state: the coupled Newton solve (and, with
        ``one_way`` mechanics, the displacement at the new ξ)."""
        self.bdf.set_step(dt / self.scales.time)
        if self.noise is not None:
            self.noise.draw(self.steps + 1)
        report = self.solver.solve()
        self._update_concentration()
        if report.converged:
            self._flows = self._boundary_flows()
            if self.mechanics == "one_way":
                r = self.u_solver.solve()
                if not r.converged:
                    report.converged, report.reason = False, f"mechanics: {r.reason}"
        return report

    def accept(self, dt: float) -> None:
        """The step of ``dt`` [s] converged: it becomes the reference of the next one."""
        # the time integral of the outflow Q that the scheme implies: a0 ΔM_{n+1} + a2 ΔM_n = −Δt Q_{n+1}
        # for BDF (a0 = a1 + a2), i.e. Δ_{n+1} = (Δt Q_{n+1} − a2 Δ_n)/a0 (Δt Q for BDF1), so that
        # the Li balance holds to rounding with BDF2 as with BDF1
        a0, _, a2 = self.bdf.coefficients
        outflow, _ = self._flows
        increment = (outflow * dt - a2 * self._last_outflow) / a0
        self._last_outflow = increment
        self.charge += FARADAY * increment
        self.li_inflow -= increment
        self.bdf.accept()
        self.phi_old.x.array[:] = self.phi.x.array
        self._voltage_old = float(self.voltage.value)
        if self.u is not None:
            self.u_old.x.array[:] = self.u.x.array
        self.steps += 1
        self.time += dt

    def reject(self) -> None:
        """Return to the last accepted state."""
        self.bdf.reject()
        self._update_concentration()
        self.phi.x.array[:] = self.phi_old.x.array
        self.voltage.value = self._voltage_old
        if self.u is not None:
            self.u.x.array[:] = self.u_old.x.array

    # quantities --------------------------------------------------------------------------
    def _integral(self, name: str) -> float:
        return self.comm.allreduce(fem.assemble_scalar(self._forms[name]), op=MPI.SUM)

    def _volume_si(self) -> float:
        """Factor from a nondimensional volume integral to SI (per unit depth/area below 3-D)."""
        return self.scales.length**self.tdim

    def _boundary_flows(self) -> tuple[float, float]:
        """(Li⁺ outflow [mol/s], outward ohmic current [A]) through the electrolyte facets, from the
        residuals tested with 1 on their dofs (exactly conservative)."""
        s = self.scales
        area = s.length ** (self.tdim - 1)
        flux = -self.comm.allreduce(fem.assemble_scalar(self._flux_form), op=MPI.SUM)
        ohmic = -self.comm.allreduce(fem.assemble_scalar(self._ohmic_form), op=MPI.SUM)
        return flux * s.flux * area, ohmic * s.current_density * area

    def current(self) -> float:
        """Faradaic current through the electrolyte boundary [A] (F × Li⁺ outflow; anodic positive,
        plating negative), of the last converged step."""
        return FARADAY * self._flows[0]

    def current_density(self) -> float:
        """:meth:`current` per electrolyte-boundary area [A/m²]."""
        return self.current() / (self._integral("electrolyte_area") * self.scales.length ** (self.tdim - 1))

    def ohmic_current_density(self) -> float:
        """Outward −σ∇φ·n through the electrolyte boundary per area [A/m²] (charge equation). In this
        model the metal also conducts σ_s∇φ, so it differs from the Faradaic current when the
        electrode is held at a potential; it is reported for comparison."""
        return self._flows[1] / (self._integral("electrolyte_area") * self.scales.length ** (self.tdim - 1))

    def metal(self) -> float:
        """Li in the metal, c_s ∫ h(ξ) θ(c̃) dV [mol]."""
        return self.params.c_s * self._integral("metal") * self._volume_si()

    def deposited_li(self) -> float:
        """Li deposited since the start, c_s ∫ (hθ − (hθ)_start) dV [mol]."""
        return self.params.c_s * (self._integral("metal") - self._reference["metal"]) * self._volume_si()

    def unfilled_li(self) -> float:
        """c_s ∫ h(ξ)(1 − θ(c̃)) dV [mol]: the metal's empty Li sites, the Li that the ions could not
        bring to where ξ rose (see the module docstring); ~1e-6 of the metal when they keep up."""
        return self.params.c_s * self._integral("unfilled") * self._volume_si()

    def faraday_li(self) -> float:
        """Li deposited according to Faraday's law, −∫ I dt / (nF) [mol] (∫ with the quadrature the
        time scheme implies, see :meth:`accept`)."""
        return -self.charge / (self.params.n * FARADAY)

    def total_li(self) -> float:
        """∫ (c0 (1 − h) c̃ + c_s h θ) dV [mol]: ions plus metal."""
        p = self.params
        return (p.c0 * self._integral("ions") + p.c_s * self._integral("metal")) * self._volume_si()

    def li_balance_error(self) -> float:
        """(total Li − total Li at start − Li that entered) / total Li at start [-]."""
        ref = self._reference["total_li"]
        return (self.total_li() - ref - self.li_inflow) / ref

    def concentration_min(self) -> float:
        """min over the nodes of the electrolyte's Li⁺ concentration c0 c̃ [mol/m³] (> 0)."""
        n = self.V.dofmap.index_map.size_local
        local = float(self.log_c.x.array[:n].min()) if n else np.inf
        return self.params.c0 * float(np.exp(self.comm.allreduce(local, op=MPI.MIN)))

    def tip_height(self) -> float:
        """Largest distance along the growth direction where ξ ≥ ½ [m]."""
        return front_position(self.xi, self.growth_direction, 0.5)

    def interface_length(self) -> float:
        """∫ |∇ξ| dV: interface length (2-D, per unit depth) [m] or area (3-D) [m²]; 1 in 1-D."""
        return self._integral("interface") * self.scales.length ** (self.tdim - 1)

    def roughness(self) -> float:
        """Interface length/area over the electrode's [-] (1 for a flat front)."""
        return self._integral("interface") / self._integral("electrode_area")

    def interface_stress(self) -> dict[str, float]:
        """Max and min σ_h and max von Mises [Pa] over the cells whose midpoint ξ lies in
        [0.05, 0.95] (NaN without mechanics or without such cells)."""
        if self.u is None:
            return {"sigma_h_max": np.nan, "sigma_h_min": np.nan, "von_mises_max": np.nan}
        for f, expr in self._cell_exprs:
            f.interpolate(expr)
        n = self._xi_cell.function_space.dofmap.index_map.size_local
        band = (self._xi_cell.x.array[:n] >= BAND_LOW) & (self._xi_cell.x.array[:n] <= BAND_HIGH)
        e0 = self.scales.energy_density

        def reduce(values, op, empty):
            local = float(op(values[:n][band])) if band.any() else empty
            return self.comm.allreduce(local, op=MPI.MAX if op is np.max else MPI.MIN)

        out = {"sigma_h_max": reduce(self._sh_cell.x.array, np.max, -np.inf),
               "sigma_h_min": reduce(self._sh_cell.x.array, np.min, np.inf),
               "von_mises_max": reduce(self._vm_cell.x.array, np.max, -np.inf)}
        return {k: (v * e0 if np.isfinite(v) else np.nan) for k, v in out.items()}

    def quantities(self) -> dict[str, float]:
        """Every scalar quantity of the last converged step, SI (names and units in the methods)."""
        q = {"time": self.time, "electrode_potential": self.electrode_potential,
             "current_density": self.current_density(), "ohmic_current_density": self.ohmic_current_density(),
             "deposited_li": self.deposited_li(), "faraday_li": self.faraday_li(),
             "unfilled_li": self.unfilled_li(),
             "total_li": self.total_li(),
             "li_balance_error": self.li_balance_error(), "tip_height": self.tip_height(),
             "interface_length": self.interface_length(), "roughness": self.roughness()}
        if self.u is not None:
            q.update(self.interface_stress())
        return q

    # checkpoints -------------------------------------------------------------------------
    def state_functions(self) -> dict[str, fem.Function]:
        out = {"xi": self.xi, "log_c": self.log_c, "phi": self.phi}
        if self.u is not None:
            out["u"] = self.u
        out.update(self.bdf.checkpoint_functions())
        return out

    def state(self) -> dict:
        """Scalars to continue after a restart (JSON-serialisable)."""
        return {"bdf": self.bdf.state(), "steps": self.steps, "time": self.time, "charge": self.charge,
                "li_inflow": self.li_inflow, "last_outflow": self._last_outflow,
                "reference": dict(self._reference),
                "voltage": float(self.voltage.value), "c_bulk": float(self.c_bulk.value),
                "phi_reference": float(self.phi_reference.value),
                "pressure": float(self.pressure.value)}

    def restore(self, state: dict) -> None:
        """Continue from a checkpoint whose :meth:`state_functions` were read back."""
        self.bdf.restore(state["bdf"])
        self.steps, self.time = int(state["steps"]), float(state["time"])
        self.charge, self.li_inflow = float(state["charge"]), float(state["li_inflow"])
        self._last_outflow = float(state["last_outflow"])
        self._reference = dict(state["reference"])
        self.voltage.value, self.c_bulk.value = state["voltage"], state["c_bulk"]
        self.log_c_bulk.value = np.log(state["c_bulk"])
        self.phi_reference.value = state["phi_reference"]
        self.pressure.value = state["pressure"]
        self.phi_old.x.array[:] = self.phi.x.array
        self._voltage_old = float(self.voltage.value)
        if self.u is not None:
            self.u_old.x.array[:] = self.u.x.array
        self._update_concentration()

    def solver_statistics(self) -> dict:
        stats = {"electrodeposition": self.solver.stats}
        if self.mechanics == "one_way":
            stats["mechanics"] = self.u_solver.stats
        return stats



def parameters(deposition: str = "Hong2018_normalised", metal: str | None = "Li_metal",
               partner: str | None = None, **overrides) -> ed.Parameters:
    """SI parameters from the named sets of ``battchem.materials``: the electrodeposition set
    (normalised sets are converted with ``parameters_from_normalised``), the deposit's elasticity
    and molar volume (``metal``) and the partner's E, ν (``partner``: electrolyte/separator), then
    ``overrides`` (SI field names of :class:`~battchem.physics.electrodeposition.Parameters`)."""
    from battchem import materials

    values = materials.electrodeposition_set(deposition).as_dict()
    if deposition.endswith("_normalised"):
        keys = ("L", "kappa", "Ls", "alpha", "AA", "W", "M0", "S1", "S2", "ft2", "es", "el")
        p = ed.parameters_from_normalised({k: values[k] for k in keys if k in values}, c0=values["c0"],
                                          D_metal=values["D_metal"])
    else:
        names = {f for f in ed.Parameters.__dataclass_fields__}
        p = ed.Parameters(**{k: v for k, v in values.items() if k in names})
    extra = {}
    if metal is not None:
        m = materials.electrodeposition_mechanics(metal).as_dict()
        extra.update(E_metal=m["E"], nu_metal=m["nu"], Omega=m["Omega"])
    if partner is not None:
        e = materials.electrodeposition_mechanics(partner).as_dict()
        extra.update(E_electrolyte=e["E"], nu_electrolyte=e["nu"])
    return p.with_values(**{**extra, **overrides})
