"""The native Gearman client and worker against geargate and Debian's gearmand."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from conftest import StartServer
from gg_servers import Server, free_port

from geargate_client import JobException, JobFailed, Outcome, Priority, SubmitRefused, WorkFail
from geargate_client.gearman import GearmanClient, GearmanWorker, server_index
from geargate_client.job import Job

T = TypeVar("T")
KINDS = ["geargate", "gearmand"]


def run(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 30)

    return asyncio.run(bounded())


async def _progress(job: Job) -> bytes:
    job.send_data(b"d1")
    job.send_status(1, 2)
    job.send_warning(b"w1")
    job.send_data(b"d2")
    return job.payload[::-1]


async def _fail(job: Job) -> bytes:
    raise WorkFail()


async def _throw(job: Job) -> bytes:
    raise ValueError("boom")


def _sync_upper(job: Job) -> bytes:
    job.send_data(b"from a thread")
    return job.payload.upper()


async def with_worker(worker: GearmanWorker, body: Callable[[], Awaitable[T]]) -> T:
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        return await body()
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("kind", KINDS)
def test_outcomes_and_events(start_server: StartServer, kind: str) -> None:
    server = start_server(kind)

    async def main() -> None:
        worker = GearmanWorker([server.address], concurrency=2)
        worker.register("progress", _progress)
        worker.register("fail", _fail)
        worker.register("throw", _throw)
        worker.register("upper", _sync_upper)
        async with GearmanClient([server.address]) as client:

            async def body() -> None:
                seen: list[object] = []
                result = await client.call_result(
                    "progress",
                    b"abc\0",
                    on_data=lambda d: seen.append(("data", d)),
                    on_warning=lambda d: seen.append(("warning", d)),
                    on_status=lambda n, d: seen.append(("status", n, d)),
                )
                assert result.outcome is Outcome.COMPLETE
                assert result.data == b"\0cba"
                assert seen == [
                    ("data", b"d1"),
                    ("status", 1, 2),
                    ("warning", b"w1"),
                    ("data", b"d2"),
                ]
                assert result.status_events == [(1, 2)]
                assert await client.call("upper", "hi") == b"HI"
                with pytest.raises(JobFailed):
                    await client.call("fail")
                with pytest.raises(JobException) as info:
                    await client.call("throw", b"x")
                assert info.value.data == b"boom"
                kinds = [e.kind async for e in client.run("progress", b"z")]
                assert kinds == ["created", "data", "status", "warning", "data", "complete"]

            await with_worker(worker, body)

    run(main())


@pytest.mark.parametrize("kind", KINDS)
def test_background_status_and_queries(start_server: StartServer, kind: str) -> None:
    server = start_server(kind)

    async def main() -> None:
        async with GearmanClient([server.address]) as client:
            assert await client.echo(b"ping\0pong") == b"ping\0pong"
            with pytest.raises(SubmitRefused) as info:
                await client.option("no-such-option")
            assert info.value.code == "UNKNOWN_OPTION"
            handle = await client.submit("nobody", b"x", unique="u-1", priority=Priority.HIGH)
            status = await client.status(handle)
            assert status.known and not status.running
            by_unique = await client.status_unique("u-1")
            assert by_unique.known and by_unique.waiting_clients == 0
            assert not (await client.status("H:nowhere:1")).known
            assert not (await client.status_unique("never-used")).known

    run(main())
    assert server.admin("status").startswith("nobody\t1\t0\t0")


def test_failover_to_the_next_server(start_server: StartServer) -> None:
    server = start_server("geargate")
    dead = f"127.0.0.1:{free_port()}"

    async def main() -> None:
        async with GearmanClient([dead, server.address]) as client:
            for i in range(4):  # random start: some pick the dead server first
                await client.submit("f", str(i).encode())

    run(main())
    assert server.admin("status").startswith("f\t4\t0\t0")


def _uniques_for(index: int, count: int) -> list[str]:
    return [f"u{i}" for i in range(200) if server_index(f"u{i}".encode(), count) == index]


def test_unique_picks_the_perl_server() -> None:
    assert server_index(b"abc", 7) == ((zlib.crc32(b"abc") >> 16) & 0x7FFF) % 7
    assert server_index(b"abc", 7) == (0x352441C2 >> 16) % 7


def test_unique_hash_spreads_jobs(start_server: StartServer) -> None:
    servers = [start_server("geargate"), start_server("geargate")]
    zero = _uniques_for(0, 2)[:2]
    one = _uniques_for(1, 2)[0]

    async def main() -> None:
        async with GearmanClient([s.address for s in servers]) as client:
            for _ in range(3):  # the same unique always reaches the same server: coalesced
                for unique in [*zero, one]:
                    await client.submit("h", b"", unique=unique)
            assert (await client.status_unique(one)).known
            assert not (await client.status_unique(one, server=servers[0].address)).known

    run(main())
    assert servers[0].admin("status").startswith("h\t2\t0\t0")
    assert servers[1].admin("status").startswith("h\t1\t0\t0")


def test_worker_concurrency_client_id_and_timeout(start_server: StartServer) -> None:
    server = start_server("geargate")
    running = 0
    peak = 0
    attempts: list[str] = []
    release = asyncio.Event()

    async def hold(job: Job) -> bytes:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            if running == 3:
                release.set()
            await release.wait()
            return job.payload
        finally:
            running -= 1

    async def flaky(job: Job) -> bytes:
        attempts.append(job.handle)
        if len(attempts) == 1:
            await asyncio.sleep(5)  # held past the 0.3 s timeout: the server requeues it
        return b"second try"

    async def main() -> None:
        worker = GearmanWorker([server.address], concurrency=3, client_id="py-test-worker")
        worker.register("hold", hold)
        worker.register("flaky", flaky, timeout=0.3)
        async with GearmanClient([server.address]) as client:

            async def body() -> None:
                assert "py-test-worker" in server.admin("workers")
                results = await asyncio.gather(*(client.call("hold", str(i)) for i in range(3)))
                assert sorted(results) == [b"0", b"1", b"2"]
                assert await client.call("flaky") == b"second try"

            await with_worker(worker, body)

    run(main())
    assert peak == 3
    assert len(attempts) == 2 and attempts[0] == attempts[1]


def test_graceful_stop_finishes_the_running_job(geargate: Server) -> None:
    async def main() -> None:
        started = asyncio.Event()
        worker = GearmanWorker([geargate.address], concurrency=2)

        async def slow(job: Job) -> bytes:
            started.set()
            await asyncio.sleep(0.3)
            return b"finished"

        worker.register("slow", slow)
        task = asyncio.create_task(worker.run())
        await worker.ready.wait()
        async with GearmanClient([geargate.address]) as client:
            call = asyncio.create_task(client.call("slow"))
            await started.wait()
            worker.stop()
            assert await call == b"finished"
        await task
        assert worker.jobs_done == 1

    run(main())


def test_worker_reconnects_after_server_restart(start_server: StartServer) -> None:
    first = start_server("geargate")
    port = first.port

    async def main() -> None:
        worker = GearmanWorker([first.address], backoff_initial=0.05, backoff_max=0.2)
        worker.register("echo", lambda job: job.payload)

        async def body() -> None:
            first.stop()
            second = await asyncio.to_thread(start_server, "geargate", port=port)
            async with GearmanClient([second.address]) as client:
                assert await client.call("echo", b"again", timeout=20) == b"again"

        await with_worker(worker, body)
        assert worker.connects >= 2

    run(main())


def test_connection_lost_is_reported(start_server: StartServer) -> None:
    server = start_server("gearmand")

    async def main() -> None:
        async with GearmanClient([server.address]) as client:
            call = asyncio.create_task(client.call("nobody-works-this"))
            await asyncio.sleep(0)
            while not server.admin("status").startswith("nobody-works-this"):
                await asyncio.sleep(0.02)
            server.stop()
            with pytest.raises(Exception) as info:
                await call
            assert type(info.value).__name__ == "ConnectionLost"

    run(main())
