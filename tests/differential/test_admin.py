"""Differential tests of the admin text protocol (§4.2 of the protocol notes).

Listings show the whole server, so every scenario here gets a fresh gearmand and geargate.
Replies whose line order is unspecified (`status`, `prioritystatus`, `workers`, `show jobs`,
`show unique jobs`) are compared with their lines sorted; `workers` also loses its fd column.
"""

from __future__ import annotations

import re

import pytest

from gearman_core.protocol import PacketType as T

from .wire import NOTHING, Wire, check, check_each, handle_of, pk
from .wire import text as t

pytestmark = pytest.mark.timeout(60)

OK = t(b"OK\r\n")


def created(n: int) -> str:
    return pk(T.JOB_CREATED, b"H:#%d" % n)


def unknown(command: bytes) -> str:
    return t(b"ERR UNKNOWN_COMMAND Unknown+server+command" + command + b"\r\n")


def incomplete(command: bytes) -> str:
    return t(
        b"ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+"
        + command
        + b"\r\n"
    )


# -- status and prioritystatus ---------------------------------------------------------------------


def populate(w: Wire) -> None:
    """Functions in every state: created only, queued jobs, running job, workers, listeners."""
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB_BG, b"queued", b"", b"1")
    client.send_req(T.SUBMIT_JOB_HIGH_BG, b"queued", b"", b"2")
    client.send_req(T.SUBMIT_JOB_LOW, b"queued", b"", b"3")
    client.send_req(T.SUBMIT_JOB_LOW_BG, b"queued", b"", b"4")
    client.send_req(T.SUBMIT_JOB, b"running", b"", b"5")
    client.send_req(T.SUBMIT_JOB_HIGH, b"running", b"", b"6")
    client.unrecorded_sync()
    worker = w.connect("worker")
    worker.send_req(T.CAN_DO, b"running")
    worker.send_req(T.CAN_DO, b"worked")
    worker.send_req(T.CAN_DO, b"worked")
    worker.send_req(T.GRAB_JOB)
    worker.unrecorded_packet()
    other = w.connect("other")
    other.send_req(T.CAN_DO_TIMEOUT, b"worked", b"5000")
    other.unrecorded_sync()
    client.admin(b"create function made\r\n")


def status(w: Wire) -> None:
    populate(w)
    admin = w.connect("admin")
    admin.admin(b"status\r\n", unordered=True)
    admin.admin(b"prioritystatus\r\n", unordered=True)
    admin.admin(b"STATUS\n", unordered=True)
    admin.admin(b"PriorityStatus extra words\r\n", unordered=True)


def test_status_and_prioritystatus() -> None:
    listing = t(b"made\t0\t0\t0\nqueued\t4\t0\t0\nrunning\t2\t1\t1\nworked\t0\t0\t3\n.\n")
    priorities = t(
        b"made\t0\t0\t0\t0\nqueued\t1\t1\t2\t0\nrunning\t0\t1\t0\t1\nworked\t0\t0\t0\t3\n.\n"
    )
    check(status, expected=[OK, listing, priorities, listing, priorities])


def status_empty(w: Wire) -> None:
    admin = w.connect()
    admin.admin(b"status\r\n")
    admin.admin(b"prioritystatus\n")
    admin.admin(b"show jobs\r\n")
    admin.admin(b"show unique jobs\r\n")


def test_listings_on_empty_server() -> None:
    check(status_empty, expected=[t(b".\n")] * 4)


# -- workers ---------------------------------------------------------------------------------------


def workers(w: Wire) -> None:
    admin = w.connect("admin")
    admin.admin(b"workers\r\n", fd_column=True)
    worker = w.connect("worker")
    worker.send_req(T.SET_CLIENT_ID, b"my-worker")
    worker.send_req(T.CAN_DO, b"fa")
    worker.unrecorded_sync()
    timed = w.connect("timed")
    timed.send_req(T.CAN_DO_TIMEOUT, b"fc", b"100")
    timed.unrecorded_sync()
    spaced = w.connect("spaced")
    spaced.send_req(T.SET_CLIENT_ID, b"id with spaces")
    spaced.unrecorded_sync()
    renamed = w.connect("renamed")
    renamed.send_req(T.SET_CLIENT_ID, b"first")
    renamed.send_req(T.SET_CLIENT_ID, b"second")
    renamed.unrecorded_sync()
    admin.admin(b"workers\r\n", fd_column=True)
    # Giving a function up removes it from the line.
    worker.send_req(T.CANT_DO, b"fa")
    worker.unrecorded_sync()
    timed.send_req(T.RESET_ABILITIES)
    timed.unrecorded_sync()
    admin.admin(b"WORKERS\n", fd_column=True)


