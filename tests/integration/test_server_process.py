"""The geargate process itself: command line, config file, pid file, signals, listening."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import ROOT, Server, free_port

GEARGATE = [sys.executable, "-m", "gearman_core"]
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GEARGATE, *args], capture_output=True, text=True, timeout=timeout, env=ENV, cwd=ROOT
    )


def _admin(port: int, line: bytes, host: str = "127.0.0.1") -> bytes:
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(line)
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def _wait_listening(
    port: int, host: str = "127.0.0.1", proc: subprocess.Popen[bytes] | None = None
) -> None:
    for _ in range(300):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listening on {host}:{port}")


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*GEARGATE, "serve", "--grpc-port", "0", "--store", "memory", *args],
        env=env or ENV,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_version_and_help() -> None:
    version = _run("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == "geargate 0.1.0"
    help_text = _run("serve", "--help").stdout
    for option in (
        "--port",
        "--listen",
        "--job-retries",
        "--worker-wakeup",
        "--exceptions",
        "--job-handle-prefix",
        "--log-file",
        "--verbose",
        "--pid-file",
        "--keepalive",
        "--config-file",
        "--threads",
        "--round-robin",
        "--max-packet-size",
        "--admin-shutdown",
        "--backlog",
    ):
        assert option in help_text, option
    assert "0 = unlimited" in help_text


def test_bad_option_is_refused() -> None:
    result = _run("serve", "--verbose", "LOUD")
    assert result.returncode == 2
    assert "--verbose" in result.stderr


def test_pid_file_config_file_and_env_port(tmp_path: Path) -> None:
    port = free_port()
    pid_file = tmp_path / "geargate.pid"
    config = tmp_path / "geargate.conf"
    config.write_text(f"# gearmand-style options\n--job-handle-prefix=H:conf --port={port}\n")
    proc = _start(
        "--config-file",
        str(config),
        "-L",
        "127.0.0.1",
        "-P",
        str(pid_file),
        "--verbose",
        "INFO",
        "-t",
        "4",
        "-R",
    )
    try:
        _wait_listening(port, proc=proc)
        assert int(pid_file.read_text()) == proc.pid
        assert _admin(port, b"getpid\n") == b"OK %d\n" % proc.pid
        assert _admin(port, b"verbose\n") == b"OK INFO\n"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"\0REQ" + (18).to_bytes(4, "big") + (4).to_bytes(4, "big") + b"f\0\0x")
            reply = sock.recv(100)
        assert reply[12:] == b"H:conf:1"
    finally:
        _stop(proc)
    assert proc.returncode == 0
    assert not pid_file.exists()

    # GEARMAND_PORT applies when -p is not given, as in gearmand.
    env_port = free_port()
    proc = _start("-L", "127.0.0.1", env=dict(ENV, GEARMAND_PORT=str(env_port)))
    try:
        _wait_listening(env_port, proc=proc)
    finally:
        _stop(proc)


def test_listen_on_a_name_binds_ipv4_and_ipv6() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no ::1 on this machine")
    port = free_port()
    proc = _start("-p", str(port), "-L", "localhost")
    try:
        _wait_listening(port, "127.0.0.1", proc)
        names = socket.getaddrinfo("localhost", port, type=socket.SOCK_STREAM)
        if any(family == socket.AF_INET6 for family, *_ in names):
            _wait_listening(port, "::1", proc)
            assert _admin(port, b"version\n", "::1") == b"OK 0.1.0\n"
        assert _admin(port, b"version\n") == b"OK 0.1.0\n"
    finally:
        _stop(proc)


def _packet(ptype: int, body: bytes) -> bytes:
    return b"\0REQ" + ptype.to_bytes(4, "big") + len(body).to_bytes(4, "big") + body


def _read_packet(sock: socket.socket) -> tuple[int, bytes]:
    header = b""
    while len(header) < 12:
        chunk = sock.recv(12 - len(header))
        if not chunk:
            raise EOFError
        header += chunk
    length = int.from_bytes(header[8:12], "big")
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return int.from_bytes(header[4:8], "big"), body


def test_sigusr1_stops_accepting_and_exits_once_the_last_job_is_done() -> None:
    server = Server("geargate")
    try:
        worker = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        worker.sendall(_packet(1, b"g"))
        client.sendall(_packet(18, b"g\0\0x"))
        assert _read_packet(client)[0] == 8  # JOB_CREATED
        server.proc.send_signal(signal.SIGUSR1)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=0.5).close()
            except OSError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("still accepting after SIGUSR1")
        assert server.proc.poll() is None, "exited while a job was still queued"
        worker.sendall(_packet(9, b""))  # GRAB_JOB on the connection it already had
        ptype, body = _read_packet(worker)
        assert ptype == 11
        handle = body.split(b"\0")[0]
        worker.sendall(_packet(13, handle + b"\0done"))
        assert server.proc.wait(timeout=10) == 0
        worker.close()
        client.close()
    finally:
        server.stop()


def test_sigusr1_exits_when_idle_and_sighup_reopens_log(tmp_path: Path) -> None:
    log_file = tmp_path / "geargate.log"
    port = free_port()
    proc = _start("-p", str(port), "-L", "127.0.0.1", "-l", str(log_file), "--verbose", "INFO")
    try:
        _wait_listening(port, proc=proc)
        rotated = tmp_path / "geargate.log.1"
        log_file.rename(rotated)
        proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if log_file.exists():
                break
            time.sleep(0.05)
        assert log_file.exists(), "SIGHUP did not reopen the log file"
        proc.send_signal(signal.SIGUSR1)
        assert proc.wait(timeout=10) == 0
        assert "listening" in rotated.read_text()
        assert "stopped" in log_file.read_text()
    finally:
        _stop(proc)


def test_admin_shutdown_is_off_by_default_and_on_when_asked() -> None:
    server = Server("geargate")
    try:
        assert server.admin("shutdown") == b"ERR UNKNOWN_COMMAND Unknown+server+commandshutdown\r\n"
        assert server.proc.poll() is None
    finally:
        server.stop()
    server = Server("geargate", ["--admin-shutdown"])
    try:
        assert server.admin("shutdown") == b"OK\r\n"
        assert server.proc.wait(timeout=10) == 0
    finally:
        server.stop()


def test_port_in_use_fails_cleanly() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = _run(
            "serve", "-p", str(port), "-L", "127.0.0.1", "--grpc-port", "0", "--store", "memory"
        )
    assert result.returncode == 1
    assert "cannot start" in result.stderr


def test_by_default_background_jobs_are_kept_in_sqlite_under_the_state_dir(tmp_path: Path) -> None:
    port = free_port()
    env = dict(ENV, XDG_STATE_HOME=str(tmp_path))
    command = [*GEARGATE, "serve", "-p", str(port), "-L", "127.0.0.1", "--grpc-port", "0"]

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        _wait_listening(port, proc=proc)
        return proc

    proc = start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(_packet(18, b"kept\0\0payload"))
            assert _read_packet(sock)[0] == 8  # JOB_CREATED: committed
        proc.kill()
        proc.wait()
        assert proc.stderr is not None
        database = tmp_path / "geargate" / f"geargate-{port}.sqlite3"
        assert str(database) in proc.stderr.read().decode()  # it says where the jobs are
        assert database.exists()
    finally:
        _stop(proc)
    proc = start()
    try:
        assert "kept\t1\t0\t0\n" in _admin_list(port, b"status\n")
    finally:
        _stop(proc)


def _admin_list(port: int, line: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(line)
        data = b""
        while not data.endswith(b".\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode()
