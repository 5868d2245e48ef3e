"""Shared fixtures. Under mpirun only rank 0 reports; temporary folders are common to all ranks."""

from __future__ import annotations

import gc
import shutil
import tempfile
from pathlib import Path

import pytest
from mpi4py import MPI

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # (registered here, not in pyproject.toml, whose changes rebuild the image)
    config.addinivalue_line("markers", "hpc: needs a Slurm cluster (make test-hpc; skipped elsewhere)")
    if MPI.COMM_WORLD.rank > 0:
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)


def pytest_runtest_logreport(report):
    """Ranks > 0 have no terminal reporter: print their failures, or they would pass unseen."""
    if MPI.COMM_WORLD.rank > 0 and report.failed:
        import sys

        sys.stderr.write(f"\n[rank {MPI.COMM_WORLD.rank}] FAILED {report.nodeid} ({report.when})\n"
                         f"{report.longreprtext}\n")
        sys.stderr.flush()


@pytest.fixture
def shared_tmp():
    """A temporary folder with the same path on every rank."""
    comm = MPI.COMM_WORLD
    path = tempfile.mkdtemp(prefix="battchem-test-") if comm.rank == 0 else None
    path = comm.bcast(path, root=0)
    yield Path(path)
    comm.barrier()
    if comm.rank == 0:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def comm():
    return MPI.COMM_WORLD


@pytest.fixture(autouse=True)
def _collect_garbage_collectively():
    """Under mpirun, free the PETSc objects of a finished test on all ranks at the same point.

    Solvers hold reference cycles (SNES callbacks → the wrapper), so only the cyclic garbage
    collector frees them, at allocation-dependent moments that differ between ranks; destroying a
    COMM_WORLD object (a MUMPS factorisation) is collective, and a rank that does it alone, e.g.
    inside a COMM_SELF run of the next test, aborts the job (PETSc error 59)."""
    yield
    if MPI.COMM_WORLD.size > 1:
        MPI.COMM_WORLD.barrier()
        gc.collect()
        MPI.COMM_WORLD.barrier()