def test_workers() -> None:
    check(
        workers,
        expected=[
            t(b"# 127.0.0.1 - :\n.\n"),
            t(
                b"# 127.0.0.1 - :\n# 127.0.0.1 - : fc\n# 127.0.0.1 id with spaces :\n"
                b"# 127.0.0.1 my-worker : fa\n# 127.0.0.1 second :\n.\n"
            ),
            t(
                b"# 127.0.0.1 - :\n# 127.0.0.1 - :\n# 127.0.0.1 id with spaces :\n"
                b"# 127.0.0.1 my-worker :\n# 127.0.0.1 second :\n.\n"
            ),
        ],
    )


def multi_function_worker(w: Wire) -> None:
    worker = w.connect("worker")
    worker.send_req(T.SET_CLIENT_ID, b"multi")
    worker.send_req(T.CAN_DO, b"fa")
    worker.send_req(T.CAN_DO, b"fb")
    worker.send_req(T.CAN_DO, b"fa")
    worker.send_req(T.CAN_DO_TIMEOUT, b"fc", b"100")
    worker.unrecorded_sync()
    admin = w.connect("admin")
    admin.admin(b"workers\r\n", fd_column=True)
    worker.send_req(T.CANT_DO, b"fa")
    worker.unrecorded_sync()
    admin.admin(b"workers\r\n", fd_column=True)


def test_workers_function_order() -> None:
    """gearmand lists a connection's functions newest first, duplicates repeated."""
    check(
        multi_function_worker,
        expected=[
            t(b"# 127.0.0.1 - :\n# 127.0.0.1 multi : fc fa fb fa\n.\n"),
            t(b"# 127.0.0.1 - :\n# 127.0.0.1 multi : fc fb\n.\n"),
        ],
    )


# -- show jobs / show unique jobs ------------------------------------------------------------------


def show_jobs(w: Wire) -> None:
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB_BG, b"sj", b"bg_u", b"1")
    client.send_req(T.SUBMIT_JOB, b"sj", b"fg_u", b"2")
    client.send_req(T.SUBMIT_JOB_LOW, b"sj", b"", b"3")
    client.send_req(T.SUBMIT_JOB_HIGH, b"sj", b"-", b"4")
    client.send_req(T.SUBMIT_JOB_EPOCH, b"sj2", b"ep_u", b"0", b"5")
    client.send_req(T.SUBMIT_REDUCE_JOB, b"sj2", b"red_u", b"r", b"", b"6")
    client.send_req(T.SUBMIT_JOB_BG, b"sj3", b"bg_u", b"7")
    client.packets(7)
    # The HIGH job is given up by its worker once (retry count 1), one is running.
    lost = w.connect("lost")
    lost.send_req(T.CAN_DO, b"sj")
    lost.send_req(T.GRAB_JOB)
    lost.packet()
    lost.send_req(T.CANT_DO, b"sj")
    lost.unrecorded_sync()
    runner = w.connect("runner")
    runner.send_req(T.CAN_DO, b"sj2")
    runner.send_req(T.GRAB_JOB)
    runner.packet()
    admin = w.connect("admin")
    admin.admin(b"show jobs\r\n", unordered=True)
    admin.admin(b"show unique jobs\r\n", unordered=True)
    admin.admin(b"SHOW JOBS\n", unordered=True)
    admin.admin(b"Show Unique Jobs\n", unordered=True)


def test_show_jobs() -> None:
    jobs = t(
        b"H:#1\t0\t0\t1\nH:#2\t0\t0\t0\nH:#3\t0\t0\t0\nH:#4\t1\t0\t0\n"
        b"H:#5\t0\t0\t1\nH:#6\t0\t0\t0\nH:#7\t0\t0\t1\n.\n"
    )
    uniques = t(b"\n-\nbg_u\nbg_u\nep_u\nfg_u\nred_u\n.\n")
    check(
        show_jobs,
        expected=[
            *[created(n) for n in range(1, 8)],
            pk(T.JOB_ASSIGN, b"H:#4\0sj\x004"),
            pk(T.JOB_ASSIGN, b"H:#5\0sj2\x005"),
            jobs,
            uniques,
            jobs,
            uniques,
        ],
    )


