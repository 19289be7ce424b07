"""Benchmark runner: geargate against gearmand, both driven by the Go load generator.

Run it as `bench/run` (see `bench/run --help`). For every repetition, every scenario and every
server configuration (in that order, so configurations alternate A B A B), it starts the server
on a free loopback port, starts the loadgen worker / idle processes a scenario needs and waits
until they report ready, runs the measured loadgen process against the server's PID, stops the
helpers (collecting their JSON) and stops the server. Every process started here is stopped by
PID (SIGTERM, then SIGKILL after 5 s), also on errors and Ctrl-C.

Results go to bench/results/<UTC timestamp>/: results.jsonl (machine, one record per run with all
raw loadgen JSON, memory records), table.md (also printed on stdout), logs/ (stderr of every
process). The load generator's command line is described by `bench/bin/loadgen` (usage in main.go).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_LOADGEN = BENCH / "bin" / "loadgen"
DEFAULT_GEARMAND = shutil.which("gearmand") or "/usr/sbin/gearmand"
# `geargate serve`, run from this checkout (the same entry point as the `geargate` script, but
# certain to be the code under test even when the installed script points elsewhere).
DEFAULT_GEARGATE_CMD = (
    "{python} -m gearman_core serve --port {port} -L 127.0.0.1 --log-file none "
    "--grpc-port {grpc_port} --store memory --backlog {backlog}"
)
BACKLOG = 4096  # both servers: 10,000 connections arrive in a burst (the default is 32)
ALL_SCENARIOS = (
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "fi",
    "grpc-call",
    "grpc-pipeline",
    "grpc-pipeline-batch",
    "grpc-work",
)
GEARMAND_CONFIGS = {"t0": "gearmand-t0", "t1": "gearmand-t1", "default": "gearmand"}
TERM_GRACE = 5.0
PAYLOAD = 64

Json = dict[str, Any]


class RunFailed(Exception):
    """One run cannot go on; the reason is recorded and the next run starts."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ServerConfig:
    name: str  # "geargate", "gearmand-t0", "gearmand-t1", "gearmand"
    kind: str  # "geargate" or "gearmand"
    threads: int | None = None  # gearmand --threads (None: gearmand's default)

    @property
    def short(self) -> str:
        if self.kind == "geargate":
            return "geargate"
        return "default" if self.threads is None else f"t{self.threads}"


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    mode: str  # loadgen mode of the measured process
    args: tuple[str, ...]  # its mode flags (without --addr, -d, --warmup, --server-pid)
    workers: int = 0  # connections of one TCP `loadgen worker` process
    grpc_workers: int = 0  # streams of one `loadgen grpc-worker` process
    idle: tuple[int, str, str] | None = None  # `loadgen idle`: (conns, role, func)
    grpc: bool = False  # the measured process talks gRPC
    geargate_only: bool = False
    timed: bool = True  # takes -d/--warmup (bg does not)
    rows: tuple[str, ...] = ()  # table rows this scenario produces (default: its id)
    compare: str | None = None  # gRPC rows: the geargate TCP scenario they are compared with

    @property
    def row_ids(self) -> tuple[str, ...]:
        return self.rows or (self.id,)


@dataclass(frozen=True)
class Settings:
    scenarios: tuple[Scenario, ...]
    servers: tuple[ServerConfig, ...]
    repeat: int
    duration: float
    warmup: float
    smoke: bool
    memory: bool
    memory_conns: int
    memory_jobs: int
    out: Path
    loadgen: Path
    gearmand: str
    geargate_cmd: str
    port_range: tuple[int, int]
    settle: float


def load_args(conns: int, window: int | None = None, size: int = PAYLOAD) -> tuple[str, ...]:
    """-n, -w and -s of a loadgen load mode; grpc-call keeps no window, so it has no -w."""
    window_args = () if window is None else ("-w", str(window))
    return ("-n", str(conns), *window_args, "-s", str(size))


def build_scenarios(smoke: bool) -> dict[str, Scenario]:
    bg_jobs = 2_000 if smoke else 100_000
    idle_workers = 50 if smoke else 1_000
    idle_clients = 200 if smoke else 10_000
    b = Scenario("b", "8 clients, window 1, 64 B, 4 workers", "client", load_args(8, 1), workers=4)

    def b_beside_idle(id_: str, what: str, conns: int, role: str, func: str) -> Scenario:
        return dataclasses.replace(
            b, id=id_, title=f"(b) + {conns:,} {what}", idle=(conns, role, func)
        )

    def grpc_client(
        id_: str, title: str, args: tuple[str, ...], compare: str, mode: str | None = None
    ) -> Scenario:
        # Only geargate speaks gRPC; its row is set against the TCP scenario `compare`.
        return Scenario(
            id_, title, mode or id_, args, workers=4, grpc=True, geargate_only=True, compare=compare
        )

    scenarios = [
        Scenario("a", "1 client, window 1, 64 B, 1 worker", "client", load_args(1, 1), workers=1),
        b,
        Scenario(
            "c", "4 clients, window 64, 64 B, 4 workers", "client", load_args(4, 64), workers=4
        ),
        Scenario(
            "d",
            f"background: 4 conns, window 64, 64 B, {bg_jobs:,} jobs, then 4 workers drain",
            "bg",
            (*load_args(4, 64), "-j", str(bg_jobs), "--drain-workers", "4"),
            timed=False,
            rows=("d-submit", "d-drain"),
        ),
        Scenario(
            "e",
            "4 clients, window 1, 65,536 B, 4 workers",
            "client",
            load_args(4, 1, 65536),
            workers=4,
        ),
        b_beside_idle("f", "sleeping workers on the same function", idle_workers, "worker", "echo"),
        b_beside_idle("g", "idle client connections", idle_clients, "client", "idle"),
        b_beside_idle("fi", "sleeping workers on another function", idle_workers, "worker", "idle"),
        grpc_client(
            "grpc-call", "gRPC Call x8 connections, 64 B, 4 TCP workers", load_args(8), "b"
        ),
        grpc_client(
            "grpc-pipeline",
            "gRPC Pipeline x4 streams, window 64, 64 B, 4 TCP workers",
            load_args(4, 64),
            "c",
        ),
        grpc_client(
            "grpc-pipeline-batch",
            "gRPC PipelineBatch x4 streams, window 64, 64 B, 4 TCP workers",
            (*load_args(4, 64), "--batch"),
            "c",
            mode="grpc-pipeline",
        ),
        Scenario(
            "grpc-work",
            "TCP clients as (b), served by 4 gRPC Work streams",
            "client",
            b.args,
            grpc_workers=4,
            geargate_only=True,
            compare="b",
        ),
    ]
    return {s.id: s for s in scenarios}


