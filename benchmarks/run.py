"""`devkit run api` against `micromamba run`: time to the first HTTP 200, and to stop on Ctrl-C.

Builds the test world (local channels, the micromamba stand-in) and the sample monorepo in a temp
dir, laid out as the team's: `api` (a FastAPI service) gets address-api's checks and deploy
workflows, its run command in devkit.yaml, and the variables that deploy sets in its .env;
--projects other projects of the team's layout (`benchmarks/seed.py`: every file, both
workflows, a devkit.yaml entry each) stand beside it, and the user config is the one `devkit
setup` writes, so devkit reads what it reads on a developer's machine. It creates the `api` env
once, then starts the service round by round in four ways: directly with `micromamba run`; with
the plain `devkit run api` (the fast path, PORT from the shell); with `devkit run api --port N
--env-file projects/api/.env` (the fast path too: it reads run's options; the file is the
project's own .env again, so the service gets the same variables); and with `devkit run api
-pN` (a form the fast path leaves to the full typer CLI).
Each round starts each once, in a rotating order, polls `/health` every 10 ms, then sends SIGINT
the way a terminal's Ctrl-C does and times until every process of the service is gone. devkit's
cost is given per round, against the direct start of the same round (paired), as the median of
those differences and ratios. Prints figures, asserts nothing:

    .venv/bin/python benchmarks/run.py --runs 7 --projects 1000
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
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
    baseline_devkit,
    create_env,
    devkit_exe,
    isolated_env,
    json_report,
    load_note,
    ms_since,
    non_negative_int,
    positive_int,
    precompile_devkit,
    print_report,
    scratch_dir,
)
from rich.console import Console
from rich.table import Table
from seed import (
    SAMPLE,
    dotenv_text,
    load_examples,
    project_names,
    write_config,
    write_project,
    write_workflows,
)

from devkit.userconfig import UserConfig, save_user_config
from tests.support.monorepo import build_sample_monorepo
from tests.support.world import build_world

DEFAULT_RUNS = 7
DEFAULT_WARMUPS = 1
DEFAULT_PROJECTS = 100
POLL_INTERVAL_S = 0.01
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
# Issue 15: devkit may add at most this much to the direct start, and to the stop after Ctrl-C.
TARGET_MS = 100.0
HOST = "127.0.0.1"
JSON_SCHEMA_VERSION = 2


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
class Sample:
    """One start: ms to the first 200 (None if it never came) and ms from SIGINT to all gone."""

    ready_ms: float | None
    stop_ms: float


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
    leftovers = descendants(child.pid)  # looked up before the clock starts: not devkit's cost
    started = time.perf_counter()
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


def start_once(launch: Launch, port: int) -> Sample:
    """Start, poll /health until 200, stop."""
    argv = [arg.replace("{port}", str(port)) for arg in launch.argv]
    # PORT from the shell, as a developer's .env or profile sets it; `--port` wins where given.
    env = {**launch.env, "PORT": str(port)}
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
    return Sample(ready_ms, stop_ms)


def measure(launches: Sequence[Launch], runs: int, warmups: int) -> list[dict[str, Sample]]:
    """One dict per round, every launch started once in it; the order rotates round by round,
    so neither drift in the machine's load nor going first or last favours one launch."""
    rounds: list[dict[str, Sample]] = []
    for index in range(warmups + runs):
        shift = index % len(launches)
        samples = {
            launch.label: start_once(launch, free_port())
            for launch in [*launches[shift:], *launches[:shift]]
        }
        if index >= warmups:
            rounds.append(samples)
    return rounds


