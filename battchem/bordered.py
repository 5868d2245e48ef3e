"""Block systems with one global scalar unknown fixed by one scalar equation (bordered systems).

Equations. A :class:`battchem.blocks.BlockSolver` system F(x; λ) = 0 whose Dirichlet data on a set
of dofs D of one field is the scalar λ itself (u_D = λ), closed by the scalar equation

    G(x) = G*,

with G a functional of the fields (a UFL form of rank 0), e.g. a prescribed total current with the
electrode potential λ unknown (galvanostatic control of a potentiostatic model). Newton's method on
(x, λ) solves

    [ J   b ] [δx]     [ F      ]
    [ cᵀ  0 ] [δλ] = − [ G − G* ],     b = ∂F/∂λ,  c = ∂G/∂x,

by block elimination with the inner system's linear solver (its KSP, options and field splits):
J y = F, J z = b, δλ = (cᵀy − (G − G*))/(−cᵀz), δx = −y − z δλ. In dolfinx's residual the
constrained rows read x_D − λ, and the lifting gives the other rows A_{:,D}(λ − x_D), so
b = −1 on D and A_{:,D} 1_D elsewhere: the derivative of the residual forms in the direction of
the indicator function of D (other Dirichlet rows 0). c is the derivative of G on all dofs.

SNES (``newtonls`` with the ``bt`` line search by default) sees one vector [x; λ] (λ owned by rank
0), a shell Jacobian (``mult`` for the line search's slope) and a shell preconditioner applying the
elimination (``ksp_type preonly``): an exact Newton step per iteration, two inner solves sharing
one factorisation or one AMG setup. Convergence is judged on the inner per-field scaled residuals
and on |G − G*|/s_G (``scale``), as in :class:`BlockSolver`.
"""

from __future__ import annotations

import time

import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem import interrupt
from battchem.blocks import BlockSolver, BlockSolveReport, scaled_convergence
from battchem.solvers import OptionsScope, _reason_name, raise_solver_error


