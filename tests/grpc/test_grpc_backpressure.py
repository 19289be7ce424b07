"""A gRPC client that stops reading must not make the server hold its events without end,
and a worker that gives a function up gives its jobs of that function back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from helpers import (
    WAIT,
    Gateway,
    StreamWorker,
    gearman_packet,
    pb,
    pb_grpc,
    read_packet,
    skip_unless_geargate,
    wait_for,
)

pytestmark = [skip_unless_geargate, pytest.mark.timeout(120)]

WORK_DATA = 28
WORK_COMPLETE = 13
CAN_DO = 1
GRAB_JOB = 9
ECHO_REQ = 16
ECHO_RES = 17


@pytest.fixture(scope="module")
def gateway() -> Iterator[Gateway]:
    server = Gateway(["--max-packet-size", "1048576"])
    try:
        yield server
    finally:
        server.stop()


def _rss_mib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def test_a_run_client_that_stops_reading_is_cut_off_and_memory_stays_bounded(
    gateway: Gateway,
) -> None:
    # A small, fixed HTTP/2 window (no BDP probing), so a client that reads nothing soon
    # stops accepting bytes and the server has to hold, or drop, what its worker sends.
    channel = grpc.insecure_channel(gateway.target, options=[("grpc.http2.bdp_probe", 0)])
    stub = pb_grpc.JobServiceStub(channel)
    call = stub.Run(pb.SubmitRequest(function="stall", payload=b"x"), timeout=WAIT * 4)
    baseline = _rss_mib(gateway.tcp.proc.pid)
    worker = socket.create_connection(("127.0.0.1", gateway.tcp.port), timeout=WAIT)
    try:
        worker.sendall(gearman_packet(CAN_DO, b"stall"))
        gateway.wait_queued("stall", 1)
        worker.sendall(gearman_packet(GRAB_JOB))
        _, (handle, _function, _payload) = read_packet(worker)
        # 150 MiB of progress data for a client that reads none of it.
        chunk = b"z" * (256 * 1024)
        peak = 0
        for sent in range(600):
            worker.sendall(gearman_packet(WORK_DATA, handle, chunk))
            if sent % 50 == 0:
                peak = max(peak, _rss_mib(gateway.tcp.proc.pid))
        worker.sendall(gearman_packet(WORK_COMPLETE, handle, b"done"))
        worker.sendall(gearman_packet(ECHO_REQ, b"still here"))
        # The worker is unaffected: its completion was taken and its connection answers.
        assert read_packet(worker) == (ECHO_RES, [b"still here"])
        peak = max(peak, _rss_mib(gateway.tcp.proc.pid))
    finally:
        worker.close()
    assert peak - baseline < 100, f"server grew {peak - baseline} MiB for a stalled reader"
    with pytest.raises(grpc.RpcError) as raised:
        for _event in call:
            pass
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "not reading" in (raised.value.details() or "")
    channel.close()
    # Other clients are served as before.
    reply = gateway.jobs.Submit(pb.SubmitRequest(function="after_stall"), timeout=WAIT)
    assert reply.handle


def test_cant_do_gives_held_jobs_back(gateway: Gateway) -> None:
    with StreamWorker(gateway.channel, ["give_back"]) as first:
        handle = gateway.submit_bg("give_back", b"p")
        assert first.assignment().handle == handle
        first.cant_do("give_back")
        # Requeued at once, and the next worker gets it as a second attempt.
        with StreamWorker(gateway.channel, ["give_back"]) as second:
            again = second.assignment()
            assert (again.handle, again.attempt) == (handle, 2)
            first.complete(handle, b"late")
            rejected = first.expect("rejected")
            assert rejected.rejected.handle == handle
            assert rejected.rejected.code == "FAILED_PRECONDITION"
            second.complete(handle, b"ok")
            gateway.wait_queued("give_back", 0)


def test_message_over_the_size_limit_is_resource_exhausted() -> None:
    small = Gateway(["--grpc-max-message-size", "1024"])
    try:
        # The limit leaves 64 KiB for a message's other fields; this payload is well past it.
        with pytest.raises(grpc.RpcError) as raised:
            small.jobs.Submit(pb.SubmitRequest(function="big", payload=b"b" * 200_000),
                              timeout=WAIT)  # fmt: skip
        assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        reply = small.jobs.Submit(pb.SubmitRequest(function="big", payload=b"ok"), timeout=WAIT)
        assert reply.handle
        assert small.queued("big") == 1
    finally:
        small.stop()


def test_grpc_submit_is_answered_after_the_store_commit_and_survives_a_crash(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "jobs.sqlite3")
    first = Gateway(["--store", "sqlite", "--store-path", store])
    try:
        handles = [
            first.jobs.Submit(
                pb.SubmitRequest(function="durable", payload=b"%d" % n), timeout=WAIT
            ).handle
            for n in range(3)
        ]
        assert len(set(handles)) == 3
        first.tcp.proc.kill()  # SIGKILL: no chance to write anything more
        first.tcp.proc.wait()
    finally:
        first.stop()
    second = Gateway(["--store", "sqlite", "--store-path", store])
    try:
        assert second.queued("durable") == 3
        with StreamWorker(second.channel, ["durable"]) as worker:
            payloads = set()
            for _ in range(3):
                job = worker.assignment()
                payloads.add(job.payload)
                worker.complete(job.handle, b"ok")
            assert payloads == {b"0", b"1", b"2"}
            second.wait_queued("durable", 0)
    finally:
        second.stop()


def test_retained_results_are_readable_over_grpc_and_admin_until_they_expire() -> None:
    server = Gateway(["--retain-results", "1h"])
    try:
        kept = server.jobs.Submit(pb.SubmitRequest(function="kept", payload=b"in"), timeout=WAIT)
        brief = server.jobs.Submit(
            pb.SubmitRequest(function="kept", payload=b"brief", retain_results_seconds=1),
            timeout=WAIT,
        )
        missing = server.jobs.GetResult(pb.ResultRequest(handle=kept.handle), timeout=WAIT)
        assert not missing.found  # not finished yet
        with StreamWorker(server.channel, ["kept"]) as worker:
            for _ in range(2):
                job = worker.assignment()
                worker.complete(job.handle, b"out:" + job.payload)
            server.wait_queued("kept", 0)
            worker.sync()
        result = server.jobs.GetResult(pb.ResultRequest(handle=kept.handle), timeout=WAIT)
        assert (result.found, result.outcome, result.data) == (True, pb.COMPLETE, b"out:in")
        assert result.expires_at.seconds > 0
        reply = server.tcp.admin(f"show result {kept.handle}")
        assert reply.startswith(b"COMPLETE\t6\t") and reply.endswith(b"\nout:in\n.\n")
        # The one kept for a second disappears (polled: no timing assertion).
        wait_for(
            lambda: (
                not server.jobs.GetResult(pb.ResultRequest(handle=brief.handle), timeout=WAIT).found
            ),
            "the brief result to expire",
        )
        assert server.tcp.admin(f"show result {brief.handle}") == b"ERR UNKNOWN_JOB\r\n"
    finally:
        server.stop()