def show_arguments(w: Wire) -> None:
    admin = w.connect()
    for line in [
        b"show\r\n",
        b"show foo\r\n",
        b"show unique\r\n",
        b"show unique foo\r\n",
        b"show jobs x\r\n",
        b"show unique jobs x\r\n",
        b"show  jobs\r\n",
        b"SHOW\n",
    ]:
        admin.admin(line)


def test_show_arguments() -> None:
    check(show_arguments)


# -- cancel job ------------------------------------------------------------------------------------


def cancel_job(w: Wire) -> None:
    client, other = w.connect("client"), w.connect("other")
    client.send_req(T.SUBMIT_JOB, b"cancel_fn", b"cu", b"x")
    handle = handle_of(client.packet())
    other.send_req(T.SUBMIT_JOB, b"cancel_fn", b"cu", b"x")
    other.packet()
    client.send_req(T.SUBMIT_JOB_BG, b"cancel_fn", b"", b"keep")
    client.packet()
    admin = w.connect("admin")
    admin.admin(b"cancel job " + handle + b"\r\n")
    client.sync()
    other.sync()
    # The cancelled job is never handed out; the other one is.
    worker = w.connect("worker")
    worker.send_req(T.CAN_DO, b"cancel_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    for line in [
        b"cancel job H:nope:1\r\n",
        b"cancel job " + handle + b"x\r\n",
        b"cancel\r\n",
        b"cancel job\r\n",
        b"cancel foo bar\r\n",
        b"cancel job a b\r\n",
        b"cancel job a b c\r\n",
        b"CANCEL JOB H:nope:2\n",
    ]:
        admin.admin(line)


def test_cancel_job() -> None:
    check(
        cancel_job,
        expected=[
            created(1),
            created(1),
            created(2),
            OK,
            pk(T.WORK_FAIL, b"H:#1"),
            pk(T.WORK_FAIL, b"H:#1"),
            pk(T.JOB_ASSIGN, b"H:#2\0cancel_fn\0keep"),
            pk(T.NO_JOB),
            pk(T.STATUS_RES, b"H:#1\x000\x000\x000\x000"),
            t(b"ERR UNKNOWN_JOB\r\n"),
            t(b"ERR UNKNOWN_JOB\r\n"),
            unknown(b"cancel"),
            unknown(b"cancel"),
            t(b"ERR UNKNOWN_ERROR\r\n"),
            t(b"ERR UNKNOWN_ERROR\r\n"),
            t(b"ERR UNKNOWN_ERROR\r\n"),
            t(b"ERR UNKNOWN_JOB\r\n"),
        ],
    )


def cancel_then_status(w: Wire) -> None:
    """What the listings and GET_STATUS say about a cancelled job before a worker reaches it."""
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB, b"cancel2", b"c2", b"x")
    handle = handle_of(client.packet())
    admin = w.connect("admin")
    admin.admin(b"cancel job " + handle + b"\r\n")
    client.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    admin.admin(b"status\r\n", unordered=True)
    admin.admin(b"show jobs\r\n", unordered=True)
    admin.admin(b"cancel job " + handle + b"\r\n")
    client.sync()


def test_cancel_then_status_deliberate_difference() -> None:
    """Deliberate difference 5/6: geargate forgets a cancelled job at once; gearmand keeps it
    flagged "ignore" until a worker reaches it, and a second cancel fails the listener again."""
    shared = [created(1), OK, pk(T.WORK_FAIL, b"H:#1")]
    check_each(
        cancel_then_status,
        {
            "gearmand": [
                *shared,
                pk(T.STATUS_RES, b"H:#1\x001\x000\x000\x000"),
                t(b"cancel2\t1\t0\t0\n.\n"),
                t(b"H:#1\t0\t1\t0\n.\n"),
                OK,
                pk(T.WORK_FAIL, b"H:#1"),
            ],
            "geargate": [
                *shared,
                pk(T.STATUS_RES, b"H:#1\x000\x000\x000\x000"),
                t(b"cancel2\t0\t0\t0\n.\n"),
                t(b".\n"),
                t(b"ERR UNKNOWN_JOB\r\n"),
                NOTHING,
            ],
        },
    )


# -- create / drop function ------------------------------------------------------------------------


def create_function(w: Wire) -> None:
    admin = w.connect()
    admin.admin(b"create function xyz\r\n")
    admin.admin(b"CREATE FUNCTION Mixed\r\n")
    admin.admin(b"create function xyz\r\n")
    for line in [
        b"create\r\n",
        b"create function\r\n",
        b"create foo xyz\r\n",
        b"create function a b\r\n",
        b"create function a b c\r\n",
    ]:
        admin.admin(line)
    admin.admin(b"status\r\n", unordered=True)


