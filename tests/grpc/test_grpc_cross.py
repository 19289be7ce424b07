"""gRPC and classic Gearman TCP on one queue, with real programs on the TCP side: the
libgearman `gearman` CLI and PHP's pecl-gearman."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from helpers import (
    JOB_CREATED,
    SUBMIT_JOB,
    WAIT,
    WORK_COMPLETE,
    WORK_FAIL,
    Gateway,
    StreamWorker,
    gearman_packet,
    module_gateway,
    pb,
    read_packet,
    wait_for,
)
from integration.helpers import GEARMAN, PHP, SCRIPTS, Procs, finish, run


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    yield from module_gateway()


@pytest.fixture
def procs() -> Iterator[Procs]:
    with Procs() as p:
        yield p


def gearman(gw: Gateway) -> list[str]:
    return [GEARMAN, "-h", gw.tcp.host, "-p", str(gw.tcp.port)]


def call(gw: Gateway, function: str, payload: bytes, **fields: object) -> pb.JobResult:
    request = pb.SubmitRequest(function=function, payload=payload, **fields)  # type: ignore[arg-type]
    return gw.jobs.Call(request, timeout=WAIT)


# ------------------------------------------------------------------ gRPC client, TCP worker


def test_grpc_call_served_by_gearman_cli_worker(gw: Gateway, procs: Procs) -> None:
    procs.start([*gearman(gw), "-w", "-f", "x_cli_rev", "--", "rev"])
    gw.wait_workers("x_cli_rev")
    result = call(gw, "x_cli_rev", b"hello world", collect_events=True)
    assert result.outcome == pb.COMPLETE
    assert result.data == b"dlrow olleh"


def test_grpc_call_served_by_php_worker(gw: Gateway, procs: Procs) -> None:
    for mode in ("reverse", "data", "exception", "fail"):
        procs.start(
            [PHP, str(SCRIPTS / "php_worker.php"), gw.tcp.host, str(gw.tcp.port), f"x_php_{mode}",
             mode]
        )  # fmt: skip
    for mode in ("reverse", "data", "exception", "fail"):
        gw.wait_workers(f"x_php_{mode}")

    result = call(gw, "x_php_reverse", b"stressed")
    assert (result.outcome, result.data) == (pb.COMPLETE, b"desserts")

    result = call(gw, "x_php_data", b"w", collect_events=True)
    assert (result.outcome, result.data) == (pb.COMPLETE, b"done:w")
    assert list(result.data_events) == [b"part-1:w", b"part-2:w"]

    # gRPC clients always get exceptions as such (the `exceptions` option is implied).
    result = call(gw, "x_php_exception", b"e")
    assert (result.outcome, result.data) == (pb.EXCEPTION, b"boom:e")

    result = call(gw, "x_php_fail", b"f")
    assert (result.outcome, result.data) == (pb.FAIL, b"")


def test_grpc_run_streams_progress_from_a_php_worker(gw: Gateway, procs: Procs) -> None:
    procs.start(
        [PHP, str(SCRIPTS / "php_worker.php"), gw.tcp.host, str(gw.tcp.port), "x_php_progress",
         "progress"]
    )  # fmt: skip
    gw.wait_workers("x_php_progress")
    events = list(gw.jobs.Run(pb.SubmitRequest(function="x_php_progress", payload=b"r"),
                              timeout=WAIT))  # fmt: skip
    kinds = [event.WhichOneof("event") for event in events]
    assert kinds == ["created", "data", "warning", "status", "complete"]
    assert events[1].data == b"data:r"
    assert events[2].warning == b"warning:r"
    assert (events[3].status.numerator, events[3].status.denominator) == (2, 5)
    assert events[4].complete == b"progress-done"
    assert len({event.handle for event in events}) == 1


def test_lost_grpc_worker_job_finishes_on_a_tcp_worker(gw: Gateway, procs: Procs) -> None:
    future = gw.jobs.Call.future(pb.SubmitRequest(function="x_handover", payload=b"abc"))
    with StreamWorker(gw.new_channel(), ["x_handover"]) as grpc_worker:
        job = grpc_worker.assignment()
        grpc_worker.cancel()
        grpc_worker.wait_ended()
    gw.wait_queued("x_handover", 1)
    procs.start([*gearman(gw), "-w", "-f", "x_handover", "--", "rev"])
    result = future.result(timeout=WAIT)
    assert (result.outcome, result.handle, result.data) == (pb.COMPLETE, job.handle, b"cba")


# ------------------------------------------------------------------ TCP client, gRPC worker


def test_gearman_cli_client_served_by_grpc_worker(gw: Gateway, procs: Procs) -> None:
    with StreamWorker(gw.channel, ["x_cli_client"]) as worker:
        gw.wait_workers("x_cli_client")
        client = procs.start([*gearman(gw), "-f", "x_cli_client", "payload"])
        job = worker.assignment()
        assert job.payload == b"payload"
        worker.data(job.handle, b"[partial]")
        worker.complete(job.handle, b"[final]")
        code, out, err = finish(client)
    assert code == 0, err
    # The CLI prints data packets as they come, then the result.
    assert out == "[partial][final]"


def test_gearman_cli_background_job_served_by_grpc_worker(gw: Gateway) -> None:
    run([*gearman(gw), "-b", "-f", "x_cli_bg", "in the background"])
    assert gw.queued("x_cli_bg") == 1
    with StreamWorker(gw.channel, ["x_cli_bg"]) as worker:
        job = worker.serve_one()
        assert job.payload == b"in the background"
        assert worker.sync() == []
    assert gw.queued("x_cli_bg") == 0 and gw.running("x_cli_bg") == 0


def test_php_do_normal_served_by_grpc_worker(gw: Gateway, procs: Procs) -> None:
    with StreamWorker(gw.channel, ["x_php_client"]) as worker:
        gw.wait_workers("x_php_client")
        script = str(SCRIPTS / "php_client.php")
        client = procs.start(
            [PHP, script, gw.tcp.host, str(gw.tcp.port), "normal", "x_php_client", "from php"]
        )
        job = worker.assignment()
        assert job.payload == b"from php"
        worker.complete(job.handle, b"to php")
        code, out, err = finish(client)
        assert code == 0, err
        assert json.loads(out)["result"] == "to php"

        failing = procs.start(
            [PHP, script, gw.tcp.host, str(gw.tcp.port), "normal", "x_php_client", "again"]
        )
        job = worker.assignment()
        worker.exception(job.handle, b"grpc says no")
        code, out, err = finish(failing)
    assert code == 0, err
    reply = json.loads(out)
    # GEARMAN_WORK_EXCEPTION (23): the exception reached PHP as such.
    assert reply["code"] == 23


# ---------------------------------------------------------------------------- one queue


def test_grpc_call_and_cli_client_with_same_unique_share_one_job(gw: Gateway, procs: Procs) -> None:
    future = gw.jobs.Call.future(
        pb.SubmitRequest(function="x_coalesce", unique="x-same", payload=b"shared")
    )
    gw.wait_waiting("x-same", 1)
    client = procs.start([*gearman(gw), "-u", "x-same", "-f", "x_coalesce", "shared"])
    gw.wait_waiting("x-same", 2)
    assert gw.queued("x_coalesce") == 1
    with StreamWorker(gw.channel, ["x_coalesce"], concurrency=4) as worker:
        job = worker.assignment()
        assert (job.unique, job.payload) == ("x-same", b"shared")
        worker.complete(job.handle, b"for both")
        result = future.result(timeout=WAIT)
        code, out, err = finish(client)
        # Exactly one assignment: nothing else came, and nothing of x_coalesce is left.
        assert worker.sync() == []
    assert (result.outcome, result.data) == (pb.COMPLETE, b"for both")
    assert (code, out) == (0, "for both"), err
    assert gw.queued("x_coalesce") == 0 and gw.running("x_coalesce") == 0


def test_raw_submit_job_joins_a_grpc_run(gw: Gateway) -> None:
    stream = gw.jobs.Run(
        pb.SubmitRequest(function="x_raw", unique="x-raw-u", payload=b"p"), timeout=WAIT
    )
    created = next(stream)
    with socket.create_connection((gw.tcp.host, gw.tcp.port), timeout=WAIT) as sock:
        sock.sendall(gearman_packet(SUBMIT_JOB, b"x_raw", b"x-raw-u", b"p"))
        kind, args = read_packet(sock)
        assert (kind, args) == (JOB_CREATED, [created.handle.encode()])
        with StreamWorker(gw.channel, ["x_raw"]) as worker:
            job = worker.assignment()
            assert job.handle == created.handle
            worker.complete(job.handle, b"both")
            assert worker.sync() == []
        kind, args = read_packet(sock)
        assert (kind, args) == (WORK_COMPLETE, [created.handle.encode(), b"both"])
    assert [e.complete for e in stream] == [b"both"]


def test_priorities_are_shared_across_protocols(gw: Gateway) -> None:
    function = "x_prio"
    gw.submit_bg(function, b"grpc-low", priority=pb.LOW)
    run([*gearman(gw), "-b", "-L", "-f", function, "tcp-low"])
    gw.submit_bg(function, b"grpc-normal")
    run([*gearman(gw), "-b", "-I", "-f", function, "tcp-high"])
    gw.submit_bg(function, b"grpc-high", priority=pb.HIGH)
    run([*gearman(gw), "-b", "-f", function, "tcp-normal"])
    status = gw.function_status(function)
    assert (status.queued_high, status.queued_normal, status.queued_low) == (2, 2, 2)
    order = []
    with StreamWorker(gw.channel, [function]) as worker:
        for _ in range(6):
            order.append(worker.serve_one().payload)
    assert order == [
        b"tcp-high",
        b"grpc-high",
        b"grpc-normal",
        b"tcp-normal",
        b"grpc-low",
        b"tcp-low",
    ]


def test_tcp_worker_takes_grpc_high_before_tcp_normal(gw: Gateway, procs: Procs) -> None:
    function = "x_prio_tcp"
    run([*gearman(gw), "-b", "-f", function, "tcp-normal"])
    gw.submit_bg(function, b"grpc-high", priority=pb.HIGH)
    # A TCP worker that runs one job and exits: it must pick the gRPC HIGH job.
    worker = procs.start([*gearman(gw), "-w", "-c", "1", "-f", function, "--", "cat"])
    finish(worker)
    wait_for(lambda: gw.queued(function) == 1, "one job left")
    jobs = gw.admin.Jobs(pb.JobsQuery(function=function), timeout=WAIT).jobs
    assert [job.priority for job in jobs] == [pb.NORMAL]


def test_tcp_cancel_job_on_a_job_held_by_a_grpc_worker(gw: Gateway) -> None:
    with StreamWorker(gw.channel, ["x_tcp_cancel"]) as worker:
        stream = gw.jobs.Run(pb.SubmitRequest(function="x_tcp_cancel"), timeout=WAIT)
        next(stream)
        job = worker.assignment()
        assert gw.tcp.admin(f"cancel job {job.handle}") == b"OK\r\n"
        command = worker.expect("cancel")
        assert (command.cancel.handle, command.cancel.reason) == (job.handle, "cancelled")
        assert [e.WhichOneof("event") for e in stream] == ["fail"]
        gw.wait_running("x_tcp_cancel", 0)  # released without a report from the worker
        worker.complete(job.handle, b"ignored")
        assert worker.expect("rejected").rejected.handle == job.handle
    assert gw.running("x_tcp_cancel") == 0


def test_grpc_cancel_fails_a_tcp_client(gw: Gateway) -> None:
    with socket.create_connection((gw.tcp.host, gw.tcp.port), timeout=WAIT) as sock:
        sock.sendall(gearman_packet(SUBMIT_JOB, b"x_grpc_cancel", b"", b"data"))
        kind, args = read_packet(sock)
        assert kind == JOB_CREATED
        handle = args[0].decode()
        assert gw.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT).cancelled
        assert read_packet(sock) == (WORK_FAIL, [handle.encode()])
    assert gw.queued("x_grpc_cancel") == 0


def test_tcp_admin_workers_lists_grpc_worker(gw: Gateway, procs: Procs) -> None:
    procs.start([*gearman(gw), "-w", "-f", "x_list_tcp", "--", "cat"])
    gw.wait_workers("x_list_tcp")
    with StreamWorker(gw.channel, ["x_list_a", "x_list_b"], worker_id="lister") as worker:
        gw.wait_workers("x_list_b")
        lines = gw.tcp.admin("workers").decode().splitlines()
        mine = [line for line in lines if " lister :" in line]
        assert len(mine) == 1, lines
        fd, peer, client_id, colon, *functions = mine[0].split(" ")
        assert (fd, client_id, colon) == ("-", "lister", ":")
        assert sorted(functions) == ["x_list_a", "x_list_b"]
        assert peer
        assert any(line.endswith(": x_list_tcp") and not line.startswith("-") for line in lines)

        listed = gw.admin.Workers(pb.WorkersQuery(), timeout=WAIT).workers
        grpc_entry = [w for w in listed if w.worker_id == "lister"]
        assert len(grpc_entry) == 1 and grpc_entry[0].transport == "grpc"
        assert sorted(grpc_entry[0].functions) == ["x_list_a", "x_list_b"]
        tcp_entry = [w for w in listed if "x_list_tcp" in w.functions]
        assert len(tcp_entry) == 1 and tcp_entry[0].transport == "gearman"
        assert worker.sync() == []
    wait_for(
        lambda: " lister :" not in gw.tcp.admin("workers").decode(), "the gRPC worker to leave"
    )
