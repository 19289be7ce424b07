"""Durable background jobs: the engine's use of a Store, and the SQLite store itself.

The engine tests run on a fake clock with a FakeStore whose commits the test triggers by hand,
so every step between "submitted" and "durable" can be observed. The SqliteStore tests run the
real store on a database in tmp_path inside asyncio.run, since it answers on the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from gearman_core.engine import (
    ClientSession,
    Engine,
    EngineOptions,
    Job,
    JobState,
    Priority,
    WorkerSession,
)
from gearman_core.store import SqliteStore, Store, StoredJob

from .fakes import START_TIME, FakeClient, FakeScheduler, FakeWorker

F = b"func"
G = b"other"


class FakeStore:
    """A Store whose commits happen only when the test calls commit()."""

    def __init__(self, rows: list[StoredJob] | None = None) -> None:
        self.rows: dict[int, StoredJob] = {row.id: row for row in rows or []}
        self.adds: list[StoredJob] = []  # every add ever asked for, in order
        self.dones: list[int] = []  # every done ever asked for, in order
        self.waiting: list[Callable[[bool], None]] = []  # add and barrier callbacks
        self.staged: list[StoredJob] = []

    def add(self, job: StoredJob, committed: Callable[[bool], None]) -> None:
        self.adds.append(job)
        self.staged.append(job)
        self.waiting.append(committed)

    def done(self, job_id: int) -> None:
        self.dones.append(job_id)
        self.rows.pop(job_id, None)

    def barrier(self, committed: Callable[[bool], None]) -> None:
        self.waiting.append(committed)

    def commit(self, ok: bool = True) -> None:
        """Finish the pending batch: rows become durable (ok) or are lost (not ok)."""
        staged, waiting = self.staged, self.waiting
        self.staged, self.waiting = [], []
        if ok:
            for row in staged:
                if row.id not in self.dones:
                    self.rows[row.id] = row
        for callback in waiting:
            callback(ok)

    def replay(self) -> list[StoredJob]:
        return [self.rows[key] for key in sorted(self.rows)]

    def close(self) -> None:
        pass


_store_check: Store = FakeStore()


class StoreHarness:
    """An engine with a FakeStore on a fake clock."""

    def __init__(self, job_retries: int = 0, store: FakeStore | None = None) -> None:
        self.clock = FakeScheduler()
        self.store = store or FakeStore()
        options = EngineOptions(job_retries=job_retries)
        self.engine = Engine(self.clock, options, self.store)

    def client(self) -> tuple[ClientSession, FakeClient]:
        endpoint = FakeClient()
        return self.engine.new_client(endpoint), endpoint

    def worker(self, *functions: bytes) -> tuple[WorkerSession, FakeWorker]:
        endpoint = FakeWorker()
        session = self.engine.new_worker(endpoint)
        for name in functions:
            self.engine.can_do(session, name)
        return session, endpoint

    def sleeping_worker(self, *functions: bytes) -> tuple[WorkerSession, FakeWorker]:
        session, endpoint = self.worker(*functions)
        self.engine.pre_sleep(session)
        assert endpoint.wakes == 0
        return session, endpoint

    def queued(self, name: bytes = F) -> int:
        return sum(self.engine.functions[name].queued)

    def committed_log(self, job: Job) -> list[bool]:
        """A list that receives the result of the job's pending commit."""
        results: list[bool] = []
        self.engine.when_committed(job, results.append)
        return results


# ---------------------------------------------------------------- PENDING until the commit


def test_T13_background_job_is_pending_and_not_runnable_until_committed() -> None:
    h = StoreHarness()
    sleeper, sleeper_end = h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"u", b"data")
    assert job.state is JobState.PENDING
    assert h.store.adds == [
        StoredJob(job.store_id or 0, F, b"u", Priority.NORMAL, 0.0, None, b"data")
    ]
    assert sleeper_end.wakes == 0
    assert h.queued() == 1  # counted as queued, like gearmand's status would
    awake, _ = h.worker(F)
    assert h.engine.grab(awake) is None
    results = h.committed_log(job)
    assert results == []

    h.store.commit()

    assert results == [True]
    assert job.state is JobState.QUEUED
    assert sleeper_end.wakes == 1
    assert h.engine.grab(sleeper) is job
    assert job.commit_waiters is None


