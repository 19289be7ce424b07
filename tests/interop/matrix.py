"""The mixed-language matrix: which programs play client and worker, and what each case expects.

Every worker identity registers the functions `<prefix>_echo`, `_progress`, `_fail`, `_throw`
and `_slow`; every client identity runs a list of cases (JSON lines on stdin, one JSON result
per line on stdout). tests/interop/README.md describes that protocol; the programs live in
clients/<lang>/ and tests/interop/programs/.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROGRAMS = Path(__file__).resolve().parent / "programs"
GEARMAN = shutil.which("gearman") or "/usr/bin/gearman"

ONE_MIB = bytes(range(256)) * 4096
SMALL_BINARY = b"\x00head\x00\xff\xfe middle \x00\x00tail\x00"


@dataclass(frozen=True)
class Identity:
    """A program in one language that can act as a worker or a client."""

    name: str
    prefix: str
    # argv before the mode word; None when this identity has no such program
    command: list[str] | None
    progress: bool = True  # a worker that can send data/status while it works
    fail: bool = True  # a worker that can fail a job
    throw: bool = True  # a worker that can raise an exception with data
    events: bool = True  # a client that sees data/status events
    exceptions: bool = True  # a client that sees exceptions as such (else as failures)


def java_jar() -> str:
    jars = sorted(glob.glob(str(ROOT / "clients/java/target/*-jar-with-dependencies.jar")))
    return jars[-1] if jars else str(ROOT / "clients/java/target/geargate-client-interop.jar")


def identities() -> list[Identity]:
    python = sys.executable
    return [
        Identity("PHP", "php", ["php", str(PROGRAMS / "interop.php")]),
        Identity("Perl", "perl", ["perl", str(PROGRAMS / "interop.pl")]),
        # The gearman CLI worker runs a command per job: it can only return a result. Its
        # client mode prints data, status and result to stdout alike and has no exceptions.
        Identity(
            "gearman CLI",
            "cli",
            None,
            progress=False,
            fail=False,
            throw=False,
            events=False,
            exceptions=False,
        ),
        Identity(
            "Python TCP",
            "pytcp",
            [python, "-m", "geargate_client.interop", "--transport", "tcp"],
        ),
        Identity(
            "Python gRPC",
            "pygrpc",
            [python, "-m", "geargate_client.interop", "--transport", "grpc"],
        ),
        Identity("Go", "go", [str(ROOT / "clients/go/bin/geargate-interop")]),
        Identity("Java", "java", ["java", "-jar", java_jar()]),
        Identity("Node", "node", ["node", str(ROOT / "clients/node/interop/geargate-interop.js")]),
    ]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Case:
    id: str
    op: str  # call | background
    function: str
    payload: bytes
    kind: str  # small | large | progress | fail | throw | background

    def line(self) -> str:
        return json.dumps(
            {"id": self.id, "op": self.op, "function": self.function, "payload": b64(self.payload)}
        )


def cases_for(worker: Identity) -> list[Case]:
    p = worker.prefix
    cases = [
        Case(f"{p}:small", "call", f"{p}_echo", SMALL_BINARY, "small"),
        Case(f"{p}:large", "call", f"{p}_echo", ONE_MIB, "large"),
        Case(f"{p}:background", "background", f"{p}_slow", b"bg", "background"),
    ]
    if worker.progress:
        cases.append(Case(f"{p}:progress", "call", f"{p}_progress", b"pp", "progress"))
    if worker.fail:
        cases.append(Case(f"{p}:fail", "call", f"{p}_fail", b"f", "fail"))
    if worker.throw:
        cases.append(Case(f"{p}:throw", "call", f"{p}_throw", b"t", "throw"))
    return cases


@dataclass
class Cell:
    """One client x worker pair: the cases run and what went wrong."""

    problems: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.ran) and not self.problems


def check(case: Case, result: dict[str, object], client: Identity, worker: Identity) -> str | None:
    """What is wrong with one result, or None."""
    outcome = result.get("outcome")
    data = base64.b64decode(str(result.get("data") or ""))
    if case.kind in ("small", "large"):
        if outcome != "complete":
            return f"{case.kind}: outcome {outcome} {result.get('error', '')}".strip()
        if data != case.payload:
            return f"{case.kind}: {len(data)} bytes came back, not the {len(case.payload)} sent"
    elif case.kind == "background":
        if outcome != "complete":
            return f"background: {outcome} {result.get('error', '')}".strip()
    elif case.kind == "progress":
        if outcome != "complete" or data != case.payload:
            return f"progress: outcome {outcome}, data {data!r}"
        if client.events:
            events = [base64.b64decode(str(e)) for e in result.get("data_events") or []]  # type: ignore[attr-defined]
            statuses = [list(s) for s in result.get("status_events") or []]  # type: ignore[attr-defined]
            if events != [b"d1", b"d2"]:
                return f"progress: data events {events!r}"
            if statuses != [[1, 2]]:
                return f"progress: status events {statuses!r}"
    elif case.kind == "fail":
        if outcome != "fail":
            return f"fail: outcome {outcome}"
    elif case.kind == "throw":
        if client.exceptions:
            if outcome != "exception" or data != b"boom":
                return f"throw: outcome {outcome}, data {data!r}"
        elif outcome != "fail":
            return f"throw: outcome {outcome} (a client without exceptions sees a failure)"
    return None


def run_cli_cases(cases: list[Case], host: str, port: int) -> list[dict[str, object]]:
    """The gearman CLI as a client: one process per case."""
    results: list[dict[str, object]] = []
    base = [GEARMAN, "-h", host, "-p", str(port), "-t", "30000"]
    for case in cases:
        result: dict[str, object] = {"id": case.id}
        if case.op == "background":
            done = subprocess.run(
                [*base, "-b", "-f", case.function], input=case.payload, capture_output=True,
                timeout=40,
            )  # fmt: skip
            result["outcome"] = "submitted" if done.returncode == 0 else "error"
            result["error"] = done.stderr.decode(errors="replace")
        else:
            done = subprocess.run(
                [*base, "-f", case.function], input=case.payload, capture_output=True, timeout=40
            )
            if done.returncode == 0:
                result["outcome"] = "complete"
                output = done.stdout
                if case.kind == "progress":
                    # Data, status lines and the result all go to stdout, interleaved.
                    output = case.payload if case.payload in output else output
                result["data"] = b64(output)
            elif b"Job failed" in done.stderr:
                result["outcome"] = "fail"
            else:
                result["outcome"] = "error"
                result["error"] = done.stderr.decode(errors="replace")
        results.append(result)
    return results


def cli_worker_commands(host: str, port: int) -> list[list[str]]:
    base = [GEARMAN, "-h", host, "-p", str(port), "-w"]
    # Read everything before writing: `cat` would deadlock the CLI on a 1 MiB job.
    echo = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"]
    slow = [sys.executable, "-c", "import sys, time; time.sleep(0.3); sys.stdout.write('ok')"]
    return [
        [*base, "-f", "cli_echo", "--", *echo],
        [*base, "-f", "cli_echo", "--", *echo],
        [*base, "-f", "cli_slow", "--", *slow],
    ]


def program_env() -> dict[str, str]:
    env = dict(os.environ)
    extra = [str(ROOT), str(ROOT / "clients/python")]
    env["PYTHONPATH"] = os.pathsep.join([*extra, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env
