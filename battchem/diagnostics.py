"""Warnings that reach the user.

Debian's dolfinx turns on ``logging.captureWarnings`` without a handler, which silently swallows
every ``warnings.warn``. :class:`WarningLog` takes the warnings back for the duration of a command:
each distinct message is printed once, by rank 0, to stderr as ``battchem: warning: ...``, and
kept for the manifest.
"""

from __future__ import annotations

import sys
import warnings

from mpi4py import MPI


class WarningLog:
    """Context manager collecting warnings (all ranks) and printing them on rank 0."""

    def __init__(self, comm: MPI.Comm = MPI.COMM_WORLD, stream=None):
        self.comm = comm
        self.stream = stream
        self.messages: list[str] = []
        self._catcher = None

    def __enter__(self) -> WarningLog:
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.showwarning = self._show
        return self

    def __exit__(self, *exc) -> None:
        self._catcher.__exit__(*exc)

    def _show(self, message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(str(message).split())
        if text in self.messages:
            return
        self.messages.append(text)
        if self.comm.rank == 0:
            stream = self.stream or sys.stderr
            stream.write(f"battchem: warning: {text}\n")
            stream.flush()
