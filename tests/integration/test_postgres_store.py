"""The PostgreSQL store against a real PostgreSQL server (Debian's `postgresql` package).

One cluster serves the whole session (each test has its own table); the tests that stop and
restart PostgreSQL get a cluster of their own. Store operations run inside asyncio.run, since
the store answers on the event loop that calls it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")

from pg_server import GeargateWithPostgres, PostgresServer, postgres_bindir  # noqa: E402

from gearman_core.store import Store, StoredJob  # noqa: E402
from gearman_core.store.postgres import (  # noqa: E402
    PostgresStore,
    PostgresStoreError,
    connect_params,
    parse_conninfo,
)

BINDIR = postgres_bindir()
needs_postgres = pytest.mark.skipif(BINDIR is None, reason="needs Debian's postgresql package")
GEARMAN = shutil.which("gearman") or "/usr/bin/gearman"
MIB = 1024 * 1024


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    assert BINDIR is not None
    server = PostgresServer(BINDIR)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def own_pg() -> Iterator[PostgresServer]:
    """A cluster this test may stop and start."""
    assert BINDIR is not None
    server = PostgresServer(BINDIR)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def table() -> str:
    return "jobs_" + uuid.uuid4().hex[:12]


def job(
    job_id: int,
    data: bytes = b"payload",
    unique: bytes = b"",
    priority: int = 1,
    when: float = 0.0,
    reducer: bytes | None = None,
    function: bytes = b"reverse",
) -> StoredJob:
    return StoredJob(job_id, function, unique, priority, when, reducer, data)


class Recorder:
    """Collects store callbacks, checking that each arrives on the engine's thread."""

    def __init__(self) -> None:
        self.results: dict[Any, bool] = {}
        self.thread = threading.get_ident()
        self.wrong_thread = 0
        self.event = asyncio.Event()
        self.expected = 0

    def callback(self, key: Any) -> Callable[[bool], None]:
        self.expected += 1

        def committed(ok: bool) -> None:
            if threading.get_ident() != self.thread:
                self.wrong_thread += 1
            assert key not in self.results, f"second callback for {key!r}"
            self.results[key] = ok
            if len(self.results) >= self.expected:
                self.event.set()

        return committed

    async def wait(self, timeout: float = 60) -> dict[Any, bool]:
        await asyncio.wait_for(self.event.wait(), timeout)
        assert self.wrong_thread == 0
        return self.results


async def barrier(store: PostgresStore, timeout: float = 60) -> bool:
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    store.barrier(future.set_result)
    return await asyncio.wait_for(future, timeout)


