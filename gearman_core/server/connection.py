"""One Gearman TCP connection: an asyncio.Protocol that adapts the wire to the engine.

A connection is both a client endpoint and a worker endpoint, since Gearman lets any
connection submit and work. Replies are collected per connection and written once per turn
of the event loop. The outbound buffer is bounded: past the transport's high-water mark the
connection stops reading (its peer gets no more replies until it drains them), and a peer
whose pending output still grows past the hard limit is disconnected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from ..engine import (
    MAX_UNIQUE,
    UNKNOWN_STATUS,
    ClientSession,
    Job,
    JobNotFound,
    Priority,
    SubmitError,
    WorkerSession,
)
from ..protocol import AdminLine, Packet, PacketTooLarge, ProtocolError
from ..protocol.packets import (
    MAX_TYPE,
    NO_JOB_PACKET,
    NOOP_PACKET,
    PacketType,
    encode_res,
    error_packet,
    res_header,
)
from .admin import run_admin_command
from .numbers import c_strtoll

if TYPE_CHECKING:
    from .server import GearmanServer

log = logging.getLogger("geargate.connection")

P = PacketType

ERR_INVALID_COMMAND = error_packet(b"INVALID_COMMAND", b"Command not expected")
ERR_INVALID_MAGIC = error_packet(b"INVALID_MAGIC", b"Request magic expected")
ERR_UNKNOWN_OPTION = error_packet(b"UNKNOWN_OPTION", b"Server does not recognize given option")
ERR_NOT_FOUND_DATA = error_packet(b"JOB_NOT_FOUND", b"Job does not exist on server")
ERR_NOT_FOUND_RESULT = error_packet(b"JOB_NOT_FOUND", b"Job given in work result not found")
ERR_NOT_FOUND_EXCEPTION = error_packet(
    b"JOB_NOT_FOUND", b"An exception was received for a job that does not exist"
)
ERR_HANDLE_TOO_LARGE = error_packet(
    b"ARGUMENT_TOO_LARGE",
    b"Error occurred due to GEARMAND_JOB_HANDLE_SIZE being too small from snprintf",
)
ERR_PACKET_TOO_LARGE = error_packet(
    b"ARGUMENT_TOO_LARGE", b"Packet exceeds the server's size limit"
)
ERR_EPOCH_RANGE = error_packet(b"INVALID_ARGUMENT", b"Epoch time out of range")
# gearmand's reply when its queue store fails: the error's name as the text.
ERR_STORE = error_packet(b"QUEUE_ERROR", b"QUEUE_ERROR")

MAX_HANDLE = 64
# A payload at least this large is written as its own buffer (writev) rather than copied
# into the packet: copying it costs more than the extra buffer.
PAYLOAD_APART = 16 * 1024
MAX_TIMEOUT_MS = 2**31 - 1


class Slot:
    """A reply whose bytes come later; replies after it wait, so none overtakes it."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data: bytes | None = None


