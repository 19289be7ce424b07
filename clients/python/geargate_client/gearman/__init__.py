"""The native Gearman TCP protocol: an asyncio client and worker for geargate or gearmand."""

from .client import GearmanClient
from .protocol import server_index
from .worker import GearmanWorker

__all__ = ["GearmanClient", "GearmanWorker", "server_index"]
