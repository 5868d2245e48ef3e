"""Hand-written minimal dolfinx 0.9 script of battchem's 3-D particle problem (one-way coupling).

The reference that ``compare_baseline.py`` times battchem against: what a competent dolfinx user
would write for the same physics, with nothing of battchem but its mesh builder (so that both
solve on the identical mesh):

    (c − c_old)/Δt − ∇·(D ∇c) = 0         in the particle octant, c(0) = soc0 · c_max
    −D ∇c · n = j_out                      on the sphere surface (galvanostatic, C-rate)
    ∇·σ = 0,  σ = C : (ε(u) − Ω/3 (c − c_ref) I),  σ·n = 0 on the surface, u·n = 0 on the planes

Backward Euler, one transport solve then one elasticity solve per step. Matrices, vectors and
KSPs are built once; the transport matrix is reassembled only when Δt changes, the elasticity
matrix (and its AMG hierarchy) never. Each solve computes the correction to the previous step's
solution from a zero guess, as battchem's SNES (``ksponly``) does, so ``ksp_rtol`` means the same
thing in both (relative to the initial residual).

``--post outputs`` also does, per step, the post-processing battchem does for its series.csv:
L2 projections of σ_h, hoop, radial, von Mises and max-principal stress onto the concentration
space (CG + Jacobi on one mass matrix) and the scalar quantities (extrema, surface means, energy).
``--post none`` solves the two PDEs only. No file I/O in either.

Run:  python3 benchmarks/baseline_particle.py --mesh-size 0.05 --refine 1 --degree 1 --steps 10
      mpirun -n 2 python3 benchmarks/baseline_particle.py ... --json .scratch/bench/b.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import ufl
from dolfinx import fem, la
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

# LiMn2O4 (Zhang, Shyy & Sastry 2007), as battchem's material set LiMn2O4_Zhang2007
E, NU, OMEGA, D, C_MAX, RADIUS = 10e9, 0.3, 3.497e-6, 7.08e-15, 2.29e4, 5e-6
LMBDA, MU = E * NU / ((1 + NU) * (1 - 2 * NU)), E / (2 * (1 + NU))


def solver_options(block: str, n_global: int, choice: str, direct_max: int = 60000,
                   rtol: float = 1e-9) -> dict:
    """PETSc options per block: battchem's defaults (checked equal by compare_baseline.py)."""
    if block == "mass":
        return {"ksp_type": "cg", "pc_type": "jacobi", "ksp_rtol": min(rtol, 1e-10), "ksp_atol": 1e-30,
                "ksp_max_it": 500}
    if choice == "direct" or (choice == "auto" and n_global <= direct_max):
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps",
                "mat_mumps_icntl_14": 200}
    common = {"ksp_rtol": rtol, "ksp_atol": 1e-30, "ksp_max_it": 1000}
    if block == "elasticity":
        return {"ksp_type": "cg", "pc_type": "gamg", "pc_gamg_coarse_eq_limit": 1000,
                "mg_levels_ksp_type": "chebyshev", "mg_levels_pc_type": "jacobi",
                "mg_levels_ksp_max_it": 2, **common}
    return {"ksp_type": "cg", "pc_type": "hypre", "pc_hypre_type": "boomeramg", **common}


def make_ksp(comm, A, prefix: str, options: dict) -> PETSc.KSP:
    opts = PETSc.Options()
    for k, v in options.items():
        opts[f"{prefix}{k}"] = v
    ksp = PETSc.KSP().create(comm)
    ksp.setOptionsPrefix(prefix)
    ksp.setOperators(A)
    ksp.setFromOptions()
    return ksp


def near_nullspace(V) -> PETSc.NullSpace:
    """The six rigid-body modes of a 3-D vector space, orthonormalised (for GAMG)."""
    imap, n = V.dofmap.index_map, V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n]
    modes = [la.vector(imap, bs=3, dtype=PETSc.ScalarType) for _ in range(6)]
    for k, m in enumerate(modes):
        a = m.array.reshape(-1, 3)
        a[:] = 0.0
        if k < 3:
            a[:n, k] = 1.0
        else:  # rotations about z, y, x
            i, j = [(0, 1), (2, 0), (1, 2)][k - 3]
            a[:n, i], a[:n, j] = -x[:, j], x[:, i]
    la.orthonormalize(modes)
    return PETSc.NullSpace().create(vectors=[m.petsc_vec.copy() for m in modes], comm=V.mesh.comm)


