"""Differential tests of job life cycles: assignment, forwarding, sleeping, coalescing, requeue.

Scenarios that run on the module's shared servers use their own function names. Those that
need other flags (`-w 1`, `--job-retries 2`, `--exceptions`) start their own pair.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gearman_core.protocol import PacketType as T

from .wire import NOTHING, Servers, Wire, check, check_each, handle_of, pk, pks, text

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def shared() -> Iterator[Servers]:
    servers = Servers()
    try:
        yield servers
    finally:
        servers.stop()


def err(code: bytes, message: bytes) -> str:
    return pk(T.ERROR, code + b"\0" + message)


NOT_FOUND_RESULT = err(b"JOB_NOT_FOUND", b"Job given in work result not found")


def created(n: int) -> str:
    return pk(T.JOB_CREATED, b"H:#%d" % n)


# -- full cycles -----------------------------------------------------------------------------------


def foreground_cycle(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB, b"cycle_fn", b"cycle_u", b"the data")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"cycle_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_DATA, handle, b"part\0one")
    worker.send_req(T.WORK_WARNING, handle, b"careful")
    worker.send_req(T.WORK_STATUS, handle, b"1", b"2")
    worker.send_req(T.WORK_DATA, handle, b"")
    worker.sync()
    client.packets(4)
    worker.send_req(T.WORK_COMPLETE, handle, b"result\0with nul")
    worker.sync()
    client.packet()
    client.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    # The finished job freed its unique: the same submit makes a new job.
    client.send_req(T.SUBMIT_JOB, b"cycle_fn", b"cycle_u", b"second")
    client.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_FAIL, handle_of(w.transcript[-2]))
    worker.sync()
    client.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_foreground_cycle(shared: Servers) -> None:
    check(
        foreground_cycle,
        shared,
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0cycle_fn\0the data"),
            NOTHING,
            pk(T.WORK_DATA, b"H:#1\0part\0one"),
            pk(T.WORK_WARNING, b"H:#1\0careful"),
            pk(T.WORK_STATUS, b"H:#1\x001\x002"),
            pk(T.WORK_DATA, b"H:#1\0"),
            NOTHING,
            pk(T.WORK_COMPLETE, b"H:#1\0result\0with nul"),
            NOTHING,
            pk(T.STATUS_RES, b"H:#1\x000\x000\x000\x000"),
            created(2),
            pk(T.JOB_ASSIGN, b"H:#2\0cycle_fn\0second"),
            NOTHING,
            pk(T.WORK_FAIL, b"H:#2"),
            pk(T.NO_JOB),
        ],
    )


def grab_uniq_and_all(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB_BG, b"grab_fn", b"gu1", b"d1")
    client.send_req(T.SUBMIT_JOB_BG, b"grab_fn", b"", b"d2")
    client.send_req(T.SUBMIT_REDUCE_JOB, b"grab_fn", b"gu3", b"reducer_fn", b"agg", b"map\0data")
    client.send_req(T.SUBMIT_REDUCE_JOB_BACKGROUND, b"grab_fn", b"gu4", b"red2", b"", b"bgmap")
    client.send_req(T.SUBMIT_JOB_BG, b"grab_fn", b"gu5", b"plain")
    client.send_req(T.SUBMIT_REDUCE_JOB, b"grab_fn", b"gu6", b"red3", b"", b"by plain grab")
    client.packets(6)
    worker.send_req(T.CAN_DO, b"grab_fn")
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.send_req(T.GRAB_JOB)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.packets(8)
    handles = [handle_of(entry) for entry in w.transcript[:6]]
    for handle in handles:
        worker.send_req(T.WORK_COMPLETE, handle, b"ok")
    worker.sync()
    client.sync()


def test_grab_uniq_and_all(shared: Servers) -> None:
    check(
        grab_uniq_and_all,
        shared,
        expected=[
            *[created(n) for n in range(1, 7)],
            pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0grab_fn\0gu1\0d1"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#2\0grab_fn\0\0d2"),
            pk(T.JOB_ASSIGN_ALL, b"H:#3\0grab_fn\0gu3\0reducer_fn\0map\0data"),
            pk(T.JOB_ASSIGN_ALL, b"H:#4\0grab_fn\0gu4\0red2\0bgmap"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#5\0grab_fn\0gu5\0plain"),
            pk(T.JOB_ASSIGN, b"H:#6\0grab_fn\0by plain grab"),
            pk(T.NO_JOB),
            pk(T.NO_JOB),
            NOTHING,
            pks((T.WORK_COMPLETE, b"H:#3\0ok"), (T.WORK_COMPLETE, b"H:#6\0ok")),
        ],
    )


def exceptions_on(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.OPTION_REQ, b"exceptions")
    client.packet()
    client.send_req(T.SUBMIT_JOB, b"exc_on", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"exc_on")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_EXCEPTION, handle, b"boom\0trace")
    worker.sync()
    client.packet()
    # WORK_EXCEPTION ends the job.
    worker.send_req(T.WORK_COMPLETE, handle, b"late")
    worker.packet()
    client.sync()


def test_exceptions_on(shared: Servers) -> None:
    check(
        exceptions_on,
        shared,
        expected=[
            pk(T.OPTION_RES, b"exceptions"),
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0exc_on\0x"),
            NOTHING,
            pk(T.WORK_EXCEPTION, b"H:#1\0boom\0trace"),
            NOT_FOUND_RESULT,
            NOTHING,
        ],
    )


def exceptions_off(w: Wire) -> None:
    plain, opted = w.connect("plain"), w.connect("opted")
    worker = w.connect("worker")
    opted.send_req(T.OPTION_REQ, b"EXCEPTIONS")
    opted.packet()
    plain.send_req(T.SUBMIT_JOB, b"exc_off", b"exc_u", b"x")
    handle = handle_of(plain.packet())
    opted.send_req(T.SUBMIT_JOB, b"exc_off", b"exc_u", b"x")
    opted.packet()
    worker.send_req(T.CAN_DO, b"exc_off")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_EXCEPTION, handle, b"boom")
    worker.sync()
    plain.packet()
    opted.packet()
    worker.send_req(T.WORK_COMPLETE, handle, b"late")
    worker.packet()
    plain.sync()
    opted.sync()


def test_exceptions_off_deliberate_difference(shared: Servers) -> None:
    """Deliberate difference 1: gearmand appends a NUL to the converted WORK_FAIL."""

    def expected(fail_body: bytes) -> list[str]:
        return [
            pk(T.OPTION_RES, b"EXCEPTIONS"),
            created(1),
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0exc_off\0x"),
            NOTHING,
            pk(T.WORK_FAIL, fail_body),
            pk(T.WORK_EXCEPTION, b"H:#1\0boom"),
            NOT_FOUND_RESULT,
            NOTHING,
            NOTHING,
        ]

    own = {"gearmand": expected(b"H:#1\0"), "geargate": expected(b"H:#1")}
    check_each(exceptions_off, own, shared)


def exceptions_flag(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB, b"exc_flag", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"exc_flag")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_EXCEPTION, handle, b"boom")
    worker.sync()
    client.packet()


def test_exceptions_flag() -> None:
    check(
        exceptions_flag,
        args=("--exceptions",),
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0exc_flag\0x"),
            NOTHING,
            pk(T.WORK_EXCEPTION, b"H:#1\0boom"),
        ],
    )


# -- NO_JOB, PRE_SLEEP and NOOP --------------------------------------------------------------------


def no_job(w: Wire) -> None:
    worker = w.connect()
    worker.send_req(T.GRAB_JOB)
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.packets(3)
    worker.send_req(T.CAN_DO, b"nojob_fn")
    worker.send_req(T.GRAB_JOB)
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.send_req(T.GRAB_JOB_ALL)
    worker.packets(3)
    # A job for another function does not help.
    client = w.connect()
    client.send_req(T.SUBMIT_JOB_BG, b"nojob_other", b"", b"x")
    client.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    # Neither does a function that was given up.
    client.send_req(T.SUBMIT_JOB_BG, b"nojob_fn", b"", b"x")
    client.packet()
    worker.send_req(T.CANT_DO, b"nojob_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.CAN_DO, b"nojob_fn")
    worker.send_req(T.RESET_ABILITIES)
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.CAN_DO_TIMEOUT, b"nojob_fn", b"0")
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_no_job(shared: Servers) -> None:
    no = pk(T.NO_JOB)
    check(
        no_job,
        shared,
        expected=[
            no,
            no,
            no,
            no,
            no,
            no,
            created(1),
            no,
            created(2),
            no,
            no,
            pk(T.JOB_ASSIGN, b"H:#2\0nojob_fn\0x"),
        ],
    )


def pre_sleep_pending(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB_BG, b"sleep_pending", b"", b"x")
    client.packet()
    worker.send_req(T.CAN_DO, b"sleep_pending")
    worker.send_req(T.PRE_SLEEP)
    worker.sync()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    # Nothing left: PRE_SLEEP is silent now.
    worker.send_req(T.PRE_SLEEP)
    worker.sync()


def test_pre_sleep_with_work_pending(shared: Servers) -> None:
    check(
        pre_sleep_pending,
        shared,
        expected=[
            created(1),
            pk(T.NOOP),
            pk(T.JOB_ASSIGN, b"H:#1\0sleep_pending\0x"),
            NOTHING,
        ],
    )


def pre_sleep_then_submit(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    idle = w.connect("idle")  # registered but never asleep: no NOOP for it
    idle.send_req(T.CAN_DO, b"sleep_then")
    worker.send_req(T.CAN_DO, b"sleep_then")
    worker.send_req(T.PRE_SLEEP)
    worker.sync()
    client.send_req(T.SUBMIT_JOB_BG, b"sleep_then", b"", b"1")
    client.packet()
    client.send_req(T.SUBMIT_JOB, b"sleep_then", b"", b"2")
    client.packet()
    worker.sync()
    idle.sync()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    # One job is still waiting: sleeping again gets an immediate NOOP.
    worker.send_req(T.PRE_SLEEP)
    worker.sync()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.PRE_SLEEP)
    worker.sync()
    # Asleep with nothing to do; the next job wakes it once more.
    client.send_req(T.SUBMIT_JOB_LOW_BG, b"sleep_then", b"", b"3")
    client.packet()
    worker.sync()
    # A job for a function the worker does not do wakes nobody.
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.PRE_SLEEP)
    client.send_req(T.SUBMIT_JOB_BG, b"sleep_other", b"", b"4")
    client.packet()
    worker.sync()


def test_pre_sleep_then_submit(shared: Servers) -> None:
    check(
        pre_sleep_then_submit,
        shared,
        expected=[
            NOTHING,
            created(1),
            created(2),
            pk(T.NOOP),
            NOTHING,
            pk(T.JOB_ASSIGN, b"H:#1\0sleep_then\x001"),
            pk(T.NOOP),
            pk(T.JOB_ASSIGN, b"H:#2\0sleep_then\x002"),
            NOTHING,
            created(3),
            pk(T.NOOP),
            pk(T.JOB_ASSIGN, b"H:#3\0sleep_then\x003"),
            created(4),
            NOTHING,
        ],
    )


def wakeup_one(w: Wire) -> None:
    client = w.connect("client")
    sleepers = [w.connect(f"sleeper{i}") for i in range(3)]
    for sleeper in sleepers:
        sleeper.send_req(T.CAN_DO, b"wake_fn")
        sleeper.send_req(T.PRE_SLEEP)
        sleeper.unrecorded_sync()
    for n in range(1, 5):
        client.send_req(T.SUBMIT_JOB_BG, b"wake_fn", b"", b"%d" % n)
        client.packet()
        replies = [sleeper.unrecorded_sync() for sleeper in sleepers]
        woken = sum(reply.count(b"\0RES\0\0\0\x06") for reply in replies)
        w.note(b"NOOPs after job %d: %d" % (n, woken))


def test_worker_wakeup_one() -> None:
    check(
        wakeup_one,
        args=("-w", "1"),
        expected=[
            created(1),
            text(b"NOOPs after job 1: 1"),
            created(2),
            text(b"NOOPs after job 2: 1"),
            created(3),
            text(b"NOOPs after job 3: 1"),
            created(4),
            text(b"NOOPs after job 4: 0"),
        ],
    )


# -- coalescing ------------------------------------------------------------------------------------


def coalesce_same_connection(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB, b"co_same", b"twice", b"x")
    client.send_req(T.SUBMIT_JOB, b"co_same", b"twice", b"ignored")
    client.packets(2)
    handle = handle_of(w.transcript[-1])
    worker.send_req(T.CAN_DO, b"co_same")
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_DATA, handle, b"d")
    worker.send_req(T.WORK_WARNING, handle, b"w")
    worker.send_req(T.WORK_STATUS, handle, b"5", b"6")
    worker.send_req(T.WORK_COMPLETE, handle, b"c")
    worker.sync()
    client.sync()


def test_coalesce_same_connection(shared: Servers) -> None:
    twice = [
        (T.WORK_DATA, b"H:#1\0d"),
        (T.WORK_DATA, b"H:#1\0d"),
        (T.WORK_WARNING, b"H:#1\0w"),
        (T.WORK_WARNING, b"H:#1\0w"),
        (T.WORK_STATUS, b"H:#1\x005\x006"),
        (T.WORK_STATUS, b"H:#1\x005\x006"),
        (T.WORK_COMPLETE, b"H:#1\0c"),
        (T.WORK_COMPLETE, b"H:#1\0c"),
    ]
    check(
        coalesce_same_connection,
        shared,
        expected=[
            created(1),
            created(1),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0co_same\0twice\0x"),
            pk(T.NO_JOB),
            NOTHING,
            pks(*twice),
        ],
    )


def coalesce_rules(w: Wire) -> None:
    p = w.connect()
    for fn, unique, data in [
        (b"co_rules", b"-", b"payload A"),
        (b"co_rules", b"-", b"payload A"),
        (b"co_rules", b"-", b"payload B"),
        (b"co_rules", b"", b"same"),
        (b"co_rules", b"", b"same"),
        (b"co_rules", b"-", b""),
        (b"co_rules", b"-", b""),
        (b"co_rules", b"u1", b"one"),
        (b"co_rules", b"u1", b"two"),
        (b"co_rules", b"U1", b"one"),
        (b"co_rules2", b"u1", b"one"),
        (b"co_rules2", b"-", b"payload A"),
        (b"co_rules", b"payload A", b"other"),
    ]:
        p.send_req(T.SUBMIT_JOB_BG, fn, unique, data)
        p.packet()
    p.send_req(T.SUBMIT_JOB_HIGH_BG, b"co_rules", b"u1", b"three")
    p.send_req(T.SUBMIT_JOB_LOW, b"co_rules", b"u1", b"four")
    p.send_req(T.SUBMIT_JOB_EPOCH, b"co_rules", b"u1", b"0", b"five")
    p.send_req(T.SUBMIT_REDUCE_JOB_BACKGROUND, b"co_rules", b"u1", b"r", b"", b"six")
    p.packets(4)
    worker = w.connect()
    worker.send_req(T.CAN_DO, b"co_rules")
    for _ in range(9):
        worker.send_req(T.GRAB_JOB_ALL)
    worker.packets(9)


def test_coalesce_rules(shared: Servers) -> None:
    check(
        coalesce_rules,
        shared,
        expected=[
            created(1),
            created(1),
            created(2),
            created(3),
            created(4),
            created(5),
            created(6),
            created(7),
            created(7),
            created(8),
            created(9),
            created(10),
            created(11),
            created(7),
            created(7),
            created(7),
            created(7),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0co_rules\0-\0payload A"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#2\0co_rules\0-\0payload B"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#3\0co_rules\0\0same"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#4\0co_rules\0\0same"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#5\0co_rules\0-\0"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#6\0co_rules\0-\0"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#7\0co_rules\0u1\0one"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#8\0co_rules\0U1\0one"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#11\0co_rules\0payload A\0other"),
        ],
    )


def coalesce_running(w: Wire) -> None:
    first, second, worker = w.connect("first"), w.connect("second"), w.connect("worker")
    first.send_req(T.SUBMIT_JOB, b"co_run", b"run_u", b"x")
    handle = handle_of(first.packet())
    worker.send_req(T.CAN_DO, b"co_run")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_DATA, handle, b"before")
    worker.sync()
    second.send_req(T.SUBMIT_JOB_HIGH, b"co_run", b"run_u", b"y")
    second.packet()
    second.send_req(T.GET_STATUS_UNIQUE, b"run_u")
    second.packet()
    worker.send_req(T.WORK_DATA, handle, b"after")
    worker.send_req(T.WORK_COMPLETE, handle, b"done")
    worker.sync()
    first.sync()
    second.sync()
    # The unique is free again: a new submit makes a new job, which is queued.
    second.send_req(T.SUBMIT_JOB_BG, b"co_run", b"run_u", b"z")
    second.packet()
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_coalesce_running(shared: Servers) -> None:
    check(
        coalesce_running,
        shared,
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0co_run\0x"),
            NOTHING,
            created(1),
            pk(T.STATUS_RES_UNIQUE, b"run_u\x001\x001\x000\x000\x002"),
            NOTHING,
            pks(
                (T.WORK_DATA, b"H:#1\0before"),
                (T.WORK_DATA, b"H:#1\0after"),
                (T.WORK_COMPLETE, b"H:#1\0done"),
            ),
            pks((T.WORK_DATA, b"H:#1\0after"), (T.WORK_COMPLETE, b"H:#1\0done")),
            created(2),
            pk(T.JOB_ASSIGN, b"H:#2\0co_run\0z"),
        ],
    )


def coalesce_background_job(w: Wire) -> None:
    submitter, listener, worker = w.connect("bg"), w.connect("fg"), w.connect("worker")
    submitter.send_req(T.SUBMIT_JOB_BG, b"co_bg", b"bg_u", b"x")
    handle = handle_of(submitter.packet())
    listener.send_req(T.SUBMIT_JOB, b"co_bg", b"bg_u", b"y")
    listener.packet()
    worker.send_req(T.CAN_DO, b"co_bg")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_STATUS, handle, b"1", b"3")
    worker.send_req(T.WORK_COMPLETE, handle, b"r")
    worker.sync()
    listener.sync()
    submitter.sync()


def test_coalesce_foreground_onto_background(shared: Servers) -> None:
    check(
        coalesce_background_job,
        shared,
        expected=[
            created(1),
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0co_bg\0x"),
            NOTHING,
            pks((T.WORK_STATUS, b"H:#1\x001\x003"), (T.WORK_COMPLETE, b"H:#1\0r")),
            NOTHING,
        ],
    )


# -- requeue ---------------------------------------------------------------------------------------


def cant_do_requeues(w: Wire) -> None:
    client, worker, other = w.connect("client"), w.connect("worker"), w.connect("other")
    client.send_req(T.SUBMIT_JOB, b"cantdo_fn", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"cantdo_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.WORK_STATUS, handle, b"1", b"2")
    worker.sync()
    client.sync()
    worker.send_req(T.CANT_DO, b"cantdo_fn")
    worker.send_req(T.WORK_COMPLETE, handle, b"too late")
    worker.packet()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    other.send_req(T.CAN_DO, b"cantdo_fn")
    other.send_req(T.GRAB_JOB)
    other.packet()
    other.send_req(T.WORK_COMPLETE, handle, b"second try")
    other.sync()
    client.sync()


def test_cant_do_requeues_running_job(shared: Servers) -> None:
    check(
        cant_do_requeues,
        shared,
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0cantdo_fn\0x"),
            NOTHING,
            pk(T.WORK_STATUS, b"H:#1\x001\x002"),
            NOT_FOUND_RESULT,
            pk(T.STATUS_RES, b"H:#1\x001\x000\x000\x000"),
            pk(T.JOB_ASSIGN, b"H:#1\0cantdo_fn\0x"),
            NOTHING,
            pk(T.WORK_COMPLETE, b"H:#1\0second try"),
        ],
    )


def reset_abilities_requeues(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB_BG, b"reset_fn", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"reset_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.RESET_ABILITIES)
    worker.send_req(T.WORK_COMPLETE, handle, b"too late")
    worker.packet()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    worker.send_req(T.CAN_DO, b"reset_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_reset_abilities_requeues_running_job(shared: Servers) -> None:
    check(
        reset_abilities_requeues,
        shared,
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0reset_fn\0x"),
            NOT_FOUND_RESULT,
            pk(T.STATUS_RES, b"H:#1\x001\x000\x000\x000"),
            pk(T.JOB_ASSIGN, b"H:#1\0reset_fn\0x"),
        ],
    )


def job_retries(w: Wire) -> None:
    client = w.connect("client")
    admin = w.connect("admin")
    client.send_req(T.SUBMIT_JOB, b"retry_fn", b"", b"x")
    client.packet()
    first = w.connect("first")
    first.send_req(T.CAN_DO, b"retry_fn")
    first.send_req(T.GRAB_JOB)
    first.packet()
    # The next worker sleeps; the requeue after the first one's loss wakes it.
    second = w.connect("second")
    second.send_req(T.CAN_DO, b"retry_fn")
    second.send_req(T.PRE_SLEEP)
    second.sync()
    first.close()
    second.packet()
    admin.admin(b"show jobs\r\n")
    second.send_req(T.GRAB_JOB)
    second.packet()
    second.close()
    client.packet()
    admin.admin(b"show jobs\r\n")
    admin.admin(b"status\r\n")


def test_job_retries() -> None:
    check(
        job_retries,
        args=("--job-retries", "2"),
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0retry_fn\0x"),
            NOTHING,
            pk(T.NOOP),
            text(b"H:#1\t1\t0\t0\n.\n"),
            pk(T.JOB_ASSIGN, b"H:#1\0retry_fn\0x"),
            pk(T.WORK_FAIL, b"H:#1"),
            text(b".\n"),
            text(b"retry_fn\t0\t0\t0\n.\n"),
        ],
    )


def worker_lost_unlimited(w: Wire) -> None:
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB, b"lost_fn", b"", b"x")
    handle = handle_of(client.packet())
    for attempt in range(3):
        worker = w.connect(f"worker{attempt}")
        worker.send_req(T.CAN_DO, b"lost_fn")
        worker.send_req(T.GRAB_JOB)
        worker.packet()
        worker.send_req(T.WORK_STATUS, handle, b"1", b"9")
        worker.sync()
        # Asleep while the job runs elsewhere; the requeue wakes it.
        waiter = w.connect(f"waiter{attempt}")
        waiter.send_req(T.CAN_DO, b"lost_fn")
        waiter.send_req(T.PRE_SLEEP)
        waiter.sync()
        worker.close()
        waiter.packet()
        client.sync()
        client.send_req(T.GET_STATUS, handle)
        client.packet()
        waiter.close()


def test_worker_lost_requeues_without_limit(shared: Servers) -> None:
    check(
        worker_lost_unlimited,
        shared,
        expected=[
            created(1),
            *[
                pk(T.JOB_ASSIGN, b"H:#1\0lost_fn\0x"),
                NOTHING,
                NOTHING,
                pk(T.NOOP),
                pk(T.WORK_STATUS, b"H:#1\x001\x009"),
                pk(T.STATUS_RES, b"H:#1\x001\x000\x000\x000"),
            ]
            * 3,
        ],
    )


# -- priority --------------------------------------------------------------------------------------


def priority_order(w: Wire) -> None:
    client = w.connect()
    for ptype, data in [
        (T.SUBMIT_JOB_LOW_BG, b"low1"),
        (T.SUBMIT_JOB_BG, b"normal1"),
        (T.SUBMIT_JOB_HIGH_BG, b"high1"),
        (T.SUBMIT_JOB_LOW, b"low2"),
        (T.SUBMIT_JOB, b"normal2"),
        (T.SUBMIT_JOB_HIGH, b"high2"),
        (T.SUBMIT_JOB_EPOCH, b"epoch-normal3"),
        (T.SUBMIT_REDUCE_JOB, b"reduce-normal4"),
        (T.SUBMIT_JOB_HIGH_BG, b"high3"),
    ]:
        if ptype == T.SUBMIT_JOB_EPOCH:
            client.send_req(ptype, b"prio_fn", b"", b"0", data)
        elif ptype == T.SUBMIT_REDUCE_JOB:
            client.send_req(ptype, b"prio_fn", b"", b"r", b"", data)
        else:
            client.send_req(ptype, b"prio_fn", b"", data)
        client.packet()
    worker = w.connect()
    worker.send_req(T.CAN_DO, b"prio_fn")
    for _ in range(10):
        worker.send_req(T.GRAB_JOB)
        worker.packet()


def test_priority_order(shared: Servers) -> None:
    order = [
        (3, b"high1"),
        (6, b"high2"),
        (9, b"high3"),
        (2, b"normal1"),
        (5, b"normal2"),
        (7, b"epoch-normal3"),
        (8, b"reduce-normal4"),
        (1, b"low1"),
        (4, b"low2"),
    ]
    check(
        priority_order,
        shared,
        expected=[
            *[created(n) for n in range(1, 10)],
            *[pk(T.JOB_ASSIGN, b"H:#%d\0prio_fn\0%s" % (n, data)) for n, data in order],
            pk(T.NO_JOB),
        ],
    )


# -- client gone -----------------------------------------------------------------------------------


def client_gone_while_running(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    client.send_req(T.SUBMIT_JOB, b"gone_fn", b"gone_u", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"gone_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    client.close()
    # The worker's packets are still accepted without complaint.
    worker.send_req(T.WORK_DATA, handle, b"d")
    worker.send_req(T.WORK_STATUS, handle, b"1", b"2")
    worker.sync()
    probe = w.connect("probe")
    probe.send_req(T.GET_STATUS_UNIQUE, b"gone_u")
    probe.packet()
    worker.send_req(T.WORK_COMPLETE, handle, b"r")
    worker.sync()
    probe.send_req(T.GET_STATUS, handle)
    probe.packet()


def test_client_gone_while_running(shared: Servers) -> None:
    check(
        client_gone_while_running,
        shared,
        expected=[
            created(1),
            pk(T.JOB_ASSIGN, b"H:#1\0gone_fn\0x"),
            NOTHING,
            pk(T.STATUS_RES_UNIQUE, b"gone_u\x001\x001\x001\x002\x000"),
            NOTHING,
            pk(T.STATUS_RES, b"H:#1\x000\x000\x000\x000"),
        ],
    )


# -- handles ---------------------------------------------------------------------------------------


def handle_counter(w: Wire) -> None:
    p = w.connect()
    raw: list[bytes] = []
    for unique in (b"a", b"a", b"", b"b"):
        p.send_req(T.SUBMIT_JOB_BG, b"counter_fn", unique, b"x")
        raw.append(handle_of(p.unrecorded_packet()))
    p.send_req(T.SUBMIT_JOB_BG, b"counter_fn", b"u" * 65, b"x")
    p.unrecorded_packet()
    p.send_req(T.SUBMIT_JOB_BG, b"counter_fn", b"c", b"x")
    raw.append(handle_of(p.unrecorded_packet()))
    w.note(b" ".join(h.replace(b"H:test:", b"n=") for h in raw))


def test_handle_counter() -> None:
    check(handle_counter, expected=[text(b"n=1 n=1 n=2 n=3 n=4")])


def requeue_to_tail(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    for data in (b"first", b"second", b"third"):
        client.send_req(T.SUBMIT_JOB_BG, b"tail_fn", b"", data)
    client.packets(3)
    worker.send_req(T.CAN_DO, b"tail_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.CANT_DO, b"tail_fn")
    worker.send_req(T.CAN_DO, b"tail_fn")
    for _ in range(4):
        worker.send_req(T.GRAB_JOB)
        worker.packet()


def test_requeued_job_goes_to_tail(shared: Servers) -> None:
    check(
        requeue_to_tail,
        shared,
        expected=[
            created(1),
            created(2),
            created(3),
            pk(T.JOB_ASSIGN, b"H:#1\0tail_fn\0first"),
            pk(T.JOB_ASSIGN, b"H:#2\0tail_fn\0second"),
            pk(T.JOB_ASSIGN, b"H:#3\0tail_fn\0third"),
            pk(T.JOB_ASSIGN, b"H:#1\0tail_fn\0first"),
            pk(T.NO_JOB),
        ],
    )


def epoch_jobs(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    future = b"%d" % (time.time() + 3600)
    client.send_req(T.SUBMIT_JOB_EPOCH, b"epoch_fn", b"", future, b"later")
    client.send_req(T.SUBMIT_JOB_EPOCH, b"epoch_now", b"", b"0", b"zero")
    client.send_req(T.SUBMIT_JOB_EPOCH, b"epoch_now", b"", b"1", b"past")
    client.send_req(T.SUBMIT_JOB_EPOCH, b"epoch_now", b"", b"soon", b"text")
    client.packets(4)
    # The shared server lists every function it has seen; keep this scenario's lines.
    for command in (b"status\r\n", b"prioritystatus\r\n"):
        lines = client.unrecorded_admin(command).splitlines(keepends=True)
        w.note(b"".join(sorted(line for line in lines if line.startswith(b"epoch_"))))
    worker.send_req(T.CAN_DO, b"epoch_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    worker.send_req(T.PRE_SLEEP)
    worker.sync()
    worker.send_req(T.CAN_DO, b"epoch_now")
    for _ in range(4):
        worker.send_req(T.GRAB_JOB)
        worker.packet()


def test_epoch_jobs(shared: Servers) -> None:
    """Future epoch jobs are counted but not handed out; 0, past and junk times run now."""
    check(
        epoch_jobs,
        shared,
        expected=[
            created(1),
            created(2),
            created(3),
            created(4),
            text(b"epoch_fn\t1\t0\t0\nepoch_now\t3\t0\t0\n"),
            text(b"epoch_fn\t0\t1\t0\t0\nepoch_now\t0\t3\t0\t0\n"),
            pk(T.NO_JOB),
            NOTHING,
            pk(T.JOB_ASSIGN, b"H:#2\0epoch_now\0zero"),
            pk(T.JOB_ASSIGN, b"H:#3\0epoch_now\0past"),
            pk(T.JOB_ASSIGN, b"H:#4\0epoch_now\0text"),
            pk(T.NO_JOB),
        ],
    )


def future_epoch_and_low(w: Wire) -> None:
    client, worker = w.connect("client"), w.connect("worker")
    future = b"%d" % (time.time() + 3600)
    client.send_req(T.SUBMIT_JOB_EPOCH, b"hide_fn", b"", future, b"later")
    client.send_req(T.SUBMIT_JOB_LOW_BG, b"hide_fn", b"", b"low")
    client.packets(2)
    worker.send_req(T.CAN_DO, b"hide_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_future_epoch_job_and_low_job_deliberate_difference(shared: Servers) -> None:
    """Deliberate difference 3: in gearmand 1.1.20 a future NORMAL epoch job hides the
    function's LOW jobs (§3.3); in geargate future jobs wait apart and hide nothing."""
    shared_part = [pk(T.JOB_CREATED, b"H:#1"), pk(T.JOB_CREATED, b"H:#2")]
    check_each(
        future_epoch_and_low,
        {
            "gearmand": [*shared_part, pk(T.NO_JOB)],
            "geargate": [*shared_part, pk(T.JOB_ASSIGN, b"H:#2\0hide_fn\0low")],
        },
        shared,
    )
