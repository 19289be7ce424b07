"""Fixtures: real servers on free loopback ports, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from gg_servers import Server

StartServer = Callable[..., Server]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    started: list[Server] = []

    def start(kind: str = "geargate", **kwargs: object) -> Server:
        server = Server(kind, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def geargate(start_server: StartServer) -> Server:
    return start_server("geargate")
