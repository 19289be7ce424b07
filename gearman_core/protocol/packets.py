"""Gearman binary packet types, their argument layouts, and the encoder.

A body is a run of NUL-separated fields. For every type, gearmand's table fixes how many
fields there are; the last one runs to the end of the body and may itself contain NULs.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import NamedTuple

REQ_MAGIC = b"\0REQ"
RES_MAGIC = b"\0RES"
HEADER_SIZE = 12

_HEADER = struct.Struct(">4sII")
_RES_HEADER = struct.Struct(">II")


class PacketType(IntEnum):
    CAN_DO = 1
    CANT_DO = 2
    RESET_ABILITIES = 3
    PRE_SLEEP = 4
    UNUSED = 5
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
    ALL_YOURS = 24
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
    SUBMIT_JOB_SCHED = 35
    SUBMIT_JOB_EPOCH = 36
    SUBMIT_REDUCE_JOB = 37
    SUBMIT_REDUCE_JOB_BACKGROUND = 38
    GRAB_JOB_ALL = 39
    JOB_ASSIGN_ALL = 40
    GET_STATUS_UNIQUE = 41
    STATUS_RES_UNIQUE = 42


MAX_TYPE = 42

# Number of fields in the body, the last one running to the end of the body. This is
# gearmand's (argc, has-data) table folded into one number: argc + 1 for data-carrying types.
FIELD_COUNT: dict[int, int] = {
    PacketType.CAN_DO: 1,
    PacketType.CANT_DO: 1,
    PacketType.RESET_ABILITIES: 0,
    PacketType.PRE_SLEEP: 0,
    PacketType.UNUSED: 0,
    PacketType.NOOP: 0,
    PacketType.SUBMIT_JOB: 3,
    PacketType.JOB_CREATED: 1,
    PacketType.GRAB_JOB: 0,
    PacketType.NO_JOB: 0,
    PacketType.JOB_ASSIGN: 3,
    PacketType.WORK_STATUS: 3,
    PacketType.WORK_COMPLETE: 2,
    PacketType.WORK_FAIL: 1,
    PacketType.GET_STATUS: 1,
    PacketType.ECHO_REQ: 1,
    PacketType.ECHO_RES: 1,
    PacketType.SUBMIT_JOB_BG: 3,
    PacketType.ERROR: 2,
    PacketType.STATUS_RES: 5,
    PacketType.SUBMIT_JOB_HIGH: 3,
    PacketType.SET_CLIENT_ID: 1,
    PacketType.CAN_DO_TIMEOUT: 2,
    PacketType.ALL_YOURS: 0,
    PacketType.WORK_EXCEPTION: 2,
    PacketType.OPTION_REQ: 1,
    PacketType.OPTION_RES: 1,
    PacketType.WORK_DATA: 2,
    PacketType.WORK_WARNING: 2,
    PacketType.GRAB_JOB_UNIQ: 0,
    PacketType.JOB_ASSIGN_UNIQ: 4,
    PacketType.SUBMIT_JOB_HIGH_BG: 3,
    PacketType.SUBMIT_JOB_LOW: 3,
    PacketType.SUBMIT_JOB_LOW_BG: 3,
    PacketType.SUBMIT_JOB_SCHED: 8,
    PacketType.SUBMIT_JOB_EPOCH: 4,
    PacketType.SUBMIT_REDUCE_JOB: 5,
    PacketType.SUBMIT_REDUCE_JOB_BACKGROUND: 5,
    PacketType.GRAB_JOB_ALL: 0,
    PacketType.JOB_ASSIGN_ALL: 5,
    PacketType.GET_STATUS_UNIQUE: 1,
    PacketType.STATUS_RES_UNIQUE: 6,
}

# A plain list indexed by type number is faster on the hot path than the dict above.
_FIELDS_BY_TYPE: list[int] = [0] * (MAX_TYPE + 1)
for _t, _n in FIELD_COUNT.items():
    _FIELDS_BY_TYPE[_t] = _n


class Packet(NamedTuple):
    """One binary packet. ``args`` always has exactly FIELD_COUNT[type] entries."""

    type: int
    args: tuple[bytes, ...]
    is_request: bool = True


def split_body(ptype: int, body: bytes) -> tuple[bytes, ...]:
    """Split a body into the type's fields, bounded by the body itself.

    A body with too few separators is read leniently: the missing trailing fields are empty.
    A body sent for a type that takes no fields is discarded, as gearmand does.
    """
    count = _FIELDS_BY_TYPE[ptype]
    if count == 0:
        return ()
    if count == 1:
        return (body,)
    fields = body.split(b"\0", count - 1)
    if len(fields) < count:
        fields.extend([b""] * (count - len(fields)))
    return tuple(fields)


def encode(ptype: int, *args: bytes, magic: bytes = RES_MAGIC) -> bytes:
    """Encode one packet. The last argument is not NUL-terminated."""
    body = b"\0".join(args)
    return _HEADER.pack(magic, ptype, len(body)) + body


def encode_res(ptype: int, body: bytes) -> bytes:
    """Encode a server packet whose body is already joined (the hot path)."""
    return RES_MAGIC + _RES_HEADER.pack(ptype, len(body)) + body


_RES_FULL_HEADER = struct.Struct(">4sII")


def res_header(ptype: int, length: int) -> bytes:
    """The 12-byte header of a server packet whose body of ``length`` bytes follows apart."""
    return _RES_FULL_HEADER.pack(RES_MAGIC, ptype, length)


def encode_req(ptype: int, *args: bytes) -> bytes:
    return encode(ptype, *args, magic=REQ_MAGIC)


def error_packet(code: bytes, text: bytes) -> bytes:
    return encode_res(PacketType.ERROR, code + b"\0" + text)


NOOP_PACKET = encode_res(PacketType.NOOP, b"")
NO_JOB_PACKET = encode_res(PacketType.NO_JOB, b"")
