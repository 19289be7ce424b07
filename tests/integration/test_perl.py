"""Perl Gearman::Client and Gearman::Worker (libgearman-client-perl) against the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servers import Server

from .helpers import (
    KIND,
    PERL,
    SCRIPTS,
    Procs,
    read_lines,
    run_json,
    wait_for,
    wait_total,
    wait_workers,
)


def worker(
    procs: Procs, server: Server, function: str, mode: str, log: Path | None = None, count: int = 1
) -> None:
    procs.start(
        [
            PERL,
            str(SCRIPTS / "perl_worker.pl"),
            server.host,
            str(server.port),
            function,
            mode,
            str(log) if log else "-",
        ]
    )
    wait_workers(server, function, count)


def client(server: Server, action: str, function: str, *args: str) -> Any:
    return run_json(
        [
            PERL,
            str(SCRIPTS / "perl_client.pl"),
            server.host,
            str(server.port),
            action,
            function,
            *args,
        ]
    )


def test_do_task(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "pl_rev", "reverse")
    result = client(mserver, "do", "pl_rev", "perl payload")
    assert result == {"result": "daolyap lrep", "events": [["complete", 0, "daolyap lrep"]]}


def test_do_task_with_status(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "pl_status", "status")
    result = client(mserver, "do", "pl_status", "s")
    assert result["result"] == "status-done:s"
    assert result["events"] == [
        ["status", 0, [1, 3]],
        ["status", 0, [2, 3]],
        ["complete", 0, "status-done:s"],
    ]


def test_task_set_with_several_tasks(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "pl_set", "reverse")
    worker(procs, mserver, "pl_set", "reverse", count=2)
    args = [f"task-{i}" for i in range(10)]
    events = client(mserver, "taskset", "pl_set", *args)["events"]
    assert sorted(map(tuple, events)) == sorted(
        ("complete", i, a[::-1]) for i, a in enumerate(args)
    )


def test_dispatch_background_and_get_status(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    log = tmp_path / "log"
    handle = client(mserver, "background", "pl_bg", str(gate))["handle"]
    assert handle.startswith(f"{mserver.host}:{mserver.port}//H:")
    assert client(mserver, "status", "pl_bg", handle)["status"] == [True, False, 0, 0]
    worker(procs, mserver, "pl_bg", "gated", log)
    wait_for(
        lambda: client(mserver, "status", "pl_bg", handle)["status"] == [True, True, 1, 2],
        "the worker's 1/2 status",
    )
    gate.touch()
    wait_total(mserver, "pl_bg", 0)
    assert client(mserver, "status", "pl_bg", handle)["status"] == [False, False, 0, 0]
    assert read_lines(log) == [f"w {gate}"]


def test_on_fail(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "pl_fail", "fail")
    assert client(mserver, "do", "pl_fail", "x") == {"result": None, "events": [["fail", 0, None]]}
    events = client(mserver, "taskset", "pl_fail", "a", "b")["events"]
    assert sorted(map(tuple, events)) == [("fail", 0, None), ("fail", 1, None)]


def test_exception_with_exceptions_option(mserver: Server, procs: Procs) -> None:
    # Gearman::Worker sends WORK_EXCEPTION and then WORK_FAIL for a job that died; the server
    # refuses the second with an ERROR that ends this worker, so it serves one job only.
    worker(procs, mserver, "pl_die", "die")
    events = client(mserver, "taskset-exc", "pl_die", "x")["events"]
    assert events == [["exception", 0, "perl-boom\n"]]


@pytest.mark.skipif(
    KIND == "gearmand",
    reason="gearmand's WORK_FAIL for an exception carries a stray NUL after the handle, which "
    "Gearman::Client rejects as an unknown handle (deliberate difference 1)",
)
def test_exception_without_option_is_fail(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "pl_die_plain", "die")
    events = client(mserver, "taskset", "pl_die_plain", "x")["events"]
    assert events == [["fail", 0, None]]
