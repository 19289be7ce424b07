"""Worker for `title` over the native Gearman protocol (any gearmand, or geargate's port 4730)."""

import asyncio
import sys

from geargate_client.gearman import GearmanWorker


async def main(server: str) -> None:
    worker = GearmanWorker([server])
    worker.register("title", lambda job: str(len(job.payload)))
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "localhost:4730"))
