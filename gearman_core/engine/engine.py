"""The job engine: every queue, job and worker record, and the rules that move jobs.

No sockets and no asyncio here. Transports call the methods below on the event loop thread;
the engine answers synchronously and pushes events to other endpoints through the endpoint
interfaces. Time comes from an injected Scheduler so tests can drive it.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..store.base import Store, StoredJob
from .endpoints import ClientEndpoint, Scheduler, WorkerEndpoint
from .job import (
    CANCELLED,
    DONE,
    PENDING,
    PRIORITIES,
    QUEUED,
    RUNNING,
    SCHEDULED,
    Function,
    Job,
    Priority,
)
from .results import ResultShelf
from .sessions import ClientSession, WorkerSession

log = logging.getLogger("geargate.engine")

MAX_UNIQUE = 64
# Priorities as plain ints, best first: indexing with the IntEnum members is slower.
_PRIORITY_ORDER = tuple(int(priority) for priority in PRIORITIES)
MIN_TIMEOUT_MS = 1000  # gearmand raises shorter CAN_DO_TIMEOUT values to one second


class SubmitError(Exception):
    """A submit was refused; ``code`` and ``text`` are the Gearman ERROR fields."""

    def __init__(self, code: bytes, text: bytes) -> None:
        super().__init__(f"{code.decode()}: {text.decode(errors='replace')}")
        self.code = code
        self.text = text


class JobNotFound(Exception):
    """A worker reported on a job it does not hold."""


QUEUE_FULL = SubmitError(b"QUEUE_ERROR", b"Job queue is full")
UNIQUE_TOO_LARGE = SubmitError(b"ARGUMENT_TOO_LARGE", b"Unique value too large")


@dataclass(frozen=True, slots=True)
class JobStatus:
    known: bool
    running: bool = False
    numerator: int = 0
    denominator: int = 0
    listeners: int = 0


UNKNOWN_STATUS = JobStatus(False)


@dataclass(slots=True)
class EngineOptions:
    handle_prefix: bytes = b"H:localhost"
    # Attempts per job before a lost worker or a timeout drops it; 0 = unlimited (gearmand).
    job_retries: int = 0
    # NOOPs sent per job that becomes runnable; 0 = every sleeping worker (gearmand's -w 0).
    worker_wakeup: int = 2
    exceptions: bool = False  # every client starts with the `exceptions` option on
    # Seconds a finished background job's outcome stays readable; 0 = not kept (gearmand).
    retain_results: float = 0.0


class Engine:
    def __init__(
        self,
        scheduler: Scheduler,
        options: EngineOptions | None = None,
        store: Store | None = None,
    ) -> None:
        self.scheduler = scheduler
        self.options = options or EngineOptions()
        # Background jobs are persisted here when set; None keeps everything in memory.
        self.store = store
        self._store_ids = itertools.count(1)
        self._store_top = 0  # the highest stored id restored so far
        # While draining for a shutdown, no job is handed out (running ones may finish).
        self.paused = False
        self.results = ResultShelf(scheduler, store.done if store is not None else None)
        self.functions: dict[bytes, Function] = {}
        self.jobs: dict[bytes, Job] = {}  # handle -> live job (queued, scheduled or running)
        self._counter = itertools.count(1)
        self.jobs_created = 0  # new jobs so far (a coalesced submit creates none)
        # Future epoch jobs: (when, sequence, job); one timer for the earliest.
        self._scheduled: list[tuple[float, int, Job]] = []
        self._schedule_seq = itertools.count()
        self._epoch_timer: object | None = None
        self._epoch_timer_at = 0.0

    # ---------------------------------------------------------------- sessions

    def new_client(self, endpoint: ClientEndpoint) -> ClientSession:
        return ClientSession(endpoint)

    def new_worker(self, endpoint: WorkerEndpoint) -> WorkerSession:
        return WorkerSession(endpoint)

    def function(self, name: bytes) -> Function:
        function = self.functions.get(name)
        if function is None:
            function = self.functions[name] = Function(name)
        return function

    # ---------------------------------------------------------------- submitting

    def submit(
        self,
        client: ClientSession | None,
        name: bytes,
        unique: bytes,
        data: bytes,
        priority: int = Priority.NORMAL,
        when: float = 0.0,
        reducer: bytes | None = None,
        retain: float | None = None,
    ) -> Job:
        """Queue a job, or join the existing job with the same (function, unique).

        ``client`` None means a background submit. Raises SubmitError when refused.
        """
        if len(unique) > MAX_UNIQUE or (reducer is not None and len(reducer) > MAX_UNIQUE):
            raise UNIQUE_TOO_LARGE
        function = self.functions.get(name) or self.function(name)
        key: object = None
        if unique:
            if unique == b"-":
                # `-` coalesces on the payload; with no payload it is like no unique at all.
                key = (None, data) if data else None
            else:
                key = unique
        if key is not None:
            existing = function.uniques.get(key)
            if existing is not None:
                if client is None:
                    existing.background = True
                    if self.store is not None and existing.store_id is None:
                        # A background submitter now depends on it: it must survive a crash.
                        self._persist(existing)
                else:
                    self._attach(client, existing)
                return existing
        limit = function.max_queue[priority]
        if limit and function.total >= limit:
            raise QUEUE_FULL
        handle = b"%s:%d" % (self.options.handle_prefix, next(self._counter))
        self.jobs_created += 1
        job = Job(handle, function, unique, data, priority, client is None, when, reducer, key)
        if retain is not None:
            job.retain = retain
        self.jobs[handle] = job
        if key is not None:
            function.uniques[key] = job
        if client is not None:
            self._attach(client, job)
        function.queued[priority] += 1
        if client is None and self.store is not None:
            # Runnable only once durable: the submitter hears JOB_CREATED after the commit.
            job.state = PENDING
            self._persist(job)
        else:
            self._enqueue(job)
        return job

    def _enqueue(self, job: Job) -> None:
        """Put a counted job where workers find it: its queue, or the epoch schedule."""
        function = job.function
        if job.when and job.when > self.scheduler.time():
            job.state = SCHEDULED
            heapq.heappush(self._scheduled, (job.when, next(self._schedule_seq), job))
            self._arm_epoch_timer()
        else:
            job.state = QUEUED
            function.queues[job.priority].append(job)
            if function.sleepers or function.holders:
                self._wake(function, self.options.worker_wakeup)

    # ---------------------------------------------------------------- persistence

    def _persist(self, job: Job) -> None:
        assert self.store is not None
        job.store_id = next(self._store_ids)
        job.commit_waiters = []
        record = StoredJob(
            job.store_id,
            job.function.name,
            job.unique,
            job.priority,
            job.when,
            job.reducer,
            job.data,
        )
        self.store.add(record, lambda ok: self._committed(job, ok))

    def when_committed(self, job: Job, callback: Callable[[bool], None]) -> None:
        """Call back once the job's pending store commit is done (at once if none is)."""
        if job.commit_waiters is None:
            callback(True)
        else:
            job.commit_waiters.append(callback)

    def _committed(self, job: Job, ok: bool) -> None:
        waiters = job.commit_waiters or []
        job.commit_waiters = None
        if ok:
            if job.state is PENDING:
                self._enqueue(job)
        else:
            job.store_id = None
            if job.state is PENDING:
                job.function.queued[job.priority] -= 1
                self._finish(job)
        for waiter in waiters:
            waiter(ok)

    def restore(self, records: list[StoredJob]) -> int:
        """Re-create stored jobs at start-up, before any client connects; returns how many.

        A second row for a (function, unique) already restored joins it, as a submit would,
        and its row is deleted: duplicates never stop a start-up.
        """
        restored = 0
        top = self._store_top
        for record in records:
            top = max(top, record.id)
            if _is_result(record):
                continue  # see restore_results
            unique, data, name = record.unique, record.data, record.function
            key: object = None
            if unique == b"-":
                key = (None, data) if data else None
            elif unique:
                key = unique
            function = self.function(name)
            if key is not None and key in function.uniques:
                assert self.store is not None
                self.store.done(record.id)
                continue
            handle = b"%s:%d" % (self.options.handle_prefix, next(self._counter))
            job = Job(
                handle, function, unique, data, record.priority, True, record.when,
                record.reducer, key,
            )  # fmt: skip
            job.store_id = record.id
            self.jobs[handle] = job
            if key is not None:
                function.uniques[key] = job
            function.queued[job.priority] += 1
            self._enqueue(job)
            restored += 1
        self._store_top = top
        self._store_ids = itertools.count(top + 1)
        return restored

    def _attach(self, client: ClientSession, job: Job) -> None:
        if job.listeners:
            job.listeners.append(client)
        else:
            job.listeners = [client]
        client.jobs[job] = client.jobs.get(job, 0) + 1

    # ---------------------------------------------------------------- epoch jobs

    def _arm_epoch_timer(self) -> None:
        while self._scheduled and self._scheduled[0][2].state is not SCHEDULED:
            heapq.heappop(self._scheduled)
        if not self._scheduled:
            return
        due = self._scheduled[0][0]
        if self._epoch_timer is not None:
            if self._epoch_timer_at <= due:
                return
            self._epoch_timer.cancel()  # type: ignore[attr-defined]
        # Far-future jobs re-arm once a day rather than trusting one enormous timer.
        delay = min(max(0.0, due - self.scheduler.time()), 86400.0)
        self._epoch_timer = self.scheduler.call_later(delay, self._release_due_jobs)
        self._epoch_timer_at = due

    def _release_due_jobs(self) -> None:
        self._epoch_timer = None
        now = self.scheduler.time()
        woken: dict[Function, int] = {}
        while self._scheduled and self._scheduled[0][0] <= now:
            _, _, job = heapq.heappop(self._scheduled)
            if job.state is not SCHEDULED:
                continue
            job.state = QUEUED
            job.function.queues[job.priority].append(job)
            woken[job.function] = woken.get(job.function, 0) + 1
        for function, count in woken.items():
            wakeup = self.options.worker_wakeup
            self._wake(function, 0 if wakeup == 0 else wakeup * count)
        self._arm_epoch_timer()

    # ---------------------------------------------------------------- workers

    def can_do(self, worker: WorkerSession, name: bytes, timeout_ms: int = 0) -> None:
        function = self.function(name)
        worker.records.append(name)
        function.records[worker] = function.records.get(worker, 0) + 1
        if function not in worker.abilities:
            worker.order.append(function)
            if worker.asleep and not worker.noop_sent:
                (function.holders if worker.holding else function.sleepers)[worker] = None
        if 0 < timeout_ms < MIN_TIMEOUT_MS:
            timeout_ms = MIN_TIMEOUT_MS
        worker.abilities[function] = max(timeout_ms, 0)

    def cant_do(self, worker: WorkerSession, name: bytes) -> None:
        function = self.functions.get(name)
        if function is None or function not in worker.abilities:
            return
        self._forget_ability(worker, function)
        worker.records = [record for record in worker.records if record != name]

    def reset_abilities(self, worker: WorkerSession) -> None:
        for function in list(worker.order):
            self._forget_ability(worker, function)
        worker.records.clear()

    def _forget_ability(self, worker: WorkerSession, function: Function) -> None:
        del worker.abilities[function]
        worker.order.remove(function)
        function.records.pop(worker, None)
        function.sleepers.pop(worker, None)
        function.holders.pop(worker, None)
        for job in [job for job in worker.assigned.values() if job.function is function]:
            del worker.assigned[job.handle]
            self._requeue(job)
        if worker.noop_sent:
            # It was woken but can no longer take this function's work: pass the wake-up on.
            self._pass_wakeup_on([function])

    def set_client_id(self, worker: WorkerSession, client_id: bytes) -> None:
        worker.client_id = client_id[:127]

    def pre_sleep(self, worker: WorkerSession, holding: bool = False) -> None:
        """The worker sleeps until woken: after PRE_SLEEP, or (``holding``) in a grab whose
        answer the transport holds back until a job comes."""
        for function in worker.order:
            if function.has_runnable() and not self.paused:
                worker.noop_sent = True
                worker.endpoint.wake()
                return
        worker.asleep = True
        worker.holding = holding
        worker.noop_sent = False
        if holding:
            for function in worker.order:
                function.holders[worker] = None
        else:
            for function in worker.order:
                function.sleepers[worker] = None

    def grab(self, worker: WorkerSession) -> Job | None:
        """Take the best runnable job for this worker and assign it, in one step.

        Priority is global across the worker's functions (HIGH of any before NORMAL of any);
        within a priority the functions take turns, starting after the one that last
        yielded a job.
        """
        if worker.asleep:
            self._stop_sleeping(worker)
        worker.noop_sent = False
        order = worker.order
        count = len(order)
        if count == 0 or self.paused:
            return None
        if count == 1:  # the usual worker: one function, no rotation to keep
            function = order[0]
            for queue in function.queues:  # HIGH, NORMAL, LOW
                while queue:
                    first = queue.popleft()
                    if first.state is QUEUED:
                        worker.rotation = 1
                        self._assign(worker, first)
                        self._pass_wakeup_on(order)
                        return first
                    # else a tombstone: dropped on the way
            return None
        start = worker.rotation
        for priority in _PRIORITY_ORDER:
            for step in range(count):
                index = (start + step) % count
                function = order[index]
                job = function.head(priority)
                if job is None:
                    continue
                function.queues[priority].popleft()
                worker.rotation = index + 1
                self._assign(worker, job)
                # Keep the pool moving: while work remains for any function this worker
                # serves, one more sleeper of that function gets a NOOP.
                self._pass_wakeup_on(order)
                return job
        return None

    def _pass_wakeup_on(self, functions: list[Function]) -> None:
        for function in functions:
            if (function.sleepers or function.holders) and function.has_runnable():
                self._wake(function, 1)

    def _stop_sleeping(self, worker: WorkerSession) -> None:
        worker.asleep = False
        worker.holding = False
        for function in worker.order:
            function.sleepers.pop(worker, None)
            function.holders.pop(worker, None)

    def _assign(self, worker: WorkerSession, job: Job) -> None:
        function = job.function
        function.queued[job.priority] -= 1
        function.running += 1
        job.state = RUNNING
        job.worker = worker
        worker.assigned[job.handle] = job
        timeout_ms = worker.abilities.get(function, 0)
        if timeout_ms:
            job.timer = self.scheduler.call_later(
                timeout_ms / 1000.0, lambda: self._timed_out(worker, job)
            )

    def _timed_out(self, worker: WorkerSession, job: Job) -> None:
        job.timer = None
        if worker.assigned.get(job.handle) is job:
            del worker.assigned[job.handle]
            if job.state is not CANCELLED:  # a cancelled job's worker was told already
                log.info("job %s timed out; requeued", job.handle.decode(errors="replace"))
                worker.endpoint.job_taken_back(job, "timeout")
            self._requeue(job)

    def _wake(self, function: Function, limit: int) -> None:
        """Wake up to ``limit`` sleepers of the function (0: all of them). A worker held in its
        grab takes a job at once, with no NOOP round trip to hedge against, so it counts as a
        whole job's wake-up (``--worker-wakeup`` sleepers)."""
        budget = limit
        holders = function.holders
        per_holder = self.options.worker_wakeup or 1
        while holders and (limit == 0 or budget > 0):
            self._wake_one(next(iter(holders)))
            budget -= per_holder
        sleepers = function.sleepers
        while sleepers and (limit == 0 or budget > 0):
            self._wake_one(next(iter(sleepers)))
            budget -= 1

    def _wake_one(self, worker: WorkerSession) -> None:
        self._stop_sleeping(worker)
        worker.noop_sent = True
        worker.endpoint.wake()

    # ---------------------------------------------------------------- work results

    def _held(self, worker: WorkerSession, handle: bytes) -> Job:
        job = worker.assigned.get(handle)
        if job is None:
            raise JobNotFound(handle)
        return job

    def work_data(self, worker: WorkerSession, handle: bytes, data: bytes) -> None:
        job = self._held(worker, handle)
        for client in job.listeners:
            client.endpoint.work_data(job, data)

    def work_warning(self, worker: WorkerSession, handle: bytes, data: bytes) -> None:
        job = self._held(worker, handle)
        for client in job.listeners:
            client.endpoint.work_warning(job, data)

    def work_status(
        self, worker: WorkerSession, handle: bytes, numerator: bytes, denominator: bytes
    ) -> None:
        job = self._held(worker, handle)
        job.numerator = _atoi_u32(numerator)
        job.denominator = _atoi_u32(denominator)
        for client in job.listeners:
            client.endpoint.work_status(job, numerator, denominator)

    def work_complete(self, worker: WorkerSession, handle: bytes, data: bytes) -> Job:
        job = self._end_assignment(worker, handle)
        for client in job.listeners:
            client.endpoint.work_complete(job, data)
        self._keep_result(job, "complete", data)
        self._finish(job)
        return job

    def work_fail(self, worker: WorkerSession, handle: bytes) -> Job:
        job = self._end_assignment(worker, handle)
        for client in job.listeners:
            client.endpoint.work_fail(job)
        self._keep_result(job, "fail", b"")
        self._finish(job)
        return job

    def _keep_result(self, job: Job, outcome: str, data: bytes) -> None:
        seconds = job.retain if job.retain is not None else self.options.retain_results
        if seconds <= 0 or not job.background or job.state is CANCELLED:
            return
        expires = self.scheduler.time() + seconds
        store_id = None
        if self.store is not None:
            # In the same transaction as the job's delete: a crash keeps one or the other.
            store_id = next(self._store_ids)
            row = StoredJob(
                store_id, RESULT_FUNCTION, job.handle, RESULT_PRIORITY, expires, None,
                OUTCOME_CODES[outcome] + data,
            )  # fmt: skip
            self.store.add(row, _ignore)
        self.results.keep(job.handle, outcome, data, expires, store_id)

    def restore_results(self, records: list[StoredJob]) -> int:
        """Take back the retained results among the stored rows (before restoring jobs).

        Handles go on from the highest one a result still names, so no new job takes the
        handle of a result that can still be read.
        """
        prefix = self.options.handle_prefix + b":"
        now = self.scheduler.time()
        top_handle = 0
        kept = 0
        for record in records:
            if not _is_result(record):
                continue
            self._store_top = max(self._store_top, record.id)
            number = record.unique[len(prefix) :]
            if record.unique.startswith(prefix) and number.isdigit():
                top_handle = max(top_handle, int(number))
            outcome = OUTCOME_NAMES.get(record.data[:1])
            if record.when <= now or outcome is None:
                assert self.store is not None
                self.store.done(record.id)
                continue
            self.results.keep(record.unique, outcome, record.data[1:], record.when, record.id)
            kept += 1
        if top_handle:
            self._counter = itertools.count(top_handle + 1)
        self._store_ids = itertools.count(self._store_top + 1)
        return kept

    def work_exception(self, worker: WorkerSession, handle: bytes, data: bytes) -> Job:
        job = self._end_assignment(worker, handle)
        for client in job.listeners:
            if client.endpoint.exceptions:
                client.endpoint.work_exception(job, data)
            else:
                client.endpoint.work_fail(job)
        self._keep_result(job, "exception", data)
        self._finish(job)
        return job

    def _end_assignment(self, worker: WorkerSession, handle: bytes) -> Job:
        job = worker.assigned.pop(handle, None)
        if job is None:
            raise JobNotFound(handle)
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        job.function.running -= 1
        job.worker = None
        return job

    def _finish(self, job: Job) -> None:
        """Forget a job that left the queue and no worker holds."""
        if job.store_id is not None and self.store is not None and job.state is not DONE:
            self.store.done(job.store_id)
        for client in job.listeners:
            client.jobs.pop(job, None)
        job.listeners = ()
        job.state = DONE
        if self.jobs.get(job.handle) is job:
            del self.jobs[job.handle]
        uniques = job.function.uniques
        if job.key is not None and uniques.get(job.key) is job:
            del uniques[job.key]
        job.data = b""

    def _requeue(self, job: Job) -> None:
        """A worker lost a job (disconnect, CANT_DO, timeout): retry it or drop it."""
        if job.timer is not None:
            job.timer.cancel()
            job.timer = None
        function = job.function
        function.running -= 1
        job.worker = None
        if job.state is CANCELLED or (not job.listeners and not job.background):
            self._finish(job)
            return
        job.retries += 1
        limit = self.options.job_retries
        if limit and job.retries >= limit:
            log.info("job %s dropped after %d attempts", job.handle.decode(errors="replace"), limit)
            for client in job.listeners:
                client.endpoint.work_fail(job)
            self._finish(job)
            return
        if job.numerator or job.denominator:
            job.numerator = job.denominator = 0
        job.state = QUEUED
        function.queued[job.priority] += 1
        function.queues[job.priority].append(job)
        if function.sleepers or function.holders:
            self._wake(function, self.options.worker_wakeup)

    # ---------------------------------------------------------------- disconnects

    def client_gone(self, client: ClientSession) -> None:
        """Detach a client from its jobs; abandon queued jobs nobody else wants."""
        jobs = client.jobs
        client.jobs = {}
        for job in jobs:
            job.listeners = [other for other in job.listeners if other is not client]
            if job.listeners or job.background:
                continue
            if job.state is QUEUED or job.state is SCHEDULED:
                job.function.queued[job.priority] -= 1
                self._finish(job)
                job.function.compact(job.priority)
            # A running job keeps running: a later submit of the same unique may still join
            # it, and its worker's report must not be refused. It is dropped at the end.

    def worker_gone(self, worker: WorkerSession) -> None:
        """Requeue every job the worker held and forget its registrations."""
        was_woken = worker.noop_sent
        functions = list(worker.order)
        jobs = list(worker.assigned.values())
        worker.assigned.clear()
        for function in functions:
            function.records.pop(worker, None)
            function.sleepers.pop(worker, None)
            function.holders.pop(worker, None)
        worker.order = []
        worker.abilities = {}
        worker.records = []
        for job in jobs:
            self._requeue(job)
        if was_woken:
            # Its NOOP is wasted: pass the wake-up on so queued work is not left waiting.
            self._pass_wakeup_on(functions)

    # ---------------------------------------------------------------- queries

    def status(self, handle: bytes) -> JobStatus:
        job = self.jobs.get(handle)
        if job is None:
            return UNKNOWN_STATUS
        return self._status(job)

    def status_unique(self, unique: bytes) -> JobStatus:
        """Status by unique alone, across every function (as GET_STATUS_UNIQUE asks)."""
        job = self.find_unique(unique)
        return UNKNOWN_STATUS if job is None else self._status(job)

    def find_unique(self, unique: bytes) -> Job | None:
        if not unique:
            return None
        for function in self.functions.values():
            job = function.uniques.get(unique)
            if job is not None:
                return job
        return None

    def _status(self, job: Job) -> JobStatus:
        return JobStatus(
            True,
            job.state is RUNNING,
            job.numerator,
            job.denominator,
            len(job.listeners),
        )

    # ---------------------------------------------------------------- admin

    def cancel(self, handle: bytes) -> bool:
        """Admin cancel: fail the job to its listeners once, and make sure it never runs.

        A worker that holds the job is told (job_taken_back) and its result is discarded.
        """
        job = self.jobs.get(handle)
        if job is None:
            return False
        for client in job.listeners:
            client.endpoint.work_fail(job)
            client.jobs.pop(job, None)
        job.listeners = ()
        if job.state is RUNNING:
            job.state = CANCELLED
            if job.store_id is not None and self.store is not None:
                self.store.done(job.store_id)  # it must not come back after a restart
                job.store_id = None
            del self.jobs[job.handle]
            uniques = job.function.uniques
            if job.key is not None and uniques.get(job.key) is job:
                del uniques[job.key]
            assert job.worker is not None
            job.worker.endpoint.job_taken_back(job, "cancelled")
        else:
            job.function.queued[job.priority] -= 1
            self._finish(job)
            job.function.compact(job.priority)
        return True

    def drop_function(self, name: bytes) -> str:
        """Remove a function record; returns "ok", "missing", "busy" or "queued"."""
        function = self.functions.get(name)
        if function is None:
            lowered = name.lower()
            function = next((f for n, f in self.functions.items() if n.lower() == lowered), None)
        if function is None:
            return "missing"
        if function.records or function.running:
            return "busy"
        if any(function.queued):
            return "queued"
        del self.functions[function.name]
        return "ok"

    def set_max_queue(self, name: bytes, limits: tuple[int, int, int]) -> None:
        function = self.functions.get(name)
        if function is not None:
            function.max_queue = [max(0, limit) for limit in limits]


# A retained result is stored as a row of its own kind beside the jobs, so every store keeps
# it without a table of its own: no function name can hold a NUL, and no job has priority -1.
RESULT_FUNCTION = b"\0result"
RESULT_PRIORITY = -1
OUTCOME_CODES = {"complete": b"C", "fail": b"F", "exception": b"E"}
OUTCOME_NAMES = {code: name for name, code in OUTCOME_CODES.items()}


def _is_result(record: StoredJob) -> bool:
    return record.priority == RESULT_PRIORITY and record.function == RESULT_FUNCTION


def _ignore(ok: bool) -> None:
    """A retained result that fails to reach the store still reads from memory."""


def _atoi_u32(text: bytes) -> int:
    """C atoi, as gearmand reads WORK_STATUS numbers, kept to an unsigned 32-bit value."""
    text = text.lstrip(b" \t\n\r\v\f")
    sign = 1
    if text[:1] in (b"-", b"+"):
        sign = -1 if text[:1] == b"-" else 1
        text = text[1:]
    digits = 0
    for index, char in enumerate(text):
        if not 0x30 <= char <= 0x39:
            text = text[:index]
            break
    if text:
        digits = int(text)
    return (sign * digits) & 0xFFFFFFFF
