"""Shared helpers for the real-client tests: subprocesses that are always reaped, polling,
admin-reply parsing and a module-wide job server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

TESTS = Path(__file__).resolve().parent.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from servers import Server  # noqa: E402

KIND = os.environ.get("SERVER_UNDER_TEST", "geargate")
SCRIPTS = Path(__file__).resolve().parent / "scripts"
GEARMAN = shutil.which("gearman") or "/usr/bin/gearman"
GEARADMIN = shutil.which("gearadmin") or "/usr/bin/gearadmin"
PHP = shutil.which("php") or "/usr/bin/php"
PERL = shutil.which("perl") or "/usr/bin/perl"
TIMEOUT = 30.0

T = TypeVar("T")


def module_server(args: Sequence[str] = ()) -> Iterator[Server]:
    """Body of a module-scoped fixture: one server shared by the tests of a module."""
    server = Server(KIND, args)
    try:
        yield server
    finally:
        server.stop()


class Procs:
    """Long-running helper processes (workers, waiting clients) that are killed at the end.

    Each one runs in its own session, so killing its process group also ends what it spawned
    (the `gearman -w -- cmd` children)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def start(
        self,
        cmd: Sequence[str],
        *,
        stdin: int | None = subprocess.DEVNULL,
        stdout: int | None = subprocess.PIPE,
        stderr: int | None = subprocess.PIPE,
    ) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            list(cmd),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[str]) -> None:
        # Even when the leader has exited, its group may still hold children.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def close(self) -> None:
        for proc in self.procs:
            self.kill(proc)
        self.procs.clear()

    def __enter__(self) -> Procs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def finish(proc: subprocess.Popen[str], timeout: float = TIMEOUT) -> tuple[int, str, str]:
    """Wait for a started process and return (returncode, stdout, stderr)."""
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out or "", err or ""


def run(
    cmd: Sequence[str],
    *,
    input: str | None = None,
    timeout: float = TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a short command to the end; on failure show its output in the assertion."""
    result = subprocess.run(
        list(cmd),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, (
            f"{cmd!r} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )
    return result


def run_json(cmd: Sequence[str], *, timeout: float = TIMEOUT) -> Any:
    """Run a client script that prints one JSON document and decode it."""
    result = run(cmd, timeout=timeout)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{cmd!r} printed {result.stdout!r} ({result.stderr!r})") from exc


def wait_for(
    predicate: Callable[[], T], what: str, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Poll until predicate() is truthy and return its value (an AssertionError otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what} (last value {value!r})")
        time.sleep(interval)


def parse_status(text: str) -> dict[str, tuple[int, int, int]]:
    """`status` reply -> {function: (total, running, workers)}."""
    result: dict[str, tuple[int, int, int]] = {}
    for line in text.splitlines():
        if line == ".":
            break
        fields = line.split("\t")
        assert len(fields) == 4, f"bad status line {line!r}"
        result[fields[0]] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return result


def status(server: Server) -> dict[str, tuple[int, int, int]]:
    return parse_status(server.admin("status").decode())


def wait_workers(server: Server, function: str, count: int = 1) -> None:
    """Wait until `count` workers have registered `function`."""
    wait_for(
        lambda: status(server).get(function, (0, 0, 0))[2] >= count,
        f"{count} worker(s) for {function}",
    )


def wait_total(server: Server, function: str, total: int) -> None:
    """Wait until `status` counts exactly `total` jobs of `function`."""
    wait_for(
        lambda: status(server).get(function, (0, 0, 0))[0] == total,
        f"{total} job(s) of {function}",
    )


def wait_running(server: Server, function: str, running: int = 1) -> None:
    wait_for(
        lambda: status(server).get(function, (0, 0, 0))[1] >= running,
        f"{running} running job(s) of {function}",
    )


def gearman_args(server: Server) -> list[str]:
    return [GEARMAN, "-h", server.host, "-p", str(server.port)]


def read_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
