"""Backward differentiation formulas with variable steps: backward Euler (BDF1) and BDF2.

The time derivative of a field u at t_{n+1} = t_n + Δt_n is replaced by

    ∂u/∂t ≈ (a_0 u − a_1 u_n − a_2 u_{n−1}) / Δt_n,

    BDF1:  a = (1, 1, 0),
    BDF2:  a = ((1 + 2ω)/(1 + ω), 1 + ω, −ω²/(1 + ω)),  ω = Δt_n / Δt_{n−1}

(the derivative at t_{n+1} of the quadratic through the last three states; (3/2, 2, −1/2) for
constant steps; a_0 = a_1 + a_2, so constants have zero derivative). The coefficients and Δt are
``fem.Constant`` s, so forms are compiled once and a new step size is a change of values only.
BDF2 starts with one BDF1 step (there is no u_{n−1} yet); its local error O(Δt²) keeps the global
error second order. Variable-step BDF2 is zero-stable for step ratios ω < 1 + √2 (Grigorieff 1983);
the step controller's growth factor (1.5 by default) stays below.

Use: ``bdf = BDF([u], order=2)``; write the residual with ``bdf.derivative(u)``; per step
``bdf.set_step(dt)``, solve, then ``bdf.accept()`` (history shifts) or ``bdf.reject()`` (u is
restored to the last accepted state). For checkpoints save ``bdf.state()`` (JSON) and the Functions
of ``bdf.checkpoint_functions()`` beside u; after reading them back call ``bdf.restore(state)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from dolfinx import fem


class BDF:
    """Variable-step BDF of ``order`` 1 or 2 for the time derivatives of ``functions``."""

    def __init__(self, functions: Sequence[fem.Function], order: int = 2):
        if order not in (1, 2):
            raise ValueError(f"BDF order must be 1 or 2, not {order}")
        if not functions:
            raise ValueError("BDF needs at least one Function")
        self.order = order
        self.functions = list(functions)
        msh = self.functions[0].function_space.mesh
        self.dt = fem.Constant(msh, 1.0)  # Δt_n of the step being taken
        self._a = [fem.Constant(msh, c) for c in (1.0, 1.0, 0.0)]
        self._history: dict[int, list[fem.Function]] = {}
        for u in self.functions:
            past = []
            for k in range(1, order + 1):
                f = fem.Function(u.function_space, name=f"{u.name}_n{k}")
                f.x.array[:] = u.x.array
                past.append(f)
            self._history[id(u)] = past
        self.steps = 0  # accepted steps
        self.dt_previous: float | None = None

    # ------------------------------------------------------------------------------------
    def derivative(self, u: fem.Function, transform=None):
        """(a_0 g(u) − a_1 g(u_n) − a_2 g(u_{n−1})) / Δt as UFL, the rate of g(u) (``u`` one of the
        registered Functions; g = ``transform``, default the identity), e.g. g(u) = c0 exp(u) when
        the unknown is a logarithmic concentration."""
        g = transform if transform is not None else (lambda f: f)
        past = self.history(u)
        expr = self._a[0] * g(u) - self._a[1] * g(past[0])
        if self.order == 2:
            expr = expr - self._a[2] * g(past[1])
        return expr / self.dt

    def rate(self, g, *functions: fem.Function):
        """(a_0 g(u, v, …) − a_1 g(u_n, v_n, …) − a_2 g(u_{n−1}, v_{n−1}, …)) / Δt as UFL: the rate
        of an expression g of several registered Functions (e.g. a content that depends on two
        unknowns), each state evaluated whole, so that the discrete balance of g is exact."""
        pasts = [self.history(u) for u in functions]
        expr = self._a[0] * g(*functions) - self._a[1] * g(*(p[0] for p in pasts))
        if self.order == 2:
            expr = expr - self._a[2] * g(*(p[1] for p in pasts))
        return expr / self.dt

    def history(self, u: fem.Function) -> list[fem.Function]:
        """[u_n, u_{n−1}, ...]: the last accepted states of ``u``."""
        try:
            return self._history[id(u)]
        except KeyError:
            raise KeyError(f"{u.name} is not integrated by this BDF") from None

    @property
    def coefficients(self) -> tuple[float, float, float]:
        """(a_0, a_1, a_2) of the current step."""
        return tuple(float(a.value) for a in self._a)

    def set_step(self, dt: float) -> None:
        """Prepare the step t_n → t_n + dt: Δt and the coefficients (BDF1 on the first step)."""
        if not dt > 0:
            raise ValueError(f"time step must be positive, got {dt}")
        self.dt.value = dt
        if self.order == 1 or self.steps == 0:
            a = (1.0, 1.0, 0.0)
        else:
            w = dt / self.dt_previous
            a = ((1 + 2 * w) / (1 + w), 1 + w, -w * w / (1 + w))
        for const, value in zip(self._a, a, strict=True):
            const.value = value

    def accept(self) -> None:
        """The step converged: u_{n−1} ← u_n, u_n ← u."""
        for u in self.functions:
            past = self._history[id(u)]
            for k in range(len(past) - 1, 0, -1):
                past[k].x.array[:] = past[k - 1].x.array
            past[0].x.array[:] = u.x.array
        self.dt_previous = float(self.dt.value)
        self.steps += 1

    def reject(self) -> None:
        """The step failed: u ← u_n (the history is unchanged)."""
        for u in self.functions:
            u.x.array[:] = self._history[id(u)][0].x.array

    # checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict:
        """Scalars needed to continue after a restart (JSON-serialisable)."""
        return {"order": self.order, "steps": self.steps, "dt_previous": self.dt_previous}

    def checkpoint_functions(self) -> dict[str, fem.Function]:
        """History beyond u_n (which equals u after ``accept``), to be checkpointed with u."""
        return {f.name: f for u in self.functions for f in self._history[id(u)][1:]}

    def restore(self, state: dict) -> None:
        """Continue from a checkpoint: u and the ``checkpoint_functions`` hold the values read back."""
        if state["order"] != self.order:
            raise ValueError(f"checkpoint of a BDF{state['order']} run, this is BDF{self.order}")
        self.steps = int(state["steps"])
        self.dt_previous = state["dt_previous"]
        for u in self.functions:
            self._history[id(u)][0].x.array[:] = u.x.array


class BackwardEuler(BDF):
    """BDF1: ∂u/∂t ≈ (u − u_n)/Δt."""

    def __init__(self, functions: Sequence[fem.Function]):
        super().__init__(functions, order=1)


class BDF2(BDF):
    """Variable-step BDF2, started with one backward-Euler step."""

    def __init__(self, functions: Sequence[fem.Function]):
        super().__init__(functions, order=2)
