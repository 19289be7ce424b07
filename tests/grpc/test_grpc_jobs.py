"""JobService over real gRPC stubs: Submit, Call, Run, Pipeline, GetStatus, Cancel, request
validation, and clients that go away."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from helpers import WAIT, Gateway, StreamWorker, module_gateway, pb, wait_for


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    yield from module_gateway()


def event_kind(event: pb.JobEvent) -> str:
    return str(event.WhichOneof("event"))


# ---------------------------------------------------------------------------- Submit/GetStatus


def test_submit_queues_a_background_job_visible_everywhere(gw: Gateway) -> None:
    handle = gw.submit_bg("j_submit", b"payload", unique="j-submit-u1")
    assert handle.startswith("H:")
    assert gw.queued("j_submit") == 1
    # The TCP admin `status` sees the same queue.
    lines = gw.tcp.admin("status").decode().splitlines()
    assert "j_submit\t1\t0\t0" in lines

    by_handle = gw.jobs.GetStatus(pb.StatusRequest(handle=handle), timeout=WAIT)
    assert by_handle.known and not by_handle.running
    assert by_handle.handle == handle
    assert by_handle.waiting_clients == 0
    by_unique = gw.jobs.GetStatus(pb.StatusRequest(unique="j-submit-u1"), timeout=WAIT)
    assert by_unique.known and by_unique.handle == handle

    unknown = gw.jobs.GetStatus(pb.StatusRequest(handle="H:vm:no-such-job"), timeout=WAIT)
    assert not unknown.known and not unknown.running and unknown.handle == ""

    with StreamWorker(gw.channel, ["j_submit"]) as worker:
        job = worker.assignment()
        assert job.handle == handle and job.payload == b"payload"
        running = gw.jobs.GetStatus(pb.StatusRequest(handle=handle), timeout=WAIT)
        assert running.known and running.running
        worker.status(handle, 3, 7)
        worker.sync()
        progress = gw.jobs.GetStatus(pb.StatusRequest(unique="j-submit-u1"), timeout=WAIT)
        assert (progress.numerator, progress.denominator) == (3, 7)
        worker.complete(handle, b"")
        worker.sync()
    gone = gw.jobs.GetStatus(pb.StatusRequest(handle=handle), timeout=WAIT)
    assert not gone.known
    assert gw.queued("j_submit") == 0


def test_submit_echoes_request_id(gw: Gateway) -> None:
    reply = gw.jobs.Submit(pb.SubmitRequest(function="j_reqid", request_id=4242), timeout=WAIT)
    assert reply.request_id == 4242 and reply.handle
    assert gw.jobs.Cancel(pb.CancelRequest(handle=reply.handle), timeout=WAIT).cancelled


# ---------------------------------------------------------------------------- Call


def test_call_complete_with_collected_events(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_call"]) as worker:
        request = pb.SubmitRequest(function="j_call", payload=b"hello", collect_events=True)
        future = gw.jobs.Call.future(request, timeout=WAIT)
        job = worker.assignment()
        worker.data(job.handle, b"d1")
        worker.warning(job.handle, b"w1")
        worker.data(job.handle, b"d2")
        worker.status(job.handle, 1, 2)
        worker.warning(job.handle, b"w2")
        worker.complete(job.handle, b"olleh")
        result = future.result(timeout=WAIT)
    assert result.handle == job.handle
    assert result.outcome == pb.COMPLETE
    assert result.data == b"olleh"
    assert list(result.data_events) == [b"d1", b"d2"]
    assert list(result.warnings) == [b"w1", b"w2"]


def test_call_without_collect_events_returns_no_events(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_call_plain"]) as worker:
        future = gw.jobs.Call.future(
            pb.SubmitRequest(function="j_call_plain", payload=b"x"), timeout=WAIT
        )
        job = worker.assignment()
        worker.data(job.handle, b"ignored")
        worker.complete(job.handle, b"done")
        result = future.result(timeout=WAIT)
    assert result.outcome == pb.COMPLETE and result.data == b"done"
    assert list(result.data_events) == [] and list(result.warnings) == []


def test_call_fail_and_exception_are_replies_not_errors(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_call_bad"]) as worker:
        failing = gw.jobs.Call.future(
            pb.SubmitRequest(function="j_call_bad", payload=b"1"), timeout=WAIT
        )
        job = worker.assignment()
        worker.fail(job.handle)
        failed = failing.result(timeout=WAIT)
        assert failed.outcome == pb.FAIL and failed.data == b""
        assert failed.handle == job.handle

        raising = gw.jobs.Call.future(
            pb.SubmitRequest(function="j_call_bad", payload=b"2"), timeout=WAIT
        )
        job = worker.assignment()
        worker.exception(job.handle, b"boom")
        raised = raising.result(timeout=WAIT)
        assert raised.outcome == pb.EXCEPTION and raised.data == b"boom"
    assert gw.queued("j_call_bad") == 0 and gw.running("j_call_bad") == 0


# ---------------------------------------------------------------------------- Run


def test_run_streams_every_event_and_one_terminal(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_run"]) as worker:
        stream = gw.jobs.Run(
            pb.SubmitRequest(function="j_run", payload=b"abc", request_id=9), timeout=WAIT
        )
        created = next(stream)
        assert event_kind(created) == "created"
        assert not created.created.coalesced
        job = worker.assignment()
        assert created.handle == job.handle
        worker.data(job.handle, b"part")
        worker.warning(job.handle, b"careful")
        worker.status(job.handle, 1, 4)
        worker.status(job.handle, 4, 4)
        worker.complete(job.handle, b"cba")
        events = list(stream)
    assert [event_kind(e) for e in events] == ["data", "warning", "status", "status", "complete"]
    assert all(e.handle == job.handle and e.request_id == 9 for e in events)
    assert events[0].data == b"part"
    assert events[1].warning == b"careful"
    assert (events[2].status.numerator, events[2].status.denominator) == (1, 4)
    assert (events[3].status.numerator, events[3].status.denominator) == (4, 4)
    assert events[4].complete == b"cba"


@pytest.mark.parametrize("outcome", ["fail", "exception"])
def test_run_ends_with_fail_or_exception(gw: Gateway, outcome: str) -> None:
    function = f"j_run_{outcome}"
    with StreamWorker(gw.channel, [function]) as worker:
        stream = gw.jobs.Run(pb.SubmitRequest(function=function), timeout=WAIT)
        assert event_kind(next(stream)) == "created"
        job = worker.assignment()
        if outcome == "fail":
            worker.fail(job.handle)
        else:
            worker.exception(job.handle, b"oops")
        events = list(stream)
    assert [event_kind(e) for e in events] == [outcome]
    if outcome == "exception":
        assert events[0].exception == b"oops"


def test_run_joining_an_existing_job_says_coalesced(gw: Gateway) -> None:
    first = gw.jobs.Run(pb.SubmitRequest(function="j_run_co", unique="j-run-co"), timeout=WAIT)
    second = gw.jobs.Run(pb.SubmitRequest(function="j_run_co", unique="j-run-co"), timeout=WAIT)
    one, two = next(first), next(second)
    assert not one.created.coalesced and two.created.coalesced
    assert one.handle == two.handle
    with StreamWorker(gw.channel, ["j_run_co"]) as worker:
        job = worker.assignment()
        worker.complete(job.handle, b"shared")
        assert [event_kind(e) for e in first] == ["complete"]
        assert [e.complete for e in second] == [b"shared"]


# ---------------------------------------------------------------------------- Pipeline


class Requests:
    """A request stream fed from the test thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Any] = queue.Queue()

    def put(self, **fields: object) -> None:
        self._queue.put(pb.SubmitRequest(**fields))  # type: ignore[arg-type]

    def put_raw(self, message: object) -> None:
        self._queue.put(message)

    def close(self) -> None:
        self._queue.put(None)

    def __iter__(self) -> Iterator[Any]:
        while True:
            request = self._queue.get()
            if request is None:
                return
            yield request


