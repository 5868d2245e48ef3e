"""plating, model cell_1d: Li | binary electrolyte | Li with sharp interfaces (docs/plating.md).

Unknowns on the electrolyte x ∈ (0, L), counter electrode at x = 0, working electrode at x = L:
the logarithmic salt concentration u = ln(c/c0) (so c = c0 e^u stays positive whatever a Newton
step does, and ln c, (c/c0)^γ are smooth in u), the electrolyte potential φ [V], and the working
electrode's potential V [V] (the cell voltage; the counter electrode is the reference, φ_s = 0),
carried as a field that is constant in x (its interior equation is ∫ V′χ′ dx) so that one SNES
solves the whole cell.

    ∂c/∂t = ∂/∂x (D(c) ∂c/∂x)                                  salt balance (t₊ constant)
    ∂i/∂x = 0,  i = −κ(c) ∂φ/∂x + κ_D(c) ∂ ln c/∂x,  κ_D = 2κRT(1 − t₊)/F    charge (binary, ideal;
                                                      φ measured against a Li reference, as in DFN models)
    i(0) = BV(η_0, c(0)),  −i(L) = BV(η_L, c(L))                  Butler–Volmer at the electrodes
    −D ∂c/∂x = (1 − t₊) i/F at both electrodes                    Li⁺ carries the whole current there
    BV(η, c) = i0 (c/c0)^γ [exp(α_a Fη/RT) − exp(−α_c Fη/RT)]
    η_0 = 0 − φ(0) − U + Ω p_c/F,   η_L = V − φ(L) − U + Ω p_w/F   (pressure p on each electrode)

Controls: current (i = I: the V equation's boundary term BV(η_L) + I = 0), voltage (V held by a
Dirichlet condition on all V dofs: the solver's Dirichlet set changes with the control, and the
voltage moves to its set value over a short ramp) and rest (I = 0). The salt balance is scaled by
Δt/(c0 L) and the charge balances by the current scale F D c0/L, so that Newton's norm weighs them
alike. When the concentration at the plating electrode falls to depletion_fraction × c0 the run
ends (status completed): Sand's time, recorded in the manifest.
"""

from __future__ import annotations

import math
from pathlib import Path

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from battchem import evaluation
from battchem import mesh as bmesh
from battchem.materials import FARADAY, GAS_CONSTANT
from battchem.problems.base import StepResult
from battchem.problems.plating.problem import Plating
from battchem.protocol import Schedule, Until
from battchem.solvers import NonlinearSolver, default_options
from battchem.time_integration import BDF

EXPONENT_CAP = 60.0  # largest Butler–Volmer exponent: exp(60) ~ 1e26; larger only overflows Newton
LANDING_TOLERANCE = 1e-3  # an end condition counts as reached within 0.1 % of its target


