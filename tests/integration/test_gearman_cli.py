"""The libgearman `gearman` command line tool as client and as worker against the server."""

from __future__ import annotations

import hashlib
from pathlib import Path

from servers import Server

from .helpers import (
    Procs,
    finish,
    gearman_args,
    read_lines,
    run,
    status,
    wait_for,
    wait_running,
    wait_total,
    wait_workers,
)


def start_worker(procs: Procs, server: Server, function: str, *command: str) -> None:
    procs.start([*gearman_args(server), "-w", "-f", function, "--", *command])
    wait_workers(server, function)


def recorder(log: Path) -> list[str]:
    """A shell worker command that appends each workload as one line to `log`, echoing it."""
    return ["sh", "-c", 'data=$(cat); echo "$data" >> "$0"; printf "%s" "$data"', str(log)]


def test_foreground_job_through_rev_worker(mserver: Server, procs: Procs) -> None:
    start_worker(procs, mserver, "cli_rev", "rev")
    result = run([*gearman_args(mserver), "-f", "cli_rev", "hello world"])
    assert result.stdout == "dlrow olleh"
    # Data from standard input (no data argument) is the workload as well.
    result = run([*gearman_args(mserver), "-f", "cli_rev"], input="stdin-data")
    assert result.stdout == "atad-nidts"
    assert status(mserver)["cli_rev"] == (0, 0, 1)


def test_worker_output_of_wc(mserver: Server, procs: Procs) -> None:
    start_worker(procs, mserver, "cli_wc", "wc", "-c")
    result = run([*gearman_args(mserver), "-f", "cli_wc", "x" * 1000])
    assert result.stdout.strip() == "1000"


def test_large_workload(mserver: Server, procs: Procs) -> None:
    # The gearman worker writes the whole workload to its command before reading the output, so
    # the command must answer briefly: a digest of about 1.2 MB of input.
    start_worker(procs, mserver, "cli_sha", "sha256sum")
    payload = "".join(f"line {i:06d} {'z' * 50}\n" for i in range(20000))
    result = run([*gearman_args(mserver), "-f", "cli_sha"], input=payload)
    assert result.stdout.split()[0] == hashlib.sha256(payload.encode()).hexdigest()


def test_background_job_runs_later(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "bg.log"
    result = run([*gearman_args(mserver), "-b", "-f", "cli_bg", "payload-1"])
    assert result.stdout == ""
    wait_total(mserver, "cli_bg", 1)
    assert status(mserver)["cli_bg"] == (1, 0, 0)
    start_worker(procs, mserver, "cli_bg", *recorder(log))
    wait_for(lambda: read_lines(log) == ["payload-1"], "background job to run")
    wait_total(mserver, "cli_bg", 0)


def test_unique_coalesces_background_jobs(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "uniq.log"
    for data in ("first", "second"):
        run([*gearman_args(mserver), "-b", "-u", "same-key", "-f", "cli_uniq", data])
    run([*gearman_args(mserver), "-b", "-u", "other-key", "-f", "cli_uniq", "third"])
    assert status(mserver)["cli_uniq"][0] == 2
    uniques = mserver.admin("show unique jobs").decode().splitlines()
    assert "same-key" in uniques
    assert "other-key" in uniques
    start_worker(procs, mserver, "cli_uniq", *recorder(log))
    wait_for(lambda: len(read_lines(log)) == 2, "two unique jobs to run")
    # The second submit with the same unique joined the first job: its data never ran.
    assert sorted(read_lines(log)) == ["first", "third"]
    # Once finished, the unique is free again and a new submit makes a new job.
    result = run([*gearman_args(mserver), "-u", "same-key", "-f", "cli_uniq", "again"])
    assert result.stdout == "again"
    assert sorted(read_lines(log)) == ["again", "first", "third"]


def test_priorities_with_background_jobs(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "prio.log"
    base = [*gearman_args(mserver), "-b", "-f", "cli_prio"]
    run([*base, "-L", "low-1"])
    run([*base, "normal-1"])
    run([*base, "-I", "high-1"])
    run([*base, "-L", "low-2"])
    run([*base, "-I", "high-2"])
    run([*base, "normal-2"])
    prio = mserver.admin("prioritystatus").decode().splitlines()
    assert "cli_prio\t2\t2\t2\t0" in prio
    start_worker(procs, mserver, "cli_prio", *recorder(log))
    wait_for(lambda: len(read_lines(log)) == 6, "six jobs to run")
    assert read_lines(log) == ["high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2"]


def test_foreground_high_and_low(mserver: Server, procs: Procs) -> None:
    start_worker(procs, mserver, "cli_fgprio", "rev")
    for flag in ("-I", "-L"):
        result = run([*gearman_args(mserver), flag, "-f", "cli_fgprio", f"job{flag}"])
        assert result.stdout == f"{flag[::-1]}boj"


def test_two_hundred_jobs_one_per_line(mserver: Server, procs: Procs) -> None:
    start_worker(procs, mserver, "cli_many", "rev")
    start_worker(procs, mserver, "cli_many", "rev")
    wait_workers(mserver, "cli_many", 2)
    lines = [f"item-{i:03d}" for i in range(200)]
    # -n: one job per input line (newline included), so rev answers one line per job.
    result = run(
        [*gearman_args(mserver), "-n", "-f", "cli_many"], input="".join(f"{x}\n" for x in lines)
    )
    assert sorted(result.stdout.splitlines()) == sorted(x[::-1] for x in lines)
    assert status(mserver)["cli_many"] == (0, 0, 2)


def test_two_hundred_background_jobs(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    log = tmp_path / "many.log"
    lines = [f"bg-{i:03d}" for i in range(200)]
    run(
        [*gearman_args(mserver), "-b", "-N", "-f", "cli_manybg"],
        input="".join(f"{x}\n" for x in lines),
    )
    wait_total(mserver, "cli_manybg", 200)
    start_worker(procs, mserver, "cli_manybg", *recorder(log))
    wait_for(lambda: len(read_lines(log)) == 200, "200 background jobs to run", timeout=60)
    assert read_lines(log) == lines  # one worker, FIFO within one priority
    wait_total(mserver, "cli_manybg", 0)


def test_worker_killed_mid_job_requeues(mserver: Server, procs: Procs, tmp_path: Path) -> None:
    started = tmp_path / "started"
    slow = procs.start(
        [
            *gearman_args(mserver),
            "-w",
            "-f",
            "cli_crash",
            "--",
            "sh",
            "-c",
            'touch "$0"; sleep 60',
            str(started),
        ],
    )
    wait_workers(mserver, "cli_crash")
    client = procs.start([*gearman_args(mserver), "-f", "cli_crash", "precious"])
    wait_for(started.exists, "the first worker to start the job")
    wait_running(mserver, "cli_crash")
    procs.kill(slow)  # SIGKILL to the worker and its shell child
    # The job goes back to the queue; a fresh worker finishes it and the client gets that result.
    wait_for(lambda: status(mserver)["cli_crash"] == (1, 0, 0), "the job to be requeued")
    start_worker(procs, mserver, "cli_crash", "rev")
    code, out, err = finish(client)
    assert code == 0, err
    assert out == "suoicerp"
    wait_total(mserver, "cli_crash", 0)
    assert mserver.admin("show jobs") == b".\n"
