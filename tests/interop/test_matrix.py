"""Every client language against every worker language, through one geargate.

One server; every worker identity keeps running for the whole module; each client identity
runs all its cases against all workers in one process. Each (client, worker) pair is one test,
and the table of all of them is printed at the end of the run.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from servers import Server, free_port

from .matrix import (
    Case,
    Cell,
    Identity,
    cases_for,
    check,
    cli_worker_commands,
    identities,
    program_env,
    run_cli_cases,
)

IDENTITIES = identities()
NAMES = [identity.name for identity in IDENTITIES]
READY_TIMEOUT = 120.0  # a cold JVM and a loaded CI machine

# (client name, worker name) -> Cell, filled by the fixture, printed by conftest.
RESULTS: dict[tuple[str, str], Cell] = {}


@dataclass
class Matrix:
    server: Server
    grpc_port: int
    cells: dict[tuple[str, str], Cell]


def _status_counts(server: Server) -> dict[str, tuple[int, int, int]]:
    counts = {}
    for line in server.admin("status").decode().splitlines():
        parts = line.split("\t")
        if len(parts) == 4:
            counts[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]))
    return counts


def _start_workers(server: Server, grpc: str) -> list[subprocess.Popen[bytes]]:
    gearman = server.address
    procs = []
    for identity in IDENTITIES:
        if identity.command is None:
            commands = cli_worker_commands(server.host, server.port)
        else:
            one = [*identity.command, "worker", "--gearman", gearman, "--grpc", grpc]
            one += ["--prefix", identity.prefix]
            # Single-job-at-a-time workers get a second process, as a pool would run them.
            single = identity.name in ("PHP", "Perl")
            commands = [one, one] if single else [one]
        for command in commands:
            try:
                proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=program_env(),
                    start_new_session=True,
                )
            except FileNotFoundError:
                continue  # not built: its echo function never registers, and that is reported
            procs.append(proc)
    return procs


def _wait_registered(server: Server, procs: list[subprocess.Popen[bytes]]) -> list[str]:
    """Wait until every worker identity has registered its echo function; return the missing."""
    wanted = {f"{identity.prefix}_echo": identity.name for identity in IDENTITIES}
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        counts = _status_counts(server)
        missing = [name for fn, name in wanted.items() if counts.get(fn, (0, 0, 0))[2] == 0]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.2)


def _run_client(client: Identity, cases: list[Case], server: Server, grpc: str) -> list[dict]:
    if client.command is None:
        return run_cli_cases(cases, server.host, server.port)
    command = [*client.command, "client", "--gearman", server.address, "--grpc", grpc]
    stdin = "".join(case.line() + "\n" for case in cases)
    try:
        done = subprocess.run(
            command,
            input=stdin.encode(),
            capture_output=True,
            env=program_env(),
            timeout=30 * len(cases) + 60,
        )
    except FileNotFoundError as error:
        return [{"id": case.id, "outcome": "error", "error": str(error)} for case in cases]
    results = []
    for line in done.stdout.decode(errors="replace").splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    if not results and done.returncode != 0:
        error = done.stderr.decode(errors="replace")[-400:]
        return [{"id": case.id, "outcome": "error", "error": error} for case in cases]
    return results


def _wait_drained(server: Server, function: str) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _status_counts(server).get(function, (0, 0, 0))[0] == 0:
            return True
        time.sleep(0.1)
    return False


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def matrix() -> Iterator[Matrix]:
    grpc_port = free_port()
    server = Server("geargate", ["--grpc-port", str(grpc_port)])
    grpc = f"127.0.0.1:{grpc_port}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.extend(_start_workers(server, grpc))
        missing = set(_wait_registered(server, procs))
        cells: dict[tuple[str, str], Cell] = {}
        for client in IDENTITIES:
            runnable = [w for w in IDENTITIES if w.name not in missing]
            cases = [case for worker in runnable for case in cases_for(worker)]
            results = _run_client(client, cases, server, grpc)
            by_id = {result.get("id"): result for result in results}
            for worker in IDENTITIES:
                cell = cells[(client.name, worker.name)] = Cell()
                if worker.name in missing:
                    cell.problems.append(f"the {worker.name} worker never registered")
                    continue
                for case in cases_for(worker):
                    result = by_id.get(case.id)
                    cell.ran.append(case.kind)
                    if result is None:
                        cell.problems.append(f"{case.kind}: no result")
                        continue
                    if result.get("outcome") == "submitted":  # the CLI cannot poll: ask admin
                        result["outcome"] = (
                            "complete" if _wait_drained(server, case.function) else "error"
                        )
                    problem = check(case, result, client, worker)
                    if problem:
                        cell.problems.append(problem)
        RESULTS.update(cells)
        yield Matrix(server, grpc_port, cells)
    finally:
        _stop(procs)
        server.stop()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("worker", NAMES)
@pytest.mark.parametrize("client", NAMES)
def test_pair(matrix: Matrix, client: str, worker: str) -> None:
    cell = matrix.cells[(client, worker)]
    assert cell.passed, f"{client} client x {worker} worker: " + "; ".join(cell.problems)
