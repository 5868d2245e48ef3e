"""N-to-M restart (issue 13 §3): a checkpoint written on 2 ranks continues on 1, and one written on
1 continues on 2, giving the uninterrupted run's final row, for every problem. Runs under
mpirun -n 2 (make test's MPI pass); skipped on one rank.

Tolerances: the checkpoint stores the state exactly and the solves are direct (MUMPS) at these
sizes, so only round-off differs between partitions, amplified by the steps after the restart:
rtol 1e-8 of each column (measured ≤ 1e-10)."""

import shutil

import numpy as np
import pytest
from mpi4py import MPI

import battchem

QUIET = ["output.plots=false", "output.fields_every=0"]
CASES = {
    "particle_disk": ({"problem": "particle_fracture", "geometry": {"kind": "disk", "mesh_size": 0.2, "degree": 1},
                       "operation": {"segments": [{"direction": "insertion", "c_rate": 2.0, "duration": 300.0}]}}, 8),
    "notched_plate": ({"problem": "notched_plate", "geometry": {"h_far": 2e-4, "band_half_width": 3e-5},
                       "fracture": {"length_scale": 1.5e-5}, "loading": {"end_displacement": 3e-7},
                       "stepping": {"dt_initial": 5e-8, "dt_max": 5e-8}}, 3),
    "plating_cell": ({"problem": "plating", "model": "cell_1d", "cell": {"thickness": 5e-4, "elements": 60},
                      "operation": {"segments": [{"current_density": 100.0, "duration": 40.0},
                                                 {"control": "voltage", "voltage": -0.2, "duration": 20.0}]}}, 10),
    "plating_phase_field": ({"problem": "plating", "model": "phase_field",
                             "domain": {"length": 4e-6, "width": 1e-6, "mesh_size": 5e-7},
                             "nuclei": {"front": 1.5e-6, "bump_radius": 0.0},
                             "mechanics": {"mode": "two_way", "E_partner": 1e9, "stack_pressure": 1e5},
                             "operation": {"segments": [{"voltage": -0.05, "duration": 0.2}]}}, 4),
    "void_vacancy": ({"problem": "void_growth", "model": "vacancy_1d", "electrode": {"elements": 60},
                      "operation": {"segments": [{"current_density": 10.0, "duration": 1500.0}]}}, 10),
}
# li_balance_error is itself round-off (1e-13): its relative deviation between partitions means nothing
SKIP_COLUMNS = {"krylov_its", "newton_its", "li_balance_error"}


def run(data, folder, comm, extra=(), restart=False):
    return battchem.run(data, folder, [*QUIET, *extra], comm=comm, quiet=True, restart=restart,
                        overwrite=not restart)


def compare(result, reference):
    assert result.status == reference.status == "completed", result.message
    assert len(result.series["step"]) == len(reference.series["step"])
    for name, ref in reference.series.items():
        if name in SKIP_COLUMNS:
            continue
        scale = max(np.abs(ref).max(), 1e-300)
        assert np.abs(result.series[name][-1] - ref[-1]) <= 1e-8 * scale, name


@pytest.mark.mpi
@pytest.mark.parametrize("name", list(CASES))
def test_restart_across_rank_counts(shared_tmp, name):
    world = MPI.COMM_WORLD
    if world.size != 2:
        pytest.skip("N-to-M restart needs mpirun -n 2")
    data, steps = CASES[name]
    reference = run(data, shared_tmp / "full", world)
    # 2 -> 1: interrupted on both ranks, continued by rank 0 alone
    run(data, shared_tmp / "two", world, [f"stepping.max_steps={steps}"])

    def two_to_one():
        shutil.copytree(shared_tmp / "two", shared_tmp / "two_to_one")
        compare(run(data, shared_tmp / "two_to_one", MPI.COMM_SELF, restart=True), reference)

    def one_part():
        assert run(data, shared_tmp / "one", MPI.COMM_SELF, [f"stepping.max_steps={steps}"]).status == "interrupted"

    on_rank_0(two_to_one)
    # 1 -> 2: interrupted on rank 0 alone, continued by both ranks
    on_rank_0(one_part)
    compare(run(data, shared_tmp / "one", world, restart=True), reference)


def on_rank_0(check):
    """Run ``check`` on rank 0 while rank 1 waits; a failure fails the test on both ranks."""
    error = None
    if MPI.COMM_WORLD.rank == 0:
        try:
            check()
        except AssertionError as exc:
            error = f"rank 0: {exc}"
    error = MPI.COMM_WORLD.bcast(error, root=0)
    assert error is None, error
