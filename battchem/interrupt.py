"""Interrupt requests (SIGINT, SIGTERM, SIGUSR1) turned into a clean, collective stop.

The signal handler only sets a flag. Long computations call :func:`check` at safe points — after
every Newton iteration (a SNES monitor in ``battchem.solvers``), after every stage of a staggered
loop and after every time step — which reduces the flag over the ranks and raises
:class:`RunInterrupted` on all of them at the same point. The driver then restores the last
accepted state, writes a checkpoint and ends with status ``interrupted`` (exit code 3).

A second SIGINT while the first is being handled raises KeyboardInterrupt at once (no checkpoint).
Outside a run (no handler installed) :func:`check` costs nothing and never raises.

Launchers: Slurm's ``srun`` (and ``--signal``) delivers SIGTERM to every rank, which then stops
cleanly. Open MPI 5's ``mpirun`` does not forward SIGTERM or SIGINT: it kills the ranks itself
about 0.25 s after passing on a SIGTERM (not configurable in PRRTE 3). It does forward SIGUSR1,
so ``kill -USR1 <mpirun pid>`` is the clean stop under mpirun. For the kill case a callback
(:func:`on_request`) records the request at once, e.g. in the manifest.
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
        self.callback = None

    def handler(self, signum, frame):
        if self.signum == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt  # second Ctrl-C: stop now
        first = self.signum is None
        self.signum = signum
        if not first:
            return
        if MPI.COMM_WORLD.rank == 0:
            again = " (Ctrl-C again to stop at once, without one)" if signum == signal.SIGINT else ""
            sys.stderr.write(f"\nbattchem: {signal.Signals(signum).name} received: finishing the current solve, "
                             f"then writing a checkpoint{again}\n")
            sys.stderr.flush()
        if self.callback is not None:
            try:
                self.callback(signal.Signals(signum).name)
            except Exception:  # noqa: BLE001 - a signal handler must not raise
                pass


_FLAG = _Flag()


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)


def install(callback=None) -> None:
    """Catch SIGINT, SIGTERM and SIGUSR1 (main thread only; elsewhere a no-op). ``callback(name)``
    runs once, in the handler, when the first request arrives (keep it short: write a file)."""
    if _FLAG.installed:
        return
    _FLAG.callback = callback
    try:
        for sig in SIGNALS:
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
    _FLAG.callback = None


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