class Connection(asyncio.Protocol):
    __slots__ = (
        "_backlogged",
        "_closed",
        "_closing",
        "_dirty",
        "_grab_due",
        "_hold",
        "_out",
        "_parts",
        "_slots",
        "client",
        "decoder",
        "engine",
        "exceptions",
        "fd",
        "peer",
        "server",
        "transport",
        "worker",
    )

    def __init__(self, server: GearmanServer) -> None:
        self.server = server
        self.engine = server.engine
        self.decoder = server.new_decoder()
        self.transport: asyncio.Transport | None = None
        self.peer = "-"
        self.fd = -1
        self.exceptions = server.config.exceptions
        self.client: ClientSession | None = None
        self.worker: WorkerSession | None = None
        self._out: list[bytes | Slot] = []
        self._slots = 0  # Slot entries in _out, filled or not
        self._dirty = False
        self._parts = False  # _out holds a large payload apart from its header
        self._backlogged = False  # the transport asked us to pause writing
        self._closed = False
        self._closing = False  # close once the owed replies are out
        # The packet type of a GRAB_JOB whose answer is held (--grab-wait), else 0; and
        # whether the engine has woken this worker since, so a grab is due at the flush.
        self._hold = 0
        self._grab_due = False

    # ---------------------------------------------------------------- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but behave as one.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        peername = transport.get_extra_info("peername")
        if peername:
            self.peer = str(peername[0])
        if sock is not None:
            self.fd = sock.fileno()
            self.server.tune_socket(sock)
        transport.set_write_buffer_limits(high=self.server.write_high_water)
        self.server.connections[self] = None

    def data_received(self, data: bytes) -> None:
        events = self.decoder.feed(data)
        # Replies to this connection go out in the flush below; marking it dirty now spares
        # each of them the server's dirty list.
        self._dirty = True
        for event in events:
            if self._hold:
                # A held GRAB_JOB is answered before anything the worker sent after it.
                self.end_hold()
            if type(event) is Packet:
                ptype, args, is_request = event
                if not is_request:
                    self.send(ERR_INVALID_MAGIC)
                    continue
                handler = _HANDLERS[ptype] if ptype <= MAX_TYPE else None
                if handler is None:
                    self.send(ERR_INVALID_COMMAND)
                else:
                    handler(self, args)
                    if self._closed:
                        return
            elif type(event) is AdminLine:
                reply = run_admin_command(self.server, self, event.line)
                if reply is None:
                    self.abort("admin command asked to close")
                    return
                self.send(reply)
            else:
                self._protocol_error(cast(ProtocolError, event))
                return
        self.flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._out.clear()
        self.server.connections.pop(self, None)
        if self._hold:
            self._hold = 0
            self.server.unhold(self)
        if self.client is not None:
            self.engine.client_gone(self.client)
            self.client = None
        if self.worker is not None:
            self.engine.worker_gone(self.worker)
            self.worker = None

    def pause_writing(self) -> None:
        # The peer is not reading its replies: stop reading its requests until it does.
        self._backlogged = True
        if self.transport is not None and not self._closed:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self._backlogged = False
        if self.transport is not None and not self._closed:
            self.transport.resume_reading()

    # ---------------------------------------------------------------- output

    def send(self, packet: bytes) -> None:
        if self._closed:
            return
        self._out.append(packet)
        if not self._dirty:
            self._dirty = True
            self.server.mark_dirty(self)

    def send_payload(self, ptype: int, head: bytes, payload: bytes) -> None:
        """Send a packet whose body is ``head`` then ``payload``, without copying a large
        payload: it goes to the socket as a buffer of its own."""
        if len(payload) < PAYLOAD_APART:
            self.send(encode_res(ptype, head + payload))
        elif not self._closed:
            self.send(res_header(ptype, len(head) + len(payload)) + head)
            self._out.append(payload)
            self._parts = True

    def reserve(self) -> Slot:
        """A place in the reply order for a reply that is not known yet (a store commit)."""
        slot = Slot()
        self._out.append(slot)
        self._slots += 1
        return slot

    def fill(self, slot: Slot, packet: bytes) -> None:
        slot.data = packet
        if not self._closed and not self._dirty:
            self._dirty = True
            self.server.mark_dirty(self)

    def _ready_output(self) -> list[bytes]:
        """Everything up to the first unfilled slot, taken off the output list."""
        out = self._out
        ready: list[bytes] = []
        for item in out:
            if type(item) is Slot:
                if item.data is None:
                    break
                ready.append(item.data)
                self._slots -= 1
            else:
                ready.append(item)  # type: ignore[arg-type]
        del out[: len(ready)]
        return ready

    def flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self._grab_due:
            self._grab_held()
        out = self._out
        if not out or self._closed or self.transport is None:
            if self._closed:
                out.clear()
            elif self._closing:
                self._close_now()
            return
        transport = self.transport
        # The usual case is plain packets only; slots (replies waiting for the store) hold
        # back what follows them.
        ready: list[bytes] = self._ready_output() if self._slots else out  # type: ignore[assignment]
        if len(ready) == 1:
            transport.write(ready[0])
        elif self._parts:
            # A large payload is in the list: hand the buffers over as they are.
            transport.writelines(ready)
            self._parts = bool(self._slots)
        elif ready:
            transport.write(b"".join(ready))
        if ready is out:
            out.clear()
        # Below the high-water mark the buffer is far below the limit: only a backlogged
        # peer needs the (comparatively costly) size check.
        if self._backlogged and transport.get_write_buffer_size() > self.server.output_limit:
            self.abort(
                f"peer left {transport.get_write_buffer_size()} bytes unread, "
                f"over the {self.server.output_limit} byte limit"
            )
            return
        if self._closing and not out:
            self._close_now()

    def abort(self, reason: str) -> None:
        if self._closed:
            return
        log.warning("closing connection from %s (fd %d): %s", self.peer, self.fd, reason)
        self._closed = True
        self._out.clear()
        if self.transport is not None:
            self.transport.abort()

    def close_after_flush(self, reason: str) -> None:
        """Close once every reply owed is written, including those waiting for the store."""
        if self._closed or self._closing:
            return
        log.warning("closing connection from %s (fd %d): %s", self.peer, self.fd, reason)
        self._closing = True
        if self.transport is not None:
            self.transport.pause_reading()
        self._dirty = True
        self.flush()

    def _close_now(self) -> None:
        self._closed = True
        if self.transport is not None:
            self.transport.close()

    def _protocol_error(self, error: ProtocolError) -> None:
        if isinstance(error, PacketTooLarge):
            self.send(ERR_PACKET_TOO_LARGE)
        self.close_after_flush(str(error))

    # ---------------------------------------------------------------- endpoints

    def _client(self) -> ClientSession:
        client = self.client
        if client is None:
            client = self.client = self.engine.new_client(self)
        return client

    def _worker(self) -> WorkerSession:
        worker = self.worker
        if worker is None:
            worker = self.worker = self.engine.new_worker(self)
        return worker

    # ClientEndpoint
    def work_data(self, job: Job, data: bytes) -> None:
        self.send_payload(P.WORK_DATA, job.handle + b"\0", data)

    def work_warning(self, job: Job, data: bytes) -> None:
        self.send_payload(P.WORK_WARNING, job.handle + b"\0", data)

    def work_status(self, job: Job, numerator: bytes, denominator: bytes) -> None:
        self.send(encode_res(P.WORK_STATUS, b"\0".join((job.handle, numerator, denominator))))

    def work_complete(self, job: Job, data: bytes) -> None:
        self.send_payload(P.WORK_COMPLETE, job.handle + b"\0", data)

    def work_fail(self, job: Job) -> None:
        self.send(encode_res(P.WORK_FAIL, job.handle))

    def work_exception(self, job: Job, data: bytes) -> None:
        self.send_payload(P.WORK_EXCEPTION, job.handle + b"\0", data)

    # WorkerEndpoint
    def wake(self) -> None:
        if not self._hold:
            self.send(NOOP_PACKET)
        elif not self._grab_due:
            # Grab at this turn's flush, never from inside the engine call that woke us.
            self._grab_due = True
            if not self._dirty:
                self._dirty = True
                self.server.mark_dirty(self)

    def job_taken_back(self, job: Job, reason: str) -> None:
        # Gearman has no packet to tell a worker; its late report is dropped or refused.
        pass

    # ---------------------------------------------------------------- requests

    def _submit(self, args: tuple[bytes, ...], priority: int, background: bool) -> None:
        name, unique, data = args
        try:
            job = self.engine.submit(
                None if background else self._client(), name, unique, data, priority
            )
        except SubmitError as error:
            self.send(error_packet(error.code, error.text))
            return
        self._created(job)

    def _created(self, job: Job) -> None:
        """JOB_CREATED, held back in its place until a pending store commit is done."""
        if job.commit_waiters is None:
            self.send(encode_res(P.JOB_CREATED, job.handle))
            return
        slot = self.reserve()
        created = encode_res(P.JOB_CREATED, job.handle)
        self.engine.when_committed(job, lambda ok: self.fill(slot, created if ok else ERR_STORE))

    def _after_store(self, job: Job) -> None:
        """Hold later replies until the store has forgotten a finished persisted job, so a
        worker that sees any reply after its WORK_COMPLETE knows the job will not run again."""
        store = self.engine.store
        if job.store_id is not None and store is not None:
            slot = self.reserve()

            def deleted(ok: bool) -> None:
                if ok or self._closed:
                    self.fill(slot, b"")
                else:  # the delete is retried by the store: hold the worker until it lands
                    self.server.loop.call_later(0.5, store.barrier, deleted)

            store.barrier(deleted)

    def on_submit_job(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.NORMAL, False)

    def on_submit_job_bg(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.NORMAL, True)

    def on_submit_job_high(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.HIGH, False)

    def on_submit_job_high_bg(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.HIGH, True)

    def on_submit_job_low(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.LOW, False)

    def on_submit_job_low_bg(self, args: tuple[bytes, ...]) -> None:
        self._submit(args, Priority.LOW, True)

    def on_submit_job_epoch(self, args: tuple[bytes, ...]) -> None:
        name, unique, epoch, data = args
        when = c_strtoll(epoch)
        if when is None:
            self.send(ERR_EPOCH_RANGE)
            return
        try:
            job = self.engine.submit(None, name, unique, data, Priority.NORMAL, when=float(when))
        except SubmitError as error:
            self.send(error_packet(error.code, error.text))
            return
        self._created(job)

    def _submit_reduce(self, args: tuple[bytes, ...], background: bool) -> None:
        name, unique, reducer, _aggregator, data = args
        try:
            job = self.engine.submit(
                None if background else self._client(),
                name,
                unique,
                data,
                Priority.NORMAL,
                reducer=reducer,
            )
        except SubmitError as error:
            self.send(error_packet(error.code, error.text))
            return
        self._created(job)

    def on_submit_reduce_job(self, args: tuple[bytes, ...]) -> None:
        self._submit_reduce(args, False)

    def on_submit_reduce_job_background(self, args: tuple[bytes, ...]) -> None:
        self._submit_reduce(args, True)

    def on_can_do(self, args: tuple[bytes, ...]) -> None:
        self.engine.can_do(self._worker(), args[0])

    def on_can_do_timeout(self, args: tuple[bytes, ...]) -> None:
        name, timeout = args
        value = c_strtoll(timeout)
        timeout_ms = MAX_TIMEOUT_MS if value is None else max(0, min(value, MAX_TIMEOUT_MS))
        self.engine.can_do(self._worker(), name, timeout_ms)

    def on_cant_do(self, args: tuple[bytes, ...]) -> None:
        if self.worker is not None:
            self.engine.cant_do(self.worker, args[0])

    def on_reset_abilities(self, args: tuple[bytes, ...]) -> None:
        if self.worker is not None:
            self.engine.reset_abilities(self.worker)

    def on_set_client_id(self, args: tuple[bytes, ...]) -> None:
        self.engine.set_client_id(self._worker(), args[0])

    def on_pre_sleep(self, args: tuple[bytes, ...]) -> None:
        self.engine.pre_sleep(self._worker())

    def on_grab_job(self, args: tuple[bytes, ...]) -> None:
        self._grab(P.GRAB_JOB)

    def on_grab_job_uniq(self, args: tuple[bytes, ...]) -> None:
        self._grab(P.GRAB_JOB_UNIQ)

    def on_grab_job_all(self, args: tuple[bytes, ...]) -> None:
        self._grab(P.GRAB_JOB_ALL)

    def _grab(self, kind: int) -> None:
        worker = self.worker
        job = None if worker is None else self.engine.grab(worker)
        if job is not None:
            self._send_assignment(kind, job)
        elif worker is None or not worker.order or not self.server.grab_wait or self._closing:
            self.send(NO_JOB_PACKET)
        else:
            # Hold the answer: the worker sleeps in its GRAB_JOB, and a job that comes
            # meanwhile is assigned without the NO_JOB, PRE_SLEEP, NOOP, GRAB_JOB round trip.
            self._hold = kind
            self.server.hold(self)
            self.engine.pre_sleep(worker, holding=True)

    def _send_assignment(self, kind: int, job: Job) -> None:
        """The JOB_ASSIGN* packet answering a grab of this kind."""
        function = job.function.name
        if kind == P.GRAB_JOB:
            self.send_payload(P.JOB_ASSIGN, job.handle + b"\0" + function + b"\0", job.data)
        elif kind == P.GRAB_JOB_ALL and job.reducer:
            head = b"\0".join((job.handle, function, job.unique, job.reducer, b""))
            self.send_payload(P.JOB_ASSIGN_ALL, head, job.data)
        else:
            head = b"\0".join((job.handle, function, job.unique, b""))
            self.send_payload(P.JOB_ASSIGN_UNIQ, head, job.data)

    def _grab_held(self) -> None:
        """The engine woke this holding worker: assign it a job, or keep holding."""
        self._grab_due = False
        worker = self.worker
        if not self._hold or worker is None:
            return
        job = self.engine.grab(worker)
        if job is not None:
            kind = self._hold
            self._hold = 0
            self.server.unhold(self)
            self._send_assignment(kind, job)
        else:
            self.engine.pre_sleep(worker, holding=True)

    def end_hold(self) -> None:
        """Answer the held GRAB_JOB now: its time is up, or the worker sent more."""
        kind = self._hold
        self._hold = 0
        self._grab_due = False
        self.server.unhold(self)
        worker = self.worker
        job = None if worker is None else self.engine.grab(worker)
        if job is None:
            self.send(NO_JOB_PACKET)
        else:
            self._send_assignment(kind, job)

    def on_work_data(self, args: tuple[bytes, ...]) -> None:
        try:
            self.engine.work_data(self._reporter(), args[0], args[1])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_DATA)

    def on_work_warning(self, args: tuple[bytes, ...]) -> None:
        try:
            self.engine.work_warning(self._reporter(), args[0], args[1])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_DATA)

    def on_work_status(self, args: tuple[bytes, ...]) -> None:
        try:
            self.engine.work_status(self._reporter(), args[0], args[1], args[2])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_RESULT)

    def on_work_complete(self, args: tuple[bytes, ...]) -> None:
        try:
            job = self.engine.work_complete(self._reporter(), args[0], args[1])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_RESULT)
            return
        self._after_store(job)

    def on_work_fail(self, args: tuple[bytes, ...]) -> None:
        if len(args[0]) >= MAX_HANDLE:
            self.send(ERR_HANDLE_TOO_LARGE)
            return
        try:
            job = self.engine.work_fail(self._reporter(), args[0])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_RESULT)
            return
        self._after_store(job)

    def on_work_exception(self, args: tuple[bytes, ...]) -> None:
        try:
            job = self.engine.work_exception(self._reporter(), args[0], args[1])
        except JobNotFound:
            self.send(ERR_NOT_FOUND_EXCEPTION)
            return
        self._after_store(job)

    def _reporter(self) -> WorkerSession:
        """The worker session a WORK_* report comes from; none means it holds no job."""
        if self.worker is None:
            raise JobNotFound(b"")
        return self.worker

    def on_get_status(self, args: tuple[bytes, ...]) -> None:
        handle = args[0]
        status = self.engine.status(handle)
        body = b"%s\0%d\0%d\0%d\0%d" % (
            handle,
            status.known,
            status.running,
            status.numerator,
            status.denominator,
        )
        self.send(encode_res(P.STATUS_RES, body))

    def on_get_status_unique(self, args: tuple[bytes, ...]) -> None:
        unique = args[0]
        status = self.engine.status_unique(unique) if len(unique) <= MAX_UNIQUE else UNKNOWN_STATUS
        body = b"%s\0%d\0%d\0%d\0%d\0%d" % (
            unique,
            status.known,
            status.running,
            status.numerator,
            status.denominator,
            status.listeners,
        )
        self.send(encode_res(P.STATUS_RES_UNIQUE, body))

    def on_echo_req(self, args: tuple[bytes, ...]) -> None:
        self.send(encode_res(P.ECHO_RES, args[0]))

    def on_option_req(self, args: tuple[bytes, ...]) -> None:
        name = args[0]
        if len(name) < 64 and name.lower() == b"exceptions":
            self.exceptions = True
            self.send(encode_res(P.OPTION_RES, name))
        else:
            self.send(ERR_UNKNOWN_OPTION)