@dataclass(frozen=True)
class Paired:
    """One launch against the direct start, over the rounds where both answered."""

    label: str
    ready_ms: tuple[float, ...]
    stop_ms: tuple[float, ...]
    added_ready_ms: tuple[float, ...]  # this launch minus the direct start, round by round
    added_stop_ms: tuple[float, ...]
    ready_ratio: tuple[float, ...]
    stop_ratio: tuple[float, ...]
    failures: int

    @property
    def meets_ready(self) -> bool:
        ok = not self.failures and bool(self.added_ready_ms)
        return ok and median(self.added_ready_ms) <= TARGET_MS

    @property
    def meets_stop(self) -> bool:
        ok = not self.failures and bool(self.added_stop_ms)
        return ok and median(self.added_stop_ms) <= TARGET_MS

    @property
    def verdict(self) -> str:
        if self.meets_ready and self.meets_stop:
            return "yes"
        if self.meets_ready or self.meets_stop:
            return "200 only" if self.meets_ready else "stop only"
        return "no"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def paired(rounds: Sequence[dict[str, Sample]], label: str, direct: str) -> Paired:
    ready: list[float] = []
    stops: list[float] = []
    added_ready: list[float] = []
    added_stop: list[float] = []
    ready_ratio: list[float] = []
    stop_ratio: list[float] = []
    failures = 0
    for samples in rounds:
        mine, base = samples[label], samples[direct]
        if mine.ready_ms is None:
            failures += 1
            continue
        ready.append(mine.ready_ms)
        stops.append(mine.stop_ms)
        if base.ready_ms is None or label == direct:
            continue
        added_ready.append(mine.ready_ms - base.ready_ms)
        added_stop.append(mine.stop_ms - base.stop_ms)
        ready_ratio.append(mine.ready_ms / base.ready_ms)
        stop_ratio.append(mine.stop_ms / base.stop_ms)
    return Paired(
        label,
        tuple(ready),
        tuple(stops),
        tuple(added_ready),
        tuple(added_stop),
        tuple(ready_ratio),
        tuple(stop_ratio),
        failures,
    )


def render(results: Sequence[Paired], runs: int) -> Table:
    table = Table(
        title=f"devkit run against micromamba run (medians of {runs} rounds)\n"
        f"target: devkit adds ≤ {TARGET_MS:.0f} ms to the first 200 and to the stop"
    )
    table.add_column("start", no_wrap=True)
    for column in ("200 ms", "+ms", "×", "stop", "+ms", "×"):
        table.add_column(column, justify="right")
    table.add_column("meets", justify="center", no_wrap=True)
    for result in results:
        is_direct = result is results[0]
        failed = f" ({result.failures} failed)" if result.failures else ""
        table.add_row(
            result.label + failed,
            f"{median(result.ready_ms):.0f}",
            "—" if is_direct else f"{median(result.added_ready_ms):+.0f}",
            "—" if is_direct else f"{median(result.ready_ratio):.2f}",
            f"{median(result.stop_ms):.0f}",
            "—" if is_direct else f"{median(result.added_stop_ms):+.0f}",
            "—" if is_direct else f"{median(result.stop_ratio):.2f}",
            "—" if is_direct else result.verdict,
        )
    return table


def to_json(results: Sequence[Paired], runs: int, warmups: int, load: tuple[float, float]) -> str:
    def rounded(values: Sequence[float]) -> list[float]:
        return [round(v, 3) for v in values]

    def median_or_null(values: Sequence[float]) -> float | None:
        # The direct start has nothing to be paired with; JSON has no NaN.
        return round(median(values), 3) if values else None

    return json_report(
        JSON_SCHEMA_VERSION,
        runs=runs,
        warmups=warmups,
        target_added_ms=TARGET_MS,
        load_average=list(load),
        results=[
            {
                "start": result.label,
                "median_ready_ms": round(median(result.ready_ms), 3),
                "ready_samples_ms": rounded(result.ready_ms),
                "median_stop_ms": round(median(result.stop_ms), 3),
                "stop_samples_ms": rounded(result.stop_ms),
                "median_added_ready_ms": median_or_null(result.added_ready_ms),
                "median_added_stop_ms": median_or_null(result.added_stop_ms),
                "median_ready_ratio": median_or_null(result.ready_ratio),
                "median_stop_ratio": median_or_null(result.stop_ratio),
                "failures": result.failures,
                "meets_ready_target": None if result is results[0] else result.meets_ready,
                "meets_stop_target": None if result is results[0] else result.meets_stop,
            }
            for result in results
        ],
    )


def seed_layout(root: Path, others: int) -> None:
    """Lay the sample monorepo out as the team's (see the module docstring)."""
    examples = load_examples()
    address_api = next(e for e in examples if e.name == "address-api")
    # api stands in for address-api: its workflows, its run command (the direct start's), and
    # the variables its deploy sets, in .env.example as placeholders and in .env filled in.
    api = root / "projects" / "api"
    placeholders = address_api.rename(
        (SAMPLE / "projects" / "address-api" / ".env.example").read_text(), "api"
    )
    with (api / ".env.example").open("a") as stream:
        stream.write(placeholders)
    with (api / ".env").open("a") as stream:
        stream.write(dotenv_text(address_api, placeholders, "api"))
    write_workflows(root, "api", address_api)
    runs = {"api": address_api.run or ""}
    for name, example in project_names(others, examples):
        write_project(root, name, example)
        if example.run:
            runs[name] = example.run
    write_config(root, runs)


