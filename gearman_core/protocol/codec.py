"""A sans-I/O decoder for the Gearman byte stream: bytes in, packets and admin lines out.

The port carries binary packets and admin text lines at once; at each frame boundary the
first byte decides which (NUL: a binary packet, anything else: a text line). Every frame is
bounded: a body's declared length is checked against the limit before any of it is buffered,
and a text line may not grow past its own limit. Nothing here touches a socket.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from .packets import _FIELDS_BY_TYPE, HEADER_SIZE, MAX_TYPE, REQ_MAGIC, RES_MAGIC, Packet

DEFAULT_MAX_BODY = 64 * 1024 * 1024
DEFAULT_MAX_LINE = 64 * 1024

_HEADER = struct.Struct(">4sII")
# Builds a Packet without the Python-level __new__ NamedTuple adds (the hot path).
_new_tuple = tuple.__new__


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
        events: list[Event] = []
        if buf:
            # A frame was cut short: gather until it can complete.
            buf += data
            if len(buf) < self._need:
                return []
            first = self._buffered_packet(buf)
            if first is None:
                data = bytes(buf)
            else:
                # A large body is copied out of the buffer once, not joined up again first.
                events.append(first[0])
                with memoryview(buf) as view:
                    data = bytes(view[first[1] :])
            buf.clear()
        # Parse straight from the immutable chunk: each field is one slice (one copy), and
        # only a trailing partial frame is kept.
        n = len(data)
        pos = 0
        need = 1
        try:
            while pos < n:
                if data[pos] == 0:
                    if n - pos < HEADER_SIZE:
                        need = HEADER_SIZE
                        break
                    magic, ptype, length = _HEADER.unpack_from(data, pos)
                    if magic == REQ_MAGIC:
                        is_request = True
                    elif magic == RES_MAGIC:
                        is_request = False
                    else:
                        raise BadMagic(bytes(magic))
                    if length > self.max_body:
                        raise PacketTooLarge(ptype, length, self.max_body)
                    start = pos + HEADER_SIZE
                    end = start + length
                    if end > n:
                        need = end - pos
                        break
                    count = _FIELDS_BY_TYPE[ptype] if ptype <= MAX_TYPE else 0
                    if count == 1:
                        args: tuple[bytes, ...] = (data[start:end],)
                    elif count == 0:
                        args = ()
                    else:
                        args = _split(data, start, end, count)
                    events.append(_new_tuple(Packet, (ptype, args, is_request)))
                    pos = end
                else:
                    nl = data.find(b"\n", pos, pos + self.max_line + 2)
                    if nl < 0:
                        if n - pos > self.max_line + 1:
                            raise LineTooLong(self.max_line)
                        need = n - pos + 1
                        break
                    line_end = nl - 1 if nl > pos and data[nl - 1] == 0x0D else nl
                    if line_end - pos > self.max_line:
                        # One byte over with a bare LF: the window above leaves room for a CR.
                        raise LineTooLong(self.max_line)
                    events.append(AdminLine(data[pos:line_end]))
                    pos = nl + 1
        except ProtocolError as error:
            self._failed = True
            events.append(error)
            return events
        if pos < n:
            buf += memoryview(data)[pos:]
        self._need = need
        return events

    def _buffered_packet(self, buf: bytearray) -> tuple[Packet, int] | None:
        """The complete, valid binary packet at the start of ``buf`` and its end, if there is
        one; its fields are copied straight from the buffer."""
        if len(buf) < HEADER_SIZE or buf[0] != 0:
            return None
        magic, ptype, length = _HEADER.unpack_from(buf, 0)
        end = HEADER_SIZE + length
        if end > len(buf) or length > self.max_body or magic not in (REQ_MAGIC, RES_MAGIC):
            return None  # incomplete, or an error the general path reports
        count = _FIELDS_BY_TYPE[ptype] if ptype <= MAX_TYPE else 0
        with memoryview(buf) as view:
            if count == 0:
                args: tuple[bytes, ...] = ()
            else:
                args = _split_view(buf, view, HEADER_SIZE, end, count)
        return _new_tuple(Packet, (ptype, args, magic == REQ_MAGIC)), end


def _split_view(
    buf: bytes | bytearray, view: memoryview, start: int, end: int, count: int
) -> tuple[bytes, ...]:
    """As _split, for a large body: each field copied once, through the view."""
    fields = []
    for _ in range(count - 1):
        nul = buf.find(b"\0", start, end)
        if nul < 0:
            break
        fields.append(bytes(view[start:nul]))
        start = nul + 1
    fields.append(bytes(view[start:end]))
    while len(fields) < count:
        fields.append(b"")
    return tuple(fields)


# Below this body size, slicing then splitting in C beats finding each NUL from Python;
# above it, copying the body twice costs more.
_SPLIT_IN_C = 4096


def _split(data: bytes, start: int, end: int, count: int) -> tuple[bytes, ...]:
    """The body data[start:end] as `count` NUL-separated fields. Missing trailing fields are
    empty (lenient, as gearmand); the last field keeps any NULs. A large body's fields are
    copied out once."""
    if end - start < _SPLIT_IN_C:
        parts = data[start:end].split(b"\0", count - 1)
        if len(parts) < count:
            parts.extend([b""] * (count - len(parts)))
        return tuple(parts)
    with memoryview(data) as view:
        return _split_view(data, view, start, end, count)
