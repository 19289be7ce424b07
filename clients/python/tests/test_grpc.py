"""The gRPC clients (sync and asyncio) and workers against `geargate serve --grpc-port`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

import grpc
import pytest
from conftest import StartServer
from gg_servers import Server

from geargate_client import (
    AsyncClient,
    AsyncWorker,
    Client,
    Job,
    JobException,
    JobFailed,
    Outcome,
    RpcError,
    Worker,
    WorkFail,
)

T = TypeVar("T")


def _progress(job: Job) -> bytes:
    job.send_data(b"d1")
    job.send_status(1, 2)
    job.send_warning(b"w1")
    job.send_data(b"d2")
    return job.payload


def _fail(job: Job) -> bytes:
    raise WorkFail()


async def _throw(job: Job) -> bytes:
    raise RuntimeError("boom")


@pytest.fixture
def sync_worker(geargate: Server) -> Iterator[Worker]:
    worker = Worker(geargate.grpc_address, concurrency=4, worker_id="py-sync-worker")
    worker.handle("echo", lambda job: job.payload)
    worker.handle("progress", _progress)
    worker.handle("fail", _fail)
    worker.handle("throw", _throw)
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        with Client(geargate.grpc_address, timeout=20) as client:
            for _ in range(200):
                if "py-sync-worker" in geargate.admin("workers"):
                    break
                threading.Event().wait(0.02)
            assert client.call("echo", b"warm") == b"warm"
        yield worker
    finally:
        worker.stop()
        thread.join(15)
        assert not thread.is_alive()


def test_sync_client_outcomes(geargate: Server, sync_worker: Worker) -> None:
    with Client(geargate.grpc_address, timeout=20) as client:
        big = bytes(range(256)) * 4096
        assert client.call("echo", big) == big
        assert client.call("echo", "text") == b"text"
        with pytest.raises(JobFailed):
            client.call("fail")
        with pytest.raises(JobException) as info:
            client.call("throw")
        assert info.value.data == b"boom"
        result = client.call_result("progress", b"p")
        assert result.outcome is Outcome.COMPLETE and result.data == b"p"
        assert result.data_events == [b"d1", b"d2"] and result.warnings == [b"w1"]
        events = list(client.run("progress", b"q"))
        assert [e.kind for e in events] == [
            "created", "data", "status", "warning", "data", "complete",
        ]  # fmt: skip
        assert (events[2].numerator, events[2].denominator) == (1, 2)
        assert client.version()


def test_sync_client_errors_keep_the_status_code(geargate: Server) -> None:
    with Client(geargate.grpc_address) as client:
        with pytest.raises(RpcError) as info:
            client.submit("")
        assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT
        with pytest.raises(RpcError) as info:
            client.call("nobody-serves-this", timeout=0.2)
        assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        with pytest.raises(ValueError):
            client.status()


def test_submit_status_cancel(geargate: Server) -> None:
    with Client(geargate.grpc_address, timeout=10) as client:
        handle = client.submit("queued-only", b"x", unique="uq-1")
        status = client.status(handle)
        assert status.known and not status.running
        assert client.status(unique="uq-1").known
        assert client.cancel(handle)
        assert not client.status(handle).known
        assert not client.cancel(handle)


def test_unreachable_server_is_unavailable() -> None:
    from gg_servers import free_port

    with Client(f"127.0.0.1:{free_port()}", timeout=5) as client, pytest.raises(RpcError) as info:
        client.version()
    assert info.value.code == grpc.StatusCode.UNAVAILABLE


def test_async_worker_cancel_and_graceful_stop(geargate: Server) -> None:
    async def main() -> None:
        started = asyncio.Event()
        cancelled: list[str] = []
        finished: list[bytes] = []

        async def forever(job: Job) -> bytes:
            started.set()
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                cancelled.append(job.cancel_reason)
                raise
            return b"never"

        async def slow(job: Job) -> bytes:
            started.set()
            await asyncio.sleep(0.3)
            finished.append(job.payload)
            return b"done " + job.payload

        worker = AsyncWorker(geargate.grpc_address, concurrency=2)
        worker.handle("forever", forever)
        worker.handle("slow", slow)
        task = asyncio.create_task(worker.run())
        await asyncio.wait_for(worker.ready.wait(), 10)
        async with AsyncClient(geargate.grpc_address, timeout=20) as client:
            # Cancel: the handler is cancelled, the caller sees a fail, nothing is reported.
            call = asyncio.create_task(client.call_result("forever"))
            await started.wait()
            handle = next(
                j.handle for j in (await _jobs(client)) if j.function == "forever"
            )  # fmt: skip
            assert await client.cancel(handle)
            assert (await call).outcome is Outcome.FAIL
            for _ in range(100):
                if cancelled:
                    break
                await asyncio.sleep(0.02)
            assert cancelled == ["cancelled"]
            # Graceful stop: the running job completes and is reported.
            started.clear()
            slow_call = asyncio.create_task(client.call("slow", b"x"))
            await started.wait()
            worker.stop()
            assert await slow_call == b"done x"
            await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(main(), 40))


async def _jobs(client: AsyncClient) -> list[Any]:
    from geargate_client._pb.geargate.v1 import geargate_pb2 as pb
    from geargate_client._pb.geargate.v1 import geargate_pb2_grpc as pbg

    admin = pbg.AdminServiceStub(client._channel)  # type: ignore[no-untyped-call]
    reply = await admin.Jobs(pb.JobsQuery())
    return list(reply.jobs)


def test_async_worker_reconnects(start_server: StartServer) -> None:
    starter = start_server
    first = starter("geargate")

    async def main() -> None:
        worker = AsyncWorker(first.grpc_address, backoff_initial=0.05, backoff_max=0.2)
        worker.handle("echo", lambda job: job.payload)
        task = asyncio.create_task(worker.run())
        try:
            await asyncio.wait_for(worker.ready.wait(), 10)
            first.stop()
            second = await asyncio.to_thread(
                starter, "geargate", port=first.port, grpc_port=first.grpc_port
            )
            async with AsyncClient(second.grpc_address, timeout=20) as client:
                assert await client.call("echo", b"back") == b"back"
            assert worker.connections >= 2
        finally:
            worker.stop()
            await asyncio.wait_for(task, 10)

    asyncio.run(asyncio.wait_for(main(), 40))
