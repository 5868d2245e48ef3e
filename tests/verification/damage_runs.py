"""Shared by the cracking-particle tests: run an input and gather the final damage field."""

import numpy as np
from mpi4py import MPI

import battchem


def run_with_final_damage(source, outdir, overrides, length=1.0):
    """Run ``source`` with ``overrides``; return (result, dof coordinates / ``length``, d) of the
    damage field after the last accepted step, gathered on every rank."""
    final = {}

    def observer(problem, t, step):
        V = problem.core.Vd
        n = V.dofmap.index_map.size_local
        final["x"] = V.tabulate_dof_coordinates()[:n] / length
        final["d"] = problem.core.d.x.array[:n].copy()

    result = battchem.run(source, outdir, overrides, quiet=True, observer=observer)
    comm = MPI.COMM_WORLD
    return result, np.concatenate(comm.allgather(final["x"])), np.concatenate(comm.allgather(final["d"]))
