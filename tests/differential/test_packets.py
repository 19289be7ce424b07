"""Differential tests of single binary requests: errors, options, status queries, limits.

Every scenario here uses its own function names and uniques, so one gearmand and one geargate
serve the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gearman_core.protocol import FIELD_COUNT
from gearman_core.protocol import PacketType as T

from .wire import NOTHING, Servers, Wire, check, handle_of, pk, pks, raw_req, req, text

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


INVALID_COMMAND = err(b"INVALID_COMMAND", b"Command not expected")
TOO_LARGE = err(b"ARGUMENT_TOO_LARGE", b"Unique value too large")
QUEUE_FULL = err(b"QUEUE_ERROR", b"Job queue is full")
NOT_FOUND_DATA = err(b"JOB_NOT_FOUND", b"Job does not exist on server")
NOT_FOUND_RESULT = err(b"JOB_NOT_FOUND", b"Job given in work result not found")
NOT_FOUND_EXCEPTION = err(
    b"JOB_NOT_FOUND", b"An exception was received for a job that does not exist"
)
UNKNOWN_OPTION = err(b"UNKNOWN_OPTION", b"Server does not recognize given option")


def full_body(ptype: int) -> bytes:
    """A request packet of this type with every field present (so no parser can desync)."""
    fields = FIELD_COUNT[ptype]
    return req(ptype, *[b"x%d" % i for i in range(fields)]) if fields else req(ptype)


# -- ECHO ------------------------------------------------------------------------------------------


def echo(w: Wire) -> None:
    p = w.connect()
    p.send_req(T.ECHO_REQ)
    p.packet()
    p.send_req(T.ECHO_REQ, b"hello\0world")
    p.packet()
    p.send_req(T.ECHO_REQ, bytes(range(256)))
    p.packet()
    big = bytes(range(256)) * 400  # 100 KiB: arrives in several chunks
    p.send_req(T.ECHO_REQ, big)
    got = p.unrecorded_packet()
    w.note(b"big echo intact" if got == _res_echo(big) else b"big echo: %d bytes" % len(got))


def _res_echo(body: bytes) -> bytes:
    return raw_req(T.ECHO_RES, body, magic=b"\0RES")


def test_echo(shared: Servers) -> None:
    check(
        echo,
        shared,
        expected=[
            pk(T.ECHO_RES, b""),
            pk(T.ECHO_RES, b"hello\0world"),
            pk(T.ECHO_RES, bytes(range(256))),
            text(b"big echo intact"),
        ],
    )


# -- packets a client may not send -----------------------------------------------------------------

SERVER_TO_CLIENT = [
    T.NOOP,
    T.JOB_CREATED,
    T.NO_JOB,
    T.JOB_ASSIGN,
    T.ECHO_RES,
    T.ERROR,
    T.STATUS_RES,
    T.OPTION_RES,
    T.JOB_ASSIGN_UNIQ,
    T.JOB_ASSIGN_ALL,
    T.STATUS_RES_UNIQUE,
]
NOT_EXPECTED = [T.UNUSED, T.ALL_YOURS, T.SUBMIT_JOB_SCHED]


def invalid_commands(w: Wire) -> None:
    p = w.connect()
    for ptype in [*SERVER_TO_CLIENT, *NOT_EXPECTED]:
        p.send(full_body(ptype))
        p.packet()
    # The connection is still usable afterwards.
    p.send_req(T.ECHO_REQ, b"still here")
    p.packet()


def test_invalid_commands(shared: Servers) -> None:
    count = len(SERVER_TO_CLIENT) + len(NOT_EXPECTED)
    check(
        invalid_commands,
        shared,
        expected=[INVALID_COMMAND] * count + [pk(T.ECHO_RES, b"still here")],
    )


def invalid_commands_pipelined(w: Wire) -> None:
    p = w.connect()
    p.send(b"".join(full_body(t) for t in NOT_EXPECTED) + req(T.ECHO_REQ, b"after"))
    p.packets(len(NOT_EXPECTED) + 1)


def test_invalid_commands_pipelined(shared: Servers) -> None:
    check(
        invalid_commands_pipelined,
        shared,
        expected=[INVALID_COMMAND] * len(NOT_EXPECTED) + [pk(T.ECHO_RES, b"after")],
    )


def res_magic(w: Wire) -> None:
    p = w.connect()
    p.send(raw_req(T.ECHO_REQ, b"x", magic=b"\0RES"))
    p.packet()
    p.send(raw_req(T.SUBMIT_JOB_BG, b"resmagic\0\0d", magic=b"\0RES"))
    p.packet()
    p.send_req(T.ECHO_REQ, b"open")
    p.packet()
    p.send_req(T.GET_STATUS_UNIQUE, b"resmagic-u")
    p.packet()


def test_res_magic(shared: Servers) -> None:
    magic = err(b"INVALID_MAGIC", b"Request magic expected")
    check(
        res_magic,
        shared,
        expected=[
            magic,
            magic,
            pk(T.ECHO_RES, b"open"),
            pk(T.STATUS_RES_UNIQUE, b"resmagic-u\x000\x000\x000\x000\x000"),
        ],
    )


# -- OPTION_REQ ------------------------------------------------------------------------------------


def options(w: Wire) -> None:
    p = w.connect()
    for name in [b"exceptions", b"EXCEPTIONS", b"Exceptions", b"foo", b"", b"exceptionsX"]:
        p.send_req(T.OPTION_REQ, name)
        p.packet()


def test_options(shared: Servers) -> None:
    check(
        options,
        shared,
        expected=[
            pk(T.OPTION_RES, b"exceptions"),
            pk(T.OPTION_RES, b"EXCEPTIONS"),
            pk(T.OPTION_RES, b"Exceptions"),
            UNKNOWN_OPTION,
            UNKNOWN_OPTION,
            UNKNOWN_OPTION,
        ],
    )


# -- size limits -----------------------------------------------------------------------------------

SUBMITS = [
    T.SUBMIT_JOB,
    T.SUBMIT_JOB_BG,
    T.SUBMIT_JOB_HIGH,
    T.SUBMIT_JOB_HIGH_BG,
    T.SUBMIT_JOB_LOW,
    T.SUBMIT_JOB_LOW_BG,
]


def unique_too_large(w: Wire) -> None:
    p = w.connect()
    long_unique = b"u" * 65
    for ptype in SUBMITS:
        p.send_req(ptype, b"big_unique", long_unique, b"data")
        p.packet()
    p.send_req(T.SUBMIT_JOB_EPOCH, b"big_unique", long_unique, b"0", b"data")
    p.packet()
    for ptype in (T.SUBMIT_REDUCE_JOB, T.SUBMIT_REDUCE_JOB_BACKGROUND):
        p.send_req(ptype, b"big_reducer", b"ru", b"r" * 65, b"", b"data")
        p.packet()
    # Nothing was queued: a worker finds no job.
    worker = w.connect()
    worker.send_req(T.CAN_DO, b"big_unique")
    worker.send_req(T.CAN_DO, b"big_reducer")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    # 63-byte unique and 64-byte reducer are fine.
    p.send_req(T.SUBMIT_JOB_BG, b"big_unique", b"u" * 63, b"data")
    p.packet()
    p.send_req(T.SUBMIT_REDUCE_JOB_BACKGROUND, b"big_reducer", b"ru", b"r" * 64, b"", b"d")
    p.packet()


def test_unique_too_large(shared: Servers) -> None:
    check(
        unique_too_large,
        shared,
        expected=[TOO_LARGE] * 9
        + [pk(T.NO_JOB), pk(T.JOB_CREATED, b"H:#1"), pk(T.JOB_CREATED, b"H:#2")],
    )


# -- maxqueue --------------------------------------------------------------------------------------


def maxqueue_one(w: Wire) -> None:
    p = w.connect()
    # A limit on a function the server has not seen yet is accepted and does nothing.
    p.admin(b"maxqueue mq_one 1\r\n")
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"a", b"1")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"b", b"2")
    p.packet()
    # Now the function exists.
    p.admin(b"maxqueue mq_one 2\r\n")
    p.send_req(T.SUBMIT_JOB, b"mq_one", b"c", b"3")
    p.packet()
    p.send_req(T.SUBMIT_JOB_HIGH_BG, b"mq_one", b"d", b"4")
    p.packet()
    # A submit that coalesces is not checked against the limit.
    p.send_req(T.SUBMIT_JOB, b"mq_one", b"a", b"again")
    p.packet()
    # A running job still counts.
    worker = w.connect()
    worker.send_req(T.CAN_DO, b"mq_one")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    p.send_req(T.SUBMIT_JOB_LOW_BG, b"mq_one", b"e", b"5")
    p.packet()
    worker.send_req(T.WORK_COMPLETE, b"H:test:0", b"")
    worker.packet()
    # Raising the limit lets the next one in.
    p.admin(b"maxqueue mq_one 3\r\n")
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"f", b"6")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"g", b"7")
    p.packet()
    # Bare function name: back to unlimited.
    p.admin(b"maxqueue mq_one\r\n")
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"h", b"8")
    p.packet()
    p.admin(b"maxqueue mq_one 0\r\n")
    p.send_req(T.SUBMIT_JOB_BG, b"mq_one", b"i", b"9")
    p.packet()


def test_maxqueue_limit(shared: Servers) -> None:
    check(
        maxqueue_one,
        shared,
        expected=[
            text(b"OK\r\n"),
            pk(T.JOB_CREATED, b"H:#1"),
            pk(T.JOB_CREATED, b"H:#2"),
            text(b"OK\r\n"),
            QUEUE_FULL,
            QUEUE_FULL,
            pk(T.JOB_CREATED, b"H:#1"),
            pk(T.JOB_ASSIGN, b"H:#1\0mq_one\x001"),
            QUEUE_FULL,
            NOT_FOUND_RESULT,
            text(b"OK\r\n"),
            pk(T.JOB_CREATED, b"H:#3"),
            QUEUE_FULL,
            text(b"OK\r\n"),
            pk(T.JOB_CREATED, b"H:#4"),
            text(b"OK\r\n"),
            pk(T.JOB_CREATED, b"H:#5"),
        ],
    )


def maxqueue_per_priority(w: Wire) -> None:
    p = w.connect()
    p.admin(b"create function mq_prio\r\n")
    p.admin(b"maxqueue mq_prio 10 1 0\r\n")
    p.send_req(T.SUBMIT_JOB_HIGH_BG, b"mq_prio", b"h1", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_prio", b"n1", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_LOW_BG, b"mq_prio", b"l1", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_HIGH, b"mq_prio", b"h2", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_LOW, b"mq_prio", b"l2", b"x")
    p.packet()
    # Two limits: LOW becomes unlimited, HIGH 1, NORMAL 5 (four jobs exist).
    p.admin(b"maxqueue mq_prio 1 5\r\n")
    p.send_req(T.SUBMIT_JOB_HIGH_BG, b"mq_prio", b"h3", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_prio", b"n2", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_prio", b"n3", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_LOW_BG, b"mq_prio", b"l3", b"x")
    p.packet()
    # Negative numbers mean unlimited.
    p.admin(b"maxqueue mq_prio -1 -1 -1\r\n")
    p.send_req(T.SUBMIT_JOB_HIGH_BG, b"mq_prio", b"h4", b"x")
    p.packet()
    # Unknown function: OK and nothing else happens.
    p.admin(b"maxqueue mq_nosuch 1 1 1\r\n")
    p.send_req(T.SUBMIT_JOB_BG, b"mq_nosuch", b"a", b"x")
    p.packet()
    p.send_req(T.SUBMIT_JOB_BG, b"mq_nosuch", b"b", b"x")
    p.packet()


def test_maxqueue_per_priority(shared: Servers) -> None:
    ok = text(b"OK\r\n")
    check(
        maxqueue_per_priority,
        shared,
        expected=[
            ok,
            ok,
            pk(T.JOB_CREATED, b"H:#1"),
            QUEUE_FULL,
            pk(T.JOB_CREATED, b"H:#2"),
            pk(T.JOB_CREATED, b"H:#3"),
            pk(T.JOB_CREATED, b"H:#4"),
            ok,
            QUEUE_FULL,
            pk(T.JOB_CREATED, b"H:#5"),
            QUEUE_FULL,
            pk(T.JOB_CREATED, b"H:#6"),
            ok,
            pk(T.JOB_CREATED, b"H:#7"),
            ok,
            pk(T.JOB_CREATED, b"H:#8"),
            pk(T.JOB_CREATED, b"H:#9"),
        ],
    )


# -- GET_STATUS / GET_STATUS_UNIQUE ----------------------------------------------------------------


def get_status(w: Wire) -> None:
    client = w.connect()
    client.send_req(T.GET_STATUS, b"H:nope:1")
    client.packet()
    client.send_req(T.GET_STATUS, b"")
    client.packet()
    client.send_req(T.SUBMIT_JOB_BG, b"gs_fn", b"gs1", b"payload")
    handle = handle_of(client.packet())
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    worker = w.connect()
    worker.send_req(T.CAN_DO, b"gs_fn")
    worker.send_req(T.GRAB_JOB)
    worker.packet()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    worker.send_req(T.WORK_STATUS, handle, b"3", b"10")
    worker.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    # Numbers are parsed leniently: junk reads as 0, leading digits count.
    worker.send_req(T.WORK_STATUS, handle, b"7x", b"abc")
    worker.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    worker.send_req(T.WORK_STATUS, handle, b"4294967295", b"12")
    worker.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    client.send_req(T.GET_STATUS_UNIQUE, b"gs1")
    client.packet()
    worker.send_req(T.WORK_COMPLETE, handle, b"done")
    worker.sync()
    client.send_req(T.GET_STATUS, handle)
    client.packet()
    client.send_req(T.GET_STATUS_UNIQUE, b"gs1")
    client.packet()


def test_get_status(shared: Servers) -> None:
    def status(body: bytes) -> str:
        return pk(T.STATUS_RES, body)

    check(
        get_status,
        shared,
        expected=[
            status(b"H:nope:1\x000\x000\x000\x000"),
            status(b"\x000\x000\x000\x000"),
            pk(T.JOB_CREATED, b"H:#1"),
            status(b"H:#1\x001\x000\x000\x000"),
            pk(T.JOB_ASSIGN, b"H:#1\0gs_fn\0payload"),
            status(b"H:#1\x001\x001\x000\x000"),
            NOTHING,
            status(b"H:#1\x001\x001\x003\x0010"),
            NOTHING,
            status(b"H:#1\x001\x001\x007\x000"),
            NOTHING,
            status(b"H:#1\x001\x001\x004294967295\x0012"),
            pk(T.STATUS_RES_UNIQUE, b"gs1\x001\x001\x004294967295\x0012\x000"),
            NOTHING,
            status(b"H:#1\x000\x000\x000\x000"),
            pk(T.STATUS_RES_UNIQUE, b"gs1\x000\x000\x000\x000\x000"),
        ],
    )


def get_status_unique(w: Wire) -> None:
    a, b, c = w.connect("a"), w.connect("b"), w.connect("c")
    a.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    a.packet()
    a.send_req(T.GET_STATUS_UNIQUE, b"")
    a.packet()
    a.send_req(T.SUBMIT_JOB, b"gsu_fn", b"gsu_u", b"d")
    a.packet()
    a.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    a.packet()
    b.send_req(T.SUBMIT_JOB_HIGH, b"gsu_fn", b"gsu_u", b"other data")
    b.packet()
    a.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    a.packet()
    c.send_req(T.SUBMIT_JOB_LOW, b"gsu_fn", b"gsu_u", b"d")
    c.packet()
    c.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    c.packet()
    # A background submit that coalesces adds no listener.
    c.send_req(T.SUBMIT_JOB_BG, b"gsu_fn", b"gsu_u", b"d")
    c.packet()
    c.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    c.packet()
    # The same unique under another function is another job; the lookup is by unique only.
    worker = w.connect("worker")
    worker.send_req(T.CAN_DO, b"gsu_fn")
    worker.send_req(T.GRAB_JOB_UNIQ)
    worker.packet()
    worker.send_req(T.WORK_STATUS, _handle_in(w), b"1", b"4")
    worker.sync()
    a.sync()
    a.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    a.packet()
    worker.send_req(T.WORK_COMPLETE, _handle_in(w), b"r")
    worker.sync()
    for peer in (a, b, c):
        peer.sync()
    a.send_req(T.GET_STATUS_UNIQUE, b"gsu_u")
    a.packet()


def _handle_in(w: Wire) -> bytes:
    """The first handle any JOB_CREATED in this transcript carried."""
    for entry in w.transcript:
        handle = handle_of(entry)
        if handle:
            return handle
    return b"?"


def test_get_status_unique(shared: Servers) -> None:
    def status(body: bytes) -> str:
        return pk(T.STATUS_RES_UNIQUE, body)

    created = pk(T.JOB_CREATED, b"H:#1")
    check(
        get_status_unique,
        shared,
        expected=[
            status(b"gsu_u\x000\x000\x000\x000\x000"),
            status(b"\x000\x000\x000\x000\x000"),
            created,
            status(b"gsu_u\x001\x000\x000\x000\x001"),
            created,
            status(b"gsu_u\x001\x000\x000\x000\x002"),
            created,
            status(b"gsu_u\x001\x000\x000\x000\x003"),
            created,
            status(b"gsu_u\x001\x000\x000\x000\x003"),
            pk(T.JOB_ASSIGN_UNIQ, b"H:#1\0gsu_fn\0gsu_u\0d"),
            NOTHING,
            pk(T.WORK_STATUS, b"H:#1\x001\x004"),
            status(b"gsu_u\x001\x001\x001\x004\x003"),
            NOTHING,
            pk(T.WORK_COMPLETE, b"H:#1\0r"),
            pks((T.WORK_STATUS, b"H:#1\x001\x004"), (T.WORK_COMPLETE, b"H:#1\0r")),
            pks((T.WORK_STATUS, b"H:#1\x001\x004"), (T.WORK_COMPLETE, b"H:#1\0r")),
            status(b"gsu_u\x000\x000\x000\x000\x000"),
        ],
    )


# -- WORK_* with handles the connection does not own -----------------------------------------------


def bad_handles(w: Wire) -> None:
    client, owner, stranger = w.connect("client"), w.connect("owner"), w.connect("stranger")
    for handle in (b"H:nope:1", b""):
        stranger.send_req(T.WORK_DATA, handle, b"d")
        stranger.send_req(T.WORK_WARNING, handle, b"w")
        stranger.send_req(T.WORK_STATUS, handle, b"1", b"2")
        stranger.send_req(T.WORK_COMPLETE, handle, b"c")
        stranger.send_req(T.WORK_FAIL, handle)
        stranger.send_req(T.WORK_EXCEPTION, handle, b"e")
        stranger.packets(6)
    # A real handle that another worker holds is refused just the same.
    client.send_req(T.SUBMIT_JOB, b"bad_handles", b"", b"x")
    handle = handle_of(client.packet())
    owner.send_req(T.CAN_DO, b"bad_handles")
    owner.send_req(T.GRAB_JOB)
    owner.packet()
    stranger.send_req(T.CAN_DO, b"bad_handles")
    stranger.send_req(T.WORK_DATA, handle, b"d")
    stranger.send_req(T.WORK_WARNING, handle, b"w")
    stranger.send_req(T.WORK_STATUS, handle, b"1", b"2")
    stranger.send_req(T.WORK_COMPLETE, handle, b"c")
    stranger.send_req(T.WORK_FAIL, handle)
    stranger.send_req(T.WORK_EXCEPTION, handle, b"e")
    stranger.packets(6)
    # The owner finishes normally and the client saw none of the stranger's packets.
    owner.send_req(T.WORK_COMPLETE, handle, b"ok")
    owner.sync()
    client.packet()
    client.sync()
    # After completion the owner's handle is gone too.
    owner.send_req(T.WORK_COMPLETE, handle, b"again")
    owner.packet()


def test_bad_handles(shared: Servers) -> None:
    errors = [
        NOT_FOUND_DATA,
        NOT_FOUND_DATA,
        NOT_FOUND_RESULT,
        NOT_FOUND_RESULT,
        NOT_FOUND_RESULT,
        NOT_FOUND_EXCEPTION,
    ]
    check(
        bad_handles,
        shared,
        expected=[
            *errors,
            *errors,
            pk(T.JOB_CREATED, b"H:#1"),
            pk(T.JOB_ASSIGN, b"H:#1\0bad_handles\0x"),
            *errors,
            NOTHING,
            pk(T.WORK_COMPLETE, b"H:#1\0ok"),
            NOTHING,
            NOT_FOUND_RESULT,
        ],
    )


def work_fail_long_handle(w: Wire) -> None:
    p = w.connect()
    p.send_req(T.WORK_FAIL, b"H:" + b"x" * 70)
    p.packet()


def test_work_fail_long_handle(shared: Servers) -> None:
    check(work_fail_long_handle, shared)


# -- mixed text and binary -------------------------------------------------------------------------


def mixed_text_binary(w: Wire) -> None:
    p = w.connect()
    p.send(
        req(T.ECHO_REQ, b"one")
        + b"cancel job H:nope:1\r\n"
        + req(T.SUBMIT_JOB_BG, b"mixed_fn", b"m1", b"d")
        + b"maxqueue mixed_fn 5\n"
        + req(T.ECHO_REQ, b"two")
        + b"nonsense\r\n"
        + req(T.GET_STATUS_UNIQUE, b"m1")
        + b"show foo\r\n"
    )
    p.packet()
    p.admin_reply()
    p.packet()
    p.admin_reply()
    p.packet()
    p.admin_reply()
    p.packet()
    p.admin_reply()


def test_mixed_text_binary(shared: Servers) -> None:
    check(
        mixed_text_binary,
        shared,
        expected=[
            pk(T.ECHO_RES, b"one"),
            text(b"ERR UNKNOWN_JOB\r\n"),
            pk(T.JOB_CREATED, b"H:#1"),
            text(b"OK\r\n"),
            pk(T.ECHO_RES, b"two"),
            text(b"ERR UNKNOWN_COMMAND Unknown+server+commandnonsense\r\n"),
            pk(T.STATUS_RES_UNIQUE, b"m1\x001\x000\x000\x000\x000"),
            text(b"ERR UNKNOWN_SHOW_ARGUMENTS\r\n"),
        ],
    )


def fragmented(w: Wire) -> None:
    p = w.connect()
    stream = (
        req(T.SUBMIT_JOB_BG, b"frag_fn", b"frag_u", b"data")
        + b"maxqueue frag_fn 9\r\n"
        + req(T.ECHO_REQ, b"x" * 20)
        + req(T.GET_STATUS_UNIQUE, b"frag_u")
    )
    for i in range(len(stream)):
        p.send(stream[i : i + 1])
    p.packet()
    p.admin_reply()
    p.packets(2)


def test_fragmented_writes(shared: Servers) -> None:
    check(
        fragmented,
        shared,
        expected=[
            pk(T.JOB_CREATED, b"H:#1"),
            text(b"OK\r\n"),
            pk(T.ECHO_RES, b"x" * 20),
            pk(T.STATUS_RES_UNIQUE, b"frag_u\x001\x000\x000\x000\x000"),
        ],
    )
