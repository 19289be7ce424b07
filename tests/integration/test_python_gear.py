"""The `gear` library (gear.Client, gear.Worker): jobs, coalescing on unique, priority order."""

from __future__ import annotations

from collections.abc import Iterator

import gear  # type: ignore[import-untyped]
import pytest
from servers import Server

from .helpers import KIND, status, wait_for, wait_total, wait_workers


@pytest.fixture
def gear_client(mserver: Server) -> Iterator[gear.Client]:
    client = gear.Client("it-client")
    client.addServer(mserver.host, mserver.port)
    client.waitForServer(timeout=10)
    yield client
    client.shutdown()


@pytest.fixture
def new_worker(mserver: Server) -> Iterator[list[gear.Worker]]:
    started: list[gear.Worker] = []
    yield started
    for worker in started:
        worker.shutdown()


def make_worker(mserver: Server, started: list[gear.Worker], *functions: str) -> gear.Worker:
    worker = gear.Worker("it-worker")
    started.append(worker)
    worker.addServer(mserver.host, mserver.port)
    worker.waitForServer(timeout=10)
    for function in functions:
        worker.registerFunction(function)
        wait_workers(mserver, function)
    return worker


def submit(client: gear.Client, name: str, data: bytes, **kwargs: object) -> gear.Job:
    job = gear.Job(name, data, unique=kwargs.pop("unique", None))
    client.submitJob(job, timeout=10, **kwargs)
    return job


def wait_complete(job: gear.Job) -> None:
    wait_for(lambda: job.complete, f"job {job.name} to complete")


def test_job_with_data_status_and_result(
    mserver: Server, gear_client: gear.Client, new_worker: list[gear.Worker]
) -> None:
    worker = make_worker(mserver, new_worker, "gear_rev")
    job = submit(gear_client, "gear_rev", b"gear payload")
    work = worker.getJob()
    assert work.arguments == b"gear payload"
    assert work.handle == job.handle
    work.sendWorkStatus(1, 2)
    work.sendWorkData(b"partial")
    work.sendWorkComplete(b"daolyap raeg")
    wait_complete(job)
    assert job.failure is False
    assert (job.numerator, job.denominator) == (b"1", b"2")
    assert job.data == [b"partial", b"daolyap raeg"]


def test_work_fail_and_exception(
    mserver: Server, gear_client: gear.Client, new_worker: list[gear.Worker]
) -> None:
    worker = make_worker(mserver, new_worker, "gear_fail")
    job = submit(gear_client, "gear_fail", b"x")
    worker.getJob().sendWorkFail()
    wait_complete(job)
    assert job.failure is True
    assert job.exception is None
    # gear.Client turns the `exceptions` option on; WORK_EXCEPTION arrives with its data.
    assert gear_client.setOption("exceptions") is True
    job = submit(gear_client, "gear_fail", b"y")
    worker.getJob().sendWorkException(b"gear-boom")
    wait_complete(job)
    assert job.failure is True
    assert job.exception == b"gear-boom"


def test_coalescing_same_unique_runs_once(
    mserver: Server, gear_client: gear.Client, new_worker: list[gear.Worker]
) -> None:
    other = gear.Client("it-client-2")
    other.addServer(mserver.host, mserver.port)
    other.waitForServer(timeout=10)
    try:
        first = submit(gear_client, "gear_co", b"data-1", unique="co-key")
        second = submit(other, "gear_co", b"data-2", unique="co-key")
        assert first.handle == second.handle
        assert status(mserver)["gear_co"] == (1, 0, 0)
        worker = make_worker(mserver, new_worker, "gear_co")
        work = worker.getJob()
        assert work.arguments == b"data-1"  # the first submit's data; the second joined it
        work.sendWorkComplete(b"shared result")
        wait_complete(first)
        wait_complete(second)
        assert first.data == [b"shared result"]
        assert second.data == [b"shared result"]
        # Nothing else was queued: the next job the worker gets is a fresh sentinel.
        sentinel = submit(gear_client, "gear_co", b"sentinel", unique="co-key-2")
        assert worker.getJob().arguments == b"sentinel"
        assert sentinel.handle != first.handle
    finally:
        other.shutdown()


def test_priority_order_high_normal_low(
    mserver: Server, gear_client: gear.Client, new_worker: list[gear.Worker]
) -> None:
    for name, precedence in (
        ("low-1", gear.PRECEDENCE_LOW),
        ("normal-1", gear.PRECEDENCE_NORMAL),
        ("high-1", gear.PRECEDENCE_HIGH),
        ("low-2", gear.PRECEDENCE_LOW),
        ("normal-2", gear.PRECEDENCE_NORMAL),
        ("high-2", gear.PRECEDENCE_HIGH),
    ):
        submit(gear_client, "gear_prio", name.encode(), background=True, precedence=precedence)
    wait_total(mserver, "gear_prio", 6)
    worker = make_worker(mserver, new_worker, "gear_prio")
    seen = []
    for _ in range(6):
        work = worker.getJob()
        seen.append(work.arguments.decode())
        work.sendWorkComplete(b"")
    assert seen == ["high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2"]
    wait_total(mserver, "gear_prio", 0)


@pytest.mark.skipif(
    KIND == "gearmand",
    reason="gearmand 1.1.x ranks priority per function, newest CAN_DO first "
    "(deliberate difference 2)",
)
def test_priority_is_global_across_functions(
    mserver: Server, gear_client: gear.Client, new_worker: list[gear.Worker]
) -> None:
    submit(gear_client, "gear_fa", b"fa-high", background=True, precedence=gear.PRECEDENCE_HIGH)
    submit(gear_client, "gear_fb", b"fb-low", background=True, precedence=gear.PRECEDENCE_LOW)
    submit(gear_client, "gear_fb", b"fb-normal", background=True)
    worker = make_worker(mserver, new_worker, "gear_fa", "gear_fb")
    seen = []
    for _ in range(3):
        work = worker.getJob()
        seen.append(work.arguments.decode())
        work.sendWorkComplete(b"")
    assert seen == ["fa-high", "fb-normal", "fb-low"]
