"""The documented deliberate differences, each server held to its own expected bytes.

Numbers refer to the list of deliberate differences in the project notes. Where only part of a
scenario differs, the shared part is still written once and only the differing entries vary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gearman_core.protocol import PacketType as T

from .wire import NOTHING, Servers, Wire, check, check_each, handle_of, pk, pks, raw_req, text

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def shared() -> Iterator[Servers]:
    servers = Servers()
    try:
        yield servers
    finally:
        servers.stop()


def created(n: int) -> str:
    return pk(T.JOB_CREATED, b"H:#%d" % n)


CLOSED = text(b"<closed>")


def unknown_type(w: Wire) -> None:
    for ptype in (0, 43, 255):
        p = w.connect()
        p.send(raw_req(ptype, b""))
        p.send(raw_req(T.ECHO_REQ, b"after"))
        p.sync()


def test_unknown_packet_type_11(shared: Servers) -> None:
    """11: geargate answers an unknown type and keeps the connection (gearmand closes it)."""
    answered = pks((T.ERROR, b"INVALID_COMMAND\0Command not expected"), (T.ECHO_RES, b"after"))
    check_each(
        unknown_type,
        {"gearmand": [CLOSED] * 3, "geargate": [answered] * 3},
        shared,
    )


def too_many_tokens(w: Wire) -> None:
    p = w.connect()
    p.admin(b"maxqueue f 1 2 3\r\n")
    p.send(b"a b c d e f\r\n")
    if p.admin_reply() != b"<closed>":
        p.send_req(T.ECHO_REQ, b"after")
        p.packet()


def test_admin_six_tokens_13(shared: Servers) -> None:
    """13: six tokens get an ERR from geargate, a closed connection from gearmand."""
    ok = text(b"OK\r\n")
    check_each(
        too_many_tokens,
        {
            "gearmand": [ok, CLOSED],
            "geargate": [
                ok,
                text(b"ERR INVALID_ARGUMENTS Too+many+arguments\r\n"),
                pk(T.ECHO_RES, b"after"),
            ],
        },
        shared,
    )


def long_status_arguments(w: Wire) -> None:
    p = w.connect()
    p.send_req(T.GET_STATUS, b"H" * 63)
    p.packet()
    p.send_req(T.GET_STATUS_UNIQUE, b"u" * 63)
    p.packet()
    p.send_req(T.GET_STATUS, b"H" * 64)
    p.sync()
    p.send_req(T.GET_STATUS_UNIQUE, b"u" * 64)
    p.sync()


def test_long_status_arguments_10(shared: Servers) -> None:
    """10: 64-byte GET_STATUS / GET_STATUS_UNIQUE arguments read as unknown in geargate."""
    common = [
        pk(T.STATUS_RES, b"H" * 63 + b"\x000\x000\x000\x000"),
        pk(T.STATUS_RES_UNIQUE, b"u" * 63 + b"\x000\x000\x000\x000\x000"),
    ]
    check_each(
        long_status_arguments,
        {
            "gearmand": [*common, CLOSED, CLOSED],
            "geargate": [
                *common,
                pk(T.STATUS_RES, b"H" * 64 + b"\x000\x000\x000\x000"),
                pk(T.STATUS_RES_UNIQUE, b"u" * 64 + b"\x000\x000\x000\x000\x000"),
            ],
        },
        shared,
    )


def unique_64(w: Wire) -> None:
    client, worker = w.connect(), w.connect()
    client.send_req(T.SUBMIT_JOB_BG, b"u64_fn", b"q" * 64, b"data")
    client.packet()
    worker.send_req(T.CAN_DO, b"u64_fn")
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.packet()


def test_unique_of_64_bytes_9(shared: Servers) -> None:
    """9: geargate keeps a 64-byte unique whole; gearmand keeps 63 and adds a stray NUL."""
    check_each(
        unique_64,
        {
            "gearmand": [
                created(1),
                pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0u64_fn\0" + b"q" * 63 + b"\0\0data"),
            ],
            "geargate": [
                created(1),
                pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0u64_fn\0" + b"q" * 64 + b"\0data"),
            ],
        },
        shared,
    )


def epoch_out_of_range(w: Wire) -> None:
    p = w.connect()
    p.send_req(T.SUBMIT_JOB_EPOCH, b"epoch_fn", b"", b"99999999999999999999999", b"x")
    p.send(raw_req(T.ECHO_REQ, b"after"))
    p.sync()


def test_epoch_out_of_range_15(shared: Servers) -> None:
    """15: an unparsable epoch gets an ERROR from geargate; gearmand closes."""
    check_each(
        epoch_out_of_range,
        {
            "gearmand": [CLOSED],
            "geargate": [
                pks(
                    (T.ERROR, b"INVALID_ARGUMENT\0Epoch time out of range"),
                    (T.ECHO_RES, b"after"),
                )
            ],
        },
        shared,
    )


def global_priority(w: Wire) -> None:
    client, worker = w.connect(), w.connect()
    client.send_req(T.SUBMIT_JOB_HIGH_BG, b"gp_a", b"", b"high-a")
    client.send_req(T.SUBMIT_JOB_LOW_BG, b"gp_b", b"", b"low-b")
    client.packets(2)
    worker.send_req(T.CAN_DO, b"gp_a")
    worker.send_req(T.CAN_DO, b"gp_b")
    worker.send_req(T.GRAB_JOB)
    worker.packet()


def test_global_priority_2(shared: Servers) -> None:
    """2: geargate takes HIGH of any function first; gearmand tries the newest CAN_DO first."""
    check_each(
        global_priority,
        {
            "gearmand": [created(1), created(2), pk(T.JOB_ASSIGN, b"H:#2\0gp_b\0low-b")],
            "geargate": [created(1), created(2), pk(T.JOB_ASSIGN, b"H:#1\0gp_a\0high-a")],
        },
        shared,
    )


def cancel_running(w: Wire) -> None:
    client, worker, admin = w.connect(), w.connect(), w.connect()
    client.send_req(T.SUBMIT_JOB, b"cancel_run", b"", b"x")
    handle = handle_of(client.packet())
    worker.send_req(T.CAN_DO, b"cancel_run")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    admin.admin(b"cancel job " + handle + b"\r\n")
    client.sync()
    worker.send_req(T.WORK_COMPLETE, handle, b"done")
    worker.sync()
    client.sync()


def test_cancel_running_job_5(shared: Servers) -> None:
    """5: after cancelling a running job geargate does not forward the worker's completion."""
    head = [created(1), pk(T.JOB_ASSIGN, b"H:#1\0cancel_run\0x"), text(b"OK\r\n")]
    check_each(
        cancel_running,
        {
            "gearmand": [
                *head,
                pk(T.WORK_FAIL, b"H:#1"),
                NOTHING,
                pk(T.WORK_COMPLETE, b"H:#1\0done"),
            ],
            "geargate": [*head, pk(T.WORK_FAIL, b"H:#1"), NOTHING, NOTHING],
        },
        shared,
    )


