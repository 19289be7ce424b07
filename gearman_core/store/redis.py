"""A store in Redis: one hash per job, a sorted set of ids, one MULTI/EXEC per batch.

Layout, with PREFIX from --redis-prefix (default ``geargate:``):

* ``PREFIX job:<id>`` - a hash with the fields function, unique, priority, when, data and,
  when the job has one, reducer (a missing field means no reducer, an empty one b"").
* ``PREFIX jobs`` - a sorted set of every stored id, scored by the id, so replay walks the jobs
  in id order with ZRANGEBYSCORE pages and never needs SCAN or KEYS.

Every add, done and barrier asked for during one turn of the server's event loop goes into one
MULTI/EXEC pipeline; while it is on the wire the next batch gathers. Each command is
idempotent (HSET/ZADD of the same id, DEL/ZREM), so a pipeline that redis-py re-sends after a
dropped connection cannot do harm.

The I/O runs on redis-py's asyncio client, on a private event loop in one thread. That keeps
the Store interface synchronous where it must be (replay before serving, close at exit, both
called from inside the server's running loop) and keeps every write on one connection in the
order it was asked for. Answers come back to the server's loop with call_soon_threadsafe.

"Committed" means Redis replied to EXEC. What that survives depends on the Redis server:
``appendonly yes`` with ``appendfsync always`` fsyncs the AOF before replying (survives power
loss); ``appendfsync everysec`` has written the AOF to the OS before replying (survives a
crash of Redis, may lose the last second on power loss); without AOF or with RDB snapshots only,
a Redis crash loses jobs. replay() logs a warning when it can see that AOF is off.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError, ResponseError

from .base import StoredJob

log = logging.getLogger("geargate.store")

Callback = Callable[[bool], None]
T = TypeVar("T")

DEFAULT_PREFIX = "geargate:"
REPLAY_PAGE = 1000
# After a failed batch, pending deletes are tried again this long after, even if no other
# operation comes to carry them.
RETRY_DELAY = 1.0


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStore:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 6379,
        password: str | None = None,
        prefix: str = DEFAULT_PREFIX,
        db: int = 0,
        connect_timeout: float = 5.0,
        io_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.prefix = prefix
        self._ids_key = f"{prefix}jobs"
        self._io_loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._io_loop.run_forever, name="geargate-redis", daemon=True
        )
        self._thread.start()
        self._io_timeout = io_timeout
        self._client: Redis = self._call(
            self._make_client(host, port, password, db, connect_timeout, io_timeout)
        )
        self._lock: asyncio.Lock = self._call(self._make_lock())
        self._adds: list[tuple[StoredJob, Callback]] = []
        self._dones: list[int] = []
        self._barriers: list[Callback] = []
        self._scheduled = False
        self._in_flight = False
        self._retry: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    # ---------------------------------------------------------------- private loop side

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the private loop and wait for its result (any thread but it)."""
        return asyncio.run_coroutine_threadsafe(coro, self._io_loop).result(timeout)

    @staticmethod
    async def _make_client(
        host: str,
        port: int,
        password: str | None,
        db: int,
        connect_timeout: float,
        io_timeout: float,
    ) -> Redis:
        # One quick re-send after a dropped connection (a Redis restart); a Redis that stays
        # down fails the batch at once so the submitters hear about it.
        return Redis(
            host=host,
            port=port,
            password=password or None,
            db=db,
            socket_connect_timeout=connect_timeout,
            socket_timeout=io_timeout,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1),
            health_check_interval=30,
            max_connections=4,
        )

    @staticmethod
    async def _make_lock() -> asyncio.Lock:
        return asyncio.Lock()

    def _key(self, job_id: int) -> str:
        return f"{self.prefix}job:{job_id}"

    async def _write(self, adds: list[StoredJob], dones: list[int]) -> None:
        async with self._lock:  # batches reach Redis in the order they were handed over
            pipe = self._client.pipeline(transaction=True)
            for job in adds:
                fields: dict[bytes, bytes] = {
                    b"function": job.function,
                    b"unique": job.unique,
                    b"priority": b"%d" % job.priority,
                    b"when": repr(float(job.when)).encode(),
                    b"data": job.data,
                }
                key = self._key(job.id)
                # A row re-written under the same id loses any stale reducer field.
                pipe.delete(key)
                if job.reducer is not None:
                    fields[b"reducer"] = job.reducer
                pipe.hset(key, mapping=fields)
                pipe.zadd(self._ids_key, {str(job.id): job.id})
            for job_id in dones:
                pipe.delete(self._key(job_id))
                pipe.zrem(self._ids_key, str(job_id))
            await pipe.execute()

    async def _read_all(self) -> list[StoredJob]:
        await self._warn_if_not_durable()
        jobs: list[StoredJob] = []
        lower: str = "-inf"
        while True:
            members = await self._client.zrangebyscore(
                self._ids_key, lower, "+inf", start=0, num=REPLAY_PAGE
            )
            if not members:
                return jobs
            ids = [int(member) for member in members]
            pipe = self._client.pipeline(transaction=False)
            for job_id in ids:
                pipe.hgetall(self._key(job_id))
            rows = await pipe.execute()
            for job_id, row in zip(ids, rows, strict=True):
                job = self._decode(job_id, row)
                if job is not None:
                    jobs.append(job)
            lower = f"({ids[-1]}"

    def _decode(self, job_id: int, row: dict[bytes, bytes]) -> StoredJob | None:
        try:
            return StoredJob(
                job_id,
                row[b"function"],
                row[b"unique"],
                int(row[b"priority"]),
                float(row[b"when"]),
                row.get(b"reducer"),
                row[b"data"],
            )
        except (KeyError, ValueError):
            log.error("redis store: %r is missing or damaged; skipped", self._key(job_id))
            return None

    async def _warn_if_not_durable(self) -> None:
        try:
            config = await self._client.config_get("append*")
        except ResponseError:
            return  # CONFIG renamed or not allowed: nothing to tell
        # redis-py hands CONFIG GET back as str, whatever decode_responses says.
        settings = {_text(key): _text(value) for key, value in config.items()}
        aof, fsync = settings.get("appendonly"), settings.get("appendfsync")
        if aof == "no":
            log.warning(
                "Redis %s:%d has appendonly no: a crash of Redis loses background jobs "
                "(use appendonly yes, appendfsync always or everysec)",
                self.host,
                self.port,
            )
        elif aof == "yes" and fsync == "no":
            log.warning(
                "Redis %s:%d has appendfsync no: a power loss may lose background jobs",
                self.host,
                self.port,
            )

    async def _shutdown(self) -> None:
        await self._client.aclose()

    # ---------------------------------------------------------------- event loop side

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
        if self._scheduled or self._in_flight:
            return
        self._scheduled = True
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._loop.call_soon(self._start_batch)

    def _start_batch(self) -> None:
        self._scheduled = False
        if self._in_flight or self._closed or not (self._adds or self._dones or self._barriers):
            return
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        adds, dones, barriers = self._adds, self._dones, self._barriers
        self._adds, self._dones, self._barriers = [], [], []
        self._in_flight = True
        future = asyncio.run_coroutine_threadsafe(
            self._write([job for job, _ in adds], dones), self._io_loop
        )
        assert self._loop is not None
        loop = self._loop

        def answer(done: Future[None]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(self._finish_batch, done, adds, dones, barriers)

        future.add_done_callback(answer)

    def _finish_batch(
        self,
        future: Future[None],
        adds: list[tuple[StoredJob, Callback]],
        dones: list[int],
        barriers: list[Callback],
    ) -> None:
        self._in_flight = False
        error = None if future.cancelled() else future.exception()
        ok = error is None and not future.cancelled()
        if not ok:
            log.error("redis store: write failed: %s", error or "cancelled")
            # Deletes are retried with the next batch; so are the rows of failed adds, in case
            # the write landed but its answer was lost: a job its submitter was told failed
            # must not come back.
            self._dones[:0] = [*dones, *(job.id for job, _ in adds)]
        for _, committed in adds:
            self._answer(committed, ok)
        for committed in barriers:
            self._answer(committed, ok)
        if self._adds or self._barriers or (ok and self._dones):
            self._schedule()
        elif self._dones and self._retry is None and self._loop is not None:
            self._retry = self._loop.call_later(RETRY_DELAY, self._retry_dones)

    def _retry_dones(self) -> None:
        self._retry = None
        if self._dones:
            self._schedule()

    @staticmethod
    def _answer(committed: Callback, ok: bool) -> None:
        try:
            committed(ok)
        except Exception:
            log.exception("redis store: commit callback raised")

    def write_now(self, jobs: list[StoredJob]) -> None:
        """Add jobs in one transaction and wait for it (for tools, not the event loop)."""
        self._call(self._write(jobs, []), self._io_timeout * 2)

    def replay(self) -> list[StoredJob]:
        """Every stored job in id order. Raises ConnectionError (an OSError) if Redis is away."""
        try:
            return self._call(self._read_all())
        except (RedisError, OSError) as error:
            raise ConnectionError(
                f"redis store at {self.host}:{self.port}: cannot read jobs: {error}"
            ) from error

    def close(self) -> None:
        """Write what is pending (after any batch on the wire), then stop the private loop."""
        if self._closed:
            return
        self._closed = True
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        adds, dones = [job for job, _ in self._adds], self._dones
        self._adds, self._dones, self._barriers = [], [], []
        try:
            if adds or dones:
                self._call(self._write(adds, dones), self._io_timeout * 2 + 5)
        except Exception as error:
            log.error("redis store: final write failed (%d adds, %d deletes): %s",
                      len(adds), len(dones), error)  # fmt: skip
        finally:
            try:
                self._call(self._shutdown(), 5)
            except Exception as error:
                log.debug("redis store: closing the connection: %s", error)
            self._io_loop.call_soon_threadsafe(self._io_loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():
                self._io_loop.close()
