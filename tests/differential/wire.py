"""A small raw-socket Gearman speaker for differential tests.

A scenario drives one server through a `Wire`: it opens `Peer` connections, writes request
packets and admin lines, and reads replies. Every reply a scenario reads is appended to the
wire's transcript, so running the same scenario against two servers yields two transcripts that
can be compared after `normalise` has replaced the job handles and rendered the packets.

Reads are exact (one packet by its declared length, one admin reply up to its end) and bounded
by a timeout, so a server that stays silent makes the scenario record `<timeout>` instead of
hanging. `Peer.sync` sends an ECHO_REQ with a marker and collects everything that arrives
before the echo: a server handles a connection's requests in order, so this returns exactly the
packets that were queued for the peer before the echo, with no sleeping.
"""

from __future__ import annotations

import os
import re
import socket
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import count

from servers import Server

from gearman_core.protocol import PacketType, encode_req

HEADER = struct.Struct(">4sII")
HANDLE_PREFIX = "H:test"
HANDLE_RE = re.compile(rb"H:test:\d+")
FD_COLUMN = re.compile(rb"(?m)^\d+(?= )")
READ_TIMEOUT = 5.0


class ReplyTimeout(Exception):
    """The server sent nothing (or not enough) within the read timeout."""


class ConnectionClosed(Exception):
    """The server closed the connection while a reply was expected."""


def req(ptype: int, *args: bytes) -> bytes:
    """Encode a request packet (the last argument is not NUL-terminated)."""
    return encode_req(ptype, *args)


def raw_req(ptype: int, body: bytes, magic: bytes = b"\0REQ") -> bytes:
    """Encode a packet from a ready body, with any magic."""
    return HEADER.pack(magic, ptype, len(body)) + body


