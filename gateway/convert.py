"""Translations between the protobuf messages and the engine's words."""

from __future__ import annotations

import grpc

from gearman_core.engine import MAX_UNIQUE, Job, Priority, SubmitError

from .generated.geargate.v1 import geargate_pb2 as pb

MAX_FUNCTION = 512  # libgearman's limit on function names

PRIORITY_TO_ENGINE = {
    pb.NORMAL: Priority.NORMAL,
    pb.LOW: Priority.LOW,
    pb.HIGH: Priority.HIGH,
}
PRIORITY_TO_PROTO = {engine: proto for proto, engine in PRIORITY_TO_ENGINE.items()}

# Gearman error codes a submit can meet, as gRPC status codes.
SUBMIT_ERROR_STATUS = {
    b"QUEUE_ERROR": grpc.StatusCode.RESOURCE_EXHAUSTED,
    b"ARGUMENT_TOO_LARGE": grpc.StatusCode.INVALID_ARGUMENT,
}


class BadRequest(Exception):
    """A request the engine must not see; becomes INVALID_ARGUMENT."""


class Submission:
    """A validated SubmitRequest in the engine's terms."""

    __slots__ = ("data", "function", "priority", "reducer", "retain", "unique", "when")

    def __init__(self, request: pb.SubmitRequest) -> None:
        function = request.function.encode()
        if not function:
            raise BadRequest("function is required")
        if len(function) > MAX_FUNCTION:
            raise BadRequest(f"function is longer than {MAX_FUNCTION} bytes")
        if b"\0" in function:  # Gearman separates fields with NUL: no name can hold one
            raise BadRequest("function must not contain NUL")
        unique = request.unique.encode()
        if len(unique) > MAX_UNIQUE:
            raise BadRequest(f"unique is longer than {MAX_UNIQUE} bytes")
        reducer = request.reducer.encode()
        if len(reducer) > MAX_UNIQUE:
            raise BadRequest(f"reducer is longer than {MAX_UNIQUE} bytes")
        priority = PRIORITY_TO_ENGINE.get(request.priority)
        if priority is None:
            raise BadRequest(f"unknown priority {request.priority}")
        self.function = function
        self.unique = unique
        self.data = request.payload
        self.priority = priority
        self.reducer = reducer or None
        self.retain = float(request.retain_results_seconds) or None
        self.when = 0.0
        if request.HasField("run_at"):
            self.when = request.run_at.seconds + request.run_at.nanos / 1e9


def submit_error_status(error: SubmitError) -> grpc.StatusCode:
    return SUBMIT_ERROR_STATUS.get(error.code, grpc.StatusCode.UNAVAILABLE)


def text(value: bytes) -> str:
    """Bytes from the Gearman side as a proto string; invalid UTF-8 is replaced, not fatal."""
    return value.decode("utf-8", errors="replace")


def assignment(job: Job) -> pb.WorkerCommand:
    return pb.WorkerCommand(
        assign=pb.Assignment(
            handle=text(job.handle),
            function=text(job.function.name),
            unique=text(job.unique),
            payload=job.data,
            reducer=text(job.reducer or b""),
            attempt=job.retries + 1,
        )
    )
