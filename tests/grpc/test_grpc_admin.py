"""AdminService, grpc.health.v1, server reflection, and bytes that are not a protobuf."""

from __future__ import annotations

import queue
import signal
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from helpers import (
    WAIT,
    Gateway,
    StreamWorker,
    module_gateway,
    pb,
    skip_unless_geargate,
    wait_for,
)
from integration.helpers import GEARMAN, Procs

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
GEARGATE_SERVICES = {
    "geargate.v1.JobService",
    "geargate.v1.WorkerService",
    "geargate.v1.AdminService",
}


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    yield from module_gateway()


# ---------------------------------------------------------------------------- AdminService


def test_status_counts_by_priority_running_workers_and_limits(gw: Gateway) -> None:
    gw.submit_bg("a_status", b"h1", priority=pb.HIGH)
    gw.submit_bg("a_status", b"n1")
    gw.submit_bg("a_status", b"n2")
    gw.submit_bg("a_status", b"l1", priority=pb.LOW)
    gw.submit_bg("a_status", b"l2", priority=pb.LOW)
    gw.submit_bg("a_status", b"l3", priority=pb.LOW)
    before = gw.function_status("a_status")
    assert (before.queued_high, before.queued_normal, before.queued_low) == (1, 2, 3)
    assert (before.running, before.workers) == (0, 0)
    assert gw.admin.SetMaxQueue(
        pb.MaxQueueRequest(function="a_status", high=10, normal=20, low=30), timeout=WAIT
    ).applied
    with StreamWorker(gw.channel, ["a_status"], concurrency=2) as worker:
        first, second = worker.assignment(), worker.assignment()
        assert (first.payload, second.payload) == (b"h1", b"n1")
        during = gw.function_status("a_status")
        assert (during.queued_high, during.queued_normal, during.queued_low) == (0, 1, 3)
        assert (during.running, during.workers) == (2, 1)
        assert (during.max_queue_high, during.max_queue_normal, during.max_queue_low) == (
            10,
            20,
            30,
        )
        # The TCP admin view agrees: total includes running jobs.
        assert "a_status\t6\t2\t1" in gw.tcp.admin("status").decode().splitlines()
        for job in (first, second):
            worker.complete(job.handle, b"")
        for _ in range(4):
            worker.serve_one()
        assert worker.sync() == []
    wait_for(lambda: gw.workers("a_status") == 0, "the worker to leave")
    after = gw.function_status("a_status")
    assert (after.queued_high, after.queued_normal, after.queued_low, after.running) == (0, 0, 0, 0)


def test_set_max_queue_on_unknown_function_is_not_applied(gw: Gateway) -> None:
    reply = gw.admin.SetMaxQueue(
        pb.MaxQueueRequest(function="a_never_seen", normal=5), timeout=WAIT
    )
    assert not reply.applied
    names = [f.function for f in gw.admin.Status(pb.StatusQuery(), timeout=WAIT).functions]
    assert "a_never_seen" not in names


def test_set_max_queue_limits_a_priority_and_zero_lifts_it(gw: Gateway) -> None:
    gw.submit_bg("a_maxq", priority=pb.LOW)
    assert gw.admin.SetMaxQueue(pb.MaxQueueRequest(function="a_maxq", low=1), timeout=WAIT).applied
    with pytest.raises(grpc.RpcError) as raised:
        gw.submit_bg("a_maxq", priority=pb.LOW)
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The other priorities were set to 0 = unlimited.
    for _ in range(3):
        gw.submit_bg("a_maxq", priority=pb.HIGH)
    assert gw.admin.SetMaxQueue(pb.MaxQueueRequest(function="a_maxq"), timeout=WAIT).applied
    gw.submit_bg("a_maxq", priority=pb.LOW)
    status = gw.function_status("a_maxq")
    assert (status.queued_high, status.queued_low) == (3, 2)


