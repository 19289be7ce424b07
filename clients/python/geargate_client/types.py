"""Plain data types shared by the gRPC and the native Gearman APIs."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal

from .errors import JobException, JobFailed


class Priority(enum.IntEnum):
    NORMAL = 0
    LOW = 1
    HIGH = 2


class Outcome(enum.Enum):
    COMPLETE = "complete"
    FAIL = "fail"
    EXCEPTION = "exception"


EventKind = Literal[
    "created", "data", "warning", "status", "complete", "fail", "exception", "error"
]
TERMINAL: frozenset[str] = frozenset({"complete", "fail", "exception"})


@dataclass(frozen=True)
class JobEvent:
    """One event of a foreground job.

    `kind` says which fields matter: `data` for data/warning/complete/exception, `numerator`
    and `denominator` for status, `coalesced` for created, `error_code` and `data` (the
    message, UTF-8) for error (gRPC Pipeline only).
    """

    kind: EventKind
    handle: str = ""
    data: bytes = b""
    numerator: int = 0
    denominator: int = 0
    coalesced: bool = False
    error_code: str = ""
    request_id: int = 0

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL


@dataclass
class JobResult:
    """The outcome of a foreground job, with the events it streamed when they were collected."""

    handle: str
    outcome: Outcome
    data: bytes = b""
    data_events: list[bytes] = field(default_factory=list)
    warnings: list[bytes] = field(default_factory=list)
    status_events: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.COMPLETE

    def value(self) -> bytes:
        """The result of a complete job; raises JobFailed or JobException otherwise."""
        if self.outcome is Outcome.FAIL:
            raise JobFailed(self.handle)
        if self.outcome is Outcome.EXCEPTION:
            raise JobException(self.handle, self.data)
        return self.data


@dataclass(frozen=True)
class JobStatus:
    """What the server knows about a job (GET_STATUS / GET_STATUS_UNIQUE / GetStatus)."""

    known: bool
    running: bool
    numerator: int
    denominator: int
    waiting_clients: int = 0
    handle: str = ""


def to_bytes(value: bytes | bytearray | memoryview | str | None) -> bytes:
    """Handler results and payloads: bytes as is, text as UTF-8, None as empty."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)
