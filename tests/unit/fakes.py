"""Test doubles for the engine: a manual clock and endpoints that record what they receive.

The engine only talks to the outside world through a Scheduler and the two endpoint
interfaces, so these fakes let a unit test drive it event by event with no sockets and no
real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from gearman_core.engine import (
    ClientEndpoint,
    ClientSession,
    Engine,
    EngineOptions,
    Job,
    Scheduler,
    WorkerEndpoint,
    WorkerSession,
)

# A plausible wall-clock start (2023-11-14), so epoch arithmetic looks like the real thing.
START_TIME = 1_700_000_000.0


class FakeTimer:
    """The handle call_later returns; cancel() makes the callback never fire."""

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False
        self.fired = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeScheduler:
    """A manual clock. Time only moves when a test calls advance()."""

    def __init__(self, start: float = START_TIME) -> None:
        self.now = start
        self._heap: list[tuple[float, int, FakeTimer]] = []
        self._seq = itertools.count()
        self.timers: list[FakeTimer] = []  # every timer ever created, for inspection

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(self.now + max(0.0, delay), callback)
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))
        self.timers.append(timer)
        return timer

    def pending(self) -> list[FakeTimer]:
        """Timers that have neither fired nor been cancelled, earliest first."""
        return [timer for _, _, timer in sorted(self._heap) if not timer.cancelled]

    def advance(self, seconds: float) -> None:
        """Move the clock forward, firing every due callback in (due time, creation) order.

        A callback that schedules another timer due inside the window sees it fire too; the
        clock reads each timer's own due time while its callback runs.
        """
        target = self.now + seconds
        while self._heap and self._heap[0][0] <= target:
            when, _, timer = heapq.heappop(self._heap)
            if timer.cancelled:
                continue
            self.now = max(self.now, when)
            timer.fired = True
            timer.callback()
        self.now = target


@dataclass
class FakeClient:
    """A ClientEndpoint that records every event as a tuple (kind, handle, *fields)."""

    exceptions: bool = False
    events: list[tuple[bytes | str, ...]] = field(default_factory=list)

    def work_data(self, job: Job, data: bytes) -> None:
        self.events.append(("data", job.handle, data))

    def work_warning(self, job: Job, data: bytes) -> None:
        self.events.append(("warning", job.handle, data))

    def work_status(self, job: Job, numerator: bytes, denominator: bytes) -> None:
        self.events.append(("status", job.handle, numerator, denominator))

    def work_complete(self, job: Job, data: bytes) -> None:
        self.events.append(("complete", job.handle, data))

    def work_fail(self, job: Job) -> None:
        self.events.append(("fail", job.handle))

    def work_exception(self, job: Job, data: bytes) -> None:
        self.events.append(("exception", job.handle, data))

    def kinds(self) -> list[str]:
        return [str(event[0]) for event in self.events]

    def terminal(self) -> list[tuple[bytes | str, ...]]:
        """Only the events that end a job for this listener."""
        return [e for e in self.events if e[0] in ("complete", "fail", "exception")]


@dataclass
class FakeWorker:
    """A WorkerEndpoint that counts NOOPs (wake) and records the jobs taken back from it."""

    wakes: int = 0
    cancelled: list[bytes] = field(default_factory=list)
    timed_out: list[bytes] = field(default_factory=list)

    def wake(self) -> None:
        self.wakes += 1

    def job_taken_back(self, job: Job, reason: str) -> None:
        (self.cancelled if reason == "cancelled" else self.timed_out).append(job.handle)


# Static checks that the fakes satisfy the engine's interfaces.
_client_check: ClientEndpoint = FakeClient()
_worker_check: WorkerEndpoint = FakeWorker()
_scheduler_check: Scheduler = FakeScheduler()


class Harness:
    """An engine on a fake clock, with helpers that create recording sessions."""

    def __init__(self, job_retries: int = 0, worker_wakeup: int = 2) -> None:
        self.clock = FakeScheduler()
        options = EngineOptions(job_retries=job_retries, worker_wakeup=worker_wakeup)
        self.engine = Engine(self.clock, options)

    def client(self, exceptions: bool = False) -> tuple[ClientSession, FakeClient]:
        endpoint = FakeClient(exceptions=exceptions)
        return self.engine.new_client(endpoint), endpoint

    def worker(self, *functions: bytes, timeout_ms: int = 0) -> tuple[WorkerSession, FakeWorker]:
        endpoint = FakeWorker()
        session = self.engine.new_worker(endpoint)
        for name in functions:
            self.engine.can_do(session, name, timeout_ms)
        return session, endpoint

    def sleeping_worker(self, *functions: bytes) -> tuple[WorkerSession, FakeWorker]:
        """A worker that registered, found nothing and sent PRE_SLEEP (no NOOP yet)."""
        session, endpoint = self.worker(*functions)
        self.engine.pre_sleep(session)
        assert endpoint.wakes == 0, "pre_sleep found work; the test set-up is wrong"
        return session, endpoint

    def status_counts(self, name: bytes) -> tuple[int, int, int]:
        """(queued, running, workers) as the admin `status` line reports them."""
        function = self.engine.functions[name]
        return sum(function.queued), function.running, function.worker_count
