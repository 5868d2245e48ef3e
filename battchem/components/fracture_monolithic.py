"""Monolithic Newton on (u, d) for a load step whose staggered sweeps stall.

The stationarity conditions of Π(u, d) (battchem.components.fracture) solved together,

    F_u(u, d; v) = ∫ σ(ε_e(u), d) : ε(v) w dx = 0,
    F_d(u, d; q) = ∫ [−2(1 − d) 𝓗(u) q + (G_c/c_w)(w′(d) q/ℓ + 2ℓ ∇d·∇q)] w dx = 0,
    d_n ≤ d ≤ 1,

with 𝓗(u) = max(H_n, ψ⁺(ε_e(u))) (history: the value the history field takes at the end of the
step) or ψ⁺ (variational inequality; max(ψ⁺, H₀) with initial flaws), by SNES ``vinewtonrsls``
(:class:`battchem.blocks.BlockSolver`, consistent Jacobian ``ufl.derivative``, prefix
``fracture_``). Newton converges to any critical point, stable or not, so a solution is accepted by
the caller only if Π does not exceed that of the stagger iterate it started from (alternate
minimisation only lowers Π), and the staggered loop then checks it with one more sweep.

Convergence: ‖F_u‖ over the load (the stagger's scale) and ‖F_d‖ over the residual of a unit
damage change both below ``solver.stagger_tol`` / 2; the sweep after it applies the stagger's own
test to the Newton state.
"""

from __future__ import annotations

import numpy as np
from dolfinx import fem

from battchem.blocks import BlockSolver, BlockSolveReport
from battchem.solvers import default_options, global_size

# Newton's tolerance relative to the stagger's: its answer must pass the stagger's own test in
# the checking sweep (‖Δd‖∞ and the u-residual against stagger_tol). Not tighter: with the spectral
# split Newton's scaled u-residual plateaus at 4e-5 (coarse notched plate, stagger_tol 1e-4; the
# tension/compression switches of the split make the Jacobian jump), so 1e-2 × stagger_tol
# failed every attempt there
_NEWTON_TOL_FRACTION = 0.5

# Newton iteration limit: the accepted solves of the notched plate took 2-5 iterations; the
# attempts that were still iterating after 10 diverged or ran to any limit (25, 60, 300) in the
# end, so a longer budget only costs time before the sweeps go on
_NEWTON_MAX_IT = 10


class MonolithicFracture:
    """The coupled (u, d) solve of a :class:`PhaseFieldFracture` ``core`` with the damage residual
    ``residual_d`` (a function of u through 𝓗(u))."""

    def __init__(self, core, residual_d):
        self.core = core
        s = core.settings
        n = global_size(core.Vu) + global_size(core.Vd)
        # default "nonsymmetric": the coupled Jacobian is symmetric but indefinite past the peak
        opts = {**default_options("nonsymmetric", n, s), "snes_max_it": _NEWTON_MAX_IT,
                "snes_linesearch_type": "bt",
                "snes_rtol": 0.0, "snes_atol": _NEWTON_TOL_FRACTION * s.stagger_tol, "snes_stol": 0.0,
                **s.petsc_options.get("fracture", {})}
        self.upper = fem.Function(core.Vd, name="damage_upper_bound_monolithic")
        self.upper.x.array[:] = 1.0
        self.lower = fem.Function(core.Vd, name="damage_lower_bound_monolithic")
        self.solver = BlockSolver([("u", core.u, core.residual_u), ("d", core.d, residual_d)],
                                  [*core.bcs_u, *core.bcs_d], prefix="fracture_", options=opts,
                                  bounds={"d": (self.lower, self.upper)})

    def solve(self) -> BlockSolveReport:
        """Newton from the current (u, d), bounds max(d_n, 0) ≤ d ≤ 1; on failure (u, d) hold the
        last Newton iterate (the caller restores its own)."""
        core = self.core
        np.maximum(core.d_old.x.array, 0.0, out=self.lower.x.array)
        self.solver.update_bounds()
        self.solver.set_scales({"u": max(core._load_scale, np.finfo(float).tiny), "d": core._d_scale})
        return self.solver.solve()