# --------------------------------------------------------------------------- processes


def _die_with_parent() -> None:
    """In the child: be killed if the runner dies without stopping us (prctl PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Proc:
    """A child process we started; stopped by PID, never by name."""

    def __init__(
        self, name: str, argv: Sequence[str], log_dir: Path, env: dict[str, str], capture: bool
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_dir / f"{name}.log"
        self._log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        try:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                stderr=self._log,
                env=env,
                cwd=ROOT,
                start_new_session=True,  # Ctrl-C reaches only the runner, which stops us in order
                preexec_fn=_die_with_parent,  # the runner is single-threaded
            )
        except OSError as error:
            self._log.close()
            raise RunFailed(f"cannot start {self.argv[0]}: {error}") from None
        self.pid = self.popen.pid
        self.stdout = ""
        self.stopped = False
        LIVE.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float) -> int:
        """Wait for a process that ends by itself; on timeout stop it and raise."""
        try:
            out, _ = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RunFailed(f"{self.name} still running after {timeout:.0f} s") from None
        self.stdout = (out or b"").decode(errors="replace")
        self._finish()
        return self.popen.returncode

    def stop(self, grace: float = TERM_GRACE) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds; returns the exit code."""
        if self.stopped:
            return self.popen.returncode
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
        try:
            out, _ = self.popen.communicate(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
            out, _ = self.popen.communicate()
        self.stdout = (out or b"").decode(errors="replace")
        self._finish()
        return self.popen.returncode

    def _finish(self) -> None:
        self.stopped = True
        self._log.close()
        with contextlib.suppress(ValueError):
            LIVE.remove(self)

    def stderr_tail(self, limit: int = 600) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip()
        except OSError:
            return ""
        return text[-limit:]

    def json(self) -> Json | None:
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    value = json.loads(line)
                    if isinstance(value, dict):
                        return value
        return None


LIVE: list[Proc] = []


def stop_all() -> None:
    for proc in reversed(list(LIVE)):
        with contextlib.suppress(Exception):
            proc.stop()


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GEARMAND_PORT", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def raise_nofile() -> int:
    """Raise the soft open-file limit to the hard one (inherited by every child)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft == resource.RLIM_INFINITY or soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------- /proc readings

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def system_busy() -> float:
    """Busy CPU seconds of the whole machine (all CPUs) since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def proc_memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in bytes."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def settled_memory(ctx: Context, server: Server) -> dict[str, int]:
    """proc_memory of the server once it has had `settle` seconds to finish what it was doing."""
    time.sleep(ctx.settings.settle)
    return proc_memory(server.proc.pid)


def rss_growth(base: dict[str, int], after: dict[str, int]) -> int | None:
    """How far VmRSS grew from base to after; None when /proc did not give both readings."""
    if base.get("VmRSS") and after.get("VmRSS"):
        return after["VmRSS"] - base["VmRSS"]
    return None


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- ports and probes


class PortPool:
    """Free loopback ports from a range, handed out round-robin so a port's TIME_WAIT ages."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high, self.next = low, high, low

    def take(self, count: int) -> list[int]:
        got: list[int] = []
        for _ in range(self.high - self.low + 1):
            port = self.next
            self.next = self.low if port >= self.high else port + 1
            if port_free(port):
                got.append(port)
                if len(got) == count:
                    return got
        raise RunFailed(f"no {count} free ports in {self.low}-{self.high}")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def echo_probe(port: int) -> None:
    """ECHO_REQ -> ECHO_RES over the Gearman binary protocol."""
    data = b"geargate-bench-probe"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\0REQ" + struct.pack(">II", 16, len(data)) + data)
        want = 12 + len(data)
        buf = b""
        while len(buf) < want:
            chunk = sock.recv(want - len(buf))
            if not chunk:
                break
            buf += chunk
    if buf[:4] != b"\0RES" or buf[4:12] != struct.pack(">II", 17, len(data)) or buf[12:] != data:
        raise RunFailed(f"ECHO_REQ probe on port {port} got {buf[:40]!r}")


# --------------------------------------------------------------------------- one run


@dataclass
class Server:
    config: ServerConfig
    proc: Proc
    port: int
    grpc_port: int | None

    @property
    def addr(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def grpc_addr(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


@dataclass
class Context:
    settings: Settings
    ports: PortPool
    log_dir: Path
    tmp_dir: Path
    env: dict[str, str]
    nofile: int
    results: IO[str]
    counter: int = 0

    def label(self, what: str) -> str:
        self.counter += 1
        return f"{self.counter:04d}-{what}"

    def record(self, record: Json) -> None:
        self.results.write(json.dumps(record, sort_keys=True) + "\n")
        self.results.flush()


def server_command(ctx: Context, config: ServerConfig, port: int, grpc_port: int) -> list[str]:
    s = ctx.settings
    if config.kind == "geargate":
        return shlex.split(
            s.geargate_cmd.format(
                python=shlex.quote(sys.executable), port=port, grpc_port=grpc_port, backlog=BACKLOG
            )
        )
    argv = [
        s.gearmand,
        "--port",
        str(port),
        "--listen",
        "127.0.0.1",
        "--log-file",
        "none",
        "--pid-file",
        str(ctx.tmp_dir / f"gearmand-{port}.pid"),
        "--file-descriptors",
        str(ctx.nofile),
        "--backlog",
        str(BACKLOG),
    ]
    if config.threads is not None:
        argv += ["--threads", str(config.threads)]
    return argv


def start_server(ctx: Context, config: ServerConfig, what: str) -> Server:
    port, grpc_port = ctx.ports.take(2) if config.kind == "geargate" else (*ctx.ports.take(1), 0)
    argv = server_command(ctx, config, port, grpc_port)
    proc = Proc(ctx.label(f"{what}-{config.name}"), argv, ctx.log_dir, ctx.env, capture=False)
    server = Server(config, proc, port, grpc_port if config.kind == "geargate" else None)
    wait_ports = [port] + ([grpc_port] if server.grpc_port else [])
    deadline = time.monotonic() + 30
    while True:
        if not proc.alive():
            raise RunFailed(
                f"{config.name} exited with {proc.popen.returncode} at start: {proc.stderr_tail()}"
            )
        if all(accepts(p) for p in wait_ports):
            break
        if time.monotonic() > deadline:
            raise RunFailed(f"{config.name} did not listen on {wait_ports} within 30 s")
        time.sleep(0.02)
    echo_probe(port)
    return server


def loadgen_argv(
    ctx: Context, mode: str, addr: str, *args: str, timeout: float | None = None
) -> list[str]:
    """A loadgen command; helpers that run until SIGTERM get no watchdog (we stop them)."""
    watchdog = ["--timeout", str(int(timeout))] if timeout else []
    return [str(ctx.settings.loadgen), mode, "--addr", addr, *args, *watchdog]


def start_helper(ctx: Context, what: str, argv: list[str], ready_timeout: float) -> Proc:
    """Start a long-running loadgen (worker / idle) and wait for its --ready-file."""
    ready = ctx.tmp_dir / f"ready-{ctx.counter + 1}"
    with contextlib.suppress(FileNotFoundError):
        ready.unlink()
    proc = Proc(
        ctx.label(what), [*argv, "--ready-file", str(ready)], ctx.log_dir, ctx.env, capture=True
    )
    deadline = time.monotonic() + ready_timeout
    while not ready.exists():
        if not proc.alive():
            proc.stop()
            raise RunFailed(
                f"{what} exited with {proc.popen.returncode} before ready: "
                f"{proc.stdout.strip()[-300:]} {proc.stderr_tail()}"
            )
        if time.monotonic() > deadline:
            raise RunFailed(f"{what} not ready within {ready_timeout:.0f} s")
        time.sleep(0.02)
    return proc


def check_json(what: str, rc: int | None, data: Json | None, problems: list[str]) -> None:
    if data is None:
        problems.append(f"{what}: no JSON line (exit {rc})")
        return
    if rc != 0:
        problems.append(f"{what}: exit code {rc}")
    if data.get("error"):
        problems.append(f"{what}: error {data['error']!r}")
    if (data.get("errors") or 0) > 0:
        problems.append(f"{what}: errors={data['errors']}")


def derive_rows(scenario: Scenario, data: Json) -> list[Json]:
    """Table metrics of one run: jobs/s, p99 and server CPU per job, per table row."""

    def per_job(cpu: Any, jobs: Any) -> float | None:
        if isinstance(cpu, int | float) and isinstance(jobs, int | float) and jobs > 0:
            return float(cpu) * 1e6 / float(jobs)
        return None

    if scenario.mode == "bg":
        submitted = data.get("submitted") or data.get("jobs")
        completed = data.get("completed") or submitted
        return [
            {
                "row": "d-submit",
                "jobs_per_s": data.get("submit_jobs_per_s"),
                "p99_us": None,
                "srv_cpu_us_per_job": per_job(data.get("server_cpu_submit_s"), submitted),
            },
            {
                "row": "d-drain",
                "jobs_per_s": data.get("drain_jobs_per_s"),
                "p99_us": None,
                "srv_cpu_us_per_job": per_job(data.get("server_cpu_drain_s"), completed),
            },
        ]
    return [
        {
            "row": scenario.id,
            "jobs_per_s": data.get("jobs_per_s"),
            "p99_us": data.get("p99_us"),
            "srv_cpu_us_per_job": per_job(data.get("server_cpu_s"), data.get("jobs")),
        }
    ]


def run_scenario(ctx: Context, scenario: Scenario, config: ServerConfig, rep: int) -> Json:
    s = ctx.settings
    record: Json = {
        "kind": "run",
        "rep": rep,
        "scenario": scenario.id,
        "server": config.kind,
        "config": config.name,
        "started_utc": utc_now(),
        "ok": False,
        "failure": None,
        "settings": {"duration": s.duration, "warmup": s.warmup, "smoke": s.smoke},
        "loadgen": {},
        "rows": [],
    }
    helpers: list[tuple[str, Proc]] = []
    server: Server | None = None
    problems: list[str] = []
    try:
        server = start_server(ctx, config, scenario.id)
        record.update(
            port=server.port,
            grpc_port=server.grpc_port,
            server_cmd=server.proc.argv,
            server_pid=server.proc.pid,
        )
        if scenario.workers:
            argv = loadgen_argv(ctx, "worker", server.addr, "-n", str(scenario.workers))
            helpers.append(("worker", start_helper(ctx, f"{scenario.id}-worker", argv, 60)))
        if scenario.grpc_workers:
            argv = loadgen_argv(
                ctx, "grpc-worker", server.grpc_addr, "-n", str(scenario.grpc_workers)
            )
            helper = start_helper(ctx, f"{scenario.id}-grpc-worker", argv, 60)
            helpers.append(("grpc-worker", helper))
        if scenario.idle:
            conns, role, func = scenario.idle
            argv = loadgen_argv(
                ctx, "idle", server.addr, "-c", str(conns), "--role", role, "--func", func
            )
            helpers.append(("idle", start_helper(ctx, f"{scenario.id}-idle", argv, 180)))

        if scenario.timed:
            timeout = s.warmup + s.duration + 60
            extra = ["-d", fmt_secs(s.duration), "--warmup", fmt_secs(s.warmup)]
        else:
            timeout = 600.0
            extra = []
        addr = server.grpc_addr if scenario.grpc else server.addr
        argv = loadgen_argv(
            ctx,
            scenario.mode,
            addr,
            *scenario.args,
            *extra,
            "--server-pid",
            str(server.proc.pid),
            timeout=timeout,
        )
        watched = [server.proc.pid] + [p.pid for _, p in helpers]
        cpu0 = {pid: proc_cpu(pid) for pid in watched}
        busy0, children0, t0 = system_busy(), children_cpu(), time.monotonic()
        main = Proc(
            ctx.label(f"{scenario.id}-{scenario.mode}"), argv, ctx.log_dir, ctx.env, capture=True
        )
        rc = main.wait(timeout + 30)
        wall = time.monotonic() - t0
        busy, children = system_busy() - busy0, children_cpu() - children0
        cpu1 = {pid: proc_cpu(pid) for pid in watched}
        data = main.json()
        record["loadgen"]["main"] = {"cmd": argv, "rc": rc, "json": data}
        check_json(scenario.mode, rc, data, problems)
        if data is not None and not problems:
            record["rows"] = derive_rows(scenario, data)

        server_cpu = delta(cpu0, cpu1, server.proc.pid)
        helper_cpu = sum(delta(cpu0, cpu1, pid) or 0.0 for pid in watched[1:])
        other = busy - (server_cpu or 0.0) - helper_cpu - children
        ncpu = os.cpu_count() or 1
        record["noise"] = {
            "wall_s": round(wall, 3),
            "machine_busy_cpu_s": round(busy, 3),
            "server_cpu_s": server_cpu,
            "loadgen_cpu_s": round(helper_cpu + children, 3),
            "other_cpu_s": round(other, 3),
            "other_cpu_pct": round(100 * other / (wall * ncpu), 2) if wall > 0 else None,
        }
        if not server.proc.alive():
            problems.append(
                f"server exited early with {server.proc.popen.returncode}: "
                f"{server.proc.stderr_tail()}"
            )
        record["server_memory_end"] = proc_memory(server.proc.pid)
    except RunFailed as error:
        problems.append(str(error))
    finally:
        # Stop helpers before the server, so the client side of every connection closes first.
        for role, proc in helpers:
            rc_helper = proc.stop()
            data_helper = proc.json()
            record["loadgen"].setdefault(
                role, {"cmd": proc.argv, "rc": rc_helper, "json": data_helper}
            )
            if not problems:
                check_json(role, rc_helper, data_helper, problems)
        if server is not None:
            early = not server.proc.alive()
            record["server_rc"] = server.proc.stop()
            if early and not any("server exited" in p for p in problems):
                problems.append(f"server exited by itself with {record['server_rc']}")
    record["ok"] = not problems
    record["failure"] = "; ".join(problems) or None
    return record


def delta(
    before: dict[int, float | None], after: dict[int, float | None], pid: int
) -> float | None:
    a, b = before.get(pid), after.get(pid)
    return round(b - a, 3) if a is not None and b is not None else None


# --------------------------------------------------------------------------- memory


def measure_memory(ctx: Context, config: ServerConfig) -> Json:
    """RSS idle, with N idle client connections, and with M queued 64-byte background jobs."""
    s = ctx.settings
    record: Json = {
        "kind": "memory",
        "server": config.kind,
        "config": config.name,
        "conns": s.memory_conns,
        "jobs": s.memory_jobs,
        "payload": PAYLOAD,
        "ok": False,
        "failure": None,
        "loadgen": {},
    }
    problems: list[str] = []
    # Phase 1: idle connections.
    server: Server | None = None
    idle: Proc | None = None
    try:
        server = start_server(ctx, config, "mem-conns")
        base = settled_memory(ctx, server)
        argv = loadgen_argv(ctx, "idle", server.addr, "-c", str(s.memory_conns), "--role", "client")
        idle = start_helper(ctx, "mem-idle", argv, 180)
        loaded = settled_memory(ctx, server)
        record.update(
            rss_start=base.get("VmRSS"),
            hwm_start=base.get("VmHWM"),
            rss_conns=loaded.get("VmRSS"),
            hwm_conns=loaded.get("VmHWM"),
        )
        if (grown := rss_growth(base, loaded)) is not None:
            record["per_conn_bytes"] = grown / s.memory_conns
    except RunFailed as error:
        problems.append(str(error))
    finally:
        if idle is not None:
            rc = idle.stop()
            record["loadgen"]["idle"] = {"cmd": idle.argv, "rc": rc, "json": idle.json()}
            if not problems:
                check_json("idle", rc, idle.json(), problems)
        if server is not None:
            server.proc.stop()
    # Phase 2: queued background jobs, on a fresh server each: with uniques (as libgearman
    # generates for background jobs) and without.
    for suffix, extra in (("", ()), ("_no_unique", ("--no-unique",))):
        server = None
        try:
            server = start_server(ctx, config, f"mem-jobs{suffix}")
            base = settled_memory(ctx, server)
            flags = (*load_args(4, 64), "-j", str(s.memory_jobs), "--drain-workers", "0", *extra)
            pid = str(server.proc.pid)
            argv = loadgen_argv(ctx, "bg", server.addr, *flags, "--server-pid", pid, timeout=1200)
            bg = Proc(ctx.label(f"mem-bg{suffix}"), argv, ctx.log_dir, ctx.env, capture=True)
            rc = bg.wait(1300)
            record["loadgen"][f"bg{suffix}"] = {"cmd": argv, "rc": rc, "json": bg.json()}
            check_json("bg", rc, bg.json(), problems)
            queued = settled_memory(ctx, server)
            record.update(
                {
                    f"rss_jobs_start{suffix}": base.get("VmRSS"),
                    f"rss_jobs{suffix}": queued.get("VmRSS"),
                    f"hwm_jobs{suffix}": queued.get("VmHWM"),
                }
            )
            if (grown := rss_growth(base, queued)) is not None:
                per_job = grown / s.memory_jobs - PAYLOAD
                record[f"per_job_bytes_beyond_payload{suffix}"] = per_job
        except RunFailed as error:
            problems.append(str(error))
        finally:
            if server is not None:
                server.proc.stop()
    record["ok"] = not problems
    record["failure"] = "; ".join(problems) or None
    return record


# --------------------------------------------------------------------------- machine


def command_output(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=30, env=env, cwd=ROOT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    return (
        (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
        if (done.stdout.strip() or done.stderr.strip())
        else f"exit {done.returncode}"
    )


def machine_info(settings: Settings, env: dict[str, str], nofile: int) -> Json:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    template = shlex.split(
        settings.geargate_cmd.format(
            python=shlex.quote(sys.executable), port=0, grpc_port=0, backlog=BACKLOG
        )
    )
    version_cmd = [*template[: template.index("serve")], "--version"] if "serve" in template else []
    commit = command_output(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    uvloop = command_output([sys.executable, "-c", "import uvloop; print(uvloop.__version__)"], env)
    return {
        "kind": "machine",
        "utc": utc_now(),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "gearmand": command_output([settings.gearmand, "--version"]).split(" - ")[0],
        "geargate": command_output(version_cmd, env) if version_cmd else "unknown",
        "uvloop": uvloop if "Error" not in uvloop else "not installed",
        "git_commit": commit + ("+dirty" if dirty and not dirty.startswith("exit") else ""),
        "nofile": nofile,
        "loadgen": str(settings.loadgen),
        "geargate_cmd": settings.geargate_cmd,
    }


# --------------------------------------------------------------------------- tables


def fmt_secs(value: float) -> str:
    return f"{value:g}"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_int(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def fmt_cpu(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def median_of(values: Iterator[Any] | list[Any]) -> float | None:
    nums = [float(v) for v in values if isinstance(v, int | float)]
    return statistics.median(nums) if nums else None


def divide(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


@dataclass
class RowStats:
    jobs: float | None
    p99: float | None
    cpu: float | None
    low: float | None
    high: float | None
    ok: int
    runs: int
    other_pct: float | None


@dataclass
class Summary:
    settings: Settings
    runs: list[Json]
    memory: list[Json]
    machine: Json
    stats: dict[tuple[str, str], RowStats] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rows: dict[tuple[str, str], list[Json]] = {}
        counts: dict[tuple[str, str], list[int]] = {}
        others: dict[tuple[str, str], list[float]] = {}
        for run in self.runs:
            scenario = self.scenario(run["scenario"])
            for row_id in scenario.row_ids if scenario else (run["scenario"],):
                key = (row_id, run["config"])
                tally = counts.setdefault(key, [0, 0])
                tally[1] += 1
                tally[0] += 1 if run["ok"] else 0
                if run["ok"]:
                    pct = (run.get("noise") or {}).get("other_cpu_pct")
                    if isinstance(pct, int | float):
                        others.setdefault(key, []).append(pct)
            if run["ok"]:
                for row in run["rows"]:
                    rows.setdefault((row["row"], run["config"]), []).append(row)
        for key, (ok, total) in counts.items():
            got = rows.get(key, [])
            jobs = [r["jobs_per_s"] for r in got if isinstance(r["jobs_per_s"], int | float)]
            self.stats[key] = RowStats(
                jobs=median_of(jobs),
                p99=median_of(r["p99_us"] for r in got),
                cpu=median_of(r["srv_cpu_us_per_job"] for r in got),
                low=min(jobs) if jobs else None,
                high=max(jobs) if jobs else None,
                ok=ok,
                runs=total,
                other_pct=median_of(others.get(key, [])),
            )

    def scenario(self, scenario_id: str) -> Scenario | None:
        return next((s for s in self.settings.scenarios if s.id == scenario_id), None)

    def gearmand_configs(self) -> list[ServerConfig]:
        return [c for c in self.settings.servers if c.kind == "gearmand"]

    def best_gearmand(self, row: str) -> tuple[ServerConfig, RowStats] | None:
        best: tuple[ServerConfig, RowStats] | None = None
        for config in self.gearmand_configs():
            st = self.stats.get((row, config.name))
            if st and st.jobs is not None and (best is None or st.jobs > (best[1].jobs or 0)):
                best = (config, st)
        return best

    def geargate(self, row: str) -> RowStats | None:
        return self.stats.get((row, "geargate"))

    def tcp_rows(self) -> list[str]:
        return [r for s in self.settings.scenarios if not s.geargate_only for r in s.row_ids]

    def grpc_rows(self) -> list[Scenario]:
        return [s for s in self.settings.scenarios if s.geargate_only]


def render(summary: Summary) -> str:
    s, m = summary.settings, summary.machine
    out: list[str] = []
    add = out.append
    add(f"# geargate vs gearmand{' (SMOKE: correctness only, speed not judged)' * s.smoke}")
    add("")
    add(
        f"- run: {m['utc']}, repeat {s.repeat}, duration {fmt_secs(s.duration)} s, warmup "
        f"{fmt_secs(s.warmup)} s, servers {', '.join(c.name for c in s.servers)}"
    )
    add(f"- machine: {m['nproc']} CPUs, {m['cpu_model']}, {m['kernel']}")
    add(
        f"- versions: python {m['python']}, {m['gearmand']}, {m['geargate']} "
        f"(uvloop {m['uvloop']}), git {m['git_commit']}"
    )
    add(f"- loadgen: {m['loadgen']}; open-file limit {m['nofile']}")
    add(
        "- medians over repetitions; jobs/s of the measured window; p99 = submit to complete; "
        "srv CPU = server user+sys CPU per job"
    )
    add("")
    add(
        "| scenario | gearmand best (config) jobs/s median | geargate jobs/s median | ratio "
        "(geargate/gearmand) | p99 us gearmand | p99 us geargate | srv CPU us/job gearmand "
        "| srv CPU us/job geargate |"
    )
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in summary.tcp_rows():
        best = summary.best_gearmand(row)
        gg = summary.geargate(row)
        gm_cell = f"{fmt_int(best[1].jobs)} ({best[0].short})" if best else "—"
        ratio = divide(gg.jobs if gg else None, best[1].jobs if best else None)
        add(
            f"| {row} | {gm_cell} | {fmt_int(gg.jobs if gg else None)} | {fmt_ratio(ratio)} | "
            f"{fmt_int(best[1].p99 if best else None)} | {fmt_int(gg.p99 if gg else None)} | "
            f"{fmt_cpu(best[1].cpu if best else None)} | {fmt_cpu(gg.cpu if gg else None)} |"
        )
    if summary.grpc_rows():
        add("")
        add("| scenario | geargate jobs/s | compared with | ratio | p99 us |")
        add("|---|---:|---|---:|---:|")
        for sc in summary.grpc_rows():
            gg = summary.geargate(sc.id)
            ref = summary.geargate(sc.compare) if sc.compare else None
            ref_jobs = ref.jobs if ref else None
            add(
                f"| {sc.id} | {fmt_int(gg.jobs if gg else None)} | {sc.compare} geargate TCP "
                f"{fmt_int(ref_jobs)} | {fmt_ratio(divide(gg.jobs if gg else None, ref_jobs))} "
                f"| {fmt_int(gg.p99 if gg else None)} |"
            )
    if summary.memory:
        add("")
        add(
            f"Memory (VmRSS after {fmt_secs(s.settle)} s settle; {s.memory_conns:,} idle client "
            f"connections; {s.memory_jobs:,} queued {PAYLOAD} B background jobs):"
        )
        add("")
        add(
            "| server | RSS idle | per idle connection (B) | per queued job beyond payload (B), "
            "with unique | the same, no unique | RSS with jobs (unique) | VmHWM with jobs |"
        )
        add("|---|---:|---:|---:|---:|---:|---:|")
        for rec in summary.memory:
            add(
                f"| {rec['config']} | {fmt_mib(rec.get('rss_start'))} | "
                f"{fmt_int(rec.get('per_conn_bytes'))} | "
                f"{fmt_int(rec.get('per_job_bytes_beyond_payload'))} | "
                f"{fmt_int(rec.get('per_job_bytes_beyond_payload_no_unique'))} | "
                f"{fmt_mib(rec.get('rss_jobs'))} | {fmt_mib(rec.get('hwm_jobs'))} |"
            )
    add("")
    add("## Targets")
    add("")
    if s.smoke:
        add("Not judged: a smoke run checks correctness only.")
    else:
        out.extend(f"- {line}" for line in targets(summary))
    add("")
    add("## All configurations")
    add("")
    add(
        "| row | config | jobs/s median | min | max | p99 us | srv CPU us/job | other CPU % "
        "| ok/runs |"
    )
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in [*summary.tcp_rows(), *(sc.id for sc in summary.grpc_rows())]:
        for config in s.servers:
            st = summary.stats.get((row, config.name))
            if st is None:
                continue
            add(
                f"| {row} | {config.name} | {fmt_int(st.jobs)} | {fmt_int(st.low)} | "
                f"{fmt_int(st.high)} | {fmt_int(st.p99)} | {fmt_cpu(st.cpu)} | "
                f"{fmt_cpu(st.other_pct)} | {st.ok}/{st.runs} |"
            )
    add("")
    add(
        "other CPU % = machine busy CPU minus server and loadgen CPU, over the run, as a share of "
        "all CPUs (noise from everything else)."
    )
    add("")
    add("Scenarios:")
    add("")
    for sc in s.scenarios:
        add(f"- {sc.id}: {sc.title}")
    failures = [r for r in [*summary.runs, *summary.memory] if not r["ok"]]
    if failures:
        add("")
        add("## Failures")
        add("")
        for rec in failures:
            where = f"rep {rec['rep']} {rec['scenario']}" if rec["kind"] == "run" else "memory"
            add(f"- {where} {rec['config']}: {rec['failure']}")
    return "\n".join(out) + "\n"


def fmt_mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 2**20:.1f} MiB"


def targets(summary: Summary) -> list[str]:
    lines: list[str] = []

    def verdict(ok: bool | None) -> str:
        return "n/a (no data)" if ok is None else ("met" if ok else "NOT met")

    wanted = {
        "a": 1.0,
        "b": 1.0,
        "c": 1.0,
        "d-submit": 1.0,
        "d-drain": 1.0,
        "e": 1.0,
        "f": 10.0,
        "g": 10.0,
    }
    for row in summary.tcp_rows():
        if row not in wanted:
            continue
        factor = wanted[row]
        best, gg = summary.best_gearmand(row), summary.geargate(row)
        if best is None or gg is None or gg.jobs is None:
            lines.append(f"{row} throughput >= {factor:g}x best gearmand: {verdict(None)}")
            continue
        config, gm = best
        ratio = divide(gg.jobs, gm.jobs)
        ok = ratio is not None and ratio >= factor
        lines.append(
            f"{row} throughput >= {factor:g}x best gearmand: {verdict(ok)} "
            f"(geargate {fmt_int(gg.jobs)} vs {config.name} {fmt_int(gm.jobs)} jobs/s, "
            f"{fmt_ratio(ratio)})"
        )
        if factor == 1.0 and gm.p99 is not None and gg.p99 is not None:
            lines.append(
                f"{row} p99 <= best gearmand's: {verdict(gg.p99 <= gm.p99)} "
                f"(geargate {fmt_int(gg.p99)} us vs {config.name} {fmt_int(gm.p99)} us)"
            )
    for sc in summary.grpc_rows():
        if sc.id not in ("grpc-pipeline", "grpc-pipeline-batch", "grpc-call") or not sc.compare:
            continue
        gg, ref = summary.geargate(sc.id), summary.geargate(sc.compare)
        ratio = divide(gg.jobs if gg else None, ref.jobs if ref else None)
        met = None if ratio is None else ratio >= 0.5
        text = f"{sc.id} >= 0.5x geargate {sc.compare}: {verdict(met)}"
        if ratio is not None and gg and ref:
            text += f" ({fmt_int(gg.jobs)} vs {fmt_int(ref.jobs)} jobs/s, {fmt_ratio(ratio)})"
        lines.append(text)
    mem = {rec["config"]: rec for rec in summary.memory if rec["ok"]}
    gg_mem = mem.get("geargate")
    gm_conn = [
        (rec["per_conn_bytes"], name)
        for name, rec in mem.items()
        if name != "geargate" and isinstance(rec.get("per_conn_bytes"), int | float)
    ]
    if summary.memory:
        if gg_mem and gm_conn and isinstance(gg_mem.get("per_conn_bytes"), int | float):
            ref_bytes, ref_name = min(gm_conn)
            ok = gg_mem["per_conn_bytes"] <= 3 * ref_bytes
            lines.append(
                f"memory per idle connection <= 3x gearmand's: {verdict(ok)} (geargate "
                f"{fmt_int(gg_mem['per_conn_bytes'])} B vs {ref_name} "
                f"{fmt_int(ref_bytes)} B, {fmt_ratio(gg_mem['per_conn_bytes'] / ref_bytes)})"
            )
        else:
            lines.append(f"memory per idle connection <= 3x gearmand's: {verdict(None)}")
        for suffix, what in (("", "with unique"), ("_no_unique", "no unique")):
            per_job = gg_mem.get(f"per_job_bytes_beyond_payload{suffix}") if gg_mem else None
            target = f"memory per queued job ({what}) <= 200 B beyond payload"
            if isinstance(per_job, int | float):
                lines.append(f"{target}: {verdict(per_job <= 200)} (geargate {fmt_int(per_job)} B)")
            else:
                lines.append(f"{target}: {verdict(None)}")
    return lines


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="Benchmark geargate against gearmand (t0/t1/default threads) with the Go "
        "load generator; results go to bench/results/<UTC timestamp>/.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--scenarios", default=",".join(ALL_SCENARIOS), help="comma list of scenarios"
    )
    parser.add_argument(
        "--repeat", type=int, default=None, help="repetitions, >= 3 (default 3; 1 with --smoke)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="measured seconds per run (default 8; 1 with --smoke)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="warm-up seconds per run (default 1; 0.2 with --smoke)",
    )
    parser.add_argument(
        "--servers", default="geargate,gearmand", help="comma list of geargate, gearmand"
    )
    parser.add_argument(
        "--gearmand-configs",
        default=None,
        help="comma list of t0, t1, default (default: all three; `default` only with --smoke)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="quick correctness check (a few seconds per run, small connection "
        "and job counts); exits non-zero on any loadgen error; never judges speed",
    )
    parser.add_argument(
        "--memory",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure RSS idle, per idle connection and per queued job",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output directory (default bench/results/<UTC timestamp>)",
    )
    parser.add_argument(
        "--loadgen",
        type=Path,
        default=DEFAULT_LOADGEN,
        help="loadgen binary (build it with bench/build)",
    )
    parser.add_argument("--gearmand", default=DEFAULT_GEARMAND, help="gearmand binary")
    parser.add_argument(
        "--geargate-cmd",
        default=DEFAULT_GEARGATE_CMD,
        help="geargate command template with {port} and {grpc_port} (also {python} and {backlog})",
    )
    parser.add_argument("--ports", default="47500-47599", help="loopback port range to use")
    args = parser.parse_args(argv)

    smoke: bool = args.smoke
    repeat = args.repeat if args.repeat is not None else (1 if smoke else 3)
    if repeat < 1 or (repeat < 3 and not smoke):
        parser.error("--repeat must be at least 3 (use --smoke for a quick correctness check)")
    duration = args.duration if args.duration is not None else (1.0 if smoke else 8.0)
    warmup = args.warmup if args.warmup is not None else (0.2 if smoke else 1.0)
    if duration <= 0 or warmup < 0:
        parser.error("--duration must be > 0 and --warmup >= 0")

    known = build_scenarios(smoke)
    wanted = [x.strip() for x in args.scenarios.split(",") if x.strip()]
    unknown = [x for x in wanted if x not in known]
    if unknown or not wanted:
        parser.error(f"unknown scenarios {unknown}; choose from {', '.join(known)}")
    server_kinds = [x.strip() for x in args.servers.split(",") if x.strip()]
    if not server_kinds or any(k not in ("geargate", "gearmand") for k in server_kinds):
        parser.error("--servers takes a comma list of geargate, gearmand")
    gm_names = args.gearmand_configs or ("default" if smoke else "t0,t1,default")
    gm_list = [x.strip() for x in gm_names.split(",") if x.strip()]
    if not gm_list or any(x not in GEARMAND_CONFIGS for x in gm_list):
        parser.error("--gearmand-configs takes a comma list of t0, t1, default")
    servers: list[ServerConfig] = []
    if "gearmand" in server_kinds:
        for short in dict.fromkeys(gm_list):
            servers.append(
                ServerConfig(
                    GEARMAND_CONFIGS[short],
                    "gearmand",
                    None if short == "default" else int(short[1:]),
                )
            )
    if "geargate" in server_kinds:
        servers.append(ServerConfig("geargate", "geargate"))
    if "{port}" not in args.geargate_cmd or "{grpc_port}" not in args.geargate_cmd:
        parser.error("--geargate-cmd must contain {port} and {grpc_port}")
    try:
        shlex.split(args.geargate_cmd.format(python="p", port=1, grpc_port=2, backlog=3))
    except (KeyError, IndexError, ValueError) as error:
        parser.error(f"--geargate-cmd: {error!r} (placeholders: port, grpc_port, python, backlog)")
    try:
        low, high = (int(x) for x in args.ports.split("-", 1))
    except ValueError:
        parser.error("--ports takes LOW-HIGH")
    if not 1024 <= low < high <= 65535:
        parser.error("--ports takes LOW-HIGH with 1024 <= LOW < HIGH <= 65535")
    out = args.out or BENCH / "results" / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    loadgen = args.loadgen.resolve()
    if not os.access(loadgen, os.X_OK):
        parser.error(f"loadgen binary {loadgen} not found: build it with bench/build")
    if "gearmand" in server_kinds and not os.access(args.gearmand, os.X_OK):
        parser.error(f"gearmand {args.gearmand} not found (or use --servers geargate)")
    return Settings(
        scenarios=tuple(known[x] for x in dict.fromkeys(wanted)),
        servers=tuple(servers),
        repeat=repeat,
        duration=duration,
        warmup=warmup,
        smoke=smoke,
        memory=args.memory,
        memory_conns=200 if smoke else 10_000,
        memory_jobs=10_000 if smoke else 1_000_000,
        out=out,
        loadgen=loadgen,
        gearmand=args.gearmand,
        geargate_cmd=args.geargate_cmd,
        port_range=(low, high),
        settle=0.3 if smoke else 1.0,
    )


def estimate_seconds(settings: Settings) -> float:
    """A rough runtime estimate, from runs on a 2-CPU machine."""
    total = 0.0
    n_gm = sum(1 for c in settings.servers if c.kind == "gearmand")
    has_gg = any(c.kind == "geargate" for c in settings.servers)
    for sc in settings.scenarios:
        per = 1.2 + (settings.warmup + settings.duration if sc.timed else 2.5)
        if sc.idle:
            per += sc.idle[0] / 10_000
        servers = int(has_gg) if sc.geargate_only else n_gm + int(has_gg)
        total += per * servers
    total *= settings.repeat
    if settings.memory:
        # gearmand's queue slows down as it grows: ~130 s for 1,000,000 jobs; geargate ~10 s.
        jobs = settings.memory_jobs
        total += min(n_gm, 1) * (6 + 130 * (jobs / 1e6) ** 2) + has_gg * (6 + jobs / 100_000)
    return total


def memory_servers(settings: Settings, runs: list[Json]) -> list[ServerConfig]:
    """geargate and ONE gearmand configuration: the one fastest in the most table rows.

    gearmand's memory does not depend on its thread count (measured: within 0.5 %), and filling
    its queue with 1,000,000 jobs takes about two minutes, so one configuration is enough.
    """
    configs = [c for c in settings.servers if c.kind == "gearmand"]
    chosen = [c for c in settings.servers if c.kind == "geargate"]
    if configs:
        summary = Summary(settings, runs, [], {})
        wins = {c.name: 0 for c in configs}
        for row in summary.tcp_rows():
            best = summary.best_gearmand(row)
            if best:
                wins[best[0].name] += 1
        default = next((c for c in configs if c.threads is None), configs[0])
        top = max(wins.values())
        pick = (
            default
            if wins[default.name] == top
            else next(c for c in configs if wins[c.name] == top)
        )
        chosen.insert(0, pick)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    nofile = raise_nofile()
    env = child_env()
    out = settings.out
    log_dir = out / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix="geargate-bench-"))
    # Run a private copy of the loadgen: a rebuild during a long run must not change it midway.
    loadgen_copy = tmp_dir / "loadgen"
    shutil.copy2(settings.loadgen, loadgen_copy)
    loadgen_sha = hashlib.sha256(loadgen_copy.read_bytes()).hexdigest()[:16]
    loadgen_source = settings.loadgen
    settings = dataclasses.replace(settings, loadgen=loadgen_copy)

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored

    machine = machine_info(settings, env, nofile)
    machine["loadgen"] = f"{loadgen_source} (sha256 {loadgen_sha})"
    (out / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    runs: list[Json] = []
    memory: list[Json] = []
    interrupted = False
    log = progress_printer()
    log(f"results in {out}; about {estimate_seconds(settings) / 60:.0f} min")
    with open(out / "results.jsonl", "w") as results:
        ctx = Context(
            settings, PortPool(*settings.port_range), log_dir, tmp_dir, env, nofile, results
        )
        ctx.record(machine)
        try:
            for rep in range(1, settings.repeat + 1):
                for sc in settings.scenarios:
                    for config in settings.servers:
                        if sc.geargate_only and config.kind != "geargate":
                            continue
                        record = run_scenario(ctx, sc, config, rep)
                        runs.append(record)
                        ctx.record(record)
                        log(describe_run(record, settings.repeat))
            if settings.memory:
                for config in memory_servers(settings, runs):
                    record = measure_memory(ctx, config)
                    memory.append(record)
                    ctx.record(record)
                    log(describe_memory(record))
        except KeyboardInterrupt:
            interrupted = True
            log("interrupted: stopping every process started, writing partial results")
        finally:
            stop_all()
            shutil.rmtree(tmp_dir, ignore_errors=True)
    table = render(Summary(settings, runs, memory, machine))
    (out / "table.md").write_text(table)
    sys.stdout.write(table)
    sys.stdout.flush()
    failed = [r for r in [*runs, *memory] if not r["ok"]]
    log(f"wrote {out / 'table.md'} and {out / 'results.jsonl'}")
    if interrupted:
        return 130
    if failed:
        log(f"{len(failed)} run(s) failed: see the Failures section and {log_dir}")
        return 1
    return 0


def progress_printer() -> Callable[[str], None]:
    start = time.monotonic()

    def log(text: str) -> None:
        elapsed = time.monotonic() - start
        print(f"[{elapsed:6.0f}s] {text}", file=sys.stderr, flush=True)

    return log


def describe_run(record: Json, repeat: int) -> str:
    head = f"rep {record['rep']}/{repeat} {record['scenario']:<13} {record['config']:<12}"
    if not record["ok"]:
        return f"{head} FAILED: {record['failure']}"
    parts = []
    for row in record["rows"]:
        text = f"{row['row']} {fmt_int(row['jobs_per_s'])} jobs/s"
        if row["p99_us"] is not None:
            text += f" p99 {fmt_int(row['p99_us'])} us"
        if row["srv_cpu_us_per_job"] is not None:
            text += f" srv {fmt_cpu(row['srv_cpu_us_per_job'])} us/job"
        parts.append(text)
    other = (record.get("noise") or {}).get("other_cpu_pct")
    return f"{head} {'; '.join(parts)} (other CPU {fmt_cpu(other)} %)"


def describe_memory(record: Json) -> str:
    head = f"memory {record['config']:<12}"
    if not record["ok"]:
        return f"{head} FAILED: {record['failure']}"
    return (
        f"{head} RSS {fmt_mib(record.get('rss_start'))}, "
        f"{fmt_int(record.get('per_conn_bytes'))} B/conn, "
        f"{fmt_int(record.get('per_job_bytes_beyond_payload'))} B/job beyond payload "
        f"({fmt_int(record.get('per_job_bytes_beyond_payload_no_unique'))} without uniques)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
