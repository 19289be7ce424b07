"""The seams between the engine and its transports.

A TCP connection implements both endpoint interfaces (any Gearman connection may submit and
work at once); a gRPC Submit/Run call implements ClientEndpoint and a gRPC Work stream
implements WorkerEndpoint. The engine only ever calls these methods, on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .job import Job


class ClientEndpoint(Protocol):
    """Receives the events of the foreground jobs it submitted (once per submit)."""

    # When False, a WORK_EXCEPTION reaches this client as a plain failure (Gearman's
    # `exceptions` option).
    exceptions: bool

    def work_data(self, job: Job, data: bytes) -> None: ...

    def work_warning(self, job: Job, data: bytes) -> None: ...

    # The worker's own numerator and denominator text, forwarded unchanged.
    def work_status(self, job: Job, numerator: bytes, denominator: bytes) -> None: ...

    def work_complete(self, job: Job, data: bytes) -> None: ...

    def work_fail(self, job: Job) -> None: ...

    def work_exception(self, job: Job, data: bytes) -> None: ...


class WorkerEndpoint(Protocol):
    def wake(self) -> None:
        """Work may be available: a TCP worker gets NOOP, a push-based worker grabs."""

    def job_taken_back(self, job: Job, reason: str) -> None:
        """A job this worker holds was cancelled or timed out; its result will be dropped.

        ``reason`` is "cancelled" or "timeout".
        """


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """Time and timers, supplied by the event loop (or a fake clock in tests)."""

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch (epoch jobs are due by wall time)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle: ...
