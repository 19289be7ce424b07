"""JobService: gRPC clients submitting to the engine.

Every foreground submission gets its own engine client session whose endpoint is a
Listener; its events go into the call's EventSink, which the call drains in order. A call
that ends for any reason (result, cancel, deadline, broken stream) detaches its sessions with
``client_gone``, exactly as a TCP client that disconnects.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing
from enum import Enum
from functools import partial

import grpc
from google.protobuf.message import DecodeError

from gearman_core.engine import MAX_UNIQUE, ClientSession, Engine, Job, SubmitError

from .convert import BadRequest, Submission, submit_error_status, text
from .generated.geargate.v1 import geargate_pb2 as pb
from .generated.geargate.v1 import geargate_pb2_grpc as pb_grpc

# A background job the store could not commit (the Gearman side answers QUEUE_ERROR).
STORE_UNAVAILABLE = grpc.StatusCode.UNAVAILABLE
STORE_FAILED = "the job store could not commit the job; nothing was queued"


OUTCOMES = {"complete": pb.COMPLETE, "fail": pb.FAIL, "exception": pb.EXCEPTION}
# Most events in one EventBatch (PipelineBatch).
EVENT_BATCH = 1024


class SinkEnd(Enum):
    DONE = 1  # input closed and every foreground submission has its terminal event
    OVERFLOW = 2  # the client stopped reading and the bound was reached
    BROKEN = 3  # reading the requests failed (an undecodable message)


class EventSink:
    """The events of one call, bounded in count and bytes: a client that stops reading is cut
    off, never buffered without end."""

    __slots__ = (
        "_bytes",
        "_events",
        "_input_done",
        "_open",
        "_ready",
        "broken",
        "byte_limit",
        "limit",
        "overflowed",
    )

    def __init__(self, limit: int, byte_limit: int) -> None:
        self._events: deque[tuple[pb.JobEvent, int]] = deque()
        self._bytes = 0
        self._ready = asyncio.Event()
        self._open = 0  # foreground submissions still waiting for their terminal event
        self._input_done = False
        self.limit = limit
        self.byte_limit = byte_limit
        self.overflowed = False
        self.broken: str | None = None  # why reading the requests failed

    def put(self, event: pb.JobEvent, size: int = 0) -> None:
        if len(self._events) >= self.limit or self._bytes + size > self.byte_limit:
            self.overflowed = True
        else:
            self._events.append((event, size))
            self._bytes += size
        self._ready.set()

    def opened(self) -> None:
        self._open += 1

    def closed(self) -> None:
        self._open -= 1
        self._ready.set()

    def input_done(self) -> None:
        self._input_done = True
        self._ready.set()

    def input_broken(self, reason: str) -> None:
        self.broken = reason
        self._ready.set()

    def take_ready(self, into: list[pb.JobEvent], most: int) -> None:
        """Move up to ``most`` events that are waiting into ``into``, without waiting."""
        events = self._events
        while events and most > 0:
            event, size = events.popleft()
            self._bytes -= size
            into.append(event)
            most -= 1

    async def get(self) -> pb.JobEvent | SinkEnd:
        while True:
            if self.overflowed:
                return SinkEnd.OVERFLOW
            if self.broken is not None:
                return SinkEnd.BROKEN
            if self._events:
                event, size = self._events.popleft()
                self._bytes -= size
                return event
            if self._input_done and self._open <= 0:
                return SinkEnd.DONE
            self._ready.clear()
            await self._ready.wait()


class Listener:
    """The ClientEndpoint of one foreground submission."""

    __slots__ = ("done", "exceptions", "request_id", "session", "sink")

    def __init__(self, engine: Engine, sink: EventSink, request_id: int) -> None:
        self.sink = sink
        self.request_id = request_id
        self.exceptions = True  # gRPC clients always see exceptions as such
        self.done = False
        self.session: ClientSession = engine.new_client(self)
        sink.opened()

    def _event(self, job: Job, **event: object) -> pb.JobEvent:
        return pb.JobEvent(request_id=self.request_id, handle=text(job.handle), **event)  # type: ignore[arg-type]

    def _terminal(self, event: pb.JobEvent, size: int = 0) -> None:
        self.sink.put(event, size)
        if not self.done:
            self.done = True
            self.sink.closed()

    def work_data(self, job: Job, data: bytes) -> None:
        self.sink.put(self._event(job, data=data), len(data))

    def work_warning(self, job: Job, data: bytes) -> None:
        self.sink.put(self._event(job, warning=data), len(data))

    def work_status(self, job: Job, numerator: bytes, denominator: bytes) -> None:
        progress = pb.Progress(numerator=job.numerator, denominator=job.denominator)
        self.sink.put(self._event(job, status=progress))

    def work_complete(self, job: Job, data: bytes) -> None:
        # The hot path: built without _event's keyword packing.
        event = pb.JobEvent(request_id=self.request_id, handle=text(job.handle), complete=data)
        self._terminal(event, len(data))

    def work_fail(self, job: Job) -> None:
        self._terminal(self._event(job, fail=pb.Failed()))

    def work_exception(self, job: Job, data: bytes) -> None:
        self._terminal(self._event(job, exception=data), len(data))

    def abandon(self, engine: Engine) -> None:
        """Detach from the job as a disconnecting client would."""
        if not self.done:
            self.done = True
            self.sink.closed()
            engine.client_gone(self.session)


class JobService(pb_grpc.JobServiceServicer):
    def __init__(
        self,
        engine: Engine,
        event_limit: int,
        byte_limit: int,
        draining: Callable[[], bool] = lambda: False,
    ) -> None:
        self.engine = engine
        self.event_limit = event_limit
        self.byte_limit = byte_limit
        self.draining = draining

    async def _submission(
        self, request: pb.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> Submission:
        if self.draining():
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the server is draining")
        try:
            return Submission(request)
        except BadRequest as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
            raise  # abort raises; this keeps type checkers sure of it

    def _submit(self, sub: Submission, session: ClientSession | None) -> tuple[Job, bool]:
        created = self.engine.jobs_created
        job = self.engine.submit(
            session, sub.function, sub.unique, sub.data, sub.priority, sub.when, sub.reducer,
            sub.retain,
        )  # fmt: skip
        return job, self.engine.jobs_created == created

    async def _committed(self, job: Job) -> bool:
        """Wait for the store to commit the job, when a commit is pending; False if it failed."""
        if job.commit_waiters is None:
            return True
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def resolve(ok: bool) -> None:
            if not done.done():  # the call may have been cancelled meanwhile
                done.set_result(ok)

        self.engine.when_committed(job, resolve)
        return await done

    async def Submit(
        self, request: pb.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitReply:
        sub = await self._submission(request, context)
        try:
            job, _ = self._submit(sub, None)
        except SubmitError as error:
            await context.abort(submit_error_status(error), str(error))
        if not await self._committed(job):
            await context.abort(STORE_UNAVAILABLE, STORE_FAILED)
        return pb.SubmitReply(handle=text(job.handle), request_id=request.request_id)

    async def _foreground(
        self, request: pb.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> tuple[Listener, EventSink, Job, bool]:
        sub = await self._submission(request, context)
        sink = EventSink(self.event_limit, self.byte_limit)
        listener = Listener(self.engine, sink, request.request_id)
        try:
            job, coalesced = self._submit(sub, listener.session)
        except SubmitError as error:
            await context.abort(submit_error_status(error), str(error))
        try:
            # Joining a background job whose commit is pending: created only once it is durable.
            committed = await self._committed(job)
        except asyncio.CancelledError:
            listener.abandon(self.engine)
            raise
        if not committed:
            listener.abandon(self.engine)
            await context.abort(STORE_UNAVAILABLE, STORE_FAILED)
        sink.input_done()
        return listener, sink, job, coalesced

    async def Call(
        self, request: pb.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> pb.JobResult:
        listener, sink, job, _ = await self._foreground(request, context)
        result = pb.JobResult(handle=text(job.handle))
        try:
            while True:
                event = await sink.get()
                if event is SinkEnd.OVERFLOW:
                    await context.abort(
                        grpc.StatusCode.RESOURCE_EXHAUSTED, "too many events for this call"
                    )
                assert isinstance(event, pb.JobEvent)
                kind = event.WhichOneof("event")
                if kind == "complete":
                    result.outcome = pb.COMPLETE
                    result.data = event.complete
                    return result
                if kind == "fail":
                    result.outcome = pb.FAIL
                    return result
                if kind == "exception":
                    result.outcome = pb.EXCEPTION
                    result.data = event.exception
                    return result
                if request.collect_events:
                    if kind == "data":
                        result.data_events.append(event.data)
                    elif kind == "warning":
                        result.warnings.append(event.warning)
        finally:
            listener.abandon(self.engine)

    async def Run(
        self, request: pb.SubmitRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.JobEvent]:
        listener, sink, job, coalesced = await self._foreground(request, context)
        try:
            yield pb.JobEvent(
                request_id=request.request_id,
                handle=text(job.handle),
                created=pb.Created(coalesced=coalesced),
            )
            while True:
                event = await sink.get()
                if event is SinkEnd.DONE:
                    return
                if event is SinkEnd.OVERFLOW:
                    await context.abort(
                        grpc.StatusCode.RESOURCE_EXHAUSTED, "the client is not reading its events"
                    )
                assert isinstance(event, pb.JobEvent)
                yield event
        finally:
            listener.abandon(self.engine)

    async def Pipeline(
        self,
        request_iterator: AsyncIterator[pb.SubmitRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.JobEvent]:
        sink = EventSink(self.event_limit, self.byte_limit)
        async with aclosing(self._pipeline(_singles(request_iterator), context, sink)) as events:
            async for event in events:
                yield event

    async def PipelineBatch(
        self,
        request_iterator: AsyncIterator[pb.SubmitBatch],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.EventBatch]:
        sink = EventSink(self.event_limit, self.byte_limit)
        batches = _requests_of(request_iterator)
        async with aclosing(self._pipeline(batches, context, sink)) as events:
            async for event in events:
                ready = [event]
                sink.take_ready(ready, EVENT_BATCH - 1)
                yield pb.EventBatch(events=ready)

    async def _pipeline(
        self,
        batches: AsyncIterator[Iterable[pb.SubmitRequest]],
        context: grpc.aio.ServicerContext,
        sink: EventSink,
    ) -> AsyncGenerator[pb.JobEvent, None]:
        """Pipeline's semantics, whatever the framing: submit each request as it comes, and
        yield every event of the call in order until the input is closed and every foreground
        submission has its terminal event."""
        listeners: list[Listener] = []

        def refuse(request: pb.SubmitRequest, code: str, message: str) -> None:
            error = pb.SubmitError(code=code, message=message)
            sink.put(pb.JobEvent(request_id=request.request_id, error=error))

        def announce(
            request: pb.SubmitRequest, created: pb.JobEvent, listener: Listener | None, ok: bool
        ) -> None:
            """The created event, once the job is durable (at once when nothing is pending)."""
            if ok:
                sink.put(created)
                return
            if listener is not None:
                listener.abandon(self.engine)
            refuse(request, "UNAVAILABLE", STORE_FAILED)

        def submit(request: pb.SubmitRequest) -> None:
            if self.draining():
                refuse(request, "UNAVAILABLE", "the server is draining")
                return
            try:
                sub = Submission(request)
            except BadRequest as error:
                refuse(request, "INVALID_ARGUMENT", str(error))
                return
            listener = None
            if not request.background:
                listener = Listener(self.engine, sink, request.request_id)
            try:
                job, coalesced = self._submit(sub, listener.session if listener else None)
            except SubmitError as error:
                if listener is not None:
                    listener.abandon(self.engine)
                refuse(request, error.code.decode(), error.text.decode())
                return
            if listener is not None:
                listeners.append(listener)
                if len(listeners) > 1024:
                    listeners[:] = [other for other in listeners if not other.done]
            created = pb.JobEvent(
                request_id=request.request_id,
                handle=text(job.handle),
                created=pb.Created(coalesced=coalesced),
            )
            if job.commit_waiters is None:  # nothing to wait for (the usual case)
                sink.put(created)
            else:
                self.engine.when_committed(job, partial(announce, request, created, listener))

        async def read() -> None:
            try:
                async for batch in batches:
                    for request in batch:
                        submit(request)
            except DecodeError as error:
                # Without this the call would wait for input that never comes.
                sink.input_broken(f"undecodable SubmitRequest: {error}")
                return
            sink.input_done()

        reader = asyncio.ensure_future(read())
        try:
            while True:
                event = await sink.get()
                if event is SinkEnd.DONE:
                    break
                if event is SinkEnd.BROKEN:
                    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, sink.broken)
                if event is SinkEnd.OVERFLOW:
                    await context.abort(
                        grpc.StatusCode.RESOURCE_EXHAUSTED, "the client is not reading its events"
                    )
                assert isinstance(event, pb.JobEvent)
                yield event
            await reader
        finally:
            reader.cancel()
            for listener in listeners:
                listener.abandon(self.engine)

    async def GetStatus(
        self, request: pb.StatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.JobStatus:
        key = request.WhichOneof("key")
        job: Job | None
        if key == "handle":
            job = self.engine.jobs.get(request.handle.encode())
        elif key == "unique":
            unique = request.unique.encode()
            job = self.engine.find_unique(unique) if len(unique) <= MAX_UNIQUE else None
        else:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "give a handle or a unique")
        if job is None:
            return pb.JobStatus()
        status = self.engine.status(job.handle)
        return pb.JobStatus(
            known=True,
            running=status.running,
            numerator=status.numerator,
            denominator=status.denominator,
            waiting_clients=status.listeners,
            handle=text(job.handle),
        )

    async def GetResult(
        self, request: pb.ResultRequest, context: grpc.aio.ServicerContext
    ) -> pb.StoredResult:
        result = self.engine.results.get(request.handle.encode())
        if result is None:
            return pb.StoredResult()
        reply = pb.StoredResult(found=True, outcome=OUTCOMES[result.outcome], data=result.data)
        reply.expires_at.FromNanoseconds(int(result.expires * 1e9))
        return reply

    async def Cancel(
        self, request: pb.CancelRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelReply:
        return pb.CancelReply(cancelled=self.engine.cancel(request.handle.encode()))


async def _singles(
    requests: AsyncIterator[pb.SubmitRequest],
) -> AsyncIterator[tuple[pb.SubmitRequest]]:
    async for request in requests:
        yield (request,)


async def _requests_of(
    batches: AsyncIterator[pb.SubmitBatch],
) -> AsyncIterator[Iterable[pb.SubmitRequest]]:
    async for batch in batches:
        yield batch.requests
