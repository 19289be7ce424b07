"""Durable background jobs on the SQLite store, through a real `geargate serve` process.

Raw sockets only, so every test sees exactly the bytes the server sends. The server is killed
with SIGKILL where a crash is meant: JOB_CREATED is sent only after the job's row is committed,
and a worker that gets any reply after its WORK_COMPLETE knows the row is gone, so neither
promise may depend on a clean shutdown.

Tests that use geargate's own flags (--store) run against geargate only; the ones written with
gearmand's flags (-q libsqlite3 --libsqlite3-db) also run against gearmand
(SERVER_UNDER_TEST=gearmand), which checks that they describe gearmand's behaviour too.
"""

from __future__ import annotations

import random
import socket
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from servers import Server

from .helpers import KIND, parse_status, wait_for

geargate_only = pytest.mark.skipif(KIND != "geargate", reason="--store is geargate's own flag")

# Packet types (protocol §2).
CAN_DO = 1
PRE_SLEEP = 4
NOOP = 6
SUBMIT_JOB = 7
JOB_CREATED = 8
NO_JOB = 10
WORK_COMPLETE = 13
WORK_FAIL = 14
ECHO_REQ = 16
ECHO_RES = 17
SUBMIT_JOB_BG = 18
ERROR = 19
SUBMIT_JOB_HIGH = 21
WORK_EXCEPTION = 25
GRAB_JOB_UNIQ = 30
JOB_ASSIGN_UNIQ = 31
SUBMIT_JOB_HIGH_BG = 32
SUBMIT_JOB_LOW = 33
SUBMIT_JOB_LOW_BG = 34

BACKGROUND = {0: SUBMIT_JOB_HIGH_BG, 1: SUBMIT_JOB_BG, 2: SUBMIT_JOB_LOW_BG}
FOREGROUND = {0: SUBMIT_JOB_HIGH, 1: SUBMIT_JOB, 2: SUBMIT_JOB_LOW}
TOO_LARGE = b"ARGUMENT_TOO_LARGE\x00Unique value too large"


def request(ptype: int, *args: bytes) -> bytes:
    body = b"\0".join(args)
    return b"\0REQ" + struct.pack(">II", ptype, len(body)) + body


class Wire:
    """A blocking connection that reads whole response packets and admin text blocks."""

    def __init__(self, server: Server, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=timeout)
        self.buf = bytearray()

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, size: int) -> None:
        while len(self.buf) < size:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk

    def packet(self) -> tuple[int, bytes]:
        self._fill(12)
        magic = bytes(self.buf[:4])
        assert magic == b"\0RES", f"expected a response packet, got {bytes(self.buf[:40])!r}"
        ptype, size = struct.unpack(">II", self.buf[4:12])
        self._fill(12 + size)
        body = bytes(self.buf[12 : 12 + size])
        del self.buf[: 12 + size]
        return ptype, body

    def packet_skipping_noops(self) -> tuple[int, bytes]:
        while True:
            ptype, body = self.packet()
            if ptype != NOOP:
                return ptype, body

    def next_is_text(self) -> bool:
        self._fill(1)
        return self.buf[0] != 0

    def text_block(self) -> bytes:
        """An admin list reply, up to and including its `.` line."""
        while True:
            data = bytes(self.buf)
            end = 2 if data.startswith(b".\n") else data.find(b"\n.\n") + 3
            if end >= 3 or data.startswith(b".\n"):
                del self.buf[:end]
                return data[:end]
            self._fill(len(self.buf) + 1)


def sqlite_args(db: Path) -> list[str]:
    return ["--store", "sqlite", "--store-path", str(db), "--verbose", "WARNING"]


def crash(server: Server) -> None:
    """SIGKILL: nothing is flushed, closed or written on the way out."""
    server.proc.kill()
    server.proc.wait(timeout=10)


def totals(server: Server) -> dict[str, int]:
    return {name: row[0] for name, row in parse_status(server.admin("status").decode()).items()}


