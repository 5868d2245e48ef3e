"""notched_plate: the single-edge-notched plate of Miehe, Hofacker & Welschinger (2010).

A square plate (side L = 1 mm) with a straight notch from the middle of its left edge to the
centre, in plane strain, is pulled (``tension``) or sheared (``shear``) by a displacement U of its
top edge; the bottom edge is clamped. Unknowns: displacement u [m] and damage d [-], solved by
the phase-field fracture core (``battchem.components.fracture``):

    u-step:  ∫ σ(ε(u), d) : ε(v) dA = 0,   σ = g(d) ∂ψ⁺/∂ε + ∂ψ⁻/∂ε,  g = (1 − d)² + k_res
    d-step:  ∫ [−2(1 − d) 𝓗 q + (G_c/c_w)(w′(d) q/ℓ + 2ℓ ∇d·∇q)] dA = 0   (𝓗 = H or ψ⁺ with bounds)

alternated until converged at each load step. Pseudo-time is U in metres.

Boundary conditions: bottom u = 0; tension: top u = (0, U); shear: top u = (U, 0) and u_y = 0 on
the left and right edges (the usual reading of the benchmark, e.g. Ambati, Gerasimov & De Lorenzis
2015). d has natural (zero-flux) conditions everywhere.

The notch is a geometric slit (two coincident, separately meshed faces; ``meshes/notched_plate.geo``)
rather than an initial crack d = 1: the slit faces are exactly traction free (with d = 1 and the
spectral split a diffuse crack still carries shear and compression, which matters in the shear
test), the initial crack adds no energy to G_c Γ_ℓ (so the fracture energy counts only the new
crack, which a test checks against G_c × ligament), and it is the geometry of the original paper.

Reported per step: applied displacement, reaction force on the top edge times the thickness (in
the loading direction), elastic and fracture energies times the thickness, Γ_ℓ per unit thickness
and max d. Published reference (Miehe et al. 2010): tension peak ≈ 0.70 kN per mm of thickness at
U ≈ 5.5e-3 mm, horizontal crack.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from battchem import mesh as bmesh
from battchem.components.fracture import PhaseFieldFracture
from battchem.physics.coordinates import CoordinateSystem
from battchem.problems.base import Problem, StepResult, register
from battchem.problems.notched_plate.inputs import NotchedPlateConfig
from battchem.solvers import global_size

# --------------------------------------------------------------------------------------------
# Problem


@register
class NotchedPlate(Problem):
    """Miehe's single-edge-notched plate in tension or shear (phase-field fracture benchmark)."""

    name = "notched_plate"
    summary = "phase-field fracture benchmark: single-edge-notched plate in tension or shear (Miehe 2010)"
    Config = NotchedPlateConfig
    time_axis = ("pseudo-time: the top-edge displacement U", "m")

    @classmethod
    def sources(cls, config):
        miehe = "Miehe, Hofacker & Welschinger 2010, CMAME 199, 2765"
        return {"material": {"E": miehe, "nu": miehe},
                "fracture": {"Gc": miehe, "length_scale": f"{miehe} (0.015 and 0.0075 mm)"}}

    # mesh -------------------------------------------------------------------------------
    def build_mesh(self):
        g = self.config.geometry
        L = g.side
        scale = 2**g.refine
        params = {"L": 1.0, "a": g.notch_length / L, "h_band": g.h_band * scale / L,
                  "h_far": g.h_far * scale / L, "band": g.band_half_width / L,
                  "shear": int(self.config.loading.mode == "shear"),
                  "transition": max(0.1, 10 * g.h_band / L)}
        return bmesh.from_geo("notched_plate", params, self.comm, 2, scale=L, refine=g.refine)

    # set-up -----------------------------------------------------------------------------
    def setup(self, md):
        cfg = self.config
        g, mat = cfg.geometry, cfg.material
        self.md = md
        msh = md.mesh
        cs = CoordinateSystem(msh, "plane_strain")
        # P1 strains are cellwise constant: degree 2 integrates g(d) (quadratic) times them exactly
        dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 2})
        Vu = fem.functionspace(msh, ("Lagrange", 1, (2,)))
        Vd = fem.functionspace(msh, ("Lagrange", 1))
        self.Vu, self.Vd = Vu, Vd

        # displacement control: bottom clamped, top edge moved by `load` in the loading direction
        self.load = fem.Constant(msh, PETSc.ScalarType(0.0))
        zero = PETSc.ScalarType(0.0)
        fdim = msh.topology.dim - 1
        shear = cfg.loading.mode == "shear"
        along = 0 if shear else 1  # loaded component
        bottom = fem.locate_dofs_topological(Vu, fdim, md.facets("bottom"))
        bcs = [fem.dirichletbc(np.zeros(2, dtype=PETSc.ScalarType), bottom, Vu)]
        top = md.facets("top")
        loaded, other = Vu.sub(along), Vu.sub(1 - along)
        bcs.append(fem.dirichletbc(self.load, fem.locate_dofs_topological(loaded, fdim, top), loaded))
        bcs.append(fem.dirichletbc(zero, fem.locate_dofs_topological(other, fdim, top), other))
        if shear:
            for side in ("left", "right"):
                dofs = fem.locate_dofs_topological(Vu.sub(1), fdim, md.facets(side))
                bcs.append(fem.dirichletbc(zero, dofs, Vu.sub(1)))

        self.core = PhaseFieldFracture(Vu, Vd, cs.strain, cs.weight, dx, mat.E, mat.nu, cfg.fracture,
                                       cfg.solver, bcs_u=bcs)

        # reaction on the top edge: ∫ σ : ε(w) with w = e_along on the top-edge dofs
        L = g.side
        w = fem.Function(Vu)
        top_dofs = fem.locate_dofs_geometrical((Vu.sub(along), Vu.sub(along).collapse()[0]),
                                               lambda x: np.isclose(x[1], L, rtol=0, atol=1e-9 * L))[0]
        w.x.array[top_dofs] = 1.0
        self._reaction = self.core.reaction_form(w)
        self._peak = {"force": 0.0, "displacement": 0.0, "damage": self.core.d.x.array.copy()}
        self._events: list[str] = []
        self._broken = False


    # stepping ----------------------------------------------------------------------------
    def end_time(self):
        return self.config.loading.end_displacement

    def advance(self, t, dt):
        st = self.config.stepping
        self.load.value = t + dt
        abort = None
        if st.target_change is not None and dt > st.dt_min * (1 + 1e-9):
            abort = 2.0 * st.target_change  # the driver would reject this step anyway
        outcome = self.core.solve(abort_change=abort, step=dt)
        result = outcome.result
        change = outcome.controlled_change(st.target_change) if outcome.converged else None
        return StepResult(result.report, result.iterations, change=change)

    def accept(self, t_new):
        self.core.accept()

    def reject(self):
        self.core.reject()

    def stop_reason(self, t):
        return "specimen broken" if self._broken and self.config.loading.stop_when_broken else None

    def events(self):
        out, self._events = self._events, []
        return out

    # outputs -----------------------------------------------------------------------------
    def columns(self):
        return [("displacement", "m"), ("force", "N"), ("elastic_energy", "J"), ("fracture_energy", "J"),
                ("crack_measure", "m"), ("damage_max", "-")] + self.core.stagger_columns()

    def quantities(self, t):
        b = self.config.geometry.thickness
        core = self.core
        force = b * self.comm.allreduce(fem.assemble_scalar(self._reaction), op=MPI.SUM)
        q = {"displacement": t, "force": force, "elastic_energy": b * core.elastic_energy(),
             "fracture_energy": b * core.fracture_energy(), "crack_measure": core.crack_measure(),
             "damage_max": core.damage_max(), **core.stagger_quantities()}
        if abs(force) > abs(self._peak["force"]):
            self._peak = {"force": force, "displacement": t, "damage": core.d.x.array.copy()}
        if not self._broken and abs(self._peak["force"]) > 0 and abs(force) < 0.05 * abs(self._peak["force"]):
            self._broken = True
            self._events.append(f"specimen broken (force below 5 % of the peak {self._peak['force']:.4g} N "
                                f"reached at U = {self._peak['displacement']:.4g} m)")
        return q

    def progress(self, q):
        per_mm = q["force"] / (self.config.geometry.thickness * 1e3) / 1e3
        return f"U {q['displacement'] * 1e3:.3e} mm  F {per_mm:.4f} kN/mm  d_max {q['damage_max']:.3f}"

    def field_units(self):
        return {self.core.u.name: "m", self.core.d.name: "-"}

    def output_functions(self):
        return [self.core.u, self.core.d]

    def state_functions(self):
        return self.core.state_functions()

    def state_scalars(self):
        return {"peak_force": self._peak["force"], "peak_displacement": self._peak["displacement"],
                "broken": self._broken}

    def restore_scalars(self, scalars):
        self.core.accept()
        self._peak = {"force": scalars.get("peak_force", 0.0),
                      "displacement": scalars.get("peak_displacement", 0.0),
                      "damage": self.core.d.x.array.copy()}
        self._broken = bool(scalars.get("broken", False))

    def solver_statistics(self):
        return self.core.solver_statistics()

    def mesh_summary(self):
        h = self.md.h_range()
        return {"cells": self.md.num_cells_global(), "h_min": h[0], "h_max": h[1],
                "dofs": {"u": global_size(self.Vu), "d": global_size(self.Vd)},
                "length_scale_over_h_band": self.config.fracture.length_scale / self.config.geometry.h_band}

    def plots(self, outdir: Path):
        from battchem.problems.notched_plate import plots

        return plots.make_plots(self, Path(outdir))