class BorderedSolver:
    """Solve a :class:`BlockSolver` system together with a scalar unknown and a scalar equation.

    Parameters
    ----------
    inner : the block system; its Dirichlet condition ``bc`` on field ``field`` must take its value
        from ``parameter`` (a ``fem.Constant``), which becomes the unknown λ.
    field, bc : the field (name) and the Dirichlet condition whose value is λ.
    constraint : G, a rank-0 form of the fields. target : G*, changed with :meth:`set_target`.
    scale : s_G, the size of G − G* that counts as 1 in the convergence test and the line search.
    prefix : options prefix of the outer SNES (its KSP and PC are fixed: preonly, the elimination).
    options : outer SNES options (without prefix).
    """

    def __init__(self, inner: BlockSolver, field: str, bc: fem.DirichletBC, parameter: fem.Constant,
                 constraint: ufl.Form, target: float, *, scale: float, prefix: str,
                 options: dict[str, object] | None = None):
        self.inner = inner
        self.parameter = parameter
        self.target = float(target)
        self.scale = float(scale)
        self.comm = comm = inner.comm
        layout = inner.layout
        if layout is not None:  # a block system assembled on one mixed space: λ's dofs and G on w
            bc = layout.condition(bc)
            constraint = layout.on_mixed(constraint)
        self._G = fem.form(constraint)
        # c = ∂G/∂x, one linear form per field
        self._dG = fem.form([_nonempty(ufl.derivative(constraint, f.u, ufl.TestFunction(f.u.function_space)),
                                       f.u.function_space) for f in inner.fields])
        # b = ∂F/∂λ: residuals differentiated in the direction of the indicator of the dofs of bc
        if layout is not None:
            k = 0
        elif inner.splits[0].order is None:
            k = inner.names.index(field)
        else:
            raise ValueError("BorderedSolver needs a block system (or BlockSolver.as_mixed), not a mixed space")
        target_field = inner.fields[k]
        indicator = fem.Function(target_field.u.function_space, name="bordered_indicator")
        self._dofs = bc.dof_indices()[0]
        indicator.x.array[self._dofs] = 1.0
        self._dF = fem.form([_nonempty(ufl.derivative(f.F, target_field.u, indicator), f.u.function_space)
                             for f in inner.fields])
        self._field_index = k
        self._bcs = inner.bcs

        self.n_local = int(inner.x.getLocalSize())
        self._has_scalar = comm.rank == 0
        extra = 1 if self._has_scalar else 0
        self.X = PETSc.Vec().createMPI((self.n_local + extra, PETSc.DECIDE), comm=comm)
        self.R = self.X.duplicate()
        self._x = inner.x.duplicate()  # ghosted work vectors of the inner layout
        self._f = inner.x.duplicate()
        self._b = inner.x.duplicate()
        self._c = inner.x.duplicate()
        self._y = inner.x.duplicate()
        self._z = inner.x.duplicate()
        self._rhs = inner.x.duplicate()

        n_global = self.X.getSize()
        J = PETSc.Mat().createPython(((self.n_local + extra, n_global), (self.n_local + extra, n_global)),
                                     context=_BorderedOperator(self), comm=comm)
        J.setUp()
        self.J = J
        snes = PETSc.SNES().create(comm)
        snes.setOptionsPrefix(prefix)
        base = {"snes_type": "newtonls", "snes_linesearch_type": "bt", "snes_error_if_not_converged": False}
        for key in ("snes_rtol", "snes_atol", "snes_max_it"):
            if key in inner.options:
                base[key] = inner.options[key]
        self.options = {**base, **(options or {})}
        self._scope = OptionsScope(prefix, self.options)
        snes.setFunction(self._residual, self.R)
        snes.setJacobian(self._jacobian, J, J)
        with self._scope:
            snes.setFromOptions()
        ksp = snes.getKSP()
        ksp.setType("preonly")
        pc = ksp.getPC()
        pc.setType("python")
        pc.setPythonContext(_Elimination(self))
        snes.setConvergenceTest(self._converged)
        snes.setMonitor(lambda snes, its, norm: interrupt.check(comm))
        self.snes = snes
        self.stats = inner.stats
        self._report: BlockSolveReport | None = None
        self._G_value = 0.0

    # layout -------------------------------------------------------------------------------
    def _split(self, X: PETSc.Vec) -> float:
        """Copy the block part of X into the inner work vector; return λ (on every rank)."""
        a = X.getArray(readonly=True)
        self._x.getArray()[:] = a[: self.n_local]
        self._x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        lam = float(a[self.n_local]) if self._has_scalar else None
        return self.comm.bcast(lam, root=0)

    def _join(self, block: PETSc.Vec, scalar: float, out: PETSc.Vec) -> None:
        a = out.getArray()
        a[: self.n_local] = block.getArray(readonly=True)
        if self._has_scalar:
            a[self.n_local] = scalar

    def set_target(self, value: float, scale: float | None = None) -> None:
        """G* (and optionally s_G)."""
        self.target = float(value)
        if scale is not None:
            self.scale = float(scale)

    # SNES callbacks -----------------------------------------------------------------------
    def _residual(self, snes, X, R):
        lam = self._split(X)
        self.parameter.value = lam
        self.inner._residual(snes, self._x, self._f)
        G = self.comm.allreduce(fem.assemble_scalar(self._G), op=MPI.SUM)
        self._G_value = G
        self._join(self._f, (G - self.target) / self.scale, R)

    def _jacobian(self, snes, X, J, P):
        lam = self._split(X)
        self.parameter.value = lam
        self.inner._to_functions(self._x)
        A = self.inner.A
        self.inner._jacobian(snes, self._x, A, self.inner.P if self.inner.P is not None else A)
        self._assemble_block(self._b, self._dF, self._bcs)  # zero on every constrained row
        owned = self._local_rows(self._field_index, self._dofs)
        self._b.getArray()[owned] = -1.0
        self._assemble_block(self._c, self._dG, [])
        self._c.scale(1.0 / self.scale)
        ksp = self.inner.snes.getKSP()
        ksp.setOperators(A, self.inner.P if self.inner.P is not None else A)
        self._factorised = False

    def _assemble_block(self, vec: PETSc.Vec, forms, bcs) -> None:
        """Block vector of ``forms``; rows constrained by ``bcs`` set to 0 (alpha = 0: no lifting)."""
        with vec.localForm() as local:
            local.set(0.0)
        fem_petsc.assemble_vector_block(vec, forms, self.inner.a, bcs=bcs, alpha=0.0)

    def _local_rows(self, k: int, dofs: np.ndarray) -> np.ndarray:
        """Positions in the owned part of a block vector of the owned ``dofs`` of field k."""
        m, bs = self.inner._maps[k]
        owned = dofs[dofs < m.size_local * bs]
        return self.inner._offsets[k] + owned

    def _inner_solve(self, rhs: PETSc.Vec, out: PETSc.Vec) -> int:
        ksp = self.inner.snes.getKSP()
        with self.inner._scope:
            ksp.solve(rhs, out)
        if ksp.getConvergedReason() < 0:
            raise _InnerFailure(ksp.getConvergedReason())
        return ksp.getIterationNumber()

    def _converged(self, snes, it, norms):
        xnorm, ynorm, _ = norms
        rep = self._report
        if it > 0:
            total = snes.getLinearSolveIterations()
            rep.linear_iterations.append(total - sum(rep.linear_iterations))
        r = self.R.getArray(readonly=True)
        self._f.getArray()[:] = r[: self.n_local]
        scaled = self.inner._record(self.inner.field_norms(self._f))
        g = abs(self._G_value - self.target) / self.scale
        rep.residuals["constraint"].append(abs(self._G_value - self.target))
        rep.scaled["constraint"].append(g)
        rep.scales["constraint"] = self.scale
        worst = max(float(scaled.max()), g)
        return scaled_convergence(snes, it, worst, rep, xnorm, ynorm)

    # ------------------------------------------------------------------------------------
    def solve(self) -> BlockSolveReport:
        """Solve for the fields and λ from their current values; on failure they hold the last
        iterate."""
        t0 = time.perf_counter()
        inner = self.inner
        rep = BlockSolveReport(False)
        for name in inner.names + ["constraint"]:
            rep.residuals[name], rep.scaled[name] = [], []
        self._report = inner._report = rep
        if inner.layout is not None:
            inner.layout.gather()
        for u in inner.functions:
            u.x.petsc_vec.stateIncrease()
        inner._from_functions(self._x)
        self._join(self._x, float(self.parameter.value), self.X)
        failure = None
        with self._scope:
            try:
                self.snes.solve(None, self.X)
            except _InnerFailure as exc:
                failure = exc
            except PETSc.Error as exc:
                if isinstance(exc.__cause__, _InnerFailure):
                    failure = exc.__cause__
                else:
                    raise_solver_error(exc, self.snes.getOptionsPrefix())
        lam = self._split(self.X)
        self.parameter.value = lam
        inner._to_functions(self._x)
        if inner.layout is not None:
            inner.layout.scatter()
        reason = self.snes.getConvergedReason()
        converged = failure is None and reason > 0 and all(np.isfinite(s[-1]) for s in rep.scaled.values()
                                                           if s)
        rep.converged = converged
        rep.iterations = self.snes.getIterationNumber()
        rep.krylov = self.snes.getLinearSolveIterations()
        if not converged:
            rep.reason = (f"inner KSP {failure.reason}" if failure is not None
                          else _reason_name(reason, 0))
        rep.seconds = time.perf_counter() - t0
        self.stats.add(rep)
        return rep

    def destroy(self) -> None:
        for obj in (self.snes, self.J, self.X, self.R, self._x, self._f, self._b, self._c, self._y, self._z,
                    self._rhs):
            obj.destroy()


