"""Client: sends `Linvo` to `title` and prints the result (`5`) (gRPC)."""

import sys

from geargate_client import Client

with Client(sys.argv[1] if len(sys.argv) > 1 else "localhost:50051", timeout=30) as client:
    print(client.call("title", b"Linvo").decode())
