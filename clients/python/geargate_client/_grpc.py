"""Helpers shared by the gRPC client and worker: channels, conversions, error mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import grpc
import grpc.aio

from ._pb.geargate.v1 import geargate_pb2 as pb
from .errors import RpcError
from .types import JobEvent, JobResult, JobStatus, Outcome, Priority

DEFAULT_ADDRESS = "localhost:50051"
ChannelOptions = Sequence[tuple[str, Any]]


def sync_channel(address: str, credentials: Any | None, options: ChannelOptions | None) -> Any:
    """A grpc.Channel: plaintext unless `credentials` (grpc.ChannelCredentials) is given."""
    opts = list(options or [])
    if credentials is not None:
        return grpc.secure_channel(address, credentials, options=opts)
    return grpc.insecure_channel(address, options=opts)


def aio_channel(address: str, credentials: Any | None, options: ChannelOptions | None) -> Any:
    """A grpc.aio.Channel: plaintext unless `credentials` is given."""
    opts = list(options or [])
    if credentials is not None:
        return grpc.aio.secure_channel(address, credentials, options=opts)
    return grpc.aio.insecure_channel(address, options=opts)


def rpc_error(exc: Any) -> RpcError:
    """Turn a grpc.RpcError into ours, keeping the status code."""
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = exc.details() if hasattr(exc, "details") else str(exc)
    return RpcError(code, details or "")


def submit_request(
    function: str,
    payload: bytes | str,
    *,
    unique: str = "",
    priority: Priority = Priority.NORMAL,
    run_at: dt.datetime | None = None,
    reducer: str = "",
    collect_events: bool = False,
    background: bool = False,
    request_id: int = 0,
) -> Any:
    request = pb.SubmitRequest(
        function=function,
        payload=payload.encode("utf-8") if isinstance(payload, str) else bytes(payload),
        unique=unique,
        priority=cast(Any, int(priority)),
        reducer=reducer,
        collect_events=collect_events,
        background=background,
        request_id=request_id,
    )
    if run_at is not None:
        request.run_at.FromDatetime(run_at.astimezone(dt.UTC))
    return request


_OUTCOMES = {1: Outcome.COMPLETE, 2: Outcome.FAIL, 3: Outcome.EXCEPTION}


def job_result(reply: Any) -> JobResult:
    return JobResult(
        handle=reply.handle,
        outcome=_OUTCOMES.get(reply.outcome, Outcome.FAIL),
        data=bytes(reply.data),
        data_events=[bytes(d) for d in reply.data_events],
        warnings=[bytes(w) for w in reply.warnings],
    )


def job_event(event: Any) -> JobEvent:
    kind = event.WhichOneof("event")
    common = {"handle": event.handle, "request_id": event.request_id}
    if kind == "created":
        return JobEvent("created", coalesced=event.created.coalesced, **common)
    if kind == "status":
        return JobEvent(
            "status",
            numerator=event.status.numerator,
            denominator=event.status.denominator,
            **common,
        )
    if kind == "fail":
        return JobEvent("fail", **common)
    if kind == "error":
        return JobEvent(
            "error",
            error_code=event.error.code,
            data=event.error.message.encode("utf-8"),
            **common,
        )
    if kind in ("data", "warning", "complete", "exception"):
        return JobEvent(kind, data=bytes(getattr(event, kind)), **common)
    raise RpcError(grpc.StatusCode.INTERNAL, f"unexpected job event {kind!r}")


def status_request(handle: str | None, unique: str | None) -> Any:
    if (handle is None) == (unique is None):
        raise ValueError("give exactly one of handle or unique")
    if handle is not None:
        return pb.StatusRequest(handle=handle)
    return pb.StatusRequest(unique=unique)


def job_status(reply: Any) -> JobStatus:
    return JobStatus(
        known=reply.known,
        running=reply.running,
        numerator=reply.numerator,
        denominator=reply.denominator,
        waiting_clients=reply.waiting_clients,
        handle=reply.handle,
    )