def test_pipeline_mixes_foreground_and_background(gw: Gateway) -> None:
    requests = Requests()
    stream = gw.jobs.Pipeline(iter(requests), timeout=WAIT)
    try:
        for number in range(1, 7):
            requests.put(
                function="j_pipe",
                payload=b"p%d" % number,
                request_id=number,
                background=number % 2 == 0,
            )
        created: dict[int, str] = {}
        while len(created) < 6:
            event = next(stream)
            assert event_kind(event) == "created", event
            created[event.request_id] = event.handle
        assert sorted(created) == [1, 2, 3, 4, 5, 6]
        assert len(set(created.values())) == 6

        with StreamWorker(gw.channel, ["j_pipe"], concurrency=6) as worker:
            jobs = [worker.assignment() for _ in range(6)]
            for job in jobs:
                worker.complete(job.handle, b"r-" + job.payload)
            requests.close()
            rest = list(stream)
    finally:
        requests.close()
        stream.cancel()
    # Only the foreground submissions (odd ids) get their completions, tagged with their id.
    completions = {e.request_id: e for e in rest}
    assert [event_kind(e) for e in rest] == ["complete"] * 3
    assert sorted(completions) == [1, 3, 5]
    for request_id, event in completions.items():
        assert event.handle == created[request_id]
        assert event.complete == b"r-p%d" % request_id


