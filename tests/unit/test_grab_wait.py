"""The held GRAB_JOB (--grab-wait): a worker whose grab finds nothing gets its answer later,
a job when one comes within the wait, else NO_JOB; never both, never out of order.

Real Connection objects on a real event loop, with transports that record what they are
given; the hold's timer is driven by calling its tick, so nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from gearman_core.config import Config
from gearman_core.protocol import Decoder, Packet, PacketType
from gearman_core.protocol.packets import encode_req
from gearman_core.server.connection import Connection
from gearman_core.server.server import GearmanServer

T = PacketType


class Recorder:
    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self.data += data

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str) -> None:
        return None

    def set_write_buffer_limits(self, high: int) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def abort(self) -> None:
        self.closed = True

    close = abort


class Peer:
    def __init__(self, server: GearmanServer) -> None:
        self.conn = Connection(server)
        self.transport = Recorder()
        self.conn.connection_made(self.transport)  # type: ignore[arg-type]
        self.decoder = Decoder()

    def send(self, *packets: bytes) -> None:
        self.conn.data_received(b"".join(packets))

    def replies(self) -> list[tuple[int, tuple[bytes, ...]]]:
        """What the server wrote to this peer by the end of the loop turn."""
        self.conn.server._flush_dirty()
        data = bytes(self.transport.data)
        self.transport.data.clear()
        events = self.decoder.feed(data)
        assert all(type(e) is Packet for e in events)
        return [(e.type, e.args) for e in events]  # type: ignore[union-attr]

    def close(self) -> None:
        self.conn.connection_lost(None)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def make_server(
    loop: asyncio.AbstractEventLoop, grab_wait_ms: int = 1, worker_wakeup: int = 2
) -> GearmanServer:
    config = Config(
        grpc_port=0, store="memory", grab_wait_ms=grab_wait_ms, worker_wakeup=worker_wakeup
    )
    return GearmanServer(config, loop)


def settle(server: GearmanServer) -> None:
    """End the loop turn: what the server writes once per turn goes out."""
    server._flush_dirty()


def expire(server: GearmanServer) -> None:
    """Two ticks of the hold timer: every hold present before them has run out."""
    server._hold_tick()
    server._hold_tick()


def submit(peer: Peer, data: bytes = b"x", name: bytes = b"f") -> bytes:
    peer.send(encode_req(T.SUBMIT_JOB, name, b"", data))
    ((ptype, args),) = peer.replies()
    assert ptype == T.JOB_CREATED
    return args[0]


def test_a_job_submitted_during_the_hold_is_assigned_without_no_job(loop) -> None:
    server = make_server(loop)
    worker, client = Peer(server), Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    assert worker.replies() == []  # held
    handle = submit(client, b"payload")
    settle(server)
    assert worker.replies() == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"payload"))]
    expire(server)  # the hold is over: no late NO_JOB
    settle(server)
    assert worker.replies() == []


def test_the_answer_has_the_kind_of_the_held_grab(loop) -> None:
    server = make_server(loop)
    worker, client = Peer(server), Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB))
    handle = submit(client, b"d")
    settle(server)
    assert worker.replies() == [(T.JOB_ASSIGN, (handle, b"f", b"d"))]


def test_a_hold_that_runs_out_answers_no_job_and_the_worker_sleeps_as_usual(loop) -> None:
    server = make_server(loop)
    worker, client = Peer(server), Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    server._hold_tick()
    settle(server)
    assert worker.replies() == []  # one tick is not the whole wait
    server._hold_tick()
    settle(server)
    assert worker.replies() == [(T.NO_JOB, ())]
    worker.send(encode_req(T.PRE_SLEEP))
    submit(client)
    settle(server)
    assert worker.replies() == [(T.NOOP, ())]


def test_anything_the_worker_sends_first_ends_the_hold_in_order(loop) -> None:
    server = make_server(loop)
    worker = Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB), encode_req(T.ECHO_REQ, b"hi"))
    assert worker.replies() == [(T.NO_JOB, ()), (T.ECHO_RES, (b"hi",))]


def test_pipelined_grabs_get_one_answer_each(loop) -> None:
    server = make_server(loop)
    worker, client = Peer(server), Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB), encode_req(T.GRAB_JOB_UNIQ))
    assert worker.replies() == [(T.NO_JOB, ())]  # the first; the second is held
    handle = submit(client, b"d")
    settle(server)
    assert worker.replies() == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"d"))]


def test_a_job_goes_to_one_of_two_holding_workers_and_the_other_keeps_waiting(loop) -> None:
    server = make_server(loop)
    first, second, client = Peer(server), Peer(server), Peer(server)
    for worker in (first, second):
        worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    handle = submit(client)
    settle(server)
    settle(server)
    answers = first.replies() + second.replies()
    assert answers == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"x"))]
    expire(server)
    settle(server)
    assert first.replies() + second.replies() == [(T.NO_JOB, ())]


def test_a_worker_gone_while_holding_takes_no_job_with_it(loop) -> None:
    server = make_server(loop)
    gone, client, other = Peer(server), Peer(server), Peer(server)
    gone.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    gone.close()
    handle = submit(client)
    settle(server)
    assert gone.replies() == []
    expire(server)  # its hold is forgotten: the tick does not answer a closed connection
    other.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    assert other.replies() == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"x"))]


def test_a_hold_never_takes_a_job_of_a_function_it_cannot_do(loop) -> None:
    server = make_server(loop)
    worker, client = Peer(server), Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    submit(client, name=b"g")
    settle(server)
    assert worker.replies() == []
    expire(server)
    settle(server)
    assert worker.replies() == [(T.NO_JOB, ())]


def test_grab_wait_zero_answers_no_job_at_once_as_gearmand(loop) -> None:
    server = make_server(loop, grab_wait_ms=0)
    worker = Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    assert worker.replies() == [(T.NO_JOB, ())]


def test_a_worker_with_no_functions_is_not_held(loop) -> None:
    server = make_server(loop)
    worker = Peer(server)
    worker.send(encode_req(T.GRAB_JOB))
    assert worker.replies() == [(T.NO_JOB, ())]


def test_the_hold_timer_stops_when_no_one_holds(loop) -> None:
    server = make_server(loop)
    worker = Peer(server)
    worker.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    assert server._hold_timer is not None
    expire(server)
    server._hold_tick()
    assert server._hold_timer is None


def test_a_holding_worker_is_woken_before_an_older_pre_sleep_sleeper(loop) -> None:
    server = make_server(loop, worker_wakeup=1)
    sleeper, holder, client = Peer(server), Peer(server), Peer(server)
    sleeper.send(encode_req(T.CAN_DO, b"f"), encode_req(T.PRE_SLEEP))
    holder.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    handle = submit(client)
    settle(server)
    assert holder.replies() == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"x"))]
    assert sleeper.replies() == []  # one wake-up per job, and the holder used it
    submit(client)
    settle(server)
    assert sleeper.replies() == [(T.NOOP, ())]


def test_a_holding_worker_is_a_whole_wake_up_so_sleepers_are_spared_the_noop(loop) -> None:
    server = make_server(loop, worker_wakeup=2)
    sleeper, holder, client = Peer(server), Peer(server), Peer(server)
    sleeper.send(encode_req(T.CAN_DO, b"f"), encode_req(T.PRE_SLEEP))
    holder.send(encode_req(T.CAN_DO, b"f"), encode_req(T.GRAB_JOB_UNIQ))
    handle = submit(client)
    assert holder.replies() == [(T.JOB_ASSIGN_UNIQ, (handle, b"f", b"", b"x"))]
    assert sleeper.replies() == []
    # With no holder left, a job wakes the sleeper as before.
    submit(client)
    assert sleeper.replies() == [(T.NOOP, ())]
