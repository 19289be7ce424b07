"""The PostgreSQL store: asyncpg on a private event loop thread, one transaction per batch.

The engine's loop gathers every add, done and barrier of one turn into a batch; the batch is
written on the store's own thread (its own asyncio loop and one connection) as a single
transaction, and its callbacks run back on the engine's loop once it is committed. While one
batch is written the next one gathers, so a commit carries as many jobs as arrived meanwhile.

The connection is made again whenever it is lost: a batch that finds it closed (PostgreSQL
restarted, the network dropped it) reconnects first, and a batch that fails on a connection
that was already open is tried once more on a new one, so the first submit after a restart
does not fail. While PostgreSQL stays down, batches fail (callbacks get False, the submitter
gets an error) and the server goes on; deletes are kept and retried, by the next batch or a
timer. Writes are idempotent (upsert by id, delete by id) so a retried batch does no harm.

Because everything runs on the private thread, replay() and close() are plain blocking calls,
as the engine's start-up and shutdown use them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import urllib.parse
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped,import-not-found,unused-ignore]

from .base import StoredJob

log = logging.getLogger("geargate.store")

Callback = Callable[[bool], None]
T = TypeVar("T")

DEFAULT_TABLE = "geargate_jobs"
# What a connect or query can raise when PostgreSQL is away or refuses (TimeoutError is an OSError).
_DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
COLUMNS = ("id", "function", "unique_key", "priority", "when_to_run", "reducer", "data")
_TABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")

# libpq keywords handed on to asyncpg as DSN query parameters (asyncpg reads these itself).
_PASSED = {
    "host", "port", "dbname", "user", "password", "passfile", "sslmode", "sslcert",
    "sslkey", "sslrootcert", "sslcrl", "sslpassword", "ssl_min_protocol_version",
    "ssl_max_protocol_version", "target_session_attrs", "krbsrvname", "gsslib",
    "application_name",
}  # fmt: skip
# libpq-only tuning that asyncpg has no equivalent for: accepted and ignored.
_IGNORED = {
    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", "sslcompression", "gssencmode", "requirepeer", "fallback_application_name",
    "client_encoding",
}  # fmt: skip


class PostgresStoreError(OSError):
    """PostgreSQL cannot be used (at start-up or for replay).

    An OSError, so that a server start-up that reports OSErrors reports this one too.
    """


@dataclass
class ConnectParams:
    """asyncpg.connect() arguments made from a libpq conninfo string."""

    dsn: str | None = None
    timeout: float = 10.0
    ignored: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """The DSN without its password, for log lines."""
        if self.dsn is None:
            return "PostgreSQL (libpq defaults / PG* environment)"
        parsed = urllib.parse.urlsplit(self.dsn)
        query = [
            (k, "***" if k == "password" else v) for k, v in urllib.parse.parse_qsl(parsed.query)
        ]
        netloc = parsed.netloc.rsplit("@", 1)[-1]
        text = f"{parsed.scheme}://{netloc}{parsed.path}"
        return f"{text}?{urllib.parse.urlencode(query)}" if query else text


def parse_conninfo(conninfo: str) -> dict[str, str]:
    """Split a libpq `keyword=value ...` string (values may be 'single quoted', with \\ escapes)."""
    result: dict[str, str] = {}
    text = conninfo
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return result
        start = i
        while i < n and text[i] != "=" and not text[i].isspace():
            i += 1
        key = text[start:i]
        while i < n and text[i].isspace():
            i += 1
        if not key or i >= n or text[i] != "=":
            raise ValueError(f"conninfo: missing '=' after {key!r}")
        i += 1
        while i < n and text[i].isspace():
            i += 1
        value: list[str] = []
        if i < n and text[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ValueError(f"conninfo: unterminated quoted value for {key!r}")
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    value.append(text[i + 1])
                    i += 2
                elif ch == "'":
                    i += 1
                    break
                else:
                    value.append(ch)
                    i += 1
        else:
            while i < n and not text[i].isspace():
                if text[i] == "\\" and i + 1 < n:
                    value.append(text[i + 1])
                    i += 2
                else:
                    value.append(text[i])
                    i += 1
        result[key] = "".join(value)


def connect_params(conninfo: str) -> ConnectParams:
    """Turn gearmand's --libpq-conninfo (key=value or a postgres:// URI) into asyncpg's terms."""
    conninfo = conninfo.strip()
    if conninfo.startswith(("postgresql://", "postgres://")):
        return ConnectParams(dsn=conninfo)
    params = parse_conninfo(conninfo)
    result = ConnectParams()
    query: list[tuple[str, str]] = []
    for key, value in params.items():
        if key == "hostaddr":
            # libpq connects to hostaddr and keeps host for TLS names; asyncpg has one field.
            query.append(("host", value))
        elif key == "connect_timeout":
            try:
                seconds = float(value)
            except ValueError:
                raise ValueError(f"conninfo: connect_timeout={value!r} is not a number") from None
            if seconds > 0:
                result.timeout = max(seconds, 2.0)  # libpq's minimum
        elif key in _PASSED:
            if key == "host" and "hostaddr" in params:
                continue
            query.append((key, value))
        elif key in _IGNORED:
            result.ignored.append(key)
        else:
            raise ValueError(f"conninfo: keyword {key!r} is not supported by geargate")
    if query:
        result.dsn = "postgresql://?" + urllib.parse.urlencode(query)
    return result


class PostgresStore:
    def __init__(
        self,
        conninfo: str = "",
        table: str = DEFAULT_TABLE,
        *,
        write_timeout: float = 30.0,
        retry_delay: float = 0.5,
        max_retry_delay: float = 5.0,
    ) -> None:
        if not _TABLE_RE.fullmatch(table):
            raise ValueError(f"table name {table!r}: use letters, digits and underscores")
        self.table = table
        self.params = connect_params(conninfo)
        if self.params.ignored:
            log.info("conninfo: ignoring %s", ", ".join(self.params.ignored))
        self.write_timeout = write_timeout
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._delay = retry_delay
        self._upsert = (
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (id) DO UPDATE SET function = EXCLUDED.function,"
            " unique_key = EXCLUDED.unique_key, priority = EXCLUDED.priority,"
            " when_to_run = EXCLUDED.when_to_run, reducer = EXCLUDED.reducer,"
            " data = EXCLUDED.data"
        )
        self._delete = f"DELETE FROM {table} WHERE id = ANY($1::bigint[])"
        # engine loop side
        self._adds: list[tuple[StoredJob, Callback]] = []
        self._dones: list[int] = []
        self._barriers: list[Callback] = []
        self._scheduled = False
        self._in_flight = False
        self._retry_timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._failing = False  # the last batch failed (log only the first failure at error)
        # store thread side
        self._conn: Any = None  # asyncpg.Connection, used only on the store thread
        self._lock = asyncio.Lock()  # one operation at a time on the connection
        self._io_loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._io_loop.run_forever, name="geargate-postgres", daemon=True
        )
        self._thread.start()
        try:
            self._call(self._open(), timeout=self.params.timeout + 30)
        except BaseException:
            self._stop_thread()
            raise
        log.warning("background jobs are kept in %s, table %s", self.params.describe(), table)

    # ---------------------------------------------------------------- store thread

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the store thread and wait for its result (blocking)."""
        future = asyncio.run_coroutine_threadsafe(coro, self._io_loop)
        return future.result(timeout)

    async def _connect(self) -> Any:
        if self._conn is not None and not self._conn.is_closed():
            return self._conn
        await self._disconnect()
        conn = await asyncpg.connect(
            self.params.dsn, timeout=self.params.timeout, statement_cache_size=16
        )
        try:
            await self._ensure_table(conn)
        except BaseException:
            conn.terminate()
            raise
        self._conn = conn
        return conn

    async def _ensure_table(self, conn: Any) -> None:
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            " id BIGINT PRIMARY KEY,"
            " function BYTEA,"
            " unique_key BYTEA,"
            " priority INT,"
            " when_to_run DOUBLE PRECISION,"
            " reducer BYTEA,"
            " data BYTEA)"
        )
        names = await conn.fetch(
            "SELECT attname FROM pg_attribute"
            " WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
            self.table,
        )
        missing = set(COLUMNS) - {row["attname"] for row in names}
        if missing:
            raise PostgresStoreError(
                f"table {self.table} exists without the columns {', '.join(sorted(missing))}"
                " (is it a gearmand queue table?): name another table"
            )

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()

    async def _close_connection(self) -> None:
        async with self._lock:
            await self._disconnect()

    async def _open(self) -> None:
        try:
            async with self._lock:
                await self._connect()
        except PostgresStoreError:
            raise
        except _DB_ERRORS as e:
            raise PostgresStoreError(f"{self.params.describe()}: {_describe(e)}") from e

    async def _write_once(self, adds: list[StoredJob], dones: list[int]) -> None:
        conn = await self._connect()
        async with conn.transaction():
            if adds:
                await conn.executemany(
                    self._upsert,
                    [
                        (j.id, j.function, j.unique, int(j.priority), float(j.when), j.reducer,
                         j.data)
                        for j in adds
                    ],
                )  # fmt: skip
            if dones:
                await conn.execute(self._delete, dones)

    async def _write(self, adds: list[StoredJob], dones: list[int]) -> None:
        """One transaction; if an already open connection fails it, once more on a new one."""
        async with self._lock:
            await self._write_locked(adds, dones)

    async def _write_locked(self, adds: list[StoredJob], dones: list[int]) -> None:
        reused = self._conn is not None and not self._conn.is_closed()
        try:
            await asyncio.wait_for(self._write_once(adds, dones), self.write_timeout)
            return
        except Exception as error:
            await self._drop()
            if not reused or isinstance(error, PostgresStoreError):
                raise
            log.info("store connection lost (%s); reconnecting", _describe(error))
        await asyncio.wait_for(self._write_once(adds, dones), self.write_timeout)

    async def _drop(self) -> None:
        """Forget the connection after a failure (its state is unknown)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def _read_all(self) -> list[StoredJob]:
        async with self._lock:
            conn = await self._connect()
            rows = await conn.fetch(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY id")
        return [
            StoredJob(
                row["id"], bytes(row["function"] or b""), bytes(row["unique_key"] or b""),
                row["priority"], row["when_to_run"] or 0.0,
                None if row["reducer"] is None else bytes(row["reducer"]),
                bytes(row["data"] or b""),
            )
            for row in rows
        ]  # fmt: skip

    # ---------------------------------------------------------------- engine loop side

    def add(self, job: StoredJob, committed: Callback) -> None:
        self._adds.append((job, committed))
        self._schedule()

    def done(self, job_id: int) -> None:
        self._dones.append(job_id)
        self._schedule()

    def barrier(self, committed: Callback) -> None:
        self._barriers.append(committed)
        self._schedule()

    def _schedule(self) -> None:
        if self._scheduled or self._in_flight or self._closed:
            return
        self._scheduled = True
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._loop.call_soon(self._start_batch)

    def _retry_later(self) -> None:
        """Deletes are waiting after a failure: try again after a growing delay."""
        if self._retry_timer is not None or self._loop is None or self._closed:
            return

        def fire() -> None:
            self._retry_timer = None
            self._schedule()

        self._retry_timer = self._loop.call_later(self._delay, fire)
        self._delay = min(self._delay * 2, self._max_retry_delay)

    def _start_batch(self) -> None:
        self._scheduled = False
        if self._in_flight or self._closed or not (self._adds or self._dones or self._barriers):
            return
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        adds, dones, barriers = self._adds, self._dones, self._barriers
        self._adds, self._dones, self._barriers = [], [], []
        self._in_flight = True
        future = asyncio.run_coroutine_threadsafe(
            self._write([job for job, _ in adds], dones), self._io_loop
        )
        assert self._loop is not None
        loop = self._loop

        def finished(done: Future[None]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._finish_batch, done, adds, dones, barriers)

        future.add_done_callback(finished)

    def _finish_batch(
        self,
        future: Future[None],
        adds: list[tuple[StoredJob, Callback]],
        dones: list[int],
        barriers: list[Callback],
    ) -> None:
        self._in_flight = False
        error = None if future.cancelled() else future.exception()
        ok = not future.cancelled() and error is None
        if ok:
            self._delay = self._retry_delay
            if self._failing:
                self._failing = False
                log.warning("store writes work again")
        else:
            reason = _describe(error) if error else "cancelled"
            if self._failing:
                log.info("store write failed: %s", reason)
            else:
                self._failing = True
                log.error("store write failed: %s (until it works again, at info level)", reason)
            # Deletes are retried; so are the rows of failed adds, in case the commit happened
            # but its answer was lost: a job its submitter was told failed must not come back.
            self._dones[:0] = [*dones, *(job.id for job, _ in adds)]
        for _, committed in adds:
            committed(ok)
        for committed in barriers:
            committed(ok)
        if self._adds or self._barriers:
            self._schedule()
        elif self._dones:
            if ok:
                self._schedule()
            else:
                self._retry_later()

    def replay(self) -> list[StoredJob]:
        try:
            return self._call(self._read_all(), timeout=self.params.timeout + 300)
        except _DB_ERRORS as e:
            if isinstance(e, PostgresStoreError):
                raise
            raise PostgresStoreError(f"{self.params.describe()}: {_describe(e)}") from e

    def write_now(self, jobs: list[StoredJob]) -> None:
        """Add jobs in one transaction and wait for it (for tools, not the event loop)."""
        self._call(self._write(jobs, []))

    def close(self) -> None:
        """Write what is pending (blocking, bounded) and close the connection."""
        if self._closed:
            return
        self._closed = True
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        adds, dones, barriers = self._adds, self._dones, self._barriers
        self._adds, self._dones, self._barriers = [], [], []
        ok = True
        if adds or dones:
            try:
                self._call(
                    self._write([job for job, _ in adds], dones),
                    timeout=self.params.timeout + self.write_timeout + 5,
                )
            except Exception as error:
                ok = False
                log.error("store write at close failed: %s", _describe(error))
        for _, committed in adds:
            committed(ok)
        for committed in barriers:
            committed(ok)
        try:
            self._call(self._close_connection(), timeout=10)
        except Exception as error:
            log.info("store disconnect: %s", _describe(error))
        self._stop_thread()

    def _stop_thread(self) -> None:
        self._io_loop.call_soon_threadsafe(self._io_loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._io_loop.close()


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text if type(error).__name__ in text else f"{type(error).__name__}: {text}"
