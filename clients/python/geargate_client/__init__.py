"""Clients and workers for geargate: gRPC (sync and asyncio) and native Gearman TCP (asyncio).

from geargate_client import Client, AsyncClient, Worker, AsyncWorker
from geargate_client.gearman import GearmanClient, GearmanWorker
"""

from .client import AsyncClient, Client
from .errors import (
    ConnectionLost,
    GeargateError,
    JobError,
    JobException,
    JobFailed,
    RpcError,
    SubmitRefused,
    WorkFail,
)
from .job import Job
from .types import JobEvent, JobResult, JobStatus, Outcome, Priority
from .worker import AsyncWorker, Worker

__version__ = "0.1.0"

__all__ = [
    "AsyncClient",
    "AsyncWorker",
    "Client",
    "ConnectionLost",
    "GeargateError",
    "Job",
    "JobError",
    "JobEvent",
    "JobException",
    "JobFailed",
    "JobResult",
    "JobStatus",
    "Outcome",
    "Priority",
    "RpcError",
    "SubmitRefused",
    "WorkFail",
    "Worker",
]
