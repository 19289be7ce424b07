"""Unit tests for the sans-I/O codec: packets.py (layouts, encoders) and codec.py (Decoder)."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gearman_core.protocol import (
    FIELD_COUNT,
    MAX_TYPE,
    REQ_MAGIC,
    RES_MAGIC,
    AdminLine,
    BadMagic,
    Decoder,
    Event,
    LineTooLong,
    Packet,
    PacketTooLarge,
    PacketType,
    ProtocolError,
    encode,
    encode_req,
    encode_res,
    error_packet,
    split_body,
)


def header(ptype: int, length: int, magic: bytes = REQ_MAGIC) -> bytes:
    return struct.pack(">4sII", magic, ptype, length)


def norm(events: Iterable[Event]) -> list[object]:
    """Events in a comparable form: exceptions compare by class and message."""
    out: list[object] = []
    for event in events:
        if isinstance(event, ProtocolError):
            out.append((type(event).__name__, str(event)))
        else:
            out.append(event)
    return out


def feed_chunks(data: bytes, cuts: Sequence[int], **limits: int) -> list[Event]:
    """Feed ``data`` split at the sorted offsets ``cuts`` into a fresh decoder."""
    decoder = Decoder(**limits)
    events: list[Event] = []
    start = 0
    for cut in [*cuts, len(data)]:
        events.extend(decoder.feed(data[start:cut]))
        start = cut
    return events


def sample_args(ptype: int) -> tuple[bytes, ...]:
    """Fields for a type: an empty one among them, and NULs inside the final (data) field."""
    count = FIELD_COUNT[ptype]
    if count == 0:
        return ()
    leading = [f"f{i}-{ptype}".encode() for i in range(count - 1)]
    if count >= 3:
        leading[1] = b""  # an empty field in the middle (e.g. an empty unique)
    return (*leading, b"\0last\0\0field\0" + bytes([ptype]))


# --- packets.py ------------------------------------------------------------------------------


def test_field_count_covers_every_type_once() -> None:
    assert sorted(FIELD_COUNT) == list(range(1, MAX_TYPE + 1))
    assert [int(t) for t in PacketType] == list(range(1, MAX_TYPE + 1))


@pytest.mark.parametrize(
    ("ptype", "count"),
    [
        (PacketType.SUBMIT_JOB, 3),
        (PacketType.WORK_COMPLETE, 2),
        (PacketType.WORK_FAIL, 1),
        (PacketType.CAN_DO, 1),
        (PacketType.CAN_DO_TIMEOUT, 2),
        (PacketType.STATUS_RES, 5),
        (PacketType.STATUS_RES_UNIQUE, 6),
        (PacketType.JOB_ASSIGN_UNIQ, 4),
        (PacketType.JOB_ASSIGN_ALL, 5),
        (PacketType.SUBMIT_JOB_SCHED, 8),
        (PacketType.SUBMIT_JOB_EPOCH, 4),
        (PacketType.SUBMIT_REDUCE_JOB, 5),
        (PacketType.GRAB_JOB, 0),
        (PacketType.ECHO_REQ, 1),
    ],
)
def test_field_count_matches_gearmand_table(ptype: int, count: int) -> None:
    assert FIELD_COUNT[ptype] == count


def test_encode_layout_bytes() -> None:
    assert encode_req(PacketType.SUBMIT_JOB, b"func", b"", b"data") == (
        b"\0REQ" + b"\x00\x00\x00\x07" + b"\x00\x00\x00\x0a" + b"func\0\0data"
    )
    assert encode(PacketType.NOOP) == b"\0RES\x00\x00\x00\x06\x00\x00\x00\x00"
    assert encode_res(PacketType.JOB_CREATED, b"H:vm:1") == encode(
        PacketType.JOB_CREATED, b"H:vm:1"
    )
    assert error_packet(b"QUEUE_ERROR", b"Job queue is full") == (
        b"\0RES\x00\x00\x00\x13\x00\x00\x00\x1dQUEUE_ERROR\0Job queue is full"
    )


def test_split_body_keeps_nuls_in_last_field() -> None:
    assert split_body(PacketType.SUBMIT_JOB, b"f\0u\0a\0b\0") == (b"f", b"u", b"a\0b\0")
    assert split_body(PacketType.CAN_DO, b"g2\0") == (b"g2\0",)
    assert split_body(PacketType.SUBMIT_JOB, b"\0\0") == (b"", b"", b"")


def test_split_body_missing_separators_leaves_trailing_fields_empty() -> None:
    assert split_body(PacketType.SUBMIT_JOB, b"func") == (b"func", b"", b"")
    assert split_body(PacketType.SUBMIT_JOB, b"func\0uniq") == (b"func", b"uniq", b"")
    assert split_body(PacketType.WORK_COMPLETE, b"H:vm:1") == (b"H:vm:1", b"")
    assert split_body(PacketType.STATUS_RES, b"") == (b"",) * 5
    assert split_body(PacketType.SUBMIT_JOB_SCHED, b"a\0b") == (b"a", b"b", *(b"",) * 6)


def test_split_body_discards_body_of_argless_type() -> None:
    assert split_body(PacketType.GRAB_JOB, b"junk\0junk") == ()
    assert split_body(PacketType.NOOP, b"x") == ()


# --- Decoder: every type round-trips ---------------------------------------------------------


@pytest.mark.parametrize("ptype", range(1, MAX_TYPE + 1))
def test_every_type_round_trips(ptype: int) -> None:
    args = sample_args(ptype)
    wire = encode_req(ptype, *args)
    assert Decoder().feed(wire) == [Packet(ptype, args, True)]
    # Every field empty is also a valid body (n-1 NULs).
    empty = (b"",) * FIELD_COUNT[ptype]
    assert Decoder().feed(encode_req(ptype, *empty)) == [Packet(ptype, empty, True)]


@pytest.mark.parametrize("ptype", range(1, MAX_TYPE + 1))
def test_every_type_round_trips_with_res_magic(ptype: int) -> None:
    args = sample_args(ptype)
    (packet,) = Decoder().feed(encode(ptype, *args))
    assert packet == Packet(ptype, args, False)
    assert isinstance(packet, Packet)
    assert packet.is_request is False


def test_res_magic_is_not_a_request() -> None:
    events = Decoder().feed(header(PacketType.ECHO_REQ, 2, RES_MAGIC) + b"hi")
    assert events == [Packet(PacketType.ECHO_REQ, (b"hi",), False)]


# --- Decoder: framing ------------------------------------------------------------------------


MIXED_STREAM_PARTS: list[tuple[bytes, Event]] = [
    (b"status\r\n", AdminLine(b"status")),
    (encode_req(PacketType.ECHO_REQ, b"a\0b"), Packet(PacketType.ECHO_REQ, (b"a\0b",))),
    (b"workers\n", AdminLine(b"workers")),
    (encode_req(PacketType.GRAB_JOB), Packet(PacketType.GRAB_JOB, ())),
    (
        encode_req(PacketType.SUBMIT_JOB, b"rev", b"", b"x\0y"),
        Packet(PacketType.SUBMIT_JOB, (b"rev", b"", b"x\0y")),
    ),
    (b"\r\n", AdminLine(b"")),
    (b"\n", AdminLine(b"")),
    (b"maxqueue f 1 2 3\r\n", AdminLine(b"maxqueue f 1 2 3")),
    (
        encode(PacketType.WORK_COMPLETE, b"H:vm:1", b""),
        Packet(PacketType.WORK_COMPLETE, (b"H:vm:1", b""), False),
    ),
    (header(0, 3) + b"abc", Packet(0, ())),
    (b"create function abc\n", AdminLine(b"create function abc")),
    (header(43, 0), Packet(43, ())),
    (b"a\rb\r\r\n", AdminLine(b"a\rb\r")),
    (encode_req(PacketType.PRE_SLEEP), Packet(PacketType.PRE_SLEEP, ())),
]
MIXED_STREAM = b"".join(part for part, _ in MIXED_STREAM_PARTS)
MIXED_EVENTS = [event for _, event in MIXED_STREAM_PARTS]


def test_mixed_stream_in_one_feed() -> None:
    assert Decoder().feed(MIXED_STREAM) == MIXED_EVENTS


@pytest.mark.parametrize("cut", range(len(MIXED_STREAM) + 1))
def test_mixed_stream_every_split_point(cut: int) -> None:
    assert feed_chunks(MIXED_STREAM, [cut]) == MIXED_EVENTS


def test_mixed_stream_every_pair_of_split_points() -> None:
    n = len(MIXED_STREAM)
    for first in range(0, n + 1, 3):
        for second in range(first, n + 1, 5):
            assert feed_chunks(MIXED_STREAM, [first, second]) == MIXED_EVENTS, (first, second)


def test_mixed_stream_byte_by_byte() -> None:
    assert feed_chunks(MIXED_STREAM, range(1, len(MIXED_STREAM))) == MIXED_EVENTS


def test_incomplete_frames_wait() -> None:
    decoder = Decoder()
    wire = encode_req(PacketType.ECHO_REQ, b"hello")
    assert decoder.feed(wire[:5]) == []
    assert decoder.feed(wire[5:12]) == []
    assert decoder.feed(wire[12:-1]) == []
    assert decoder.buffered == len(wire) - 1
    assert decoder.feed(wire[-1:] + b"vers") == [Packet(PacketType.ECHO_REQ, (b"hello",))]
    assert decoder.feed(b"ion") == []
    assert decoder.feed(b"\r") == []
    assert decoder.feed(b"\n") == [AdminLine(b"version")]
    assert decoder.buffered == 0


def test_packet_too_large_before_body_arrives() -> None:
    decoder = Decoder(max_body=1000)
    (error,) = decoder.feed(header(PacketType.SUBMIT_JOB, 1001))
    assert isinstance(error, PacketTooLarge)
    assert (error.ptype, error.length, error.limit) == (PacketType.SUBMIT_JOB, 1001, 1000)
    assert decoder.buffered == 0
    assert decoder.feed(b"x" * 1001) == []


def test_packet_at_the_limit_is_accepted() -> None:
    decoder = Decoder(max_body=1000)
    assert decoder.feed(header(PacketType.ECHO_REQ, 1000)) == []
    assert decoder.feed(b"z" * 1000) == [Packet(PacketType.ECHO_REQ, (b"z" * 1000,))]


def test_packet_too_large_max_length_default_limit() -> None:
    (error,) = Decoder().feed(header(PacketType.ECHO_REQ, 0xFFFFFFFF) + b"abc")
    assert isinstance(error, PacketTooLarge)
    assert error.length == 0xFFFFFFFF
    assert error.limit == 64 * 1024 * 1024


def test_oversize_unknown_type_is_also_refused() -> None:
    (error,) = Decoder(max_body=10).feed(header(200, 11))
    assert isinstance(error, PacketTooLarge)
    assert error.ptype == 200


@pytest.mark.parametrize("magic", [b"\0REX", b"\0req", b"\0\0\0\0", b"\0RE\0"])
def test_bad_magic(magic: bytes) -> None:
    decoder = Decoder()
    events = decoder.feed(header(PacketType.ECHO_REQ, 0, magic))
    assert len(events) == 1
    assert isinstance(events[0], BadMagic)
    assert decoder.feed(encode_req(PacketType.ECHO_REQ, b"x")) == []


def test_admin_line_limit() -> None:
    limit = 32
    ok = b"a" * limit
    assert Decoder(max_line=limit).feed(ok + b"\r\n") == [AdminLine(ok)]
    assert Decoder(max_line=limit).feed(ok + b"\n") == [AdminLine(ok)]
    # Without a newline the decoder fails as soon as the line cannot fit any more...
    decoder = Decoder(max_line=limit)
    assert decoder.feed(ok + b"\r") == []
    (error,) = decoder.feed(b"b")
    assert isinstance(error, LineTooLong)
    assert decoder.buffered == 0
    # ...and a terminated line one byte over the limit is refused whatever the line ending.
    for ending in (b"\n", b"\r\n"):
        (error,) = Decoder(max_line=limit).feed(ok + b"b" + ending)
        assert isinstance(error, LineTooLong)


def test_admin_line_over_limit_fed_slowly() -> None:
    limit = 100
    decoder = Decoder(max_line=limit)
    events: list[Event] = []
    fed = 0
    while not events:
        events = decoder.feed(b"x")
        fed += 1
        assert fed <= limit + 2
    assert len(events) == 1
    assert isinstance(events[0], LineTooLong)


def test_admin_line_over_default_limit() -> None:
    decoder = Decoder()
    assert decoder.feed(b"y" * 65536) == []
    events = decoder.feed(b"y" * 1024 * 1024)
    assert len(events) == 1
    assert isinstance(events[0], LineTooLong)


def test_events_before_error_are_returned_then_nothing() -> None:
    good = encode_req(PacketType.ECHO_REQ, b"one") + b"status\n"
    bad = header(PacketType.ECHO_REQ, 0, b"\0BAD")
    decoder = Decoder()
    events = decoder.feed(good + bad + encode_req(PacketType.ECHO_REQ, b"two"))
    assert events[:2] == [Packet(PacketType.ECHO_REQ, (b"one",)), AdminLine(b"status")]
    assert len(events) == 3
    assert isinstance(events[2], BadMagic)
    assert decoder.feed(b"version\n") == []
    assert decoder.feed(encode_req(PacketType.ECHO_REQ, b"three")) == []
    assert decoder.buffered == 0


def test_error_after_earlier_feed_and_in_same_feed_as_good_events() -> None:
    decoder = Decoder(max_body=8, max_line=8)
    assert decoder.feed(b"vers") == []
    events = decoder.feed(b"ion\n" + header(PacketType.ECHO_REQ, 9))
    assert events[0] == AdminLine(b"version")
    assert isinstance(events[1], PacketTooLarge)
    assert len(events) == 2
    assert decoder.feed(b"status\n") == []

    decoder = Decoder(max_line=8)
    events = decoder.feed(encode_req(PacketType.NOOP) + b"123456789012")
    assert events[0] == Packet(PacketType.NOOP, ())
    assert isinstance(events[1], LineTooLong)
    assert decoder.feed(b"\n") == []


@pytest.mark.parametrize("ptype", [0, 43, 44, 255, 0x7FFFFFFF, 0xFFFFFFFF])
def test_unknown_types_have_no_args_and_body_is_skipped(ptype: int) -> None:
    wire = header(ptype, 5) + b"a\0b\0c" + encode_req(PacketType.ECHO_REQ, b"next")
    assert Decoder().feed(wire) == [
        Packet(ptype, ()),
        Packet(PacketType.ECHO_REQ, (b"next",)),
    ]
    assert Decoder().feed(header(ptype, 0, RES_MAGIC)) == [Packet(ptype, (), False)]


def test_missing_separators_are_lenient_and_bounded() -> None:
    wire = (
        header(PacketType.SUBMIT_JOB, 4)
        + b"func"
        + header(PacketType.WORK_COMPLETE, 6)
        + b"H:vm:1"
        + encode_req(PacketType.ECHO_REQ, b"after")
    )
    assert Decoder().feed(wire) == [
        Packet(PacketType.SUBMIT_JOB, (b"func", b"", b"")),
        Packet(PacketType.WORK_COMPLETE, (b"H:vm:1", b"")),
        Packet(PacketType.ECHO_REQ, (b"after",)),
    ]


def test_body_of_argless_type_is_discarded() -> None:
    wire = header(PacketType.GRAB_JOB, 7) + b"ignored" + encode_req(PacketType.NOOP)
    assert Decoder().feed(wire) == [
        Packet(PacketType.GRAB_JOB, ()),
        Packet(PacketType.NOOP, ()),
    ]


def test_large_body_in_chunks_buffers_exactly_what_was_fed() -> None:
    size = 64 * 1024 * 1024
    chunk = bytes(range(256)) * 256  # 64 KiB
    decoder = Decoder()
    digest = hashlib.sha256()
    assert decoder.feed(header(PacketType.ECHO_REQ, size)) == []
    fed = 12
    assert decoder.buffered == fed
    for _ in range(size // len(chunk) - 1):
        assert decoder.feed(chunk) == []
        digest.update(chunk)
        fed += len(chunk)
        assert decoder.buffered == fed
    digest.update(chunk)
    events = decoder.feed(chunk + b"status\n")
    assert len(events) == 2
    packet, line = events
    assert isinstance(packet, Packet)
    assert packet.type == PacketType.ECHO_REQ
    (body,) = packet.args
    assert len(body) == size
    assert hashlib.sha256(body).digest() == digest.digest()
    assert line == AdminLine(b"status")
    assert decoder.buffered == 0


# --- property-based --------------------------------------------------------------------------


@st.composite
def noisy_streams(draw: st.DrawFn) -> bytes:
    """Byte strings that mostly look like Gearman traffic, with junk mixed in."""
    part = st.one_of(
        st.binary(max_size=40),
        st.builds(
            lambda t, n, m, body: header(t, n, m) + body,
            st.one_of(st.integers(0, 45), st.integers(0, 0xFFFFFFFF)),
            st.one_of(st.integers(0, 40), st.integers(0, 0xFFFFFFFF)),
            st.sampled_from([REQ_MAGIC, RES_MAGIC, b"\0REX", b"\0\0\0\0"]),
            st.binary(max_size=40),
        ),
        st.builds(
            lambda line, end: line + end,
            st.binary(max_size=70).filter(lambda b: not b.startswith(b"\0")),
            st.sampled_from([b"\n", b"\r\n", b""]),
        ),
    )
    return b"".join(draw(st.lists(part, max_size=8)))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300), choice=st.data())
def test_random_bytes_never_raise_and_chunking_does_not_matter(
    data: bytes, choice: st.DataObject
) -> None:
    cuts = choice.draw(st.lists(st.integers(0, len(data)), max_size=12).map(sorted))
    whole = Decoder(max_body=64, max_line=48).feed(data)
    assert norm(feed_chunks(data, cuts, max_body=64, max_line=48)) == norm(whole)
    assert norm(feed_chunks(data, range(1, len(data)), max_body=64, max_line=48)) == norm(whole)
    for index, event in enumerate(whole):
        assert isinstance(event, Packet | AdminLine | ProtocolError)
        if isinstance(event, ProtocolError):
            assert index == len(whole) - 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=noisy_streams(), choice=st.data())
def test_noisy_streams_never_raise_and_chunking_does_not_matter(
    data: bytes, choice: st.DataObject
) -> None:
    cuts = choice.draw(st.lists(st.integers(0, len(data)), max_size=12).map(sorted))
    whole = Decoder(max_body=32, max_line=48).feed(data)
    assert norm(feed_chunks(data, cuts, max_body=32, max_line=48)) == norm(whole)
    assert norm(feed_chunks(data, range(1, len(data)), max_body=32, max_line=48)) == norm(whole)
    assert all(not isinstance(e, ProtocolError) for e in whole[:-1])


NO_NUL = st.binary(max_size=12).map(lambda b: b.replace(b"\0", b"."))


@st.composite
def packets(draw: st.DrawFn) -> tuple[bytes, Event]:
    ptype = draw(st.integers(1, MAX_TYPE))
    count = FIELD_COUNT[ptype]
    args: tuple[bytes, ...] = ()
    if count:
        args = (*draw(st.lists(NO_NUL, min_size=count - 1, max_size=count - 1)),)
        args += (draw(st.binary(max_size=30)),)
    request = draw(st.booleans())
    wire = encode(ptype, *args, magic=REQ_MAGIC if request else RES_MAGIC)
    return wire, Packet(ptype, args, request)


@st.composite
def admin_lines(draw: st.DrawFn) -> tuple[bytes, Event]:
    text = draw(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ")))
    crlf = draw(st.booleans())
    if not crlf:
        text = text.rstrip(b"\r")
    if text.startswith(b"\0"):
        text = b"x" + text
    return text + (b"\r\n" if crlf else b"\n"), AdminLine(text)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    frames=st.lists(st.one_of(packets(), admin_lines()), max_size=15),
    choice=st.data(),
)
def test_valid_sequences_round_trip_under_any_chunking(
    frames: list[tuple[bytes, Event]], choice: st.DataObject
) -> None:
    wire = b"".join(frame for frame, _ in frames)
    expected = [event for _, event in frames]
    cuts = choice.draw(st.lists(st.integers(0, len(wire)), max_size=20).map(sorted))
    assert Decoder().feed(wire) == expected
    assert feed_chunks(wire, cuts) == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.lists(st.binary(max_size=40), min_size=1, max_size=6),
    pad=st.sampled_from([0, 4096, 70_000]),
    count=st.integers(min_value=2, max_value=6),
    chunk=st.sampled_from([1, 7, 4096, 1 << 20]),
)
def test_bodies_small_and_large_split_alike_however_they_arrive(
    fields: list[bytes], pad: int, count: int, chunk: int
) -> None:
    # Large bodies take another path (fields copied out once, or out of the buffer when the
    # packet arrived in pieces); both must give exactly what bytes.split gives.
    body = b"\0".join(fields) + b"p" * pad
    ptype = next(t for t, n in FIELD_COUNT.items() if n == count)
    expected = body.split(b"\0", count - 1)
    expected += [b""] * (count - len(expected))
    wire = REQ_MAGIC + struct.pack(">II", ptype, len(body)) + body
    decoder = Decoder()
    events = []
    for start in range(0, len(wire), chunk):
        events += decoder.feed(wire[start : start + chunk])
    assert events == [Packet(ptype, tuple(expected), True)]
