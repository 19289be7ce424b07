"""Every example client against every example worker: `title` of `Linvo` is `5`, whichever
language and protocol each side uses."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from servers import Server, free_port

from .matrix import ROOT, java_jar, program_env

PY = sys.executable
EXAMPLES = ROOT / "examples"
PY_EXAMPLES = ROOT / "clients/python/examples"
JAVA_EXAMPLES = ROOT / "clients/java/examples"

# name -> argv builder from (gearman "host:port", grpc "host:port")
Command = Callable[[str, str], list[str]]


def _cli(script: str) -> Command:
    def build(gearman: str, grpc: str) -> list[str]:
        host, port = gearman.split(":")
        return ["sh", str(EXAMPLES / "gearman-cli" / script), host, port]

    return build


WORKERS: dict[str, Command] = {
    "PHP": lambda g, r: ["php", str(EXAMPLES / "php/title_worker.php"), g],
    "gearman CLI": _cli("title_worker.sh"),
    "Python TCP": lambda g, r: [PY, str(PY_EXAMPLES / "title_tcp_worker.py"), g],
    "Python gRPC": lambda g, r: [PY, str(PY_EXAMPLES / "title_worker.py"), r],
    "Go": lambda g, r: [str(ROOT / "clients/go/bin/title-worker"), "-addr", r],
    "Java": lambda g, r: [
        "java",
        "-cp",
        java_jar(),
        str(ROOT / "clients/java/examples/TitleWorker.java"),
        r,
    ],
    "Node": lambda g, r: ["node", str(ROOT / "clients/node/examples/worker.js"), r],
}
CLIENTS: dict[str, Command] = {
    "PHP": lambda g, r: ["php", str(EXAMPLES / "php/title_client.php"), g],
    "gearman CLI": _cli("title_client.sh"),
    "Python TCP": lambda g, r: [PY, str(PY_EXAMPLES / "title_tcp_client.py"), g],
    "Python gRPC": lambda g, r: [PY, str(PY_EXAMPLES / "title_client.py"), r],
    "Go": lambda g, r: [str(ROOT / "clients/go/bin/title-client"), "-addr", r],
    "Java": lambda g, r: [
        "java",
        "-cp",
        java_jar(),
        str(ROOT / "clients/java/examples/TitleClient.java"),
        r,
    ],
    "Node": lambda g, r: ["node", str(ROOT / "clients/node/examples/client.js"), r],
}


def _title_workers(server: Server) -> int:
    for line in server.admin("status").decode().splitlines():
        parts = line.split("\t")
        if parts[0] == "title" and len(parts) == 4:
            return int(parts[3])
    return 0


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Server, str]]:
    grpc_port = free_port()
    gearmand = Server("geargate", ["--grpc-port", str(grpc_port)])
    try:
        yield gearmand, f"127.0.0.1:{grpc_port}"
    finally:
        gearmand.stop()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("worker", list(WORKERS))
def test_every_example_client_against_this_example_worker(
    server: tuple[Server, str], worker: str
) -> None:
    tcp, grpc = server
    proc = subprocess.Popen(
        WORKERS[worker](tcp.address, grpc),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=program_env(),
        start_new_session=True,
    )
    try:
        _wait(lambda: _title_workers(tcp) > 0 or proc.poll() is not None, f"the {worker} worker")
        assert proc.poll() is None, f"the {worker} example worker exited with {proc.returncode}"
        wrong = {}
        for client, command in CLIENTS.items():
            done = subprocess.run(
                command(tcp.address, grpc), capture_output=True, timeout=60, env=program_env()
            )
            if done.returncode != 0 or done.stdout.decode().strip() != "5":
                wrong[client] = (done.returncode, done.stdout[-200:], done.stderr[-300:])
        assert not wrong, f"with the {worker} worker: {wrong}"
    finally:
        # The shell of the gearman CLI example and its children share a process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _wait(lambda: _title_workers(tcp) == 0, f"the {worker} worker to leave")
