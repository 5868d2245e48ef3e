"""Hand-written minimal dolfinx 0.9 script of battchem's plating phase-field model (2-D or 3-D,
no mechanics, voltage control).

The reference that ``plating_compare.py`` times battchem against: what a competent dolfinx user
would write for the same physics, with nothing of battchem but its mesh builder (so that both solve
on the identical mesh). Chen et al. (2015) form with the Hong & Viswanathan (2018) set, in the
nondimensional units of that set (lengths in l0 = 1 µm, times in t0 = 1 s, potentials in RT/F,
concentrations in c0, energies in RT c_s), with Hong & Viswanathan's Li balance (ions in the
electrolyte fraction, the metal's sites filled to Θ) and the unknown w = ln c̃ (c̃ > 0):

    ∂ξ/∂t + L_σ [g′(ξ) − κ ∇²ξ] + L_η h′(ξ) [e^{(1−α)nφ} − c̃ e^{−αnφ}] = 0
    ∂/∂t [(1 − h) c̃ + r h Θ] − ∇·[D(ξ) (∇c̃ + n c̃ ∇φ)] = 0,   D = D_s h + D_l (1 − h)
    [−∇·(σ(ξ) ∇φ) + n r ∂(h Θ)/∂t] / σ_max = 0,              σ = σ_s h + σ_l (1 − h)

c̃ = e^w, Θ = c̃/(c̃ + K), K = e^{es}(1 + e^{−el}), h = x³(6x² − 15x + 10) of x = ξ clamped to
[0, 1], h′ = 30 ξ²(1 − ξ)², g = W ξ²(1 − ξ)², r = c_s/c0, the exponentials continued linearly
above an exponent of 30 (as battchem's guard); the rates are backward differences of the whole
contents (1 − h) c̃ + r h Θ and h Θ; the charge balance divided by σ_max = σ_s as battchem does.
ξ = 1, φ = V on the electrode (x = 0), ξ = 0, w = 0, φ = 0 on the electrolyte boundary (x = L),
natural conditions on the sides. Backward Euler, one Newton solve per step of the three P1
fields: PETSc SNES ``newtonls`` with a ``bt`` line search, the Jacobian from ``ufl.derivative``
assembled at every Newton iteration, and battchem's Newton settings (checked equal by
plating_compare.py): the per-field scaled convergence test (max_i ‖F_i‖/s_i against rtol times its
first value, s_i the residual of a unit rate of field i); MUMPS LU or GMRES (to 1e-6: inexact
Newton) on a multiplicative field split with one GAMG V-cycle per field. The start solves
∇·(σ(ξ)∇φ) = 0 for φ. Two layouts of the same algebra:

  --layout block   one P1 space per field, the Jacobian blocks ∂F_i/∂u_j as eight forms assembled
                   into one monolithic matrix (``assemble_matrix_block``): battchem's layout;
  --layout mixed   one mixed P1 × P1 × P1 space, one residual and one Jacobian form (one kernel per
                   cell for the nine blocks), the splits from the sub-spaces' dofs: what the
                   script of dolfinx issue #4229 does.

Initial state: a planar front at x = front with a hemispherical bump of radius R in the middle,
ξ = max of the equilibrium profiles ½(1 − tanh(s/2δ)), δ = √(κ/2W); w = 0 (c̃ = 1).

``--post outputs`` also computes per step the quantities battchem reports (Faradaic and ohmic
current from the residuals tested with 1 on the electrolyte boundary, deposited Li, empty metal
sites, Li balance, tip height, interface length, lowest c̃); ``--post none`` solves only. No file
I/O in either.

Run:  python3 benchmarks/baseline_plating.py --mesh-size 2.5e-7 --steps 4 --solver iterative
      mpirun -n 2 python3 benchmarks/baseline_plating.py ... --json .scratch/bench/b.json
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import ufl
from dolfinx import fem
from dolfinx.cpp.la.petsc import scatter_local_vectors
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc
from plating_case import EVENTS, arguments, events

# Hong & Viswanathan 2018 (dolfinx issue #4229), normalised: µm, s, energies in RT
HONG = {"L": 6.25, "kappa": 0.3, "Ls": 0.001, "alpha": 0.5, "AA": 38.69, "W": 2.4, "M0": 317.9, "S1": 1e6,
        "S2": 1.19, "ft2": 0.0074, "es": -13.8, "el": 2.631}
FARADAY = 96485.33212
L0, T0, C0 = 1e-6, 1.0, 1e3  # length, time, bulk Li⁺ concentration (mol/m³; battchem's assumed 1 M)
N_E = 1.0  # electrons per Li
A_MAX = 30.0  # exponent beyond which the Butler-Volmer exponentials continue linearly
QUADRATURE = 4  # of every cell integral, as battchem's component


def groups() -> dict[str, float]:
    """The nondimensional numbers: the set's own, plus σ in units of F c0 l0²/(V_T t0) (V_T = 1/AA,
    the thermal voltage) and the site ratio r = c_s/c0 with c_s = ft2 t0/(n F l0²)."""
    vt = 1.0 / HONG["AA"]
    sigma_unit = FARADAY * C0 * L0**2 / (vt * T0)
    c_s = HONG["ft2"] * T0 / (N_E * FARADAY * L0**2)
    return {"L_sigma": HONG["L"], "W": HONG["W"], "kappa": HONG["kappa"], "L_eta": HONG["Ls"],
            "alpha": HONG["alpha"], "D_s": 0.0, "D_l": HONG["M0"], "sigma_s": HONG["S1"] / sigma_unit,
            "sigma_l": HONG["S2"] / sigma_unit, "r": c_s / C0, "vt": vt,
            "K": float(np.exp(HONG["es"]) * (1 + np.exp(-HONG["el"])))}


def solver_options(solver: str, fields) -> dict[str, object]:
    """The PETSc options of the coupled solve (battchem's defaults; checked equal by plating_compare):
    MUMPS LU, or GMRES to 1e-6 on a multiplicative field split with one GAMG V-cycle per field."""
    if solver == "direct":
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps",
                "mat_mumps_icntl_14": 200}
    opts = {"ksp_type": "gmres", "ksp_gmres_restart": 200, "ksp_rtol": 1e-6, "ksp_atol": 1e-30,
            "ksp_max_it": 2000, "pc_type": "fieldsplit", "pc_fieldsplit_type": "multiplicative"}
    for name in fields:
        opts.update({f"fieldsplit_{name}_ksp_type": "preonly", f"fieldsplit_{name}_pc_type": "gamg"})
    return opts


def h(xi):
    """h = x³(6x² − 15x + 10), x = ξ clamped to [0, 1]."""
    x = ufl.max_value(ufl.min_value(xi, 1.0), 0.0)
    return x**3 * (6 * x**2 - 15 * x + 10)


def contents(xi, w, g: dict):
    """(Li per volume (1 − h) c̃ + r h Θ, metal h Θ) at ξ and w = ln c̃."""
    c = ufl.exp(w)
    metal = h(xi) * c / (c + g["K"])
    return (1 - h(xi)) * c + g["r"] * metal, metal


def guarded_exp(z):
    """e^z, continued linearly above z = A_MAX."""
    return ufl.conditional(ufl.le(z, A_MAX), ufl.exp(ufl.min_value(z, A_MAX)),
                           np.exp(A_MAX) * (1 + z - A_MAX))


def residuals(u, u_n, q, g: dict, dt, dx) -> list:
    """[F_ξ, F_w, F_φ] of the module docstring's equations (Backward Euler), tested with q."""
    (xi, w, phi), (xi_n, w_n), (q_xi, q_c, q_phi) = u, u_n, q
    c = ufl.exp(w)
    (li, metal), (li_n, metal_n) = contents(xi, w, g), contents(xi_n, w_n, g)
    xi_t, li_t, metal_t = (xi - xi_n) / dt, (li - li_n) / dt, (metal - metal_n) / dt
    alpha = g["alpha"]
    bracket = guarded_exp((1 - alpha) * N_E * phi) - c * guarded_exp(-alpha * N_E * phi)
    dg = 2 * g["W"] * xi * (1 - xi) * (1 - 2 * xi)
    dh = 30 * xi**2 * (1 - xi) ** 2
    D = g["D_s"] * h(xi) + g["D_l"] * (1 - h(xi))
    sigma = g["sigma_s"] * h(xi) + g["sigma_l"] * (1 - h(xi))
    F_xi = ((xi_t + g["L_sigma"] * dg + g["L_eta"] * dh * bracket) * q_xi
            + g["L_sigma"] * g["kappa"] * ufl.inner(ufl.grad(xi), ufl.grad(q_xi))) * dx
    flux = -D * (ufl.grad(c) + N_E * c * ufl.grad(phi))
    F_c = (li_t * q_c - ufl.inner(flux, ufl.grad(q_c))) * dx
    F_phi = (sigma * ufl.inner(ufl.grad(phi), ufl.grad(q_phi)) + N_E * g["r"] * metal_t * q_phi) * dx
    return [F_xi, F_c, (1.0 / max(g["sigma_s"], g["sigma_l"])) * F_phi]


class BlockSystem:
    """ξ, w = ln c̃, φ as three Functions on three P1 spaces (dolfinx matches Dirichlet conditions to blocks
    by space), the Jacobian blocks ∂F_i/∂u_j in one monolithic matrix: battchem's algebra."""

    def __init__(self, msh, g, dt, dx):
        self.spaces = [fem.functionspace(msh, ("Lagrange", 1)) for _ in range(3)]
        self.functions = [fem.Function(V) for V in self.spaces]
        self.old = [fem.Function(V) for V in self.spaces[:2]]
        self.u, self.u_n = self.functions, self.old
        F = residuals(self.u, self.u_n, [ufl.TestFunction(V) for V in self.spaces], g, dt, dx)
        J = [[ufl.algorithms.expand_derivatives(ufl.derivative(Fi, u, ufl.TrialFunction(u.function_space)))
              for u in self.functions] for Fi in F]
        self.L = fem.form(F)
        self.a = fem.form([[None if Jij.empty() else Jij for Jij in row] for row in J])
        self.A = fem_petsc.create_matrix_block(self.a)
        self.b = fem_petsc.create_vector_block(self.L)
        self.x = fem_petsc.create_vector_block(self.L)
        self.maps = [(V.dofmap.index_map, V.dofmap.index_map_bs) for V in self.spaces]
        n = self.spaces[0].dofmap.index_map.size_local
        self.rows = [np.arange(k * n, (k + 1) * n) for k in range(3)]  # local rows of each field

    def set_bcs(self, conditions):
        fdim = self.spaces[0].mesh.topology.dim - 1
        self.bcs = [fem.dirichletbc(value, fem.locate_dofs_topological(V, fdim, facets), V)
                    for V, facets, value in ((self.spaces[k], f, v) for k, f, v in conditions)]

    def values(self, k):
        return self.functions[k].x.array

    def set_values(self, k, values):
        self.functions[k].x.array[:] = values

    def to_vector(self, x):
        scatter_local_vectors(x, [u.x.array for u in self.functions], self.maps)
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)

    def from_vector(self, x):
        arr = x.getArray(readonly=True)
        for u, rows in zip(self.functions, self.rows, strict=True):
            u.x.array[:len(rows)] = arr[rows]
            u.x.scatter_forward()

    def residual(self, snes, x, F):
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        self.from_vector(x)
        with F.localForm() as f_local:
            f_local.set(0.0)
        fem_petsc.assemble_vector_block(F, self.L, self.a, bcs=self.bcs, x0=x, alpha=-1.0)

    def jacobian(self, snes, x, J, P):
        J.zeroEntries()
        fem_petsc.assemble_matrix_block(J, self.a, bcs=self.bcs)
        J.assemble()

    def accept(self):
        for old, u in zip(self.old, self.functions, strict=False):
            old.x.array[:] = u.x.array


