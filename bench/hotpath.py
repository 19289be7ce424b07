"""Server CPU per job in Python alone: the (b) packet flow through real Connection objects
whose transports discard their writes (no sockets, no kernel), so the Python share of a job's
cost can be measured and profiled without noise from the load generator.

    python bench/hotpath.py [--jobs N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import struct
import time
from collections.abc import Callable

from gearman_core.config import Config
from gearman_core.server.connection import Connection
from gearman_core.server.server import GearmanServer


class NullTransport:
    """Keeps the last write; every other transport call does nothing."""

    def __init__(self) -> None:
        self.last = b""

    def write(self, data: bytes) -> None:
        self.last = data

    def writelines(self, parts: list[bytes]) -> None:
        self.last = b"".join(parts)

    def get_write_buffer_size(self) -> int:
        return 0

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def req(ptype: int, *args: bytes) -> bytes:
    body = b"\0".join(args)
    return b"\0REQ" + struct.pack(">II", ptype, len(body)) + body


def run(jobs: int, clients: int, workers: int) -> tuple[float, int]:
    loop = asyncio.new_event_loop()
    server = GearmanServer(Config(grpc_port=0, store="memory"), loop)
    conns = []
    for _ in range(clients + workers):
        conn = Connection(server)
        conn.connection_made(NullTransport())  # type: ignore[arg-type]
        conns.append(conn)
    cs, ws = conns[:clients], conns[clients:]
    for w in ws:
        w.data_received(req(1, b"echo") + req(30))  # CAN_DO, GRAB_JOB_UNIQ (held)
    server._flush_dirty()
    payload = b"x" * 64
    submit = req(7, b"echo", b"", payload)
    grab = req(30)
    start = time.process_time()
    done = 0
    while done < jobs:
        for c in cs:
            c.data_received(submit)
        server._flush_dirty()  # the held workers take their jobs
        busy = True
        while busy:  # every assignment completes; a worker's next GRAB may take another
            busy = False
            for w in ws:
                out = w.transport.last  # type: ignore[union-attr]
                if out[4:8] != b"\0\0\0\x1f":
                    continue
                busy = True
                handle = out[12:].split(b"\0", 1)[0]
                w.transport.last = b""  # type: ignore[union-attr]
                w.data_received(req(13, handle, payload) + grab)
                done += 1
            server._flush_dirty()
        if len(server.engine.jobs) > 10 * clients:
            raise SystemExit("jobs pile up: the simulated flow is wrong")
    elapsed = time.process_time() - start
    loop.close()
    return elapsed, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        cProfile.runctx("run(jobs, 8, 4)", globals(), {"jobs": args.jobs}, "/tmp/hotpath.prof")
        pstats.Stats("/tmp/hotpath.prof").sort_stats("tottime").print_stats(25)
        return
    elapsed, done = run(args.jobs, 8, 4)
    print(f"{done} jobs, {elapsed * 1e6 / done:.2f} us of Python per job")


if __name__ == "__main__":
    main()
