"""Collective safety: rank-0 work whose failure every rank sees, and what to do with an error
that only some ranks raised.

A run must never hang because one rank failed while the others wait in a collective call. Two
rules make that so:

- work done by one rank (gmsh, creating folders, drawing pictures) goes through :func:`on_root`,
  which broadcasts either its value or its error, so every rank returns or raises together;
- an unexpected exception is first offered to the other ranks (:class:`FailureAgreement`): when
  every rank reports a failure within a grace period the failure is collective and the run ends
  normally as ``failed``; otherwise the failing rank records the failure and aborts the
  communicator, which ends the job instead of leaving it hung.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from mpi4py import MPI

T = TypeVar("T")


class CollectiveError(RuntimeError):
    """An error raised on every rank together (its message comes from the rank that failed)."""


def on_root(comm: MPI.Comm, fn: Callable[..., T], *args: Any, root: int = 0, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` on ``root`` only and return its value on every rank.

    If it raises, every rank raises: ``root`` its original exception, the others a copy (same
    type and message; :class:`CollectiveError` when the exception cannot be sent).
    """
    outcome: tuple[bool, Any] | None = None
    error: BaseException | None = None
    if comm.rank == root:
        try:
            outcome = (True, fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - every error must reach the other ranks
            error = exc
            outcome = (False, _portable(exc))
    ok, value = comm.bcast(outcome, root=root)
    if not ok:
        raise error if error is not None else value
    return value


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (for a broadcast), else a CollectiveError with its text."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
        if type(copy) is type(exc) and str(copy) == str(exc):
            return copy
    except Exception:  # noqa: BLE001
        pass
    return CollectiveError(f"{type(exc).__name__}: {exc}")


def all_succeed(comm: MPI.Comm, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` on every rank; if it raises on any rank, raise :class:`CollectiveError` on all
    (with the message of the lowest failing rank)."""
    try:
        value, error = fn(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001
        value, error = None, f"{type(exc).__name__}: {exc}"
    errors = comm.allgather(error)
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise CollectiveError(first)
    return value


class FailureAgreement:
    """Decides whether an exception is collective, on a private duplicate of ``comm`` so that the
    agreement never pairs with a collective call of the solver.

    :meth:`collective` posts a non-blocking allreduce and waits up to ``timeout`` seconds (default
    $BATTCHEM_FAILURE_TIMEOUT or 20 s) for every rank to post it too.
    """

    def __init__(self, comm: MPI.Comm, timeout: float | None = None):
        self.comm = comm.Dup()
        self.timeout = float(os.environ.get("BATTCHEM_FAILURE_TIMEOUT", 20.0)) if timeout is None else timeout

    def collective(self) -> bool:
        if self.comm.size == 1:
            return True
        send = bytearray([1])
        recv = bytearray(1)
        request = self.comm.Iallreduce(send, recv, op=MPI.BOR)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if request.Test():
                return True
            time.sleep(0.01)
        return False

    def abort(self, code: int = 1) -> None:
        """End every rank of the job (the others are stuck waiting for this one)."""
        self.comm.Abort(code)

    def free(self) -> None:
        if self.comm != MPI.COMM_NULL:
            self.comm.Free()