def test_when_committed_answers_at_once_when_no_commit_is_pending() -> None:
    h = StoreHarness()
    job = h.engine.submit(None, F, b"u", b"data")
    h.store.commit()
    assert h.committed_log(job) == [True]
    session, _ = h.client()
    foreground = h.engine.submit(session, F, b"fg", b"data")
    assert h.store.adds[1:] == []  # a foreground job is not persisted
    assert foreground.store_id is None
    assert h.committed_log(foreground) == [True]


def test_T14_epoch_job_in_the_future_is_scheduled_after_its_commit() -> None:
    h = StoreHarness()
    sleeper, sleeper_end = h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"", b"later", when=START_TIME + 60)
    assert job.state is JobState.PENDING
    assert h.store.adds[0].when == START_TIME + 60
    h.store.commit()
    assert job.state is JobState.SCHEDULED
    assert sleeper_end.wakes == 0
    h.clock.advance(60)
    assert sleeper_end.wakes == 1
    assert h.engine.grab(sleeper) is job


def test_T15_failed_commit_removes_the_job_and_tells_every_waiter() -> None:
    h = StoreHarness()
    _, sleeper_end = h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"u", b"data")
    first = h.committed_log(job)
    again = h.engine.submit(None, F, b"u", b"other data")
    assert again is job
    second = h.committed_log(job)

    h.store.commit(ok=False)

    assert first == [False]
    assert second == [False]
    assert job.state is JobState.DONE
    assert job.handle not in h.engine.jobs
    assert job.function.uniques == {}
    assert h.queued() == 0
    assert sleeper_end.wakes == 0
    assert h.store.dones == []  # it never had a row
    assert h.store.rows == {}
    # The unique is free again: the next submit makes a new job with a new row.
    fresh = h.engine.submit(None, F, b"u", b"data")
    assert fresh is not job
    assert fresh.state is JobState.PENDING
    assert len(h.store.adds) == 2


def test_failed_commit_of_a_job_a_foreground_client_joined_forgets_the_client() -> None:
    h = StoreHarness()
    job = h.engine.submit(None, F, b"u", b"data")
    session, end = h.client()
    assert h.engine.submit(session, F, b"u", b"data") is job
    results = h.committed_log(job)
    h.store.commit(ok=False)
    assert results == [False]
    assert session.jobs == {}
    assert not job.listeners
    assert end.events == []  # its refusal is the ERROR the transport sends for the commit


def test_coalesced_submits_into_a_pending_job_wait_for_the_same_commit() -> None:
    h = StoreHarness()
    job = h.engine.submit(None, F, b"same", b"first")
    logs = [h.committed_log(job)]
    assert h.engine.submit(None, F, b"same", b"second") is job
    logs.append(h.committed_log(job))
    session, _ = h.client()
    assert h.engine.submit(session, F, b"same", b"third") is job
    logs.append(h.committed_log(job))
    # `-` coalesces on the payload, and those wait on their own job's commit.
    dash = h.engine.submit(None, F, b"-", b"payload")
    assert h.engine.submit(None, F, b"-", b"payload") is dash
    dash_log = h.committed_log(dash)

    assert len(h.store.adds) == 2  # one row per job, not per submit
    assert h.store.adds[0].data == b"first"
    assert all(log == [] for log in logs)
    h.store.commit()
    assert logs == [[True], [True], [True]]
    assert dash_log == [True]
    assert job.state is JobState.QUEUED
    assert h.queued() == 2


def test_empty_unique_and_bare_dash_never_coalesce() -> None:
    h = StoreHarness()
    jobs = [
        h.engine.submit(None, F, b"", b"x"),
        h.engine.submit(None, F, b"", b"x"),
        h.engine.submit(None, F, b"-", b""),
        h.engine.submit(None, F, b"-", b""),
    ]
    assert len({id(job) for job in jobs}) == 4
    assert len({row.id for row in h.store.adds}) == 4
    assert [row.unique for row in h.store.adds] == [b"", b"", b"-", b"-"]