def test_pipeline_refused_submission_gets_an_error_and_stream_goes_on(gw: Gateway) -> None:
    gw.submit_bg("j_pipe_full", b"first")
    assert gw.admin.SetMaxQueue(
        pb.MaxQueueRequest(function="j_pipe_full", normal=1), timeout=WAIT
    ).applied
    requests = Requests()
    stream = gw.jobs.Pipeline(iter(requests), timeout=WAIT)
    try:
        requests.put(function="j_pipe_full", request_id=1, background=True)
        refused = next(stream)
        requests.put(function="", request_id=2)
        invalid = next(stream)
        requests.put(function="j_pipe_other", request_id=3)
        accepted = next(stream)
        with StreamWorker(gw.channel, ["j_pipe_other"]) as worker:
            worker.serve_one()
            requests.close()
            rest = list(stream)
    finally:
        requests.close()
        stream.cancel()
    assert refused.request_id == 1 and event_kind(refused) == "error"
    assert refused.error.code == "QUEUE_ERROR" and refused.error.message
    assert invalid.request_id == 2 and event_kind(invalid) == "error"
    assert invalid.error.code == "INVALID_ARGUMENT"
    assert accepted.request_id == 3 and event_kind(accepted) == "created"
    assert [(e.request_id, event_kind(e)) for e in rest] == [(3, "complete")]
    # The refused job was never queued.
    assert gw.queued("j_pipe_full") == 1


def test_pipeline_foreground_refused_for_full_queue_leaves_nothing_behind(gw: Gateway) -> None:
    gw.submit_bg("j_pipe_full2")
    gw.tcp.admin("maxqueue j_pipe_full2 1")
    requests = Requests()
    stream = gw.jobs.Pipeline(iter(requests), timeout=WAIT)
    try:
        requests.put(function="j_pipe_full2", request_id=11)
        requests.close()
        events = list(stream)
    finally:
        requests.close()
        stream.cancel()
    assert [(e.request_id, event_kind(e), e.error.code) for e in events] == [
        (11, "error", "QUEUE_ERROR")
    ]
    assert gw.queued("j_pipe_full2") == 1


