"""The linear solvers of the electrodeposition component's coupled Newton solve: the field split
(GMRES, multiplicative split ξ, c̃, φ, one GAMG V-cycle per field, inner tolerance 1e-6) against
MUMPS, on a strip of the plating phase-field cell: 50 × 4 µm, a planar front at 10 µm with a bump of
radius 1.5 µm, the Hong set, −0.45 V, dt = 0.02 s (benchmarks/plating_phase_field.py times the
same case on larger meshes).

- the split's Newton iterations and final state equal MUMPS's (the inexact inner solve does not
  slow Newton down), on 1 and 2 ranks;
- its GMRES iterations per Newton iteration do not grow when the mesh is refined (h = 0.5 → 0.25 µm):
  the preconditioner is mesh-independent.
"""

from __future__ import annotations

import numpy as np
import pytest
from dolfinx import mesh as dmesh
from mpi4py import MPI

from battchem.components.electrodeposition import (
    NEWTON_KRYLOV_RTOL,
    Electrodeposition,
    parameters,
    solver_options,
)
from battchem.config import SolverConfig

LENGTH, WIDTH, FRONT, RADIUS = 50e-6, 4e-6, 10e-6, 1.5e-6
DT, STEPS = 0.02, 2


def strip(comm, refinement: int, linear_solver: str) -> Electrodeposition:
    """The strip with cells of 0.5 µm / refinement (crossed into triangles)."""
    n = [int(round(LENGTH / 0.5e-6)) * refinement, int(round(WIDTH / 0.5e-6)) * refinement]
    msh = dmesh.create_rectangle(comm, [[0.0, 0.0], [LENGTH, WIDTH]], n)
    left = dmesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], 0.0))
    right = dmesh.locate_entities_boundary(msh, 1, lambda x: np.isclose(x[0], LENGTH))
    p = parameters("Hong2018_normalised")
    # the first step drains the interface of ions and takes 20 (h = 0.5 µm) to 30 (0.25 µm) damped
    # Newton iterations with either linear solver, more than the default limit of 25
    settings = SolverConfig(linear_solver=linear_solver, snes_max_it=50)
    comp = Electrodeposition(msh, p, settings, electrode_facets=left, electrolyte_facets=right)
    comp.set_nuclei(FRONT, np.array([[FRONT, 0.5 * WIDTH]]), RADIUS)
    comp.set_concentration(p.c0, "electrolyte")
    comp.set_voltage(-0.45)
    comp.start()
    return comp


def run(comp: Electrodeposition) -> tuple[list[int], list[int]]:
    """Newton iterations per step and GMRES iterations of every Newton iteration."""
    newton, krylov = [], []
    for _ in range(STEPS):
        report = comp.solve(DT)
        assert report.converged, report.reason
        comp.accept(DT)
        newton.append(report.iterations)
        krylov += report.linear_iterations
    return newton, krylov


def test_options():
    """The split uses GAMG on every field and the looser of solver.rtol and 1e-6 inside Newton."""
    opts = solver_options(10**6, SolverConfig(), ["xi", "c", "phi"])
    assert opts["pc_type"] == "fieldsplit" and opts["ksp_rtol"] == NEWTON_KRYLOV_RTOL == 1e-6
    assert all(opts[f"fieldsplit_{n}_pc_type"] == "gamg" for n in ("xi", "c", "phi"))
    assert solver_options(10**6, SolverConfig(rtol=1e-4), ["xi"])["ksp_rtol"] == 1e-4
    assert solver_options(10, SolverConfig(), ["xi"])["pc_type"] == "lu"  # auto: MUMPS when small


@pytest.mark.mpi
def test_field_split_matches_mumps():
    """Same Newton iterations per step as MUMPS (measured 20, 8 on 1 and 2 ranks), and the same final
    state: the tip height and the Faradaic current agree to 1e-6 relative, the inner tolerance,
    which bounds the relative error of each Newton update (measured: equal to 1e-15, the last
    updates are tiny)."""
    direct, split = strip(MPI.COMM_WORLD, 1, "direct"), strip(MPI.COMM_WORLD, 1, "iterative")
    newton_d, _ = run(direct)
    newton_s, krylov = run(split)
    assert split.solver.field_split and not direct.solver.field_split
    assert newton_s == newton_d, (newton_s, newton_d)
    assert max(krylov) <= 40, krylov  # measured 8-12
    assert split.tip_height() == pytest.approx(direct.tip_height(), rel=1e-6)
    assert split.current_density() == pytest.approx(direct.current_density(), rel=1e-6)


def test_field_split_iterations_do_not_grow():
    """GMRES iterations per Newton iteration at h = 0.25 µm against h = 0.5 µm (4× the unknowns):
    at most 25 % more (measured: mean 9.7 → 11.4 on 1 rank)."""
    means = []
    for refinement in (1, 2):
        _, krylov = run(strip(MPI.COMM_WORLD, refinement, "iterative"))
        means.append(np.mean(krylov))
    assert means[1] <= 1.25 * means[0], means
