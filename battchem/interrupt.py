"""Interrupt requests (SIGINT, SIGTERM) turned into a clean, collective stop.

The signal handler only sets a flag. Long computations call :func:`check` at safe points — after
every Newton iteration (a SNES monitor in ``battchem.solvers``), after every stage of a staggered
loop and after every time step — which reduces the flag over the ranks and raises
:class:`RunInterrupted` on all of them at the same point. The driver then restores the last
accepted state, writes a checkpoint and ends with status ``interrupted`` (exit code 3).

A second SIGINT while the first is being handled raises KeyboardInterrupt at once (no checkpoint).
Outside a run (no handler installed) :func:`check` costs nothing and never raises.
"""

from __future__ import annotations

import signal
import sys

from mpi4py import MPI


class RunInterrupted(Exception):
    """A stop was requested by a signal; raised on every rank together."""

    def __init__(self, signame: str):
        super().__init__(f"interrupted by {signame}")
        self.signame = signame


class _Flag:
    def __init__(self):
        self.installed = False
        self.signum: int | None = None
        self.previous: dict[int, object] = {}

    def handler(self, signum, frame):
        if self.signum == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt  # second Ctrl-C: stop now
        first = self.signum is None
        self.signum = signum
        if first and signum == signal.SIGINT and MPI.COMM_WORLD.rank == 0:
            sys.stderr.write("\nbattchem: interrupt requested: finishing the current solve, then writing a "
                             "checkpoint (Ctrl-C again to stop at once, without one)\n")
            sys.stderr.flush()


_FLAG = _Flag()


def install() -> None:
    """Catch SIGINT and SIGTERM (main thread only; elsewhere a no-op)."""
    if _FLAG.installed:
        return
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            _FLAG.previous[sig] = signal.signal(sig, _FLAG.handler)
    except ValueError:  # not the main thread: signals stay with the caller
        _FLAG.previous.clear()
        return
    _FLAG.installed = True
    _FLAG.signum = None


def uninstall() -> None:
    for sig, handler in _FLAG.previous.items():
        signal.signal(sig, handler)
    _FLAG.previous.clear()
    _FLAG.installed = False
    _FLAG.signum = None


def requested(comm: MPI.Comm) -> str | None:
    """Name of the signal some rank received, agreed by all ranks of ``comm`` (None: go on).
    Collective when a handler is installed."""
    if not _FLAG.installed:
        return None
    signum = comm.allreduce(_FLAG.signum or 0, op=MPI.MAX)
    return signal.Signals(signum).name if signum else None


def check(comm: MPI.Comm) -> None:
    """Raise :class:`RunInterrupted` on every rank of ``comm`` if a stop was requested."""
    name = requested(comm)
    if name is not None:
        raise RunInterrupted(name)
