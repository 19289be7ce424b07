"""Server configuration and the gearmand-compatible command line that fills it."""

from __future__ import annotations

import argparse
import os
import shlex
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .protocol.codec import DEFAULT_MAX_BODY

DEFAULT_PORT = 4730
DEFAULT_GRPC_PORT = 50051
DEFAULT_WORKER_WAKEUP = 2
DEFAULT_GRAB_WAIT_MS = 1
VERBOSE_LEVELS = ("FATAL", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG")


@dataclass(slots=True)
class Config:
    port: int = DEFAULT_PORT
    listen: str | None = None
    backlog: int = 32
    job_retries: int = 0
    worker_wakeup: int = DEFAULT_WORKER_WAKEUP
    grab_wait_ms: int = DEFAULT_GRAB_WAIT_MS
    exceptions: bool = False
    job_handle_prefix: str = ""
    log_file: str = "stderr"
    verbose: str = "ERROR"
    pid_file: str | None = None
    keepalive: bool = False
    keepalive_idle: int = -1
    keepalive_interval: int = -1
    keepalive_count: int = -1
    max_packet_size: int = DEFAULT_MAX_BODY
    admin_shutdown: bool = False
    file_descriptors: int = 0
    threads: int | None = None
    grpc_port: int = DEFAULT_GRPC_PORT
    grpc_listen: str | None = None
    grpc_ping_interval: float = 30.0
    grpc_max_message_size: int = 0  # 0: the same as max_packet_size
    store: str = "sqlite"
    store_path: str | None = None
    store_table: str = "geargate_jobs"
    store_conninfo: str = ""  # libpq key=value string or postgresql:// URI
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_password: str | None = None
    redis_prefix: str = "geargate:"
    sync: str = "normal"
    drain_timeout: float = 0.0
    retain_results: float = 0.0

    @property
    def handle_prefix(self) -> bytes:
        prefix = self.job_handle_prefix or f"H:{socket.gethostname()}"
        return prefix.encode()


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=34, width=100)


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _duration(text: str) -> float:
    """Seconds, with an optional s/m/h/d suffix."""
    scale = _UNITS.get(text[-1:].lower(), 0.0)
    number = text[:-1] if scale else text
    try:
        value = float(number) * (scale or 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: a number of seconds, or 30s, 10m, 2h, 1d"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def _verbose(text: str) -> str:
    level = text.upper()
    if level not in VERBOSE_LEVELS:
        raise argparse.ArgumentTypeError(f"one of {', '.join(VERBOSE_LEVELS)}")
    return level


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geargate",
        description="geargate: a Gearman job server that gearmand's clients and workers use as is.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"geargate {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the job server",
        description=(
            "Run the Gearman job server. The options are gearmand's, so existing scripts\n"
            "and unit files keep working; options that only make sense for gearmand's threads\n"
            "are accepted and ignored."
        ),
        formatter_class=_HelpFormatter,
    )
    add_serve_options(serve)
    commands.add_parser(
        "import-gearmand-sqlite",
        help="move the jobs of a gearmand SQLite queue (-q libsqlite3) into geargate's store",
    )
    return parser


def add_serve_options(p: argparse.ArgumentParser) -> None:
    net = p.add_argument_group("network")
    net.add_argument(
        "-p",
        "--port",
        type=int,
        default=None,
        help=f"TCP port for the Gearman protocol and admin commands (default {DEFAULT_PORT}, "
        "or $GEARMAND_PORT)",
    )
    net.add_argument(
        "-L",
        "--listen",
        default=None,
        metavar="ADDRESS",
        help="address or host name to listen on; every address it resolves to (IPv4 and IPv6) "
        "is bound (default: all interfaces)",
    )
    net.add_argument("-b", "--backlog", type=int, default=32, help="listen backlog (default 32)")
    net.add_argument(
        "--keepalive",
        action="store_true",
        help="apply the --keepalive-* settings to accepted sockets (SO_KEEPALIVE is always on)",
    )
    net.add_argument(
        "--keepalive-idle",
        type=int,
        default=-1,
        metavar="SECONDS",
        help="idle time before the first probe (default: the OS's)",
    )
    net.add_argument(
        "--keepalive-interval",
        type=int,
        default=-1,
        metavar="SECONDS",
        help="time between probes (default: the OS's)",
    )
    net.add_argument(
        "--keepalive-count",
        type=int,
        default=-1,
        metavar="N",
        help="failed probes before the peer is dropped (default: the OS's)",
    )
    net.add_argument(
        "--max-packet-size",
        type=_non_negative,
        default=DEFAULT_MAX_BODY,
        metavar="BYTES",
        help="largest packet body accepted; a larger declared length closes the connection "
        f"after an ERROR (default {DEFAULT_MAX_BODY})",
    )
    net.add_argument(
        "-f",
        "--file-descriptors",
        type=_non_negative,
        default=0,
        metavar="N",
        help="raise the open-file limit to N (default: raise the soft limit to the hard limit)",
    )

    jobs = p.add_argument_group("jobs")
    jobs.add_argument(
        "-j",
        "--job-retries",
        type=_non_negative,
        default=0,
        metavar="N",
        help="attempts per job before a job whose worker keeps disconnecting or timing out is "
        "dropped (its clients get WORK_FAIL); 0 = unlimited, as in every released gearmand",
    )
    jobs.add_argument(
        "-w",
        "--worker-wakeup",
        type=_non_negative,
        default=DEFAULT_WORKER_WAKEUP,
        metavar="N",
        help="sleeping workers woken (NOOP) per new job; each assignment wakes one more while "
        f"work remains; 0 = wake every sleeping worker (default {DEFAULT_WORKER_WAKEUP})",
    )
    jobs.add_argument(
        "--grab-wait",
        type=_non_negative,
        default=DEFAULT_GRAB_WAIT_MS,
        metavar="MS",
        help="when a worker's GRAB_JOB finds nothing, hold the answer for MS to 2*MS "
        "milliseconds: a job submitted meanwhile is assigned at once, sparing the NO_JOB, "
        "PRE_SLEEP, NOOP, GRAB_JOB round trip; 0 = answer NO_JOB at once, as gearmand "
        f"(default {DEFAULT_GRAB_WAIT_MS})",
    )
    jobs.add_argument(
        "--retain-results",
        type=_duration,
        default=0.0,
        metavar="DURATION",
        help="keep the outcome and data of each finished background job readable for this "
        "long (admin `show result HANDLE`, gRPC GetResult); e.g. 90, 30s, 10m, 2h, 1d "
        "(default 0: not kept, as in gearmand)",
    )
    jobs.add_argument(
        "--exceptions",
        action="store_true",
        help="every connection starts with the `exceptions` option on",
    )
    jobs.add_argument(
        "--job-handle-prefix",
        default="",
        metavar="PREFIX",
        help="job handles are PREFIX:<n> (default H:<hostname>)",
    )

    store = p.add_argument_group("persistence of background jobs")
    store.add_argument(
        "--store",
        choices=("memory", "sqlite", "postgres", "redis"),
        default=None,
        help="where background jobs are kept: `sqlite` (committed before JOB_CREATED; replayed "
        "at start-up) or `memory` (lost when the server stops, like gearmand's builtin queue) "
        "(default sqlite)",
    )
    store.add_argument(
        "--store-path",
        default=None,
        metavar="FILE",
        help="the SQLite database (default: geargate-PORT.sqlite3 in $XDG_STATE_HOME/geargate "
        "or ~/.local/state/geargate)",
    )
    store.add_argument(
        "--sync",
        choices=("normal", "full"),
        default="normal",
        help="SQLite synchronous mode: `normal` survives a crash of the process, `full` also a "
        "power loss (see docs/durability.md) (default normal)",
    )
    store.add_argument(
        "-q",
        "--queue-type",
        default=None,
        metavar="TYPE",
        help="gearmand's name for --store: `builtin` = memory, `libsqlite3` = sqlite, "
        "`Postgres` = postgres, `redis` = redis",
    )
    store.add_argument(
        "--libpq-conninfo",
        default=None,
        metavar="STRING",
        help="PostgreSQL connection for --store postgres: a libpq key=value string or a "
        "postgresql:// URI (implies --store postgres)",
    )
    store.add_argument(
        "--libpq-table",
        default=None,
        metavar="TABLE",
        help="PostgreSQL table for the jobs (default geargate_jobs; gearmand's own `queue` "
        "layout is refused rather than touched)",
    )
    store.add_argument(
        "--redis-server",
        default="127.0.0.1",
        metavar="HOST",
        help="Redis host for --store redis (default 127.0.0.1)",
    )
    store.add_argument(
        "--redis-port",
        type=int,
        default=6379,
        metavar="PORT",
        help="Redis port for --store redis (default 6379)",
    )
    store.add_argument(
        "--redis-password",
        default=None,
        metavar="PASSWORD",
        help="Redis AUTH password for --store redis",
    )
    store.add_argument(
        "--redis-prefix",
        default="geargate:",
        metavar="PREFIX",
        help="start of every Redis key of the store: PREFIXjob:<id> hashes and the PREFIXjobs "
        "index (default geargate:)",
    )
    store.add_argument(
        "--libsqlite3-db",
        default=None,
        metavar="FILE",
        help="gearmand's name for --store-path (implies --store sqlite)",
    )
    store.add_argument(
        "--libsqlite3-table",
        default=None,
        metavar="TABLE",
        help="table for the jobs (default geargate_jobs)",
    )

    admin = p.add_argument_group("administration")
    admin.add_argument(
        "--admin-shutdown",
        action="store_true",
        help="accept the admin commands `shutdown` and `shutdown graceful` from loopback "
        "peers (off by default, as in gearmand >= 1.1.15)",
    )
    admin.add_argument(
        "--drain-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="on SIGTERM, stop accepting and handing out work, and wait up to this long for "
        "running jobs to finish; queued background jobs stay in the store (default 0: stop "
        "at once, as gearmand does)",
    )
    admin.add_argument(
        "-l",
        "--log-file",
        default="stderr",
        metavar="FILE",
        help="log file, or `stderr`, or `none` (default stderr); SIGHUP reopens it",
    )
    admin.add_argument(
        "--verbose",
        type=_verbose,
        default="ERROR",
        metavar="LEVEL",
        help=f"log level: {', '.join(VERBOSE_LEVELS)} (default ERROR)",
    )
    admin.add_argument(
        "-P", "--pid-file", default=None, metavar="FILE", help="write the process id to FILE"
    )
    admin.add_argument(
        "--config-file",
        default=None,
        metavar="FILE",
        help="read more options from FILE (whitespace-separated, as on the command line; "
        "the command line wins)",
    )

    grpc = p.add_argument_group("gRPC gateway")
    grpc.add_argument(
        "--grpc-port",
        type=_non_negative,
        default=DEFAULT_GRPC_PORT,
        metavar="PORT",
        help=f"port of the gRPC API on the same job queue; 0 turns it off "
        f"(default {DEFAULT_GRPC_PORT})",
    )
    grpc.add_argument(
        "--grpc-listen",
        default=None,
        metavar="ADDRESS",
        help="address for the gRPC API (default: the --listen address, or all interfaces)",
    )
    grpc.add_argument(
        "--grpc-ping-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="ping a gRPC worker stream idle this long; one that does not answer within the "
        "same time is a lost worker (default 30)",
    )

    grpc.add_argument(
        "--grpc-max-message-size",
        type=_non_negative,
        default=0,
        metavar="BYTES",
        help="largest gRPC message accepted or sent (default: --max-packet-size)",
    )

    compat = p.add_argument_group("accepted for gearmand compatibility, no effect")
    compat.add_argument(
        "-t",
        "--threads",
        type=int,
        default=None,
        help="geargate runs one event loop that owns all queue state; there are no I/O threads",
    )
    compat.add_argument(
        "--store-queue-on-shutdown",
        action="store_true",
        help="geargate's SQLite store commits every background job before JOB_CREATED, which "
        "already covers what this gearmand option does at shutdown",
    )
    compat.add_argument(
        "-R",
        "--round-robin",
        action="store_true",
        help="always on: a worker's functions take turns (as in gearmand 2.0)",
    )


def _config_file_tokens(path: str) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    tokens: list[str] = []
    for line in text.splitlines():
        tokens.extend(shlex.split(line, comments=True))
    return tokens


def parse_serve_args(argv: Sequence[str]) -> Config:
    """Parse `serve` options (with --config-file merged in) into a Config."""
    parser = argparse.ArgumentParser(prog="geargate serve", formatter_class=_HelpFormatter)
    add_serve_options(parser)
    args = parser.parse_args(list(argv))
    if args.config_file:
        try:
            tokens = _config_file_tokens(args.config_file)
        except OSError as error:
            parser.error(f"cannot read --config-file: {error}")
        args = parser.parse_args([*tokens, *argv])
    store = args.store
    queue_type = (args.queue_type or "").lower()
    if queue_type == "":
        pass
    elif queue_type == "builtin":
        store = store or "memory"
    elif queue_type == "libsqlite3":
        store = store or "sqlite"
    elif queue_type == "postgres":
        store = store or "postgres"
    elif queue_type == "redis":
        store = store or "redis"
    else:
        parser.error(
            f"-q/--queue-type {args.queue_type}: "
            "geargate has builtin, libsqlite3, Postgres and redis"
        )
    if args.libsqlite3_db and not store:
        store = "sqlite"
    if args.libpq_conninfo is not None and not store:
        store = "postgres"
    port = args.port
    if port is None:
        env_port = os.environ.get("GEARMAND_PORT", "")
        port = int(env_port) if env_port.isdigit() else DEFAULT_PORT
    return Config(
        port=port,
        listen=args.listen,
        backlog=args.backlog,
        job_retries=args.job_retries,
        worker_wakeup=args.worker_wakeup,
        grab_wait_ms=args.grab_wait,
        exceptions=args.exceptions,
        job_handle_prefix=args.job_handle_prefix,
        log_file=args.log_file,
        verbose=args.verbose,
        pid_file=args.pid_file,
        keepalive=args.keepalive,
        keepalive_idle=args.keepalive_idle,
        keepalive_interval=args.keepalive_interval,
        keepalive_count=args.keepalive_count,
        max_packet_size=args.max_packet_size,
        admin_shutdown=args.admin_shutdown,
        file_descriptors=args.file_descriptors,
        threads=args.threads,
        grpc_port=args.grpc_port,
        grpc_listen=args.grpc_listen,
        grpc_ping_interval=args.grpc_ping_interval,
        grpc_max_message_size=args.grpc_max_message_size or args.max_packet_size,
        store=store or "sqlite",
        store_path=args.store_path or args.libsqlite3_db,
        store_table=args.libsqlite3_table or args.libpq_table or "geargate_jobs",
        store_conninfo=args.libpq_conninfo or "",
        redis_host=args.redis_server,
        redis_port=args.redis_port,
        redis_password=args.redis_password,
        redis_prefix=args.redis_prefix,
        sync=args.sync,
        drain_timeout=max(0.0, args.drain_timeout),
        retain_results=args.retain_results,
    )
