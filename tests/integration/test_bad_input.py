"""Hostile and broken peers against a running server, over raw sockets.

Every test keeps a healthy client and a healthy worker connected from before the abuse until
after it: a job submitted before and one submitted after must both complete with the right
result, `status` must be right, and the server process must still be alive. The abusive
connection gets the answer the deliberate-difference list promises (geargate) or what gearmand
1.1.20 does (SERVER_UNDER_TEST=gearmand), or is closed on its own.
"""

from __future__ import annotations

import os
import random
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest
from servers import Server

from gearman_core.protocol import (
    AdminLine,
    Decoder,
    Event,
    Packet,
    PacketType,
    ProtocolError,
    encode_req,
)

KIND = os.environ.get("SERVER_UNDER_TEST", "geargate")
GEARGATE = KIND == "geargate"
MAX_PACKET = 1024 * 1024
WAIT = 10.0  # seconds a reply may take before the test gives up (a hang guard, not a timing test)

NOT_EXPECTED = Packet(PacketType.ERROR, (b"INVALID_COMMAND", b"Command not expected"), False)


def header(ptype: int, length: int, magic: bytes = b"\0REQ") -> bytes:
    return struct.pack(">4sII", magic, ptype, length)


class Peer:
    """One raw connection that decodes whatever the server sends back."""

    def __init__(self, server: Server) -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=WAIT)
        self.decoder = Decoder(max_body=1 << 30, max_line=1 << 24)
        self.pending: deque[Event] = deque()
        self.eof = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        if self.eof:
            raise EOFError("connection closed by the server")
        try:
            data = self.sock.recv(1 << 20)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            raise EOFError("connection closed by the server")
        for event in self.decoder.feed(data):
            assert not isinstance(event, ProtocolError), event
            self.pending.append(event)

    def event(self) -> Event:
        while not self.pending:
            self._fill()
        return self.pending.popleft()

    def packet(self, skip_noop: bool = False) -> Packet:
        while True:
            event = self.event()
            assert isinstance(event, Packet), event
            if not (skip_noop and event.type == PacketType.NOOP):
                return event

    def line(self) -> bytes:
        event = self.event()
        assert isinstance(event, AdminLine), event
        return event.line

    def read_until_closed(self) -> list[Event]:
        """Everything the server sends until it closes the connection."""
        events = list(self.pending)
        self.pending.clear()
        while True:
            try:
                self._fill()
            except EOFError:
                break
            events.extend(self.pending)
            self.pending.clear()
        return events

    def echo(self, token: bytes) -> None:
        """A round trip that proves the connection is still open and in sync."""
        self.send(encode_req(PacketType.ECHO_REQ, token))
        assert self.packet() == Packet(PacketType.ECHO_RES, (token,), False)

    def close(self) -> None:
        self.sock.close()


def status(server: Server) -> dict[bytes, tuple[int, int, int]]:
    reply = server.admin("status")
    assert reply.endswith(b".\n"), reply
    table: dict[bytes, tuple[int, int, int]] = {}
    for row in reply.split(b"\n")[:-2]:
        fields = row.split(b"\t")
        if len(fields) == 4:  # a function name may itself hold a tab or a newline
            table[fields[0]] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def wait_for_status(server: Server, function: bytes, want: tuple[int, int, int]) -> None:
    """Poll `status` until a row matches (changes from another connection land asynchronously)."""
    deadline = time.monotonic() + WAIT
    while True:
        row = status(server).get(function)
        if row == want or time.monotonic() > deadline:
            assert row == want, (function, row)
            return
        time.sleep(0.02)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for row in handle:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    raise AssertionError("no VmRSS")


