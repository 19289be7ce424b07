"""SIGTERM with --drain-timeout: running jobs finish, queued background jobs stay stored."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

from servers import Server

CAN_DO, GRAB_JOB, NO_JOB, JOB_ASSIGN, WORK_COMPLETE, SUBMIT_JOB_BG = 1, 9, 10, 11, 13, 18


def _packet(ptype: int, *args: bytes) -> bytes:
    body = b"\0".join(args)
    return b"\0REQ" + ptype.to_bytes(4, "big") + len(body).to_bytes(4, "big") + body


def _read(sock: socket.socket) -> tuple[int, list[bytes]]:
    header = b""
    while len(header) < 12:
        chunk = sock.recv(12 - len(header))
        assert chunk, "connection closed"
        header += chunk
    length = int.from_bytes(header[8:], "big")
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return int.from_bytes(header[4:8], "big"), body.split(b"\0")


def test_sigterm_drains_running_jobs_and_keeps_queued_ones(tmp_path: Path) -> None:
    store = str(tmp_path / "jobs.sqlite3")
    args = ["--store", "sqlite", "--store-path", store, "--drain-timeout", "30"]
    server = Server("geargate", args)
    try:
        client = socket.create_connection((server.host, server.port), timeout=10)
        for payload in (b"runs", b"waits"):
            client.sendall(_packet(SUBMIT_JOB_BG, b"drain", b"", payload))
            assert _read(client)[0] == 8  # JOB_CREATED, after the commit
        worker = socket.create_connection((server.host, server.port), timeout=10)
        worker.sendall(_packet(CAN_DO, b"drain") + _packet(GRAB_JOB))
        kind, (handle, _function, payload) = _read(worker)
        assert (kind, payload) == (JOB_ASSIGN, b"runs")

        server.proc.send_signal(signal.SIGTERM)
        for _ in range(100):  # it stops accepting first
            try:
                socket.create_connection((server.host, server.port), timeout=0.5).close()
            except OSError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("still accepting after SIGTERM with --drain-timeout")
        assert server.proc.poll() is None, "stopped while a job was still running"
        worker.sendall(_packet(GRAB_JOB))  # draining: nothing more is handed out
        assert _read(worker)[0] == NO_JOB
        worker.sendall(_packet(WORK_COMPLETE, handle, b"done"))
        assert server.proc.wait(timeout=15) == 0
        worker.close()
        client.close()
    finally:
        server.stop()

    again = Server("geargate", ["--store", "sqlite", "--store-path", store])
    try:
        assert "drain\t1\t0\t0\n" in again.admin("status").decode()  # only the queued one
    finally:
        again.stop()


def test_sigterm_without_drain_timeout_stops_at_once() -> None:
    server = Server("geargate")
    try:
        worker = socket.create_connection((server.host, server.port), timeout=10)
        client = socket.create_connection((server.host, server.port), timeout=10)
        client.sendall(_packet(SUBMIT_JOB_BG, b"quick", b"", b"x"))
        assert _read(client)[0] == 8
        worker.sendall(_packet(CAN_DO, b"quick") + _packet(GRAB_JOB))
        assert _read(worker)[0] == JOB_ASSIGN
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=10) == 0  # a running job does not hold it up
        worker.close()
        client.close()
    finally:
        server.stop()
