"""The gRPC server: geargate's services, health and reflection, on the TCP server's loop."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from gearman_core.engine import WorkerSession
from gearman_core.server import GearmanServer

from .admin import AdminService
from .generated.geargate.v1 import geargate_pb2 as pb
from .generated.geargate.v1 import geargate_pb2_grpc as pb_grpc
from .jobs import JobService
from .strict import StrictRegistrar
from .workers import WorkerService

log = logging.getLogger("geargate.grpc")

SERVICES = [
    pb.DESCRIPTOR.services_by_name[name].full_name
    for name in ("JobService", "WorkerService", "AdminService")
]
# Events one call may have waiting for a client that does not read them.
EVENT_LIMIT = 10_000


class Gateway:
    def __init__(self, tcp: GearmanServer) -> None:
        self.tcp = tcp
        config = tcp.config
        engine = tcp.engine
        # Room for the payload plus the message's other fields.
        message_limit = (config.grpc_max_message_size or config.max_packet_size) + 64 * 1024
        self.server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", message_limit),
                ("grpc.max_send_message_length", message_limit),
                # Let clients keep idle channels alive without being told off.
                ("grpc.http2.min_ping_interval_without_data_ms", 5000),
                ("grpc.keepalive_permit_without_calls", 1),
            ]
        )
        # As for a TCP peer: room for two maximal results, at least 32 MiB.
        byte_limit = max(32 * 1024 * 1024, 2 * message_limit)
        self.jobs = JobService(engine, EVENT_LIMIT, byte_limit, lambda: tcp.draining)
        self.workers = WorkerService(engine, config.grpc_ping_interval)
        self.admin = AdminService(engine, self.all_workers, tcp.version)
        self.health = health.aio.HealthServicer()
        registrar = StrictRegistrar(self.server)
        pb_grpc.add_JobServiceServicer_to_server(self.jobs, registrar)
        pb_grpc.add_WorkerServiceServicer_to_server(self.workers, registrar)
        pb_grpc.add_AdminServiceServicer_to_server(self.admin, registrar)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            [*SERVICES, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        tcp.stream_workers = self.stream_workers
        tcp.on_drain.append(self.drain)

    def all_workers(self) -> Iterator[tuple[str, str, WorkerSession]]:
        for conn in self.tcp.connections:
            if conn.worker is not None and conn.worker.records:
                yield "gearman", conn.peer, conn.worker
        yield from self.stream_workers()

    def stream_workers(self) -> Iterator[tuple[str, str, WorkerSession]]:
        for worker in self.workers.workers:
            yield "grpc", worker.peer, worker.session

    async def start(self) -> None:
        config = self.tcp.config
        host = config.grpc_listen or config.listen or "[::]"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        address = f"{host}:{config.grpc_port}"
        try:
            port = self.server.add_insecure_port(address)
        except RuntimeError as error:  # grpc reports a busy port this way
            raise OSError(f"cannot listen for gRPC on {address}: {error}") from error
        if port == 0:
            raise OSError(f"cannot listen for gRPC on {address}")
        await self.server.start()
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.warning("gRPC API listening on %s", address)

    async def _set_health(self, status: int) -> None:
        for service in ("", *SERVICES):
            await self.health.set(service, status)

    async def drain(self) -> None:
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)

    async def stop(self) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace=1.0)
