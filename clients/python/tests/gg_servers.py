"""Helpers: real servers on free loopback ports (`geargate serve` from PATH, Debian gearmand)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence

GEARGATE = shutil.which("geargate") or "geargate"
GEARMAND = shutil.which("gearmand") or "/usr/sbin/gearmand"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Server:
    """A job server process; geargate also serves gRPC on `grpc_port`."""

    def __init__(
        self,
        kind: str,
        port: int | None = None,
        grpc_port: int | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.kind = kind
        self.port = port or free_port()
        self.grpc_port = grpc_port or (free_port() if kind == "geargate" else 0)
        base = ["--port", str(self.port), "--listen", "127.0.0.1", "--log-file", "stderr"]
        if kind == "geargate":
            grpc = ["--grpc-port", str(self.grpc_port), "--store", "memory"]
            command = [GEARGATE, "serve", *base, *grpc, *args]
        else:
            command = [GEARMAND, *base, "--threads", "0", *args]
        env = dict(os.environ)
        env.pop("GEARMAND_PORT", None)
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        ports = [self.port] + ([self.grpc_port] if self.grpc_port else [])
        deadline = time.monotonic() + 15
        while not all(_listening(p) for p in ports):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{kind} did not start: {command}")
            time.sleep(0.05)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def grpc_address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def admin(self, command: str) -> str:
        """One admin command; list replies end with a "." line, others with one line."""
        listing = command.split()[0] in ("status", "workers")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(command.encode() + b"\n")
            data = b""
            while True:
                done = data == b".\n" or data.endswith(b"\n.\n") if listing else b"\n" in data
                if done:
                    return data.decode()
                chunk = sock.recv(65536)
                if not chunk:
                    return data.decode()
                data += chunk

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
