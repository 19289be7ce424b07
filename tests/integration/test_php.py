"""PHP pecl-gearman (libgearman) GearmanClient and GearmanWorker against the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from servers import Server

from .helpers import (
    KIND,
    PHP,
    SCRIPTS,
    Procs,
    read_lines,
    run_json,
    status,
    wait_for,
    wait_total,
    wait_workers,
)

GEARMAN_SUCCESS = 0
GEARMAN_WORK_EXCEPTION = 23
GEARMAN_WORK_FAIL = 24


def worker(
    procs: Procs,
    server: Server,
    function: str,
    mode: str,
    log: Path | None = None,
    timeout_ms: int = 0,
    tag: str = "w",
    wait: bool = True,
    count: int = 1,
) -> None:
    procs.start(
        [
            PHP,
            str(SCRIPTS / "php_worker.php"),
            server.host,
            str(server.port),
            function,
            mode,
            str(log) if log else "-",
            str(timeout_ms),
            tag,
        ]
    )
    if wait:
        wait_workers(server, function, count)


def client(server: Server, action: str, function: str, *args: str) -> Any:
    return run_json(
        [
            PHP,
            str(SCRIPTS / "php_client.php"),
            server.host,
            str(server.port),
            action,
            function,
            *args,
        ]
    )


def events_of(result: dict[str, Any], task: str) -> list[list[Any]]:
    return [[kind, value] for kind, unique, value in result["events"] if unique == task]


def test_do_normal_high_low(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_rev", "reverse")
    for action in ("normal", "high", "low"):
        result = client(mserver, action, "php_rev", f"{action}-payload")
        assert result == {"result": f"daolyap-{action[::-1]}", "code": GEARMAN_SUCCESS}


def test_do_background_variants(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "bg.log"
    handles = [
        client(mserver, action, "php_bg", action)["handle"]
        for action in ("lowbg", "background", "highbg")
    ]
    assert len(set(handles)) == 3
    assert all(h.startswith("H:") for h in handles)
    wait_total(mserver, "php_bg", 3)
    worker(procs, mserver, "php_bg", "reverse", log)
    wait_for(lambda: len(read_lines(log)) == 3, "three background jobs")
    # One worker, queued before it came: HIGH, then NORMAL, then LOW.
    assert read_lines(log) == ["w highbg", "w background", "w lowbg"]


def test_add_task_run_tasks(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_tasks", "reverse")
    worker(procs, mserver, "php_tasks", "reverse", tag="w2")
    wait_workers(mserver, "php_tasks", 2)
    workloads = [f"payload-{i}" for i in range(8)]
    result = client(mserver, "tasks", "php_tasks", *workloads)
    assert result["ok"] is True
    for i, workload in enumerate(workloads):
        assert events_of(result, f"task-{i}") == [["created", None], ["complete", workload[::-1]]]


def test_send_data_reaches_data_callback(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_data", "data")
    result = client(mserver, "tasks", "php_data", "a", "b")
    assert result["ok"] is True
    for i, workload in enumerate(("a", "b")):
        assert events_of(result, f"task-{i}") == [
            ["created", None],
            ["data", f"part-1:{workload}"],
            ["data", f"part-2:{workload}"],
            ["complete", f"done:{workload}"],
        ]
    # doNormal gathers the data packets in front of the result.
    assert client(mserver, "normal", "php_data", "c")["result"] == "part-1:cpart-2:cdone:c"


def test_send_status_reaches_status_callback(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_status", "status")
    result = client(mserver, "tasks", "php_status", "s")
    assert events_of(result, "task-0") == [
        ["created", None],
        ["status", [1, 4]],
        ["status", [3, 4]],
        ["complete", "status-done"],
    ]


def test_job_status_polling_of_background_job(
    mserver: Server, procs: Procs, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    handle = client(mserver, "background", "php_gated", str(gate))["handle"]
    # Queued, no worker yet: known but not running.
    assert client(mserver, "status", "php_gated", handle)["status"] == [True, False, 0, 0]
    worker(procs, mserver, "php_gated", "gated")
    wait_for(
        lambda: client(mserver, "status", "php_gated", handle)["status"] == [True, True, 1, 2],
        "the worker's 1/2 status",
    )
    gate.touch()
    wait_for(
        lambda: client(mserver, "status", "php_gated", handle)["status"] == [False, False, 0, 0],
        "the job to finish",
    )
    assert client(mserver, "status", "php_gated", "H:no-such-handle")["status"] == [
        False,
        False,
        0,
        0,
    ]


def test_exception_with_exceptions_option(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_exc", "exception")
    result = client(mserver, "tasks", "php_exc", "x", "y")
    assert events_of(result, "task-0") == [["created", None], ["exception", "boom:x"]]
    assert events_of(result, "task-1") == [["created", None], ["exception", "boom:y"]]
    result = client(mserver, "normal", "php_exc", "z")
    assert result == {"result": "", "code": GEARMAN_WORK_EXCEPTION}


@pytest.mark.skipif(
    KIND == "gearmand",
    reason="gearmand appends a stray NUL to the WORK_FAIL it makes of an exception, so "
    "libgearman never matches the handle and the client hangs (deliberate difference 1)",
)
def test_exception_without_exceptions_option_is_fail(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_exc_plain", "exception")
    result = client(mserver, "tasks-noexc", "php_exc_plain", "x")
    assert events_of(result, "task-0") == [["created", None], ["fail", None]]
    result = client(mserver, "normal-noexc", "php_exc_plain", "z")
    assert result == {"result": "", "code": GEARMAN_WORK_FAIL}


def test_send_fail(mserver: Server, procs: Procs) -> None:
    worker(procs, mserver, "php_fail", "fail")
    for action in ("tasks", "tasks-noexc"):
        result = client(mserver, action, "php_fail", "x")
        assert events_of(result, "task-0") == [["created", None], ["fail", None]]
    for action in ("normal", "normal-noexc"):
        assert client(mserver, action, "php_fail", "z") == {"result": "", "code": GEARMAN_WORK_FAIL}
    assert status(mserver)["php_fail"] == (0, 0, 1)


def start_timeout_job(procs: Procs, server: Server, function: str, log: Path) -> Any:
    """Worker A registers `function` with a 1000 ms timeout and sleeps 20 s on its job."""
    worker(procs, server, function, "sleep", log, timeout_ms=1000, tag="A")
    waiting = procs.start(
        [
            PHP,
            str(SCRIPTS / "php_client.php"),
            server.host,
            str(server.port),
            "normal",
            function,
            "20",
        ]
    )
    wait_for(lambda: read_lines(log) == ["A 20"], "worker A to take the job")
    return waiting


def test_can_do_timeout_requeues_the_job(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "timeout.log"
    waiting = start_timeout_job(procs, mserver, "php_timeout", log)
    # When A's time is up the job is queued again (A is still busy sleeping).
    wait_for(lambda: status(mserver)["php_timeout"] == (1, 0, 1), "the job to be requeued")
    worker(procs, mserver, "php_timeout", "reverse", log, tag="B", wait=False)
    out, err = waiting.communicate(timeout=15)
    assert waiting.returncode == 0, err
    assert out == '{"result":"02","code":0}'  # B's answer; A's late one never arrives
    assert read_lines(log) == ["A 20", "B 20"]


@pytest.mark.skipif(
    KIND == "gearmand",
    reason="gearmand 1.1.20 requeues a timed-out job without waking sleeping workers "
    "(its CAN_DO_TIMEOUT handling is a deliberate difference, 4)",
)
def test_can_do_timeout_wakes_a_sleeping_worker(
    mserver: Server, procs: Procs, tmp_path: Path
) -> None:
    log = tmp_path / "timeout.log"
    waiting = start_timeout_job(procs, mserver, "php_timeout_wake", log)
    # Worker B arrives while A holds the job and goes to sleep; the requeue must wake it.
    worker(procs, mserver, "php_timeout_wake", "reverse", log, tag="B", count=2)
    out, err = waiting.communicate(timeout=15)
    assert waiting.returncode == 0, err
    assert out == '{"result":"02","code":0}'
    assert read_lines(log) == ["A 20", "B 20"]
