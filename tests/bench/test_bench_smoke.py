"""`bench/run --smoke` end to end: the runner drives the Go loadgen against geargate and gearmand.

Correctness only: every loadgen run must exit 0 with no errors and every scenario must reach the
table. Nothing about speed is asserted (the smoke run never judges it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
LOADGEN = BENCH / "bin" / "loadgen"
GEARMAND = shutil.which("gearmand") or "/usr/sbin/gearmand"
TCP_ROWS = ("a", "b", "c", "d-submit", "d-drain", "e", "f", "g", "fi")
GRPC_ROWS = ("grpc-call", "grpc-pipeline", "grpc-pipeline-batch", "grpc-work")


def go_binary() -> str | None:
    found = shutil.which("go")
    if found:
        return found
    fallback = Path("/usr/local/go/bin/go")
    return str(fallback) if fallback.exists() else None


def ensure_loadgen() -> Path:
    """Build bench/bin/loadgen with bench/build if it is missing or older than its sources."""
    sources = [p for p in (BENCH / "loadgen").glob("*") if p.suffix in (".go", ".mod", ".sum")]
    if LOADGEN.exists() and LOADGEN.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return LOADGEN
    go = go_binary()
    if go is None:
        pytest.skip("Go is not installed: it is needed to build bench/bin/loadgen (bench/build)")
    build = BENCH / "build"
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(go).parent), os.environ["PATH"]]))
    done = subprocess.run(
        [str(build)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"bench/build failed:\n{done.stdout}\n{done.stderr}"
    assert LOADGEN.exists(), "bench/build did not produce bench/bin/loadgen"
    return LOADGEN


@pytest.mark.timeout(900)
def test_bench_smoke(tmp_path: Path) -> None:
    loadgen = ensure_loadgen()
    servers = "geargate,gearmand" if os.access(GEARMAND, os.X_OK) else "geargate"
    out = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run"),
            "--smoke",
            "--out",
            str(out),
            "--loadgen",
            str(loadgen),
            "--servers",
            servers,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert done.returncode == 0, f"bench/run --smoke failed:\n{done.stdout}\n{done.stderr[-6000:]}"

    table = (out / "table.md").read_text()
    assert table in done.stdout
    for row in (*TCP_ROWS, *GRPC_ROWS):
        assert re.search(rf"^\| {re.escape(row)} \|.*[0-9]", table, re.MULTILINE), (
            f"no row with numbers for {row} in the table:\n{table}"
        )
    assert "## Targets" in table

    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert records[0]["kind"] == "machine"
    runs = [r for r in records if r["kind"] == "run"]
    memory = [r for r in records if r["kind"] == "memory"]
    assert runs and all(r["ok"] for r in runs), [r["failure"] for r in runs if not r["ok"]]
    assert memory and all(r["ok"] for r in memory), [r["failure"] for r in memory]
    for run in runs:
        main = run["loadgen"]["main"]
        assert main["rc"] == 0 and main["json"]["errors"] == 0, run