def test_create_function() -> None:
    bad = incomplete(b"create")
    check(
        create_function,
        expected=[OK, OK, OK, bad, bad, bad, bad, bad, t(b"Mixed\t0\t0\t0\nxyz\t0\t0\t0\n.\n")],
    )


def create_bare_lf(w: Wire) -> None:
    admin = w.connect()
    admin.admin(b"create function abc\n")
    admin.admin(b"status\n", unordered=True)


def test_create_function_bare_lf_deliberate_difference() -> None:
    """Deliberate difference 8: gearmand cuts the last character of a LF-terminated name."""
    own = {
        "gearmand": [OK, t(b"ab\t0\t0\t0\n.\n")],
        "geargate": [OK, t(b"abc\t0\t0\t0\n.\n")],
    }
    check_each(create_bare_lf, own)


def drop_function(w: Wire) -> None:
    admin = w.connect("admin")
    admin.admin(b"drop function nope\r\n")
    admin.admin(b"create function empty_fn\r\n")
    admin.admin(b"create function Upper_Fn\r\n")
    worker = w.connect("worker")
    worker.send_req(T.CAN_DO, b"busy_fn")
    worker.unrecorded_sync()
    admin.admin(b"drop function busy_fn\r\n")
    # A running job keeps the function busy even once the worker gave up other functions.
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB, b"run_fn", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"run_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    admin.admin(b"drop function run_fn\r\n")
    worker.send_req(T.WORK_COMPLETE, handle, b"")
    worker.send_req(T.CANT_DO, b"run_fn")
    worker.send_req(T.CANT_DO, b"busy_fn")
    worker.sync()
    client.packet()
    admin.admin(b"drop function run_fn\r\n")
    admin.admin(b"drop function busy_fn\r\n")
    admin.admin(b"drop function empty_fn\r\n")
    admin.admin(b"drop function empty_fn\r\n")
    admin.admin(b"drop function upper_fn\r\n")
    admin.admin(b"DROP FUNCTION nope\n")
    for line in [
        b"drop\r\n",
        b"drop function\r\n",
        b"drop foo bar\r\n",
        b"drop function a b\r\n",
    ]:
        admin.admin(line)
    admin.admin(b"status\r\n", unordered=True)


def test_drop_function() -> None:
    not_found = t(b"ERR function not found\r\n")
    busy = t(b"ERR there are still connected workers or executing clients\r\n")
    bad = incomplete(b"drop")
    check(
        drop_function,
        expected=[
            not_found,
            OK,
            OK,
            busy,
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0run_fn\0x"),
            busy,
            NOTHING,
            pk(T.WORK_COMPLETE, b"H:#1\0"),
            OK,
            OK,
            OK,
            not_found,
            OK,
            not_found,
            bad,
            bad,
            bad,
            bad,
            t(b".\n"),
        ],
    )


def drop_with_queued_jobs(w: Wire) -> None:
    client = w.connect()
    client.send_req(T.SUBMIT_JOB_BG, b"queued_fn", b"", b"x")
    client.packet()
    client.admin(b"drop function queued_fn\r\n")


def test_drop_function_with_queued_jobs_deliberate_difference() -> None:
    """Deliberate difference 7: geargate refuses to drop a function with queued jobs."""
    own = {
        "gearmand": [created(1), OK],
        "geargate": [created(1), t(b"ERR there are still queued jobs\r\n")],
    }
    check_each(drop_with_queued_jobs, own)


# -- maxqueue, verbose, getpid, version ------------------------------------------------------------


def maxqueue_shapes(w: Wire) -> None:
    admin = w.connect()
    for line in [
        b"maxqueue\r\n",
        b"maxqueue mq\r\n",
        b"maxqueue mq 1\r\n",
        b"maxqueue mq 1 2\r\n",
        b"maxqueue mq 1 2 3\r\n",
        b"maxqueue mq x y z\r\n",
        b"MAXQUEUE mq 5\n",
    ]:
        admin.admin(line)


def test_maxqueue_shapes() -> None:
    check(maxqueue_shapes, expected=[incomplete(b"maxqueue"), OK, OK, OK, OK, OK, OK])


