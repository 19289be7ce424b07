"""Moving the jobs of a gearmand SQLite queue (`-q libsqlite3`) into geargate's store."""

from __future__ import annotations

import sqlite3

from .base import StoredJob
from .sqlite import SqliteStore


def import_gearmand_sqlite(source: str, table: str, store: SqliteStore) -> int:
    """Copy every job of gearmand's table into the store, then delete it from the source.

    Returns the number of jobs moved. The source rows are deleted only after the store has
    committed the copies, so a failure part-way leaves every job in at least one place.
    """
    if not table.replace("_", "").isalnum():
        raise ValueError(f"table name {table!r}: use letters, digits and underscores")
    db = sqlite3.connect(f"file:{source}?mode=rw", uri=True)
    try:
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not columns:
            raise ValueError(f"{source} has no table {table!r}")
        # Old gearmand tables have no when_to_run column: those jobs run at once.
        when = "when_to_run" if "when_to_run" in columns else "0"
        rows = db.execute(
            f"SELECT rowid, unique_key, function_name, priority, data, {when} FROM {table}"
            " ORDER BY rowid"
        ).fetchall()
        next_id = 1 + max((job.id for job in store.replay()), default=0)
        jobs = []
        for offset, (_, unique, function, priority, data, run_at) in enumerate(rows):
            jobs.append(
                StoredJob(
                    next_id + offset,
                    _bytes(function),
                    _bytes(unique),
                    priority if priority in (0, 1, 2) else 1,
                    float(run_at or 0),
                    None,  # gearmand does not store reducers
                    _bytes(data),
                )
            )
        store.write_now(jobs)
        with db:
            db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(row[0],) for row in rows])
        return len(jobs)
    finally:
        db.close()


def _bytes(value: object) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return str(value).encode()
