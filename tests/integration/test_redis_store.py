"""The Redis store against a real redis-server (Debian's), started here on a loopback port.

The store answers on the running event loop, so each test drives it inside asyncio.run. Tests
that share the session's Redis use a prefix of their own; tests that stop, kill or restart
Redis start one of their own. The end-to-end test runs geargate as a process on the store.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from gearman_core.store import StoredJob
from gearman_core.store.redis import REPLAY_PAGE, RedisStore

TESTS = Path(__file__).resolve().parent.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from redis_server import REDIS_SERVER, RedisServer  # noqa: E402
from servers import ROOT, free_port  # noqa: E402

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def shared_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis for one test, which it may stop, kill and start again (same port, same files)."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}:"


def open_store(server: RedisServer, prefix: str = "geargate:", **kw: object) -> RedisStore:
    return RedisStore("127.0.0.1", server.port, server.password, prefix, **kw)  # type: ignore[arg-type]


def client(server: RedisServer) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=server.port, password=server.password)


def job(job_id: int, data: bytes = b"payload", **kw: object) -> StoredJob:
    fields: dict[str, object] = {
        "function": b"fn",
        "unique": b"",
        "priority": 1,
        "when": 0.0,
        "reducer": None,
        "data": data,
    }
    fields.update(kw)
    return StoredJob(job_id, **fields)  # type: ignore[arg-type]


async def add_all(store: RedisStore, jobs: list[StoredJob]) -> list[bool]:
    """Add jobs in one loop turn and wait for every callback."""
    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in jobs]
    for record, future in zip(jobs, futures, strict=True):
        store.add(record, future.set_result)
    return list(await asyncio.wait_for(asyncio.gather(*futures), 60))


async def barrier(store: RedisStore) -> bool:
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    store.barrier(future.set_result)
    return await asyncio.wait_for(future, 60)


def replay(server: RedisServer, prefix: str) -> list[StoredJob]:
    store = open_store(server, prefix)
    try:
        return store.replay()
    finally:
        store.close()


# ---------------------------------------------------------------- contract


def test_round_trip_keeps_every_field(shared_redis: RedisServer, prefix: str) -> None:
    rows = [
        job(1, unique=b"", data=b""),
        job(2, unique=b"-", data=b"coalesced on data"),
        job(3, unique=b"-", data=b""),
        job(4, unique=b"same", data=b"a", priority=0),
        job(5, unique=b"same", data=b"b", priority=2),  # duplicate uniques are plain rows
        job(6, unique=b"u\x00nul", data=b"\x00\xff\r\n binary", when=1893456000.25),
        job(7, reducer=b"", data=b"empty reducer"),
        job(8, reducer=b"red", function=b"f\xc3\xa9 x", data=os.urandom(MIB)),
        job(9, data=b"x" * MIB, unique=b"u" * 64),
    ]

    async def scenario() -> list[bool]:
        store = open_store(shared_redis, prefix)
        try:
            return await add_all(store, rows)
        finally:
            store.close()

    assert asyncio.run(scenario()) == [True] * len(rows)
    got = replay(shared_redis, prefix)
    assert got == rows
    assert [type(row.when) for row in got] == [float] * len(rows)
    assert got[0].reducer is None and got[6].reducer == b""


def test_layout_is_one_hash_per_job_and_an_id_index(shared_redis: RedisServer, prefix: str) -> None:
    async def scenario() -> None:
        store = open_store(shared_redis, prefix)
        try:
            assert await add_all(store, [job(41, unique=b"k", reducer=b"r", when=5.5)]) == [True]
        finally:
            store.close()

    asyncio.run(scenario())
    r = client(shared_redis)
    assert r.hgetall(f"{prefix}job:41") == {
        b"function": b"fn",
        b"unique": b"k",
        b"priority": b"1",
        b"when": b"5.5",
        b"reducer": b"r",
        b"data": b"payload",
    }
    assert r.zrange(f"{prefix}jobs", 0, -1, withscores=True) == [(b"41", 41.0)]


def test_done_removes_rows_and_replay_is_in_id_order(
    shared_redis: RedisServer, prefix: str
) -> None:
    ids = [30, 2, 17, 5, 1000, 8]

    async def scenario() -> bool:
        store = open_store(shared_redis, prefix)
        try:
            assert await add_all(store, [job(i, data=b"%d" % i) for i in ids]) == [True] * 6
            store.done(17)
            store.done(1000)
            store.done(99)  # never stored: a no-op, not an error
            return await barrier(store)
        finally:
            store.close()

    assert asyncio.run(scenario()) is True
    assert [row.id for row in replay(shared_redis, prefix)] == [2, 5, 8, 30]
    r = client(shared_redis)
    assert r.exists(f"{prefix}job:17", f"{prefix}job:1000") == 0


def test_ten_thousand_rows(shared_redis: RedisServer, prefix: str) -> None:
    count = 10_000
    assert count > 3 * REPLAY_PAGE  # replay has to page
    rows = [job(i, unique=b"u%d" % i, data=b"d%d" % i, priority=i % 3) for i in range(1, count + 1)]

    async def add_them() -> list[bool]:
        store = open_store(shared_redis, prefix)
        try:
            return await add_all(store, rows)
        finally:
            store.close()

    assert asyncio.run(add_them()) == [True] * count
    assert replay(shared_redis, prefix) == rows

    async def finish_them() -> bool:
        store = open_store(shared_redis, prefix)
        try:
            for row in rows:
                store.done(row.id)
            return await barrier(store)
        finally:
            store.close()

    assert asyncio.run(finish_them()) is True
    assert replay(shared_redis, prefix) == []
    assert client(shared_redis).zcard(f"{prefix}jobs") == 0


def test_barrier_on_an_idle_store_answers_true(shared_redis: RedisServer, prefix: str) -> None:
    async def scenario() -> bool:
        store = open_store(shared_redis, prefix)
        try:
            return await barrier(store)
        finally:
            store.close()

    assert asyncio.run(scenario()) is True


def test_close_writes_what_is_pending(shared_redis: RedisServer, prefix: str) -> None:
    answers: list[bool] = []

    async def scenario() -> None:
        store = open_store(shared_redis, prefix)
        assert await add_all(store, [job(1), job(2)]) == [True, True]
        store.add(job(3), answers.append)  # not yet written when close() comes
        store.done(1)
        store.close()

    asyncio.run(scenario())
    assert [row.id for row in replay(shared_redis, prefix)] == [2, 3]


def test_prefixes_keep_stores_apart(shared_redis: RedisServer, prefix: str) -> None:
    async def scenario() -> None:
        first, second = open_store(shared_redis, prefix + "a:"), open_store(shared_redis, prefix)
        try:
            assert await add_all(first, [job(1, data=b"first")]) == [True]
            assert await add_all(second, [job(1, data=b"second")]) == [True]
        finally:
            first.close()
            second.close()

    asyncio.run(scenario())
    assert [row.data for row in replay(shared_redis, prefix + "a:")] == [b"first"]
    assert [row.data for row in replay(shared_redis, prefix)] == [b"second"]


# ---------------------------------------------------------------- group commit


def _calls(r: redis.Redis, command: str) -> int:
    stats = r.info("commandstats").get(f"cmdstat_{command}")
    return int(stats["calls"]) if stats else 0


def test_one_loop_turn_is_one_transaction(own_redis: RedisServer, prefix: str) -> None:
    r = client(own_redis)
    store = open_store(own_redis, prefix)

    async def scenario() -> list[bool]:
        # the connection's own set-up commands are out of the count
        assert await barrier(store)
        r.config_resetstat()
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(3)]
        for n in range(1, 301):
            store.add(job(n), futures[0].set_result if n == 1 else lambda ok: None)
        store.done(1)
        store.barrier(futures[1].set_result)
        store.barrier(futures[2].set_result)
        return list(await asyncio.wait_for(asyncio.gather(*futures), 60))

    try:
        assert asyncio.run(scenario()) == [True, True, True]
    finally:
        store.close()
    assert _calls(r, "multi") == 1
    assert _calls(r, "exec") == 1
    assert _calls(r, "hset") == 300
    assert [row.id for row in replay(own_redis, prefix)] == list(range(2, 301))


def test_later_turns_form_later_batches(own_redis: RedisServer, prefix: str) -> None:
    r = client(own_redis)
    store = open_store(own_redis, prefix)

    async def scenario() -> None:
        assert await barrier(store)
        r.config_resetstat()
        for n in range(1, 4):  # three batches, each waited for
            assert await add_all(store, [job(10 * n + k) for k in range(5)]) == [True] * 5

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert _calls(r, "exec") == 3
    assert _calls(r, "hset") == 15


# ---------------------------------------------------------------- failures and recovery


def test_redis_down_fails_callbacks_then_recovers(own_redis: RedisServer, prefix: str) -> None:
    store = open_store(own_redis, prefix, connect_timeout=2.0)

    async def scenario() -> None:
        assert await add_all(store, [job(1), job(2)]) == [True, True]
        own_redis.stop()
        assert await add_all(store, [job(3)]) == [False]
        store.done(1)  # fails with its batch, kept for the next one
        assert await barrier(store) is False
        assert await add_all(store, [job(4)]) == [False]  # still down: still no exception
        own_redis.start()  # same port and AOF: jobs 1 and 2 come back
        assert await add_all(store, [job(5)]) == [True]  # the store reconnects by itself
        assert await barrier(store) is True

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    # job 1's delete went through with a later batch; the failed adds were never written
    assert [row.id for row in replay(own_redis, prefix)] == [2, 5]


def test_failed_delete_is_retried_without_new_work(own_redis: RedisServer, prefix: str) -> None:
    store = open_store(own_redis, prefix, connect_timeout=2.0)
    r = client(own_redis)

    async def scenario() -> None:
        assert await add_all(store, [job(1), job(2)]) == [True, True]
        own_redis.stop()
        store.done(1)
        assert await barrier(store) is False
        own_redis.start()
        for _ in range(200):  # the store retries on its own timer; nothing else is asked
            if not r.exists(f"{prefix}job:1"):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the failed delete was not retried")

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert [row.id for row in replay(own_redis, prefix)] == [2]


def test_restart_between_batches_is_invisible(own_redis: RedisServer, prefix: str) -> None:
    """The pooled connection dies with Redis; the next batch reconnects and succeeds."""
    store = open_store(own_redis, prefix)

    async def scenario() -> None:
        assert await add_all(store, [job(1)]) == [True]
        own_redis.stop()
        own_redis.start()
        assert await add_all(store, [job(2)]) == [True]

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert [row.id for row in replay(own_redis, prefix)] == [1, 2]


def test_committed_jobs_survive_redis_being_killed(own_redis: RedisServer, prefix: str) -> None:
    rows = [job(n, data=os.urandom(1000)) for n in range(1, 51)]
    store = open_store(own_redis, prefix)

    async def scenario() -> None:
        assert await add_all(store, rows) == [True] * 50

    try:
        asyncio.run(scenario())
        own_redis.kill()
    finally:
        store.close()
    own_redis.start()
    assert replay(own_redis, prefix) == rows


def test_replay_with_redis_away_raises_oserror(tmp_path: Path) -> None:
    away = RedisServer(tmp_path / "never-started")
    store = open_store(away, "x:", connect_timeout=2.0)
    try:
        with pytest.raises(OSError, match="cannot read jobs"):
            store.replay()
    finally:
        store.close()


def test_password(tmp_path: Path, prefix: str) -> None:
    server = RedisServer(tmp_path / "redis", password="s3cret pass")
    server.start()
    try:
        right = open_store(server, prefix)

        async def scenario() -> list[bool]:
            return await add_all(right, [job(7)])

        try:
            assert asyncio.run(scenario()) == [True]
        finally:
            right.close()
        assert [row.id for row in replay(server, prefix)] == [7]
        wrong = RedisStore("127.0.0.1", server.port, "wrong", prefix)
        try:
            with pytest.raises(OSError, match="cannot read jobs"):
                wrong.replay()
        finally:
            wrong.close()
    finally:
        server.stop()


def test_warns_when_redis_keeps_no_aof(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis(port=port, socket_connect_timeout=1).ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        store = RedisStore("127.0.0.1", port, None, "w:")
        try:
            with caplog.at_level(logging.WARNING, logger="geargate.store"):
                assert store.replay() == []
        finally:
            store.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "appendonly no" in caplog.text


def test_durable_redis_gets_no_warning(
    shared_redis: RedisServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="geargate.store"):
        assert replay(shared_redis, prefix) == []
    assert "appendonly" not in caplog.text


# ---------------------------------------------------------------- geargate end to end

REQ, RES = b"\0REQ", b"\0RES"
CAN_DO, GRAB_JOB_UNIQ, NO_JOB, JOB_ASSIGN_UNIQ, WORK_COMPLETE = 1, 30, 10, 31, 13
SUBMIT_JOB_BG, SUBMIT_JOB_HIGH_BG, JOB_CREATED, ERROR = 18, 32, 8, 19


def _send(sock: socket.socket, kind: int, *args: bytes) -> None:
    body = b"\0".join(args)
    sock.sendall(REQ + struct.pack(">II", kind, len(body)) + body)


def _recv(sock: socket.socket) -> tuple[int, list[bytes]]:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            assert chunk, "server closed the connection"
            data += chunk
        return data

    magic, kind, size = struct.unpack(">4sII", exactly(12))
    assert magic == RES
    return kind, exactly(size).split(b"\0")


def _serve_command(redis_port: int, prefix: str, port: int) -> list[str]:
    """`geargate serve -q redis ...` once the cli has the flags; the stand-in runner before."""
    base = ["--port", str(port), "--listen", "127.0.0.1", "--grpc-port", "0", "-l", "stderr"]
    flags = ["--redis-server", "127.0.0.1", "--redis-port", str(redis_port)]
    flags += ["--redis-prefix", prefix]
    probe = subprocess.run(
        [sys.executable, "-m", "gearman_core", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    if "--redis-port" in probe.stdout:
        return [sys.executable, "-m", "gearman_core", "serve", *base, "-q", "redis", *flags]
    return [sys.executable, str(TESTS / "redis_server.py"), *flags, "--", *base]


class Geargate:
    def __init__(self, command: list[str], port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"geargate exited: {self.stop()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"geargate did not listen: {self.stop()}") from None
                time.sleep(0.05)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""


def test_geargate_on_redis_end_to_end(own_redis: RedisServer, prefix: str) -> None:
    port = free_port()
    command = _serve_command(own_redis.port, prefix, port)
    r = client(own_redis)
    first = Geargate(command, port)
    try:
        with first.connect() as sock:
            _send(sock, SUBMIT_JOB_BG, b"e2e", b"u1", b"one")
            assert _recv(sock)[0] == JOB_CREATED
            _send(sock, SUBMIT_JOB_HIGH_BG, b"e2e", b"", b"two")
            assert _recv(sock)[0] == JOB_CREATED
            _send(sock, SUBMIT_JOB_BG, b"e2e", b"-", b"three")
            assert _recv(sock)[0] == JOB_CREATED
        # JOB_CREATED came after the commit: the rows are there now
        assert r.zcard(f"{prefix}jobs") == 3
    finally:
        first.stop(signal.SIGKILL)  # no shutdown work: Redis alone must have the jobs

    second = Geargate(command, port)
    try:
        got = []
        with second.connect() as worker:
            _send(worker, CAN_DO, b"e2e")
            for _ in range(3):
                _send(worker, GRAB_JOB_UNIQ)
                kind, args = _recv(worker)
                assert kind == JOB_ASSIGN_UNIQ, (kind, args)
                handle, function, unique, data = args
                got.append((function, unique, data))
                _send(worker, WORK_COMPLETE, handle, b"ok")
            _send(worker, GRAB_JOB_UNIQ)
            assert _recv(worker)[0] == NO_JOB
        assert got[0] == (b"e2e", b"", b"two")  # high priority first
        assert sorted(got[1:]) == [(b"e2e", b"-", b"three"), (b"e2e", b"u1", b"one")]
        for _ in range(200):  # deletes are committed soon after WORK_COMPLETE
            if r.zcard(f"{prefix}jobs") == 0:
                break
            time.sleep(0.05)
        assert r.zcard(f"{prefix}jobs") == 0

        # Redis away: the submitter hears QUEUE_ERROR, geargate keeps serving
        own_redis.stop()
        with second.connect() as sock:
            _send(sock, SUBMIT_JOB_BG, b"e2e", b"", b"lost")
            kind, args = _recv(sock)
            assert (kind, args[0]) == (ERROR, b"QUEUE_ERROR")
            own_redis.start()
            _send(sock, SUBMIT_JOB_BG, b"e2e", b"", b"kept")  # same connection, Redis back
            assert _recv(sock)[0] == JOB_CREATED
        rows = r.zrange(f"{prefix}jobs", 0, -1)
        assert len(rows) == 1
        assert r.hget(f"{prefix}job:{rows[0].decode()}", "data") == b"kept"
    finally:
        log = second.stop()
    assert "Traceback" not in log, log
