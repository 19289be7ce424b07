"""Worker for `title`: returns the length of its workload as decimal text (gRPC)."""

import sys

from geargate_client import Job, Worker

worker = Worker(sys.argv[1] if len(sys.argv) > 1 else "localhost:50051", concurrency=4)


@worker.handler("title")
def title(job: Job) -> str:
    return str(len(job.payload))


if __name__ == "__main__":
    worker.run()