def test_background_submit_into_a_queued_foreground_job_persists_it() -> None:
    h = StoreHarness()
    session, _ = h.client()
    job = h.engine.submit(session, F, b"u", b"fg data", priority=Priority.HIGH)
    assert h.store.adds == []
    assert job.state is JobState.QUEUED

    assert h.engine.submit(None, F, b"u", b"bg data") is job

    assert job.background
    assert h.store.adds == [
        StoredJob(job.store_id or 0, F, b"u", Priority.HIGH, 0.0, None, b"fg data")
    ]
    results = h.committed_log(job)
    assert job.state is JobState.QUEUED  # it was runnable already and stays so
    h.store.commit()
    assert results == [True]
    # The foreground client leaving no longer abandons it: a background submitter wants it.
    h.engine.client_gone(session)
    assert job.handle in h.engine.jobs
    assert h.store.dones == []
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_complete(worker, job.handle, b"ok")
    assert h.store.dones == [job.store_id]
    # A second background submit into a persisted job adds no second row.
    other = h.engine.submit(None, F, b"v", b"bg")
    h.store.commit()
    assert h.engine.submit(None, F, b"v", b"bg again") is other
    assert len(h.store.adds) == 2
    assert h.committed_log(other) == [True]


def test_background_submit_into_a_running_foreground_job_persists_it() -> None:
    h = StoreHarness()
    session, end = h.client()
    job = h.engine.submit(session, F, b"u", b"fg data")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    assert h.engine.submit(None, F, b"u", b"bg data") is job
    assert len(h.store.adds) == 1
    results = h.committed_log(job)
    # The worker finishes before the commit: the row is deleted after it is written.
    h.engine.work_complete(worker, job.handle, b"result")
    assert h.store.dones == [job.store_id]
    h.store.commit()
    assert results == [True]
    assert h.store.rows == {}
    assert job.state is JobState.DONE
    assert end.terminal() == [("complete", job.handle, b"result")]


# ---------------------------------------------------------------- rows are deleted


def committed_running_job(h: StoreHarness) -> tuple[Job, WorkerSession, FakeWorker]:
    job = h.engine.submit(None, F, b"u", b"data")
    h.store.commit()
    worker, end = h.worker(F)
    assert h.engine.grab(worker) is job
    assert job.store_id in h.store.rows
    return job, worker, end


@pytest.mark.parametrize("outcome", ["complete", "fail", "exception"])
def test_worker_result_deletes_the_row(outcome: str) -> None:
    h = StoreHarness()
    job, worker, _ = committed_running_job(h)
    store_id = job.store_id
    if outcome == "complete":
        h.engine.work_complete(worker, job.handle, b"r")
    elif outcome == "fail":
        h.engine.work_fail(worker, job.handle)
    else:
        h.engine.work_exception(worker, job.handle, b"boom")
    assert h.store.dones == [store_id]
    assert h.store.rows == {}
    assert job.handle not in h.engine.jobs


def test_lost_worker_keeps_the_row_and_requeues() -> None:
    h = StoreHarness()
    job, worker, _ = committed_running_job(h)
    h.engine.worker_gone(worker)
    assert h.store.dones == []
    assert job.state is JobState.QUEUED
    other, _ = h.worker(F)
    assert h.engine.grab(other) is job
    h.engine.work_complete(other, job.handle, b"")
    assert h.store.dones == [job.store_id]


def test_retries_exhausted_deletes_the_row() -> None:
    h = StoreHarness(job_retries=2)
    job, worker, _ = committed_running_job(h)
    h.engine.worker_gone(worker)
    assert h.store.dones == []
    second, _ = h.worker(F)
    assert h.engine.grab(second) is job
    h.engine.worker_gone(second)
    assert h.store.dones == [job.store_id]
    assert job.handle not in h.engine.jobs


def test_admin_cancel_of_a_queued_job_deletes_the_row() -> None:
    h = StoreHarness()
    job = h.engine.submit(None, F, b"u", b"data")
    h.store.commit()
    assert h.engine.cancel(job.handle)
    assert h.store.dones == [job.store_id]
    assert h.queued() == 0


