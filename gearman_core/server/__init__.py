"""The asyncio TCP transport and the admin text protocol."""

from .server import GearmanServer

__all__ = ["GearmanServer"]