def test_pipeline_batch_has_pipeline_semantics_in_fewer_messages(gw: Gateway) -> None:
    # One message carries a foreground, a background, a refused and an invalid submission;
    # the answers come back batched, each tagged with its request id, in Pipeline's order.
    gw.submit_bg("j_batch_full")
    gw.tcp.admin("maxqueue j_batch_full 1")
    batch = pb.SubmitBatch(
        requests=[
            pb.SubmitRequest(function="j_batch", payload=b"fg1", request_id=1),
            pb.SubmitRequest(function="j_batch", payload=b"bg2", request_id=2, background=True),
            pb.SubmitRequest(function="j_batch_full", request_id=3, background=True),
            pb.SubmitRequest(function="", request_id=4),
            pb.SubmitRequest(function="j_batch", payload=b"fg5", request_id=5),
        ]
    )
    with StreamWorker(gw.channel, ["j_batch"], concurrency=3) as worker:
        stream = gw.jobs.PipelineBatch(iter([batch]), timeout=WAIT)
        try:
            jobs = [worker.assignment() for _ in range(3)]
            for job in jobs:
                worker.complete(job.handle, b"r-" + job.payload)
            batches = list(stream)
        finally:
            stream.cancel()
    events = [event for batch in batches for event in batch.events]
    assert len(batches) < len(events)  # batched: fewer messages than events
    first = {}
    for event in events:
        first.setdefault(event.request_id, event_kind(event))
    assert first == {1: "created", 2: "created", 3: "error", 4: "error", 5: "created"}
    assert [e.error.code for e in events if e.request_id in (3, 4)] == [
        "QUEUE_ERROR",
        "INVALID_ARGUMENT",
    ]
    completions = {e.request_id: e.complete for e in events if event_kind(e) == "complete"}
    assert completions == {1: b"r-fg1", 5: b"r-fg5"}  # the background job has no listener
    # Per request, created comes before complete.
    for request_id in (1, 5):
        kinds = [event_kind(e) for e in events if e.request_id == request_id]
        assert kinds == ["created", "complete"]


def test_pipeline_batch_client_gone_abandons_its_foreground_jobs(gw: Gateway) -> None:
    batch = pb.SubmitBatch(
        requests=[pb.SubmitRequest(function="j_batch_gone", request_id=n) for n in range(3)]
    )
    requests = Requests()
    stream = gw.jobs.PipelineBatch(iter(requests), timeout=WAIT)
    requests.put_raw(batch)
    seen = 0
    while seen < 3:
        seen += len(next(stream).events)
    assert gw.queued("j_batch_gone") == 3
    stream.cancel()
    requests.close()
    # As for a TCP client that disconnects: its foreground jobs that no one else waits for go.
    wait_for(lambda: gw.queued("j_batch_gone") == 0, "the abandoned jobs to go")


# ---------------------------------------------------------------------------- Cancel


def test_cancel_running_job_fails_listeners_once_and_tells_the_worker(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_cancel"]) as worker:
        call = gw.jobs.Call.future(
            pb.SubmitRequest(function="j_cancel", unique="j-cancel-u"), timeout=WAIT
        )
        job = worker.assignment()
        run = gw.jobs.Run(pb.SubmitRequest(function="j_cancel", unique="j-cancel-u"), timeout=WAIT)
        assert next(run).created.coalesced
        gw.wait_waiting("j-cancel-u", 2)

        reply = gw.jobs.Cancel(pb.CancelRequest(handle=job.handle), timeout=WAIT)
        assert reply.cancelled
        command = worker.expect("cancel")
        assert command.cancel.handle == job.handle
        assert command.cancel.reason == "cancelled"
        assert call.result(timeout=WAIT).outcome == pb.FAIL
        assert [event_kind(e) for e in run] == ["fail"]

        # The stream gave the job up for the worker: the slot is free without any report, so
        # this concurrency-1 worker takes the next job at once.
        gw.wait_running("j_cancel", 0)
        next_handle = gw.submit_bg("j_cancel", b"next")
        assert worker.assignment().handle == next_handle
        # A late report about the cancelled job is refused, and changes nothing.
        worker.complete(job.handle, b"too late")
        assert worker.expect("rejected").rejected.handle == job.handle
        worker.complete(next_handle, b"ok")
    assert not gw.jobs.GetStatus(pb.StatusRequest(handle=job.handle), timeout=WAIT).known
    assert gw.running("j_cancel") == 0


def test_cancel_queued_and_unknown_jobs(gw: Gateway) -> None:
    handle = gw.submit_bg("j_cancel_q")
    assert gw.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT).cancelled
    assert gw.queued("j_cancel_q") == 0
    assert not gw.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT).cancelled
    assert not gw.jobs.Cancel(pb.CancelRequest(handle="H:nope"), timeout=WAIT).cancelled


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "fields",
    [
        {"function": ""},
        {"function": "j_valid", "unique": "u" * 65},
        {"function": "j_valid", "priority": 7},
        {"function": "f" * 513},
    ],
    ids=["empty-function", "unique-65", "priority-7", "function-513"],
)
@pytest.mark.parametrize("method", ["Submit", "Call", "Run"])
def test_invalid_submissions(gw: Gateway, fields: dict[str, object], method: str) -> None:
    request = pb.SubmitRequest(**fields)  # type: ignore[arg-type]
    with pytest.raises(grpc.RpcError) as raised:
        if method == "Run":
            list(gw.jobs.Run(request, timeout=WAIT))
        else:
            getattr(gw.jobs, method)(request, timeout=WAIT)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert gw.queued("j_valid") == 0