def _nonempty(form: ufl.Form, V: fem.FunctionSpace) -> ufl.Form:
    """``form`` with derivatives expanded, or 0 · ∫ v dx where it vanishes identically."""
    form = ufl.algorithms.expand_derivatives(form)
    if form.empty():
        v = ufl.TestFunction(V)
        zero = fem.Constant(V.mesh, PETSc.ScalarType(0.0))
        shape = v.ufl_shape
        form = zero * (v[0] if shape else v) * ufl.dx(domain=V.mesh)
    return form


class _InnerFailure(RuntimeError):
    def __init__(self, reason: int):
        super().__init__(f"inner linear solve failed ({reason})")
        self.reason = reason


class _BorderedOperator:
    """J_B [x; λ] = [A x + b λ; cᵀ x] (c scaled by 1/s_G like the residual's last entry)."""

    def __init__(self, owner: BorderedSolver):
        self.o = owner

    def mult(self, mat, X, Y):
        o = self.o
        lam = o._split(X)
        o.inner.A.mult(o._x, o._y)
        o._y.axpy(lam, o._b)
        g = o._c.dot(o._x)
        o._join(o._y, g, Y)


class _Elimination:
    """Exact inverse of the bordered Jacobian by block elimination (module docstring)."""

    def __init__(self, owner: BorderedSolver):
        self.o = owner

    def apply(self, pc, R, Y):
        o = self.o
        a = R.getArray(readonly=True)
        o._rhs.getArray()[:] = a[: o.n_local]
        r = o.comm.bcast(float(a[o.n_local]) if o._has_scalar else None, root=0)
        its = o._inner_solve(o._rhs, o._y)  # J y = F-part
        its += o._inner_solve(o._b, o._z)  # J z = b
        denominator = o._c.dot(o._z)
        if denominator == 0.0:
            raise _InnerFailure("singular bordered system (cᵀ J⁻¹ b = 0)")
        dlam = (r - o._c.dot(o._y)) / -denominator
        o._y.axpy(-dlam, o._z)  # y − z δλ
        o._join(o._y, dlam, Y)
