"""WorkerService: a gRPC Work stream as an engine worker endpoint.

Gearman TCP workers pull (GRAB_JOB after a NOOP); a stream worker is pushed to: whenever the
engine wakes it, it grabs while it holds fewer jobs than its credit, and goes to sleep in the
engine (PRE_SLEEP) when nothing is left. So both kinds of worker meet the same wake-up,
priority, timeout and requeue rules.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import AsyncIterator

import grpc
from google.protobuf.message import DecodeError

from gearman_core.engine import Engine, Job, JobNotFound

from .convert import MAX_FUNCTION, assignment, text
from .generated.geargate.v1 import geargate_pb2 as pb
from .generated.geargate.v1 import geargate_pb2_grpc as pb_grpc

log = logging.getLogger("geargate.grpc")

# Commands waiting for a worker that does not read; assignments are bounded by credit, so
# only pings, cancels and rejections can pile up here.
OUTBOX_LIMIT = 4096
MAX_CREDIT = 100_000
MAX_TIMEOUT_MS = 2**31 - 1


class WorkerError(Exception):
    """The worker broke the stream's rules; the stream ends with INVALID_ARGUMENT."""


class StreamWorker:
    """The engine's WorkerEndpoint for one Work stream."""

    def __init__(self, engine: Engine, peer: str) -> None:
        self.engine = engine
        self.peer = peer
        self.session = engine.new_worker(self)
        self.credit = 1
        self._outbox: deque[pb.WorkerCommand] = deque()
        self._ready = asyncio.Event()
        self._pump_scheduled = False
        self.closed = False
        self.error: tuple[grpc.StatusCode, str] | None = None
        self.heard = True  # a message arrived since the last ping tick
        self.ping_outstanding = False
        self._nonce = itertools.count(1)

    # ---------------------------------------------------------------- WorkerEndpoint

    def wake(self) -> None:
        # Grab on the next loop turn, never from inside an engine call.
        if not self._pump_scheduled and not self.closed:
            self._pump_scheduled = True
            asyncio.get_running_loop().call_soon(self.pump)

    def job_taken_back(self, job: Job, reason: str) -> None:
        self.send(pb.WorkerCommand(cancel=pb.CancelJob(handle=text(job.handle), reason=reason)))
        if reason == "cancelled":
            # A TCP worker keeps a cancelled job until it reports; a stream worker is told to
            # drop it, so the stream ends the assignment itself and the credit comes back.
            asyncio.get_running_loop().call_soon(self._release, job.handle)
        self.wake()

    def _release(self, handle: bytes) -> None:
        if handle in self.session.assigned:
            self.engine.work_fail(self.session, handle)  # no listeners left: nothing is sent
            self.wake()

    # ---------------------------------------------------------------- flow

    def pump(self) -> None:
        """Take jobs while credit remains; sleep in the engine when there are none."""
        self._pump_scheduled = False
        if self.closed:
            return
        session = self.session
        while len(session.assigned) < self.credit:
            job = self.engine.grab(session)
            if job is None:
                self.engine.pre_sleep(session)
                return
            self.send(assignment(job))

    def send(self, command: pb.WorkerCommand) -> None:
        if self.closed:
            return
        if len(self._outbox) >= OUTBOX_LIMIT:
            self.fail(grpc.StatusCode.RESOURCE_EXHAUSTED, "the worker is not reading the stream")
            return
        self._outbox.append(command)
        self._ready.set()

    async def next_command(self) -> pb.WorkerCommand | None:
        while not self._outbox:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self._outbox.popleft()

    def fail(self, code: grpc.StatusCode, message: str) -> None:
        if self.error is None:
            self.error = (code, message)
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._ready.set()
            self.engine.worker_gone(self.session)

    # ---------------------------------------------------------------- messages

    def register(self, register: pb.Register) -> None:
        self.session.client_id = register.worker_id.encode()[:127] or b"-"
        self.credit = min(max(register.concurrency, 1), MAX_CREDIT)
        for can_do in register.functions:
            self._can_do(can_do)
        self.wake()

    def _can_do(self, can_do: pb.CanDo) -> None:
        name = can_do.function.encode()
        if not name or len(name) > MAX_FUNCTION:
            raise WorkerError(f"function names are 1 to {MAX_FUNCTION} bytes")
        self.engine.can_do(self.session, name, min(can_do.timeout_ms, MAX_TIMEOUT_MS))

    def handle(self, message: pb.WorkerMessage) -> None:
        self.heard = True
        kind = message.WhichOneof("kind")
        engine, session = self.engine, self.session
        try:
            if kind == "complete":
                engine.work_complete(
                    session, message.complete.handle.encode(), message.complete.data
                )
                self.wake()
            elif kind == "data":
                engine.work_data(session, message.data.handle.encode(), message.data.data)
            elif kind == "status":
                status = message.status
                engine.work_status(
                    session,
                    status.handle.encode(),
                    b"%d" % status.numerator,
                    b"%d" % status.denominator,
                )
            elif kind == "warning":
                engine.work_warning(session, message.warning.handle.encode(), message.warning.data)
            elif kind == "fail":
                engine.work_fail(session, message.fail.handle.encode())
                self.wake()
            elif kind == "exception":
                engine.work_exception(
                    session, message.exception.handle.encode(), message.exception.data
                )
                self.wake()
            elif kind == "pong":
                self.ping_outstanding = False
            elif kind == "can_do":
                self._can_do(message.can_do)
                self.wake()
            elif kind == "cant_do":
                engine.cant_do(session, message.cant_do.function.encode())
            elif kind == "add_credit":
                self.credit = min(max(self.credit + message.add_credit.delta, 0), MAX_CREDIT)
                self.wake()
            elif kind == "register":
                raise WorkerError("register may only be the first message")
            else:
                raise WorkerError("empty or unknown worker message")
        except JobNotFound:
            handle = _handle_of(message, kind)
            rejected = pb.Rejected(
                handle=handle,
                reason="this stream does not hold that job (finished, timed out or cancelled)",
                code="FAILED_PRECONDITION",
            )
            self.send(pb.WorkerCommand(rejected=rejected))

    async def read(self, messages: AsyncIterator[pb.WorkerMessage]) -> None:
        try:
            async for message in messages:
                self.handle(message)
                if self.closed:
                    return
        except WorkerError as error:
            self.fail(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        except DecodeError as error:
            self.fail(grpc.StatusCode.INVALID_ARGUMENT, f"undecodable WorkerMessage: {error}")
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a broken stream is a lost worker, whatever broke it
            log.info("worker stream from %s broke: %s", self.peer, error)
        self.close()

    async def keep_alive(self, interval: float) -> None:
        """Ping when the worker has been silent; a ping left unanswered loses the worker."""
        while not self.closed:
            await asyncio.sleep(interval)
            if self.heard:
                self.heard = False
                continue
            if self.ping_outstanding:
                log.warning("worker %s did not answer a ping; its jobs are requeued", self.peer)
                self.fail(grpc.StatusCode.DEADLINE_EXCEEDED, "no answer to ping")
                return
            self.ping_outstanding = True
            self.send(pb.WorkerCommand(ping=pb.Ping(nonce=next(self._nonce))))


def _handle_of(message: pb.WorkerMessage, kind: str | None) -> str:
    part = getattr(message, kind or "", None)
    return str(getattr(part, "handle", ""))


class WorkerService(pb_grpc.WorkerServiceServicer):
    def __init__(self, engine: Engine, ping_interval: float) -> None:
        self.engine = engine
        self.ping_interval = ping_interval
        self.workers: dict[StreamWorker, None] = {}

    async def Work(
        self,
        request_iterator: AsyncIterator[pb.WorkerMessage],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.WorkerCommand]:
        messages = aiter(request_iterator)
        try:
            first = await anext(messages)
        except StopAsyncIteration:
            return
        except DecodeError as error:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"undecodable WorkerMessage: {error}"
            )
        if first.WhichOneof("kind") != "register":
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "the first message must be register"
            )
        worker = StreamWorker(self.engine, context.peer())
        self.workers[worker] = None
        tasks: list[asyncio.Task[None]] = []
        try:
            worker.register(first.register)
            tasks.append(asyncio.ensure_future(worker.read(messages)))
            if self.ping_interval > 0:
                tasks.append(asyncio.ensure_future(worker.keep_alive(self.ping_interval)))
            while True:
                command = await worker.next_command()
                if command is None:
                    break
                yield command
        except WorkerError as error:
            worker.fail(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        finally:
            for task in tasks:
                task.cancel()
            worker.close()
            del self.workers[worker]
        if worker.error is not None:
            await context.abort(*worker.error)