def test_workers_lists_both_transports(gw: Gateway) -> None:
    with Procs() as procs:
        procs.start([GEARMAN, "-h", gw.tcp.host, "-p", str(gw.tcp.port), "-w", "-f", "a_wk_tcp",
                     "--", "cat"])  # fmt: skip
        gw.wait_workers("a_wk_tcp")
        handle = gw.submit_bg("a_wk_grpc")
        with StreamWorker(gw.channel, ["a_wk_grpc", "a_wk_grpc2"], worker_id="admin-w") as worker:
            worker.assignment()
            listed = {
                w.worker_id: w for w in gw.admin.Workers(pb.WorkersQuery(), timeout=WAIT).workers
            }
            mine = listed["admin-w"]
            assert mine.transport == "grpc"
            assert sorted(mine.functions) == ["a_wk_grpc", "a_wk_grpc2"]
            assert list(mine.running) == [handle]
            assert mine.peer
            tcp = [w for w in listed.values() if list(w.functions) == ["a_wk_tcp"]]
            assert len(tcp) == 1
            assert tcp[0].transport == "gearman" and list(tcp[0].running) == []
            assert tcp[0].peer.startswith("127.0.0.1")
            worker.complete(handle, b"")
            assert worker.sync() == []


def test_jobs_lists_queued_and_running_jobs(gw: Gateway) -> None:
    bg = gw.submit_bg("a_jobs", b"1", unique="a-jobs-1", priority=pb.HIGH)
    fg = gw.jobs.Run(pb.SubmitRequest(function="a_jobs", unique="a-jobs-2"), timeout=WAIT)
    fg_handle = next(fg).handle
    other = gw.submit_bg("a_jobs_other", priority=pb.LOW)
    with StreamWorker(gw.channel, ["a_jobs"]) as worker:
        job = worker.assignment()
        assert job.handle == bg
        listed = {
            j.handle: j for j in gw.admin.Jobs(pb.JobsQuery(function="a_jobs"), timeout=WAIT).jobs
        }
        assert set(listed) == {bg, fg_handle}
        running, queued = listed[bg], listed[fg_handle]
        assert (running.state, running.priority, running.background) == ("RUNNING", pb.HIGH, True)
        assert (running.unique, running.function, running.retries) == ("a-jobs-1", "a_jobs", 0)
        assert (queued.state, queued.priority, queued.background) == ("QUEUED", pb.NORMAL, False)
        assert queued.waiting_clients == 1
        assert not queued.HasField("run_at")
        everything = {j.handle for j in gw.admin.Jobs(pb.JobsQuery(), timeout=WAIT).jobs}
        assert {bg, fg_handle, other} <= everything
        worker.complete(bg, b"")
        worker.serve_one()
        assert [e.WhichOneof("event") for e in fg] == ["complete"]
    assert gw.jobs.Cancel(pb.CancelRequest(handle=other), timeout=WAIT).cancelled


def test_jobs_shows_a_scheduled_job(gw: Gateway) -> None:
    request = pb.SubmitRequest(function="a_sched")
    request.run_at.GetCurrentTime()
    request.run_at.seconds += 3600
    handle = gw.jobs.Submit(request, timeout=WAIT).handle
    (job,) = gw.admin.Jobs(pb.JobsQuery(function="a_sched"), timeout=WAIT).jobs
    assert (job.handle, job.state) == (handle, "SCHEDULED")
    assert job.run_at.seconds == request.run_at.seconds
    assert gw.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT).cancelled


def test_version_matches_the_admin_command(gw: Gateway) -> None:
    version = gw.admin.Version(pb.VersionQuery(), timeout=WAIT).version
    assert version
    assert gw.tcp.admin("version") == f"OK {version}\n".encode()


# ---------------------------------------------------------------------------- health and reflection


@pytest.mark.parametrize("service", ["", "geargate.v1.JobService", "geargate.v1.WorkerService"])
def test_health_is_serving(gw: Gateway, service: str) -> None:
    stub = health_pb2_grpc.HealthStub(gw.channel)
    reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=WAIT)
    assert reply.status == SERVING


def test_health_of_an_unknown_service_is_not_found(gw: Gateway) -> None:
    stub = health_pb2_grpc.HealthStub(gw.channel)
    with pytest.raises(grpc.RpcError) as raised:
        stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=WAIT)
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND


def reflect(channel: grpc.Channel, **fields: object) -> reflection_pb2.ServerReflectionResponse:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(**fields)
    (reply,) = list(stub.ServerReflectionInfo(iter([request]), timeout=WAIT))
    return reply


def test_reflection_lists_the_services(gw: Gateway) -> None:
    reply = reflect(gw.channel, list_services="")
    names = {service.name for service in reply.list_services_response.service}
    assert names >= {*GEARGATE_SERVICES, "grpc.health.v1.Health"}


