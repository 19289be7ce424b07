"""The same contract, held to every store: SQLite, PostgreSQL and Redis.

Each store also has tests of its own (test_store.py, test_postgres_store.py,
test_redis_store.py) for what only it does; these are the promises the engine relies on.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gearman_core.store import SqliteStore, Store, StoredJob

StoreFactory = Callable[[], Store]

_table_names = (f"contract_{n}_{uuid.uuid4().hex[:8]}" for n in itertools.count())


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    from redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.port
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pg_conninfo() -> Iterator[str]:
    from pg_server import PostgresServer, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server installed")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server.conninfo
    finally:
        server.cleanup()


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A factory of stores that all open the same fresh database, so a second store replays
    what the first one wrote."""
    kind = request.param
    name = next(_table_names)
    if kind == "sqlite":
        return lambda: SqliteStore(str(tmp_path / f"{name}.sqlite3"))
    if kind == "postgres":
        from gearman_core.store.postgres import PostgresStore

        conninfo = request.getfixturevalue("pg_conninfo")
        return lambda: PostgresStore(conninfo, name)
    from gearman_core.store.redis import RedisStore

    port = request.getfixturevalue("redis_port")
    return lambda: RedisStore("127.0.0.1", port, None, f"{name}:")


def job(job_id: int, data: bytes = b"payload", unique: bytes = b"", **fields: object) -> StoredJob:
    values: dict[str, object] = {
        "function": b"fn",
        "unique": unique,
        "priority": 1,
        "when": 0.0,
        "reducer": None,
        "data": data,
    }
    values.update(fields)
    return StoredJob(job_id, **values)  # type: ignore[arg-type]


async def commit(store: Store, adds: list[StoredJob], dones: tuple[int, ...] = ()) -> list[bool]:
    """Add and delete in one loop turn, then wait for every answer (a barrier included)."""
    loop = asyncio.get_running_loop()
    answers = [loop.create_future() for _ in [*adds, None]]
    for record, answer in zip(adds, answers, strict=False):
        store.add(record, answer.set_result)
    for job_id in dones:
        store.done(job_id)
    store.barrier(answers[-1].set_result)
    return list(await asyncio.wait_for(asyncio.gather(*answers), 60))


def run_then_close(store: Store, adds: list[StoredJob], dones: tuple[int, ...] = ()) -> list[bool]:
    try:
        return asyncio.run(commit(store, adds, dones))
    finally:
        store.close()


def test_jobs_round_trip_with_every_kind_of_unique_and_payload(make_store: StoreFactory) -> None:
    jobs = [
        job(1, b"", b""),
        job(2, b"dash", b"-"),
        job(3, b"same-1", b"same"),
        job(4, b"same-2", b"same"),  # a duplicate unique is an ordinary row
        job(5, b"\x00nul\x00", b"u" * 64, priority=0, when=1.9e9, reducer=b"reduce"),
        job(6, bytes(range(256)) * 4096, b"big", priority=2),  # 1 MiB
        job(7, b"empty reducer", reducer=b""),
    ]
    assert run_then_close(make_store(), jobs) == [True] * (len(jobs) + 1)
    reader = make_store()
    try:
        assert reader.replay() == jobs
    finally:
        reader.close()


def test_done_forgets_a_job_and_replay_keeps_id_order(make_store: StoreFactory) -> None:
    jobs = [job(n, b"%d" % n) for n in range(1, 6)]
    store = make_store()
    try:

        async def scenario() -> None:
            assert await commit(store, jobs) == [True] * 6
            assert await commit(store, [job(9, b"late")], dones=(2, 4)) == [True, True]
            # Deleting what was never stored, or twice, is harmless.
            assert await commit(store, [], dones=(4, 1000)) == [True]

        asyncio.run(scenario())
    finally:
        store.close()
    reader = make_store()
    try:
        assert [record.id for record in reader.replay()] == [1, 3, 5, 9]
    finally:
        reader.close()


def test_ten_thousand_jobs_in_one_turn_replay_whole(make_store: StoreFactory) -> None:
    jobs = [job(n, b"job %d" % n, b"u%d" % n) for n in range(1, 10_001)]
    assert all(run_then_close(make_store(), jobs))
    reader = make_store()
    try:
        replayed = reader.replay()
    finally:
        reader.close()
    assert len(replayed) == 10_000
    assert replayed[0] == jobs[0] and replayed[-1] == jobs[-1]


def test_close_writes_what_is_still_pending(make_store: StoreFactory) -> None:
    store = make_store()

    async def scenario() -> None:
        assert await commit(store, [job(1), job(2)]) == [True, True, True]
        store.add(job(3), lambda ok: None)
        store.done(1)
        store.close()  # before the loop turn that would have written them

    asyncio.run(scenario())
    reader = make_store()
    try:
        assert [record.id for record in reader.replay()] == [2, 3]
    finally:
        reader.close()


def test_a_barrier_on_an_idle_store_answers_true(make_store: StoreFactory) -> None:
    assert run_then_close(make_store(), []) == [True]
