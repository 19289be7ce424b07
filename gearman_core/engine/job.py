"""Jobs and the functions that queue them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sessions import ClientSession, WorkerSession


class Priority(IntEnum):
    HIGH = 0
    NORMAL = 1
    LOW = 2


PRIORITIES = (Priority.HIGH, Priority.NORMAL, Priority.LOW)


class JobState(IntEnum):
    QUEUED = 0  # runnable, waiting in its function's queue
    SCHEDULED = 1  # an epoch job whose time has not come; counted as queued
    RUNNING = 2  # held by a worker
    CANCELLED = 3  # cancelled by an admin while a worker held it; its result is dropped
    DONE = 4  # finished, dropped or abandoned; any queue entry left is a tombstone
    PENDING = 5  # a background job waiting for the store to commit it; counted as queued


# The members bound once: looking one up on the enum class costs about 60 ns, and the hot
# path compares states several times per job.
QUEUED = JobState.QUEUED
SCHEDULED = JobState.SCHEDULED
RUNNING = JobState.RUNNING
CANCELLED = JobState.CANCELLED
DONE = JobState.DONE
PENDING = JobState.PENDING


class Job:
    """One unit of work. Identity is the object; ``handle`` names it on the wire.

    Memory matters here: a server may hold millions of queued jobs. What every job needs is
    in slots; what few jobs use (epoch, reducer, progress, retries, a timeout timer, a retain
    time) lives in an instance dict that only those jobs get, on first write. The class
    attributes below are the values for every job without one.
    """

    __slots__ = (
        "__dict__",
        "background",
        "commit_waiters",
        "data",
        "function",
        "handle",
        "key",
        "listeners",
        "priority",
        "state",
        "store_id",
        "unique",
        "worker",
    )

    when: float = 0.0  # not before this time (SUBMIT_JOB_EPOCH); 0 = now
    reducer: bytes | None = None
    numerator: int = 0
    denominator: int = 0
    retries: int = 0  # times requeued after a lost worker or a timeout
    timer: Any = None  # the CAN_DO_TIMEOUT timer of the current assignment
    retain: float | None = None  # seconds to keep its outcome; None = server default

    def __init__(
        self,
        handle: bytes,
        function: Function,
        unique: bytes,
        data: bytes,
        priority: int,
        background: bool,
        when: float,
        reducer: bytes | None,
        key: object,
    ) -> None:
        self.handle = handle
        self.function = function
        self.unique = unique
        self.data = data
        self.priority = priority
        # True once any background submitter shares this job: then no client disconnect
        # may abandon it.
        self.background = background
        if when:
            self.when = when
        if reducer is not None:
            self.reducer = reducer
        self.key = key  # coalescing key in the engine's unique table, or None
        # One entry per foreground submit; a shared empty tuple until the first (most
        # background jobs never have one, and an empty list per queued job adds up).
        self.listeners: list[ClientSession] | tuple[()] = ()
        self.worker: WorkerSession | None = None
        self.state = QUEUED
        self.store_id: int | None = None  # its row in the persistent store, if it has one
        # Callbacks waiting for the store to commit this job; None when no commit is pending.
        self.commit_waiters: list[Callable[[bool], None]] | None = None

    def __repr__(self) -> str:
        return f"<Job {self.handle!r} {self.function.name!r} {self.state.name}>"


class Function:
    """A function name: its three priority queues, its workers, and its limits."""

    __slots__ = (
        "holders",
        "max_queue",
        "name",
        "queued",
        "queues",
        "records",
        "running",
        "sleepers",
        "uniques",
    )

    def __init__(self, name: bytes) -> None:
        self.name = name
        # Runnable jobs in FIFO order per priority. Entries whose job left the QUEUED state
        # are tombstones, skipped (and dropped) when reached.
        self.queues: tuple[deque[Job], deque[Job], deque[Job]] = (deque(), deque(), deque())
        # Live queued jobs per priority, scheduled epoch jobs included (as gearmand counts).
        self.queued = [0, 0, 0]
        self.running = 0
        # Worker registrations: a worker that sent CAN_DO twice counts twice, as in gearmand.
        self.records: dict[WorkerSession, int] = {}
        # Sleeping workers that may take this function's jobs and have not been sent a NOOP
        # yet, oldest sleeper first, which spreads wake-ups across the pool.
        self.sleepers: dict[WorkerSession, None] = {}
        # Sleepers waiting in a held grab (--grab-wait): woken before the others, since
        # they take a job without a NOOP round trip.
        self.holders: dict[WorkerSession, None] = {}
        self.max_queue = [0, 0, 0]
        # Queued or running jobs by coalescing key: the unique itself (the job's own bytes,
        # so a key costs nothing more), or (None, payload) for the unique `-`.
        self.uniques: dict[object, Job] = {}

    @property
    def total(self) -> int:
        return self.queued[0] + self.queued[1] + self.queued[2] + self.running

    @property
    def worker_count(self) -> int:
        return sum(self.records.values())

    def head(self, priority: int) -> Job | None:
        """The first runnable job of a priority, dropping tombstones on the way."""
        queue = self.queues[priority]
        while queue:
            job = queue[0]
            if job.state is QUEUED:
                return job
            queue.popleft()
        return None

    def has_runnable(self) -> bool:
        return (
            self.head(Priority.HIGH) is not None
            or self.head(Priority.NORMAL) is not None
            or self.head(Priority.LOW) is not None
        )

    def compact(self, priority: int) -> None:
        """Drop tombstones when they outnumber live entries (many abandoned jobs)."""
        queue = self.queues[priority]
        if len(queue) > 64 and len(queue) > 2 * self.queued[priority]:
            live = [job for job in queue if job.state is QUEUED]
            queue.clear()
            queue.extend(live)

    def __repr__(self) -> str:
        return f"<Function {self.name!r}>"
