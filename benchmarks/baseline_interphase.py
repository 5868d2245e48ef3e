"""Hand-written dolfinx 0.9 script of one interphase growth–mechanics step, the reference for battchem's
overhead (benchmarks/interphase.py). Plain dolfinx + petsc4py, no battchem solver or physics code:
only the mesh comes from battchem's builder, so that both solve on the identical mesh.

Per step (constant Δt, BDF2 after one BDF1 step, as battchem): (ĉ, ξ) by SNES newtonls (backtracking
line search, MUMPS) from the linear extrapolation of the last two states, then the displacement of the
plane-strain slab with the grown material's isotropic expansion by one MUMPS solve (matrix reassembled:
E(ξ) changes). Same residuals, scaling and options as battchem's interphase problem (no damage, no
creep, no stress feedback, c = c_b held at the Li contact).

    python3 benchmarks/baseline_interphase.py --mesh-size 2e-7 --steps 20 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# the case (the same numbers as benchmarks/interphase.py gives battchem)
L = W = 20e-6
ELL, DELTA0 = 0.5e-6, 1.0e-6
D_INT, C_B, N_LI, V0, EXPANSION = 5e-13, 100.0, 4.15e4, 1e-7, 0.38
E_SE, NU_SE, E_INT, NU_INT = 90.2e9, 0.25, 30e9, 0.3
DT = 2.0


def mesh(mesh_size: float, comm):
    from types import SimpleNamespace

    from battchem.problems.interphase.geometry import build

    g = SimpleNamespace(kind="slab_2d", thickness=L, width=W, contact=W, mesh_size=mesh_size,
                        coarse_mesh_size=None, band=L, lithium="boundary", lithium_thickness=0.0)
    return build(g, comm)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--mesh-size", type=float, default=2e-7)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    comm = MPI.COMM_WORLD
    md = mesh(a.mesh_size, comm)
    msh = md.mesh
    P1 = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
    Wsp = fem.functionspace(msh, basix.ufl.mixed_element([P1, P1]))
    w, w_n, w_nm1 = fem.Function(Wsp), fem.Function(Wsp), fem.Function(Wsp)
    dt = fem.Constant(msh, DT)
    a0, a1, a2 = (fem.Constant(msh, v) for v in (1.0, 1.0, 0.0))
    rates = (a0 * w - a1 * w_n - a2 * w_nm1) / dt
    c_hat, xi = ufl.split(w)
    q_c, q_xi = ufl.TestFunctions(Wsp)
    c_s = C_B
    c = c_s * c_hat
    h = ufl.min_value(ufl.max_value(xi, 0.0), 1.0)
    R0 = 2 * V0 / ELL
    chi = ufl.min_value(c / (4 * c_s), 0.45)
    dx4 = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 4})  # as battchem
    F_c = ((c_s * rates[0] + N_LI * rates[1]) * q_c
           + D_INT * h * ufl.inner(ufl.grad(c), ufl.grad(q_c))) * dx4
    F_xi = (rates[1] * q_xi / R0 + ELL**2 * ufl.inner(ufl.grad(xi), ufl.grad(q_xi))
            - 2 * xi * (1 - xi) * (xi - 0.5 + chi) * q_xi) * dx4
    n_nodes = Wsp.dofmap.index_map.size_global
    area = comm.allreduce(fem.assemble_scalar(fem.form(1.0 * ufl.dx(domain=msh))), op=MPI.SUM)
    node_volume = area / n_nodes
    F = (1.0 / node_volume) * ((dt / N_LI) * F_c + (dt * R0) * F_xi)
    J = ufl.derivative(F, w)
    V0s, _ = Wsp.sub(0).collapse()
    li = fem.locate_dofs_topological((Wsp.sub(0), V0s), 1, md.facets("li"))
    bcs = [fem.dirichletbc(fem.Constant(msh, 1.0), li[0], Wsp.sub(0))]
    L_form, a_form = fem.form(F), fem.form(J)
    A = fem_petsc.create_matrix(a_form)
    b = fem_petsc.create_vector(L_form)

    def residual(snes, xv, bv):
        xv.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        xv.copy(w.x.petsc_vec)
        w.x.scatter_forward()
        with bv.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(bv, L_form)
        fem_petsc.apply_lifting(bv, [a_form], bcs=[bcs], x0=[xv], alpha=-1.0)
        bv.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(bv, bcs, xv, -1.0)

    def jacobian(snes, xv, Am, Pm):
        Am.zeroEntries()
        fem_petsc.assemble_matrix(Am, a_form, bcs=bcs)
        Am.assemble()

    snes = PETSc.SNES().create(comm)
    snes.setOptionsPrefix("base_growth_")
    opts = PETSc.Options()
    for k, v in {"snes_type": "newtonls", "snes_linesearch_type": "bt", "snes_rtol": 1e-9, "snes_atol": 1e-10,
                 "snes_stol": 0.0, "snes_max_it": 25, "ksp_type": "preonly", "pc_type": "lu",
                 "pc_factor_mat_solver_type": "mumps", "mat_mumps_icntl_14": 200}.items():
        opts[f"base_growth_{k}"] = v
    snes.setFunction(residual, b)
    snes.setJacobian(jacobian, A, A)
    snes.setFromOptions()
    xvec = w.x.petsc_vec.copy()

    # initial state: the native layer, c = c_b ξ0
    def front(s):
        return 0.5 * (1 - np.tanh(0.5 * s / ELL))

    w.sub(1).interpolate(lambda p: front(p[1] - DELTA0))
    w.sub(0).interpolate(lambda p: front(p[1] - DELTA0))
    w.x.scatter_forward()
    w_n.x.array[:] = w.x.array
    w_nm1.x.array[:] = w.x.array
    xi0 = fem.Function(fem.functionspace(msh, ("Lagrange", 1)))
    xi0.interpolate(w.sub(1))

    # mechanics: plane strain, σ = C(ξ):(ε(u) − ε*), ε* = ((1 + ε_v)^(1/3) − 1)(h − h0) I
    Vu = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    u, v = fem.Function(Vu), ufl.TestFunction(Vu)
    uu = ufl.TrialFunction(Vu)
    E = E_SE + (E_INT - E_SE) * h
    nu = NU_SE + (NU_INT - NU_SE) * h
    lmbda, mu = E * nu / ((1 + nu) * (1 - 2 * nu)), E / (2 * (1 + nu))
    h0 = ufl.min_value(ufl.max_value(xi0, 0.0), 1.0)
    eig = ((1 + EXPANSION) ** (1 / 3) - 1) * (h - h0) * ufl.Identity(3)

    def strain(f):
        e = ufl.sym(ufl.grad(f))
        return ufl.as_tensor([[e[0, 0], e[0, 1], 0], [e[1, 0], e[1, 1], 0], [0, 0, 0]])

    def stress(eps):
        return lmbda * ufl.tr(eps) * ufl.Identity(3) + 2 * mu * eps

    dxq = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": 2})
    a_u = fem.form(ufl.inner(stress(strain(uu)), strain(v)) * dxq)
    L_u = fem.form(ufl.inner(stress(eig), strain(v)) * dxq)
    bcs_u = []
    for comp, name in ((1, "counter"), (0, "axis"), (0, "side")):
        dofs = fem.locate_dofs_topological(Vu.sub(comp), 1, md.facets(name))
        bcs_u.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Vu.sub(comp)))
    A_u = fem_petsc.create_matrix(a_u)
    b_u = fem_petsc.create_vector(L_u)
    ksp = PETSc.KSP().create(comm)
    ksp.setOptionsPrefix("base_mech_")
    for k, val in {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps",
                   "mat_mumps_icntl_14": 200}.items():
        opts[f"base_mech_{k}"] = val
    ksp.setOperators(A_u)
    ksp.setFromOptions()

    times, newton = [], []
    steps_done, dt_prev = 0, DT
    for _ in range(a.steps):
        t0 = time.perf_counter()
        if steps_done == 0:
            coeffs = (1.0, 1.0, 0.0)
        else:
            om = DT / dt_prev
            coeffs = ((1 + 2 * om) / (1 + om), 1 + om, -om * om / (1 + om))
            w.x.array[:] = (1 + om) * w_n.x.array - om * w_nm1.x.array  # predictor
        for const, val in zip((a0, a1, a2), coeffs, strict=True):
            const.value = val
        w.x.petsc_vec.copy(xvec)
        snes.solve(None, xvec)
        assert snes.getConvergedReason() > 0, snes.getConvergedReason()
        xvec.copy(w.x.petsc_vec)
        w.x.scatter_forward()
        A_u.zeroEntries()
        fem_petsc.assemble_matrix(A_u, a_u, bcs=bcs_u)
        A_u.assemble()
        with b_u.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(b_u, L_u)
        fem_petsc.apply_lifting(b_u, [a_u], bcs=[bcs_u])
        b_u.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b_u, bcs_u)
        ksp.solve(b_u, u.x.petsc_vec)
        u.x.scatter_forward()
        w_nm1.x.array[:] = w_n.x.array
        w_n.x.array[:] = w.x.array
        dt_prev, steps_done = DT, steps_done + 1
        times.append(time.perf_counter() - t0)
        newton.append(snes.getIterationNumber())
    delta = comm.allreduce(fem.assemble_scalar(fem.form(xi * ufl.dx)), op=MPI.SUM) / W
    out = {"step_times": times, "newton": newton, "thickness": delta,
           "dofs": {"growth": 2 * n_nodes, "u": Vu.dofmap.index_map.size_global * 2}}
    if comm.rank == 0 and a.json:
        Path(a.json).write_text(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
