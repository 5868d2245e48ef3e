"""plating, model phase_field: phase-field electrodeposition of Li (docs/plating.md), after Chen et
al. 2015 with the Hong & Viswanathan 2018 set by default, in 2-D (per unit depth) and 3-D.

Unknowns: the order parameter ξ (1 metal, 0 electrolyte), the logarithm of the Li⁺ concentration
c̃ = c/c0 in the electrolyte and the potential φ, and with mechanics the displacement u:

    ∂ξ/∂t = −L_σ [g′(ξ) − ∇·(κ(θ)∇ξ)] − L_η h′(ξ) [e^((1−α)nFη/RT) − c̃ e^(−αnFη/RT)]
    ∂[(1 − h) c̃ + r h Θ(c̃)]/∂t = ∇·[D_eff c̃ ∇(ln c̃ + (nF/RT) φ)],   r = c_s/c0, Θ = c̃/(c̃ + K)
    ∇·(σ_eff ∇φ) = nF c_s ∂(hΘ)/∂t,    η = φ − E^θ (− Ω σ_h/F with two-way mechanics)
    ∇·σ(u, ξ) = 0,   σ = C(ξ) : (ε(u) − h(ξ) ε⁰)   (stiffness interpolated between Li and the partner)

assembled and solved by the electrodeposition component (battchem.components.electrodeposition):
nondimensional inside, SI here. The electrode (x = 0) holds ξ = 1 and the applied potential (or,
under current control, the potential that passes the prescribed current), the electrolyte boundary
(x = L) ξ = 0, c̃ = 1, φ = 0; the sides are insulated. The run ends (status completed) when the
deposit's tip reaches ``operation.stop_at_tip`` of the domain length.

Outputs are SI: fields ``order_parameter`` ξ, ``concentration`` (1 − h(ξ)) c0 c̃ [mol/m³] (the
Li⁺ per volume, zero in the metal), ``potential`` φ [V] (and ``displacement`` [m],
``hydrostatic_stress`` and ``von_mises_stress`` [Pa] per cell with mechanics). The unknown is ln c̃,
so the electrolyte's concentration stays positive; where the ions cannot keep up with a fast front
the deposit's Li sites stay partly empty instead (Hong & Viswanathan's balance, see
docs/electrodeposition_positivity.md). The series reports that Li (``unfilled_li``) and the run
warns once when it exceeds 5 % of the deposited Li: the front outruns its supply at this interface
width (a thinner interface, a lower |voltage| or current reduce it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from dolfinx import fem
from mpi4py import MPI

from battchem import mesh as bmesh
from battchem.components import electrodeposition as edc
from battchem.problems.base import StepResult
from battchem.problems.plating.problem import Plating
from battchem.protocol import Schedule

# A mesh coarser than about two interface widths δ = √(κ0/2W) distorts the front's profile and its
# speed (the planar-front convergence test: h = δ/2 is within 1 % of the sharp-interface speed).
RESOLUTION = 2.0
# Empty metal sites tolerated without a warning, as a fraction of the deposited Li (1-D fronts at
# -0.45 V leave ~7.5 % at the Hong set's interface width, 1e-4 at half of it: docs/electrodeposition_positivity.md)
UNFILLED_FRACTION = 0.05


class PhaseFieldPlating(Plating):
    """Phase-field electrodeposition with optional mechanics."""

    # mesh -------------------------------------------------------------------------------------
    def build_mesh(self):
        d = self.config.domain
        self.params = self._parameters()
        width = self.params.interface_width()
        if d.mesh_size > RESOLUTION * width:
            warnings.warn(f"domain.mesh_size = {d.mesh_size:g} m is coarser than {RESOLUTION:g} × the interface "
                          f"width δ = {width:.3g} m of deposition set {self.config.deposition.name}: the front "
                          f"is under-resolved (use mesh_size <= {RESOLUTION * width:.3g} m)", UserWarning,
                          stacklevel=2)
        scale = d.length
        params = {"L": 1.0, "W": d.width / scale, "h": d.mesh_size / scale, "near": d.near_electrode,
                  "band": d.near_band / scale}
        if d.dimension == 2:
            return bmesh.from_geo("rectangle", params, self.comm, 2, scale=scale)
        return bmesh.from_geo("box", {**params, "D": d.depth / scale}, self.comm, 3, scale=scale)

    # set-up -----------------------------------------------------------------------------------
    def _parameters(self):
        cfg = self.config
        m = cfg.mechanics
        extra = {}
        if m.E_partner is not None:
            extra["E_electrolyte"] = m.E_partner
        if m.nu_partner is not None:
            extra["nu_electrolyte"] = m.nu_partner
        if any(m.eigenstrain):
            extra["eigenstrain"] = tuple(m.eigenstrain)
        return edc.parameters(cfg.deposition.name, m.metal, m.partner, **{**cfg.deposition.overrides(), **extra})

    def setup(self, md):
        cfg = self.config
        self.md, msh = md, md.mesh
        m = cfg.mechanics
        self.params = self._parameters()
        sides = md.facets("sides")
        displacement = [(md.facets("electrode"), None)]  # the deposit is bonded to the current collector
        if m.mode != "none" and msh.geometry.dim > 1:  # rollers on the sides
            displacement.append((sides, 1))
            if msh.geometry.dim == 3:
                displacement.append((sides, 2))
        self.edep = edc.Electrodeposition(
            msh, self.params, cfg.solver, electrode_facets=md.facets("electrode"),
            electrolyte_facets=md.facets("electrolyte"), control=cfg.operation.control, mechanics=m.mode,
            displacement_bcs=displacement if m.mode != "none" else (),
            pressure_facets=md.facets("electrolyte") if m.mode != "none" else None,
            bdf_order=cfg.time_order, noise_seed=cfg.nuclei.seed)
        self._initial_deposit()
        self.edep.set_concentration(self.params.c0, "electrolyte")
        if m.mode != "none":
            self.edep.set_pressure(m.stack_pressure)
        op = cfg.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self._apply(self.schedule.current)
        self.edep.start()
        self.schedule.begin(0.0)
        self.initial_tip = self.edep.tip_height()
        self.stop_height = op.stop_at_tip * cfg.domain.length
        self._events: list[str] = []
        self._stopped: str | None = None
        self._xi_old = self.edep.xi.x.array.copy()
        self._warned_unfilled = False
        self._si_fields()

    def _si_fields(self) -> None:
        """SI copies of the nondimensional unknowns for fields/ (filled by :meth:`_update_fields`)."""
        e = self.edep
        self.order_parameter = fem.Function(e.V, name="order_parameter")
        self.concentration = fem.Function(e.V, name="concentration")
        self.potential = fem.Function(e.V, name="potential")
        self.displacement = self.sigma_h = self.von_mises = None
        if e.u is not None:
            self.displacement = fem.Function(e.u.function_space, name="displacement")
            V0 = e._sh_cell.function_space
            self.sigma_h = fem.Function(V0, name="hydrostatic_stress")
            self.von_mises = fem.Function(V0, name="von_mises_stress")
        self._update_fields()

    def _update_fields(self) -> None:
        e, s = self.edep, self.edep.scales
        self.order_parameter.x.array[:] = e.xi.x.array
        self.concentration.x.array[:] = e.c.x.array * self.params.c0  # e.c: (1 − h) c̃, updated by accept
        self.potential.x.array[:] = e.phi.x.array * s.potential
        if e.u is not None:
            self.displacement.x.array[:] = e.u.x.array * s.length
            e.interface_stress()  # interpolates the cell values of σ_h and von Mises
            self.sigma_h.x.array[:] = e._sh_cell.x.array * s.energy_density
            self.von_mises.x.array[:] = e._vm_cell.x.array * s.energy_density

    def _initial_deposit(self) -> None:
        n, d = self.config.nuclei, self.config.domain
        if n.random_count:
            self.edep.set_random_nuclei(n.front, n.random_count, n.random_radius, n.seed)
        elif n.bump_radius > 0 and n.bump_spacing > 0:
            self.edep.set_bumps(n.front, n.bump_radius, n.bump_spacing, offset=0.5 * n.bump_spacing)
        elif n.bump_radius > 0:
            centre = [n.front, 0.5 * d.width] + ([0.5 * d.depth] if d.dimension == 3 else [])
            self.edep.set_nuclei(n.front, np.array([centre]), n.bump_radius)
        else:
            self.edep.set_planar_front(n.front)

    def _apply(self, seg) -> None:
        if self.config.operation.control == "voltage":
            self.edep.set_voltage(seg.voltage)
        else:
            self.edep.set_current(seg.current_density)

    # protocol ---------------------------------------------------------------------------------
    def end_time(self) -> float:
        return self.schedule.planned_end()

    def milestones(self) -> list[float]:
        return [*self.schedule.milestones(), self.end_time()]

    # one step ---------------------------------------------------------------------------------
    def advance(self, t, dt):
        report = self.edep.solve(dt)
        if not report.converged:
            return StepResult(report)
        n = self.edep.V.dofmap.index_map.size_local
        local = float(np.abs(self.edep.xi.x.array[:n] - self._xi_old[:n]).max()) if n else 0.0
        return StepResult(report, 1, self.comm.allreduce(local, op=MPI.MAX))

    def accept(self, t_new):
        self.edep.accept(t_new - self.edep.time)
        self._xi_old[:] = self.edep.xi.x.array
        self._update_fields()
        unfilled, deposited = self.edep.unfilled_li(), self.edep.deposited_li()
        if not self._warned_unfilled and deposited > 0 and unfilled > UNFILLED_FRACTION * deposited:
            self._warned_unfilled = True
            warnings.warn(f"plating: at t = {t_new:.4g} s {unfilled / deposited:.1%} of the deposited Li's sites are "
                          "empty (unfilled_li in series.csv): the front outruns its ion supply at this interface "
                          "width; a lower |voltage| or a thinner interface (kappa0, W) reduce it", UserWarning,
                          stacklevel=2)
        tip = self.edep.tip_height()
        if tip >= self.stop_height:
            self._stopped = f"the deposit's tip reached x = {tip:.4g} m ({self.config.operation.stop_at_tip:g} L)"
            self._events.append(self._stopped)
        s = self.schedule
        if s.at_end(t_new):
            s.next(t_new, "reached its end")
            if not s.finished:
                self._apply(s.current)
                s.begin(t_new)

    def reject(self):
        self.edep.reject()

    def step_reset(self):
        return False

    def stop_reason(self, t):
        return self._stopped

    def events(self):
        out, self._events = self._events, []
        return out

    def mean_tip_velocity(self) -> float:
        """(x_tip(t) − x_tip(0)) / t [m/s], the tip's mean advance over the run so far."""
        t = self.edep.time
        return (self.edep.tip_height() - self.initial_tip) / t if t > 0 else 0.0

    def results(self):
        return {"tip_height [m]": self.edep.tip_height(), "tip_velocity [m/s]": self.mean_tip_velocity(),
                "interface_width [m]": self.params.interface_width(), "segments": self.schedule.summary()}

    # outputs ----------------------------------------------------------------------------------
    def columns(self):
        per_depth = "mol/m" if self.config.domain.dimension == 2 else "mol"
        cols = [("electrode_potential", "V"), ("current_density", "A/m^2"), ("ohmic_current_density", "A/m^2"),
                ("deposited_li", per_depth), ("faraday_li", per_depth), ("li_balance_error", "-"),
                ("tip_height", "m"), ("interface_length", "m" if self.config.domain.dimension == 2 else "m^2"),
                ("roughness", "-"), ("concentration_min", "mol/m^3"), ("unfilled_li", per_depth)]
        if self.config.mechanics.mode != "none":
            cols += [("sigma_h_max", "Pa"), ("sigma_h_min", "Pa"), ("von_mises_max", "Pa")]
        return cols

    def quantities(self, t):
        q = {**self.edep.quantities(), "concentration_min": self.edep.concentration_min()}
        return {name: q[name] for name, _ in self.columns()}

    def progress(self, q):
        text = (f"V {q['electrode_potential'] * 1e3:+.1f} mV  i {q['current_density']:+.4g} A/m2  "
                f"tip {q['tip_height'] * 1e6:.3f} µm  roughness {q['roughness']:.4f}")
        if "sigma_h_max" in q:
            text += f"  σh [{q['sigma_h_min'] / 1e6:+.1f}, {q['sigma_h_max'] / 1e6:+.1f}] MPa"
        return text

    def field_units(self):
        return {"order_parameter": "-", "concentration": "mol/m^3", "potential": "V", "displacement": "m",
                "hydrostatic_stress": "Pa", "von_mises_stress": "Pa"}

    def output_functions(self):
        fields = [self.order_parameter, self.concentration, self.potential]
        if self.displacement is not None:
            fields += [self.displacement, self.sigma_h, self.von_mises]
        return fields

    def state_functions(self):
        return self.edep.state_functions()

    def state_scalars(self):
        return {"edep": self.edep.state(), "schedule": self.schedule.state(), "stopped": self._stopped,
                "warned_unfilled": self._warned_unfilled, "initial_tip": self.initial_tip}

    def restore_scalars(self, scalars):
        self.edep.restore(scalars["edep"])
        self.schedule.restore(scalars["schedule"])
        self._stopped = scalars.get("stopped")
        if not self.schedule.finished:
            self._apply(self.schedule.current)
        self._xi_old[:] = self.edep.xi.x.array
        self._warned_unfilled = scalars.get("warned_unfilled", False)
        self.initial_tip = scalars.get("initial_tip", self.initial_tip)
        self._update_fields()

    def solver_statistics(self):
        return self.edep.solver_statistics()

    def mesh_summary(self):
        h = self.md.h_range()
        n = self.edep.V.dofmap.index_map.size_global
        dofs = {"xi": n, "c": n, "phi": n}
        if self.edep.u is not None:
            dofs["u"] = self.edep.u.function_space.dofmap.index_map.size_global * self.edep.u.function_space.dofmap.index_map_bs
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1], "dofs": dofs,
                "interface_width": self.params.interface_width()}

    def plots(self, outdir: Path):
        from battchem.problems.plating import plots

        return plots.phase_field_plots(self, Path(outdir))
