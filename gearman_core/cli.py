"""The `geargate` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import resource
import sqlite3
import sys
from collections.abc import Sequence

from . import __version__
from .config import Config, build_parser, parse_serve_args
from .logs import LogTarget
from .server.server import GearmanServer, write_pid_file
from .store import SqliteStore, Store
from .store.importer import import_gearmand_sqlite

log = logging.getLogger("geargate")

REPLAY_STEP = 100_000  # rows restored between two progress lines


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        return serve(parse_serve_args(args[1:]))
    if args and args[0] == "import-gearmand-sqlite":
        return import_gearmand(args[1:])
    parser = build_parser()
    parser.parse_args(args)
    parser.print_help()
    return 2


def serve(config: Config) -> int:
    target = LogTarget(config.log_file, config.verbose)
    _raise_file_limit(config.file_descriptors)
    if config.threads is not None:
        log.info("--threads %d ignored: one event loop owns all queue state", config.threads)
    try:
        import uvloop
    except ImportError:
        runner = asyncio.run
    else:
        runner = uvloop.run
    try:
        runner(_serve(config, target))
    except OSError as error:
        log.critical("cannot start: %s", error)
        print(f"geargate: cannot start: {error}", file=sys.stderr)
        return 1
    return 0


def open_store(config: Config) -> Store | None:
    if config.store == "memory":
        return None
    if config.store == "postgres":
        from .store.postgres import PostgresStore  # asyncpg is needed only by this store

        print(
            f"geargate: background jobs are kept in PostgreSQL, table {config.store_table}",
            file=sys.stderr,
            flush=True,
        )
        return PostgresStore(config.store_conninfo, config.store_table)
    if config.store == "redis":
        from .store.redis import RedisStore  # redis-py is needed only by this store

        where = f"{config.redis_host}:{config.redis_port}"
        print(
            f"geargate: background jobs are kept in Redis at {where}, keys {config.redis_prefix}*",
            file=sys.stderr,
            flush=True,
        )
        return RedisStore(
            config.redis_host, config.redis_port, config.redis_password, config.redis_prefix
        )
    path = config.store_path
    if path is None:
        base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
        os.makedirs(os.path.join(base, "geargate"), exist_ok=True)
        # One file per port, so two servers on one machine never share their jobs.
        path = os.path.join(base, "geargate", f"geargate-{config.port}.sqlite3")
    store = SqliteStore(path, config.store_table, config.sync)
    # Said whatever the log level: people need to know where their jobs live.
    print(f"geargate: background jobs are kept in {path}", file=sys.stderr, flush=True)
    log.info("store: SQLite %s, synchronous=%s", path, config.sync)
    return store


async def _serve(config: Config, target: LogTarget) -> None:
    loop = asyncio.get_running_loop()
    store = open_store(config)
    server = GearmanServer(config, loop, store)
    if store is not None:
        records = store.replay()
        results = server.engine.restore_results(records)
        if results:
            log.warning("took back %d retained results", results)
        restored = 0
        for start in range(0, len(records), REPLAY_STEP):
            restored += server.engine.restore(records[start : start + REPLAY_STEP])
            if len(records) > REPLAY_STEP:
                done = min(start + REPLAY_STEP, len(records))
                log.warning("replaying stored jobs: %d of %d rows", done, len(records))
        log.warning("replayed %d stored background jobs (%d rows)", restored, len(records))
    await server.start()
    gateway = None
    if config.grpc_port:
        from gateway.service import Gateway

        gateway = Gateway(server)
        await gateway.start()
    server.install_signal_handlers(target.reopen)
    if config.pid_file:
        write_pid_file(config.pid_file)
    try:
        await server.wait_stopped()
    finally:
        if gateway is not None:
            await gateway.stop()
        if store is not None:
            store.close()
        if config.pid_file:
            with contextlib.suppress(OSError):
                os.unlink(config.pid_file)
    log.warning("geargate %s stopped", __version__)


def import_gearmand(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="geargate import-gearmand-sqlite",
        description="Move the background jobs of a gearmand SQLite queue (-q libsqlite3) into "
        "geargate's store. Run it while neither server uses the files; the moved rows are "
        "deleted from the gearmand database once geargate's copies are committed.",
    )
    parser.add_argument("path", help="gearmand's --libsqlite3-db file")
    parser.add_argument(
        "--table",
        default="gearman_queue",
        help="gearmand's --libsqlite3-table (default gearman_queue)",
    )
    parser.add_argument(
        "--store-path",
        default=None,
        help="geargate's SQLite database (default: the one `geargate serve -p PORT` uses)",
    )
    parser.add_argument(
        "-p", "--port", type=int, default=4730, help="pick that server's default database"
    )
    args = parser.parse_args(list(argv))
    config = Config(store="sqlite", store_path=args.store_path, port=args.port)
    store = open_store(config)
    assert isinstance(store, SqliteStore)
    try:
        moved = import_gearmand_sqlite(args.path, args.table, store)
    except (OSError, ValueError, sqlite3.Error) as error:
        print(f"geargate: cannot import {args.path}: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"moved {moved} jobs from {args.path} into {store.path}")
    return 0


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if wanted == 0 else wanted
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as error:
            log.warning("cannot raise the open-file limit to %d: %s", target, error)
