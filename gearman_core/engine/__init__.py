"""The job engine: queues, jobs and workers, with no I/O of its own."""

from .endpoints import ClientEndpoint, Scheduler, TimerHandle, WorkerEndpoint
from .engine import (
    MAX_UNIQUE,
    UNKNOWN_STATUS,
    Engine,
    EngineOptions,
    JobNotFound,
    JobStatus,
    SubmitError,
)
from .job import PRIORITIES, Function, Job, JobState, Priority
from .sessions import ClientSession, WorkerSession

__all__ = [
    "MAX_UNIQUE",
    "PRIORITIES",
    "UNKNOWN_STATUS",
    "ClientEndpoint",
    "ClientSession",
    "Engine",
    "EngineOptions",
    "Function",
    "Job",
    "JobNotFound",
    "JobState",
    "JobStatus",
    "Priority",
    "Scheduler",
    "SubmitError",
    "TimerHandle",
    "WorkerEndpoint",
    "WorkerSession",
]
