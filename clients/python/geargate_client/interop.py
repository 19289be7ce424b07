"""Matrix programs for tests/interop: `python -m geargate_client.interop worker|client`.

--transport tcp uses the native Gearman protocol on --gearman; --transport grpc uses the gRPC
API on --grpc. See the contract in the repository (clients and the mixed-language matrix).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import signal
import sys
from typing import Any

from .client import AsyncClient
from .errors import WorkFail
from .gearman import GearmanClient, GearmanWorker
from .job import Job
from .types import JobResult, JobStatus, Outcome
from .worker import AsyncWorker

CONCURRENCY = 4
CASE_TIMEOUT = 30.0


async def _echo(job: Job) -> bytes:
    return job.payload


async def _progress(job: Job) -> bytes:
    job.send_data(b"d1")
    job.send_status(1, 2)
    job.send_warning(b"w1")
    job.send_data(b"d2")
    return job.payload


async def _fail(job: Job) -> bytes:
    raise WorkFail()


async def _throw(job: Job) -> bytes:
    raise RuntimeError("boom")


async def _slow(job: Job) -> bytes:
    await asyncio.sleep(0.3)
    return job.payload


HANDLERS = {"echo": _echo, "progress": _progress, "fail": _fail, "throw": _throw, "slow": _slow}


async def run_worker(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    worker: GearmanWorker | AsyncWorker
    if args.transport == "tcp":
        worker = GearmanWorker([args.gearman], client_id="py-interop", concurrency=CONCURRENCY)
        for name, handler in HANDLERS.items():
            worker.register(f"{args.prefix}_{name}", handler)
    else:
        worker = AsyncWorker(args.grpc, concurrency=CONCURRENCY)
        for name, handler in HANDLERS.items():
            worker.handle(f"{args.prefix}_{name}", handler)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, worker.stop)
    runner = asyncio.create_task(worker.run())
    ready = asyncio.create_task(worker.ready.wait())
    await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
    if ready.done():
        print("ready", flush=True)
    else:
        ready.cancel()
    await runner


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _result_line(case_id: str, result: JobResult) -> dict[str, Any]:
    return {
        "id": case_id,
        "outcome": result.outcome.value,
        "data": _b64(result.data),
        "data_events": [_b64(d) for d in result.data_events],
        "status_events": [list(s) for s in result.status_events],
    }


class _Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.transport = args.transport
        self.tcp = GearmanClient([args.gearman]) if args.transport == "tcp" else None
        self.grpc = AsyncClient(args.grpc) if args.transport == "grpc" else None

    async def close(self) -> None:
        if self.tcp is not None:
            await self.tcp.close()
        if self.grpc is not None:
            await self.grpc.close()

    async def call(self, function: str, payload: bytes) -> JobResult:
        if self.tcp is not None:
            return await self.tcp.call_result(function, payload)
        assert self.grpc is not None
        result = JobResult(handle="", outcome=Outcome.FAIL)
        async for event in self.grpc.run(function, payload):
            result.handle = event.handle
            if event.kind == "data":
                result.data_events.append(event.data)
            elif event.kind == "warning":
                result.warnings.append(event.data)
            elif event.kind == "status":
                result.status_events.append((event.numerator, event.denominator))
            elif event.kind == "complete":
                result.outcome, result.data = Outcome.COMPLETE, event.data
            elif event.kind == "exception":
                result.outcome, result.data = Outcome.EXCEPTION, event.data
        return result

    async def submit(self, function: str, payload: bytes) -> str:
        if self.tcp is not None:
            return await self.tcp.submit(function, payload)
        assert self.grpc is not None
        return await self.grpc.submit(function, payload)

    async def status(self, handle: str) -> JobStatus:
        if self.tcp is not None:
            return await self.tcp.status(handle)
        assert self.grpc is not None
        return await self.grpc.status(handle)

    async def background(self, case_id: str, function: str, payload: bytes) -> dict[str, Any]:
        handle = await self.submit(function, payload)
        polls = 0
        seen_running = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20.0
        outcome = "error"
        while loop.time() < deadline:
            status = await self.status(handle)
            polls += 1
            seen_running = seen_running or status.running
            if not status.known:
                outcome = "complete"
                break
            await asyncio.sleep(0.05)
        line: dict[str, Any] = {
            "id": case_id,
            "outcome": outcome,
            "handle": handle,
            "polls": polls,
            "seen_running": seen_running,
        }
        if outcome == "error":
            line["error"] = "still known after 20 s"
        return line

    async def case(self, case: dict[str, Any]) -> dict[str, Any]:
        case_id = str(case.get("id", ""))
        try:
            payload = base64.b64decode(case.get("payload", ""))
            function = str(case["function"])
            op = case.get("op", "call")
            if op == "call":
                result = await asyncio.wait_for(self.call(function, payload), CASE_TIMEOUT)
                return _result_line(case_id, result)
            if op == "background":
                return await asyncio.wait_for(
                    self.background(case_id, function, payload), CASE_TIMEOUT
                )
            raise ValueError(f"unknown op {op!r}")
        except TimeoutError:
            return {"id": case_id, "outcome": "error", "error": "timeout"}
        except Exception as exc:
            return {"id": case_id, "outcome": "error", "error": f"{type(exc).__name__}: {exc}"}


async def run_client(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    runner = _Runner(args)
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except ValueError as exc:
                out: dict[str, Any] = {"id": "", "outcome": "error", "error": f"bad JSON: {exc}"}
            else:
                out = await runner.case(case)
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
    finally:
        await runner.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m geargate_client.interop")
    parser.add_argument("role", choices=["worker", "client"])
    parser.add_argument("--transport", choices=["tcp", "grpc"], default="tcp")
    parser.add_argument("--gearman", default="localhost:4730")
    parser.add_argument("--grpc", default="localhost:50051")
    parser.add_argument("--prefix", default="py")
    args = parser.parse_args(argv)
    if args.role == "worker":
        asyncio.run(run_worker(args))
    else:
        asyncio.run(run_client(args))


if __name__ == "__main__":
    main()
