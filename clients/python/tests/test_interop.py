"""The matrix programs: `python -m geargate_client.interop worker|client --transport ...`."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from gg_servers import Server

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB with NULs
PAYLOAD_B64 = base64.b64encode(PAYLOAD).decode()


def _cases(prefix: str) -> list[dict[str, str]]:
    return [
        {"id": "echo", "op": "call", "function": f"{prefix}_echo", "payload": PAYLOAD_B64},
        {"id": "progress", "op": "call", "function": f"{prefix}_progress", "payload": "eA=="},
        {"id": "fail", "op": "call", "function": f"{prefix}_fail", "payload": ""},
        {"id": "throw", "op": "call", "function": f"{prefix}_throw", "payload": ""},
        {"id": "bg", "op": "background", "function": f"{prefix}_slow", "payload": "eA=="},
    ]  # fmt: skip


@pytest.mark.parametrize("worker_transport", ["tcp", "grpc"])
@pytest.mark.parametrize("client_transport", ["tcp", "grpc"])
def test_matrix(geargate: Server, worker_transport: str, client_transport: str) -> None:
    addresses = ["--gearman", geargate.address, "--grpc", geargate.grpc_address]
    module = [sys.executable, "-m", "geargate_client.interop"]
    worker = subprocess.Popen(
        [*module, "worker", "--transport", worker_transport, *addresses, "--prefix", "m"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline() == "ready\n"
        stdin = "".join(json.dumps(c) + "\n" for c in _cases("m"))
        done = subprocess.run(
            [*module, "client", "--transport", client_transport, *addresses],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        by_id = {line["id"]: line for line in lines}
        assert [line["id"] for line in lines] == ["echo", "progress", "fail", "throw", "bg"]
        assert by_id["echo"]["outcome"] == "complete"
        assert base64.b64decode(by_id["echo"]["data"]) == PAYLOAD
        progress = by_id["progress"]
        assert progress["outcome"] == "complete" and progress["data"] == "eA=="
        assert [base64.b64decode(d) for d in progress["data_events"]] == [b"d1", b"d2"]
        assert progress["status_events"] == [[1, 2]]
        assert by_id["fail"]["outcome"] == "fail"
        assert by_id["throw"]["outcome"] == "exception"
        assert base64.b64decode(by_id["throw"]["data"]) == b"boom"
        bg = by_id["bg"]
        assert bg["outcome"] == "complete" and bg["handle"] and bg["polls"] >= 1
    finally:
        worker.terminate()
        try:
            assert worker.wait(timeout=10) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
