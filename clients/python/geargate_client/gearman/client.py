"""asyncio client for the native Gearman protocol (geargate or any gearmand).

Several servers: a job with a unique goes to server ((crc32(unique) >> 16) & 0x7fff) % N, as
Perl's Gearman::Client does, so coalescing works across a pool; other jobs go to a randomly
chosen server. When the chosen server cannot be reached the next ones are tried in order
(failover), and an unreachable server is skipped for `retry_after` seconds.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from ..errors import ConnectionLost, JobException, JobFailed, SubmitRefused
from ..types import JobEvent, JobResult, JobStatus, Outcome, Priority, to_bytes
from .protocol import (
    SUBMIT_TYPES,
    P,
    Packet,
    ProtocolError,
    encode,
    parse_address,
    read_packet,
    server_index,
)

Payload = bytes | str
DataCallback = Callable[[bytes], object]
StatusCallback = Callable[[int, int], object]

_EVENT_KINDS = {
    P.WORK_DATA: "data",
    P.WORK_WARNING: "warning",
    P.WORK_STATUS: "status",
    P.WORK_COMPLETE: "complete",
    P.WORK_FAIL: "fail",
    P.WORK_EXCEPTION: "exception",
}
_REPLIES = {
    P.JOB_CREATED,
    P.STATUS_RES,
    P.STATUS_RES_UNIQUE,
    P.ECHO_RES,
    P.OPTION_RES,
    P.ERROR,
}


def _number(raw: bytes) -> int:
    try:
        return int(raw)
    except ValueError:
        return 0


@dataclass
class _Pending:
    future: asyncio.Future[Packet]
    listener: asyncio.Queue[JobEvent | BaseException] | None = None


@dataclass
class _Connection:
    """One TCP connection: requests answered in order, job events routed by handle."""

    address: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pending: collections.deque[_Pending] = field(default_factory=collections.deque)
    listeners: dict[bytes, list[asyncio.Queue[JobEvent | BaseException]]] = field(
        default_factory=dict
    )
    closed: bool = False
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._read_loop())

    async def request(
        self, packet: bytes, listener: asyncio.Queue[JobEvent | BaseException] | None = None
    ) -> Packet:
        if self.closed:
            raise ConnectionLost(f"connection to {self.address} is closed")
        future: asyncio.Future[Packet] = asyncio.get_running_loop().create_future()
        self.pending.append(_Pending(future, listener))
        self.writer.write(packet)
        reply = await future
        if reply.type == P.ERROR:
            raise SubmitRefused(
                reply.arg(0).decode("utf-8", "replace"), reply.arg(1).decode("utf-8", "replace")
            )
        return reply

    def forget(self, handle: bytes, listener: asyncio.Queue[JobEvent | BaseException]) -> None:
        queues = self.listeners.get(handle)
        if queues and listener in queues:
            queues.remove(listener)
            if not queues:
                del self.listeners[handle]

    async def _read_loop(self) -> None:
        error: BaseException = ConnectionLost(f"connection to {self.address} closed")
        try:
            while True:
                packet = await read_packet(self.reader)
                if packet.type in _REPLIES and self.pending:
                    entry = self.pending.popleft()
                    if packet.type == P.JOB_CREATED and entry.listener is not None:
                        handle = packet.arg(0)
                        self.listeners.setdefault(handle, []).append(entry.listener)
                        entry.listener.put_nowait(JobEvent("created", handle=handle.decode()))
                    if not entry.future.done():
                        entry.future.set_result(packet)
                elif packet.type in _EVENT_KINDS:
                    self._dispatch(packet)
        except (OSError, asyncio.IncompleteReadError) as exc:
            error = ConnectionLost(f"connection to {self.address} lost: {exc}")
        except ProtocolError as exc:
            error = ConnectionLost(f"connection to {self.address}: {exc}")
        finally:
            self.closed = True
            self.writer.close()
            while self.pending:
                entry = self.pending.popleft()
                if not entry.future.done():
                    entry.future.set_exception(error)
            for queues in self.listeners.values():
                for queue in queues:
                    queue.put_nowait(error)
            self.listeners.clear()

    def _dispatch(self, packet: Packet) -> None:
        handle = packet.arg(0)
        queues = self.listeners.get(handle)
        if not queues:
            return
        kind = _EVENT_KINDS[P(packet.type)]
        text = handle.decode("utf-8", "replace")
        if kind == "status":
            event = JobEvent(
                "status",
                handle=text,
                numerator=_number(packet.arg(1)),
                denominator=_number(packet.arg(2)),
            )
        else:
            event = JobEvent(kind, handle=text, data=packet.arg(1))  # type: ignore[arg-type]
        for queue in queues:
            queue.put_nowait(event)
        if event.terminal:
            del self.listeners[handle]

    async def close(self) -> None:
        self.writer.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


class GearmanClient:
    """asyncio Gearman client for a list of servers ("host:port" strings).

    exceptions=True sends OPTION_REQ "exceptions" on every connection so WORK_EXCEPTION
    reaches the client (otherwise the server turns it into WORK_FAIL).
    """

    def __init__(
        self,
        servers: Sequence[str] | str = ("localhost:4730",),
        *,
        exceptions: bool = True,
        connect_timeout: float = 5.0,
        retry_after: float = 1.0,
    ) -> None:
        if isinstance(servers, str):
            servers = [s for s in servers.split(",") if s.strip()]
        if not servers:
            raise ValueError("no servers")
        self.servers = [f"{h}:{p}" for h, p in (parse_address(s) for s in servers)]
        self.exceptions = exceptions
        self.connect_timeout = connect_timeout
        self.retry_after = retry_after
        self._connections: dict[str, _Connection] = {}
        self._dead_until: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Which server accepted a handle, so status queries go to the same one.
        self._handle_server: collections.OrderedDict[str, str] = collections.OrderedDict()

    async def __aenter__(self) -> GearmanClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        connections = list(self._connections.values())
        self._connections.clear()
        for connection in connections:
            await connection.close()

    # ------------------------------------------------------------------ connections

    async def _connect(self, server: str) -> _Connection:
        existing = self._connections.get(server)
        if existing is not None and not existing.closed:
            return existing
        lock = self._locks.setdefault(server, asyncio.Lock())
        async with lock:
            existing = self._connections.get(server)
            if existing is not None and not existing.closed:
                return existing
            host, port = parse_address(server)
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), self.connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                self._dead_until[server] = time.monotonic() + self.retry_after
                raise ConnectionLost(f"cannot connect to {server}: {exc}") from exc
            connection = _Connection(server, reader, writer)
            connection.start()
            if self.exceptions:
                await connection.request(encode(P.OPTION_REQ, b"exceptions"))
            self._dead_until.pop(server, None)
            self._connections[server] = connection
            return connection

    def _order(self, key: bytes | None) -> list[str]:
        count = len(self.servers)
        start = server_index(key, count) if key is not None else random.randrange(count)
        order = self.servers[start:] + self.servers[:start]
        now = time.monotonic()
        alive = [s for s in order if self._dead_until.get(s, 0.0) <= now]
        return alive + [s for s in order if s not in alive]

    async def _with_failover(self, key: bytes | None, packet: bytes) -> tuple[str, Packet]:
        last: Exception | None = None
        for server in self._order(key):
            try:
                connection = await self._connect(server)
                return server, await connection.request(packet)
            except ConnectionLost as exc:
                last = exc
        raise ConnectionLost(f"no server reachable ({last})")

    def _remember(self, handle: str, server: str) -> None:
        self._handle_server[handle] = server
        while len(self._handle_server) > 10000:
            self._handle_server.popitem(last=False)

    @staticmethod
    def _key(unique: str, payload: bytes) -> bytes | None:
        if unique == "-":
            return payload
        return unique.encode("utf-8") if unique else None

    # ------------------------------------------------------------------ jobs

    async def submit(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        run_at: float | None = None,
    ) -> str:
        """Queue a background job; returns its handle. run_at: a UNIX time (SUBMIT_JOB_EPOCH)."""
        data = to_bytes(payload)
        if run_at is not None:
            if priority is not Priority.NORMAL:
                raise ValueError("scheduled jobs have normal priority")
            packet = encode(
                P.SUBMIT_JOB_EPOCH,
                function.encode(),
                unique.encode(),
                str(int(run_at)).encode(),
                data,
            )
        else:
            ptype = SUBMIT_TYPES[(int(priority), True)]
            packet = encode(ptype, function.encode(), unique.encode(), data)
        server, reply = await self._with_failover(self._key(unique, data), packet)
        handle = reply.arg(0).decode("utf-8", "replace")
        self._remember(handle, server)
        return handle

    async def run(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
    ) -> AsyncIterator[JobEvent]:
        """Submit a foreground job and yield its events: created, then data / warning / status,
        then one terminal event (complete, fail or exception). Raises ConnectionLost when the
        connection breaks first."""
        data = to_bytes(payload)
        ptype = SUBMIT_TYPES[(int(priority), False)]
        packet = encode(ptype, function.encode(), unique.encode(), data)
        queue: asyncio.Queue[JobEvent | BaseException] = asyncio.Queue()
        last: Exception | None = None
        connection: _Connection | None = None
        for server in self._order(self._key(unique, data)):
            try:
                candidate = await self._connect(server)
                reply = await candidate.request(packet, queue)
            except ConnectionLost as exc:
                last = exc
                continue
            connection = candidate
            self._remember(reply.arg(0).decode("utf-8", "replace"), server)
            break
        if connection is None:
            raise ConnectionLost(f"no server reachable ({last})")
        handle = b""
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                handle = item.handle.encode()
                yield item
                if item.terminal:
                    return
        finally:
            connection.forget(handle, queue)

    async def call_result(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        timeout: float | None = None,
        on_data: DataCallback | None = None,
        on_warning: DataCallback | None = None,
        on_status: StatusCallback | None = None,
        on_exception: DataCallback | None = None,
    ) -> JobResult:
        """Run a foreground job, calling the callbacks as events arrive; returns a JobResult
        (complete, fail or exception) that also lists the events. `timeout` in seconds raises
        TimeoutError (the job carries on in the server)."""

        async def collect() -> JobResult:
            result = JobResult(handle="", outcome=Outcome.FAIL)
            async for event in self.run(function, payload, unique=unique, priority=priority):
                result.handle = event.handle
                if event.kind == "data":
                    result.data_events.append(event.data)
                    if on_data is not None:
                        on_data(event.data)
                elif event.kind == "warning":
                    result.warnings.append(event.data)
                    if on_warning is not None:
                        on_warning(event.data)
                elif event.kind == "status":
                    result.status_events.append((event.numerator, event.denominator))
                    if on_status is not None:
                        on_status(event.numerator, event.denominator)
                elif event.kind == "complete":
                    result.outcome, result.data = Outcome.COMPLETE, event.data
                elif event.kind == "exception":
                    result.outcome, result.data = Outcome.EXCEPTION, event.data
                    if on_exception is not None:
                        on_exception(event.data)
                elif event.kind == "fail":
                    result.outcome = Outcome.FAIL
            return result

        return await asyncio.wait_for(collect(), timeout)

    async def call(
        self,
        function: str,
        payload: Payload = b"",
        *,
        unique: str = "",
        priority: Priority = Priority.NORMAL,
        timeout: float | None = None,
        on_data: DataCallback | None = None,
        on_warning: DataCallback | None = None,
        on_status: StatusCallback | None = None,
    ) -> bytes:
        """Run a foreground job and return its result; raises JobFailed or JobException."""
        result = await self.call_result(
            function,
            payload,
            unique=unique,
            priority=priority,
            timeout=timeout,
            on_data=on_data,
            on_warning=on_warning,
            on_status=on_status,
        )
        if result.outcome is Outcome.FAIL:
            raise JobFailed(result.handle)
        if result.outcome is Outcome.EXCEPTION:
            raise JobException(result.handle, result.data)
        return result.data

    # ------------------------------------------------------------------ queries

    async def status(self, handle: str, *, server: str | None = None) -> JobStatus:
        """GET_STATUS on the server that accepted the handle (or `server`)."""
        target = server or self._handle_server.get(handle) or self.servers[0]
        connection = await self._connect(target)
        reply = await connection.request(encode(P.GET_STATUS, handle.encode()))
        return JobStatus(
            known=reply.arg(1) == b"1",
            running=reply.arg(2) == b"1",
            numerator=_number(reply.arg(3)),
            denominator=_number(reply.arg(4)),
            handle=reply.arg(0).decode("utf-8", "replace"),
        )

    async def status_unique(self, unique: str, *, server: str | None = None) -> JobStatus:
        """GET_STATUS_UNIQUE on the server the unique hashes to (or `server`)."""
        target = server or self.servers[server_index(unique.encode(), len(self.servers))]
        connection = await self._connect(target)
        reply = await connection.request(encode(P.GET_STATUS_UNIQUE, unique.encode()))
        return JobStatus(
            known=reply.arg(1) == b"1",
            running=reply.arg(2) == b"1",
            numerator=_number(reply.arg(3)),
            denominator=_number(reply.arg(4)),
            waiting_clients=_number(reply.arg(5)),
        )

    async def echo(self, data: Payload = b"", *, server: str | None = None) -> bytes:
        """ECHO_REQ: returns what the server echoed."""
        connection = await self._connect(server or self.servers[0])
        reply = await connection.request(encode(P.ECHO_REQ, to_bytes(data)))
        return reply.arg(0)

    async def option(self, name: str, *, server: str | None = None) -> bytes:
        """OPTION_REQ: raises SubmitRefused (UNKNOWN_OPTION) when the server does not know it."""
        connection = await self._connect(server or self.servers[0])
        reply = await connection.request(encode(P.OPTION_REQ, name.encode()))
        return reply.arg(0)
