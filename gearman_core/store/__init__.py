"""Persistence of background jobs: the store interface and its implementations."""

from .base import Store, StoredJob
from .sqlite import SqliteStore

__all__ = ["SqliteStore", "Store", "StoredJob"]
