"""Internal variables stored at quadrature points: history fields, creep and plastic strains.

A quadrature space (basix quadrature element) holds one value (scalar, vector or tensor) per
quadrature point of every cell, so a local update such as

    H ← max(H_old, ψ⁺)              (phase-field history)
    ε_c ← ε_c,old + Δt ε̇_c(σ)       (backward-Euler creep)

is the evaluation of a UFL expression at the points: no projection, no smoothing, no solve. Forms
that contain such a Function must integrate with the same rule: use :func:`measure`.

Checkpoints: adios4dolfinx 0.9 writes and reads quadrature Functions (scalar, vector and tensor)
like any other Function, in an order independent of the number of ranks, provided the mesh is
read back from the same checkpoint (as ``output.Checkpoint`` and the driver do); written on 2 ranks
and read on 1, and the reverse, the values come back bit for bit (tests/unit/test_quadrature.py).
So pass :meth:`InternalVariable.checkpoint_functions` with the state Functions and call
:meth:`InternalVariable.restored` after reading them.
"""

from __future__ import annotations

import basix.ufl
import ufl
from dolfinx import fem


def quadrature_space(mesh, degree: int, shape: tuple[int, ...] = ()) -> fem.FunctionSpace:
    """Space of values of ``shape`` at the points of the default quadrature rule of ``degree``."""
    element = basix.ufl.quadrature_element(mesh.basix_cell(), value_shape=tuple(shape), scheme="default",
                                           degree=degree)
    return fem.functionspace(mesh, element)


def measure(mesh, degree: int, subdomain_data=None) -> ufl.Measure:
    """Cell measure dx integrating with the rule of ``quadrature_space(mesh, degree)``."""
    return ufl.Measure("dx", domain=mesh, subdomain_data=subdomain_data,
                       metadata={"quadrature_degree": degree, "quadrature_scheme": "default"})


class InternalVariable:
    """A quadrature-point field with its value at the last accepted step.

    ``current`` is the value of the step being computed (use it in forms, or use the update
    expression itself for an implicit update), ``old`` the last accepted value (use it in the
    update expression). ``update(expr)`` sets ``current`` to ``expr`` at the quadrature points;
    ``accept()`` makes it the new ``old``; ``reject()`` returns ``current`` to ``old``.
    """

    def __init__(self, V: fem.FunctionSpace, name: str, initial: float = 0.0):
        self.V = V
        self.current = fem.Function(V, name=name)
        self.old = fem.Function(V, name=f"{name}_old")
        self.current.x.array[:] = initial
        self.old.x.array[:] = initial
        self._compiled: dict[object, fem.Expression] = {}

    @property
    def name(self) -> str:
        return self.current.name

    def expression(self, expr) -> fem.Expression:
        """``expr`` compiled for the quadrature points (once per distinct expression)."""
        compiled = self._compiled.get(expr)
        if compiled is None:
            if ufl.shape(expr) != self.V.value_shape:
                raise ValueError(f"{self.name}: expression of shape {ufl.shape(expr)}, "
                                 f"space of shape {self.V.value_shape}")
            compiled = fem.Expression(expr, self.V.element.interpolation_points())
            self._compiled[expr] = compiled
        return compiled

    def update(self, expr) -> None:
        """current ← expr at every quadrature point (owned and ghost cells)."""
        self.current.interpolate(self.expression(expr))

    def accept(self) -> None:
        """old ← current (after a converged step)."""
        self.old.x.array[:] = self.current.x.array

    def reject(self) -> None:
        """current ← old (after a failed step)."""
        self.current.x.array[:] = self.old.x.array

    def checkpoint_functions(self) -> dict[str, fem.Function]:
        """The accepted state to checkpoint (``current`` equals ``old`` after ``accept``)."""
        return {self.name: self.current}

    def restored(self) -> None:
        """After ``current`` was read from a checkpoint: old ← current."""
        self.accept()