def test_admin_cancel_of_a_running_job_deletes_the_row_at_once() -> None:
    h = StoreHarness()
    job, worker, worker_end = committed_running_job(h)
    store_id = job.store_id
    assert h.engine.cancel(job.handle)
    assert h.store.dones == [store_id]  # before the worker reports
    assert worker_end.cancelled == [job.handle]
    h.engine.work_complete(worker, job.handle, b"late")
    assert h.store.dones == [store_id]  # not deleted twice
    assert h.engine.functions[F].running == 0


def test_T16_admin_cancel_of_a_pending_job_keeps_it_from_ever_running() -> None:
    h = StoreHarness()
    _, sleeper_end = h.sleeping_worker(F)
    job = h.engine.submit(None, F, b"u", b"data")
    results = h.committed_log(job)
    assert h.engine.cancel(job.handle)
    assert h.store.dones == [job.store_id]
    h.store.commit()
    assert results == [True]
    assert job.state is JobState.DONE
    assert h.store.rows == {}
    assert sleeper_end.wakes == 0
    assert h.queued() == 0


def test_foreground_job_finishing_deletes_nothing() -> None:
    h = StoreHarness()
    session, _ = h.client()
    job = h.engine.submit(session, F, b"u", b"data")
    worker, _ = h.worker(F)
    assert h.engine.grab(worker) is job
    h.engine.work_complete(worker, job.handle, b"")
    assert h.store.adds == []
    assert h.store.dones == []


# ---------------------------------------------------------------- restore at start-up


def test_restore_recreates_jobs_with_fresh_handles_and_their_fields() -> None:
    rows = [
        StoredJob(3, F, b"a", Priority.LOW, 0.0, None, b"low"),
        StoredJob(5, F, b"", Priority.HIGH, 0.0, b"red", b"high"),
        StoredJob(9, F, b"-", Priority.NORMAL, 0.0, None, b"normal"),
        StoredJob(11, G, b"later", Priority.NORMAL, START_TIME + 30, None, b"epoch"),
        StoredJob(12, G, b"past", Priority.NORMAL, START_TIME - 30, None, b"due"),
    ]
    h = StoreHarness(store=FakeStore(rows))
    assert h.engine.restore(h.store.replay()) == 5
    jobs = {job.data: job for job in h.engine.jobs.values()}
    assert set(jobs) == {b"low", b"high", b"normal", b"epoch", b"due"}
    handles = [job.handle for job in h.engine.jobs.values()]
    assert len(set(handles)) == 5
    assert all(handle.startswith(b"H:localhost:") for handle in handles)
    assert {jobs[d].store_id for d in jobs} == {3, 5, 9, 11, 12}
    assert jobs[b"high"].reducer == b"red"
    assert jobs[b"high"].priority == Priority.HIGH
    assert jobs[b"low"].priority == Priority.LOW
    assert jobs[b"epoch"].when == START_TIME + 30
    assert jobs[b"epoch"].state is JobState.SCHEDULED
    assert jobs[b"due"].state is JobState.QUEUED
    assert all(job.background for job in jobs.values())
    assert all(job.commit_waiters is None for job in jobs.values())
    assert h.store.dones == []
    assert h.queued(F) == 3
    assert h.queued(G) == 2

    worker, _ = h.worker(F, G)
    order = []
    while (job := h.engine.grab(worker)) is not None:
        order.append(job.data)
        h.engine.work_complete(worker, job.handle, b"")
    # HIGH first, then NORMAL taking turns between the functions, then LOW.
    assert order == [b"high", b"due", b"normal", b"low"]
    h.clock.advance(30)
    job = h.engine.grab(worker)
    assert job is not None and job.data == b"epoch"
    h.engine.work_complete(worker, job.handle, b"")
    assert sorted(h.store.dones) == [3, 5, 9, 11, 12]

    # Rows made after the restore never reuse a restored id.
    new = h.engine.submit(None, F, b"", b"new")
    assert new.store_id is not None and new.store_id > 12