def info_commands(w: Wire) -> None:
    admin = w.connect()
    admin.admin(b"verbose\r\n")
    admin.admin(b"VERBOSE extra\n")
    pid = admin.unrecorded_admin(b"getpid\r\n")
    w.note(b"getpid matches" if pid == b"OK %d\n" % w.server.proc.pid else b"getpid: " + pid)
    version = admin.unrecorded_admin(b"version\r\n")
    shape = re.fullmatch(rb"OK [0-9][0-9A-Za-z.+~-]*\n", version)
    w.note(b"version shape ok" if shape else b"version: " + version)


def test_verbose_getpid_version() -> None:
    check(
        info_commands,
        expected=[
            t(b"OK ERROR\n"),
            t(b"OK ERROR\n"),
            t(b"getpid matches"),
            t(b"version shape ok"),
        ],
    )


def verbose_level(w: Wire) -> None:
    w.connect().admin(b"verbose\r\n")


@pytest.mark.parametrize("level", ["INFO", "WARNING", "DEBUG"])
def test_verbose_level(level: str) -> None:
    check(verbose_level, args=("--verbose", level), expected=[t(b"OK %s\n" % level.encode())])


# -- unknown commands and line parsing -------------------------------------------------------------


def unknown_commands(w: Wire) -> None:
    admin = w.connect()
    for line in [
        b"foo\r\n",
        b"foo bar baz\r\n",
        b"\r\n",
        b"\n",
        b" status\r\n",
        b"  workers\r\n",
        b"status\t\r\n",
        b"fo%o+x\r\n",
        b"shutdown\r\n",
        b"shutdown graceful\r\n",
        b"SHUTDOWN\r\n",
        b"gladiator\r\n",
        b"status \r\n",
        b"status  extra   words \r\n",
    ]:
        admin.admin(line)
    admin.send_req(T.ECHO_REQ, b"still open")
    admin.packet()


def test_unknown_commands_and_parsing() -> None:
    check(
        unknown_commands,
        expected=[
            unknown(b"foo"),
            unknown(b"foo"),
            unknown(b""),
            unknown(b""),
            unknown(b""),
            unknown(b""),
            unknown(b"status\t"),
            unknown(b"fo%o+x"),
            unknown(b"shutdown"),
            unknown(b"shutdown"),
            unknown(b"SHUTDOWN"),
            unknown(b"gladiator"),
            t(b".\n"),
            t(b".\n"),
            pk(T.ECHO_RES, b"still open"),
        ],
    )


def pipelined_admin(w: Wire) -> None:
    admin = w.connect()
    admin.send(b"create function p1\r\nstatus\nfoo\r\nmaxqueue p1 3\r\nverbose\nshow foo\r\n")
    for _ in range(6):
        admin.admin_reply()


def test_pipelined_admin_lines() -> None:
    check(
        pipelined_admin,
        expected=[
            OK,
            t(b"p1\t0\t0\t0\n.\n"),
            unknown(b"foo"),
            OK,
            t(b"OK ERROR\n"),
            t(b"ERR UNKNOWN_SHOW_ARGUMENTS\r\n"),
        ],
    )


def odd_names(w: Wire) -> None:
    worker = w.connect("worker")
    worker.send_req(T.SET_CLIENT_ID, b"i" * 200)
    worker.send_req(T.CAN_DO, b"")
    worker.send_req(T.CAN_DO, b"with space")
    worker.unrecorded_sync()
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB_BG, b"", b"", b"x")
    client.packet()
    client.admin(b"workers\r\n", fd_column=True)
    client.admin(b"status\r\n", unordered=True)
    client.admin(b"prioritystatus\r\n", unordered=True)
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_long_client_id_and_odd_function_names() -> None:
    check(odd_names)


def other_commands_bare_lf(w: Wire) -> None:
    admin = w.connect()
    admin.admin(b"create function abc\r\n")
    admin.admin(b"create function abd\r\n")
    admin.admin(b"drop function abc\n")
    admin.admin(b"drop function ab\n")
    admin.admin(b"maxqueue abd 1\n")
    admin.admin(b"cancel job H:x\n")
    admin.admin(b"status\n", unordered=True)


def test_other_commands_with_bare_lf() -> None:
    """Only `create function` has the bare-LF quirk; drop, maxqueue and cancel read names whole."""
    not_found = t(b"ERR function not found\r\n")
    check(
        other_commands_bare_lf,
        expected=[OK, OK, OK, not_found, OK, t(b"ERR UNKNOWN_JOB\r\n"), t(b"abd\t0\t0\t0\n.\n")],
    )
