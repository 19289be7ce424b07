"""Outcomes of finished background jobs, kept for a while so they can be read back.

No Gearman server keeps these; clients of background jobs keep asking for them. Each result
expires on its own deadline; one timer, for the earliest deadline, sweeps them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from .endpoints import Scheduler, TimerHandle

MAX_TIMER = 86400.0  # re-arm at least daily rather than trust one enormous timer


@dataclass(frozen=True, slots=True)
class JobResult:
    outcome: str  # "complete", "fail" or "exception"
    data: bytes
    expires: float  # wall-clock seconds
    store_id: int | None = None  # its row in the persistent store, if kept there


class ResultShelf:
    def __init__(self, scheduler: Scheduler, forget: Callable[[int], None] | None = None) -> None:
        self.scheduler = scheduler
        self.forget = forget  # deletes an expired result's row from the store
        self._results: dict[bytes, JobResult] = {}
        self._deadlines: list[tuple[float, bytes]] = []
        self._timer: TimerHandle | None = None
        self._timer_at = 0.0

    def __len__(self) -> int:
        return len(self._results)

    def keep(
        self, handle: bytes, outcome: str, data: bytes, expires: float, store_id: int | None = None
    ) -> None:
        """Keep a result until ``expires`` (wall-clock seconds)."""
        self._results[handle] = JobResult(outcome, data, expires, store_id)
        heapq.heappush(self._deadlines, (expires, handle))
        if self._timer is None or expires < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._arm(expires)

    def get(self, handle: bytes) -> JobResult | None:
        result = self._results.get(handle)
        if result is not None and result.expires <= self.scheduler.time():
            return None  # expired; the sweep removes it
        return result

    def _arm(self, at: float) -> None:
        delay = min(max(0.0, at - self.scheduler.time()), MAX_TIMER)
        self._timer = self.scheduler.call_later(delay, self._sweep)
        self._timer_at = at

    def _sweep(self) -> None:
        self._timer = None
        now = self.scheduler.time()
        while self._deadlines and self._deadlines[0][0] <= now:
            expires, handle = heapq.heappop(self._deadlines)
            result = self._results.get(handle)
            if result is not None and result.expires == expires:
                del self._results[handle]
                if result.store_id is not None and self.forget is not None:
                    self.forget(result.store_id)
        if self._deadlines:
            self._arm(self._deadlines[0][0])