def solve_increment(ksp, A, b, f, r, d):
    """f += A⁻¹(b − A f), the correction solved from a zero guess.

    This is what a Newton step (and battchem's SNES ``ksponly``) does, and it makes ``ksp_rtol``
    relative to the initial residual; a plain solve of A f = b from a nonzero guess would be
    tested against ‖b‖ by PETSc's default test, a looser tolerance (fewer iterations).
    """
    A.mult(f.x.petsc_vec, r)
    r.aypx(-1.0, b)  # r = b − A f
    ksp.solve(r, d)
    f.x.petsc_vec.axpy(1.0, d)
    f.x.scatter_forward()


def rss_mb(comm) -> list[float]:
    return comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mesh-size", type=float, default=0.05, help="final element size / R")
    p.add_argument("--refine", type=int, default=1, help="parallel uniform refinements after gmsh")
    p.add_argument("--degree", type=int, default=1, choices=(1, 2))
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--dt", type=float, default=5.0, help="time step [s]")
    p.add_argument("--c-rate", type=float, default=2.0, help="extraction C-rate")
    p.add_argument("--soc0", type=float, default=1.0, help="initial state of charge")
    p.add_argument("--solver", default="iterative", choices=("auto", "iterative", "direct"))
    p.add_argument("--post", default="outputs", choices=("none", "outputs"))
    p.add_argument("--json", default=None, help="write the timings here (rank 0)")
    a = p.parse_args(argv)
    comm = MPI.COMM_WORLD
    t_start = time.perf_counter()

    # mesh: the same .geo, the same parameters, the same parallel refinement as battchem -------
    from battchem import mesh as bmesh

    md = bmesh.from_geo("sphere", {"R": 1.0, "h": a.mesh_size * 2**a.refine, "octant": 1}, comm, 3,
                        scale=RADIUS, refine=a.refine, snap={"surface": bmesh.onto_sphere(RADIUS)})
    msh = md.mesh
    t_mesh = time.perf_counter() - t_start

    # spaces, forms, matrices, solvers ----------------------------------------------------------
    t0 = time.perf_counter()
    fdim = 2
    ft, names = md.facet_tags, md.facet_names
    ds = ufl.Measure("ds", domain=msh, subdomain_data=ft)
    ds_surf = ds(names["surface"])
    dx = ufl.Measure("dx", domain=msh)
    Vc = fem.functionspace(msh, ("Lagrange", a.degree))
    Vu = fem.functionspace(msh, ("Lagrange", a.degree, (3,)))
    n_c = Vc.dofmap.index_map.size_global
    n_u = 3 * Vu.dofmap.index_map.size_global

    c0 = a.soc0 * C_MAX
    c, c_old, u = fem.Function(Vc), fem.Function(Vc), fem.Function(Vu)
    c.x.array[:] = c0
    c_old.x.array[:] = c0
    dt = fem.Constant(msh, PETSc.ScalarType(a.dt))
    j_out = fem.Constant(msh, PETSc.ScalarType(C_MAX * RADIUS / 3 * a.c_rate / 3600.0))  # mol/(m² s)

    # transport
    ct, q = ufl.TrialFunction(Vc), ufl.TestFunction(Vc)
    a_c = fem.form(ct * q / dt * dx + D * ufl.inner(ufl.grad(ct), ufl.grad(q)) * dx)
    L_c = fem.form(c_old * q / dt * dx - j_out * q * ds_surf)
    A_c = fem_petsc.create_matrix(a_c)
    b_c = fem_petsc.create_vector(L_c)
    ksp_c = make_ksp(comm, A_c, "bl_c_", solver_options("diffusion", n_c, a.solver))
    r_c, d_c = A_c.createVecLeft(), A_c.createVecRight()
    dt_assembled = None

    # elasticity with the chemical eigenstrain as a load
    I3 = ufl.Identity(3)

    def sigma(eps):
        return LMBDA * ufl.tr(eps) * I3 + 2 * MU * eps

    def eps(w):
        return ufl.sym(ufl.grad(w))

    ut, v = ufl.TrialFunction(Vu), ufl.TestFunction(Vu)
    eps_chem = OMEGA / 3 * (c - c0) * I3
    a_u = fem.form(ufl.inner(sigma(eps(ut)), eps(v)) * dx)
    L_u = fem.form(ufl.inner(sigma(eps_chem), eps(v)) * dx)
    bcs = []
    for i, plane in enumerate(("symmetry_x", "symmetry_y", "symmetry_z")):
        dofs = fem.locate_dofs_topological(Vu.sub(i), fdim, md.facets(plane))
        bcs.append(fem.dirichletbc(PETSc.ScalarType(0.0), dofs, Vu.sub(i)))
    A_u = fem_petsc.assemble_matrix(a_u, bcs=bcs)
    A_u.assemble()
    opts_u = solver_options("elasticity", n_u, a.solver)
    if opts_u["pc_type"] == "gamg":
        A_u.setNearNullSpace(near_nullspace(Vu))
    b_u = fem_petsc.create_vector(L_u)
    ksp_u = make_ksp(comm, A_u, "bl_u_", opts_u)
    r_u, d_u = A_u.createVecLeft(), A_u.createVecRight()
    ksp_u.setUp()  # AMG hierarchy (or factorisation) once

    # post-processing: the stresses battchem projects and the scalars it reports
    stress = sigma(eps(u) - eps_chem)
    x = ufl.SpatialCoordinate(msh)
    er = x / ufl.sqrt(ufl.dot(x, x))
    s_rr = ufl.dot(er, ufl.dot(stress, er))
    dev = ufl.dev(stress)
    J2, J3 = 0.5 * ufl.inner(dev, dev), ufl.det(dev)
    cos3 = ufl.max_value(-1 + 1e-12, ufl.min_value(1 - 1e-12, 1.5 * np.sqrt(3.0) * J3 / (J2 + 1e-30) ** 1.5))
    targets = {
        "sigma_h": ufl.tr(stress) / 3,
        "hoop": (ufl.tr(stress) - s_rr) / 2,
        "radial": s_rr,
        "von_mises": ufl.sqrt(1.5 * ufl.inner(dev, dev)),
        "sigma1": ufl.tr(stress) / 3 + 2 * ufl.sqrt(J2 / 3) * ufl.cos(ufl.acos(cos3) / 3),
    }
    post = a.post == "outputs"
    if post:
        qdeg = 2 * a.degree
        dxq = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": qdeg})
        dsq = ds_surf(metadata={"quadrature_degree": qdeg})
        M = fem_petsc.assemble_matrix(fem.form(ufl.TrialFunction(Vc) * q * dxq))
        M.assemble()
        ksp_m = make_ksp(comm, M, "bl_m_", solver_options("mass", n_c, a.solver))
        fields = {k: fem.Function(Vc) for k in targets}
        rhs = {k: fem.form(e * q * dxq) for k, e in targets.items()}
        b_m = fem_petsc.create_vector(rhs["sigma_h"])
        surface_dofs = fem.locate_dofs_topological(Vc, fdim, md.facets("surface"))
        scalars = {"c": fem.form(c * dx), "c_surface": fem.form(c * ds_surf),
                   "hoop_surface": fem.form(targets["hoop"] * dsq),
                   "energy": fem.form((0.5 * LMBDA * ufl.tr(eps(u) - eps_chem) ** 2
                                       + MU * ufl.inner(eps(u) - eps_chem, eps(u) - eps_chem)) * dxq)}
        one = fem.Constant(msh, PETSc.ScalarType(1.0))
        volume = comm.allreduce(fem.assemble_scalar(fem.form(one * dx)), op=MPI.SUM)
        area = comm.allreduce(fem.assemble_scalar(fem.form(one * ds_surf)), op=MPI.SUM)
        n_own = Vc.dofmap.index_map.size_local
        own_surface = surface_dofs[surface_dofs < n_own]

    def extrema(arr):
        lo = float(arr.min()) if arr.size else np.inf
        hi = float(arr.max()) if arr.size else -np.inf
        return comm.allreduce(lo, op=MPI.MIN), comm.allreduce(hi, op=MPI.MAX)

    def postprocess():
        for k, f in fields.items():
            with b_m.localForm() as bl:
                bl.set(0.0)
            fem_petsc.assemble_vector(b_m, rhs[k])
            b_m.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            ksp_m.solve(b_m, f.x.petsc_vec)
            f.x.scatter_forward()
        out = {k: comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM) for k, form in scalars.items()}
        out["c_mean"] = out.pop("c") / volume
        out["c_surface_mean"] = out.pop("c_surface") / area
        out["hoop_surface_mean"] = out.pop("hoop_surface") / area
        out["c_min"], out["c_max"] = extrema(c.x.array[:n_own])
        out["sigma_h_min"], out["sigma_h_max"] = extrema(fields["sigma_h"].x.array[:n_own])
        out["hoop_surface_max"] = extrema(fields["hoop"].x.array[own_surface])[1]
        out["sigma1_max"] = extrema(fields["sigma1"].x.array[:n_own])[1]
        out["von_mises_max"] = extrema(fields["von_mises"].x.array[:n_own])[1]
        return out

    if post:  # the state at t = 0 (u = 0: c = c_ref), as battchem's first series row
        postprocess()
    t_setup = time.perf_counter() - t0

    # time loop -------------------------------------------------------------------------------
    step_times, its_c, its_u = [], [], []
    phase = {"transport": 0.0, "mechanics": 0.0, "post": 0.0}
    solve_times = {"transport": [], "mechanics": []}  # per step
    qoi = {}
    for _ in range(a.steps):
        ts = time.perf_counter()
        if dt_assembled != float(dt.value):  # the transport operator depends on Δt only
            A_c.zeroEntries()
            fem_petsc.assemble_matrix(A_c, a_c)
            A_c.assemble()
            ksp_c.setOperators(A_c)
            dt_assembled = float(dt.value)
        with b_c.localForm() as bl:
            bl.set(0.0)
        fem_petsc.assemble_vector(b_c, L_c)
        b_c.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        solve_increment(ksp_c, A_c, b_c, c, r_c, d_c)
        its_c.append(ksp_c.getIterationNumber())
        t1 = time.perf_counter()
        phase["transport"] += t1 - ts
        solve_times["transport"].append(t1 - ts)

        with b_u.localForm() as bl:
            bl.set(0.0)
        fem_petsc.assemble_vector(b_u, L_u)
        fem_petsc.apply_lifting(b_u, [a_u], bcs=[bcs])
        b_u.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b_u, bcs)
        solve_increment(ksp_u, A_u, b_u, u, r_u, d_u)
        its_u.append(ksp_u.getIterationNumber())
        assert ksp_c.getConvergedReason() > 0 and ksp_u.getConvergedReason() > 0, "a solve failed"
        t2 = time.perf_counter()
        phase["mechanics"] += t2 - t1
        solve_times["mechanics"].append(t2 - t1)

        if post:
            qoi = postprocess()
        phase["post"] += time.perf_counter() - t2
        c_old.x.array[:] = c.x.array
        step_times.append(time.perf_counter() - ts)

    t_total = time.perf_counter() - t_start
    final = {"c_mean": qoi["c_mean"] if post else mean_value(c),
             "hoop_surface_mean": qoi.get("hoop_surface_mean")}
    rss = rss_mb(comm)
    if comm.rank == 0:
        result = {"code": "baseline", "ranks": comm.size, "degree": a.degree, "n_c": n_c, "n_u": n_u,
                  "cells": md.num_cells_global(), "steps": a.steps, "post": a.post,
                  "mesh": t_mesh, "mesh_timings": md.timings, "setup": t_setup,
                  "step_times": step_times, "total": t_total, "phase": phase, "solve_times": solve_times,
                  "its_transport": its_c, "its_mechanics": its_u, "rss_mb": rss,
                  "options": {"transport": solver_options("diffusion", n_c, a.solver),
                              "mechanics": opts_u},
                  "final": final}
        if a.json:
            with open(a.json, "w") as fh:
                json.dump(result, fh, indent=1)
        steady = np.mean(step_times[1:]) if len(step_times) > 1 else step_times[0]
        print(f"baseline: {n_u} + {n_c} unknowns, {a.steps} steps; mesh {t_mesh:.2f} s, "
              f"setup {t_setup:.2f} s, "
              f"step {steady:.3f} s (steady), total {t_total:.2f} s; its/solve c {np.mean(its_c):.1f}, "
              f"u {np.mean(its_u):.1f}; " + ", ".join(f"{k} {v:.2f} s" for k, v in phase.items()), flush=True)
    return 0


def mean_value(f) -> float:
    """Volume average of a scalar Function (collective; a sanity number for --post none)."""
    msh = f.function_space.mesh
    num = fem.assemble_scalar(fem.form(f * ufl.dx(domain=msh)))
    vol = fem.assemble_scalar(fem.form(fem.Constant(msh, PETSc.ScalarType(1.0)) * ufl.dx(domain=msh)))
    return msh.comm.allreduce(num, op=MPI.SUM) / msh.comm.allreduce(vol, op=MPI.SUM)


if __name__ == "__main__":
    raise SystemExit(main())
