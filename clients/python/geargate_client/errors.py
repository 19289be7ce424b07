"""The exceptions this package raises, and the ones handlers raise to steer an outcome."""

from __future__ import annotations

from typing import Any


class GeargateError(Exception):
    """Base class of every error raised by geargate_client."""


class RpcError(GeargateError):
    """A gRPC call failed. `code` keeps the gRPC status code (a `grpc.StatusCode`)."""

    def __init__(self, code: Any, details: str) -> None:
        super().__init__(f"{getattr(code, 'name', code)}: {details}")
        self.code = code
        self.details = details


class JobError(GeargateError):
    """A job ended without completing (raised by the raising `call` helpers)."""

    def __init__(self, handle: str, message: str) -> None:
        super().__init__(message)
        self.handle = handle


class JobFailed(JobError):
    """The worker reported WORK_FAIL (or the job was cancelled)."""

    def __init__(self, handle: str) -> None:
        super().__init__(handle, f"job {handle} failed")


class JobException(JobError):
    """The worker reported WORK_EXCEPTION; `data` is its payload (usually a message)."""

    def __init__(self, handle: str, data: bytes) -> None:
        super().__init__(handle, data.decode("utf-8", "replace") or f"job {handle} raised")
        self.data = data


class SubmitRefused(GeargateError):
    """The server refused a request with an ERROR packet (code such as QUEUE_ERROR)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


class ConnectionLost(GeargateError):
    """No server could be reached, or the connection broke while a request was pending."""


class WorkFail(Exception):
    """Raise from a worker handler to end the job with WORK_FAIL (no payload).

    Any other exception raised by a handler ends the job with WORK_EXCEPTION whose data is
    the exception's message.
    """
