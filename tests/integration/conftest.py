"""Fixtures shared by the real-client integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from servers import Server

from .helpers import Procs, module_server


@pytest.fixture(scope="module")
def mserver() -> Iterator[Server]:
    """One server for all the tests of a module (each module uses its own function names)."""
    yield from module_server()


@pytest.fixture
def procs() -> Iterator[Procs]:
    """Helper processes (workers, waiting clients), killed when the test ends."""
    with Procs() as p:
        yield p
