"""The creep solve of void_growth creep_contact against a hand-written dolfinx 0.9 script (issue 11,
item 6: overhead ≤ 1.10).

One power-law (n = 5) Taylor–Hood creep solve from rest: the quarter annulus of
tests/verification/test_creep_flow.py (a hole of radius a in a plate of radius 20a, remote pressure
0.5 MPa, symmetry conditions, plane strain, Roy et al. 2021 creep), at several element sizes, MUMPS LU.

  battchem   battchem.physics.creep forms solved by battchem.blocks.BlockSolver (the problem's
             set-up: scaled unknowns, per-field convergence test, fixed quadrature degree);
  dolfinx    the same equations written out in UFL and solved by petsc4py SNES on
             dolfinx.fem.petsc's block matrix and vector, as in the dolfinx demos;
  mixed      the same, on one Taylor–Hood mixed space (one residual form and one Jacobian kernel).

Both start from zero, use newtonls with the basic line search, the same quadrature degree (4) and
the same Newton tolerance on the residual (rtol 1e-10); the Newton iterations are printed and the
closure rates compared. Each solve is repeated ``--repeat`` times (fields reset, matrices and KSPs
kept) alternating the codes; the fastest counts.

    containers/run python3 benchmarks/creep_baseline.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

import ufl
from dolfinx import fem
from dolfinx.cpp.la.petsc import get_local_vectors
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from battchem import mesh as bmesh
from battchem.blocks import BlockSolver
from battchem.physics import creep
from battchem.physics.coordinates import CoordinateSystem

HERE = Path(__file__).resolve().parent
SIGMA0, RATE, N, DELTA, P = 1e6, 0.01, 5.0, 1e-12, 0.5e6
A, B = 1e-5, 20e-5
DIRECT = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}


def annulus(h: float):
    import gmsh

    def build():
        occ = gmsh.model.occ
        ring, _ = occ.cut([(2, occ.addDisk(0, 0, 0, B, B))], [(2, occ.addDisk(0, 0, 0, A, A))])
        quarter, _ = occ.intersect(ring, [(2, occ.addRectangle(0, 0, 0, 2 * B, 2 * B))])
        occ.synchronize()
        surface = quarter[0][1]
        groups = {"hole": [], "outer": [], "sym_x": [], "sym_y": []}
        for _, curve in gmsh.model.getBoundary([(2, surface)], oriented=False):
            x, y, _ = occ.getCenterOfMass(1, curve)
            key = "sym_x" if abs(x) < 1e-9 * B else "sym_y" if abs(y) < 1e-9 * B else \
                "hole" if math.hypot(x, y) < (A + B) / 2 else "outer"
            groups[key].append(curve)
        gmsh.model.addPhysicalGroup(2, [surface], 1, name="plate")
        for tag, (name, curves) in enumerate(groups.items(), start=1):
            gmsh.model.addPhysicalGroup(1, curves, tag, name=name)
        gmsh.model.mesh.setSizeCallback(lambda dim, tag, x, y, z, lc: min(h * math.hypot(x, y), 0.2 * B))
        for option in ("Mesh.MeshSizeFromPoints", "Mesh.MeshSizeExtendFromBoundary",
                       "Mesh.MeshSizeFromCurvature"):
            gmsh.option.setNumber(option, 0)

    return bmesh.from_model(build, MPI.COMM_WORLD, 2)


def spaces(md):
    V = fem.functionspace(md.mesh, ("Lagrange", 2, (2,)))
    Q = fem.functionspace(md.mesh, ("Lagrange", 1))
    bcs = [fem.dirichletbc(PETSc.ScalarType(0.0), fem.locate_dofs_topological(V.sub(i), 1, md.facets(name)),
                           V.sub(i)) for i, name in ((0, "sym_x"), (1, "sym_y"))]
    return V, Q, bcs


def closure_rate(md, v_scaled) -> float:
    n = ufl.FacetNormal(md.mesh)
    value = fem.assemble_scalar(fem.form(ufl.inner(v_scaled, n) * md.ds("hole")))
    return -RATE * md.comm.allreduce(value, op=MPI.SUM) / (math.pi * A / 2)


class Battchem:
    """The set-up of void_growth creep_contact's creep solve."""

    def __init__(self, md):
        V, Q, bcs = spaces(md)
        msh = md.mesh
        cs = CoordinateSystem(msh, "plane_strain")
        self.v, self.p = fem.Function(V), fem.Function(Q)
        w, q = ufl.TestFunction(V), ufl.TestFunction(Q)
        c = {k: fem.Constant(msh, PETSc.ScalarType(x)) for k, x in
             {"U": RATE, "sigma0": SIGMA0, "rate": RATE, "n": N, "delta": DELTA}.items()}
        v, p = c["U"] * self.v, c["sigma0"] * self.p
        mu = creep.norton_viscosity(cs.strain(v), c["rate"], c["sigma0"], c["n"], c["delta"])
        F_v, F_p = creep.creep_flow_residual(v, p, w, q, cs, creep.measure(msh), mu)
        F_v -= creep.traction_work(-P * ufl.FacetNormal(msh), w, cs, md.ds("outer"))
        F_v, F_p = (1.0 / c["sigma0"]) * F_v, (1.0 / c["U"]) * F_p
        self.solver = BlockSolver([("v", self.v, F_v), ("p", self.p, F_p)], bcs, prefix="bench_creep_",
                                  options={**DIRECT, "snes_linesearch_type": "basic", "snes_rtol": 1e-10,
                                           "snes_atol": 1e-30, "snes_stol": 0.0, "snes_max_it": 60})
        self.md = md

    def solve(self) -> tuple[float, int, float]:
        self.v.x.array[:] = 0.0
        self.p.x.array[:] = 0.0
        t0 = time.perf_counter()
        report = self.solver.solve()
        seconds = time.perf_counter() - t0
        assert report.converged, report.reason
        return seconds, report.iterations, closure_rate(self.md, self.v)