class Peer:
    """One connection to the server under test."""

    def __init__(self, wire: Wire, name: str) -> None:
        self.wire = wire
        self.name = name
        self.sock = socket.create_connection(wire.address, timeout=READ_TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.eof = False
        self._markers = count(1)

    # -- writing -------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Write bytes; if the server already closed, the next read reports `<closed>`."""
        with suppress(BrokenPipeError, ConnectionResetError):
            self.sock.sendall(data)

    def send_req(self, ptype: int, *args: bytes) -> None:
        self.send(req(ptype, *args))

    # -- low-level reading ---------------------------------------------------------------

    def _fill(self, timeout: float) -> None:
        """Receive one chunk into the buffer, raising on timeout or EOF."""
        if self.eof:
            raise ConnectionClosed(self.name)
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError as error:
            raise ReplyTimeout(self.name) from error
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            raise ConnectionClosed(self.name)
        self.buf += chunk

    def _take(self, n: int) -> bytes:
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _packet(self, timeout: float = READ_TIMEOUT) -> bytes:
        while len(self.buf) < HEADER.size:
            self._fill(timeout)
        _magic, _ptype, length = HEADER.unpack_from(self.buf)
        while len(self.buf) < HEADER.size + length:
            self._fill(timeout)
        return self._take(HEADER.size + length)

    def _line(self, timeout: float = READ_TIMEOUT) -> bytes:
        while b"\n" not in self.buf:
            self._fill(timeout)
        return self._take(self.buf.index(b"\n") + 1)

    def _admin_reply(self) -> bytes:
        first = self._line()
        if first.startswith((b"OK", b"ERR")):
            return first
        lines = [first]
        while lines[-1] != b".\n":
            lines.append(self._line())
        return b"".join(lines)

    # -- recorded reads ------------------------------------------------------------------

    def record(self, data: bytes) -> bytes:
        self.wire.transcript.append(data)
        return data

    def packet(self) -> bytes:
        """Read exactly one binary packet and record it."""
        return self.record(self.wire.guard(self._packet))

    def unrecorded_packet(self) -> bytes:
        """Read one packet without recording it (for replies the scenario checks itself)."""
        return self.wire.guard(self._packet)

    def packets(self, n: int) -> list[bytes]:
        return [self.packet() for _ in range(n)]

    def admin_reply(self) -> bytes:
        return self.record(self.wire.guard(self._admin_reply))

    def admin(self, line: bytes, unordered: bool = False, fd_column: bool = False) -> bytes:
        """Send one admin line (give its line ending) and record its reply.

        With ``unordered`` the lines of a list reply are recorded sorted, for the replies whose
        order the protocol does not fix. With ``fd_column`` (for `workers`) the leading socket
        number of each line is replaced by `#` first, and the lines are sorted.
        """
        self.send(line)
        reply = self.wire.guard(self._admin_reply)
        if fd_column:
            reply = FD_COLUMN.sub(b"#", reply)
            unordered = True
        if unordered:
            reply = sort_listing(reply)
        return self.record(reply)

    def unrecorded_admin(self, line: bytes) -> bytes:
        """Send an admin line and return its reply without recording it."""
        self.send(line)
        return self.wire.guard(self._admin_reply)

    def sync(self) -> bytes:
        """Record everything queued for this peer before an ECHO round trip (may be b'')."""

        def collect() -> bytes:
            marker = b"sync-%d" % next(self._markers)
            echo = raw_req(PacketType.ECHO_RES, marker, magic=b"\0RES")
            self.send(req(PacketType.ECHO_REQ, marker))
            got = b""
            while True:
                packet = self._packet()
                if packet == echo:
                    return got
                got += packet

        return self.record(self.wire.guard(collect))

    def unrecorded_sync(self) -> bytes:
        """Like sync, without recording (for replies the scenario summarises itself)."""
        reply = self.sync()
        self.wire.transcript.pop()
        return reply

    def expect_closed(self) -> bytes:
        """Record what arrives until the server closes the connection (b'<closed>' at EOF)."""

        def until_eof() -> bytes:
            got = b""
            try:
                while True:
                    self._fill(READ_TIMEOUT)
                    got += self._take(len(self.buf))
            except ConnectionClosed:
                return got + self._take(len(self.buf)) + b"<closed>"

        return self.record(self.wire.guard(until_eof))

    def close(self) -> None:
        with suppress(OSError):
            self.sock.close()


class Wire:
    """A peer factory for one server, collecting the transcript of what the peers read."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.kind = server.kind
        self.address = (server.host, server.port)
        self.transcript: list[bytes] = []
        self.peers: list[Peer] = []

    def connect(self, name: str = "") -> Peer:
        peer = Peer(self, name or f"peer{len(self.peers) + 1}")
        self.peers.append(peer)
        return peer

    def note(self, data: bytes) -> None:
        """Record a value the scenario computed itself (a count, a shape)."""
        self.transcript.append(data)

    def guard(self, read: Callable[[], bytes]) -> bytes:
        """Run a read; a timeout or a close becomes a marker in the transcript."""
        try:
            return read()
        except ReplyTimeout:
            return b"<timeout>"
        except ConnectionClosed:
            return b"<closed>"

    def close(self) -> None:
        for peer in self.peers:
            peer.close()


Scenario = Callable[[Wire], None]


def sort_listing(reply: bytes) -> bytes:
    """Sort the lines of a `.`-terminated list reply, keeping the terminator last."""
    if not reply.endswith(b".\n"):
        return reply
    lines = reply[:-2].splitlines(keepends=True)
    return b"".join(sorted(lines)) + b".\n"


def run(scenario: Scenario, server: Server) -> list[bytes]:
    """Run a scenario against a server; return the transcript of replies it read."""
    wire = Wire(server)
    try:
        scenario(wire)
    except OSError as error:
        wire.transcript.append(b"<error %r>" % str(error).encode())
    finally:
        wire.close()
    return wire.transcript


@contextmanager
def started(kind: str, args: Sequence[str] = ()) -> Iterator[Server]:
    """Start one server with the shared handle prefix; stop it on leaving."""
    server = Server(kind, ("--job-handle-prefix", HANDLE_PREFIX, *args))
    try:
        yield server
    finally:
        server.stop()


# Which servers the differential tests run. Both by default; DIFFERENTIAL_KINDS=gearmand runs
# only the reference (the literal expectations are then still checked against it).
KINDS = tuple(os.environ.get("DIFFERENTIAL_KINDS", "gearmand,geargate").split(","))


class Servers:
    """One server of each kind with the same flags, started on first use and kept for reuse.

    Scenarios that share these must use their own function names and uniques.
    """

    def __init__(self, args: Sequence[str] = ()) -> None:
        self.args = tuple(args)
        self._running: dict[str, Server] = {}

    def get(self, kind: str) -> Server:
        if kind not in self._running:
            self._running[kind] = Server(kind, ("--job-handle-prefix", HANDLE_PREFIX, *self.args))
        return self._running[kind]

    def stop(self) -> None:
        for server in self._running.values():
            server.stop()
        self._running.clear()


def transcripts(
    scenario: Scenario, shared: Servers | None = None, args: Sequence[str] = ()
) -> dict[str, list[str]]:
    """Run a scenario on each server kind (shared ones, or fresh ones with ``args``)."""
    result: dict[str, list[str]] = {}
    for kind in KINDS:
        if shared is not None:
            result[kind] = normalise(run(scenario, shared.get(kind)))
        else:
            with started(kind, args) as server:
                result[kind] = normalise(run(scenario, server))
    return result


def check(
    scenario: Scenario,
    shared: Servers | None = None,
    args: Sequence[str] = (),
    expected: list[str] | None = None,
) -> dict[str, list[str]]:
    """Run on both servers and require identical normalised transcripts.

    ``expected``, when given, is what gearmand must produce; it pins the reference down so a
    scenario that went wrong on both sides cannot pass unnoticed.
    """
    result = transcripts(scenario, shared, args)
    if expected is not None and "gearmand" in result:
        require_same("expected", expected, "gearmand", result["gearmand"])
    if "gearmand" in result and "geargate" in result:
        require_same("gearmand", result["gearmand"], "geargate", result["geargate"])
    return result


def check_each(
    scenario: Scenario,
    own: dict[str, list[str]],
    shared: Servers | None = None,
    args: Sequence[str] = (),
) -> None:
    """For a deliberate difference: each server must produce its own expected transcript."""
    for kind, got in transcripts(scenario, shared, args).items():
        require_same("expected", own[kind], kind, got)


def require_same(left_name: str, left: list[str], right_name: str, right: list[str]) -> None:
    """Fail with a step-by-step listing of two transcripts unless they are equal."""
    if left == right:
        return
    lines = [f"{right_name} differs from {left_name}:"]
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else "(missing)"
        b = right[i] if i < len(right) else "(missing)"
        if a == b:
            lines.append(f"  {i:3}   {a}")
        else:
            lines.append(f"  {i:3} - {left_name}: {a}")
            lines.append(f"      + {right_name}: {b}")
    raise AssertionError("\n".join(lines))


def pk(ptype: int, body: bytes = b"") -> str:
    """The rendering of one server packet, for writing expectations."""
    return f"{_TYPE_NAMES[ptype]} {body!r}"


def pks(*packets: tuple[int, bytes]) -> str:
    """The rendering of several packets read as one entry (see Peer.sync)."""
    return " + ".join(pk(t, b) for t, b in packets) if packets else NOTHING


def text(data: bytes) -> str:
    """The rendering of an admin reply, for writing expectations."""
    return f"TEXT {data!r}"


NOTHING = "<nothing>"


# -- normalising -----------------------------------------------------------------------------------

_TYPE_NAMES = {int(t): t.name for t in PacketType}


def _handles(transcript: list[bytes]) -> dict[bytes, bytes]:
    mapping: dict[bytes, bytes] = {}
    for entry in transcript:
        for match in HANDLE_RE.finditer(entry):
            mapping.setdefault(match.group(), b"H:#%d" % (len(mapping) + 1))
    return mapping


def render(entry: bytes, handles: dict[bytes, bytes] | None = None) -> str:
    """Render one transcript entry readably: packets as `TYPE b'body'`, text as is."""

    def fix(data: bytes) -> bytes:
        if handles:
            data = HANDLE_RE.sub(lambda m: handles.get(m.group(), m.group()), data)
        return data

    frames: list[str] = []
    rest = entry
    while rest:
        if rest[:1] == b"\0" and len(rest) >= HEADER.size:
            magic, ptype, length = HEADER.unpack_from(rest)
            body = rest[HEADER.size : HEADER.size + length]
            if len(body) < length:
                frames.append(f"TRUNCATED {rest!r}")
                break
            name = _TYPE_NAMES.get(ptype, str(ptype))
            if magic != b"\0RES":
                name = f"{magic!r}:{name}"
            frames.append(f"{name} {fix(body)!r}")
            rest = rest[HEADER.size + length :]
        else:
            frames.append(f"TEXT {fix(rest)!r}")
            break
    return " + ".join(frames) if frames else "<nothing>"


def normalise(transcript: list[bytes]) -> list[str]:
    """Render a transcript with each job handle replaced by `H:#n` in order of appearance."""
    handles = _handles(transcript)
    return [render(entry, handles) for entry in transcript]


def handle_of(reply: bytes) -> bytes:
    """The body of a JOB_CREATED packet (or b'' if the reply is something else)."""
    if len(reply) >= HEADER.size and reply[4:8] == struct.pack(">I", PacketType.JOB_CREATED):
        return reply[HEADER.size :]
    return b""