class MixedSystem:
    """ξ, w = ln c̃, φ as the components of one Function on a mixed P1 × P1 × P1 space: one residual form,
    one Jacobian form (one kernel per cell for all nine blocks), the field splits from the
    sub-spaces' dofs."""

    def __init__(self, msh, g, dt, dx):
        import basix.ufl

        P1 = basix.ufl.element("Lagrange", msh.basix_cell(), 1)
        self.W = W = fem.functionspace(msh, basix.ufl.mixed_element([P1, P1, P1]))
        self.w, self.w_n = fem.Function(W), fem.Function(W)
        self.u, self.u_n = ufl.split(self.w), ufl.split(self.w_n)[:2]
        collapsed = [W.sub(k).collapse() for k in range(3)]
        self.spaces = [V for V, _ in collapsed]
        self.dofs = [np.asarray(m) for _, m in collapsed]  # dof of W of each sub-space dof
        F = sum(residuals(self.u, self.u_n, ufl.TestFunctions(W), g, dt, dx))
        self.L = fem.form(F)
        self.a = fem.form(ufl.derivative(F, self.w))
        self.A = fem_petsc.create_matrix(self.a)
        self.b = fem_petsc.create_vector(self.L)
        self.x = fem_petsc.create_vector(self.L)
        n_own = W.dofmap.index_map.size_local
        self.rows = [np.sort(m[m < n_own]) for m in self.dofs]  # owned rows of each field, sorted

    def set_bcs(self, conditions):
        fdim = self.W.mesh.topology.dim - 1
        self.bcs = [fem.dirichletbc(value, fem.locate_dofs_topological(V, fdim, facets), V)
                    for V, facets, value in ((self.W.sub(k), f, v) for k, f, v in conditions)]

    def values(self, k):
        return self.w.x.array[self.dofs[k]]

    def set_values(self, k, values):
        self.w.x.array[self.dofs[k]] = values

    def to_vector(self, x):
        self.w.x.petsc_vec.copy(x)
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)

    def from_vector(self, x):
        x.copy(self.w.x.petsc_vec)
        self.w.x.scatter_forward()

    def residual(self, snes, x, F):
        self.from_vector(x)
        with F.localForm() as f_local:
            f_local.set(0.0)
        fem_petsc.assemble_vector(F, self.L)
        fem_petsc.apply_lifting(F, [self.a], bcs=[self.bcs], x0=[self.w.x.petsc_vec], alpha=-1.0)
        F.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(F, self.bcs, self.w.x.petsc_vec, -1.0)

    def jacobian(self, snes, x, J, P):
        J.zeroEntries()
        fem_petsc.assemble_matrix(J, self.a, bcs=self.bcs)
        J.assemble()

    def accept(self):
        self.w_n.x.array[:] = self.w.x.array


