"""A throw-away PostgreSQL server from Debian's `postgresql` package, for the store tests.

The cluster lives in a fresh directory under /tmp, listens on 127.0.0.1 on a port picked here
(plus a Unix socket in the same directory) and trusts every local connection. PostgreSQL
refuses to run as root, so as root (CI) the directory belongs to the `postgres` system user and
initdb and pg_ctl run through `runuser -u postgres --`; as any other user they run directly.

Run as a script, this file is `geargate serve` with gearmand's -q Postgres flags (see the end).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from servers import ROOT, Server, free_port


def postgres_bindir() -> str | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda path: int(Path(path).parent.parent.name.split(".")[0]))
    return str(Path(newest).parent)


class PostgresServer:
    """One PostgreSQL cluster: created by initdb, started with pg_ctl, removed by cleanup()."""

    def __init__(self, bindir: str) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = "postgres"
        self._as_root = os.geteuid() == 0
        # /tmp itself when root: the postgres user must be able to reach the directory.
        where = "/tmp" if self._as_root else None
        self.base = Path(tempfile.mkdtemp(prefix="geargate-pg-", dir=where))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        if self._as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self._run(
            "initdb", "-D", str(self.data), "-U", self.user, "-A", "trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip

    @property
    def conninfo(self) -> str:
        """A libpq key=value string for this server, as `--libpq-conninfo` takes it."""
        return f"host={self.host} port={self.port} user={self.user} dbname=postgres"

    def _run(self, program: str, *args: str, timeout: float = 60.0) -> None:
        command = [os.path.join(self.bindir, program), *args]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.base,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr}{log}")

    def start(self) -> None:
        options = (
            f"-c listen_addresses={self.host} -c port={self.port}"
            f" -c unix_socket_directories={self.base} -c fsync=off"
            " -c max_connections=40 -c shared_buffers=16MB"
        )
        self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        """Fast shutdown: open sessions are ended, committed data stays."""
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30")
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill()

    def _kill(self) -> None:
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class GeargateWithPostgres(Server):
    """`geargate serve` with gearmand's PostgreSQL queue flags (-q Postgres --libpq-...).

    If `geargate serve` does not take those flags yet, the same flags go through the small
    runner at the bottom of this file, which hands geargate a PostgresStore itself.
    """

    def __init__(self, args: Sequence[str], port: int | None = None) -> None:
        self.kind = "geargate"
        self.port = port or free_port()
        self.host = "127.0.0.1"
        base = ["--port", str(self.port), "--listen", "127.0.0.1", "--log-file", "stderr"]
        entry = ["-m", "gearman_core"] if serve_takes_libpq_flags() else [__file__]
        command = [sys.executable, *entry, "serve", *base, "--grpc-port", "0", *args]
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


_serve_help: str | None = None


def serve_takes_libpq_flags() -> bool:
    global _serve_help
    if _serve_help is None:
        done = subprocess.run(
            [sys.executable, "-m", "gearman_core", "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
        )
        _serve_help = done.stdout
    return "--libpq-conninfo" in _serve_help


def _serve_with_postgres(argv: list[str]) -> int:
    """`serve` with -q Postgres --libpq-conninfo S --libpq-table T taken out and applied here."""
    from gearman_core import cli
    from gearman_core.store.postgres import DEFAULT_TABLE, PostgresStore

    conninfo, table, rest = "", DEFAULT_TABLE, []
    words = iter(argv)
    for word in words:
        if word in ("-q", "--queue-type"):
            kind = next(words)
            if kind.lower() != "postgres":
                raise SystemExit(f"runner: -q {kind}: only Postgres")
        elif word == "--libpq-conninfo":
            conninfo = next(words)
        elif word == "--libpq-table":
            table = next(words)
        else:
            rest.append(word)

    def open_store(config: object) -> PostgresStore:
        return PostgresStore(conninfo, table)

    cli.open_store = open_store  # type: ignore[assignment]
    return cli.main(rest)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(_serve_with_postgres(sys.argv[1:]))
