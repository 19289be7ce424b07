"""gRPC clients: `Client` (blocking, grpc) and `AsyncClient` (asyncio, grpc.aio).

`call` returns the result bytes and raises JobFailed / JobException for the other outcomes;
`call_result` returns a JobResult whatever the outcome. RPC failures raise RpcError with the
gRPC status code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

import grpc

from . import _grpc
from ._pb.geargate.v1 import geargate_pb2 as pb
from ._pb.geargate.v1 import geargate_pb2_grpc as pbg
from .types import JobEvent, JobResult, JobStatus, Priority

Payload = bytes | str


class Client:
    """Blocking gRPC client.

    address: "host:port" (default localhost:50051). credentials: grpc.ChannelCredentials for
    TLS (e.g. grpc.ssl_channel_credentials()); plaintext when None. timeout: default deadline
    in seconds for every call (None = no deadline); each method also takes `timeout=`.
    """

    def __init__(
        self,
        address: str = _grpc.DEFAULT_ADDRESS,
        *,
        credentials: Any | None = None,
        options: _grpc.ChannelOptions | None = None,
        timeout: float | None = None,
        channel: Any | None = None,
    ) -> None:
        self._own_channel = channel is None
        self._channel = channel or _grpc.sync_channel(address, credentials, options)
        self._jobs = pbg.JobServiceStub(self._channel)
        self._admin = pbg.AdminServiceStub(self._channel)
        self.timeout = timeout

    def close(self) -> None:
        if self._own_channel:
            self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _deadline(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    def call(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> bytes:
        """Run a foreground job and return its result; raises JobFailed / JobException."""
        return self.call_result(
            function,
            payload,
            unique=unique,
            priority=priority,
            run_at=run_at,
            reducer=reducer,
            timeout=timeout,
            collect_events=False,
        ).value()

    def call_result(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
        collect_events: bool = True,
    ) -> JobResult:
        """Run a foreground job and return its JobResult (complete, fail or exception)."""
        request = _grpc.submit_request(
            function,
            payload,
            unique=unique,
            priority=priority,
            run_at=run_at,
            reducer=reducer,
            collect_events=collect_events,
        )
        try:
            reply = self._jobs.Call(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return _grpc.job_result(reply)

    def run(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> Iterator[JobEvent]:
        """Run a foreground job and yield its events: created, data/warning/status, terminal."""
        request = _grpc.submit_request(
            function, payload, unique=unique, priority=priority, run_at=run_at, reducer=reducer
        )
        stream = self._jobs.Run(request, timeout=self._deadline(timeout))
        try:
            for event in stream:
                yield _grpc.job_event(event)
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        finally:
            stream.cancel()

    def submit(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> str:
        """Queue a background job; returns its handle."""
        request = _grpc.submit_request(
            function, payload, unique=unique, priority=priority, run_at=run_at, reducer=reducer
        )
        try:
            reply = self._jobs.Submit(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return str(reply.handle)

    def status(
        self, handle: str | None = None, *, unique: str | None = None, timeout: float | None = None
    ) -> JobStatus:
        """Status of a job by handle, or by unique across all functions."""
        request = _grpc.status_request(handle, unique)
        try:
            reply = self._jobs.GetStatus(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return _grpc.job_status(reply)

    def cancel(self, handle: str, *, timeout: float | None = None) -> bool:
        """Cancel a job; False when no job has that handle."""
        try:
            reply = self._jobs.Cancel(
                pb.CancelRequest(handle=handle), timeout=self._deadline(timeout)
            )
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return bool(reply.cancelled)

    def version(self, *, timeout: float | None = None) -> str:
        """The server's version string."""
        try:
            reply = self._admin.Version(pb.VersionQuery(), timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return str(reply.version)


class AsyncClient:
    """asyncio gRPC client; same methods as Client, as coroutines (run: async iterator)."""

    def __init__(
        self,
        address: str = _grpc.DEFAULT_ADDRESS,
        *,
        credentials: Any | None = None,
        options: _grpc.ChannelOptions | None = None,
        timeout: float | None = None,
        channel: Any | None = None,
    ) -> None:
        self._own_channel = channel is None
        self._channel = channel or _grpc.aio_channel(address, credentials, options)
        self._jobs = pbg.JobServiceStub(self._channel)
        self._admin = pbg.AdminServiceStub(self._channel)
        self.timeout = timeout

    async def close(self) -> None:
        if self._own_channel:
            await self._channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _deadline(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    async def call(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> bytes:
        """Run a foreground job and return its result; raises JobFailed / JobException."""
        result = await self.call_result(
            function,
            payload,
            unique=unique,
            priority=priority,
            run_at=run_at,
            reducer=reducer,
            timeout=timeout,
            collect_events=False,
        )
        return result.value()

    async def call_result(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
        collect_events: bool = True,
    ) -> JobResult:
        """Run a foreground job and return its JobResult (complete, fail or exception)."""
        request = _grpc.submit_request(
            function,
            payload,
            unique=unique,
            priority=priority,
            run_at=run_at,
            reducer=reducer,
            collect_events=collect_events,
        )
        try:
            reply = await self._jobs.Call(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return _grpc.job_result(reply)

    async def run(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> AsyncIterator[JobEvent]:
        """Run a foreground job and yield its events: created, data/warning/status, terminal."""
        request = _grpc.submit_request(
            function, payload, unique=unique, priority=priority, run_at=run_at, reducer=reducer
        )
        stream = self._jobs.Run(request, timeout=self._deadline(timeout))
        try:
            async for event in stream:
                yield _grpc.job_event(event)
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        finally:
            stream.cancel()

    async def submit(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: dt.datetime | None = None,
        reducer: str = "",
        timeout: float | None = None,
    ) -> str:
        """Queue a background job; returns its handle."""
        request = _grpc.submit_request(
            function, payload, unique=unique, priority=priority, run_at=run_at, reducer=reducer
        )
        try:
            reply = await self._jobs.Submit(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return str(reply.handle)

    async def status(
        self, handle: str | None = None, *, unique: str | None = None, timeout: float | None = None
    ) -> JobStatus:
        """Status of a job by handle, or by unique across all functions."""
        request = _grpc.status_request(handle, unique)
        try:
            reply = await self._jobs.GetStatus(request, timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return _grpc.job_status(reply)

    async def cancel(self, handle: str, *, timeout: float | None = None) -> bool:
        """Cancel a job; False when no job has that handle."""
        try:
            reply = await self._jobs.Cancel(
                pb.CancelRequest(handle=handle), timeout=self._deadline(timeout)
            )
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return bool(reply.cancelled)

    async def version(self, *, timeout: float | None = None) -> str:
        """The server's version string."""
        try:
            reply = await self._admin.Version(pb.VersionQuery(), timeout=self._deadline(timeout))
        except grpc.RpcError as exc:
            raise _grpc.rpc_error(exc) from None
        return str(reply.version)
