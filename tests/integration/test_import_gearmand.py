"""`geargate import-gearmand-sqlite`: jobs queued in a real gearmand's SQLite store move to
geargate and run there."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from servers import GEARMAND, ROOT, Server

GEARMAN = "gearman"
ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def _submit_bg(server: Server, function: str, payload: bytes, *flags: str) -> None:
    subprocess.run(
        [GEARMAN, "-h", server.host, "-p", str(server.port), "-b", *flags, "-f", function],
        input=payload,
        check=True,
        timeout=20,
    )


@pytest.mark.skipif(not os.path.exists(GEARMAND), reason="needs Debian's gearmand")
def test_jobs_queued_in_gearmand_move_to_geargate_and_run(tmp_path: Path) -> None:
    source = str(tmp_path / "gearmand.sqlite3")
    target = str(tmp_path / "geargate.sqlite3")
    gearmand = Server("gearmand", ["-q", "libsqlite3", "--libsqlite3-db", source])
    try:
        _submit_bg(gearmand, "moved", b"first")
        _submit_bg(gearmand, "moved", b"second")
        _submit_bg(gearmand, "moved_low", b"low one", "-L")
    finally:
        gearmand.stop()
    with sqlite3.connect(source) as db:
        assert db.execute("SELECT count(*) FROM gearman_queue").fetchone() == (3,)

    done = subprocess.run(
        [sys.executable, "-m", "gearman_core", "import-gearmand-sqlite", source,
         "--store-path", target],
        capture_output=True, text=True, timeout=30, env=ENV,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("moved 3 jobs")
    with sqlite3.connect(source) as db:
        assert db.execute("SELECT count(*) FROM gearman_queue").fetchone() == (0,)

    geargate = Server("geargate", ["--store", "sqlite", "--store-path", target])
    try:
        status = geargate.admin("prioritystatus").decode()
        assert "moved\t0\t2\t0\t0\n" in status
        assert "moved_low\t0\t0\t1\t0\n" in status
        ran_file = tmp_path / "ran"
        record = f"cat >> {ran_file}; echo >> {ran_file}"
        worker = subprocess.run(
            [GEARMAN, "-h", geargate.host, "-p", str(geargate.port), "-w", "-f", "moved",
             "-f", "moved_low", "-c", "3", "--", "sh", "-c", record],
            capture_output=True, timeout=30,
        )  # fmt: skip
        assert worker.returncode == 0, worker.stderr
        ran = ran_file.read_bytes()
        assert sorted(ran.split(b"\n")[:-1]) == [b"first", b"low one", b"second"]
    finally:
        geargate.stop()


def test_import_of_a_missing_database_fails_clearly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gearman_core", "import-gearmand-sqlite",
         str(tmp_path / "absent.sqlite3"), "--store-path", str(tmp_path / "to.sqlite3")],
        capture_output=True, text=True, timeout=30, env=ENV,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot import" in done.stderr
