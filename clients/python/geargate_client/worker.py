"""gRPC workers: `AsyncWorker` (asyncio, grpc.aio) and `Worker` (blocking wrapper).

A worker opens one Work stream, registers its functions with a concurrency (the server never
assigns more jobs at once), answers pings, honours cancels, and reconnects with exponential
backoff when the stream breaks. stop() is graceful: no new jobs, running ones finish and are
reported, then the stream is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc

from . import _grpc
from ._pb.geargate.v1 import geargate_pb2 as pb
from ._pb.geargate.v1 import geargate_pb2_grpc as pbg
from .errors import RpcError, WorkFail
from .job import Handler, Job, invoke, thread_safe

log = logging.getLogger("geargate_client.worker")

# Errors that retrying cannot fix: the worker's own request is wrong.
_FATAL = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.UNIMPLEMENTED}


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class AsyncWorker:
    """asyncio gRPC worker.

    address: "host:port" (default localhost:50051); credentials: grpc.ChannelCredentials for
    TLS. concurrency: jobs held at once. `ready` is set once the server lists the worker.
    """

    def __init__(
        self,
        address: str = _grpc.DEFAULT_ADDRESS,
        *,
        worker_id: str | None = None,
        concurrency: int = 1,
        credentials: Any | None = None,
        options: _grpc.ChannelOptions | None = None,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
    ) -> None:
        self.address = address
        self.worker_id = worker_id or default_worker_id()
        self.concurrency = max(1, concurrency)
        self._credentials = credentials
        self._options = options
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._handlers: dict[str, tuple[Handler, int]] = {}
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self.ready = asyncio.Event()
        self.connections = 0  # streams opened so far (reconnects included)

    def handle(self, function: str, handler: Handler, *, timeout_ms: int = 0) -> None:
        """Serve `function` with `handler`; timeout_ms > 0 asks the server to take back jobs
        held longer (CAN_DO_TIMEOUT)."""
        self._handlers[function] = (handler, timeout_ms)

    def handler(self, function: str, *, timeout_ms: int = 0) -> Callable[[Handler], Handler]:
        """Decorator form of handle()."""

        def register(func: Handler) -> Handler:
            self.handle(function, func, timeout_ms=timeout_ms)
            return func

        return register

    def stop(self) -> None:
        """Ask run() to finish gracefully (call from the loop's thread, e.g. a signal handler)."""
        self._stop_requested = True
        if self._stop is not None:
            self._stop.set()

    async def run(self) -> None:
        """Serve until stop(); reconnects with backoff; raises RpcError on fatal errors."""
        if not self._handlers:
            raise ValueError("register at least one function before run()")
        self._stop = asyncio.Event()
        if self._stop_requested:
            return
        backoff = self.backoff_initial
        # A private subchannel pool and gRPC's own reconnect backoff bounded by ours, so a
        # restarted server is found again as soon as our backoff allows (and other channels
        # of the process do not inherit this one's failure state).
        options = [
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.initial_reconnect_backoff_ms", max(1, int(self.backoff_initial * 1000))),
            ("grpc.min_reconnect_backoff_ms", max(1, int(self.backoff_initial * 1000))),
            ("grpc.max_reconnect_backoff_ms", max(1, int(self.backoff_max * 1000))),
            *(self._options or []),
        ]
        while not self._stop.is_set():
            registered = asyncio.Event()
            channel = _grpc.aio_channel(self.address, self._credentials, options)
            try:
                await self._session(channel, registered)
            except RpcError as exc:
                if exc.code in _FATAL:
                    raise
                log.warning("worker stream broke: %s; retrying in %.2fs", exc, backoff)
            finally:
                await channel.close()
            if self._stop.is_set():
                break
            if registered.is_set():
                backoff = self.backoff_initial
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            backoff = min(backoff * 2, self.backoff_max)

    async def _confirm(self, channel: Any, registered: asyncio.Event) -> None:
        admin = pbg.AdminServiceStub(channel)
        for _ in range(250):
            try:
                reply = await admin.Workers(pb.WorkersQuery(), timeout=2)
            except grpc.RpcError:
                await asyncio.sleep(0.05)
                continue
            if any(w.worker_id == self.worker_id for w in reply.workers):
                registered.set()
                self.ready.set()
                return
            await asyncio.sleep(0.02)

    async def _session(self, channel: Any, registered: asyncio.Event) -> None:
        assert self._stop is not None
        loop = asyncio.get_running_loop()
        out: asyncio.Queue[Any] = asyncio.Queue()
        jobs: dict[str, tuple[Job, asyncio.Task[None]]] = {}
        closing = False
        out.put_nowait(
            pb.WorkerMessage(
                register=pb.Register(
                    worker_id=self.worker_id,
                    functions=[
                        pb.CanDo(function=name, timeout_ms=timeout)
                        for name, (_, timeout) in self._handlers.items()
                    ],
                    concurrency=self.concurrency,
                )
            )
        )

        async def requests() -> AsyncIterator[Any]:
            while True:
                message = await out.get()
                if message is None:
                    return
                yield message

        def emitter(handle: str) -> Callable[[str, bytes, int, int], None]:
            def emit(kind: str, data: bytes, num: int, den: int) -> None:
                if kind == "status":
                    message = pb.WorkerMessage(
                        status=pb.WorkStatus(handle=handle, numerator=num, denominator=den)
                    )
                else:
                    message = pb.WorkerMessage(**{kind: pb.WorkData(handle=handle, data=data)})
                out.put_nowait(message)

            return thread_safe(loop, emit)

        async def run_job(job: Job, handler: Handler) -> None:
            try:
                result = await invoke(handler, job)
                message = pb.WorkerMessage(complete=pb.WorkData(handle=job.handle, data=result))
            except asyncio.CancelledError:
                if not job.cancelled:
                    raise
                return
            except WorkFail:
                message = pb.WorkerMessage(fail=pb.WorkFail(handle=job.handle))
            except Exception as exc:
                text = str(exc) or type(exc).__name__
                message = pb.WorkerMessage(
                    exception=pb.WorkData(handle=job.handle, data=text.encode("utf-8"))
                )
            finally:
                jobs.pop(job.handle, None)
            if not job.cancelled:
                out.put_nowait(message)

        call = pbg.WorkerServiceStub(channel).Work(requests())
        self.connections += 1

        async def read() -> None:
            async for command in call:
                kind = command.WhichOneof("kind")
                if kind == "assign":
                    a = command.assign
                    if closing:
                        continue  # requeued by the server when the stream ends
                    entry = self._handlers.get(a.function)
                    if entry is None:
                        out.put_nowait(pb.WorkerMessage(fail=pb.WorkFail(handle=a.handle)))
                        continue
                    job = Job(
                        handle=a.handle,
                        function=a.function,
                        unique=a.unique,
                        payload=bytes(a.payload),
                        reducer=a.reducer,
                        attempt=a.attempt,
                        emit=emitter(a.handle),
                    )
                    jobs[a.handle] = (job, asyncio.create_task(run_job(job, entry[0])))
                elif kind == "ping":
                    out.put_nowait(pb.WorkerMessage(pong=pb.Pong(nonce=command.ping.nonce)))
                elif kind == "cancel":
                    held = jobs.get(command.cancel.handle)
                    if held is not None:
                        held[0].cancel(command.cancel.reason)
                        held[1].cancel()
                elif kind == "rejected":
                    log.info(
                        "report rejected: %s %s", command.rejected.handle, command.rejected.reason
                    )

        reader = asyncio.create_task(read())
        confirm = asyncio.create_task(self._confirm(channel, registered))
        stopper = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper.done() and not reader.done():
                # Graceful: take no more work, finish and report what we hold, then close.
                out.put_nowait(pb.WorkerMessage(add_credit=pb.AddCredit(delta=-self.concurrency)))
                while jobs and not reader.done():
                    await asyncio.wait(
                        {task for _, task in jobs.values()} | {reader},
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                closing = True
                await asyncio.sleep(0.05)  # let the last reports leave
                out.put_nowait(None)
                with contextlib.suppress(TimeoutError, grpc.RpcError):
                    await asyncio.wait_for(asyncio.shield(reader), 2.0)
            if reader.done() and not reader.cancelled():
                exc = reader.exception()
                if isinstance(exc, grpc.RpcError):
                    if self._stop.is_set() and exc.code() == grpc.StatusCode.CANCELLED:
                        return
                    raise _grpc.rpc_error(exc)
                if exc is not None:
                    raise exc
                if not self._stop.is_set():
                    raise RpcError(grpc.StatusCode.UNAVAILABLE, "the server ended the stream")
        finally:
            closing = True
            for task in (reader, confirm, stopper):
                task.cancel()
            for job, task in list(jobs.values()):
                job.cancel("disconnected")
                task.cancel()
            call.cancel()


class Worker:
    """Blocking gRPC worker: run() serves in its own event loop until stop().

    Plain-function handlers run in threads (`concurrency` of them at once); coroutine
    handlers run on the worker's loop. stop() may be called from any thread or a signal
    handler.
    """

    def __init__(self, address: str = _grpc.DEFAULT_ADDRESS, **kwargs: Any) -> None:
        self._worker = AsyncWorker(address, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def worker_id(self) -> str:
        return self._worker.worker_id

    def handle(self, function: str, handler: Handler, *, timeout_ms: int = 0) -> None:
        self._worker.handle(function, handler, timeout_ms=timeout_ms)

    def handler(self, function: str, *, timeout_ms: int = 0) -> Callable[[Handler], Handler]:
        return self._worker.handler(function, timeout_ms=timeout_ms)

    def run(self, *, handle_signals: bool = True) -> None:
        """Serve until stop(); in the main thread, SIGTERM and SIGINT also stop gracefully."""

        async def main() -> None:
            loop = asyncio.get_running_loop()
            with self._lock:
                self._loop = loop
                if self._stopped:
                    return
            if handle_signals and threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, self._worker.stop)
            await self._worker.run()

        asyncio.run(main())

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._worker.stop)
