"""AdminService: the admin text protocol's answers as typed messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grpc

from gearman_core.engine import Engine, JobState, Priority, WorkerSession

from .convert import PRIORITY_TO_PROTO, text
from .generated.geargate.v1 import geargate_pb2 as pb
from .generated.geargate.v1 import geargate_pb2_grpc as pb_grpc

# Lists every worker, whatever its transport, as (transport, peer, session).
WorkerLister = Callable[[], Iterable[tuple[str, str, WorkerSession]]]


class AdminService(pb_grpc.AdminServiceServicer):
    def __init__(self, engine: Engine, workers: WorkerLister, version: str) -> None:
        self.engine = engine
        self.workers = workers
        self.version = version

    async def Status(
        self, request: pb.StatusQuery, context: grpc.aio.ServicerContext
    ) -> pb.ServerStatus:
        reply = pb.ServerStatus()
        for function in self.engine.functions.values():
            high, normal, low = function.queued
            max_high, max_normal, max_low = function.max_queue
            reply.functions.append(
                pb.FunctionStatus(
                    function=text(function.name),
                    queued_high=high,
                    queued_normal=normal,
                    queued_low=low,
                    running=function.running,
                    workers=function.worker_count,
                    max_queue_high=max_high,
                    max_queue_normal=max_normal,
                    max_queue_low=max_low,
                )
            )
        return reply

    async def Workers(
        self, request: pb.WorkersQuery, context: grpc.aio.ServicerContext
    ) -> pb.WorkerList:
        reply = pb.WorkerList()
        for transport, peer, session in self.workers():
            reply.workers.append(
                pb.WorkerInfo(
                    worker_id=text(session.client_id),
                    peer=peer,
                    transport=transport,
                    functions=[text(name) for name in session.records],
                    running=[text(handle) for handle in session.assigned],
                )
            )
        return reply

    async def Jobs(self, request: pb.JobsQuery, context: grpc.aio.ServicerContext) -> pb.JobList:
        wanted = request.function.encode()
        reply = pb.JobList()
        for job in self.engine.jobs.values():
            if wanted and job.function.name != wanted:
                continue
            info = pb.JobInfo(
                handle=text(job.handle),
                function=text(job.function.name),
                unique=text(job.unique),
                priority=PRIORITY_TO_PROTO[Priority(job.priority)],
                state=JobState(job.state).name,
                retries=job.retries,
                background=job.background,
                waiting_clients=len(job.listeners),
            )
            if job.when:
                info.run_at.FromNanoseconds(int(job.when * 1e9))
            reply.jobs.append(info)
        return reply

    async def SetMaxQueue(
        self, request: pb.MaxQueueRequest, context: grpc.aio.ServicerContext
    ) -> pb.MaxQueueReply:
        name = request.function.encode()
        if name not in self.engine.functions:
            return pb.MaxQueueReply(applied=False)
        self.engine.set_max_queue(name, (request.high, request.normal, request.low))
        return pb.MaxQueueReply(applied=True)

    async def Version(
        self, request: pb.VersionQuery, context: grpc.aio.ServicerContext
    ) -> pb.VersionReply:
        return pb.VersionReply(version=self.version)
