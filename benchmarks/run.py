"""Time from `devkit run api` to the first HTTP 200 against starting it with `micromamba run`.

Builds the test world (local channels, the micromamba stand-in) and the sample monorepo in a temp
dir, creates the `api` env once, then alternates the two ways of starting the service, polling
`/health` every 10 ms. Prints figures, asserts nothing:

    .venv/bin/python benchmarks/run.py --runs 5
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from dotenv import dotenv_values
from harness import (
    create_env,
    devkit_exe,
    isolated_env,
    json_report,
    ms_since,
    non_negative_int,
    positive_int,
    print_report,
    scratch_dir,
)
from rich.console import Console
from rich.table import Table

from tests.support.monorepo import build_sample_monorepo
from tests.support.world import build_world

DEFAULT_RUNS = 5
DEFAULT_WARMUPS = 1
POLL_INTERVAL_S = 0.01
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
TARGET_RATIO = 0.20
TARGET_FLOOR_MS = 150.0
HOST = "127.0.0.1"
JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Launch:
    """One way of starting the service: a command line, its folder and environment."""

    label: str
    argv: tuple[str, ...]
    cwd: Path
    env: dict[str, str]
    # devkit handles Ctrl-C itself; micromamba run does not forward SIGINT (mamba-org/mamba#1820),
    # so the direct launch is stopped by signalling its whole process group.
    stop_group: bool


@dataclass(frozen=True)
class Timing:
    """Milliseconds to the first 200 and to a full stop, per run; failed runs are not kept."""

    label: str
    ready_ms: tuple[float, ...]
    stop_ms: tuple[float, ...]
    failures: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.ready_ms) if self.ready_ms else float("nan")

    @property
    def median_stop_ms(self) -> float:
        return statistics.median(self.stop_ms) if self.stop_ms else float("nan")


def free_port() -> int:
    """A port nothing listens on now (a fresh one per run: no TIME_WAIT leftovers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    """Whether `GET /health` answers 200 right now."""
    connection = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def running(process: psutil.Process) -> bool:
    """Alive and not a zombie (an orphan's zombie waits on PID 1, which may reap it late)."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_gone(processes: Sequence[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Poll until every process has exited; return the ones still running at the timeout."""
    deadline = time.perf_counter() + timeout
    while True:
        alive = [process for process in processes if running(process)]
        if not alive or time.perf_counter() >= deadline:
            return alive
        time.sleep(POLL_INTERVAL_S)


def stop(child: subprocess.Popen[bytes], launch: Launch) -> float:
    """Stop the service the way a user would (Ctrl-C); return ms until every process is gone."""
    started = time.perf_counter()
    leftovers = descendants(child.pid)
    if launch.stop_group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    alive = wait_gone(leftovers, STOP_TIMEOUT_S)
    elapsed_ms = ms_since(started)
    for process in alive:  # never leave a server behind, whatever the launcher did
        with contextlib.suppress(psutil.Error):
            process.kill()
    return elapsed_ms


def start_once(launch: Launch, port: int) -> tuple[float | None, float]:
    """Start, poll /health until 200, stop: (ms to the first 200 or None, ms to stop)."""
    argv = [arg.replace("{port}", str(port)) for arg in launch.argv]
    env = {**launch.env, "PORT": str(port)} if launch.stop_group else launch.env
    started = time.perf_counter()
    child = subprocess.Popen(
        argv,
        cwd=launch.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    ready_ms: float | None = None
    try:
        deadline = started + START_TIMEOUT_S
        while time.perf_counter() < deadline and child.poll() is None:
            if healthy(port):
                ready_ms = ms_since(started)
                break
            time.sleep(POLL_INTERVAL_S)
    finally:
        stop_ms = stop(child, launch)
    return ready_ms, stop_ms


def measure(launches: Sequence[Launch], runs: int, warmups: int) -> list[Timing]:
    """Alternate the launches run by run, so drift in the machine's load hits both alike."""
    ready: dict[str, list[float]] = {launch.label: [] for launch in launches}
    stops: dict[str, list[float]] = {launch.label: [] for launch in launches}
    failures = dict.fromkeys(ready, 0)
    for index in range(warmups + runs):
        for launch in launches:
            ready_ms, stop_ms = start_once(launch, free_port())
            if index < warmups:
                continue
            if ready_ms is None:
                failures[launch.label] += 1
            else:
                ready[launch.label].append(ready_ms)
                stops[launch.label].append(stop_ms)
    return [
        Timing(label, tuple(ready[label]), tuple(stops[label]), failures[label]) for label in ready
    ]


@dataclass(frozen=True)
class Overhead:
    """What devkit adds to the direct start, and the allowance: max(20%, 150 ms)."""

    ms: float
    percent: float
    allowed_ms: float

    @property
    def meets(self) -> bool:
        return self.ms <= self.allowed_ms


def overhead(direct: Timing, devkit: Timing) -> Overhead:
    added = devkit.median_ms - direct.median_ms
    allowed = max(TARGET_RATIO * direct.median_ms, TARGET_FLOOR_MS)
    return Overhead(added, 100.0 * added / direct.median_ms, allowed)


def render(direct: Timing, devkit: Timing, runs: int) -> Table:
    cost = overhead(direct, devkit)
    table = Table(
        title=f"time to first HTTP 200 on /health (median of {runs} runs)\n"
        f"target: devkit adds ≤ max(20%, 150 ms) = {cost.allowed_ms:.0f} ms"
    )
    table.add_column("start", no_wrap=True)
    for column in ("median ms", "range ms", "stop ms", "+ms", "+%"):
        table.add_column(column, justify="right")
    table.add_column("meets", justify="center")
    for timing in (direct, devkit):
        is_devkit = timing is devkit
        failed = f" ({timing.failures} failed)" if timing.failures else ""
        table.add_row(
            timing.label + failed,
            f"{timing.median_ms:.0f}",
            f"{min(timing.ready_ms, default=0):.0f}–{max(timing.ready_ms, default=0):.0f}",
            f"{timing.median_stop_ms:.0f}",
            f"{cost.ms:+.0f}" if is_devkit else "—",
            f"{cost.percent:+.1f}" if is_devkit else "—",
            ("yes" if cost.meets and not timing.failures else "no") if is_devkit else "—",
        )
    return table


def to_json(direct: Timing, devkit: Timing, runs: int, warmups: int) -> str:
    cost = overhead(direct, devkit)
    return json_report(
        JSON_SCHEMA_VERSION,
        runs=runs,
        warmups=warmups,
        results=[
            {
                "start": timing.label,
                "median_ms": round(timing.median_ms, 3),
                "samples_ms": [round(s, 3) for s in timing.ready_ms],
                "median_stop_ms": round(timing.median_stop_ms, 3),
                "stop_samples_ms": [round(s, 3) for s in timing.stop_ms],
                "failures": timing.failures,
            }
            for timing in (direct, devkit)
        ],
        overhead_ms=round(cost.ms, 3),
        overhead_percent=round(cost.percent, 2),
        allowed_ms=round(cost.allowed_ms, 3),
        meets_target=cost.meets and not devkit.failures,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="timed starts")
    parser.add_argument(
        "--warmups", type=non_negative_int, default=DEFAULT_WARMUPS, help="untimed starts first"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    with scratch_dir("run") as base:
        with console.status("building the test world…"):
            world = build_world(base / "world")
            env = isolated_env(base, world)
            repo = build_sample_monorepo(base / "monorepo")
            prefix = Path(env["MAMBA_ROOT_PREFIX"]) / "envs" / "api"
            create_env(world, env, repo.env_file("api"), prefix)
        dotenv = {k: v for k, v in dotenv_values(repo.api / ".env").items() if v is not None}
        direct = Launch(
            "micromamba run",
            (
                *(str(world.micromamba), "run", "-r", env["MAMBA_ROOT_PREFIX"], "-p", str(prefix)),
                *("uvicorn", "main:app", "--host", HOST, "--port", "{port}"),
            ),
            repo.api,
            {**env, **dotenv, "PYTHONUNBUFFERED": "1"},
            stop_group=True,
        )
        via_devkit = Launch(
            "devkit run",
            (str(devkit_exe()), "--root", str(repo.root), "run", "api", "--port", "{port}"),
            base,
            env,
            stop_group=False,
        )
        with console.status("timing starts…"):
            direct_timing, devkit_timing = measure((direct, via_devkit), args.runs, args.warmups)
    if args.json:
        print(to_json(direct_timing, devkit_timing, args.runs, args.warmups))
        return 0
    print_report(
        [render(direct_timing, devkit_timing, args.runs)],
        ["stop ms: from SIGINT until every process of the service is gone"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
