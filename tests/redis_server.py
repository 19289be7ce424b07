"""Run a real redis-server for tests, and geargate on a Redis store.

RedisServer starts Debian's /usr/bin/redis-server on a free loopback port with its files in a
directory of the test's, AOF on and fsynced on every write (``appendfsync always``: a reply
to EXEC then means the write is on disk, the promise the store's callbacks make), no RDB
snapshots. It works as root and without systemd: the process is ours and stopped by PID.

Run as a script, this file is a stand-in for `geargate serve -q redis ...` until the lead adds
the Redis flags to the cli: ``python tests/redis_server.py --redis-port P [--redis-prefix X]
[--redis-password W] -- <serve flags>`` runs gearman_core.cli.serve with a RedisStore.
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

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server process on 127.0.0.1; stop() and start() again keep port and files."""

    def __init__(self, directory: Path, password: str | None = None) -> None:
        self.directory = directory
        self.password = password
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = directory / "redis.log"
        directory.mkdir(parents=True, exist_ok=True)

    def start(self, timeout: float = 15.0) -> None:
        command = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--logfile", str(self.log),
        ]  # fmt: skip
        if self.password:
            command += ["--requirepass", self.password]
        self.proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"redis-server exited with {self.proc.returncode}: {self._tail()}"
                )
            if self._answers_ping():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on {self.port}: {self._tail()}")

    def _tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def _answers_ping(self) -> bool:
        # While it loads its AOF Redis answers -LOADING; only +PONG (or -NOAUTH) means ready.
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                reply = sock.recv(64)
        except OSError:
            return False
        return reply.startswith((b"+PONG", b"-NOAUTH"))

    def stop(self) -> None:
        """SIGTERM: Redis fsyncs its AOF and exits."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no shutdown work at all, as in a crash."""
        self._end(signal.SIGKILL)

    def _end(self, sig: signal.Signals) -> None:
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: Sequence[str]) -> int:
    """`geargate serve` with a RedisStore, wired in without the cli knowing about Redis."""
    import argparse

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from gearman_core import cli
    from gearman_core.config import Config, parse_serve_args
    from gearman_core.store.redis import RedisStore

    parser = argparse.ArgumentParser(prog="redis_server.py")
    parser.add_argument("--redis-server", default="127.0.0.1")
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--redis-password", default=None)
    parser.add_argument("--redis-prefix", default="geargate:")
    args, rest = parser.parse_known_args(list(argv))
    if rest and rest[0] == "--":
        rest = rest[1:]
    config = parse_serve_args(rest)

    def open_store(_config: Config) -> RedisStore:
        return RedisStore(
            args.redis_server, args.redis_port, args.redis_password, args.redis_prefix
        )

    cli.open_store = open_store  # type: ignore[assignment]
    return cli.serve(config)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
