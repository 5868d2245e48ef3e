"""Shared fixtures. Under mpirun only rank 0 reports; temporary folders are common to all ranks."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from mpi4py import MPI

ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
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