def test_reflection_gives_the_job_service_descriptor(gw: Gateway) -> None:
    reply = reflect(gw.channel, file_containing_symbol="geargate.v1.JobService")
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in reply.file_descriptor_response.file_descriptor_proto
    ]
    ours = [f for f in files if f.package == "geargate.v1"]
    assert len(ours) == 1
    services = {s.name: s for s in ours[0].service}
    assert set(services) == {"JobService", "WorkerService", "AdminService"}
    methods = {m.name for m in services["JobService"].method}
    assert methods == {
        "Submit",
        "Call",
        "Run",
        "Pipeline",
        "PipelineBatch",
        "GetStatus",
        "Cancel",
        "GetResult",
    }


# ---------------------------------------------------------------------------- bad bytes


@pytest.mark.parametrize(
    "method",
    [
        "/geargate.v1.JobService/Submit",
        "/geargate.v1.JobService/Call",
        "/geargate.v1.JobService/GetStatus",
        "/geargate.v1.JobService/Cancel",
        "/geargate.v1.AdminService/SetMaxQueue",
        "/geargate.v1.AdminService/Status",
    ],
)
def test_garbage_request_body_fails_that_call_only(gw: Gateway, method: str) -> None:
    raw = gw.channel.unary_unary(
        method, request_serializer=lambda x: x, response_deserializer=lambda x: x
    )
    with pytest.raises(grpc.RpcError) as raised:
        raw(b"\xff\xff\xff", timeout=WAIT)
    assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    # Same channel, same server: everything else still works.
    assert gw.admin.Version(pb.VersionQuery(), timeout=WAIT).version
    handle = gw.submit_bg("a_after_garbage")
    assert gw.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT).cancelled


def test_garbage_request_to_run_fails_that_call_only(gw: Gateway) -> None:
    raw = gw.channel.unary_stream(
        "/geargate.v1.JobService/Run",
        request_serializer=lambda x: x,
        response_deserializer=pb.JobEvent.FromString,
    )
    with pytest.raises(grpc.RpcError) as raised:
        list(raw(b"\xff\xff\xff", timeout=WAIT))
    assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    assert gw.admin.Version(pb.VersionQuery(), timeout=WAIT).version


def test_garbage_in_a_pipeline_ends_it_with_an_error(gw: Gateway) -> None:
    raw = gw.channel.stream_stream(
        "/geargate.v1.JobService/Pipeline",
        request_serializer=lambda x: x,
        response_deserializer=pb.JobEvent.FromString,
    )
    good = pb.SubmitRequest(function="a_pipe_garbage", request_id=1, background=True)
    events = []
    with pytest.raises(grpc.RpcError) as raised:
        for event in raw(iter([good.SerializeToString(), b"\xff\xff\xff"]), timeout=WAIT):
            events.append(event)
    # An error status, not a stream left waiting for its deadline.
    assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    assert [e.request_id for e in events] in ([], [1])
    # The good submission before the garbage was queued.
    assert gw.queued("a_pipe_garbage") == 1


def test_garbage_in_a_pipeline_batch_ends_it_with_an_error(gw: Gateway) -> None:
    raw = gw.channel.stream_stream(
        "/geargate.v1.JobService/PipelineBatch",
        request_serializer=lambda x: x,
        response_deserializer=pb.EventBatch.FromString,
    )
    good = pb.SubmitBatch(
        requests=[pb.SubmitRequest(function="a_batch_garbage", request_id=1, background=True)]
    )
    with pytest.raises(grpc.RpcError) as raised:
        list(raw(iter([good.SerializeToString(), b"\xff\xff\xff"]), timeout=WAIT))
    # An error status, not a stream left waiting for its deadline.
    assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    # The good batch before the garbage was queued, and the server still answers.
    assert gw.queued("a_batch_garbage") == 1
    assert gw.admin.Version(pb.VersionQuery(), timeout=WAIT).version


def test_garbage_on_the_worker_stream_ends_that_stream_only(gw: Gateway) -> None:
    raw = gw.channel.stream_stream(
        "/geargate.v1.WorkerService/Work",
        request_serializer=lambda x: x,
        response_deserializer=lambda x: x,
    )
    with pytest.raises(grpc.RpcError) as raised:
        list(raw(iter([b"\xff\xff\xff"]), timeout=WAIT))
    assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    with StreamWorker(gw.channel, ["a_after_garbage_w"]) as worker:
        gw.submit_bg("a_after_garbage_w", b"fine")
        assert worker.serve_one().payload == b"fine"


