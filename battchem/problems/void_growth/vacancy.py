"""void_growth, model vacancy_1d: vacancy-limited stripping of a Li electrode (PHYSICS.md §3a).

Stripping removes Li atoms at the interface with the solid electrolyte (x = 0) and leaves
vacancies, which diffuse into the metal; equivalently Li diffuses toward the interface. With the Li
site fraction c/c0 and the self-diffusivity D:

    ∂c/∂t = ∂/∂x (D ∂c/∂x),   D ∂c/∂x = j/F at x = 0 (Li drawn to the interface),
    no flux at x = L (a current collector) or c = c0 (a reservoir).

Contact is lost, and a void opens, when the interfacial site fraction falls to
``contact_loss_fraction``; the run then ends (status completed) with the depletion time in the
manifest. For a semi-infinite electrode and full depletion j² τ = π D c0² F²/4 (the vacancy-limited
stripping capacity). The unknown is u = ln(c/c0), so c stays positive near depletion; the balance
is scaled by Δt/(c0 L) so that Newton's tolerance means a change of c by a fraction of c0.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from battchem import evaluation
from battchem import mesh as bmesh
from battchem.materials import FARADAY
from battchem.problems.base import StepResult
from battchem.problems.void_growth.problem import VoidGrowth
from battchem.protocol import Schedule, Until
from battchem.solvers import NonlinearSolver, default_options
from battchem.time_integration import BDF

LANDING_TOLERANCE = 1e-3  # the contact-loss condition counts as reached within 0.1 % of its target


class Vacancy1D(VoidGrowth):
    """Vacancy-limited stripping of a 1-D Li electrode."""

    def build_mesh(self):
        e = self.config.electrode
        return bmesh.from_geo("electrode_1d", {"L": 1.0, "n": e.elements, "grading": e.grading}, self.comm, 1,
                              scale=e.thickness)

    def setup(self, md):
        cfg = self.config
        self.md, msh = md, md.mesh
        self.metal = metal = cfg.metal.resolved()
        L = cfg.electrode.thickness
        self.V = V = fem.functionspace(msh, ("Lagrange", 1))
        self.u = fem.Function(V, name="log_site_fraction")  # u = ln(c/c0)
        self.bdf = BDF([self.u], order=cfg.time_order)
        q = ufl.TestFunction(V)

        def constant(value):
            return fem.Constant(msh, PETSc.ScalarType(value))

        self.current = constant(0.0)  # stripping current density j [A/m²]
        self.k = {"c0": constant(metal.c0), "D": constant(metal.D), "L": constant(L)}
        c0, D = self.k["c0"], self.k["D"]

        def concentration(f):
            return c0 * ufl.exp(f)

        c = concentration(self.u)
        dcdt = self.bdf.derivative(self.u, transform=concentration)
        balance = (dcdt * q + D * c * ufl.inner(ufl.grad(self.u), ufl.grad(q))) * ufl.dx \
            + self.current / FARADAY * q * md.ds("interface")
        F = (self.bdf.dt / (c0 * self.k["L"])) * balance
        bcs = []
        if cfg.electrode.back == "reservoir":
            dofs = fem.locate_dofs_topological(V, 0, md.facets("collector"))
            bcs.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, V))
        s = cfg.solver
        options = {**default_options("diffusion", 0, s), "snes_rtol": s.snes_rtol,
                   "snes_atol": max(s.snes_atol, 1e-12), "snes_max_it": s.snes_max_it, "snes_stol": 0.0,
                   **s.petsc_options.get("vacancy", {})}
        self.solver = NonlinearSolver(F, self.u, bcs, prefix="vacancy_", options=options)
        self.site_fraction = fem.Function(V, name="site_fraction")  # c/c0 for output
        self.forms = {"interface": fem.form(ufl.exp(self.u) * md.ds("interface")),
                      "mean": fem.form(ufl.exp(self.u) / self.k["L"] * ufl.dx)}
        self.u_old = self.u.x.array.copy()
        self._update_output()

        op = cfg.operation
        self.schedule = Schedule(op.segments, op.cycles)
        self.contact = Until("interfacial site fraction", op.contact_loss_fraction, rising=False)
        self.charge = 0.0  # stripped charge ∫ j dt [C/m²]
        self.depletion_time: float | None = None
        self._t_accepted = 0.0
        self._events: list[str] = []
        self._begin_segment(0.0)

    # protocol --------------------------------------------------------------------------------
    def _begin_segment(self, t: float) -> None:
        seg = self.schedule.current
        self.current.value = seg.current_density if seg.control == "current" else 0.0
        self.schedule.begin(t)

    def end_time(self) -> float:
        return self.schedule.planned_end()

    def milestones(self) -> list[float]:
        return [*self.schedule.milestones(), self.end_time()]

    def interfacial_fraction(self) -> float:
        return evaluation.integral(self.forms["interface"], self.comm)

    # one step -----------------------------------------------------------------------------------
    def advance(self, t, dt):
        self.bdf.set_step(dt)
        before = self.interfacial_fraction()
        report = self.solver.solve()
        if not report.converged:
            return StepResult(report)
        local = float(np.abs(np.exp(self.u.x.array) - np.exp(self.u_old)).max()) if self.u_old.size else 0.0
        change = self.comm.allreduce(local, op=MPI.MAX)
        retry = None
        if dt > self.config.stepping.dt_min * 1.01:  # land on the loss of contact
            retry = Schedule.landing(self.contact, before, self.interfacial_fraction(), dt,
                                     tol=LANDING_TOLERANCE * self.contact.target)
        return StepResult(report, 1, change, retry_dt=retry)

    def accept(self, t_new):
        self.charge += float(self.current.value) * (t_new - self._t_accepted)
        self._t_accepted = t_new
        self.bdf.accept()
        self.u_old[:] = self.u.x.array
        self._update_output()
        theta = self.interfacial_fraction()
        if self.contact.reached(theta, tol=LANDING_TOLERANCE * self.contact.target):
            self.depletion_time = t_new
            self._events.append(f"contact lost: the interfacial site fraction fell to {theta:.3g} at "
                                f"t = {t_new:.6g} s after {self.charge / 36000:.4g} mAh/cm^2 stripped")
            return
        s = self.schedule
        if s.at_end(t_new):
            s.next(t_new, "reached its end")
            if not s.finished:
                self._begin_segment(t_new)

    def reject(self):
        self.bdf.reject()
        self.u.x.scatter_forward()

    def stop_reason(self, t):
        if self.depletion_time is not None:
            return "contact lost: the Li at the interface is depleted (a void opens)"
        return None

    def events(self):
        out, self._events = self._events, []
        return out

    def results(self):
        out = {"depletion_time [s]": self.depletion_time, "stripped_charge [C/m^2]": self.charge}
        first = next((seg for seg in self.config.operation.segments if seg.control == "current"
                      and seg.current_density and seg.current_density > 0), None)
        if first is not None:
            theta = 1 - self.config.operation.contact_loss_fraction
            out["depletion_time_semi_infinite [s]"] = depletion_time(
                self.metal.D, self.metal.c0, first.current_density, theta)
        return out

    # outputs -----------------------------------------------------------------------------------
    def columns(self):
        return [("current_density", "A/m^2"), ("site_fraction_interface", "-"), ("site_fraction_mean", "-"),
                ("stripped_charge", "C/m^2"), ("stripped_thickness", "m")]

    def quantities(self, t):
        return {"current_density": float(self.current.value), "site_fraction_interface": self.interfacial_fraction(),
                "site_fraction_mean": evaluation.integral(self.forms["mean"], self.comm),
                "stripped_charge": self.charge, "stripped_thickness": self.charge / (FARADAY * self.metal.c0)}

    def progress(self, q):
        return (f"j {q['current_density']:.3g} A/m2  θ(0) {q['site_fraction_interface']:.4f}  "
                f"stripped {q['stripped_charge'] / 36000:.4g} mAh/cm2")

    def _update_output(self) -> None:
        self.site_fraction.x.array[:] = np.exp(self.u.x.array)

    def field_units(self):
        return {"site_fraction": "-"}

    def output_functions(self):
        return [self.site_fraction]

    def state_functions(self):
        return {"u": self.u, **self.bdf.checkpoint_functions()}

    def state_scalars(self):
        return {"schedule": self.schedule.state(), "bdf": self.bdf.state(), "charge": self.charge,
                "t_accepted": self._t_accepted, "depletion_time": self.depletion_time}

    def restore_scalars(self, scalars):
        self.bdf.restore(scalars["bdf"])
        self.u_old[:] = self.u.x.array
        self._update_output()
        self.schedule.restore(scalars["schedule"])
        self.charge, self._t_accepted = scalars["charge"], scalars["t_accepted"]
        self.depletion_time = scalars["depletion_time"]
        if not self.schedule.finished:
            seg = self.schedule.current
            self.current.value = seg.current_density if seg.control == "current" else 0.0

    def solver_statistics(self):
        return {"vacancy": self.solver.stats}

    def mesh_summary(self):
        h = self.md.h_range()
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1],
                "dofs": {"c": self.V.dofmap.index_map.size_global}}

    def plots(self, outdir: Path):
        from battchem.problems.void_growth import plots

        return plots.vacancy_plots(self, Path(outdir))


def depletion_time(D: float, c0: float, current_density: float, fraction: float = 1.0) -> float:
    """Time for a constant stripping current density j to lower the interfacial site fraction of a
    semi-infinite electrode by ``fraction``: τ = π D (fraction c0 F)² / (4 j²) (fraction 1: the
    vacancy-limited stripping capacity j² τ = π D c0² F²/4)."""
    return math.pi * D * (fraction * c0 * FARADAY) ** 2 / (4 * current_density**2)
