"""WorkerService.Work streams: registration, credit, assignments, rejections, timeouts,
requeue of a lost stream, and pings."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from helpers import WAIT, Gateway, StreamWorker, module_gateway, pb, wait_for


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    yield from module_gateway()


@pytest.fixture(scope="module")
def pinging() -> Iterator[Gateway]:
    """A server that pings idle worker streams every 0.2 s."""
    yield from module_gateway(["--grpc-ping-interval", "0.2"])


def test_first_message_must_be_register(gw: Gateway) -> None:
    first = pb.WorkerMessage(can_do=pb.CanDo(function="w_first"))
    with StreamWorker(gw.channel, [], first=first) as worker:
        assert worker.wait_ended() == grpc.StatusCode.INVALID_ARGUMENT
    assert gw.workers("w_first") == 0


def test_register_twice_is_invalid(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["w_twice"]) as worker:
        gw.wait_workers("w_twice")
        worker.send(pb.WorkerMessage(register=pb.Register(worker_id="again")))
        assert worker.wait_ended() == grpc.StatusCode.INVALID_ARGUMENT
    wait_for(lambda: gw.workers("w_twice") == 0, "the broken worker to be gone")


def test_empty_function_name_is_invalid(gw: Gateway) -> None:
    with StreamWorker(gw.channel, [""]) as worker:
        assert worker.wait_ended() == grpc.StatusCode.INVALID_ARGUMENT


def test_assignment_fields(gw: Gateway) -> None:
    handle = gw.submit_bg("w_fields", b"\x00\xffbinary", unique="w-fields-u", reducer="w_reduce")
    with StreamWorker(gw.channel, ["w_fields"]) as worker:
        job = worker.assignment()
        assert job.handle == handle
        assert job.function == "w_fields"
        assert job.unique == "w-fields-u"
        assert job.payload == b"\x00\xffbinary"
        assert job.reducer == "w_reduce"
        assert job.attempt == 1
        worker.complete(job.handle, b"")
        assert worker.sync() == []


def test_concurrency_bounds_assignments_and_add_credit_raises_it(gw: Gateway) -> None:
    handles = [gw.submit_bg("w_credit", b"%d" % n) for n in range(5)]
    with StreamWorker(gw.channel, ["w_credit"], concurrency=2) as worker:
        first = [worker.assignment(), worker.assignment()]
        # Nothing more arrives while both are held: the next command is the sync marker.
        assert worker.sync() == []
        assert gw.running("w_credit") == 2 and gw.queued("w_credit") == 3

        worker.add_credit(1)
        third = worker.assignment()
        assert worker.sync() == []
        assert gw.running("w_credit") == 3 and gw.queued("w_credit") == 2

        # Finishing one frees exactly one slot.
        worker.complete(first[0].handle, b"")
        fourth = worker.assignment()
        assert worker.sync() == []
        assert gw.running("w_credit") == 3 and gw.queued("w_credit") == 1

        # Lowering the credit below what is held gives nothing new until enough finish.
        worker.add_credit(-2)
        worker.complete(first[1].handle, b"")
        worker.complete(third.handle, b"")
        assert worker.sync() == []
        assert gw.running("w_credit") == 1 and gw.queued("w_credit") == 1
        worker.complete(fourth.handle, b"")
        fifth = worker.assignment()
        worker.complete(fifth.handle, b"")
        assert worker.sync() == []
    seen = [job.handle for job in (*first, third, fourth, fifth)]
    assert seen == handles  # one queue, served in order
    assert gw.queued("w_credit") == 0 and gw.running("w_credit") == 0


def test_zero_concurrency_means_one(gw: Gateway) -> None:
    for _ in range(2):
        gw.submit_bg("w_zero")
    with StreamWorker(gw.channel, ["w_zero"], concurrency=0) as worker:
        job = worker.assignment()
        assert worker.sync() == []
        assert gw.running("w_zero") == 1
        worker.complete(job.handle, b"")
        worker.complete(worker.assignment().handle, b"")
        assert worker.sync() == []


def test_report_for_a_job_not_held_is_rejected(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["w_reject"]) as worker:
        for send in (
            lambda: worker.complete("H:vm:999999", b"x"),
            lambda: worker.data("H:vm:999999", b"x"),
            lambda: worker.status("H:vm:999999", 1, 2),
            lambda: worker.exception("H:vm:999999", b"x"),
        ):
            send()
            command = worker.expect("rejected")
            assert command.rejected.handle == "H:vm:999999"
            assert command.rejected.reason

        # A finished job is not held any more either.
        handle = gw.submit_bg("w_reject")
        job = worker.assignment()
        assert job.handle == handle
        worker.complete(handle, b"once")
        worker.complete(handle, b"twice")
        assert worker.expect("rejected").rejected.handle == handle


def test_a_job_of_another_worker_is_not_held(gw: Gateway) -> None:
    gw.submit_bg("w_other")
    with (
        StreamWorker(gw.channel, ["w_other"]) as owner,
        StreamWorker(gw.new_channel(), ["w_other_x"]) as stranger,
    ):
        job = owner.assignment()
        stranger.complete(job.handle, b"not mine")
        assert stranger.expect("rejected").rejected.handle == job.handle
        assert gw.running("w_other") == 1
        owner.complete(job.handle, b"mine")
        assert owner.sync() == []


def test_can_do_timeout_takes_the_job_back_and_requeues_it(gw: Gateway) -> None:
    future = gw.jobs.Call.future(
        pb.SubmitRequest(function="w_timeout", payload=b"slow"), timeout=WAIT
    )
    with StreamWorker(gw.channel, [("w_timeout", 300)], worker_id="sleepy") as sleepy:
        job = sleepy.assignment()
        assert job.attempt == 1
        # Credit 0: this worker will not take the job again once it is requeued.
        sleepy.add_credit(-1)
        assert sleepy.sync() == []
        with StreamWorker(gw.new_channel(), ["w_timeout"], worker_id="quick") as quick:
            cancel = sleepy.expect("cancel").cancel
            assert (cancel.handle, cancel.reason) == (job.handle, "timeout")
            again = quick.assignment()
            assert (again.handle, again.payload, again.attempt) == (job.handle, b"slow", 2)
            # The first worker's late result is refused; the second one's counts.
            sleepy.complete(job.handle, b"late")
            assert sleepy.expect("rejected").rejected.handle == job.handle
            quick.complete(again.handle, b"in time")
            result = future.result(timeout=WAIT)
    assert result.outcome == pb.COMPLETE and result.data == b"in time"


@pytest.mark.parametrize("how", ["cancel", "close"])
def test_lost_stream_mid_job_requeues_to_another_grpc_worker(gw: Gateway, how: str) -> None:
    function = f"w_lost_{how}"
    future = gw.jobs.Call.future(pb.SubmitRequest(function=function, payload=b"abc"), timeout=WAIT)
    with StreamWorker(gw.new_channel(), [function]) as first:
        job = first.assignment()
        first.data(job.handle, b"half")
        first.sync()
        if how == "cancel":
            first.cancel()
        else:
            first.close()
        first.wait_ended()
    gw.wait_queued(function, 1)
    assert gw.running(function) == 0
    with StreamWorker(gw.channel, [function]) as second:
        again = second.assignment()
        assert (again.handle, again.attempt) == (job.handle, 2)
        second.complete(again.handle, b"cba")
        result = future.result(timeout=WAIT)
    assert result.outcome == pb.COMPLETE and result.data == b"cba"


def test_cant_do_stops_new_assignments(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["w_cant_a", "w_cant_b"]) as worker:
        gw.wait_workers("w_cant_a")
        worker.cant_do("w_cant_a")
        worker.sync()
        assert gw.workers("w_cant_a") == 0 and gw.workers("w_cant_b") == 1
        gw.submit_bg("w_cant_a", b"not for me")
        gw.submit_bg("w_cant_b", b"for me")
        assert worker.serve_one().payload == b"for me"
        assert worker.sync() == []
        worker.send(pb.WorkerMessage(can_do=pb.CanDo(function="w_cant_a")))
        assert worker.serve_one().payload == b"not for me"


def test_worker_answering_pings_is_kept(pinging: Gateway) -> None:
    future = pinging.jobs.Call.future(
        pb.SubmitRequest(function="w_ping_ok", payload=b"long"), timeout=WAIT
    )
    with StreamWorker(pinging.channel, ["w_ping_ok"]) as worker:
        job = worker.assignment()
        wait_for(lambda: worker.pings >= 3, "three pings answered", timeout=WAIT)
        assert not worker.ended.is_set()
        assert pinging.running("w_ping_ok") == 1
        worker.complete(job.handle, b"kept")
        assert future.result(timeout=WAIT).data == b"kept"
        assert worker.sync() == []


def test_worker_ignoring_pings_is_dropped_and_its_job_requeued(pinging: Gateway) -> None:
    future = pinging.jobs.Call.future(
        pb.SubmitRequest(function="w_ping_deaf", payload=b"x"), timeout=WAIT
    )
    with StreamWorker(pinging.new_channel(), ["w_ping_deaf"], answer_pings=False) as deaf:
        job = deaf.assignment()
        code = deaf.wait_ended()
        assert code is not None and code != grpc.StatusCode.OK
        assert deaf.pings >= 1
    with StreamWorker(pinging.channel, ["w_ping_deaf"]) as worker:
        again = worker.assignment()
        assert (again.handle, again.attempt) == (job.handle, 2)
        worker.complete(again.handle, b"recovered")
    assert future.result(timeout=WAIT).data == b"recovered"
