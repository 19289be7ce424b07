"""The TCP server: listening sockets, the set of connections, output flushing, signals."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Iterable

from .. import __version__
from ..config import Config
from ..engine import Engine, EngineOptions, TimerHandle, WorkerSession
from ..protocol import Decoder
from ..protocol.codec import DEFAULT_MAX_LINE
from ..store import Store
from .connection import Connection

log = logging.getLogger("geargate.server")

WRITE_HIGH_WATER = 256 * 1024
MIN_OUTPUT_LIMIT = 32 * 1024 * 1024


class LoopScheduler:
    """The engine's clock and timers, from the running event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def time(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return self._loop.call_later(delay, callback)


class GearmanServer:
    def __init__(
        self, config: Config, loop: asyncio.AbstractEventLoop, store: Store | None = None
    ) -> None:
        self.config = config
        self.loop = loop
        self.version = __version__
        self.engine = Engine(
            LoopScheduler(loop),
            EngineOptions(
                handle_prefix=config.handle_prefix,
                job_retries=config.job_retries,
                worker_wakeup=config.worker_wakeup,
                exceptions=config.exceptions,
                retain_results=config.retain_results,
            ),
            store,
        )
        self.connections: dict[Connection, None] = {}
        self.write_high_water = WRITE_HIGH_WATER
        # A peer may owe us at most this much unread output before it is cut off: room for
        # two maximal packets, so one large result never trips it.
        self.output_limit = max(MIN_OUTPUT_LIMIT, 2 * config.max_packet_size + WRITE_HIGH_WATER)
        self._dirty: list[Connection] = []
        self._listeners: list[asyncio.Server] = []
        self._stopped: asyncio.Future[None] = loop.create_future()
        self._draining = False
        # Workers on other transports (gRPC streams), for the admin `workers` listing:
        # (transport, peer, session).
        self.stream_workers: Callable[[], Iterable[tuple[str, str, WorkerSession]]] = tuple
        # Told when a graceful stop begins (gRPC health turns NOT_SERVING).
        self.on_drain: list[Callable[[], Awaitable[None]]] = []
        self._tasks: set[asyncio.Future[None]] = set()
        # Connections whose GRAB_JOB answer is held (--grab-wait), in two generations: a
        # tick answers the older one, so a hold lasts between one and two ticks, and one
        # timer serves every held connection.
        self.grab_wait = config.grab_wait_ms / 1000.0
        self._holds_new: dict[Connection, None] = {}
        self._holds_old: dict[Connection, None] = {}
        self._hold_timer: asyncio.TimerHandle | None = None

    # ---------------------------------------------------------------- connections

    def new_decoder(self) -> Decoder:
        return Decoder(max_body=self.config.max_packet_size, max_line=DEFAULT_MAX_LINE)

    def mark_dirty(self, conn: Connection) -> None:
        """Queue a connection's output to be written once, at the end of this loop turn."""
        if not self._dirty:
            self.loop.call_soon(self._flush_dirty)
        self._dirty.append(conn)

    def hold(self, conn: Connection) -> None:
        self._holds_new[conn] = None
        if self._hold_timer is None:
            self._hold_timer = self.loop.call_later(self.grab_wait, self._hold_tick)

    def unhold(self, conn: Connection) -> None:
        self._holds_new.pop(conn, None)
        self._holds_old.pop(conn, None)

    def _hold_tick(self) -> None:
        expired = self._holds_old
        self._holds_old = self._holds_new
        self._holds_new = {}
        for conn in expired:
            conn.end_hold()
        if self._holds_old:
            self._hold_timer = self.loop.call_later(self.grab_wait, self._hold_tick)
        else:
            self._hold_timer = None

    def _flush_dirty(self) -> None:
        dirty = self._dirty
        self._dirty = []
        for conn in dirty:
            conn.flush()

    def tune_socket(self, sock: socket.socket) -> None:
        cfg = self.config
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if cfg.keepalive:
                for option, value in (
                    ("TCP_KEEPIDLE", cfg.keepalive_idle),
                    ("TCP_KEEPINTVL", cfg.keepalive_interval),
                    ("TCP_KEEPCNT", cfg.keepalive_count),
                ):
                    if value > 0 and hasattr(socket, option):
                        sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
        except OSError as error:
            log.debug("could not tune socket: %s", error)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        cfg = self.config
        server = await self.loop.create_server(
            lambda: Connection(self),
            host=cfg.listen or None,
            port=cfg.port,
            backlog=cfg.backlog,
            reuse_address=True,
        )
        self._listeners.append(server)
        for sock in server.sockets:
            address = sock.getsockname()
            log.warning("geargate %s listening on %s port %d", self.version, address[0], address[1])

    @property
    def draining(self) -> bool:
        return self._draining

    @property
    def ports(self) -> list[int]:
        return [int(s.getsockname()[1]) for server in self._listeners for s in server.sockets]

    def install_signal_handlers(self, reopen_log: Callable[[], None]) -> None:
        loop = self.loop
        loop.add_signal_handler(signal.SIGTERM, self.terminate)
        loop.add_signal_handler(signal.SIGINT, self.request_stop, False)
        loop.add_signal_handler(signal.SIGUSR1, self.request_stop, True)
        loop.add_signal_handler(signal.SIGHUP, reopen_log)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)

    def request_stop(self, graceful: bool) -> None:
        """Stop now, or (graceful) stop accepting and stop once no job is left."""
        if graceful:
            log.warning(
                "graceful shutdown: no new connections; waiting for %d jobs", len(self.engine.jobs)
            )
            self._start_draining()
            self._check_drained(lambda: not self.engine.jobs, None)
        else:
            self._finish()

    def terminate(self) -> None:
        """SIGTERM: stop at once, or with --drain-timeout let running jobs finish first.

        While draining no job is handed out; queued background jobs stay in the store.
        """
        timeout = self.config.drain_timeout
        if timeout <= 0 or self._draining:
            self._finish()
            return
        running = sum(function.running for function in self.engine.functions.values())
        log.warning(
            "draining: no new work; waiting up to %gs for %d running jobs", timeout, running
        )
        self._start_draining()
        self.engine.paused = True
        deadline = self.loop.time() + timeout
        self._check_drained(
            lambda: not any(function.running for function in self.engine.functions.values()),
            deadline,
        )

    def _start_draining(self) -> None:
        for server in self._listeners:
            server.close()
        self._draining = True
        for callback in self.on_drain:
            # Kept referenced until done: the loop holds tasks only weakly.
            task = asyncio.ensure_future(callback())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _check_drained(self, drained: Callable[[], bool], deadline: float | None) -> None:
        if drained():
            self._finish()
        elif deadline is not None and self.loop.time() >= deadline:
            log.warning("drain timeout: stopping with jobs still running")
            self._finish()
        elif self._draining:
            self.loop.call_later(0.1, self._check_drained, drained, deadline)

    def _finish(self) -> None:
        if self._stopped.done():
            return
        self._draining = False
        for conn in list(self.connections):
            conn.flush()
            if conn.transport is not None:
                conn.transport.close()
        self._stopped.set_result(None)

    async def wait_stopped(self) -> None:
        await self._stopped
        for server in self._listeners:
            server.close()
        # Let closing transports run their connection_lost callbacks.
        await asyncio.sleep(0)


def write_pid_file(path: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
