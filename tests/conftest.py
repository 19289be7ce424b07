from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import Server

# SERVER_UNDER_TEST=gearmand runs the real-client suites against the reference instead,
# which is how those tests are checked for being right about gearmand's behaviour.
KIND = os.environ.get("SERVER_UNDER_TEST", "geargate")


@pytest.fixture
def start_server() -> Iterator[Callable[..., Server]]:
    """Start servers with extra flags; every one is stopped when the test ends."""
    started: list[Server] = []

    def start(args: Sequence[str] = (), kind: str = KIND) -> Server:
        server = Server(kind, args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: Callable[..., Server]) -> Server:
    return start_server()
