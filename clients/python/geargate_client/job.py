"""The job a worker handler receives, shared by the gRPC and the native Gearman workers."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable

from .types import to_bytes

Result = bytes | bytearray | memoryview | str | None
# A handler takes the Job and returns the result (bytes, str as UTF-8, or None = empty).
# It may be a coroutine function (run on the event loop) or a plain function (run in a thread).
Handler = Callable[["Job"], Result | Awaitable[Result]]
Emit = Callable[[str, bytes, int, int], None]


class Job:
    """One assignment. Send progress with send_data / send_warning / send_status.

    End it by returning (WORK_COMPLETE), raising WorkFail (WORK_FAIL) or raising any other
    exception (WORK_EXCEPTION with the exception's message). `cancelled` turns true when the
    server took the job back (gRPC: reason "cancelled" or "timeout"); the result is then
    dropped, and an async handler is cancelled.
    """

    def __init__(
        self,
        *,
        handle: str,
        function: str,
        unique: str,
        payload: bytes,
        reducer: str = "",
        attempt: int = 0,
        emit: Emit,
    ) -> None:
        self.handle = handle
        self.function = function
        self.unique = unique
        self.payload = payload
        self.reducer = reducer
        self.attempt = attempt
        self._emit = emit
        self._cancelled = threading.Event()
        self.cancel_reason = ""

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Block (in a thread handler) until the job is cancelled or `timeout` passes."""
        return self._cancelled.wait(timeout)

    def cancel(self, reason: str) -> None:
        self.cancel_reason = reason
        self._cancelled.set()

    def send_data(self, data: Result) -> None:
        """Stream a chunk of data to the waiting clients (WORK_DATA)."""
        if not self.cancelled:
            self._emit("data", to_bytes(data), 0, 0)

    def send_warning(self, data: Result) -> None:
        """Send a warning to the waiting clients (WORK_WARNING)."""
        if not self.cancelled:
            self._emit("warning", to_bytes(data), 0, 0)

    def send_status(self, numerator: int, denominator: int) -> None:
        """Report progress (WORK_STATUS); also visible to status queries."""
        if not self.cancelled:
            self._emit("status", b"", numerator, denominator)


def thread_safe(loop: asyncio.AbstractEventLoop, func: Emit) -> Emit:
    """Wrap `func` so that handler threads hand their calls to the loop's thread, in order."""
    owner = threading.get_ident()

    def emit(kind: str, data: bytes, num: int, den: int) -> None:
        if threading.get_ident() == owner:
            func(kind, data, num, den)
        else:
            loop.call_soon_threadsafe(func, kind, data, num, den)

    return emit


async def invoke(handler: Handler, job: Job) -> bytes:
    """Run a handler: coroutine functions on the loop, plain functions in a thread."""
    if inspect.iscoroutinefunction(handler):
        result = await handler(job)
    else:
        result = await asyncio.to_thread(handler, job)
        if inspect.isawaitable(result):
            result = await result
    return to_bytes(result)