def test_restore_coalesces_duplicate_uniques_and_deletes_their_rows() -> None:
    rows = [
        StoredJob(1, F, b"dup", Priority.NORMAL, 0.0, None, b"first"),
        StoredJob(2, F, b"dup", Priority.HIGH, 0.0, None, b"second"),
        StoredJob(3, G, b"dup", Priority.NORMAL, 0.0, None, b"other function"),
        StoredJob(4, F, b"-", Priority.NORMAL, 0.0, None, b"same"),
        StoredJob(5, F, b"-", Priority.NORMAL, 0.0, None, b"same"),
        StoredJob(6, F, b"-", Priority.NORMAL, 0.0, None, b""),
        StoredJob(7, F, b"-", Priority.NORMAL, 0.0, None, b""),
        StoredJob(8, F, b"", Priority.NORMAL, 0.0, None, b"x"),
        StoredJob(9, F, b"", Priority.NORMAL, 0.0, None, b"x"),
    ]
    h = StoreHarness(store=FakeStore(rows))
    assert h.engine.restore(h.store.replay()) == 7
    assert sorted(h.store.dones) == [2, 5]
    kept = sorted((job.store_id or 0, job.data) for job in h.engine.jobs.values())
    assert kept == [
        (1, b"first"),
        (3, b"other function"),
        (4, b"same"),
        (6, b""),
        (7, b""),
        (8, b"x"),
        (9, b"x"),
    ]
    assert h.queued(F) == 6
    # A later submit of the unique joins the restored job.
    restored = next(job for job in h.engine.jobs.values() if job.store_id == 1)
    assert h.engine.submit(None, F, b"dup", b"again") is restored
    assert h.committed_log(restored) == [True]


def test_restore_of_nothing_is_nothing() -> None:
    h = StoreHarness()
    assert h.engine.restore([]) == 0
    assert h.engine.jobs == {}
    job = h.engine.submit(None, F, b"", b"x")
    assert job.store_id == 1


# ---------------------------------------------------------------- the real SQLite store


def sample_rows() -> list[StoredJob]:
    mib = bytes(range(256)) * 4096
    return [
        StoredJob(1, F, b"", Priority.NORMAL, 0.0, None, b"empty unique"),
        StoredJob(2, F, b"-", Priority.LOW, 0.0, None, b"dash"),
        StoredJob(3, F, b"-", Priority.HIGH, 0.0, None, b""),
        StoredJob(4, b"f\x00n\xff", b"u\x00\xfe", Priority.NORMAL, START_TIME + 0.5, b"r", mib),
        StoredJob(5, G, b"x" * 64, Priority.NORMAL, 0.0, b"", b"\x00" * 10),
    ]


async def add_all(store: SqliteStore, rows: list[StoredJob]) -> list[bool]:
    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in rows]
    for row, future in zip(rows, futures, strict=True):
        store.add(row, future.set_result)
    return list(await asyncio.gather(*futures))


async def barrier(store: SqliteStore) -> bool:
    future = asyncio.get_running_loop().create_future()
    store.barrier(future.set_result)
    return bool(await future)


def test_sqlite_round_trips_empty_and_dash_uniques_and_a_mebibyte(tmp_path: Path) -> None:
    path = str(tmp_path / "jobs.sqlite3")
    rows = sample_rows()
    assert len(rows[3].data) == 1024 * 1024

    async def write() -> None:
        store = SqliteStore(path)
        try:
            assert await add_all(store, rows) == [True] * len(rows)
            store.done(2)
            assert await barrier(store)
        finally:
            store.close()

    asyncio.run(write())

    reopened = SqliteStore(path)
    try:
        replayed = reopened.replay()
    finally:
        reopened.close()
    expected = [row for row in rows if row.id != 2]
    assert replayed == expected
    assert [type(row.reducer) for row in replayed] == [type(None), type(None), bytes, bytes]
    assert all(type(row.unique) is bytes and type(row.data) is bytes for row in replayed)


def test_sqlite_uses_wal_and_the_named_table(tmp_path: Path) -> None:
    path = str(tmp_path / "jobs.sqlite3")
    store = SqliteStore(path, table="my_queue", sync="full")
    store.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert names == ["my_queue"]
    finally:
        db.close()


@pytest.mark.parametrize("table", ["bad-name", "x; DROP TABLE y", ""])
def test_sqlite_refuses_a_table_name_that_is_not_an_identifier(tmp_path: Path, table: str) -> None:
    with pytest.raises(ValueError):
        SqliteStore(str(tmp_path / "jobs.sqlite3"), table=table)