def write_setup_config(env: dict[str, str], clone: Path, micromamba: Path) -> None:
    """The user config `devkit setup` leaves on every developer's machine, which `devkit run`
    reads on each start."""
    config = UserConfig(
        clone=clone,
        repo_url="https://github.com/acme/monorepo.git",
        root_prefix=Path(env["MAMBA_ROOT_PREFIX"]),
        micromamba=micromamba,
    )
    save_user_config(config, Path(env["DEVKIT_HOME"]) / "config.yaml")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="timed rounds")
    parser.add_argument(
        "--warmups", type=non_negative_int, default=DEFAULT_WARMUPS, help="untimed rounds first"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--projects",
        type=non_negative_int,
        default=DEFAULT_PROJECTS,
        help="projects of the team's layout beside api (default: %(default)s)",
    )
    parser.add_argument(
        "--baseline",
        type=baseline_devkit,
        help="another devkit script (e.g. a checkout of main's) whose `run api` and "
        "`run api -p N` are timed in the same rounds",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    console = Console(stderr=True)
    with scratch_dir("run") as base:
        with console.status("building the test world…"):
            world = build_world(base / "world")
            env = isolated_env(base, world)
            precompile_devkit(env)
            if args.baseline is not None:
                precompile_devkit(env, args.baseline.parent / "python")
            repo = build_sample_monorepo(base / "monorepo")
            seed_layout(repo.root, args.projects)
            write_setup_config(env, repo.root, world.micromamba)
            prefix = Path(env["MAMBA_ROOT_PREFIX"]) / "envs" / "api"
            create_env(world, env, repo.env_file("api"), prefix)
        dotenv = {k: v for k, v in dotenv_values(repo.api / ".env").items() if v is not None}
        devkit = (str(devkit_exe()), "--root", str(repo.root), "run", "api")
        launches = [
            Launch(
                "micromamba run",
                (
                    *(str(world.micromamba), "run", "-r", env["MAMBA_ROOT_PREFIX"]),
                    *("-p", str(prefix), "uvicorn", "main:app", "--host", HOST, "--port", "{port}"),
                ),
                repo.api,
                {**env, **dotenv, "PYTHONUNBUFFERED": "1"},
                stop_group=True,
            ),
            Launch("devkit run api", devkit, base, env, stop_group=False),
            Launch(
                "… -p N --env-file F",
                (*devkit, "--port", "{port}", "--env-file", str(repo.api / ".env")),
                base,
                env,
                stop_group=False,
            ),
            Launch(
                "… -pN (typer)",
                (*devkit, "-p{port}"),
                base,
                env,
                stop_group=False,
            ),
        ]
        if args.baseline is not None:
            baseline = (str(args.baseline), *devkit[1:])
            # Its own copy of the config and its own cache: devkits of different code empty
            # each other's shelves of parses, and each would then parse again every round.
            home = Path(env["DEVKIT_HOME"])
            other = {**env, "DEVKIT_HOME": str(base / "baseline-home")}
            shutil.copytree(home, other["DEVKIT_HOME"], ignore=shutil.ignore_patterns("cache"))
            launches.append(Launch("baseline run api", baseline, base, other, stop_group=False))
            launches.append(
                Launch(
                    "baseline run api -p N",
                    (*baseline, "--port", "{port}"),
                    base,
                    other,
                    stop_group=False,
                )
            )
        with console.status("timing starts and stops…"):
            rounds = measure(launches, args.runs, args.warmups)
    direct = launches[0].label
    results = [paired(rounds, launch.label, direct) for launch in launches]
    load = (load_before, os.getloadavg()[0])
    if args.json:
        print(to_json(results, args.runs, args.warmups, load))
        return 0
    print_report(
        [render(results, args.runs)],
        [
            "200 ms: from the start to the first 200; stop: ms from SIGINT until every process "
            "of the service is gone; +ms and ×: against the direct start of the same round",
            "`devkit run api` and `… -p N --env-file F` take the fast path (typer is not "
            "imported); `… -pN` goes through the full CLI",
            *([f"baseline: {args.baseline}"] if args.baseline is not None else []),
            load_note(*load),
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