def assign_fields(body: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    handle, function, unique, data = body.split(b"\0", 3)
    return handle, function, unique, data


def drain(server: Server, functions: list[bytes], window: int = 200) -> list[tuple[bytes, ...]]:
    """Take every queued job of the functions with one pipelining worker, completing each.

    Returns (function, unique, data) per job, in the order the server handed them out."""
    ran: list[tuple[bytes, ...]] = []
    with Wire(server) as wire:
        wire.send(b"".join(request(CAN_DO, name) for name in functions))
        while True:
            wire.send(request(GRAB_JOB_UNIQ) * window)
            handles: list[bytes] = []
            for _ in range(window):
                ptype, body = wire.packet_skipping_noops()
                if ptype == NO_JOB:
                    continue
                assert ptype == JOB_ASSIGN_UNIQ, (ptype, body[:100])
                handle, function, unique, data = assign_fields(body)
                handles.append(handle)
                ran.append((function, unique, data))
            if not handles:
                break
            wire.send(b"".join(request(WORK_COMPLETE, handle, b"") for handle in handles))
        wire.send(request(ECHO_REQ, b"drained"))
        assert wire.packet_skipping_noops() == (ECHO_RES, b"drained")
    return ran


# ---------------------------------------------------------------- crash at a random moment


@dataclass
class Submit:
    function: bytes
    unique: bytes
    data: bytes
    priority: int

    @property
    def key(self) -> bytes:
        """What identifies the job across a restart: a real unique, else the payload."""
        if self.unique and self.unique != b"-":
            return b"u:" + self.function + b"\0" + self.unique
        return b"d:" + self.data


@dataclass
class CrashRecord:
    lock: threading.Lock = field(default_factory=threading.Lock)
    created: dict[bytes, list[Submit]] = field(default_factory=dict)  # handle -> submits
    created_count: int = 0
    errors: list[bytes] = field(default_factory=list)
    assigned: set[bytes] = field(default_factory=set)  # handles a worker received
    completed: set[bytes] = field(default_factory=set)  # payloads confirmed by ECHO
    killed: threading.Event = field(default_factory=threading.Event)
    failures: list[str] = field(default_factory=list)


CRASH_FUNCTIONS = [b"durable_a", b"durable_b"]


def plan_submits(rng: random.Random, total: int) -> list[Submit]:
    plan: list[Submit] = []
    named: list[tuple[bytes, bytes]] = []
    for index in range(total):
        function = rng.choice(CRASH_FUNCTIONS)
        data = b"payload-%06d" % index
        roll = rng.random()
        if roll < 0.35:
            unique = b""
        elif roll < 0.55:
            unique = b"-"
        elif roll < 0.85 or not named:
            unique = b"u-%06d" % index
            named.append((function, unique))
        else:
            function, unique = rng.choice(named[-500:])  # a duplicate of a recent unique
        plan.append(Submit(function, unique, data, rng.choice((0, 1, 1, 2))))
    return plan


def crash_client(
    server: Server, submits: list[Submit], record: CrashRecord, kill_at: int, window: int
) -> None:
    try:
        with Wire(server) as wire:
            for start in range(0, len(submits), window):
                batch = submits[start : start + window]
                wire.send(
                    b"".join(
                        request(BACKGROUND[s.priority], s.function, s.unique, s.data) for s in batch
                    )
                )
                for submit in batch:
                    ptype, body = wire.packet()
                    with record.lock:
                        if ptype != JOB_CREATED:
                            record.errors.append(body)
                            continue
                        record.created.setdefault(body, []).append(submit)
                        record.created_count += 1
                        # At a random count, once some completion is confirmed (so that
                        # "no confirmed job runs again" is put to the test).
                        ready = record.created_count >= kill_at and record.completed
                        if ready and not record.killed.is_set():
                            record.killed.set()
                            crash(server)
    except OSError as error:
        if not record.killed.is_set():
            record.failures.append(f"a client lost its connection before the kill: {error!r}")


def crash_worker(server: Server, record: CrashRecord, seed: int) -> None:
    rng = random.Random(seed)
    token = 0
    try:
        with Wire(server) as wire:
            wire.send(b"".join(request(CAN_DO, name) for name in CRASH_FUNCTIONS))
            while not record.killed.is_set():
                wire.send(request(GRAB_JOB_UNIQ))
                ptype, body = wire.packet_skipping_noops()
                if ptype == NO_JOB:
                    wire.send(request(PRE_SLEEP))
                    wire.sock.settimeout(0.5)
                    try:
                        while wire.packet()[0] != NOOP:
                            pass
                    except TimeoutError:
                        pass  # no NOOP yet: look at the kill flag, then just ask again
                    wire.sock.settimeout(30.0)
                    continue
                assert ptype == JOB_ASSIGN_UNIQ, (ptype, body[:100])
                handle, _, _, data = assign_fields(body)
                with record.lock:
                    record.assigned.add(handle)
                roll = rng.random()
                if roll < 0.8:
                    result = request(WORK_COMPLETE, handle, b"done")
                elif roll < 0.9:
                    result = request(WORK_FAIL, handle)
                else:
                    result = request(WORK_EXCEPTION, handle, b"oops")
                token += 1
                echo = b"after %d" % token
                wire.send(result + request(ECHO_REQ, echo))
                while True:
                    ptype, reply = wire.packet_skipping_noops()
                    if ptype == ECHO_RES:
                        assert reply == echo
                        break
                    assert ptype != ERROR, reply
                # Any reply after the result means the row is deleted for good.
                with record.lock:
                    record.completed.add(data)
    except OSError as error:
        if not record.killed.is_set():
            record.failures.append(f"worker lost its connection before the kill: {error!r}")
    except AssertionError as error:
        record.failures.append(f"worker: {error}")


@pytest.fixture
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Server flags for the store named by the test's `store` parameter, with its database
    server (Redis, PostgreSQL) started for the test and stopped after it."""
    store = request.param
    if store == "sqlite":
        yield sqlite_args(tmp_path / "crash.sqlite3")
    elif store == "redis":
        from redis_server import RedisServer

        redis = RedisServer(tmp_path / "redis")
        redis.start()
        try:
            yield ["--store", "redis", "--redis-port", str(redis.port), "--verbose", "WARNING"]
        finally:
            redis.stop()
    else:
        from pg_server import PostgresServer, postgres_bindir

        bindir = postgres_bindir()
        if bindir is None:
            pytest.skip("no PostgreSQL server installed")
        postgres = PostgresServer(bindir)
        try:
            postgres.start()
            yield [
                "--store",
                "postgres",
                "--libpq-conninfo",
                postgres.conninfo,
                "--verbose",
                "WARNING",
            ]
        finally:
            postgres.cleanup()


@geargate_only
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("store_args", "seed"),
    [
        ("sqlite", 20240611),
        ("sqlite", 7),
        ("sqlite", 1234567),
        ("redis", 424242),
        ("postgres", 31337),
    ],
    indirect=["store_args"],
)
def test_sigkill_loses_no_acknowledged_job_and_reruns_no_confirmed_one(
    start_server: Callable[..., Server], store_args: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    total = 20_000
    plan = plan_submits(rng, total)
    kill_at = rng.randint(3_000, 15_000)
    server = start_server(store_args)
    record = CrashRecord()

    workers = [
        threading.Thread(target=crash_worker, args=(server, record, seed + n), daemon=True)
        for n in range(4)
    ]
    for thread in workers:
        thread.start()
    wait_for(
        lambda: all(totals_workers(server, name) >= len(workers) for name in CRASH_FUNCTIONS),
        "every worker registered",
    )
    shares = [plan[n::4] for n in range(4)]
    clients = [
        threading.Thread(
            target=crash_client,
            args=(server, share, record, kill_at, rng.choice((16, 64, 128))),
            daemon=True,
        )
        for share in shares
    ]
    for thread in clients:
        thread.start()
    for thread in clients + workers:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in clients + workers)
    assert record.killed.is_set(), f"only {record.created_count} JOB_CREATED before the end"
    assert record.failures == []
    assert record.errors == []
    first_log = server.stop()
    assert first_log.count("replayed 0 stored background jobs") == 1
    assert record.completed
    assert record.created_count >= kill_at

    again = start_server(store_args)
    queued = sum(totals(again).values())
    ran = drain(again, CRASH_FUNCTIONS)
    assert sum(totals(again).values()) == 0
    log = again.stop()
    assert f"replayed {queued} stored background jobs" in log
    assert len(ran) == queued

    by_data = {submit.data: submit for submit in plan}
    ran_data = [data for _, _, data in ran]
    assert len(set(ran_data)) == len(ran_data), "a job ran twice after the restart"
    assert set(ran_data) <= set(by_data), "a job nobody submitted ran"
    for function, unique, data in ran:
        submit = by_data[data]
        assert (function, unique) == (submit.function, submit.unique)
    named = [(f, u) for f, u, _ in ran if u not in (b"", b"-")]
    assert len(set(named)) == len(named), "one unique ran as two jobs after the restart"

    rerun = record.completed & set(ran_data)
    assert not rerun, f"{len(rerun)} confirmed-complete jobs ran again, e.g. {sorted(rerun)[:3]}"

    ran_keys = {by_data[data].key for data in ran_data}
    lost = [
        handle
        for handle, submits in record.created.items()
        if handle not in record.assigned and submits[0].key not in ran_keys
    ]
    assert not lost, f"{len(lost)} acknowledged jobs never ran, e.g. {lost[:3]}"
    # Every submit that shares a handle shares the job's identity.
    for submits in record.created.values():
        assert len({submit.key for submit in submits}) == 1


def totals_workers(server: Server, function: bytes) -> int:
    row = parse_status(server.admin("status").decode()).get(function.decode())
    return 0 if row is None else row[2]


# ---------------------------------------------------------------- a large replay


@geargate_only
def test_hundred_thousand_queued_jobs_are_replayed(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    db = tmp_path / "big.sqlite3"
    server = start_server(sqlite_args(db))
    functions = [b"replay_a", b"replay_b", b"replay_c"]
    expected = {name.decode(): 0 for name in functions}
    high: set[bytes] = set()
    total = 100_000
    window = 2_000
    with Wire(server) as wire:
        for start in range(0, total, window):
            batch = []
            for index in range(start, start + window):
                name = functions[index % 3]
                priority = 0 if index % 97 == 0 else (2 if index % 5 == 0 else 1)
                unique = b"" if index % 2 else b"r%d" % index
                data = b"job %d" % index
                if priority == 0:
                    high.add(data)
                expected[name.decode()] += 1
                batch.append(request(BACKGROUND[priority], name, unique, data))
            wire.send(b"".join(batch))
            for _ in range(window):
                assert wire.packet()[0] == JOB_CREATED
    assert totals(server) == expected
    crash(server)
    server.stop()
    db_rows = sqlite3.connect(db)
    try:
        assert db_rows.execute("SELECT COUNT(*) FROM geargate_jobs").fetchone()[0] == total
    finally:
        db_rows.close()

    again = start_server(sqlite_args(db))
    assert totals(again) == expected
    taken = 300
    with Wire(again) as wire:
        wire.send(request(CAN_DO, b"replay_a") + request(CAN_DO, b"replay_b"))
        wire.send(request(GRAB_JOB_UNIQ) * taken)
        got = []
        for _ in range(taken):
            ptype, body = wire.packet_skipping_noops()
            assert ptype == JOB_ASSIGN_UNIQ
            got.append(assign_fields(body))
        wire.send(b"".join(request(WORK_COMPLETE, g[0], b"") for g in got))
        wire.send(request(ECHO_REQ, b"x"))
        assert wire.packet_skipping_noops() == (ECHO_RES, b"x")
    # HIGH jobs come first after a replay too, oldest first per function, and every job keeps
    # its payload and unique.
    for function in (b"replay_a", b"replay_b"):
        oldest_high = sorted(
            int(d.split()[1]) for d in high if functions[int(d.split()[1]) % 3] == function
        )
        taken_here = [int(g[3].split()[1]) for g in got if g[1] == function]
        assert len(taken_here) >= taken // 3
        assert taken_here == oldest_high[: len(taken_here)]
    for _, function, unique, data in got:
        index = int(data.split()[1])
        assert function == functions[index % 3]
        assert unique == (b"" if index % 2 else b"r%d" % index)
    assert len({g[0] for g in got}) == taken
    after = totals(again)
    assert (
        after["replay_a"] + after["replay_b"] == expected["replay_a"] + expected["replay_b"] - taken
    )
    assert after["replay_c"] == expected["replay_c"]
    log = again.stop()
    assert f"replayed {total} stored background jobs ({total} rows)" in log


# ---------------------------------------------------------------- reply order on one socket


@pytest.mark.parametrize("seed", [1, 2])
def test_replies_keep_request_order_with_the_sqlite_store(
    start_server: Callable[..., Server], tmp_path: Path, seed: int
) -> None:
    """JOB_CREATED of a background job waits for its commit, but never lets a later reply
    (ERROR, ECHO_RES, a foreground JOB_CREATED, an admin reply) overtake it."""
    rng = random.Random(seed)
    server = start_server(["-q", "libsqlite3", "--libsqlite3-db", str(tmp_path / "order.db")])
    fn = b"ordered"
    requests: list[bytes] = []
    expected: list[tuple[str, object]] = []  # (kind, detail)
    fg_uniques: list[bytes] = []
    bg_uniques: list[bytes] = []
    for index in range(400):
        kind = rng.choice(["bg", "bg", "fg", "join_bg", "join_fg", "long", "echo", "status"])
        if kind == "join_bg" and not bg_uniques:
            kind = "bg"
        if kind == "join_fg" and not fg_uniques:
            kind = "fg"
        priority = rng.choice((0, 1, 2))
        if kind == "bg":
            unique = b"bg-%d" % index
            bg_uniques.append(unique)
            requests.append(request(BACKGROUND[priority], fn, unique, b"data %d" % index))
            expected.append(("created", unique))
        elif kind == "fg":
            unique = b"fg-%d" % index
            fg_uniques.append(unique)
            requests.append(request(FOREGROUND[priority], fn, unique, b"data %d" % index))
            expected.append(("created", unique))
        elif kind == "join_bg":  # a foreground submit joining a background job
            unique = rng.choice(bg_uniques)
            requests.append(request(FOREGROUND[priority], fn, unique, b"joins"))
            expected.append(("created", unique))
        elif kind == "join_fg":  # a background submit joining (and persisting) a fg job
            unique = rng.choice(fg_uniques)
            requests.append(request(BACKGROUND[priority], fn, unique, b"joins"))
            expected.append(("created", unique))
        elif kind == "long":
            long_unique = b"L" * rng.choice((65, 100, 300))
            ptype = BACKGROUND[priority] if rng.random() < 0.5 else FOREGROUND[priority]
            requests.append(request(ptype, fn, long_unique, b"too long"))
            expected.append(("error", TOO_LARGE))
        elif kind == "echo":
            payload = b"echo %d" % index
            requests.append(request(ECHO_REQ, payload))
            expected.append(("echo", payload))
        else:
            requests.append(b"status\n")
            expected.append(("status", None))

    handles: dict[bytes, bytes] = {}
    with Wire(server) as wire:
        wire.send(b"".join(requests))
        for position, (kind, detail) in enumerate(expected):
            where = f"reply {position} (expected {kind} {detail!r})"
            if kind == "status":
                assert wire.next_is_text(), where
                block = wire.text_block()
                assert block.endswith(b".\n"), where
                assert block.startswith((b"ordered\t", b".\n")), where
                continue
            assert not wire.next_is_text(), where
            ptype, body = wire.packet()
            if kind == "created":
                assert ptype == JOB_CREATED, (where, ptype, body)
                assert isinstance(detail, bytes)
                # Submits of one unique share one job and so one handle.
                assert handles.setdefault(detail, body) == body, where
            elif kind == "error":
                assert (ptype, body) == (ERROR, detail), where
            else:
                assert (ptype, body) == (ECHO_RES, detail), where
        wire.send(request(ECHO_REQ, b"end"))
        assert wire.packet() == (ECHO_RES, b"end")
        assert len(set(handles.values())) == len(handles)
        # Asked while the submitting connection is still open, so its foreground jobs count.
        assert totals(server) == {"ordered": len(handles)}


def read_to_eof(wire: Wire) -> bytes:
    data = bytes(wire.buf)
    while chunk := wire.sock.recv(65536):
        data += chunk
    return data


@geargate_only
@pytest.mark.parametrize(
    "store",
    ["memory", "sqlite"],
)
def test_replies_before_an_oversized_packet_are_sent_before_the_close(
    start_server: Callable[..., Server], tmp_path: Path, store: str
) -> None:
    args = ["--store", store, "--max-packet-size", "1000"]
    if store == "sqlite":
        args += ["--store-path", str(tmp_path / "big.db")]
    server = start_server(args)
    with Wire(server, timeout=10) as wire:
        wire.send(
            request(SUBMIT_JOB_BG, b"closing_fn", b"c1", b"x")
            + request(ECHO_REQ, b"e")
            + b"\0REQ"
            + struct.pack(">II", ECHO_REQ, 5000)
        )
        assert wire.packet()[0] == JOB_CREATED
        assert wire.packet() == (ECHO_RES, b"e")
        assert wire.packet() == (
            ERROR,
            b"ARGUMENT_TOO_LARGE\0Packet exceeds the server's size limit",
        )
        assert read_to_eof(wire) == b""


# ---------------------------------------------------------------- a failing store


def create_store(start_server: Callable[..., Server], db: Path, sql: str) -> None:
    """Let geargate create its table, then add the given SQL (triggers that make writes fail)."""
    start_server(sqlite_args(db)).stop()
    conn = sqlite3.connect(db)
    try:
        conn.executescript(sql)
    finally:
        conn.close()


def sql(db: Path, statement: str) -> None:
    conn = sqlite3.connect(db, timeout=30)
    try:
        conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


QUEUE_ERROR = b"QUEUE_ERROR\0QUEUE_ERROR"


@geargate_only
def test_failed_commit_answers_queue_error_in_its_place_and_keeps_nothing(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    db = tmp_path / "poison.sqlite3"
    create_store(
        start_server,
        db,
        "CREATE TRIGGER poison BEFORE INSERT ON geargate_jobs"
        " WHEN NEW.data = CAST('poison' AS BLOB) BEGIN SELECT RAISE(ABORT, 'poisoned'); END;",
    )
    server = start_server(sqlite_args(db))
    created: list[bytes] = []
    with Wire(server) as wire:
        wire.send(
            request(SUBMIT_JOB_BG, b"poison_fn", b"p", b"poison")
            + request(ECHO_REQ, b"after the poison")
            + request(SUBMIT_JOB_BG, b"poison_fn", b"", b"same write")
        )
        assert wire.packet() == (ERROR, QUEUE_ERROR)
        assert wire.packet() == (ECHO_RES, b"after the poison")
        # One transaction per batch: a job written with the poison fails with it.
        ptype, body = wire.packet()
        assert (ptype, body) == (ERROR, QUEUE_ERROR) or ptype == JOB_CREATED, (ptype, body)
        if ptype == JOB_CREATED:
            created.append(b"same write")
        # The refused job is gone: its unique is free for a new job, which is kept.
        wire.send(request(SUBMIT_JOB_BG, b"poison_fn", b"p", b"cured"))
        assert wire.packet()[0] == JOB_CREATED
        created.append(b"cured")
        wire.send(request(SUBMIT_JOB_BG, b"poison_fn", b"p", b"poison"))
        assert wire.packet()[0] == JOB_CREATED  # coalesced into "cured": no row is written
    assert totals(server) == {"poison_fn": len(created)}
    crash(server)
    server.stop()
    again = start_server(sqlite_args(db))
    assert sorted(data for _, _, data in drain(again, [b"poison_fn"])) == sorted(created)


@geargate_only
def test_worker_hears_nothing_after_its_result_until_the_delete_is_committed(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    """While the store cannot delete a finished job's row, the worker's later replies wait:
    a reply after WORK_COMPLETE promises the job will not run again, even after a crash."""
    db = tmp_path / "gate.sqlite3"
    create_store(
        start_server,
        db,
        "CREATE TABLE gate (closed INTEGER);"
        "CREATE TRIGGER gated BEFORE DELETE ON geargate_jobs"
        " WHEN EXISTS (SELECT 1 FROM gate) BEGIN SELECT RAISE(ABORT, 'gated'); END;",
    )
    server = start_server(sqlite_args(db))
    submit_background(server, [(b"gate_fn", b"g", b"run me once")])
    with Wire(server) as wire:
        wire.send(request(CAN_DO, b"gate_fn") + request(GRAB_JOB_UNIQ))
        ptype, body = wire.packet_skipping_noops()
        assert ptype == JOB_ASSIGN_UNIQ
        handle = assign_fields(body)[0]
        sql(db, "INSERT INTO gate VALUES (1)")  # from now on every delete fails
        wire.send(request(WORK_COMPLETE, handle, b"") + request(ECHO_REQ, b"after"))
        wire.sock.settimeout(1.0)
        try:
            early = wire.packet_skipping_noops()
        except TimeoutError:
            early = None  # held back, as it should be: let the deletes succeed again
        if early is None:
            sql(db, "DELETE FROM gate")
            wire.sock.settimeout(30.0)
            assert wire.packet_skipping_noops() == (ECHO_RES, b"after")
        else:
            assert early == (ECHO_RES, b"after")
        crash(server)  # right after the reply: the promise must hold without a clean stop
    server.stop()
    sql(db, "DELETE FROM gate")
    again = start_server(sqlite_args(db))
    assert drain(again, [b"gate_fn"]) == [], "the worker's finished job ran again"


# ---------------------------------------------------------------- flags and restarts


def submit_background(server: Server, jobs: list[tuple[bytes, bytes, bytes]]) -> list[bytes]:
    """Submit (function, unique, data) background jobs; returns their handles."""
    with Wire(server) as wire:
        wire.send(b"".join(request(SUBMIT_JOB_BG, *job) for job in jobs))
        replies = [wire.packet() for _ in jobs]
    assert [ptype for ptype, _ in replies] == [JOB_CREATED] * len(jobs), replies
    return [body for _, body in replies]


def test_gearmand_flags_select_the_sqlite_store(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    db = tmp_path / "aliases.db"
    args = ["-q", "libsqlite3", "--libsqlite3-db", str(db), "--libsqlite3-table", "my_jobs"]
    server = start_server(args)
    submit_background(server, [(b"alias_fn", b"a1", b"one"), (b"alias_fn", b"a2", b"two")])
    assert totals(server) == {"alias_fn": 2}
    crash(server)
    server.stop()
    assert db.exists()
    tables = sqlite3.connect(db)
    try:
        names = {row[0] for row in tables.execute("SELECT name FROM sqlite_master")}
    finally:
        tables.close()
    assert "my_jobs" in names

    again = start_server(args)
    assert totals(again) == {"alias_fn": 2}
    ran = drain(again, [b"alias_fn"])
    assert sorted(ran) == [(b"alias_fn", b"a1", b"one"), (b"alias_fn", b"a2", b"two")]


@geargate_only
def test_db_flag_alone_implies_the_sqlite_store(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    db = tmp_path / "implied.db"
    server = start_server(["--libsqlite3-db", str(db)])
    submit_background(server, [(b"implied_fn", b"", b"kept")])
    crash(server)
    server.stop()
    again = start_server(["--libsqlite3-db", str(db)])
    assert drain(again, [b"implied_fn"]) == [(b"implied_fn", b"", b"kept")]


@geargate_only
@pytest.mark.parametrize("args", [["--store", "memory"], ["-q", "builtin"]])
def test_memory_store_keeps_nothing_across_a_restart(
    start_server: Callable[..., Server],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
) -> None:
    # Were a default path used after all, it would land here and not in the real home.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    server = start_server(args)
    submit_background(server, [(b"memory_fn", b"m1", b"gone"), (b"memory_fn", b"", b"gone too")])
    assert totals(server) == {"memory_fn": 2}
    server.stop()
    again = start_server(args)
    assert "memory_fn" not in totals(again)
    assert drain(again, [b"memory_fn"]) == []
    assert list(tmp_path.rglob("*.sqlite3")) == []


@geargate_only
def test_empty_and_dash_uniques_and_a_mebibyte_survive_a_restart(
    start_server: Callable[..., Server], tmp_path: Path
) -> None:
    db = tmp_path / "edge.sqlite3"
    big = bytes(random.Random(7).randbytes(1024 * 1024))
    jobs = [
        (b"edge_fn", b"", b"empty unique 1"),
        (b"edge_fn", b"", b"empty unique 1"),  # empty uniques never coalesce
        (b"edge_fn", b"-", b"dash payload"),
        (b"edge_fn", b"-", b"dash payload"),  # `-` coalesces on the payload: one job
        (b"edge_fn", b"-", b""),
        (b"edge_fn", b"-", b""),  # `-` without a payload never coalesces
        (b"edge_fn", b"big", big),
        (b"edge_fn", b"nul\x00", b"a\x00b"),  # a NUL ends the unique on the wire
    ]
    server = start_server(sqlite_args(db))
    handles = submit_background(server, jobs)
    assert handles[2] == handles[3]
    assert len(set(handles)) == 7
    assert totals(server) == {"edge_fn": 7}
    crash(server)
    server.stop()

    again = start_server(sqlite_args(db))
    assert totals(again) == {"edge_fn": 7}
    ran = drain(again, [b"edge_fn"], window=3)
    assert sorted(ran) == sorted(
        [
            (b"edge_fn", b"", b"empty unique 1"),
            (b"edge_fn", b"", b"empty unique 1"),
            (b"edge_fn", b"-", b"dash payload"),
            (b"edge_fn", b"-", b""),
            (b"edge_fn", b"-", b""),
            (b"edge_fn", b"big", big),
            (b"edge_fn", b"nul", b"\x00a\x00b"),
        ]
    )
    # And nothing of them is left for a third life.
    again.stop()
    third = start_server(sqlite_args(db))
    assert "edge_fn" not in totals(third)


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    stray = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not stray, f"threads left running: {stray}"