class CountingStore(SqliteStore):
    """Counts transactions; a test may hold the writer thread inside one, or fail one."""

    def __init__(self, path: str, retry_delay: float = 0.0) -> None:
        self.writes: list[tuple[int, int]] = []  # (adds, dones) per transaction
        self.hold: threading.Event | None = None
        self.failures = 0  # how many of the next transactions fail
        super().__init__(path, retry_delay=retry_delay)

    def _write(self, adds: list[StoredJob], dones: list[int]) -> None:
        if self.hold is not None:
            self.hold.wait(timeout=30)
        if self.failures:
            self.failures -= 1
            self.writes.append((-len(adds), -len(dones)))
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        super()._write(adds, dones)
        self.writes.append((len(adds), len(dones)))


def row(job_id: int) -> StoredJob:
    return StoredJob(job_id, F, b"", Priority.NORMAL, 0.0, None, b"payload %d" % job_id)


def test_sqlite_commits_a_burst_of_one_loop_turn_in_one_transaction(tmp_path: Path) -> None:
    store = CountingStore(str(tmp_path / "jobs.sqlite3"))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        turn = 0
        keep_counting = True

        def tick() -> None:
            nonlocal turn
            turn += 1
            if keep_counting:
                loop.call_soon(tick)

        loop.call_soon(tick)
        await asyncio.sleep(0)
        seen: list[tuple[bool, int, int]] = []  # (ok, loop turn, transactions so far)
        done = loop.create_future()

        def committed(ok: bool) -> None:
            seen.append((ok, turn, len(store.writes)))
            if len(seen) == 501 and not done.done():
                done.set_result(None)

        burst_turn = turn
        for job_id in range(1, 501):
            store.add(row(job_id), committed)
        store.done(7)
        store.barrier(committed)
        await done
        keep_counting = False
        assert len(seen) == 501
        assert {entry[0] for entry in seen} == {True}
        assert len({entry[1] for entry in seen}) == 1  # every callback in one later turn
        assert seen[0][1] > burst_turn
        assert {entry[2] for entry in seen} == {1}
        assert store.writes == [(500, 1)]

    try:
        asyncio.run(main())
        assert [r.id for r in store.replay()] == [i for i in range(1, 501) if i != 7]
    finally:
        store.close()


def test_sqlite_gathers_the_next_batch_while_one_is_being_written(tmp_path: Path) -> None:
    store = CountingStore(str(tmp_path / "jobs.sqlite3"))
    hold = threading.Event()

    async def main() -> None:
        results: list[tuple[int, bool]] = []
        store.hold = hold
        store.add(row(1), lambda ok: results.append((1, ok)))
        # Let the first batch start: the writer thread now waits inside _write.
        for _ in range(3):
            await asyncio.sleep(0)
        # Three more turns of operations while the first transaction is held open.
        store.add(row(2), lambda ok: results.append((2, ok)))
        await asyncio.sleep(0)
        store.add(row(3), lambda ok: results.append((3, ok)))
        store.done(1)
        await asyncio.sleep(0)
        last = asyncio.get_running_loop().create_future()
        store.barrier(last.set_result)
        assert results == []
        assert store.writes == []
        store.hold = None
        hold.set()
        assert await last is True
        assert results == [(1, True), (2, True), (3, True)]
        assert store.writes == [(1, 0), (2, 1)]

    try:
        asyncio.run(main())
        assert [r.id for r in store.replay()] == [2, 3]
    finally:
        hold.set()
        store.close()


def test_sqlite_failed_transaction_fails_its_adds_and_retries_its_deletes(
    tmp_path: Path,
) -> None:
    store = CountingStore(str(tmp_path / "jobs.sqlite3"))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        assert await add_all(store, [row(1), row(2)]) == [True, True]
        store.failures = 2
        store.done(1)
        lost = loop.create_future()
        store.add(row(3), lost.set_result)
        answered: list[tuple[bool, list[tuple[int, int]]]] = []
        fence = loop.create_future()

        def on_barrier(ok: bool) -> None:
            answered.append((ok, list(store.writes)))
            fence.set_result(None)

        store.barrier(on_barrier)
        assert await lost is False
        await fence
        # The barrier came after the delete: it is answered once the delete is committed,
        # never with the failed transaction (that would let a worker believe its job gone).
        assert answered == [(True, [(2, 0), (-1, -1), (0, -1), (0, 1)])]

    try:
        asyncio.run(main())
        assert [r.id for r in store.replay()] == [2]
    finally:
        store.close()


