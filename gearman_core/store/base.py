"""What the engine needs from a persistent store.

Rows are keyed by an internal job id, never by (function, unique): empty and `-` uniques and
duplicate uniques are ordinary rows. The engine calls the store only on the event loop; a store
answers through callbacks, after the write that carries the operation is committed, so writes
can be grouped into one transaction per turn of the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol


class StoredJob(NamedTuple):
    id: int
    function: bytes
    unique: bytes
    priority: int
    when: float  # seconds since the Unix epoch; 0 = runnable at once
    reducer: bytes | None
    data: bytes


class Store(Protocol):
    def add(self, job: StoredJob, committed: Callable[[bool], None]) -> None:
        """Persist a job; ``committed(True)`` once durable, ``committed(False)`` on failure."""

    def done(self, job_id: int) -> None:
        """Forget a finished job (completed, failed, cancelled or dropped)."""

    def barrier(self, committed: Callable[[bool], None]) -> None:
        """Call back once every operation asked for so far is committed."""

    def replay(self) -> list[StoredJob]:
        """Every stored job, oldest first (called once, before the server accepts clients)."""

    def close(self) -> None:
        """Commit what is pending and release the store."""
