"""The same pair over the native Gearman protocol (works with any gearmand too)."""

import asyncio
import sys

from geargate_client.gearman import GearmanClient, GearmanWorker


async def main(server: str) -> None:
    worker = GearmanWorker([server])
    worker.register("title", lambda job: str(len(job.payload)))
    running = asyncio.create_task(worker.run())
    await worker.ready.wait()
    async with GearmanClient([server]) as client:
        print((await client.call("title", b"Linvo")).decode())
    worker.stop()
    await running


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "localhost:4730"))