def set_options(prefix: str, options: dict) -> None:
    opts = PETSc.Options()
    for k, v in options.items():
        opts[f"{prefix}{k}"] = v


def rss_mb(comm) -> list[float]:
    return comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, root=0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    arguments(p)
    p.add_argument("--post", default="outputs", choices=("none", "outputs"))
    p.add_argument("--layout", default="block", choices=("block", "mixed"),
                   help="block: one space per field and a block matrix (battchem's algebra); mixed: one "
                   "mixed space")
    p.add_argument("--json", default=None, help="write the timings here (rank 0)")
    a = p.parse_args(argv)
    if a.mechanics != "none" or a.petsc:
        p.error("the baseline has no mechanics and takes no --petsc options")
    comm = MPI.COMM_WORLD
    PETSc.Log.begin()
    t_start = time.perf_counter()

    # mesh: the same .geo and parameters as battchem, coordinates in µm ---------------------------
    from battchem import mesh as bmesh

    geo = {"L": 1.0, "W": a.width / a.length, "h": a.mesh_size / a.length, "near": 1.0, "band": 0.0}
    if a.dimension == 2:
        md = bmesh.from_geo("rectangle", geo, comm, 2, scale=a.length / L0)
    else:
        md = bmesh.from_geo("box", {**geo, "D": a.depth / a.length}, comm, 3, scale=a.length / L0)
    msh = md.mesh
    tdim = msh.topology.dim
    t_mesh = time.perf_counter() - t_start

    # unknowns, forms --------------------------------------------------------------------------
    t0 = time.perf_counter()
    g = groups()
    dt = fem.Constant(msh, PETSc.ScalarType(a.dt / T0))
    voltage = fem.Constant(msh, PETSc.ScalarType(a.voltage / g["vt"]))
    dx = ufl.Measure("dx", domain=msh, metadata={"quadrature_degree": QUADRATURE})
    names = ["xi", "c", "phi"]
    if a.layout == "block":
        system = BlockSystem(msh, g, dt, dx)
    else:
        system = MixedSystem(msh, g, dt, dx)
    spaces = system.spaces  # the P1 space of each field (mixed: the collapsed sub-spaces)

    fdim = tdim - 1
    electrode, electrolyte = md.facets("electrode"), md.facets("electrolyte")
    one, zero = PETSc.ScalarType(1.0), PETSc.ScalarType(0.0)
    system.set_bcs([(0, electrode, one), (0, electrolyte, zero), (1, electrolyte, zero),
                    (2, electrode, voltage), (2, electrolyte, zero)])

    # initial state ----------------------------------------------------------------------------
    x = spaces[0].tabulate_dof_coordinates()
    delta = np.sqrt(g["kappa"] / (2 * g["W"]))
    front, radius = a.front / L0, a.bump_radius / L0
    centre = np.array([front, 0.5 * a.width / L0, 0.5 * a.depth / L0 if tdim == 3 else 0.0])

    def profile(s):
        return 0.5 * (1 - np.tanh(s / (2 * delta)))

    xi0 = np.maximum(profile(x[:, 0] - front), profile(np.linalg.norm(x - centre, axis=1) - radius))
    system.set_values(0, xi0)
    system.set_values(1, np.zeros_like(xi0))  # c̃ = 1: the equilibrium at the bulk concentration
    n_global = spaces[0].dofmap.index_map.size_global

    # the potential consistent with ξ: ∇·(σ(ξ)∇φ) = 0 (battchem's start)
    V_phi = spaces[2]
    xi_expr = system.u[0]
    sigma = g["sigma_s"] * h(xi_expr) + g["sigma_l"] * (1 - h(xi_expr))
    q_p = ufl.TestFunction(V_phi)
    a_p = fem.form(sigma * ufl.inner(ufl.grad(ufl.TrialFunction(V_phi)), ufl.grad(q_p)) * dx)
    phi_bcs = [fem.dirichletbc(value, fem.locate_dofs_topological(V_phi, fdim, facets), V_phi)
               for facets, value in ((electrode, voltage), (electrolyte, zero))]
    A_p = fem_petsc.assemble_matrix(a_p, bcs=phi_bcs)
    A_p.assemble()
    b_p = fem_petsc.assemble_vector(fem.form(fem.Constant(msh, zero) * q_p * dx))
    fem_petsc.apply_lifting(b_p, [a_p], bcs=[phi_bcs])
    b_p.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    fem_petsc.set_bc(b_p, phi_bcs)
    ksp_p = PETSc.KSP().create(comm)
    ksp_p.setOptionsPrefix("bl_potential_")
    set_options("bl_potential_", (solver_options("direct", ()) if a.solver == "direct" else
                                  {"ksp_type": "cg", "pc_type": "hypre", "pc_hypre_type": "boomeramg",
                                   "ksp_rtol": 1e-9, "ksp_atol": 1e-30, "ksp_max_it": 1000}))
    ksp_p.setOperators(A_p)
    ksp_p.setFromOptions()
    phi0 = fem.Function(V_phi)
    ksp_p.solve(b_p, phi0.x.petsc_vec)
    phi0.x.scatter_forward()
    assert ksp_p.getConvergedReason() > 0
    system.set_values(2, phi0.x.array)
    system.accept()
    for obj in (ksp_p, A_p, b_p):
        obj.destroy()

    # the coupled Newton solve -----------------------------------------------------------------
    # per-field scales: the residual of a unit rate of ξ and c̃, and n r / σ_max times it for φ
    unit = fem_petsc.assemble_vector(fem.form(ufl.TestFunction(spaces[0]) * dx))
    unit.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    scales = np.array([1.0, 1.0, N_E * g["r"] / max(g["sigma_s"], g["sigma_l"])]) * unit.norm()
    unit.destroy()
    first = {}
    b = system.b

    def converged(snes, it, norms):
        xnorm, ynorm, _ = norms
        arr = b.getArray(readonly=True)
        local = np.array([np.dot(arr[rows], arr[rows]) for rows in system.rows])
        scaled = np.sqrt(comm.allreduce(local, op=MPI.SUM)) / scales
        rtol, atol, stol, max_it = snes.getTolerances()
        worst = scaled.max()
        reason = PETSc.SNES.ConvergedReason
        if it == 0:
            first["r0"] = worst
        if not np.isfinite(worst):
            return reason.DIVERGED_FNORM_NAN
        if worst <= atol:
            return reason.CONVERGED_FNORM_ABS
        if it == 0:
            return reason.ITERATING
        if worst <= rtol * first["r0"]:
            return reason.CONVERGED_FNORM_RELATIVE
        if ynorm <= stol * xnorm:
            return reason.CONVERGED_SNORM_RELATIVE
        if it >= max_it:
            return reason.DIVERGED_MAX_IT
        return reason.ITERATING

    options = {"snes_type": "newtonls", "snes_linesearch_type": "bt", "snes_rtol": 1e-9, "snes_atol": 1e-12,
               "snes_max_it": a.snes_max_it, **solver_options(a.solver, names)}
    set_options("bl_", options)
    snes = PETSc.SNES().create(comm)
    snes.setOptionsPrefix("bl_")
    snes.setFunction(system.residual, b)
    snes.setJacobian(system.jacobian, system.A, system.A)
    snes.setFromOptions()
    snes.getKSP().setFromOptions()
    if options["pc_type"] == "fieldsplit":
        start = system.x.getOwnershipRange()[0]
        isets = [PETSc.IS().createGeneral(start + np.asarray(rows, dtype=PETSc.IntType), comm=comm)
                 for rows in system.rows]
        snes.getKSP().getPC().setFieldSplitIS(*zip(names, isets, strict=True))
    snes.setConvergenceTest(converged)

    # post-processing: the quantities battchem reports -----------------------------------------
    xi, c = system.u[0], ufl.exp(system.u[1])
    w = fem.Function(spaces[1])  # 1 on the electrolyte-boundary dofs
    w.x.array[fem.locate_dofs_topological(spaces[1], fdim, electrolyte)] = 1.0
    _, F_flux, F_ohmic = residuals(system.u, system.u_n, (w, w, w), g, dt, dx)
    F_ohmic = max(g["sigma_s"], g["sigma_l"]) * F_ohmic
    grad_norm = ufl.sqrt(ufl.inner(ufl.grad(xi), ufl.grad(xi)))
    metal = h(xi) * c / (c + g["K"])
    scalars = {"flux": fem.form(F_flux), "ohmic": fem.form(F_ohmic), "metal": fem.form(metal * dx),
               "ions": fem.form((1 - h(xi)) * c * dx), "unfilled": fem.form((h(xi) - metal) * dx),
               "interface": fem.form(grad_norm * dx)}
    ds_l = ufl.Measure("ds", domain=msh, subdomain_data=md.facet_tags)(md.facet_names["electrolyte"])
    area = comm.allreduce(fem.assemble_scalar(fem.form(fem.Constant(msh, one) * ds_l)), op=MPI.SUM)
    n_own = spaces[0].dofmap.index_map.size_local
    n_cells = msh.topology.index_map(tdim).size_local
    cell_dofs = spaces[0].dofmap.list[:n_cells]
    cell_x = x[cell_dofs, 0]  # x of each cell's vertices (P1: dofs = vertices)

    def tip_height():
        """max x over {ξ ≥ ½}: vertices inside and the crossings on the cells' edges (exact for P1)."""
        f = system.values(0)[cell_dofs]
        inside = f >= 0.5
        best = float(cell_x[inside].max()) if inside.any() else -np.inf
        for i in range(tdim + 1):
            for j in range(tdim + 1):
                cross = inside[:, i] & ~inside[:, j]
                if i != j and cross.any():
                    fi, fj = f[cross, i], f[cross, j]
                    t = (fi - 0.5) / (fi - fj)
                    crossing = cell_x[cross, i] + t * (cell_x[cross, j] - cell_x[cross, i])
                    best = max(best, float(crossing.max()))
        return comm.allreduce(best, op=MPI.MAX)

    def integral(name):
        return comm.allreduce(fem.assemble_scalar(scalars[name]), op=MPI.SUM)

    reference = {"metal": integral("metal"), "ions": integral("ions")}
    li_in = 0.0

    def postprocess():
        nonlocal li_in
        outflow = -integral("flux")  # Li⁺ out through the electrolyte boundary, per unit time
        li_in -= outflow * float(dt.value)
        metal_int, ions_int = integral("metal"), integral("ions")
        total0 = reference["ions"] + g["r"] * reference["metal"]
        low = float(system.values(1)[:n_own].min()) if n_own else np.inf
        return {"current_density": FARADAY * C0 * L0 / T0 * outflow / area,
                "ohmic_current_density": FARADAY * C0 * L0 / T0 * (-integral("ohmic")) / area,
                "deposited_li": C0 * g["r"] * (metal_int - reference["metal"]) * L0**tdim,
                "unfilled_li": C0 * g["r"] * integral("unfilled") * L0**tdim,
                "li_balance_error": (ions_int + g["r"] * metal_int - total0 - li_in) / total0,
                "tip_height": tip_height() * L0, "interface_length": integral("interface") * L0 ** (tdim - 1),
                "concentration_min": float(np.exp(comm.allreduce(low, op=MPI.MIN))) * C0}

    t_setup = time.perf_counter() - t0

    # time loop --------------------------------------------------------------------------------
    post = a.post == "outputs"
    step_times, newton, krylov, logs, qoi = [], [], [], [], {}
    for _ in range(a.steps):
        ts = time.perf_counter()
        system.to_vector(system.x)
        snes.solve(None, system.x)
        system.from_vector(system.x)
        if snes.getConvergedReason() <= 0:
            raise RuntimeError(f"Newton failed: reason {snes.getConvergedReason()}")
        newton.append(snes.getIterationNumber())
        krylov.append(snes.getLinearSolveIterations())
        if post:
            qoi = postprocess()
        system.accept()
        step_times.append(time.perf_counter() - ts)
        logs.append(events())

    t_total = time.perf_counter() - t_start
    rss = rss_mb(comm)
    if comm.rank == 0:
        per_step = {name: list(np.diff([0.0] + [log[name] for log in logs])) for name in EVENTS}
        result = {"code": "baseline", "ranks": comm.size, "dimension": tdim, "solver": a.solver,
                  "post": a.post, "layout": a.layout,
                  "unknowns": 3 * n_global, "cells": md.num_cells_global(), "steps": a.steps,
                  "mesh": t_mesh, "setup": t_setup, "total": t_total,
                  "step_times": step_times[1:],  # steps 2..N, as measured for battchem
                  "newton": newton, "krylov": krylov, "events": per_step, "rss_mb": rss,
                  "options": {k: str(v) for k, v in options.items()}, "final": qoi}
        if a.json:
            with open(a.json, "w") as fh:
                json.dump(result, fh, indent=1)
        steady = np.mean(step_times[1:]) if len(step_times) > 1 else step_times[0]
        print(f"baseline ({a.layout}): {3 * n_global} unknowns, {a.steps} steps; mesh {t_mesh:.2f} s, setup "
              f"{t_setup:.2f} s, step {steady:.3f} s (steady), Newton {newton}, Krylov {krylov}, total "
              f"{t_total:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