# Handlers indexed by packet type; None answers ERROR INVALID_COMMAND (server-to-client
# types, unused numbers, ALL_YOURS and SUBMIT_JOB_SCHED, which gearmand never implemented).
_HANDLERS: list[Callable[[Connection, tuple[bytes, ...]], None] | None] = [None] * (MAX_TYPE + 1)
for _ptype, _method in {
    P.CAN_DO: Connection.on_can_do,
    P.CANT_DO: Connection.on_cant_do,
    P.RESET_ABILITIES: Connection.on_reset_abilities,
    P.PRE_SLEEP: Connection.on_pre_sleep,
    P.SUBMIT_JOB: Connection.on_submit_job,
    P.GRAB_JOB: Connection.on_grab_job,
    P.WORK_STATUS: Connection.on_work_status,
    P.WORK_COMPLETE: Connection.on_work_complete,
    P.WORK_FAIL: Connection.on_work_fail,
    P.GET_STATUS: Connection.on_get_status,
    P.ECHO_REQ: Connection.on_echo_req,
    P.SUBMIT_JOB_BG: Connection.on_submit_job_bg,
    P.SUBMIT_JOB_HIGH: Connection.on_submit_job_high,
    P.SET_CLIENT_ID: Connection.on_set_client_id,
    P.CAN_DO_TIMEOUT: Connection.on_can_do_timeout,
    P.WORK_EXCEPTION: Connection.on_work_exception,
    P.OPTION_REQ: Connection.on_option_req,
    P.WORK_DATA: Connection.on_work_data,
    P.WORK_WARNING: Connection.on_work_warning,
    P.GRAB_JOB_UNIQ: Connection.on_grab_job_uniq,
    P.SUBMIT_JOB_HIGH_BG: Connection.on_submit_job_high_bg,
    P.SUBMIT_JOB_LOW: Connection.on_submit_job_low,
    P.SUBMIT_JOB_LOW_BG: Connection.on_submit_job_low_bg,
    P.SUBMIT_JOB_EPOCH: Connection.on_submit_job_epoch,
    P.SUBMIT_REDUCE_JOB: Connection.on_submit_reduce_job,
    P.SUBMIT_REDUCE_JOB_BACKGROUND: Connection.on_submit_reduce_job_background,
    P.GRAB_JOB_ALL: Connection.on_grab_job_all,
    P.GET_STATUS_UNIQUE: Connection.on_get_status_unique,
}.items():
    _HANDLERS[_ptype] = _method
