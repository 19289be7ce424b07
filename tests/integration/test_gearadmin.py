"""Every option of the libgearman `gearadmin` tool, checked on what it prints."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from servers import Server

from .helpers import (
    GEARADMIN,
    KIND,
    Procs,
    gearman_args,
    read_lines,
    run,
    wait_for,
    wait_total,
    wait_workers,
)


def gearadmin(server: Server, *args: str) -> tuple[str, str]:
    """Run gearadmin and return (stdout, stderr). It exits 0 even for ERR replies."""
    result = run([GEARADMIN, "-h", server.host, "-p", str(server.port), *args])
    return result.stdout, result.stderr


def lines_of(text: str) -> list[str]:
    lines = text.splitlines()
    assert lines and lines[-1] == ".", f"list reply without its end line: {text!r}"
    return lines[:-1]


def submit_bg(server: Server, function: str, data: str, *flags: str) -> None:
    run([*gearman_args(server), "-b", *flags, "-f", function, data])


def test_help_lists_every_option() -> None:
    out = run([GEARADMIN, "--help"]).stdout
    for option in (
        "--server-version",
        "--server-verbose",
        "--create-function",
        "--cancel-job",
        "--drop-function",
        "--show-unique-jobs",
        "--show-jobs",
        "--getpid",
        "--status",
        "--priority-status",
        "--workers",
    ):
        assert option in out


def test_server_version(mserver: Server) -> None:
    out, err = gearadmin(mserver, "--server-version")
    assert err == ""
    version = out.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version), out
    assert mserver.admin("version").decode() == f"OK {version}\n"
    if KIND == "geargate":
        assert version == "0.1.0"


def test_server_verbose_default(mserver: Server) -> None:
    out, err = gearadmin(mserver, "--server-verbose")
    assert (out, err) == ("ERROR\n", "")


def test_server_verbose_follows_the_flag(start_server: Callable[..., Server]) -> None:
    server = start_server(["--verbose", "WARNING"])
    out, _ = gearadmin(server, "--server-verbose")
    assert out == "WARNING\n"


def test_getpid(mserver: Server) -> None:
    out, err = gearadmin(mserver, "--getpid")
    assert err == ""
    assert out == f"{mserver.proc.pid}\n"


def test_status(mserver: Server, procs: Procs) -> None:
    for i in range(3):
        submit_bg(mserver, "ga_status", f"job{i}")
    out, err = gearadmin(mserver, "--status")
    assert err == ""
    assert "ga_status\t3\t0\t0" in lines_of(out)
    procs.start([*gearman_args(mserver), "-w", "-f", "ga_status_w", "--", "cat"])
    wait_workers(mserver, "ga_status_w")
    out, _ = gearadmin(mserver, "--status")
    lines = lines_of(out)
    assert "ga_status_w\t0\t0\t1" in lines
    for line in lines:
        assert re.fullmatch(r"[^\t]*\t\d+\t\d+\t\d+", line), line


def test_workers(mserver: Server, procs: Procs) -> None:
    procs.start([*gearman_args(mserver), "-w", "-f", "ga_wk_a", "--", "cat"])
    wait_workers(mserver, "ga_wk_a")
    out, err = gearadmin(mserver, "--workers")
    assert err == ""
    lines = lines_of(out)
    for line in lines:
        assert re.fullmatch(r"\d+ 127\.0\.0\.1 \S+ :( \S+)*", line), line
    worker_lines = [line for line in lines if line.endswith(" : ga_wk_a")]
    assert len(worker_lines) == 1
    assert worker_lines[0].split(" ")[2] == "-"  # the gearman tool sets no client id
    # gearadmin's own connection is listed too, with no functions.
    assert any(line.endswith(" :") for line in lines)


def test_priority_status(mserver: Server) -> None:
    submit_bg(mserver, "ga_prio", "h1", "-I")
    for i in range(2):
        submit_bg(mserver, "ga_prio", f"n{i}")
    for i in range(3):
        submit_bg(mserver, "ga_prio", f"l{i}", "-L")
    out, err = gearadmin(mserver, "--priority-status")
    assert err == ""
    lines = lines_of(out)
    assert "ga_prio\t1\t2\t3\t0" in lines
    for line in lines:
        assert re.fullmatch(r"[^\t]*\t\d+\t\d+\t\d+\t\d+", line), line


def test_show_jobs_and_unique_jobs(mserver: Server) -> None:
    submit_bg(mserver, "ga_show", "one", "-u", "ga-unique-1")
    submit_bg(mserver, "ga_show", "two", "-u", "ga-unique-2")
    out, err = gearadmin(mserver, "--show-jobs")
    assert err == ""
    jobs = [line.split("\t") for line in lines_of(out)]
    assert len(jobs) >= 2
    for job in jobs:
        assert len(job) == 4 and job[0], job
    # Background jobs are marked as queued (persisted): last column 1.
    assert sum(1 for job in jobs if job[1:] == ["0", "0", "1"]) >= 2
    out, err = gearadmin(mserver, "--show-unique-jobs")
    assert err == ""
    uniques = lines_of(out)
    assert "ga-unique-1" in uniques
    assert "ga-unique-2" in uniques


def test_cancel_job(start_server: Callable[..., Server], procs: Procs, tmp_path: Path) -> None:
    server = start_server()
    submit_bg(server, "ga_cancel", "keep-1")
    submit_bg(server, "ga_cancel", "drop-me")
    submit_bg(server, "ga_cancel", "keep-2")
    handles = [line.split("\t")[0] for line in lines_of(gearadmin(server, "--show-jobs")[0])]
    assert len(handles) == 3
    # Handles are numbered in submit order on both servers; the middle one is "drop-me".
    victim = sorted(handles, key=lambda h: int(re.sub(r"\D", "", h.rsplit(":", 1)[-1])))[1]
    out, err = gearadmin(server, "--cancel-job", victim)
    assert (out, err) == ("OK\n", "")
    out, err = gearadmin(server, "--cancel-job", victim + "-no-such")
    assert out == ""
    assert "UNKNOWN_JOB" in err
    log = tmp_path / "ran.log"
    procs.start(
        [
            *gearman_args(server),
            "-w",
            "-f",
            "ga_cancel",
            "--",
            "sh",
            "-c",
            'cat >> "$0"; echo >> "$0"',
            str(log),
        ]
    )
    wait_for(lambda: len(read_lines(log)) >= 2, "the two remaining jobs to run")
    wait_total(server, "ga_cancel", 0)
    assert read_lines(log) == ["keep-1", "keep-2"]


def test_create_and_drop_function(mserver: Server) -> None:
    out, err = gearadmin(mserver, "--create-function", "ga_created")
    assert (out, err) == ("OK\n", "")
    assert "ga_created\t0\t0\t0" in lines_of(gearadmin(mserver, "--status")[0])
    out, err = gearadmin(mserver, "--drop-function", "ga_created")
    assert (out, err) == ("OK\n", "")
    names = [line.split("\t")[0] for line in lines_of(gearadmin(mserver, "--status")[0])]
    assert "ga_created" not in names
    out, err = gearadmin(mserver, "--drop-function", "ga_created")
    assert out == ""
    assert "function not found" in err


def test_drop_function_with_worker_is_refused(mserver: Server, procs: Procs) -> None:
    procs.start([*gearman_args(mserver), "-w", "-f", "ga_busy", "--", "cat"])
    wait_workers(mserver, "ga_busy")
    out, err = gearadmin(mserver, "--drop-function", "ga_busy")
    assert out == ""
    assert "there are still connected workers or executing clients" in err
    names = [line.split("\t")[0] for line in lines_of(gearadmin(mserver, "--status")[0])]
    assert "ga_busy" in names