class Dolfinx:
    """A hand-written dolfinx 0.9 + petsc4py SNES solve of the same equations."""

    def __init__(self, md):
        V, Q, self.bcs = spaces(md)
        msh = md.mesh
        self.V, self.Q = V, Q
        self.v, self.p = fem.Function(V), fem.Function(Q)
        w, q = ufl.TestFunction(V), ufl.TestFunction(Q)
        dv, dp = ufl.TrialFunction(V), ufl.TrialFunction(Q)
        v, p = RATE * self.v, SIGMA0 * self.p
        eps = ufl.sym(ufl.grad(v))
        D = ufl.as_tensor([[eps[0, 0], eps[0, 1], 0], [eps[1, 0], eps[1, 1], 0], [0, 0, 0]])
        epsw = ufl.sym(ufl.grad(w))
        Dw = ufl.as_tensor([[epsw[0, 0], epsw[0, 1], 0], [epsw[1, 0], epsw[1, 1], 0], [0, 0, 0]])
        rate_e = ufl.sqrt(2.0 / 3.0 * ufl.inner(ufl.dev(D), ufl.dev(D)) + DELTA**2)
        mu = SIGMA0 / (3 * RATE) * (rate_e / RATE) ** (1.0 / N - 1.0)
        dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 4})
        n = ufl.FacetNormal(msh)
        F_v = ((ufl.inner(2 * mu * ufl.dev(D), Dw) - p * ufl.tr(Dw)) / SIGMA0 * dx
               + ufl.inner(P / SIGMA0 * n, w) * md.ds("outer"))
        F_p = -q * ufl.tr(D) / RATE * dx
        self.L = [fem.form(F_v), fem.form(F_p)]
        self.a = [[fem.form(ufl.derivative(F, u, du)) for u, du in ((self.v, dv), (self.p, dp))]
                  for F in (F_v, F_p)]
        self.A = fem_petsc.create_matrix_block(self.a)
        self.b = fem_petsc.create_vector_block(self.L)
        self.x = self.b.duplicate()
        self.maps = [(V.dofmap.index_map, V.dofmap.index_map_bs), (Q.dofmap.index_map, Q.dofmap.index_map_bs)]
        snes = self.snes = PETSc.SNES().create(msh.comm)
        snes.setFunction(self._F, self.b)
        snes.setJacobian(self._J, self.A)
        opts = PETSc.Options()
        for k, val in {**DIRECT, "snes_type": "newtonls", "snes_linesearch_type": "basic", "snes_rtol": 1e-10,
                       "snes_atol": 1e-30, "snes_stol": 0.0, "snes_max_it": 60}.items():
            opts[f"hand_{k}"] = val
        snes.setOptionsPrefix("hand_")
        snes.setFromOptions()
        self.md = md

    def _to_functions(self, x):
        for u, local in zip((self.v, self.p), get_local_vectors(x, self.maps)):
            u.x.array[: len(local)] = local
            u.x.scatter_forward()

    def _F(self, snes, x, b):
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        self._to_functions(x)
        with b.localForm() as b_local:
            b_local.set(0.0)
        fem_petsc.assemble_vector_block(b, self.L, self.a, bcs=self.bcs, x0=x, alpha=-1.0)

    def _J(self, snes, x, A, P):
        A.zeroEntries()
        fem_petsc.assemble_matrix_block(A, self.a, bcs=self.bcs)
        A.assemble()

    def solve(self) -> tuple[float, int, float]:
        self.x.set(0.0)
        t0 = time.perf_counter()
        self.snes.solve(None, self.x)
        seconds = time.perf_counter() - t0
        assert self.snes.getConvergedReason() > 0, self.snes.getConvergedReason()
        self._to_functions(self.x)
        return seconds, self.snes.getIterationNumber(), closure_rate(self.md, self.v)