def test_sqlite_retries_after_a_delay_not_in_a_busy_loop(tmp_path: Path) -> None:
    store = CountingStore(str(tmp_path / "jobs.sqlite3"), retry_delay=3600.0)

    async def main() -> None:
        assert await add_all(store, [row(1), row(2)]) == [True, True]
        store.failures = 1_000_000
        store.done(1)
        lost = asyncio.get_running_loop().create_future()
        store.add(row(3), lost.set_result)
        assert await lost is False
        for _ in range(50):
            await asyncio.sleep(0)
        # One failed attempt, and the retry waits for its timer (an hour here).
        assert store.writes == [(2, 0), (-1, -1)]
        # New work gathers behind the retry instead of hammering the failing database.
        store.add(row(4), lambda ok: None)
        for _ in range(50):
            await asyncio.sleep(0)
        assert store.writes == [(2, 0), (-1, -1)]
        store.failures = 0
        store.close()  # writes what waits, and cancels the timer

    asyncio.run(main())
    assert store.writes[-1] == (1, 1)
    reopened = SqliteStore(str(tmp_path / "jobs.sqlite3"))
    try:
        assert [r.id for r in reopened.replay()] == [2, 4]
    finally:
        reopened.close()


def test_sqlite_close_writes_what_is_still_pending(tmp_path: Path) -> None:
    path = str(tmp_path / "jobs.sqlite3")

    async def main() -> None:
        store = SqliteStore(path)
        assert await add_all(store, [row(1), row(2)]) == [True, True]
        store.add(row(3), lambda ok: None)
        store.done(1)
        store.close()  # before the loop ran the batch

    asyncio.run(main())
    reopened = SqliteStore(path)
    try:
        assert [r.id for r in reopened.replay()] == [2, 3]
    finally:
        reopened.close()


def test_engine_on_sqlite_survives_a_restart(tmp_path: Path) -> None:
    """The engine and the real store together: what is queued comes back, what ran does not."""
    path = str(tmp_path / "jobs.sqlite3")

    async def first_life() -> None:
        store = SqliteStore(path)
        engine = Engine(FakeScheduler(), EngineOptions(), store)
        loop = asyncio.get_running_loop()
        jobs = [
            engine.submit(None, F, b"", b"a", priority=Priority.LOW),
            engine.submit(None, F, b"-", b"b"),
            engine.submit(None, F, b"u", b"c", priority=Priority.HIGH),
            engine.submit(None, F, b"u", b"c again"),  # coalesced: no second row
        ]
        futures = []
        for job in jobs:
            future = loop.create_future()
            engine.when_committed(job, future.set_result)
            futures.append(future)
        assert all(job.state is JobState.PENDING for job in jobs)
        assert await asyncio.gather(*futures) == [True] * 4
        assert all(job.state is JobState.QUEUED for job in jobs)
        worker = engine.new_worker(FakeWorker())
        engine.can_do(worker, F)
        first = engine.grab(worker)
        assert first is jobs[2]
        engine.work_complete(worker, first.handle, b"")
        assert await barrier(store)
        store.close()

    asyncio.run(first_life())

    async def second_life() -> None:
        store = SqliteStore(path)
        engine = Engine(FakeScheduler(), EngineOptions(), store)
        assert engine.restore(store.replay()) == 2
        worker = engine.new_worker(FakeWorker())
        engine.can_do(worker, F)
        order = []
        while (job := engine.grab(worker)) is not None:
            order.append((job.unique, job.data, job.priority))
            engine.work_complete(worker, job.handle, b"")
        assert order == [(b"-", b"b", Priority.NORMAL), (b"", b"a", Priority.LOW)]
        assert await barrier(store)
        store.close()

    asyncio.run(second_life())
    reopened = SqliteStore(path)
    try:
        assert reopened.replay() == []
    finally:
        reopened.close()