class Cell1D(Plating):
    """Plating and stripping in a 1-D Li | electrolyte | Li cell."""

    # mesh and unknowns ---------------------------------------------------------------------------
    def build_mesh(self):
        c = self.config.cell
        return bmesh.from_geo("cell_1d", {"L": 1.0, "n": c.elements, "bump": c.grading}, self.comm, 1,
                              scale=c.thickness)

    def setup(self, md):
        cfg = self.config
        self.md, msh = md, md.mesh
        self.el = el = cfg.electrolyte.resolved()
        self.itf = itf = cfg.interface.resolved()
        self.f = FARADAY / (GAS_CONSTANT * el.temperature)  # F/RT [1/V]
        L = cfg.cell.thickness
        self.flux_scale = el.D * el.c0 / L  # [mol/(m² s)]
        self.current_scale = FARADAY * self.flux_scale  # [A/m²], half the limiting current (t₊ = 0)

        P1 = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
        self.W = W = fem.functionspace(msh, basix.ufl.mixed_element([P1, P1, P1]))
        self.w = fem.Function(W, name="lnc_phi_V")
        self.bdf = BDF([self.w], order=cfg.time_order)
        u, phi, V = ufl.split(self.w)
        q, psi, chi = ufl.TestFunctions(W)

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value))

        self.current = constant(0.0)  # applied current density I [A/m²] (current control)
        self.voltage = constant(0.0)  # applied cell voltage [V] (voltage control)
        p_c = cfg.pressure.stack
        p_w = cfg.pressure.working if cfg.pressure.working is not None else p_c
        k = {"c0": el.c0, "t_plus": el.t_plus, "U": itf.equilibrium_potential, "i0": itf.exchange_current_density,
             "alpha_a": itf.alpha_a, "alpha_c": itf.alpha_c, "gamma": itf.concentration_exponent,
             "shift_c": itf.molar_volume * p_c / FARADAY, "shift_w": itf.molar_volume * p_w / FARADAY,
             "f": self.f, "j_s": self.flux_scale, "i_s": self.current_scale, "L": L}
        self.k = {name: constant(v) for name, v in k.items()}
        k = self.k

        def concentration(w):
            return k["c0"] * ufl.exp(ufl.split(w)[0] if w is not self.w else u)

        c = concentration(self.w)
        # electrolyte properties: constants, or the set's fits of c
        fits = cfg.electrolyte._set().fits if cfg.electrolyte.concentration_dependent else {}
        self.D = fits["D"].function(c) if "D" in fits else constant(el.D)
        self.kappa = fits["kappa"].function(c) if "kappa" in fits else constant(el.kappa)
        kappa_D = 2 * self.kappa * (1 - k["t_plus"]) / k["f"]

        # Butler–Volmer at the counter (x = 0) and working (x = L) electrodes
        ds_counter, ds_working = md.ds("counter"), md.ds("working")
        self.eta_counter = -phi - k["U"] + k["shift_c"]
        self.eta_working = V - phi - k["U"] + k["shift_w"]
        self.bv_counter = self._butler_volmer(self.eta_counter, u)
        self.bv_working = self._butler_volmer(self.eta_working, u)

        dcdt = self.bdf.derivative(self.w, transform=concentration)
        mass = (dcdt * q + self.D * c * ufl.inner(ufl.grad(u), ufl.grad(q))) * ufl.dx \
            - (1 - k["t_plus"]) / FARADAY * (self.bv_counter * q * ds_counter + self.bv_working * q * ds_working)
        charge = (self.kappa * ufl.inner(ufl.grad(phi), ufl.grad(psi))
                  - kappa_D * ufl.inner(ufl.grad(u), ufl.grad(psi))) * ufl.dx \
            - self.bv_counter * psi * ds_counter - self.bv_working * psi * ds_working
        cell_voltage = k["L"] * k["f"] * ufl.inner(ufl.grad(V), ufl.grad(chi)) * ufl.dx \
            + (self.bv_working + self.current) / k["i_s"] * chi * ds_working
        # The salt balance times Δt/(c0 L): its unknowns' unit is then a change of c by c0 whatever the
        # step (scaled by a flux instead, its round-off would grow as 1/Δt and, at Δt = 1 µs, pass the
        # Newton tolerance); the charge balance in units of the current scale F D c0/L
        F = (self.bdf.dt / (k["c0"] * k["L"])) * mass + (1 / k["i_s"]) * charge + cell_voltage

        s = cfg.solver
        # no convergence on a small step (snes_stol 0): a line search that cannot move must fail the
        # step, not pass it unchanged
        # The residuals are in units of the scales (c0, a current F D c0/L); their round-off floor is
        # ~1e-12 (entries up to L f/h ~ 1e4 times 1e-16 over the nodes), so the absolute tolerance is
        # at least 1e-10 of those scales
        options = {**default_options("nonsymmetric", 0, s), "snes_rtol": s.snes_rtol,
                   "snes_atol": max(s.snes_atol, 1e-10), "snes_max_it": s.snes_max_it, "snes_stol": 0.0,
                   **s.petsc_options.get("cell", {})}
        self.solver = NonlinearSolver(F, self.w, [], prefix="cell_", options=options)
        V_space, _ = W.sub(2).collapse()
        every = fem.locate_dofs_geometrical((W.sub(2), V_space), lambda x: np.full(x.shape[1], True))
        self.voltage_bc = fem.dirichletbc(self.voltage, every[0], W.sub(2))
        self.concentration = fem.Function(W.sub(0).collapse()[0], name="concentration")  # c for output

        # quantities (compiled once)
        self.forms = {name: fem.form(expr) for name, expr in {
            "c_counter": c * ds_counter, "c_working": c * ds_working, "voltage": V * ds_working,
            "eta_counter": self.eta_counter * ds_counter, "eta_working": self.eta_working * ds_working,
            "current": -self.bv_working * ds_working, "phi_counter": phi * ds_counter,
            "phi_working": phi * ds_working, "resistance": 1 / self.kappa * ufl.dx,
            "salt": c * ufl.dx}.items()}

        # initial state: uniform salt, both electrodes at equilibrium
        c_sub, phi_sub, v_sub = (W.sub(i).collapse()[1] for i in range(3))
        self.dofs = {"c": np.asarray(c_sub), "phi": np.asarray(phi_sub), "V": np.asarray(v_sub)}
        x = self.w.x.array
        x[self.dofs["c"]] = 0.0  # u = ln(c/c0) = 0
        phi0 = -itf.equilibrium_potential + k["shift_c"].value
        x[self.dofs["phi"]] = phi0
        x[self.dofs["V"]] = phi0 + itf.equilibrium_potential - k["shift_w"].value
        self.w.x.scatter_forward()
        for past in self.bdf.history(self.w):
            past.x.array[:] = self.w.x.array
        self.w_old = self.w.x.array.copy()
        self._update_concentration()

        op = cfg.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self.charge_plated = 0.0  # ∫ I dt [C/m²], positive while plating on the working electrode
        self.current_old = 0.0
        self.sand_time: float | None = None
        self._events: list[str] = []
        self._q_old: dict[str, float] = {}
        self._ramp = (0.0, 0.0, 0.0, 0.0)  # voltage control: (start, from, to, duration)
        self._begin_segment(0.0)
        self._profiles: list[tuple[float, np.ndarray, np.ndarray]] = []  # rank 0
        self._profile_times: list[float] = []  # every rank
        V0 = W.sub(0).collapse()[0]
        self._profile_x = V0.tabulate_dof_coordinates()[: V0.dofmap.index_map.size_local, 0]

    def _butler_volmer(self, eta, u):
        """i0 (c/c0)^γ [exp(α_a f η) − exp(−α_c f η)] = i0 e^(γu) [...], each exponent capped at
        EXPONENT_CAP (u = ln(c/c0))."""
        k = self.k
        a = ufl.min_value(k["alpha_a"] * k["f"] * eta, EXPONENT_CAP)
        b = ufl.min_value(-k["alpha_c"] * k["f"] * eta, EXPONENT_CAP)
        return k["i0"] * ufl.exp(k["gamma"] * u) * (ufl.exp(a) - ufl.exp(b))

    # protocol --------------------------------------------------------------------------------
    def _begin_segment(self, t: float) -> None:
        """Impose the active segment's control (current, voltage or rest) from ``t``."""
        self._switched = True
        seg = self.schedule.current
        if seg.control == "voltage":
            self._ramp = (t, self._probe()["voltage"], seg.voltage, seg.ramp)
            self.voltage.value = self._ramp[1]
            self.solver.set_bcs([self.voltage_bc])
        else:
            self.current.value = seg.current_density if seg.control == "current" else 0.0
            self.solver.set_bcs([])
        self.schedule.begin(t)

    def _applied_voltage(self, t: float) -> float:
        """The set voltage, reached linearly over the segment's ramp time."""
        start, v0, v1, ramp = self._ramp
        return v1 if ramp <= 0 or t >= start + ramp else v0 + (v1 - v0) * (t - start) / ramp

    def _conditions(self) -> list[tuple[str, Until]]:
        """End conditions of the active segment and the depletion stop: (kind, condition)."""
        seg, op = self.schedule.current, self.config.operation
        out = []
        if seg.until_voltage is not None:
            out.append(("segment", Until("abs_voltage", seg.until_voltage, rising=True)))
        if seg.until_current is not None:
            out.append(("segment", Until("abs_current", seg.until_current, rising=False)))
        if op.stop_at_depletion:
            out.append(("depletion", Until("c_min", op.depletion_fraction * self.el.c0, rising=False)))
        return out

    def _condition_values(self) -> dict[str, float]:
        q = self._probe()
        return {"abs_voltage": abs(q["voltage"]), "abs_current": abs(q["current_density"]),
                "c_min": min(q["c_counter"], q["c_working"])}

    def end_time(self) -> float:
        return self.schedule.planned_end()

    def milestones(self) -> list[float]:
        out = [*self.schedule.milestones(), self.end_time()]
        if self.schedule.current.control == "voltage" and self._ramp[3] > 0:
            out.append(self._ramp[0] + self._ramp[3])
        return out

    # one step ---------------------------------------------------------------------------------
    def advance(self, t, dt):
        self.bdf.set_step(dt)
        if self.schedule.current.control == "voltage":
            self.voltage.value = self._applied_voltage(t + dt)
            self.w.x.array[self.dofs["V"]] = self.voltage.value  # start Newton on the held voltage
            self.w.x.scatter_forward()
        before = self._q_old or self._condition_values()
        report = self.solver.solve()
        if not report.converged:
            return StepResult(report)
        u, u_old = self.w.x.array[self.dofs["c"]], self.w_old[self.dofs["c"]]
        local = float(np.abs(np.exp(u) - np.exp(u_old)).max()) if u.size else 0.0
        change = self.comm.allreduce(local, op=MPI.MAX)  # max |Δc|/c0
        after = self._condition_values()
        retry = None
        for _, until in self._conditions():  # land on an end condition crossed inside the step
            step = Schedule.landing(until, before[until.quantity], after[until.quantity], dt,
                                    tol=LANDING_TOLERANCE * until.target)
            if step is not None and dt > self.config.stepping.dt_min * 1.01:
                retry = step if retry is None else min(retry, step)
        return StepResult(report, 1, change, retry_dt=retry)

    def accept(self, t_new):
        q = self._probe()
        dt = t_new - self._t_accepted if hasattr(self, "_t_accepted") else t_new
        self.charge_plated += 0.5 * (self.current_old + q["current_density"]) * dt
        self.current_old = q["current_density"]
        self._t_accepted = t_new
        self.bdf.accept()
        self.w_old[:] = self.w.x.array
        self._update_concentration()
        values = self._condition_values()
        self._q_old = values
        s = self.schedule
        for kind, until in self._conditions():
            if kind == "depletion" and until.reached(values["c_min"], tol=LANDING_TOLERANCE * until.target):
                where = "working" if q["c_working"] <= q["c_counter"] else "counter"
                self.sand_time = t_new
                self._events.append(f"Sand's time: the salt concentration at the {where} electrode fell to "
                                    f"{values['c_min']:.3g} mol/m^3 at t = {t_new:.6g} s")
        ended, reason = s.at_end(t_new), "reached its end"
        for kind, until in self._conditions():
            if kind == "segment" and until.reached(values[until.quantity], tol=LANDING_TOLERANCE * until.target):
                ended = True
                reason = (f"|voltage| reached {until.target:g} V" if until.quantity == "abs_voltage"
                          else f"|current density| fell to {until.target:g} A/m^2")
        if ended and self.sand_time is None:
            seg = s.current
            self._events.append(f"segment {s.index + 1}/{s.count} ({seg.control}) {reason} at t = {t_new:.6g} s")
            s.next(t_new, reason)
            if not s.finished:
                self._begin_segment(t_new)
        self._keep_profile(t_new)

    def reject(self):
        self.bdf.reject()
        self.w.x.scatter_forward()

    def step_reset(self):
        switched, self._switched = self._switched, False
        return switched

    def stop_reason(self, t):
        if self.sand_time is not None:
            return "Sand's time reached: the electrolyte at the plating electrode is depleted"
        return None

    def events(self):
        out, self._events = self._events, []
        return out

    def results(self):
        out = {"sand_time [s]": self.sand_time,
               "segments": self.schedule.summary()}
        first = next((seg for seg in self.config.operation.segments if seg.control == "current"
                      and seg.current_density), None)
        if first is not None and not self.config.electrolyte.concentration_dependent:
            out["sand_time_semi_infinite [s]"] = sand_time(self.el.D, self.el.c0, first.current_density,
                                                           self.el.t_plus)
        return out

    # outputs -----------------------------------------------------------------------------------
    def columns(self):
        return [("voltage", "V"), ("current_density", "A/m^2"), ("eta_counter", "V"), ("eta_working", "V"),
                ("electrolyte_drop", "V"), ("ohmic_drop", "V"), ("diffusion_potential", "V"),
                ("c_counter", "mol/m^3"), ("c_working", "mol/m^3"), ("salt_mean", "mol/m^3"),
                ("plated_charge", "C/m^2"), ("plated_thickness", "m")]

    def _probe(self) -> dict[str, float]:
        values = {name: evaluation.integral(form, self.comm) for name, form in self.forms.items()}
        return {"voltage": values["voltage"], "current_density": values["current"],
                "eta_counter": values["eta_counter"], "eta_working": values["eta_working"],
                "phi_counter": values["phi_counter"], "phi_working": values["phi_working"],
                "c_counter": values["c_counter"], "c_working": values["c_working"],
                "resistance": values["resistance"], "salt_mean": values["salt"] / self.config.cell.thickness}

    def quantities(self, t):
        q = self._probe()
        drop = q["phi_counter"] - q["phi_working"]
        ohmic = q["current_density"] * q["resistance"]
        return {"voltage": q["voltage"], "current_density": q["current_density"],
                "eta_counter": q["eta_counter"], "eta_working": q["eta_working"],
                "electrolyte_drop": drop, "ohmic_drop": ohmic, "diffusion_potential": drop - ohmic,
                "c_counter": q["c_counter"], "c_working": q["c_working"], "salt_mean": q["salt_mean"],
                "plated_charge": self.charge_plated,
                "plated_thickness": self.charge_plated * self.itf.molar_volume / FARADAY}

    def progress(self, q):
        return (f"V {q['voltage'] * 1e3:+.2f} mV  i {q['current_density']:+.3g} A/m2  "
                f"c0/cL {q['c_counter']:.4g}/{q['c_working']:.4g}")

    def _keep_profile(self, t: float) -> None:
        """Concentration profiles for the picture: a snapshot whenever the time has grown by 10 %
        (the decision is the same on every rank; rank 0 keeps the gathered profile)."""
        if self._profile_times and t - self._profile_times[-1] < 0.1 * max(t, 1e-300) and self.sand_time is None:
            return
        self._profile_times.append(t)
        n = len(self._profile_x)
        c = self.el.c0 * np.exp(self.w.x.array[self.dofs["c"][:n]])
        parts = self.comm.gather((self._profile_x, c), root=0)
        if parts is not None:
            xs, cs = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
            order = np.argsort(xs)
            self._profiles.append((t, xs[order], cs[order]))

    def _update_concentration(self) -> None:
        """c = c0 e^u at the nodes, for the fields output."""
        self.concentration.x.array[:] = self.el.c0 * np.exp(self.w.x.array[self.dofs["c"]])

    def field_units(self):
        return {"concentration": "mol/m^3", "log_concentration": "-", "potential": "V", "cell_voltage": "V"}

    def output_functions(self):
        self.w.sub_names = ["log_concentration", "potential", "cell_voltage"]
        return [self.concentration, self.w]

    def state_functions(self):
        return {"lnc_phi_V": self.w, **self.bdf.checkpoint_functions()}

    def state_scalars(self):
        return {"schedule": self.schedule.state(), "bdf": self.bdf.state(), "charge_plated": self.charge_plated,
                "current_old": self.current_old, "sand_time": self.sand_time,
                "t_accepted": getattr(self, "_t_accepted", 0.0), "ramp": list(self._ramp)}

    def restore_scalars(self, scalars):
        self.bdf.restore(scalars["bdf"])
        self.w_old[:] = self.w.x.array
        self._update_concentration()
        self.schedule.restore(scalars["schedule"])
        self.charge_plated, self.current_old = scalars["charge_plated"], scalars["current_old"]
        self.sand_time, self._t_accepted = scalars["sand_time"], scalars["t_accepted"]
        self._ramp = tuple(scalars["ramp"])
        self._switched = False  # set-up began segment 1 again; the run continues inside the saved one
        if not self.schedule.finished:
            seg = self.schedule.current
            if seg.control == "voltage":
                self.voltage.value = self._applied_voltage(self._t_accepted)
                self.solver.set_bcs([self.voltage_bc])
            else:
                self.current.value = seg.current_density if seg.control == "current" else 0.0
                self.solver.set_bcs([])
        self._q_old = self._condition_values()

    def solver_statistics(self):
        return {"cell": self.solver.stats}

    def mesh_summary(self):
        h = self.md.h_range()
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1],
                "dofs": {"c+phi+V": self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs}}

    def plots(self, outdir: Path):
        from battchem.problems.plating import plots

        return plots.cell_plots(self, Path(outdir))


def sand_time(D: float, c0: float, current_density: float, t_plus: float) -> float:
    """Sand's time of a semi-infinite binary electrolyte under a constant current density:
    t_s = π D (c0 F)² / (4 (i (1 − t₊))²)."""
    return math.pi * D * (c0 * FARADAY) ** 2 / (4 * (current_density * (1 - t_plus)) ** 2)


def limiting_current(D: float, c0: float, thickness: float, t_plus: float) -> float:
    """Steady limiting current density of a cell of thickness L: 2 c0 F D / ((1 − t₊) L)."""
    return 2 * c0 * FARADAY * D / ((1 - t_plus) * thickness)
