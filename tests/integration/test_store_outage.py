"""PostgreSQL or Redis restarted while clients keep submitting: geargate keeps running, answers
every submit with JOB_CREATED or a clean ERROR QUEUE_ERROR, recovers by itself, and every
acknowledged job is stored."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from servers import Server

SUBMIT_JOB_BG, JOB_CREATED, ERROR = 18, 8, 19
TOTAL = 3000
WINDOW = 32


@dataclass
class Outage:
    args: list[str]
    restart: Callable[[], None]


@pytest.fixture(params=["postgres", "redis"])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    if request.param == "redis":
        from redis_server import RedisServer

        redis = RedisServer(tmp_path / "redis")
        redis.start()

        def restart_redis() -> None:
            redis.stop()
            time.sleep(0.5)
            redis.start()

        try:
            yield Outage(["--store", "redis", "--redis-port", str(redis.port)], restart_redis)
        finally:
            redis.stop()
        return
    from pg_server import PostgresServer, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server installed")
    postgres = PostgresServer(bindir)
    postgres.start()

    def restart_postgres() -> None:
        postgres.stop()
        time.sleep(0.5)
        postgres.start()

    try:
        yield Outage(
            ["--store", "postgres", "--libpq-conninfo", postgres.conninfo], restart_postgres
        )
    finally:
        postgres.cleanup()


@dataclass
class Submitter:
    server: Server
    created: list[bytes] = field(default_factory=list)
    errors: list[bytes] = field(default_factory=list)
    strange: list[tuple[int, bytes]] = field(default_factory=list)
    started: threading.Event = field(default_factory=threading.Event)

    # JOB_CREATEDs after the first refusal: the store came back while the load went on.
    recovered: int = 0
    sent: int = 0

    def run(self) -> None:
        deadline = time.monotonic() + 120
        with socket.create_connection((self.server.host, self.server.port), timeout=60) as sock:
            reader = sock.makefile("rb")
            sent = answered = 0

            def more() -> bool:
                done = sent >= TOTAL and (not self.errors or self.recovered >= 100)
                return not done and time.monotonic() < deadline

            while answered < sent or more():
                while more() and sent - answered < WINDOW:
                    body = b"outage\0\0job %d" % sent
                    sock.sendall(b"\0REQ" + struct.pack(">II", SUBMIT_JOB_BG, len(body)) + body)
                    sent += 1
                header = reader.read(12)
                kind, length = struct.unpack(">II", header[4:])
                body = reader.read(length)
                answered += 1
                if kind == JOB_CREATED:
                    self.created.append(body)
                    if self.errors:
                        self.recovered += 1
                elif kind == ERROR:
                    self.errors.append(body)
                else:
                    self.strange.append((kind, body))
                if answered == 300:
                    self.started.set()
                if answered % 100 == 0:
                    time.sleep(0.01)  # a steady load, not one burst
            self.sent = sent


@pytest.mark.timeout(180)
def test_database_restart_under_load_gives_clean_errors_and_recovers(
    outage: Outage, start_server: Callable[..., Server]
) -> None:
    server = start_server(outage.args)
    submitter = Submitter(server)
    thread = threading.Thread(target=submitter.run, daemon=True)
    thread.start()
    assert submitter.started.wait(60)
    outage.restart()
    thread.join(timeout=150)
    assert not thread.is_alive()
    assert server.proc.poll() is None, "geargate died during the database restart"
    assert submitter.strange == []
    assert set(submitter.errors) <= {b"QUEUE_ERROR\0QUEUE_ERROR"}
    assert len(submitter.created) + len(submitter.errors) == submitter.sent >= TOTAL
    assert submitter.errors, "the restart refused nothing: it did not happen under load"
    assert submitter.recovered >= 100, "submits did not start working again under load"

    # Recovered by itself: a new submit is accepted.
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        body = b"outage\0\0after"
        sock.sendall(b"\0REQ" + struct.pack(">II", SUBMIT_JOB_BG, len(body)) + body)
        assert struct.unpack(">II", sock.recv(12)[4:])[0] == JOB_CREATED

    # Every acknowledged job is in the store: a restarted geargate replays exactly those.
    expected = len(submitter.created) + 1
    server.stop()
    again = start_server(outage.args)
    assert f"outage\t{expected}\t0\t0\n" in again.admin("status").decode()


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def store_flags(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    if request.param == "sqlite":
        yield ["--store", "sqlite", "--store-path", str(tmp_path / "results.sqlite3")]
    elif request.param == "redis":
        from redis_server import RedisServer

        redis = RedisServer(tmp_path / "redis")
        redis.start()
        try:
            yield ["--store", "redis", "--redis-port", str(redis.port)]
        finally:
            redis.stop()
    else:
        from pg_server import PostgresServer, postgres_bindir

        bindir = postgres_bindir()
        if bindir is None:
            pytest.skip("no PostgreSQL server installed")
        postgres = PostgresServer(bindir)
        postgres.start()
        try:
            yield ["--store", "postgres", "--libpq-conninfo", postgres.conninfo]
        finally:
            postgres.cleanup()


def _request(sock: socket.socket, kind: int, *args: bytes) -> tuple[int, bytes]:
    body = b"\0".join(args)
    sock.sendall(b"\0REQ" + struct.pack(">II", kind, len(body)) + body)
    reader = sock.makefile("rb")
    header = reader.read(12)
    reply_kind, length = struct.unpack(">II", header[4:])
    return reply_kind, reader.read(length)


def test_retained_results_survive_a_restart_in_every_store(
    store_flags: list[str], start_server: Callable[..., Server]
) -> None:
    args = [*store_flags, "--retain-results", "1h", "--job-handle-prefix", "H:kept"]
    server = start_server(args)
    with socket.create_connection((server.host, server.port), timeout=30) as client, \
            socket.create_connection((server.host, server.port), timeout=30) as worker:  # fmt: skip
        handles = [_request(client, SUBMIT_JOB_BG, b"kept", b"", b"in%d" % n)[1] for n in range(2)]
        worker.sendall(b"\0REQ" + struct.pack(">II", 1, 4) + b"kept")  # CAN_DO
        for n in range(2):
            kind, body = _request(worker, 9)  # GRAB_JOB -> JOB_ASSIGN
            handle = body.split(b"\0")[0]
            report = (13, handle, b"out%d" % n) if n == 0 else (25, handle, b"boom")
            worker.sendall(
                b"\0REQ" + struct.pack(">II", report[0], len(b"\0".join(report[1:])))
                + b"\0".join(report[1:])
            )  # fmt: skip
        assert _request(worker, 16, b"sync") == (17, b"sync")  # results committed by now
    server.proc.kill()  # no clean shutdown
    server.proc.wait()
    server.stop()

    again = start_server(args)
    first = again.admin(f"show result {handles[0].decode()}")
    assert first.startswith(b"COMPLETE\t4\t") and first.endswith(b"\nout0\n.\n")
    second = again.admin(f"show result {handles[1].decode()}")
    assert second.startswith(b"EXCEPTION\t4\t") and second.endswith(b"\nboom\n.\n")
    # A new job does not take a handle whose result can still be read.
    with socket.create_connection((again.host, again.port), timeout=30) as client:
        kind, handle = _request(client, SUBMIT_JOB_BG, b"fresh", b"", b"x")
    assert kind == JOB_CREATED and handle not in handles
    status = again.admin("status").decode()
    assert "result" not in status, status  # the stored results did not come back as jobs
    assert "kept\t" not in status  # and both jobs were done before the kill
