"""Client: sends `Linvo` to `title` over the native Gearman protocol and prints `5`."""

import asyncio
import sys

from geargate_client.gearman import GearmanClient


async def main(server: str) -> None:
    async with GearmanClient([server]) as client:
        print((await client.call("title", b"Linvo")).decode())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "localhost:4730"))
