"""The admin text protocol, with gearmand's exact reply bytes.

List replies end in `.` lines with bare LF; mutating commands answer `OK` with CRLF; value
replies (`OK <value>`) end with LF; every `ERR` ends with CRLF. Each reply is returned whole
so the transport writes it at once (gearadmin reads until the socket goes quiet).
"""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

from ..engine import PRIORITIES
from .numbers import c_atoi

if TYPE_CHECKING:
    from .connection import Connection
    from .server import GearmanServer

MAX_TOKENS = 5

OK_CRLF = b"OK\r\n"
ERR_TOO_MANY = b"ERR INVALID_ARGUMENTS Too+many+arguments\r\n"
ERR_UNKNOWN_SHOW = b"ERR UNKNOWN_SHOW_ARGUMENTS\r\n"
ERR_UNKNOWN_JOB = b"ERR UNKNOWN_JOB\r\n"
ERR_UNKNOWN_ERROR = b"ERR UNKNOWN_ERROR\r\n"
ERR_FUNCTION_NOT_FOUND = b"ERR function not found\r\n"
ERR_FUNCTION_BUSY = b"ERR there are still connected workers or executing clients\r\n"
ERR_FUNCTION_QUEUED = b"ERR there are still queued jobs\r\n"


def _unknown(token: bytes) -> bytes:
    return b"ERR UNKNOWN_COMMAND Unknown+server+command" + token + b"\r\n"


def _incomplete(command: bytes) -> bytes:
    return (
        b"ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+"
        + command
        + b"\r\n"
    )


def tokenize(line: bytes) -> list[bytes]:
    """Split on spaces as gearmand does: runs collapse, a leading space is an empty word."""
    first, *rest = line.split(b" ")
    return [first, *(word for word in rest if word)]


def run_admin_command(server: GearmanServer, conn: Connection, line: bytes) -> bytes | None:
    """Answer one admin line. None means: close the connection."""
    tokens = tokenize(line)
    if len(tokens) > MAX_TOKENS:
        return ERR_TOO_MANY
    command = tokens[0].lower()
    handler = _COMMANDS.get(command)
    if handler is None:
        return _unknown(tokens[0])
    return handler(server, conn, tokens)


def _status(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    lines = [
        b"%s\t%d\t%d\t%d\n" % (f.name, f.total, f.running, f.worker_count)
        for f in server.engine.functions.values()
    ]
    lines.append(b".\n")
    return b"".join(lines)


def _priority_status(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    lines = [
        b"%s\t%d\t%d\t%d\t%d\n" % (f.name, f.queued[0], f.queued[1], f.queued[2], f.worker_count)
        for f in server.engine.functions.values()
    ]
    lines.append(b".\n")
    return b"".join(lines)


def _workers(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    lines = []
    for other in server.connections:
        worker = other.worker
        head = b"%d %s %s :" % (
            other.fd,
            other.peer.encode(),
            worker.client_id if worker is not None else b"-",
        )
        if worker is not None and worker.records:
            head += b" " + b" ".join(reversed(worker.records))
        lines.append(head + b"\n")
    # Workers on other transports have no socket of ours to number: "-" stands for it.
    for _transport, peer, session in server.stream_workers():
        head = b"- %s %s :" % (peer.encode(), session.client_id)
        if session.records:
            head += b" " + b" ".join(reversed(session.records))
        lines.append(head + b"\n")
    lines.append(b".\n")
    return b"".join(lines)


def _show(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    if len(tokens) < 2:
        return _unknown(tokens[0])
    words = [token.lower() for token in tokens[1:]]
    if words == [b"jobs"]:
        lines = [
            b"%s\t%d\t0\t%d\n" % (job.handle, job.retries, job.background)
            for job in server.engine.jobs.values()
        ]
    elif words == [b"unique", b"jobs"]:
        lines = [job.unique + b"\n" for job in server.engine.jobs.values()]
    elif len(words) == 2 and words[0] == b"result":
        return _show_result(server, tokens[2])
    else:
        return ERR_UNKNOWN_SHOW
    lines.append(b".\n")
    return b"".join(lines)


def _show_result(server: GearmanServer, handle: bytes) -> bytes:
    """A kept outcome: `OUTCOME TAB SIZE TAB SECONDS-LEFT`, the data, then a `.` line.

    The data is sent raw (SIZE bytes) because results are binary; an unknown or expired
    handle answers like `cancel job` does for an unknown one.
    """
    result = server.engine.results.get(handle)
    if result is None:
        return ERR_UNKNOWN_JOB
    left = max(0, int(result.expires - server.engine.scheduler.time()))
    head = b"%s\t%d\t%d\n" % (result.outcome.upper().encode(), len(result.data), left)
    return head + result.data + b"\n.\n"


def _cancel(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    if len(tokens) < 3:
        return _unknown(tokens[0])
    if len(tokens) > 3 or tokens[1].lower() != b"job":
        return ERR_UNKNOWN_ERROR
    return OK_CRLF if server.engine.cancel(tokens[2]) else ERR_UNKNOWN_JOB


def _create(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    if len(tokens) != 3 or tokens[1].lower() != b"function":
        return _incomplete(b"create")
    server.engine.function(tokens[2])
    return OK_CRLF


def _drop(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    if len(tokens) != 3 or tokens[1].lower() != b"function":
        return _incomplete(b"drop")
    outcome = server.engine.drop_function(tokens[2])
    return {
        "ok": OK_CRLF,
        "missing": ERR_FUNCTION_NOT_FOUND,
        "busy": ERR_FUNCTION_BUSY,
        "queued": ERR_FUNCTION_QUEUED,
    }[outcome]


def _maxqueue(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    if len(tokens) < 2:
        return _incomplete(b"maxqueue")
    numbers = [c_atoi(token) for token in tokens[2:]]
    if not numbers:
        limits = (0, 0, 0)
    elif len(numbers) == 1:
        limits = (numbers[0],) * 3
    elif len(numbers) == 2:
        limits = (numbers[0], numbers[1], 0)
    else:
        limits = (numbers[0], numbers[1], numbers[2])
    assert len(limits) == len(PRIORITIES)
    server.engine.set_max_queue(tokens[1], limits)
    return OK_CRLF


def _getpid(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    return b"OK %d\n" % os.getpid()


def _verbose(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    return b"OK %s\n" % server.config.verbose.encode()


def _version(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    return b"OK %s\n" % server.version.encode()


def _shutdown(server: GearmanServer, conn: Connection, tokens: list[bytes]) -> bytes:
    # gearmand removed this command in 1.1.15 because anyone who could connect could stop
    # the server; it stays off unless asked for, and then only answers loopback peers.
    if not server.config.admin_shutdown or not _is_loopback(conn.peer):
        return _unknown(tokens[0])
    if len(tokens) == 1:
        graceful = False
    elif len(tokens) == 2 and tokens[1].lower() == b"graceful":
        graceful = True
    else:
        return _incomplete(b"shutdown")
    # After this turn, so the OK goes out before the connections close.
    server.loop.call_soon(server.request_stop, graceful)
    return OK_CRLF


def _is_loopback(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


_COMMANDS = {
    b"status": _status,
    b"prioritystatus": _priority_status,
    b"workers": _workers,
    b"show": _show,
    b"cancel": _cancel,
    b"create": _create,
    b"drop": _drop,
    b"maxqueue": _maxqueue,
    b"getpid": _getpid,
    b"verbose": _verbose,
    b"version": _version,
    b"shutdown": _shutdown,
}
