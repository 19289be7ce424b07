"""Shared helpers for the gRPC gateway tests: a geargate with its gRPC port, scripted stream
workers driven from the test thread, and small polling helpers.

This directory has no __init__.py on purpose: as a package it would be importable as
top-level ``grpc`` (tests/ is on sys.path) and shadow the real grpc library.
"""

from __future__ import annotations

import os
import queue
import socket
import struct
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import grpc
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TESTS = ROOT / "tests"
for entry in (str(ROOT), str(TESTS)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

from integration.helpers import wait_for  # noqa: E402
from servers import Server, free_port  # noqa: E402

from gateway.generated.geargate.v1 import geargate_pb2 as pb  # noqa: E402
from gateway.generated.geargate.v1 import geargate_pb2_grpc as pb_grpc  # noqa: E402

KIND = os.environ.get("SERVER_UNDER_TEST", "geargate")
# Long enough for a loaded CI machine; only reached when something is broken.
WAIT = 15.0

skip_unless_geargate = pytest.mark.skipif(
    KIND != "geargate", reason="the gRPC gateway is geargate's own; gearmand has none"
)

__all__ = [
    "WAIT",
    "Gateway",
    "StreamWorker",
    "pb",
    "pb_grpc",
    "skip_unless_geargate",
    "wait_for",
]


class Gateway:
    """A geargate process with its gRPC API on, and one shared client channel to it."""

    def __init__(self, args: Sequence[str] = ()) -> None:
        self.grpc_port = free_port()
        self.tcp = Server("geargate", ["--grpc-port", str(self.grpc_port), *args])
        try:
            self.channel = grpc.insecure_channel(self.target)
            grpc.channel_ready_future(self.channel).result(timeout=WAIT)
        except Exception:
            self.tcp.stop()
            raise
        self.jobs = pb_grpc.JobServiceStub(self.channel)
        self.admin = pb_grpc.AdminServiceStub(self.channel)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def new_channel(self) -> grpc.Channel:
        """A channel of its own (a separate HTTP/2 connection), for a separate client."""
        channel = grpc.insecure_channel(self.target)
        grpc.channel_ready_future(channel).result(timeout=WAIT)
        return channel

    def stop(self) -> str:
        self.channel.close()
        return self.tcp.stop()

    # ------------------------------------------------------------------ queue views

    def function_status(self, function: str) -> pb.FunctionStatus:
        for entry in self.admin.Status(pb.StatusQuery(), timeout=WAIT).functions:
            if entry.function == function:
                return entry
        return pb.FunctionStatus(function=function)

    def queued(self, function: str) -> int:
        entry = self.function_status(function)
        return entry.queued_high + entry.queued_normal + entry.queued_low

    def running(self, function: str) -> int:
        return self.function_status(function).running

    def workers(self, function: str) -> int:
        return self.function_status(function).workers

    def wait_workers(self, function: str, count: int = 1) -> None:
        wait_for(lambda: self.workers(function) >= count, f"{count} worker(s) of {function}")

    def wait_queued(self, function: str, count: int) -> None:
        wait_for(lambda: self.queued(function) == count, f"{count} queued job(s) of {function}")

    def wait_running(self, function: str, count: int) -> None:
        wait_for(lambda: self.running(function) == count, f"{count} running job(s) of {function}")

    def waiting_clients(self, unique: str) -> int:
        return self.jobs.GetStatus(pb.StatusRequest(unique=unique), timeout=WAIT).waiting_clients

    def wait_waiting(self, unique: str, count: int) -> None:
        wait_for(
            lambda: self.waiting_clients(unique) == count, f"{count} client(s) waiting on {unique}"
        )

    def submit_bg(self, function: str, payload: bytes = b"", **fields: object) -> str:
        request = pb.SubmitRequest(function=function, payload=payload, **fields)  # type: ignore[arg-type]
        return str(self.jobs.Submit(request, timeout=WAIT).handle)


def module_gateway(args: Sequence[str] = ()) -> Iterator[Gateway]:
    """Body of a module-scoped fixture."""
    if KIND != "geargate":
        pytest.skip("the gRPC gateway is geargate's own; gearmand has none")
    gateway = Gateway(args)
    try:
        yield gateway
    finally:
        gateway.stop()


class StreamWorker:
    """A gRPC worker on WorkerService.Work whose every move is made by the test.

    The server's commands are collected by a reader thread; pings are answered there (unless
    ``answer_pings`` is false) and counted, everything else waits in ``commands``.
    """

    _END = object()

    def __init__(
        self,
        channel: grpc.Channel,
        functions: Sequence[str | tuple[str, int]],
        *,
        concurrency: int = 1,
        worker_id: str = "grpc-test",
        answer_pings: bool = True,
        first: pb.WorkerMessage | None = None,
    ) -> None:
        self.answer_pings = answer_pings
        self.pings = 0
        self.error: grpc.RpcError | None = None
        self.ended = threading.Event()
        self._out: queue.Queue[pb.WorkerMessage | None] = queue.Queue()
        self.commands: queue.Queue[object] = queue.Queue()
        if first is None:
            can_dos = [
                pb.CanDo(function=f)
                if isinstance(f, str)
                else pb.CanDo(function=f[0], timeout_ms=f[1])
                for f in functions
            ]
            first = pb.WorkerMessage(
                register=pb.Register(
                    worker_id=worker_id, functions=can_dos, concurrency=concurrency
                )
            )
        self._out.put(first)
        self.call = pb_grpc.WorkerServiceStub(channel).Work(self._requests())
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _requests(self) -> Iterator[pb.WorkerMessage]:
        while True:
            message = self._out.get()
            if message is None:
                return
            yield message

    def _read(self) -> None:
        try:
            for command in self.call:
                if command.WhichOneof("kind") == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        self.send(pb.WorkerMessage(pong=pb.Pong(nonce=command.ping.nonce)))
                    continue
                self.commands.put(command)
        except grpc.RpcError as error:
            self.error = error
        finally:
            self.ended.set()
            self.commands.put(self._END)

    # ------------------------------------------------------------------ sending

    def send(self, message: pb.WorkerMessage) -> None:
        self._out.put(message)

    def complete(self, handle: str, data: bytes) -> None:
        self.send(pb.WorkerMessage(complete=pb.WorkData(handle=handle, data=data)))

    def fail(self, handle: str) -> None:
        self.send(pb.WorkerMessage(fail=pb.WorkFail(handle=handle)))

    def exception(self, handle: str, data: bytes) -> None:
        self.send(pb.WorkerMessage(exception=pb.WorkData(handle=handle, data=data)))

    def data(self, handle: str, data: bytes) -> None:
        self.send(pb.WorkerMessage(data=pb.WorkData(handle=handle, data=data)))

    def warning(self, handle: str, data: bytes) -> None:
        self.send(pb.WorkerMessage(warning=pb.WorkData(handle=handle, data=data)))

    def status(self, handle: str, numerator: int, denominator: int) -> None:
        self.send(
            pb.WorkerMessage(
                status=pb.WorkStatus(handle=handle, numerator=numerator, denominator=denominator)
            )
        )

    def add_credit(self, delta: int) -> None:
        self.send(pb.WorkerMessage(add_credit=pb.AddCredit(delta=delta)))

    def cant_do(self, function: str) -> None:
        self.send(pb.WorkerMessage(cant_do=pb.CantDo(function=function)))

    # ------------------------------------------------------------------ receiving

    def next(self, timeout: float = WAIT) -> pb.WorkerCommand:
        """The next command other than a ping; AssertionError if none comes or the stream ends."""
        try:
            command = self.commands.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the worker got no command") from None
        if command is self._END:
            self.commands.put(self._END)
            raise AssertionError(f"the worker stream ended: {self.error!r}")
        assert isinstance(command, pb.WorkerCommand)
        return command

    def expect(self, kind: str, timeout: float = WAIT) -> pb.WorkerCommand:
        command = self.next(timeout)
        assert command.WhichOneof("kind") == kind, f"expected {kind}, got {command}"
        return command

    def assignment(self, timeout: float = WAIT) -> pb.Assignment:
        return self.expect("assign", timeout).assign

    def serve_one(self, transform: bytes = b"") -> pb.Assignment:
        """Take one job and complete it with its payload reversed (plus ``transform``)."""
        job = self.assignment()
        self.complete(job.handle, job.payload[::-1] + transform)
        return job

    def pending(self) -> list[pb.WorkerCommand]:
        """The commands received and not yet taken (without waiting)."""
        found: list[pb.WorkerCommand] = []
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return found
            if command is self._END:
                self.commands.put(self._END)
                return found
            assert isinstance(command, pb.WorkerCommand)
            found.append(command)

    def sync(self) -> list[pb.WorkerCommand]:
        """Wait until the server has handled everything sent so far and return the commands
        that came before: a report about a handle nobody holds comes back as `rejected`, in
        order with everything else."""
        marker = "H:sync-marker"
        self.fail(marker)
        before: list[pb.WorkerCommand] = []
        while True:
            command = self.next()
            if command.WhichOneof("kind") == "rejected" and command.rejected.handle == marker:
                return before
            before.append(command)

    # ------------------------------------------------------------------ ending

    def close(self) -> None:
        """End the request stream (a clean goodbye)."""
        self._out.put(None)

    def cancel(self) -> None:
        self.call.cancel()

    def wait_ended(self, timeout: float = WAIT) -> grpc.StatusCode | None:
        """Wait for the stream to end; return its error code (None for a clean end)."""
        assert self.ended.wait(timeout), "the worker stream did not end"
        return self.error.code() if self.error is not None else None

    def __enter__(self) -> StreamWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        # Say goodbye cleanly, so that reports sent just before are delivered; cut the
        # stream only if the server does not end it.
        self.close()
        if not self.ended.wait(WAIT):
            self.call.cancel()
        self._reader.join(timeout=WAIT)


def gearman_packet(kind: int, *args: bytes) -> bytes:
    body = b"\0".join(args)
    return b"\0REQ" + struct.pack(">II", kind, len(body)) + body


def read_packet(sock: socket.socket) -> tuple[int, list[bytes]]:
    """Read one response packet from a Gearman TCP connection."""
    header = _read_exact(sock, 12)
    assert header[:4] == b"\0RES", header
    kind, size = struct.unpack(">II", header[4:])
    body = _read_exact(sock, size)
    return kind, body.split(b"\0")


def _read_exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise AssertionError("the server closed the connection")
        data += chunk
    return data


# Gearman packet types used by the raw-socket tests.
SUBMIT_JOB = 7
JOB_CREATED = 8
WORK_COMPLETE = 13
WORK_FAIL = 14
SUBMIT_JOB_HIGH_BG = 32
SUBMIT_JOB_LOW_BG = 34
