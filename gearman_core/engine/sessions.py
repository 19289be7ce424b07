"""The engine's record of each client and worker endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .endpoints import ClientEndpoint, WorkerEndpoint
    from .job import Function, Job


class ClientSession:
    __slots__ = ("endpoint", "jobs")

    def __init__(self, endpoint: ClientEndpoint) -> None:
        self.endpoint = endpoint
        # Jobs this client listens to, with the number of its submits attached to each.
        self.jobs: dict[Job, int] = {}


class WorkerSession:
    __slots__ = (
        "abilities",
        "asleep",
        "assigned",
        "client_id",
        "endpoint",
        "holding",
        "noop_sent",
        "order",
        "records",
        "rotation",
    )

    def __init__(self, endpoint: WorkerEndpoint) -> None:
        self.endpoint = endpoint
        # Function name per CAN_DO, duplicates kept, in registration order (admin `workers`).
        self.records: list[bytes] = []
        # Each distinct function with its CAN_DO_TIMEOUT in milliseconds (0 = none).
        self.abilities: dict[Function, int] = {}
        # The distinct functions in registration order; `rotation` is where the next grab
        # starts looking, so a busy function cannot starve the worker's others.
        self.order: list[Function] = []
        self.rotation = 0
        self.assigned: dict[bytes, Job] = {}
        self.asleep = False
        self.noop_sent = False
        self.holding = False  # asleep in a held grab rather than after PRE_SLEEP
        self.client_id = b"-"
