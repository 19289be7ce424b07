"""The Gearman binary wire format: packet types, encoding, and reading from a stream."""

from __future__ import annotations

import asyncio
import enum
import struct
import zlib
from dataclasses import dataclass

REQ = b"\0REQ"
RES = b"\0RES"
_HEADER = struct.Struct(">4sII")
HEADER_SIZE = _HEADER.size
DEFAULT_PORT = 4730
# Refuse to buffer absurd bodies announced by a broken peer.
MAX_BODY = 1 << 30


class P(enum.IntEnum):
    """Packet types (the ones this package sends or understands)."""

    CAN_DO = 1
    CANT_DO = 2
    RESET_ABILITIES = 3
    PRE_SLEEP = 4
    NOOP = 6
    SUBMIT_JOB = 7
    JOB_CREATED = 8
    GRAB_JOB = 9
    NO_JOB = 10
    JOB_ASSIGN = 11
    WORK_STATUS = 12
    WORK_COMPLETE = 13
    WORK_FAIL = 14
    GET_STATUS = 15
    ECHO_REQ = 16
    ECHO_RES = 17
    SUBMIT_JOB_BG = 18
    ERROR = 19
    STATUS_RES = 20
    SUBMIT_JOB_HIGH = 21
    SET_CLIENT_ID = 22
    CAN_DO_TIMEOUT = 23
    WORK_EXCEPTION = 25
    OPTION_REQ = 26
    OPTION_RES = 27
    WORK_DATA = 28
    WORK_WARNING = 29
    GRAB_JOB_UNIQ = 30
    JOB_ASSIGN_UNIQ = 31
    SUBMIT_JOB_HIGH_BG = 32
    SUBMIT_JOB_LOW = 33
    SUBMIT_JOB_LOW_BG = 34
    SUBMIT_JOB_EPOCH = 36
    GRAB_JOB_ALL = 39
    JOB_ASSIGN_ALL = 40
    GET_STATUS_UNIQUE = 41
    STATUS_RES_UNIQUE = 42


# How many NUL-separated fields each packet we read has (the last runs to the end).
_FIELDS: dict[int, int] = {
    P.NOOP: 0,
    P.NO_JOB: 0,
    P.JOB_CREATED: 1,
    P.JOB_ASSIGN: 3,
    P.WORK_STATUS: 3,
    P.WORK_COMPLETE: 2,
    P.WORK_FAIL: 1,
    P.ECHO_RES: 1,
    P.ERROR: 2,
    P.STATUS_RES: 5,
    P.WORK_EXCEPTION: 2,
    P.OPTION_RES: 1,
    P.WORK_DATA: 2,
    P.WORK_WARNING: 2,
    P.JOB_ASSIGN_UNIQ: 4,
    P.JOB_ASSIGN_ALL: 5,
    P.STATUS_RES_UNIQUE: 6,
}

# (priority, background) -> submit packet type.
SUBMIT_TYPES: dict[tuple[int, bool], P] = {
    (0, False): P.SUBMIT_JOB,
    (0, True): P.SUBMIT_JOB_BG,
    (1, False): P.SUBMIT_JOB_LOW,
    (1, True): P.SUBMIT_JOB_LOW_BG,
    (2, False): P.SUBMIT_JOB_HIGH,
    (2, True): P.SUBMIT_JOB_HIGH_BG,
}


class ProtocolError(Exception):
    """The peer sent bytes that are not a Gearman response."""


@dataclass(frozen=True)
class Packet:
    type: int
    fields: tuple[bytes, ...]

    def arg(self, index: int) -> bytes:
        return self.fields[index] if index < len(self.fields) else b""


def encode(ptype: int, *fields: bytes) -> bytes:
    """A request packet: fields joined by NUL (the last one is not terminated)."""
    body = b"\0".join(fields)
    return _HEADER.pack(REQ, ptype, len(body)) + body


def split(ptype: int, body: bytes) -> tuple[bytes, ...]:
    count = _FIELDS.get(ptype, 1)
    if count == 0:
        return ()
    parts = body.split(b"\0", count - 1)
    parts.extend([b""] * (count - len(parts)))
    return tuple(parts)


async def read_packet(reader: asyncio.StreamReader) -> Packet:
    """Read one response packet; raises IncompleteReadError at EOF."""
    header = await reader.readexactly(HEADER_SIZE)
    magic, ptype, size = _HEADER.unpack(header)
    if magic != RES:
        raise ProtocolError(f"bad magic {magic!r}")
    if size > MAX_BODY:
        raise ProtocolError(f"packet body of {size} bytes")
    body = await reader.readexactly(size) if size else b""
    return Packet(ptype, split(ptype, body))


def server_index(key: bytes, count: int) -> int:
    """Perl Gearman::Client's choice of server for a unique: the same key, the same server."""
    return ((zlib.crc32(key) >> 16) & 0x7FFF) % count


def parse_address(text: str) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port`; the port defaults to 4730."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port else DEFAULT_PORT
    if text.count(":") == 1:
        host, port = text.split(":")
        return host or "localhost", int(port) if port else DEFAULT_PORT
    return text or "localhost", DEFAULT_PORT
