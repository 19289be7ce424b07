"""Start and stop job servers (geargate or the reference gearmand) for tests.

Both take the same gearmand-style flags, so one helper runs either. Every server listens on
127.0.0.1 on a port picked here, and is stopped by PID when the test is done.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEARMAND = shutil.which("gearmand") or "/usr/sbin/gearmand"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A running job server process."""

    def __init__(self, kind: str, args: Sequence[str] = (), port: int | None = None) -> None:
        self.kind = kind
        self.port = port or free_port()
        self.host = "127.0.0.1"
        base = ["--port", str(self.port), "--listen", "127.0.0.1", "--log-file", "stderr"]
        if kind == "geargate":
            # Parallel servers must not all claim gRPC's default port: off unless asked for.
            grpc = [] if any(a.startswith("--grpc-port") for a in args) else ["--grpc-port", "0"]
            # Tests keep jobs in memory unless they ask for a store: the default SQLite file
            # would carry jobs from one test (or run) into the next.
            stores = ("--store", "-q", "--queue-type", "--libsqlite3-db")
            store = [] if any(a.startswith(stores) for a in args) else ["--store", "memory"]
            command = [sys.executable, "-m", "gearman_core", "serve", *base, *grpc, *store, *args]
        elif kind == "gearmand":
            command = [GEARMAND, *base, "--threads", "0", *args]
        else:
            raise ValueError(kind)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        env.pop("GEARMAND_PORT", None)
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        self._wait_ready()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode}: {err}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.kind} did not start listening on {self.port}")

    def stop(self) -> str:
        """Stop the server and return what it wrote to stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""

    def admin(self, command: str, timeout: float = 5.0) -> bytes:
        """Send one admin line and return the reply (list replies up to their `.` line)."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            sock.sendall(command.encode() + b"\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return data
                data += chunk
                if data.endswith(b"\n.\n") or data == b".\n":
                    return data
                if data.startswith((b"OK", b"ERR")) and data.endswith(b"\n"):
                    return data