def wake_default(w: Wire) -> None:
    client = w.connect()
    sleepers = [w.connect() for _ in range(3)]
    for sleeper in sleepers:
        sleeper.send_req(T.CAN_DO, b"wake_default")
        sleeper.send_req(T.PRE_SLEEP)
        sleeper.unrecorded_sync()
    client.send_req(T.SUBMIT_JOB_BG, b"wake_default", b"", b"x")
    client.packet()
    woken = sum(s.unrecorded_sync().count(raw_req(T.NOOP, b"", b"\0RES")) for s in sleepers)
    w.note(b"NOOPs: %d" % woken)


def test_default_worker_wakeup_16(shared: Servers) -> None:
    """16: by default gearmand wakes every sleeper, geargate two."""
    check_each(
        wake_default,
        {
            "gearmand": [created(1), text(b"NOOPs: 3")],
            "geargate": [created(1), text(b"NOOPs: 2")],
        },
        shared,
    )


def abandoned_queued_job(w: Wire) -> None:
    admin = w.connect("admin")
    client = w.connect("client")
    client.send_req(T.SUBMIT_JOB, b"abandon_fn", b"", b"x")
    client.packet()
    admin.admin(b"status\r\n")
    lines_before = admin.unrecorded_admin(b"workers\r\n").count(b"\n")
    client.close()
    # Wait (bounded) until the server has noticed the close: the connection leaves `workers`.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if admin.unrecorded_admin(b"workers\r\n").count(b"\n") < lines_before:
            break
        time.sleep(0.02)
    admin.admin(b"status\r\n")


def test_abandoned_queued_job_6() -> None:
    """6: geargate drops a queued foreground job at once when its only client leaves."""
    queued = text(b"abandon_fn\t1\t0\t0\n.\n")
    check_each(
        abandoned_queued_job,
        {
            "gearmand": [created(1), queued, queued],
            "geargate": [created(1), queued, text(b"abandon_fn\t0\t0\t0\n.\n")],
        },
    )


def version(w: Wire) -> None:
    w.connect().admin(b"version\r\n")


def test_version_14(shared: Servers) -> None:
    check_each(
        version,
        {"gearmand": [text(b"OK 1.1.20+ds\n")], "geargate": [text(b"OK 0.1.0\n")]},
        shared,
    )


def shutdown_refused(w: Wire) -> None:
    p = w.connect()
    p.admin(b"shutdown\r\n")
    p.admin(b"shutdown graceful\r\n")


def test_shutdown_refused_17(shared: Servers) -> None:
    """17: without --admin-shutdown both refuse `shutdown` the same way."""
    refused = text(b"ERR UNKNOWN_COMMAND Unknown+server+commandshutdown\r\n")
    check(shutdown_refused, shared, expected=[refused, refused])
