"""asyncio worker for the native Gearman protocol (geargate or any gearmand).

Each of `concurrency` slots keeps one connection to every server and runs the classic loop:
GRAB_JOB_UNIQ, run the job, report; on NO_JOB send PRE_SLEEP and wait for NOOP. Broken or
refused connections are retried with exponential backoff. stop() is graceful: idle
connections close at once, busy ones finish and report their job first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from ..errors import WorkFail
from ..job import Handler, Job, invoke, thread_safe
from .protocol import P, Packet, ProtocolError, encode, parse_address, read_packet

log = logging.getLogger("geargate_client.gearman.worker")
_ASSIGN = {P.JOB_ASSIGN, P.JOB_ASSIGN_UNIQ, P.JOB_ASSIGN_ALL}


class _Stopping(Exception):
    pass


class GearmanWorker:
    """asyncio Gearman worker for a list of servers ("host:port" strings).

    client_id is sent with SET_CLIENT_ID (shown by the admin `workers` command) on every
    (re)connect. `ready` is set once every connection has registered its functions.
    """

    def __init__(
        self,
        servers: Sequence[str] | str = ("localhost:4730",),
        *,
        client_id: str | None = None,
        concurrency: int = 1,
        connect_timeout: float = 5.0,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
    ) -> None:
        if isinstance(servers, str):
            servers = [s for s in servers.split(",") if s.strip()]
        if not servers:
            raise ValueError("no servers")
        self.servers = [f"{h}:{p}" for h, p in (parse_address(s) for s in servers)]
        self.client_id = client_id
        self.concurrency = max(1, concurrency)
        self.connect_timeout = connect_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self._handlers: dict[str, tuple[Handler, float | None]] = {}
        self._stop = asyncio.Event()
        self._registered: set[tuple[str, int]] = set()
        self.ready = asyncio.Event()
        self.jobs_done = 0
        self.connects = 0

    def register(self, function: str, handler: Handler, *, timeout: float | None = None) -> None:
        """Serve `function`. timeout (seconds) registers with CAN_DO_TIMEOUT: the server takes
        back a job held longer."""
        self._handlers[function] = (handler, timeout)

    def handler(
        self, function: str, *, timeout: float | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator form of register()."""

        def add(func: Handler) -> Handler:
            self.register(function, func, timeout=timeout)
            return func

        return add

    def stop(self) -> None:
        """Finish gracefully: running jobs are completed and reported, then run() returns."""
        self._stop.set()

    async def run(self) -> None:
        """Serve until stop()."""
        if not self._handlers:
            raise ValueError("register at least one function before run()")
        slots = [
            asyncio.create_task(self._slot(server, index))
            for server in self.servers
            for index in range(self.concurrency)
        ]
        try:
            await asyncio.gather(*slots)
        finally:
            for task in slots:
                task.cancel()
            await asyncio.gather(*slots, return_exceptions=True)

    async def _slot(self, server: str, index: int) -> None:
        backoff = self.backoff_initial
        while not self._stop.is_set():
            registered = False
            writer: asyncio.StreamWriter | None = None
            try:
                host, port = parse_address(server)
                reader, opened = await asyncio.wait_for(
                    asyncio.open_connection(host, port), self.connect_timeout
                )
                writer = opened
                self.connects += 1
                await self._register(reader, opened)
                registered = True
                self._registered.add((server, index))
                if len(self._registered) == len(self.servers) * self.concurrency:
                    self.ready.set()
                await self._serve(reader, opened)
            except _Stopping:
                return
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ProtocolError) as exc:
                log.warning("worker connection to %s: %s", server, exc)
            finally:
                if writer is not None:
                    writer.close()
                    with contextlib.suppress(Exception):
                        await writer.wait_closed()
            if registered:
                backoff = self.backoff_initial
            if self._stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            backoff = min(backoff * 2, self.backoff_max)

    async def _register(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        packets = []
        if self.client_id:
            packets.append(encode(P.SET_CLIENT_ID, self.client_id.encode()))
        for name, (_, timeout) in self._handlers.items():
            if timeout:
                ms = str(max(1, int(timeout * 1000))).encode()
                packets.append(encode(P.CAN_DO_TIMEOUT, name.encode(), ms))
            else:
                packets.append(encode(P.CAN_DO, name.encode()))
        # The echo comes back after the server has handled everything before it.
        packets.append(encode(P.ECHO_REQ, b"registered"))
        writer.write(b"".join(packets))
        while True:
            packet = await read_packet(reader)
            if packet.type == P.ECHO_RES:
                return
            if packet.type == P.ERROR:
                raise ProtocolError(f"server refused registration: {packet.fields}")

    async def _next(self, reader: asyncio.StreamReader, wake_on_stop: bool) -> Packet:
        """The next packet; with wake_on_stop, raise _Stopping if stop() comes first."""
        if not wake_on_stop:
            return await read_packet(reader)
        if self._stop.is_set():
            raise _Stopping
        read = asyncio.ensure_future(read_packet(reader))
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not read.done():
            read.cancel()
            raise _Stopping
        return read.result()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopping
            writer.write(encode(P.GRAB_JOB_UNIQ))
            # Exactly one NO_JOB or JOB_ASSIGN* answers the grab; NOOPs and late errors
            # (e.g. a report about a job that timed out) are skipped.
            while True:
                packet = await self._next(reader, wake_on_stop=False)
                if packet.type == P.ERROR:
                    log.info("server error: %r", packet.fields)
                    continue
                if packet.type in (P.NO_JOB, *_ASSIGN):
                    break
            if packet.type == P.NO_JOB:
                writer.write(encode(P.PRE_SLEEP))
                while True:
                    packet = await self._next(reader, wake_on_stop=True)
                    if packet.type == P.NOOP:
                        break
                continue
            await self._work(packet, writer)

    async def _work(self, packet: Packet, writer: asyncio.StreamWriter) -> None:
        if packet.type == P.JOB_ASSIGN:
            handle, function, payload = packet.fields
            unique, reducer = b"", b""
        elif packet.type == P.JOB_ASSIGN_UNIQ:
            handle, function, unique, payload = packet.fields
            reducer = b""
        else:
            handle, function, unique, reducer, payload = packet.fields

        def emit(kind: str, data: bytes, num: int, den: int) -> None:
            if writer.is_closing():
                return
            if kind == "status":
                writer.write(encode(P.WORK_STATUS, handle, str(num).encode(), str(den).encode()))
            else:
                ptype = P.WORK_DATA if kind == "data" else P.WORK_WARNING
                writer.write(encode(ptype, handle, data))

        job = Job(
            handle=handle.decode("utf-8", "replace"),
            function=function.decode("utf-8", "replace"),
            unique=unique.decode("utf-8", "replace"),
            payload=payload,
            reducer=reducer.decode("utf-8", "replace"),
            emit=thread_safe(asyncio.get_running_loop(), emit),
        )
        entry = self._handlers.get(job.function)
        if entry is None:
            writer.write(encode(P.WORK_FAIL, handle))
            return
        try:
            result = await invoke(entry[0], job)
            writer.write(encode(P.WORK_COMPLETE, handle, result))
        except WorkFail:
            writer.write(encode(P.WORK_FAIL, handle))
        except Exception as exc:
            text = str(exc) or type(exc).__name__
            writer.write(encode(P.WORK_EXCEPTION, handle, text.encode("utf-8")))
        self.jobs_done += 1
        await writer.drain()
