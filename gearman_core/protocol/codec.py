"""A sans-I/O decoder for the Gearman byte stream: bytes in, packets and admin lines out.

The port carries binary packets and admin text lines at once; at each frame boundary the
first byte decides which (NUL: a binary packet, anything else: a text line). Every frame is
bounded: a body's declared length is checked against the limit before any of it is buffered,
and a text line may not grow past its own limit. Nothing here touches a socket.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from .packets import HEADER_SIZE, MAX_TYPE, REQ_MAGIC, RES_MAGIC, Packet, split_body

DEFAULT_MAX_BODY = 64 * 1024 * 1024
DEFAULT_MAX_LINE = 64 * 1024

_HEADER = struct.Struct(">4sII")


class AdminLine(NamedTuple):
    """One admin command line, without its line ending (LF or CRLF)."""

    line: bytes


class ProtocolError(Exception):
    """The stream cannot be trusted any more; the connection must be closed."""


class BadMagic(ProtocolError):
    def __init__(self, magic: bytes) -> None:
        super().__init__(f"invalid magic {magic!r}")


class PacketTooLarge(ProtocolError):
    def __init__(self, ptype: int, length: int, limit: int) -> None:
        super().__init__(f"packet type {ptype} declares {length} bytes, limit is {limit}")
        self.ptype = ptype
        self.length = length
        self.limit = limit


class LineTooLong(ProtocolError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"admin line longer than {limit} bytes")


Event = Packet | AdminLine | ProtocolError


class Decoder:
    """Turns a byte stream into events.

    ``feed`` returns every complete event in the order it arrived. Unknown packet types
    (0 or above 42) come out as a Packet with no arguments so the caller can answer them;
    their bodies are bounded like any other. A framing error comes out as a ProtocolError
    event after the good events that preceded it, and the decoder then stays failed: the
    packets a peer sent before its garbage are still answered, in order.
    """

    __slots__ = ("_buf", "_failed", "_need", "max_body", "max_line")

    def __init__(self, max_body: int = DEFAULT_MAX_BODY, max_line: int = DEFAULT_MAX_LINE) -> None:
        self._buf = bytearray()
        self._failed = False
        # Bytes the buffer must hold before parsing can make progress; spares rescanning a
        # large body on every chunk that arrives.
        self._need = 1
        self.max_body = max_body
        self.max_line = max_line

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        if self._failed:
            return []
        buf = self._buf
        buf += data
        n = len(buf)
        if n < self._need:
            return []
        events: list[Event] = []
        pos = 0
        need = 1
        try:
            while pos < n:
                if buf[pos] == 0:
                    if n - pos < HEADER_SIZE:
                        need = HEADER_SIZE
                        break
                    magic, ptype, length = _HEADER.unpack_from(buf, pos)
                    if magic != REQ_MAGIC and magic != RES_MAGIC:
                        raise BadMagic(bytes(magic))
                    if length > self.max_body:
                        raise PacketTooLarge(ptype, length, self.max_body)
                    end = pos + HEADER_SIZE + length
                    if end > n:
                        need = end - pos
                        break
                    if 0 < ptype <= MAX_TYPE:
                        body = bytes(buf[pos + HEADER_SIZE : end])
                        events.append(Packet(ptype, split_body(ptype, body), magic == REQ_MAGIC))
                    else:
                        events.append(Packet(ptype, (), magic == REQ_MAGIC))
                    pos = end
                else:
                    nl = buf.find(b"\n", pos, pos + self.max_line + 2)
                    if nl < 0:
                        if n - pos > self.max_line + 1:
                            raise LineTooLong(self.max_line)
                        need = n - pos + 1
                        break
                    line_end = nl - 1 if nl > pos and buf[nl - 1] == 0x0D else nl
                    if line_end - pos > self.max_line:
                        # One byte over with a bare LF: the window above leaves room for a CR.
                        raise LineTooLong(self.max_line)
                    events.append(AdminLine(bytes(buf[pos:line_end])))
                    pos = nl + 1
        except ProtocolError as error:
            self._failed = True
            buf.clear()
            events.append(error)
            return events
        if pos:
            del buf[:pos]
        self._need = need
        return events
