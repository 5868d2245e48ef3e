"""The fracture core with spatially varying material and a damage region (issue 8, capability 2):
a bar of two materials in uniaxial strain carries one uniform stress σ; with AT1 the response is
elastic until σ reaches the threshold √(3 E′ G_c/(8ℓ)) of the part that can crack (E′ = λ + 2μ),
so the peak is that part's threshold, and no damage appears where it is not allowed."""

import numpy as np
import pytest
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI
from petsc4py import PETSc

from battchem.components.fracture import FractureInput, PhaseFieldFracture
from battchem.config import SolverConfig
from battchem.physics import phasefield as pf
from battchem.physics.mechanics import lame_parameters

E, NU, GC, ELL = 210e9, 0.3, 2700.0, 1.5e-5
LENGTH = 8 * ELL


def uniaxial_strain(u):
    return ufl.as_tensor([[u.dx(0), 0, 0], [0, 0, 0], [0, 0, 0]])


def modulus(E_):
    lmbda, mu = lame_parameters(E_, NU)
    return lmbda + 2 * mu


def bar(left, right, damage_left_only=False, steps=33):
    """Peak stress and the largest damage in each half of a two-material AT1 bar under growing
    end displacement. ``left``/``right``: (E, G_c) of x < L/2 and x > L/2."""
    comm = MPI.COMM_WORLD
    msh = dmesh.create_interval(comm, 64, [0.0, LENGTH])
    V = fem.functionspace(msh, ("Lagrange", 1))
    Q = fem.functionspace(msh, ("DG", 0))
    E_field, Gc_field = fem.Function(Q), fem.Function(Q)
    tdim = msh.topology.dim
    n_cells = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    midpoints = dmesh.compute_midpoints(msh, tdim, np.arange(n_cells, dtype=np.int32))[:, 0]
    is_left = midpoints < LENGTH / 2
    E_field.x.array[:] = np.where(is_left, left[0], right[0])
    Gc_field.x.array[:] = np.where(is_left, left[1], right[1])
    ends = [fem.locate_dofs_geometrical(V, lambda x, a=a: np.isclose(x[0], a)) for a in (0.0, LENGTH)]
    load = fem.Constant(msh, PETSc.ScalarType(0.0))
    bcs = [fem.dirichletbc(PETSc.ScalarType(0.0), ends[0], V), fem.dirichletbc(load, ends[1], V)]
    # k_res = 1e-8 keeps the broken half's stiffness positive (changes the threshold by 5e-9)
    params = FractureInput(model="AT1", Gc=GC, length_scale=ELL, split="none", irreversibility="history",
                           k_res=1e-8)
    cells = np.flatnonzero(is_left).astype(np.int32) if damage_left_only else None
    core = PhaseFieldFracture(V, V, uniaxial_strain, 1, ufl.dx(domain=msh), E_field, NU, params,
                              SolverConfig(stagger_tol=1e-10, stagger_max_it=300), bcs_u=bcs,
                              Gc=Gc_field, damage_cells=cells)
    w = fem.Function(V)
    w.x.array[ends[1]] = 1.0
    reaction = core.reaction_form(w)
    # strain of the whole bar at a uniform stress σ: σ (1/E′_left + 1/E′_right)/2
    compliance = 0.5 * (1 / modulus(left[0]) + 1 / modulus(right[0]))
    target = min(pf.elastic_threshold(modulus(e), g, ELL, "AT1") for e, g in (left, right))
    stresses = []
    for s in target * np.linspace(0.9, 1.06, steps):
        load.value = s * compliance * LENGTH
        outcome = core.solve()
        assert outcome.converged, outcome.result.report.reason
        core.accept()
        stresses.append(comm.allreduce(fem.assemble_scalar(reaction), op=MPI.SUM))
    n = V.dofmap.index_map.size_local
    x = V.tabulate_dof_coordinates()[:n, 0]
    d = core.d.x.array[:n]
    d_left = comm.allreduce(float(d[x < LENGTH / 2].max(initial=0.0)), op=MPI.MAX)
    d_right = comm.allreduce(float(d[x > LENGTH / 2 + 1e-12].max(initial=0.0)), op=MPI.MAX)
    return max(stresses), d_left, d_right, core


@pytest.mark.mpi
def test_the_weaker_half_sets_the_peak():
    """G_c = 4 G_c on the left, G_c on the right: the right half's threshold √(3E′G_c/8ℓ) is the
    bar's peak (load steps of 0.5 % around it: the peak is sampled within 0.6 %), and the left
    half's damage stays at its boundary layer next to the interface."""
    peak, d_left, d_right, core = bar((E, 4 * GC), (E, GC))
    expected = pf.elastic_threshold(modulus(E), GC, ELL, "AT1")
    assert peak == pytest.approx(expected, rel=0.006)
    assert d_right > 0.5 and d_left < d_right
    # the fracture energy integrates the local G_c: it exceeds G_c Γ_ℓ when damage reaches the tough half
    assert core.fracture_energy() >= GC * core.crack_measure() * (1 - 1e-12)


@pytest.mark.mpi
def test_damage_only_where_allowed_with_two_moduli():
    """Damage allowed on the left only, the right half twice as stiff (so at a uniform stress it
    would reach the AT1 threshold first): the peak is the left half's threshold, the right half
    never damages."""
    peak, d_left, d_right, _ = bar((E, GC), (2 * E, GC), damage_left_only=True)
    assert peak == pytest.approx(pf.elastic_threshold(modulus(E), GC, ELL, "AT1"), rel=0.006)
    assert d_left > 0.5 and d_right == 0.0
