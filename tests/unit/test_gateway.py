"""Unit tests of the gRPC servicers, driven on an event loop without any network.

grpcio-testing only drives synchronous servicers, and geargate's are grpc.aio ones on the
server's own loop, so these tests call them directly with a small fake ServicerContext.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest

from gateway.generated.geargate.v1 import geargate_pb2 as pb
from gateway.jobs import EventSink, JobService, SinkEnd
from gateway.workers import StreamWorker, WorkerError
from gearman_core.engine import Engine, JobState

from .fakes import FakeScheduler, FakeWorker


class Aborted(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details


class FakeContext:
    async def abort(self, code: grpc.StatusCode, details: str = "") -> None:
        raise Aborted(code, details)

    def peer(self) -> str:
        return "ipv4:127.0.0.1:5555"


def run(coroutine: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(coroutine())  # type: ignore[arg-type]


def make_service(draining: bool = False) -> tuple[Engine, JobService, FakeScheduler]:
    clock = FakeScheduler()
    engine = Engine(clock)
    return engine, JobService(engine, 100, 1 << 20, lambda: draining), clock


def take(engine: Engine, function: bytes = b"f") -> tuple[Any, Any]:
    """A worker session that grabs the next job of ``function``."""
    worker = engine.new_worker(FakeWorker())
    engine.can_do(worker, function)
    job = engine.grab(worker)
    assert job is not None
    return worker, job


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# ---------------------------------------------------------------- EventSink


def test_event_sink_is_bounded_by_count_and_by_bytes() -> None:
    async def scenario() -> None:
        sink = EventSink(limit=2, byte_limit=100)
        sink.put(pb.JobEvent(data=b"a"), 1)
        sink.put(pb.JobEvent(data=b"b"), 1)
        sink.put(pb.JobEvent(data=b"c"), 1)
        assert await sink.get() is SinkEnd.OVERFLOW
        sink = EventSink(limit=100, byte_limit=10)
        sink.put(pb.JobEvent(data=b"x" * 8), 8)
        assert (await sink.get()).data == b"x" * 8  # type: ignore[union-attr]
        sink.put(pb.JobEvent(data=b"x" * 8), 8)  # fits again: the first one was read
        sink.put(pb.JobEvent(data=b"y" * 8), 8)
        assert await sink.get() is SinkEnd.OVERFLOW

    run(scenario)


def test_event_sink_ends_when_input_is_done_and_every_submission_finished() -> None:
    async def scenario() -> None:
        sink = EventSink(limit=10, byte_limit=100)
        sink.opened()
        sink.input_done()
        getter = asyncio.ensure_future(sink.get())
        await settle()
        assert not getter.done()
        sink.closed()
        assert await getter is SinkEnd.DONE

    run(scenario)


# ---------------------------------------------------------------- JobService


def test_submit_queues_a_background_job() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        reply = await service.Submit(
            pb.SubmitRequest(function="f", payload=b"p", unique="u", request_id=9), FakeContext()
        )
        job = engine.jobs[reply.handle.encode()]
        assert (job.data, job.unique, job.background) == (b"p", b"u", True)
        assert reply.request_id == 9

    run(scenario)


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (pb.SubmitRequest(function=""), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.SubmitRequest(function="f" * 513), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.SubmitRequest(function="f", unique="u" * 65), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.SubmitRequest(function="f", reducer="r" * 65), grpc.StatusCode.INVALID_ARGUMENT),
        (pb.SubmitRequest(function="f", priority=7), grpc.StatusCode.INVALID_ARGUMENT),  # type: ignore[arg-type]
    ],
)
def test_bad_submissions_are_invalid_arguments(
    request_: pb.SubmitRequest, code: grpc.StatusCode
) -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        with pytest.raises(Aborted) as raised:
            await service.Submit(request_, FakeContext())
        assert raised.value.code == code
        assert raised.value.details
        with pytest.raises(Aborted):
            await service.Call(request_, FakeContext())

    run(scenario)
    assert not engine.jobs


def test_full_queue_is_resource_exhausted_and_draining_is_unavailable() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        await service.Submit(pb.SubmitRequest(function="f"), FakeContext())
        engine.set_max_queue(b"f", (1, 1, 1))
        with pytest.raises(Aborted) as raised:
            await service.Submit(pb.SubmitRequest(function="f"), FakeContext())
        assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "Job queue is full" in raised.value.details

    run(scenario)
    _, draining, _ = make_service(draining=True)

    async def refused() -> None:
        with pytest.raises(Aborted) as raised:
            await draining.Submit(pb.SubmitRequest(function="f"), FakeContext())
        assert raised.value.code == grpc.StatusCode.UNAVAILABLE

    run(refused)


def test_call_returns_the_outcome_with_collected_events() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        request = pb.SubmitRequest(function="f", payload=b"in", collect_events=True)
        call = asyncio.ensure_future(service.Call(request, FakeContext()))
        await settle()
        worker, job = take(engine)
        engine.work_data(worker, job.handle, b"d1")
        engine.work_warning(worker, job.handle, b"w1")
        engine.work_data(worker, job.handle, b"d2")
        engine.work_complete(worker, job.handle, b"out")
        result = await call
        assert result.outcome == pb.COMPLETE
        assert result.data == b"out"
        assert list(result.data_events) == [b"d1", b"d2"]
        assert list(result.warnings) == [b"w1"]

    run(scenario)


@pytest.mark.parametrize(("report", "outcome"), [("fail", pb.FAIL), ("exception", pb.EXCEPTION)])
def test_call_failure_is_an_outcome_not_an_error(report: str, outcome: int) -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        call = asyncio.ensure_future(service.Call(pb.SubmitRequest(function="f"), FakeContext()))
        await settle()
        worker, job = take(engine)
        if report == "fail":
            engine.work_fail(worker, job.handle)
        else:
            engine.work_exception(worker, job.handle, b"boom")
        result = await call
        assert result.outcome == outcome
        assert result.data == (b"boom" if report == "exception" else b"")

    run(scenario)


def test_cancelled_call_abandons_its_queued_job() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        call = asyncio.ensure_future(service.Call(pb.SubmitRequest(function="f"), FakeContext()))
        await settle()
        assert len(engine.jobs) == 1
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert not engine.jobs
        assert engine.functions[b"f"].queued == [0, 0, 0]

    run(scenario)


def test_run_streams_created_progress_and_one_terminal_event() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        stream = service.Run(pb.SubmitRequest(function="f", request_id=3), FakeContext())
        created = await anext(stream)
        assert created.WhichOneof("event") == "created"
        assert not created.created.coalesced
        worker, job = take(engine)
        engine.work_status(worker, job.handle, b"1", b"4")
        engine.work_data(worker, job.handle, b"part")
        engine.work_complete(worker, job.handle, b"all")
        events = [event async for event in stream]
        assert [e.WhichOneof("event") for e in events] == ["status", "data", "complete"]
        assert (events[0].status.numerator, events[0].status.denominator) == (1, 4)
        assert all(e.request_id == 3 and e.handle == created.handle for e in events)

    run(scenario)


def test_run_joining_an_existing_job_says_so() -> None:
    engine, service, _ = make_service()

    async def scenario() -> None:
        await service.Submit(pb.SubmitRequest(function="f", unique="same"), FakeContext())
        stream = service.Run(pb.SubmitRequest(function="f", unique="same"), FakeContext())
        created = await anext(stream)
        assert created.created.coalesced
        await stream.aclose()

    run(scenario)
    assert len(engine.jobs) == 1  # the background job stays: it has a background submitter


def test_pipeline_tags_events_and_refuses_without_ending() -> None:
    engine, service, _ = make_service()
    engine.function(b"full").max_queue = [1, 1, 1]

    async def requests() -> AsyncIterator[pb.SubmitRequest]:
        yield pb.SubmitRequest(function="f", payload=b"1", request_id=1)
        yield pb.SubmitRequest(function="", request_id=2)
        yield pb.SubmitRequest(function="full", request_id=3, background=True)
        yield pb.SubmitRequest(function="full", request_id=4, background=True)
        yield pb.SubmitRequest(function="f", payload=b"5", request_id=5)

    async def scenario() -> None:
        stream = service.Pipeline(requests(), FakeContext())
        seen = [await anext(stream) for _ in range(5)]
        kinds = {(e.request_id, e.WhichOneof("event")) for e in seen}
        assert kinds == {(1, "created"), (2, "error"), (3, "created"), (4, "error"), (5, "created")}
        errors = {e.request_id: e.error.code for e in seen if e.WhichOneof("event") == "error"}
        assert errors == {2: "INVALID_ARGUMENT", 4: "QUEUE_ERROR"}
        for _ in range(2):
            worker, job = take(engine)
            engine.work_complete(worker, job.handle, job.data + b"!")
        rest = [event async for event in stream]
        assert sorted((e.request_id, e.complete) for e in rest) == [(1, b"1!"), (5, b"5!")]

    run(scenario)


def test_get_status_and_cancel() -> None:
    _, service, _ = make_service()

    async def scenario() -> None:
        reply = await service.Submit(pb.SubmitRequest(function="f", unique="u1"), FakeContext())
        by_handle = await service.GetStatus(pb.StatusRequest(handle=reply.handle), FakeContext())
        by_unique = await service.GetStatus(pb.StatusRequest(unique="u1"), FakeContext())
        assert by_handle.known and by_unique.known and by_unique.handle == reply.handle
        with pytest.raises(Aborted) as raised:
            await service.GetStatus(pb.StatusRequest(), FakeContext())
        assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
        cancel = await service.Cancel(pb.CancelRequest(handle=reply.handle), FakeContext())
        assert cancel.cancelled
        again = await service.Cancel(pb.CancelRequest(handle=reply.handle), FakeContext())
        assert not again.cancelled
        gone = await service.GetStatus(pb.StatusRequest(handle=reply.handle), FakeContext())
        assert not gone.known

    run(scenario)


# ---------------------------------------------------------------- StreamWorker


def drain(worker: StreamWorker) -> list[pb.WorkerCommand]:
    commands = []
    while worker._outbox:
        commands.append(worker._outbox.popleft())
    return commands


def test_stream_worker_never_holds_more_than_its_credit() -> None:
    async def scenario() -> None:
        engine = Engine(FakeScheduler())
        for n in range(5):
            engine.submit(None, b"f", b"", b"%d" % n)
        worker = StreamWorker(engine, "peer")
        worker.register(
            pb.Register(worker_id="w", functions=[pb.CanDo(function="f")], concurrency=2)
        )
        await settle()
        first = drain(worker)
        assert [c.assign.payload for c in first] == [b"0", b"1"]
        assert all(c.assign.attempt == 1 and c.assign.function == "f" for c in first)
        worker.handle(pb.WorkerMessage(complete=pb.WorkData(handle=first[0].assign.handle)))
        await settle()
        assert [c.assign.payload for c in drain(worker)] == [b"2"]
        worker.handle(pb.WorkerMessage(add_credit=pb.AddCredit(delta=2)))
        await settle()
        assert [c.assign.payload for c in drain(worker)] == [b"3", b"4"]
        assert len(worker.session.assigned) == 4

    run(scenario)


def test_stream_worker_is_woken_by_new_work_and_told_of_cancel_and_timeout() -> None:
    async def scenario() -> None:
        clock = FakeScheduler()
        engine = Engine(clock)
        worker = StreamWorker(engine, "peer")
        worker.register(
            pb.Register(functions=[pb.CanDo(function="f", timeout_ms=2000)], concurrency=2)
        )
        await settle()
        assert drain(worker) == []
        assert worker.session.asleep  # sleeping in the engine, like a TCP worker after PRE_SLEEP
        cancelled = engine.submit(None, b"f", b"", b"a")
        timed = engine.submit(None, b"f", b"", b"b")
        await settle()
        assert len(drain(worker)) == 2
        engine.cancel(cancelled.handle)
        clock.advance(2.5)
        await settle()
        commands = drain(worker)
        reasons = {c.cancel.handle: c.cancel.reason for c in commands if c.HasField("cancel")}
        assert reasons == {cancelled.handle.decode(): "cancelled", timed.handle.decode(): "timeout"}
        # The timed-out job was requeued and, credit being free again, comes back: attempt 2.
        again = [c.assign for c in commands if c.HasField("assign")]
        assert [(a.handle, a.attempt) for a in again] == [(timed.handle.decode(), 2)]

    run(scenario)


def test_stream_worker_rejects_reports_on_jobs_it_does_not_hold() -> None:
    async def scenario() -> None:
        engine = Engine(FakeScheduler())
        worker = StreamWorker(engine, "peer")
        worker.register(pb.Register(functions=[pb.CanDo(function="f")]))
        worker.handle(pb.WorkerMessage(complete=pb.WorkData(handle="H:nope:1", data=b"x")))
        (command,) = drain(worker)
        assert command.rejected.handle == "H:nope:1"
        assert command.rejected.code == "FAILED_PRECONDITION"
        with pytest.raises(WorkerError):
            worker.handle(pb.WorkerMessage())
        with pytest.raises(WorkerError):
            worker.handle(pb.WorkerMessage(register=pb.Register()))
        with pytest.raises(WorkerError):
            worker.handle(pb.WorkerMessage(can_do=pb.CanDo(function="")))

    run(scenario)


def test_closed_stream_requeues_its_jobs() -> None:
    async def scenario() -> None:
        engine = Engine(FakeScheduler())
        job = engine.submit(None, b"f", b"", b"x")
        worker = StreamWorker(engine, "peer")
        worker.register(pb.Register(functions=[pb.CanDo(function="f")]))
        await settle()
        assert job.state is JobState.RUNNING
        assert len(drain(worker)) == 1
        worker.close()
        assert job.state is JobState.QUEUED and job.retries == 1
        worker.wake()
        await settle()
        assert drain(worker) == []  # a closed stream takes nothing more

    run(scenario)