async def query(server: PostgresServer, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(host=server.host, port=server.port, user=server.user,
                                 database="postgres")  # fmt: skip
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def collect_loop_errors() -> list[dict[str, Any]]:
    """Record what reaches the loop's exception handler (an exception escaping a callback)."""
    errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    return errors


# ---------------------------------------------------------------- conninfo


def test_conninfo_keywords_quotes_and_escapes() -> None:
    parsed = parse_conninfo(
        r"host=db.example port = 5433 dbname='my db' password='it\'s \\ here' user=a\ b"
    )
    assert parsed == {
        "host": "db.example",
        "port": "5433",
        "dbname": "my db",
        "password": "it's \\ here",
        "user": "a b",
    }
    assert parse_conninfo("") == {}
    with pytest.raises(ValueError, match="missing '='"):
        parse_conninfo("host")
    with pytest.raises(ValueError, match="unterminated"):
        parse_conninfo("password='open")


def test_conninfo_becomes_asyncpg_parameters() -> None:
    params = connect_params("hostaddr=127.0.0.1 host=ignored port=5 connect_timeout=7 keepalives=1")
    assert params.dsn == "postgresql://?host=127.0.0.1&port=5"
    assert params.timeout == 7.0
    assert params.ignored == ["keepalives"]
    assert connect_params("").dsn is None
    uri = "postgresql://u:secret@127.0.0.1:5/db"
    assert connect_params(uri).dsn == uri
    assert "secret" not in connect_params(uri).describe()
    assert "secret" not in connect_params("host=h password=secret").describe()
    with pytest.raises(ValueError, match="options"):
        connect_params("options=-csearch_path=x")


def test_bad_table_names_are_refused() -> None:
    for name in ("jobs; DROP TABLE x", "1jobs", "a.b.c", ""):
        with pytest.raises(ValueError, match="table name"):
            PostgresStore("host=127.0.0.1 port=1", name)


# ---------------------------------------------------------------- contract


@needs_postgres
def test_contract_rows_round_trip(pg: PostgresServer, table: str) -> None:
    every_byte = bytes(range(256)) * (MIB // 256)
    rows = [
        job(1, b"no unique"),
        job(2, b"dash unique", unique=b"-"),
        job(3, b"", unique=b"-"),
        job(4, every_byte, unique=b"u" * 64, priority=0, reducer=b"sum"),
        job(5, b"\x00nul\x00", unique=b"\x00\xff", priority=2, when=1893456000.25),
        job(6, every_byte[::-1], function=b"f\x00unc"),
        job(7, b"same unique", unique=b"dup"),
        job(8, b"same unique again", unique=b"dup"),
        job(9, b"finished soon"),
    ]

    async def main() -> None:
        errors = collect_loop_errors()
        store = PostgresStore(pg.conninfo, table)
        checked: Store = store
        assert checked is store
        assert store.replay() == []
        recorder = Recorder()
        for row in rows:
            store.add(row, recorder.callback(row.id))
        assert await recorder.wait() == {row.id: True for row in rows}
        store.done(9)
        store.done(12345)  # never stored: harmless
        assert await barrier(store) is True
        store.close()
        assert errors == []

        again = PostgresStore(pg.conninfo, table)
        try:
            assert again.replay() == rows[:-1]
        finally:
            again.close()
        columns = await query(
            pg,
            "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute"
            " WHERE attrelid = to_regclass($1) AND attnum > 0 ORDER BY attnum",
            table,
        )
        assert [(c["attname"], c["type"]) for c in columns] == [
            ("id", "bigint"),
            ("function", "bytea"),
            ("unique_key", "bytea"),
            ("priority", "integer"),
            ("when_to_run", "double precision"),
            ("reducer", "bytea"),
            ("data", "bytea"),
        ]

    asyncio.run(main())


@needs_postgres
def test_ten_thousand_rows_in_one_turn_are_one_transaction(pg: PostgresServer, table: str) -> None:
    async def main() -> None:
        store = PostgresStore(pg.conninfo, table)
        try:
            recorder = Recorder()
            for i in range(1, 10_001):
                store.add(job(i, b"%d" % i, unique=b"u%d" % i), recorder.callback(i))
            results = await recorder.wait()
            assert len(results) == 10_000 and all(results.values())
            found = await query(
                pg, f"SELECT count(*) AS n, count(DISTINCT xmin::text) AS tx FROM {table}"
            )
            assert (found[0]["n"], found[0]["tx"]) == (10_000, 1)
            for i in range(1, 10_001, 2):
                store.done(i)
            assert await barrier(store) is True
            replayed = store.replay()
            assert [r.id for r in replayed] == list(range(2, 10_001, 2))
            assert replayed[-1] == job(10_000, b"10000", unique=b"u10000")
        finally:
            store.close()

    asyncio.run(main())


@needs_postgres
def test_turns_that_arrive_during_a_commit_share_the_next_transaction(
    pg: PostgresServer, table: str
) -> None:
    async def main() -> None:
        store = PostgresStore(pg.conninfo, table)
        holder = await asyncpg.connect(host=pg.host, port=pg.port, user=pg.user,
                                       database="postgres")  # fmt: skip
        try:
            # Another session locks the table, so the first batch waits inside PostgreSQL.
            lock = holder.transaction()
            await lock.start()
            await holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            recorder = Recorder()
            ids = itertools.count(1)
            for _ in range(3):
                i = next(ids)
                store.add(job(i), recorder.callback(i))
            for _ in range(4):  # four more turns of the loop while the first batch is stuck
                for _ in range(5):
                    await asyncio.sleep(0)
                for _ in range(3):
                    i = next(ids)
                    store.add(job(i), recorder.callback(i))
            store.done(2)
            await asyncio.sleep(0.2)
            assert recorder.results == {}  # nothing is reported before its commit
            await lock.rollback()
            results = await recorder.wait()
            assert results == {i: True for i in range(1, 16)}
            assert await barrier(store) is True
            rows = await query(pg, f"SELECT id, xmin::text::bigint AS tx FROM {table} ORDER BY id")
            tx = {row["id"]: row["tx"] for row in rows}
            assert sorted(tx) == [1, *range(3, 16)]
            assert tx[1] == tx[3]
            assert len({tx[i] for i in range(4, 16)}) == 1
            assert tx[1] != tx[4]
        finally:
            await holder.close()
            store.close()

    asyncio.run(main())


@needs_postgres
def test_close_commits_what_is_pending(pg: PostgresServer, table: str) -> None:
    async def main() -> None:
        store = PostgresStore(pg.conninfo, table)
        first = Recorder()
        store.add(job(1, b"committed"), first.callback(1))
        await first.wait()
        pending = Recorder()
        store.add(job(2, b"added just before close"), pending.callback(2))
        store.done(1)
        store.close()  # in the same turn: the batch had not started
        assert pending.results == {2: True}
        again = PostgresStore(pg.conninfo, table)
        try:
            assert again.replay() == [job(2, b"added just before close")]
        finally:
            again.close()

    asyncio.run(main())


# ---------------------------------------------------------------- start-up errors


@needs_postgres
def test_start_up_fails_clearly_without_postgres(own_pg: PostgresServer) -> None:
    own_pg.stop()
    with pytest.raises(PostgresStoreError) as raised:
        PostgresStore(own_pg.conninfo + " connect_timeout=3", "jobs")
    assert isinstance(raised.value, OSError)
    assert f"port={own_pg.port}" in str(raised.value)
    assert not any(t.name == "geargate-postgres" for t in threading.enumerate())


@needs_postgres
def test_a_table_of_another_layout_is_refused(pg: PostgresServer, table: str) -> None:
    async def main() -> None:
        # gearmand's own libpq queue table
        await query(
            pg,
            f"CREATE TABLE {table} (unique_key VARCHAR(64), function_name VARCHAR(255),"
            " priority INTEGER, data BYTEA, when_to_run INTEGER)",
        )
        with pytest.raises(PostgresStoreError, match="gearmand"):
            PostgresStore(pg.conninfo, table)

    asyncio.run(main())


# ---------------------------------------------------------------- outages


@needs_postgres
def test_writes_fail_cleanly_while_postgres_is_down_and_work_again_after(
    own_pg: PostgresServer, table: str
) -> None:
    async def main() -> None:
        errors = collect_loop_errors()
        store = PostgresStore(own_pg.conninfo + " connect_timeout=5", table)
        try:
            before = Recorder()
            store.add(job(1, b"stored before"), before.callback(1))
            store.add(job(2, b"finishes during the outage"), before.callback(2))
            assert await before.wait() == {1: True, 2: True}

            own_pg.stop()
            down = Recorder()
            store.add(job(3, b"submitted during the outage"), down.callback(3))
            store.done(2)
            store.barrier(down.callback("barrier"))
            assert await down.wait() == {3: False, "barrier": False}
            assert await barrier(store) is False  # still down: still failing, no exception

            own_pg.start()
            after = Recorder()
            store.add(job(4, b"after the restart"), after.callback(4))
            assert await after.wait() == {4: True}
            assert await barrier(store) is True
            # the delete asked for during the outage was applied; job 3 never was stored
            assert [r.id for r in store.replay()] == [1, 4]
            assert errors == []
        finally:
            store.close()

    asyncio.run(main())


@needs_postgres
def test_first_write_after_a_restart_succeeds(own_pg: PostgresServer, table: str) -> None:
    """The connection broken by the restart is replaced; no submit has to fail for it."""

    async def main() -> None:
        store = PostgresStore(own_pg.conninfo, table)
        try:
            first = Recorder()
            store.add(job(1), first.callback(1))
            assert await first.wait() == {1: True}
            own_pg.stop()
            own_pg.start()
            second = Recorder()
            store.add(job(2), second.callback(2))
            assert await second.wait() == {2: True}
            assert [r.id for r in store.replay()] == [1, 2]
        finally:
            store.close()

    asyncio.run(main())


@needs_postgres
def test_deletes_from_the_outage_are_retried_without_new_work(
    own_pg: PostgresServer, table: str
) -> None:
    async def main() -> None:
        store = PostgresStore(own_pg.conninfo, table, retry_delay=0.1, max_retry_delay=0.5)
        try:
            first = Recorder()
            store.add(job(1), first.callback(1))
            store.add(job(2), first.callback(2))
            assert await first.wait() == {1: True, 2: True}
            own_pg.stop()
            store.done(1)
            assert await barrier(store) is False
            own_pg.start()
            remaining: list[Any] = []
            for _ in range(300):  # no store call from here on: only its retry timer
                remaining = await query(own_pg, f"SELECT id FROM {table} ORDER BY id")
                if len(remaining) == 1:
                    break
                await asyncio.sleep(0.1)
            assert [r["id"] for r in remaining] == [2]
        finally:
            store.close()

    asyncio.run(main())


class FreezingProxy:
    """A TCP relay to PostgreSQL, on its own thread, that can silently stop relaying the
    connections it has (a half-open connection, as after a network cut or failover) while
    new ones still pass."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.connections = 0
        self._frozen_below = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        self.port: int = self._server.sockets[0].getsockname()[1]

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._relay, "127.0.0.1", 0)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                if number > self._frozen_below:
                    dst.write(data)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        except OSError:
            pass
        finally:
            writer.close()
            up_writer.close()

    def freeze_existing(self) -> None:
        self._frozen_below = self.connections

    def close(self) -> None:
        async def shut() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@needs_postgres
def test_a_silently_dead_connection_is_replaced_within_the_same_write(
    pg: PostgresServer, table: str
) -> None:
    """A write that hangs on a connection nobody answers any more times out and is done
    again on a new connection: the submit succeeds."""
    proxy = FreezingProxy(pg.port)

    async def main() -> None:
        conninfo = f"host=127.0.0.1 port={proxy.port} user={pg.user} dbname=postgres"
        store = PostgresStore(conninfo, table, write_timeout=2)
        try:
            first = Recorder()
            store.add(job(1), first.callback(1))
            assert await first.wait() == {1: True}
            assert proxy.connections == 1
            proxy.freeze_existing()
            second = Recorder()
            store.add(job(2), second.callback(2))
            assert await second.wait() == {2: True}
            assert proxy.connections >= 2
            rows = await query(pg, f"SELECT id FROM {table} ORDER BY id")
            assert [r["id"] for r in rows] == [1, 2]
        finally:
            store.close()

    try:
        asyncio.run(main())
    finally:
        proxy.close()


# ---------------------------------------------------------------- geargate serve


def _gearman(server: GeargateWithPostgres, *args: str, data: bytes = b"") -> Any:
    return subprocess.run(
        [GEARMAN, "-h", server.host, "-p", str(server.port), *args],
        input=data,
        capture_output=True,
        timeout=30,
    )


def _submit(server: GeargateWithPostgres, payload: bytes) -> bytes:
    """Submit a background job with the gearman CLI; its error output (it exits 0 anyway)."""
    done = _gearman(server, "-b", "-f", "pgjob", data=payload)
    assert done.returncode == 0
    return bytes(done.stdout + done.stderr)


@needs_postgres
@pytest.mark.skipif(not os.path.exists(GEARMAN), reason="needs gearman-tools")
def test_geargate_serve_keeps_background_jobs_in_postgres(
    own_pg: PostgresServer, table: str, tmp_path: Path
) -> None:
    ran = tmp_path / "ran"
    record = ["--", "sh", "-c", f"cat >> {ran}"]
    flags = ["-q", "Postgres", "--libpq-conninfo", own_pg.conninfo, "--libpq-table", table]
    geargate = GeargateWithPostgres(flags)
    try:
        for payload in (b"one", b"two", b"three"):
            assert _submit(geargate, payload) == b""
        assert "pgjob\t3\t0\t0\n" in geargate.admin("status").decode()
    finally:
        geargate.stop()
    rows = asyncio.run(query(own_pg, f"SELECT data FROM {table} ORDER BY id"))
    assert [bytes(r["data"]) for r in rows] == [b"one", b"two", b"three"]

    geargate = GeargateWithPostgres(flags)
    try:
        assert "pgjob\t3\t0\t0\n" in geargate.admin("status").decode()
        # PostgreSQL goes away: a worker still gets and finishes a queued job, while a new
        # background submit is refused with an error instead of being acknowledged.
        own_pg.stop()
        worked = _gearman(geargate, "-w", "-f", "pgjob", "-c", "1", *record)
        assert worked.returncode == 0, worked.stderr
        assert ran.read_bytes() == b"one"
        assert b"QUEUE_ERROR" in _submit(geargate, b"during outage")
        assert "pgjob\t2\t0\t0\n" in geargate.admin("status").decode()

        own_pg.start()
        assert _submit(geargate, b"four") == b""
        worked = _gearman(geargate, "-w", "-f", "pgjob", "-c", "3", *record)
        assert worked.returncode == 0, worked.stderr
        assert ran.read_bytes() == b"onetwothreefour"
        assert "pgjob\t0\t0\t0\n" in geargate.admin("status").decode()
    finally:
        log = geargate.stop()
    assert "Traceback" not in log
    rows = asyncio.run(query(own_pg, f"SELECT data FROM {table}"))
    assert rows == []