class Mixed:
    """The same equations on one Taylor–Hood mixed space, hand-written: one form, one Jacobian kernel."""

    def __init__(self, md):
        import basix.ufl

        msh = md.mesh
        cell = msh.basix_cell()
        W = fem.functionspace(msh, basix.ufl.mixed_element([basix.ufl.element("Lagrange", cell, 2, shape=(2,)),
                                                            basix.ufl.element("Lagrange", cell, 1)]))
        self.u = fem.Function(W)
        v_s, p_s = ufl.split(self.u)
        w, q = ufl.TestFunctions(W)
        v, p = RATE * v_s, SIGMA0 * p_s
        eps = ufl.sym(ufl.grad(v))
        D = ufl.as_tensor([[eps[0, 0], eps[0, 1], 0], [eps[1, 0], eps[1, 1], 0], [0, 0, 0]])
        epsw = ufl.sym(ufl.grad(w))
        Dw = ufl.as_tensor([[epsw[0, 0], epsw[0, 1], 0], [epsw[1, 0], epsw[1, 1], 0], [0, 0, 0]])
        rate_e = ufl.sqrt(2.0 / 3.0 * ufl.inner(ufl.dev(D), ufl.dev(D)) + DELTA**2)
        mu = SIGMA0 / (3 * RATE) * (rate_e / RATE) ** (1.0 / N - 1.0)
        dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 4})
        n = ufl.FacetNormal(msh)
        F = ((ufl.inner(2 * mu * ufl.dev(D), Dw) - p * ufl.tr(Dw)) / SIGMA0 * dx
             + ufl.inner(P / SIGMA0 * n, w) * md.ds("outer") - q * ufl.tr(D) / RATE * dx)
        self.L = fem.form(F)
        self.a = fem.form(ufl.derivative(F, self.u, ufl.TrialFunction(W)))
        self.bcs = []
        for i, name in ((0, "sym_x"), (1, "sym_y")):
            Wi = W.sub(0).sub(i)
            dofs = fem.locate_dofs_topological(Wi, 1, md.facets(name))
            self.bcs.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Wi))
        self.A = fem_petsc.create_matrix(self.a)
        self.b = fem_petsc.create_vector(self.L)
        self.x = self.b.duplicate()
        snes = self.snes = PETSc.SNES().create(msh.comm)
        snes.setFunction(self._F, self.b)
        snes.setJacobian(self._J, self.A)
        opts = PETSc.Options()
        for k, val in {**DIRECT, "snes_type": "newtonls", "snes_linesearch_type": "basic", "snes_rtol": 1e-10,
                       "snes_atol": 1e-30, "snes_stol": 0.0, "snes_max_it": 60}.items():
            opts[f"mixed_{k}"] = val
        snes.setOptionsPrefix("mixed_")
        snes.setFromOptions()
        self.md = md

    def _F(self, snes, x, b):
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        with b.localForm() as b_local:
            b_local.set(0.0)
        fem_petsc.assemble_vector(b, self.L)
        fem_petsc.apply_lifting(b, [self.a], bcs=[self.bcs], x0=[x], alpha=-1.0)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b, self.bcs, x, -1.0)

    def _J(self, snes, x, A, P):
        A.zeroEntries()
        fem_petsc.assemble_matrix(A, self.a, bcs=self.bcs)
        A.assemble()

    def solve(self) -> tuple[float, int, float]:
        self.x.set(0.0)
        t0 = time.perf_counter()
        self.snes.solve(None, self.x)
        seconds = time.perf_counter() - t0
        assert self.snes.getConvergedReason() > 0, self.snes.getConvergedReason()
        self.x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        return seconds, self.snes.getIterationNumber(), closure_rate(self.md, self.u.sub(0))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    sizes = (0.2,) if a.quick else (0.1, 0.05, 0.025)
    lines = [f"creep solve: battchem vs hand-written dolfinx ({time.strftime('%Y-%m-%d %H:%M')}, load "
             f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {MPI.COMM_WORLD.size} rank(s))",
             f"{'h/r':>6} {'unknowns':>9} {'battchem [s]':>13} {'its':>4} {'dolfinx [s]':>12} {'its':>4} "
             f"{'ratio':>6} {'closure rates differ':>21} {'mixed [s]':>10} {'its':>4} {'ratio':>6}"]
    for h in sizes:
        md = annulus(h)
        codes = {"battchem": Battchem(md), "dolfinx": Dolfinx(md), "mixed": Mixed(md)}
        for code in codes.values():  # first solves: JIT, symbolic factorisation
            code.solve()
        best = {k: (math.inf, 0, 0.0) for k in codes}
        for _ in range(a.repeat):
            for k, code in codes.items():
                result = code.solve()
                if result[0] < best[k][0]:
                    best[k] = result
        V, Q = codes["dolfinx"].V, codes["dolfinx"].Q
        unknowns = V.dofmap.index_map.size_global * 2 + Q.dofmap.index_map.size_global
        (tb, ib, rb), (td, id_, rd), (tm, im, rm) = best["battchem"], best["dolfinx"], best["mixed"]
        assert abs(rm / rd - 1) < 1e-8, (rm, rd)
        lines.append(f"{h:6.3g} {unknowns:9d} {tb:13.3f} {ib:4d} {td:12.3f} {id_:4d} {tb / td:6.2f} "
                     f"{abs(rb / rd - 1):21.1e} {tm:10.3f} {im:4d} {tb / tm:6.2f}")
        if MPI.COMM_WORLD.rank == 0:
            print(lines[-1], flush=True)
    text = "\n".join(lines)
    if MPI.COMM_WORLD.rank == 0:
        print(text)
        if not a.quick:
            (HERE / "results").mkdir(exist_ok=True)
            (HERE / "results" / "creep_baseline.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