def test_garbage_from_a_worker_holding_a_job_requeues_it(gw: Gateway) -> None:
    handle = gw.submit_bg("a_garbage_holder", b"held")
    raw = gw.new_channel().stream_stream(
        "/geargate.v1.WorkerService/Work",
        request_serializer=lambda x: x,
        response_deserializer=pb.WorkerCommand.FromString,
    )
    register = pb.WorkerMessage(
        register=pb.Register(functions=[pb.CanDo(function="a_garbage_holder")])
    )
    outgoing: queue.Queue[bytes | None] = queue.Queue()
    outgoing.put(register.SerializeToString())
    replies = raw(iter(outgoing.get, None), timeout=WAIT)
    try:
        assert next(replies).assign.handle == handle
        outgoing.put(b"\xff\xff\xff")
        with pytest.raises(grpc.RpcError) as raised:
            list(replies)
        assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.INTERNAL)
    finally:
        outgoing.put(None)
        replies.cancel()
    with StreamWorker(gw.channel, ["a_garbage_holder"]) as worker:
        again = worker.serve_one()
    assert (again.handle, again.attempt) == (handle, 2)


def test_wrong_message_type_is_read_as_unknown_fields(gw: Gateway) -> None:
    # A well-formed protobuf of another type: its fields do not match, so the server sees
    # an empty or odd request and answers it by the rules, not by crashing.
    raw = gw.channel.unary_unary(
        "/geargate.v1.JobService/GetStatus",
        request_serializer=lambda x: x.SerializeToString(),
        response_deserializer=pb.JobStatus.FromString,
    )
    reply = raw(pb.SubmitReply(handle="H:x", request_id=3), timeout=WAIT)
    # SubmitReply.handle is field 1 = StatusRequest.handle: looked up, unknown.
    assert not reply.known
    with pytest.raises(grpc.RpcError) as raised:
        raw(pb.VersionReply(), timeout=WAIT)  # empty: no key at all
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


# ---------------------------------------------------------------------------- draining


def submit_refused(gateway: Gateway) -> bool:
    try:
        handle = gateway.submit_bg("a_drain_late")
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.UNAVAILABLE, error
        return True
    gateway.jobs.Cancel(pb.CancelRequest(handle=handle), timeout=WAIT)
    return False


@skip_unless_geargate
def test_draining_refuses_new_jobs_and_serves_queued_ones() -> None:
    gateway = Gateway()
    try:
        gateway.submit_bg("a_drain", b"keeps the server up")
        gateway.tcp.proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: submit_refused(gateway), "Submit to be refused while draining")
        with pytest.raises(grpc.RpcError) as raised:
            gateway.jobs.Call(pb.SubmitRequest(function="a_drain"), timeout=WAIT)
        assert raised.value.code() == grpc.StatusCode.UNAVAILABLE
        # The queued job can still be served over gRPC; then the server exits by itself.
        with StreamWorker(gateway.channel, ["a_drain"]) as worker:
            assert worker.serve_one().payload == b"keeps the server up"
        assert gateway.tcp.proc.wait(timeout=WAIT) == 0
    finally:
        gateway.stop()


@skip_unless_geargate
def test_health_turns_not_serving_when_draining() -> None:
    gateway = Gateway()
    try:
        health = health_pb2_grpc.HealthStub(gateway.channel)
        check = health_pb2.HealthCheckRequest(service="geargate.v1.JobService")
        assert health.Check(check, timeout=WAIT).status == SERVING
        gateway.submit_bg("a_drain_h", b"keeps the server up")
        gateway.tcp.proc.send_signal(signal.SIGUSR1)
        wait_for(
            lambda: health.Check(check, timeout=WAIT).status == NOT_SERVING,
            "health to turn NOT_SERVING",
        )
        overall = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=WAIT)
        assert overall.status == NOT_SERVING
        with StreamWorker(gateway.channel, ["a_drain_h"]) as worker:
            worker.serve_one()
        assert gateway.tcp.proc.wait(timeout=WAIT) == 0
    finally:
        gateway.stop()
