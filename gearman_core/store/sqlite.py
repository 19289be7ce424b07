"""The embedded store: SQLite in WAL mode, written by one thread, one transaction per batch.

Every add, done and barrier that arrives during one turn of the event loop goes into the same
transaction; while one transaction is being written, the next batch gathers. So durability
costs one commit per batch, not one per job.

A failed transaction fails its adds (their submitters are told); its deletes are retried after
a growing delay, and its barriers wait for that retry: a barrier is answered only once every
delete asked for before it is committed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .base import StoredJob

log = logging.getLogger("geargate.store")

Callback = Callable[[bool], None]


class SqliteStore:
    def __init__(
        self,
        path: str,
        table: str = "geargate_jobs",
        sync: str = "normal",
        retry_delay: float = 0.05,
        max_retry_delay: float = 5.0,
    ) -> None:
        if not table.replace("_", "").isalnum():
            raise ValueError(f"table name {table!r}: use letters, digits and underscores")
        if sync not in ("normal", "full", "off"):
            raise ValueError(f"sync {sync!r}: normal, full or off")
        self.path = path
        self.table = table
        self.sync = sync
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geargate-sqlite")
        self._local = threading.local()
        self._adds: list[tuple[StoredJob, Callback]] = []
        self._dones: list[int] = []
        self._barriers: list[Callback] = []
        self._scheduled = False
        self._in_flight = False
        self._loop: asyncio.AbstractEventLoop | None = None
        # After a failed write the next one waits, longer after each failure in a row.
        self._retry_delay = retry_delay
        self._max_retry_delay = max_retry_delay
        self._delay = retry_delay
        self._retry_timer: asyncio.TimerHandle | None = None
        self._executor.submit(self._connect).result()

    # ---------------------------------------------------------------- writer thread

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={self.sync.upper()}")
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            " id INTEGER PRIMARY KEY,"
            " function BLOB NOT NULL,"
            " unique_key BLOB NOT NULL,"
            " priority INTEGER NOT NULL,"
            " when_to_run REAL NOT NULL,"
            " reducer BLOB,"
            " data BLOB NOT NULL)"
        )
        self._local.db = db

    def _write(self, adds: list[StoredJob], dones: list[int]) -> None:
        db: sqlite3.Connection = self._local.db
        db.execute("BEGIN")
        try:
            if adds:
                db.executemany(
                    f"INSERT OR REPLACE INTO {self.table}"
                    " (id, function, unique_key, priority, when_to_run, reducer, data)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    adds,
                )
            if dones:
                db.executemany(f"DELETE FROM {self.table} WHERE id = ?", [(i,) for i in dones])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _read_all(self) -> list[StoredJob]:
        db: sqlite3.Connection = self._local.db
        rows = db.execute(
            f"SELECT id, function, unique_key, priority, when_to_run, reducer, data"
            f" FROM {self.table} ORDER BY id"
        ).fetchall()
        return [StoredJob(*row) for row in rows]

    def _disconnect(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

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
        if self._scheduled or self._in_flight or self._retry_timer is not None:
            return
        self._scheduled = True
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._loop.call_soon(self._start_batch)

    def _start_batch(self) -> None:
        self._scheduled = False
        if self._in_flight or not (self._adds or self._dones or self._barriers):
            return
        adds, dones, barriers = self._adds, self._dones, self._barriers
        self._adds, self._dones, self._barriers = [], [], []
        self._in_flight = True
        future = self._executor.submit(self._write, [job for job, _ in adds], dones)
        assert self._loop is not None
        loop = self._loop
        future.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._finish_batch, done, adds, dones, barriers)
        )

    def _finish_batch(
        self,
        future: Future[None],
        adds: list[tuple[StoredJob, Callback]],
        dones: list[int],
        barriers: list[Callback],
    ) -> None:
        self._in_flight = False
        error = future.exception()
        ok = error is None
        if ok:
            self._delay = self._retry_delay
        else:
            log.error("store write failed: %s", error)
            # Deletes are retried; the barriers wait for them, since a barrier promises that
            # every delete asked for before it is committed.
            self._dones[:0] = dones
            self._barriers[:0] = barriers
            barriers = []
        for _, committed in adds:
            committed(ok)
        for committed in barriers:
            committed(True)
        if self._adds or self._dones or self._barriers:
            if ok:
                self._schedule()
            else:
                self._retry_later()

    def _retry_later(self) -> None:
        """Try again after a delay that doubles with each failure in a row, not at once."""
        if self._retry_timer is not None or self._loop is None:
            return

        def fire() -> None:
            self._retry_timer = None
            self._schedule()

        self._retry_timer = self._loop.call_later(self._delay, fire)
        self._delay = min(self._delay * 2, self._max_retry_delay)

    def write_now(self, jobs: list[StoredJob]) -> None:
        """Add jobs in one transaction and wait for it (for tools, not the event loop)."""
        self._executor.submit(self._write, jobs, []).result()

    def replay(self) -> list[StoredJob]:
        return self._executor.submit(self._read_all).result()

    def close(self) -> None:
        """Write what is pending (synchronously) and close the database."""
        if self._retry_timer is not None:
            self._retry_timer.cancel()
            self._retry_timer = None
        adds, dones = [job for job, _ in self._adds], self._dones
        self._adds, self._dones = [], []
        try:
            if adds or dones:
                self._executor.submit(self._write, adds, dones).result()
        except Exception as error:
            log.error("store write at close failed: %s", error)
        finally:
            self._executor.submit(self._disconnect).result()
            self._executor.shutdown(wait=True)