def test_unique_of_exactly_64_bytes_is_accepted(gw: Gateway) -> None:
    unique = "k" * 64
    handle = gw.submit_bg("j_u64", unique=unique)
    status = gw.jobs.GetStatus(pb.StatusRequest(unique=unique), timeout=WAIT)
    assert status.known and status.handle == handle
    with StreamWorker(gw.channel, ["j_u64"]) as worker:
        job = worker.serve_one()
    assert job.unique == unique


def test_get_status_needs_a_key(gw: Gateway) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        gw.jobs.GetStatus(pb.StatusRequest(), timeout=WAIT)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_status_with_an_overlong_unique_is_unknown(gw: Gateway) -> None:
    status = gw.jobs.GetStatus(pb.StatusRequest(unique="z" * 100), timeout=WAIT)
    assert not status.known


@pytest.mark.parametrize("method", ["Submit", "Call"])
def test_full_queue_is_resource_exhausted(gw: Gateway, method: str) -> None:
    function = f"j_full_{method.lower()}"
    gw.submit_bg(function)
    assert gw.tcp.admin(f"maxqueue {function} 1") == b"OK\r\n"
    with pytest.raises(grpc.RpcError) as raised:
        getattr(gw.jobs, method)(pb.SubmitRequest(function=function), timeout=WAIT)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert gw.queued(function) == 1
    # `maxqueue F N` sets the limit of every priority.
    status = gw.function_status(function)
    assert (status.max_queue_high, status.max_queue_normal, status.max_queue_low) == (1, 1, 1)
    gw.tcp.admin(f"maxqueue {function} 0")
    gw.submit_bg(function)
    assert gw.queued(function) == 2


# ---------------------------------------------------------------------------- clients that leave


def test_call_deadline_while_queued_abandons_the_job(gw: Gateway) -> None:
    with pytest.raises(grpc.RpcError) as raised:
        gw.jobs.Call(pb.SubmitRequest(function="j_deadline", payload=b"lost"), timeout=0.5)
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    wait_for(lambda: gw.queued("j_deadline") == 0, "the abandoned job to leave the queue")
    assert "j_deadline\t0\t0\t0" in gw.tcp.admin("status").decode().splitlines()
    # A worker arriving later never sees it: its first job is the one queued after.
    gw.submit_bg("j_deadline", b"sentinel")
    with StreamWorker(gw.channel, ["j_deadline"]) as worker:
        assert worker.serve_one().payload == b"sentinel"
        assert worker.sync() == []


def test_call_cancelled_while_running_then_worker_completes(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["j_gone"]) as worker:
        future = gw.jobs.Call.future(
            pb.SubmitRequest(function="j_gone", unique="j-gone-u"), timeout=WAIT
        )
        job = worker.assignment()
        gw.wait_waiting("j-gone-u", 1)
        assert future.cancel()
        gw.wait_waiting("j-gone-u", 0)
        assert gw.running("j_gone") == 1
        worker.data(job.handle, b"nobody listens")
        worker.complete(job.handle, b"finished anyway")
        # Accepted: no `rejected` for the handle, and the job is gone.
        assert worker.sync() == []
    assert not gw.jobs.GetStatus(pb.StatusRequest(handle=job.handle), timeout=WAIT).known
    assert gw.running("j_gone") == 0