class Healthy:
    """A client and a worker for `rev` that connect before the abuse and must not notice it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client = Peer(server)
        self.worker = Peer(server)
        self.worker.send(encode_req(PacketType.CAN_DO, b"rev"))
        self.worker.echo(b"registered")

    def job(self, payload: bytes) -> None:
        self.client.send(encode_req(PacketType.SUBMIT_JOB, b"rev", b"", payload))
        created = self.client.packet()
        assert created.type == PacketType.JOB_CREATED, created
        (handle,) = created.args
        self.worker.send(encode_req(PacketType.GRAB_JOB))
        assigned = self.worker.packet(skip_noop=True)
        assert assigned == Packet(PacketType.JOB_ASSIGN, (handle, b"rev", payload), False)
        self.worker.send(encode_req(PacketType.WORK_COMPLETE, handle, payload[::-1]))
        done = self.client.packet()
        assert done == Packet(PacketType.WORK_COMPLETE, (handle, payload[::-1]), False)

    def check(self, tag: bytes) -> None:
        self.job(b"job " + tag + b" \0 with a NUL")
        self.client.echo(b"client " + tag)
        self.worker.echo(b"worker " + tag)
        assert status(self.server)[b"rev"] == (0, 0, 1)
        assert self.server.proc.poll() is None, "the server process died"

    def finish(self) -> None:
        """The last check of a test: still healthy, then stopped with nothing having crashed."""
        self.check(b"after")
        self.close()
        stderr = self.server.stop()
        assert "Traceback" not in stderr, stderr[-4000:]

    def close(self) -> None:
        self.client.close()
        self.worker.close()


@pytest.fixture
def srv(start_server: Callable[..., Server]) -> Server:
    return start_server(["--max-packet-size", str(MAX_PACKET)] if GEARGATE else [])


@pytest.fixture
def healthy(srv: Server) -> Iterator[Healthy]:
    pair = Healthy(srv)
    pair.check(b"before")
    yield pair
    pair.close()


def test_bad_magic_closes_only_that_connection(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(header(PacketType.ECHO_REQ, 4, b"\0BAD") + b"ping")
    assert abuser.read_until_closed() == []
    healthy.finish()


def test_res_magic_is_answered_and_connection_stays(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(header(PacketType.ECHO_REQ, 4, b"\0RES") + b"ping")
    assert abuser.packet() == Packet(
        PacketType.ERROR, (b"INVALID_MAGIC", b"Request magic expected"), False
    )
    abuser.echo(b"still here")
    healthy.finish()


@pytest.mark.parametrize("ptype", [0, 43, 255])
def test_unknown_type(srv: Server, healthy: Healthy, ptype: int) -> None:
    abuser = Peer(srv)
    abuser.send(header(ptype, 3) + b"a\0b")
    if GEARGATE:  # deliberate difference 11
        assert abuser.packet() == NOT_EXPECTED
        abuser.echo(b"still here")
    else:
        assert abuser.read_until_closed() == []
    healthy.finish()


SERVER_SIDE_TYPES = [5, 6, 8, 10, 11, 17, 19, 20, 24, 27, 31, 35, 40, 42]


def test_server_to_client_types_sent_to_server(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    for ptype in SERVER_SIDE_TYPES:
        abuser.send(encode_req(ptype, b"H:vm:1", b"x", b"y", b"z", b"0", b"1", b"2", b"data"))
    for ptype in SERVER_SIDE_TYPES:
        assert abuser.packet() == NOT_EXPECTED, ptype
    abuser.echo(b"still here")
    healthy.finish()


@pytest.mark.skipif(not GEARGATE, reason="gearmand reads past the body and desynchronises")
def test_submit_job_without_separators(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(header(PacketType.SUBMIT_JOB, 4) + b"func")
    created = abuser.packet()
    assert created.type == PacketType.JOB_CREATED
    abuser.echo(b"in sync")
    assert status(srv)[b"func"] == (1, 0, 0)
    # The job really is function `func` with an empty unique and an empty workload.
    grabber = Peer(srv)
    grabber.send(encode_req(PacketType.CAN_DO, b"func") + encode_req(PacketType.GRAB_JOB_UNIQ))
    assigned = grabber.packet(skip_noop=True)
    assert assigned == Packet(
        PacketType.JOB_ASSIGN_UNIQ, (created.args[0], b"func", b"", b""), False
    )
    grabber.send(encode_req(PacketType.WORK_COMPLETE, created.args[0], b"ok"))
    assert abuser.packet() == Packet(PacketType.WORK_COMPLETE, (created.args[0], b"ok"), False)
    grabber.close()
    healthy.finish()


@pytest.mark.skipif(not GEARGATE, reason="gearmand reads past the body and desynchronises")
def test_work_complete_without_separator(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(header(PacketType.WORK_COMPLETE, 9) + b"H:bogus:1")
    assert abuser.packet() == Packet(
        PacketType.ERROR, (b"JOB_NOT_FOUND", b"Job given in work result not found"), False
    )
    abuser.echo(b"in sync")

    # With a real handle the missing NUL means "complete with an empty result".
    submitter = Peer(srv)
    abuser.send(encode_req(PacketType.CAN_DO, b"nonul"))
    abuser.echo(b"registered")
    submitter.send(encode_req(PacketType.SUBMIT_JOB, b"nonul", b"", b"payload"))
    created = submitter.packet()
    assert created.type == PacketType.JOB_CREATED
    (handle,) = created.args
    abuser.send(encode_req(PacketType.GRAB_JOB))
    assert abuser.packet(skip_noop=True) == Packet(
        PacketType.JOB_ASSIGN, (handle, b"nonul", b"payload"), False
    )
    abuser.send(header(PacketType.WORK_COMPLETE, len(handle)) + handle)
    assert submitter.packet() == Packet(PacketType.WORK_COMPLETE, (handle, b""), False)
    abuser.echo(b"still in sync")
    wait_for_status(srv, b"nonul", (0, 0, 1))
    submitter.close()
    healthy.finish()


def test_declared_length_4gib(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(header(PacketType.SUBMIT_JOB, 0xFFFFFFFF) + b"func\0\0abc")
    if GEARGATE:  # deliberate difference 12
        assert abuser.read_until_closed() == [
            Packet(
                PacketType.ERROR,
                (b"ARGUMENT_TOO_LARGE", b"Packet exceeds the server's size limit"),
                False,
            )
        ]
    healthy.check(b"during")
    abuser.close()
    healthy.finish()


def test_body_over_max_packet_size(srv: Server, healthy: Healthy) -> None:
    if not GEARGATE:
        pytest.skip("gearmand has no --max-packet-size")
    abuser = Peer(srv)
    abuser.send(encode_req(PacketType.ECHO_REQ, b"x" * MAX_PACKET))
    assert abuser.packet() == Packet(PacketType.ECHO_RES, (b"x" * MAX_PACKET,), False)
    # Only the start of the body: the refusal must come from the header alone. (Sending all of
    # it would race the close, which may reset the connection before the ERROR is read.)
    abuser.send(header(PacketType.ECHO_REQ, MAX_PACKET + 1) + b"x" * 100)
    assert abuser.read_until_closed() == [
        Packet(
            PacketType.ERROR,
            (b"ARGUMENT_TOO_LARGE", b"Packet exceeds the server's size limit"),
            False,
        )
    ]
    healthy.finish()


def stream_until_closed(peer: Peer, source: Callable[[], bytes], limit: int) -> int:
    """Send chunks from ``source`` while draining replies; stop at ``limit`` bytes or at EOF.

    Returns the number of bytes sent. Replies are read (and decoded) as they come so the server
    is never blocked on a full socket towards us.
    """
    sock = peer.sock
    sock.setblocking(False)
    sent = 0
    out = b""
    deadline = time.monotonic() + 120
    try:
        while sent < limit or out:
            assert time.monotonic() < deadline, "streaming did not finish"
            if not out and sent < limit:
                out = source()
            readable, writable, _ = select.select([sock], [sock] if out else [], [], 1.0)
            if readable:
                try:
                    data = sock.recv(1 << 20)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    peer.eof = True
                    return sent
                peer.pending.extend(peer.decoder.feed(data))
            if writable:
                try:
                    n = sock.send(out)
                except (BrokenPipeError, ConnectionResetError):
                    peer.eof = True
                    return sent
                sent += n
                out = out[n:]
    finally:
        sock.setblocking(True)
        sock.settimeout(WAIT)
    return sent


def test_100_mb_of_random_bytes(srv: Server, healthy: Healthy) -> None:
    rng = random.Random(20240617)
    abuser = Peer(srv)
    sent = stream_until_closed(abuser, lambda: rng.randbytes(65536), 100 * 1024 * 1024)
    assert abuser.eof, f"the server read {sent} random bytes without closing"
    healthy.finish()


def random_packet(rng: random.Random) -> bytes:
    ptype = rng.choice([*range(0, 44), 255])
    # No tabs or newlines: random function names would otherwise garble `status` rows.
    fields = [
        rng.randbytes(rng.randrange(0, 24)).translate(None, b"\t\n")
        for _ in range(rng.randrange(0, 5))
    ]
    if rng.random() < 0.3:
        fields = [f.replace(b"\0", b"") for f in fields]
    body = b"\0".join(fields)
    return header(ptype, len(body)) + body


def test_random_valid_magic_packets(srv: Server, healthy: Healthy) -> None:
    rng = random.Random(4730)
    abuser = Peer(srv)

    def burst() -> bytes:
        return b"".join(random_packet(rng) for _ in range(200))

    stream_until_closed(abuser, burst, 2 * 1024 * 1024)
    healthy.check(b"during")
    if not abuser.eof:
        # Still connected: the stream must still be in sync.
        abuser.sock.sendall(encode_req(PacketType.ECHO_REQ, b"in sync?"))
        while True:
            try:
                event = abuser.event()
            except EOFError:
                break
            if event == Packet(PacketType.ECHO_RES, (b"in sync?",), False):
                break
    abuser.close()
    healthy.finish()


def test_half_packet_and_half_line_stall(srv: Server, healthy: Healthy) -> None:
    stalled = Peer(srv)
    packet = encode_req(PacketType.SUBMIT_JOB, b"stalled", b"", b"x" * 100)
    stalled.send(packet[:60])
    half_line = Peer(srv)
    half_line.send(b"stat")
    half_header = Peer(srv)
    half_header.send(packet[:7])
    healthy.check(b"during")
    assert b"stalled" not in status(srv)
    # Each stalled connection picks up where it left off.
    stalled.send(packet[60:])
    assert stalled.packet().type == PacketType.JOB_CREATED
    half_header.send(packet[7:])
    assert half_header.packet().type == PacketType.JOB_CREATED
    half_line.send(b"us\n")
    rows = []
    while (row := half_line.line()) != b".":
        rows.append(row)
    assert b"rev\t0\t0\t1" in rows
    assert b"stalled\t2\t0\t0" in rows
    for peer in (stalled, half_line, half_header):
        peer.close()
    healthy.finish()


def test_admin_line_of_six_tokens(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    abuser.send(b"status a b c d e\r\n")
    if GEARGATE:  # deliberate difference 13
        assert abuser.line() == b"ERR INVALID_ARGUMENTS Too+many+arguments"
        abuser.send(b"version\n")
        assert abuser.line() == b"OK 0.1.0"
        abuser.echo(b"binary too")
    else:
        assert abuser.read_until_closed() == []
    # Five tokens are fine on both.
    five = Peer(srv)
    five.send(b"maxqueue rev 10 10 10\r\n")
    assert five.line() == b"OK"
    five.close()
    healthy.finish()


def test_admin_line_of_1_mib_without_newline(srv: Server, healthy: Healthy) -> None:
    abuser = Peer(srv)
    stream_until_closed(abuser, lambda: b"x" * 65536, 1024 * 1024)
    if GEARGATE:  # deliberate difference 13: closed, no reply
        try:
            assert abuser.read_until_closed() == []
        except TimeoutError:
            pytest.fail("the server kept a 1 MiB admin line without a newline open")
    healthy.finish()


class SlowReaderWorker(threading.Thread):
    """Completes every `fat` job with a big result, as fast as the server lets it."""

    def __init__(self, server: Server, result: bytes) -> None:
        super().__init__(daemon=True)
        self.peer = Peer(server)
        self.result = result
        self.stop = threading.Event()
        self.done = 0
        self.error: BaseException | None = None

    def _send(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.stop.is_set():
            _, writable, _ = select.select([], [self.peer.sock], [], 0.2)
            if writable:
                view = view[self.peer.sock.send(view) :]
        if view:
            raise InterruptedError

    def _packet(self) -> Packet:
        while not self.peer.pending:
            if self.stop.is_set():
                raise InterruptedError
            readable, _, _ = select.select([self.peer.sock], [], [], 0.2)
            if readable:
                self.peer._fill()
        event = self.peer.pending.popleft()
        assert isinstance(event, Packet), event
        return event

    def run(self) -> None:
        try:
            self.peer.sock.setblocking(False)
            self._send(encode_req(PacketType.CAN_DO, b"fat"))
            while True:
                self._send(encode_req(PacketType.GRAB_JOB))
                packet = self._packet()
                while packet.type == PacketType.NOOP:
                    packet = self._packet()
                if packet.type == PacketType.NO_JOB:
                    self._send(encode_req(PacketType.PRE_SLEEP))
                    while self._packet().type != PacketType.NOOP:
                        pass
                    continue
                assert packet.type == PacketType.JOB_ASSIGN, packet
                self._send(encode_req(PacketType.WORK_COMPLETE, packet.args[0], self.result))
                self.done += 1
        except (InterruptedError, EOFError):
            pass
        except BaseException as error:  # reported by the test
            self.error = error


def test_client_that_never_reads_its_replies(srv: Server, healthy: Healthy) -> None:
    jobs = 2000
    result = b"r" * (256 * 1024)  # 2000 results = 500 MiB if the server buffered them all
    worker = SlowReaderWorker(srv, result)
    worker.start()
    slow = Peer(srv)
    peak = 0
    try:
        # The submits are tiny; the socket buffers take them all even if the server stops reading.
        slow.sock.settimeout(WAIT)
        slow.send(
            b"".join(encode_req(PacketType.SUBMIT_JOB, b"fat", b"", b"%d" % i) for i in range(jobs))
        )
        # Run until the worker has finished every job or made no progress for a while.
        last, still = -1, 0
        while worker.done < jobs and still < 15 and worker.is_alive():
            peak = max(peak, rss_kib(srv.proc.pid))
            time.sleep(0.2)
            still = still + 1 if worker.done == last else 0
            last = worker.done
        peak = max(peak, rss_kib(srv.proc.pid))
        assert worker.error is None, worker.error
        # Every job either completed or was dropped with its client; none is left behind.
        wait_for_status(srv, b"fat", (0, 0, 1))
        healthy.check(b"during")
        peak = max(peak, rss_kib(srv.proc.pid))
        if GEARGATE:
            assert peak < 300 * 1024, f"server RSS reached {peak} KiB ({worker.done} results)"
    finally:
        slow.close()
        worker.stop.set()
        worker.join(WAIT)
        worker.peer.close()
    healthy.finish()


VOCAB = [b"f", b"g", b"", b"exceptions", b"0", b"1", b"-1", b"junk", b"99999999999999999999"]
FUZZ_TYPES = [t for t in range(1, 43) if t != PacketType.SUBMIT_JOB_EPOCH] + [0, 43]


def structured_packet(rng: random.Random, handles: list[bytes]) -> bytes:
    """A packet that means something: shared function names, real handles, odd numbers."""
    ptype = rng.choice(FUZZ_TYPES)
    pool = VOCAB + handles[-20:]
    fields = [rng.choice(pool) for _ in range(rng.randrange(0, 6))]
    body = b"\0".join(fields)
    return header(ptype, len(body)) + body


def test_structured_fuzz_keeps_the_books_straight(srv: Server, healthy: Healthy) -> None:
    """Several peers send meaningful nonsense, then vanish; no job or worker may be left over.

    Afterwards no job is running and no worker is registered for the fuzzed functions, and a
    worker for them can drain exactly the jobs `status` still counts (background ones).
    """
    rng = random.Random(1730)
    peers = [Peer(srv) for _ in range(4)]
    handles: list[bytes] = [b"H:vm:1", b"H:bogus"]
    for _ in range(60):
        index = rng.randrange(len(peers))
        burst = b"".join(structured_packet(rng, handles) for _ in range(rng.randrange(1, 8)))
        try:
            peers[index].send(burst)
        except (BrokenPipeError, ConnectionResetError):
            # gearmand closes on several of these; geargate answers every one of them.
            assert not GEARGATE, "geargate closed a connection over well-framed packets"
            peers[index] = Peer(srv)
        # Pick up handles from what the server says, so later packets name real jobs.
        while True:
            live = [p for p in peers if not p.eof]
            readable, _, _ = select.select([p.sock for p in live], [], [], 0.01)
            if not readable:
                break
            for p in live:
                if p.sock in readable:
                    try:
                        p._fill()
                    except EOFError:
                        continue
                    for event in p.pending:
                        if isinstance(event, Packet) and event.args[:1] and b":" in event.args[0]:
                            handles.append(event.args[0])
                    p.pending.clear()
        if GEARGATE:
            assert not any(p.eof for p in peers), "geargate closed a well-framed connection"
        if rng.random() < 0.1:
            index = rng.randrange(len(peers))
            peers[index].close()
            peers[index] = Peer(srv)
    healthy.check(b"during")
    for peer in peers:
        peer.close()
    for name in (b"f", b"g", b""):
        row = None
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            row = status(srv).get(name)
            if row is None or (row[1], row[2]) == (0, 0):
                break
            time.sleep(0.02)
        assert row is None or (row[1], row[2]) == (0, 0), (name, row)
    queued = {name: row[0] for name, row in status(srv).items() if name != b"rev"}
    drainer = Peer(srv)
    for name in queued:
        drainer.send(encode_req(PacketType.CAN_DO, name))
    grabbed = 0
    while True:
        drainer.send(encode_req(PacketType.GRAB_JOB))
        packet = drainer.packet(skip_noop=True)
        if packet.type == PacketType.NO_JOB:
            break
        assert packet.type == PacketType.JOB_ASSIGN, packet
        drainer.send(encode_req(PacketType.WORK_COMPLETE, packet.args[0], b"done"))
        grabbed += 1
    if GEARGATE:
        assert grabbed == sum(queued.values()), queued
    else:  # deliberate difference 6: gearmand still counts abandoned jobs it will never hand out
        assert grabbed <= sum(queued.values()), queued
    drainer.echo(b"drained")
    assert all(row[:2] == (0, 0) for name, row in status(srv).items() if name != b"rev")
    drainer.close()
    healthy.finish()
