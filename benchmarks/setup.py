"""Time `devkit setup --all --jobs J` on N projects, and install.sh through pip and through uv.

Builds the test world (local channels, the micromamba stand-in on PATH, so no download), a
monorepo of N api-like projects pushed to a bare git origin, then for each J sets up from a clean
root prefix and DEVKIT_HOME, and re-runs setup (nothing left to do). Separately times the same N
`micromamba create` calls one after another; devkit's overhead is the difference at J=1. Every
create shares one warm package cache.

Then times `install.sh --no-setup` with pip and with uv (the test extra's), each from a new home
and again, against package indexes on 127.0.0.1 holding devkit's wheel and its dependencies
(fetched once through the machine's pip; see install_timing.py). Prints figures, asserts nothing:

    .venv/bin/python benchmarks/setup.py --projects 8 --jobs 1,2,4 --runs 3 --install-runs 3
    .venv/bin/python benchmarks/setup.py --only install
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import install_timing
from harness import (
    create_env,
    devkit_exe,
    home_env,
    int_list,
    isolated_env,
    json_report,
    ms_since,
    positive_int,
    print_report,
    scratch_dir,
    write_git_config,
)
from rich.console import Console
from rich.table import Table

from tests.support.channel import (
    DOTENV_VERSION,
    FASTAPI_VERSION,
    PYTHON_RUNNING_MINOR,
    UVICORN_VERSION,
)
from tests.support.monorepo import API_MAIN, add_project
from tests.support.world import World, build_world

DEFAULT_PROJECTS = 8
DEFAULT_JOBS = (1, 2, 4)
DEFAULT_RUNS = 3
DEFAULT_INSTALL_RUNS = 3
API_DEPENDENCIES = (
    f"python={PYTHON_RUNNING_MINOR}",
    f"fastapi={FASTAPI_VERSION}",
    f"uvicorn={UVICORN_VERSION}",
    f"python-dotenv={DOTENV_VERSION}",
)
# Setup clones from a bare file:// origin: its default branch, and git's file transport allowed.
GIT_CONFIG_EXTRA = '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
# 2: install.sh's timings (`install_sh`); the setup fields are absent with --only install.
JSON_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class JobsTiming:
    """Setup and no-op re-run wall times at one --jobs value, and the worst exit codes."""

    jobs: int
    setup_ms: tuple[float, ...]
    rerun_ms: tuple[float, ...]
    exit_code: int
    rerun_exit_code: int
    envs_built: int  # the fewest envs with a devkit fingerprint after any one setup run

    @property
    def median_ms(self) -> float:
        return statistics.median(self.setup_ms)

    @property
    def median_rerun_ms(self) -> float:
        return statistics.median(self.rerun_ms)


def git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def make_origin(base: Path, count: int, env: dict[str, str]) -> tuple[str, list[Path]]:
    """N api-like projects committed and pushed to a bare repo: (its file:// URL, env files)."""
    source = base / "source"
    source.mkdir()
    (source / "README.md").write_text("# Generated monorepo\n")
    (source / ".gitignore").write_text(".env\n__pycache__/\n")
    env_files = []
    for index in range(1, count + 1):
        folder = add_project(
            source, f"svc{index:02d}", dependencies=API_DEPENDENCIES, files={"main.py": API_MAIN}
        )
        env_files.append(folder / "environment.yml")
    git(source, env, "init", "-q", "-b", "main")
    git(source, env, "add", "-A")
    git(source, env, "commit", "-q", "-m", "Generated monorepo")
    bare = base / "origin.git"
    git(base, env, "init", "-q", "--bare", "-b", "main", bare.name)
    git(source, env, "push", "-q", str(bare), "main")
    return bare.as_uri(), env_files


def fresh_env(run_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """`env` with its own empty home, DEVKIT_HOME and root prefix under `run_dir`."""
    return {**env, **home_env(run_dir)}


def timed(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    """Wall ms, exit code and the end of stderr of one command."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    return ms_since(start), done.returncode, done.stderr[-2000:]


def micromamba_sequential(
    world: World, env: dict[str, str], env_files: Sequence[Path], run_dir: Path
) -> float:
    """Wall ms of the N `micromamba create` calls devkit makes, one after another."""
    env = fresh_env(run_dir, env)
    root = env["MAMBA_ROOT_PREFIX"]
    start = time.perf_counter()
    for env_file in env_files:
        prefix = Path(root) / "envs" / env_file.parent.name
        create_env(world, env, env_file, prefix, cwd=env_file.parent)
    return ms_since(start)


@dataclass(frozen=True)
class SetupRun:
    """One `devkit setup` and its re-run from a clean root prefix."""

    setup_ms: float
    rerun_ms: float
    exit_code: int
    rerun_exit_code: int
    envs_built: int


def setup_once(
    url: str, jobs: int, env: dict[str, str], run_dir: Path, console: Console
) -> SetupRun:
    """Set up into a fresh home, DEVKIT_HOME and root prefix, then set up again (a no-op)."""
    run_env = fresh_env(run_dir, env)
    argv = [str(devkit_exe()), "setup", "--repo", url, "--dir", str(run_dir / "clone")]
    argv += ["--all", "--yes", "--no-shell-init", "--jobs", str(jobs)]
    elapsed, code, stderr = timed(argv, run_env, run_dir)
    again, rerun_code, rerun_stderr = timed(argv, run_env, run_dir)
    envs_dir = Path(run_env["MAMBA_ROOT_PREFIX"]) / "envs"
    built = len(list(envs_dir.glob("*/conda-meta/devkit-source")))
    for label, exit_code, text in (("setup", code, stderr), ("re-run", rerun_code, rerun_stderr)):
        if exit_code != 0:
            console.print(f"{label} --jobs {jobs} exited {exit_code}:\n{text}", markup=False)
    shutil.rmtree(run_dir, ignore_errors=True)
    return SetupRun(elapsed, again, code, rerun_code, built)


def summarise(jobs: int, runs: Sequence[SetupRun]) -> JobsTiming:
    return JobsTiming(
        jobs,
        tuple(r.setup_ms for r in runs),
        tuple(r.rerun_ms for r in runs),
        max(r.exit_code for r in runs),
        max(r.rerun_exit_code for r in runs),
        min(r.envs_built for r in runs),
    )


def render(
    timings: Sequence[JobsTiming], mm_ms: float, projects: int, runs: int
) -> tuple[Table, Table]:
    baseline = timings[0]
    table = Table(title=f"devkit setup --all, {projects} projects (median of {runs} runs)")
    for column in ("jobs", "setup ms", "range ms", "speed-up", "re-run ms", "exit", "envs"):
        table.add_column(column, justify="right")
    for t in timings:
        table.add_row(
            str(t.jobs),
            f"{t.median_ms:.0f}",
            f"{min(t.setup_ms):.0f}–{max(t.setup_ms):.0f}",
            f"{baseline.median_ms / t.median_ms:.2f}×",
            f"{t.median_rerun_ms:.0f}",
            f"{t.exit_code}/{t.rerun_exit_code}",
            f"{t.envs_built}/{projects}",
        )
    overhead_ms = baseline.median_ms - mm_ms
    figures = Table(title="devkit's own overhead (no threshold in the issue: figures only)")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    figures.add_column("meets", justify="center")
    figures.add_row(
        f"micromamba create × {projects}, sequential",
        f"{mm_ms:.0f} ms ({mm_ms / projects:.0f}/env)",
        "—",
    )
    figures.add_row(
        f"devkit overhead at jobs={baseline.jobs} (setup − micromamba)",
        f"{overhead_ms:.0f} ms ({overhead_ms / projects:.0f}/env)",
        "—",
    )
    figures.add_row("re-run (nothing to do)", f"{baseline.median_rerun_ms:.0f} ms", "—")
    return table, figures


def setup_json(
    timings: Sequence[JobsTiming], mm_samples: Sequence[float], projects: int, runs: int
) -> dict[str, object]:
    baseline = timings[0]
    mm_ms = statistics.median(mm_samples)
    return dict(
        projects=projects,
        runs=runs,
        micromamba_sequential={
            "median_ms": round(mm_ms, 3),
            "samples_ms": [round(s, 3) for s in mm_samples],
        },
        devkit_overhead_ms=round(baseline.median_ms - mm_ms, 3),
        devkit_overhead_jobs=baseline.jobs,
        jobs=[
            {
                "jobs": t.jobs,
                "median_ms": round(t.median_ms, 3),
                "samples_ms": [round(s, 3) for s in t.setup_ms],
                "speedup": round(baseline.median_ms / t.median_ms, 3),
                "rerun_median_ms": round(t.median_rerun_ms, 3),
                "rerun_samples_ms": [round(s, 3) for s in t.rerun_ms],
                "exit_code": t.exit_code,
                "rerun_exit_code": t.rerun_exit_code,
                "envs_built": t.envs_built,
            }
            for t in timings
        ],
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--projects", type=positive_int, default=DEFAULT_PROJECTS, help="projects (envs) to set up"
    )
    parser.add_argument(
        "--jobs",
        type=int_list("jobs", most=16),
        default=DEFAULT_JOBS,
        help="--jobs values, e.g. 1,2,4",
    )
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="timed runs each")
    parser.add_argument(
        "--install-runs",
        type=positive_int,
        default=DEFAULT_INSTALL_RUNS,
        help="timed install.sh runs per installer",
    )
    parser.add_argument(
        "--only", choices=("setup", "install"), help="time devkit setup or install.sh alone"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class SetupFigures:
    """The setup part's results: per --jobs timings and the sequential micromamba baseline."""

    timings: list[JobsTiming]
    mm_samples: list[float]


def bench_setup(args: argparse.Namespace, base: Path, console: Console) -> SetupFigures:
    projects: int = args.projects
    with console.status("building the test world…"):
        world = build_world(base / "world")
        git_config = write_git_config(base / "gitconfig", GIT_CONFIG_EXTRA)
        env = isolated_env(base, world, git_config)
        url, env_files = make_origin(base, projects, env)
        # Warm the shared package cache, so no measured create pays for extraction.
        micromamba_sequential(world, env, env_files[:1], base / "warm")
    mm_samples: list[float] = []
    by_jobs: dict[int, list[SetupRun]] = {jobs: [] for jobs in args.jobs}
    # Round by round, so a change in the machine's load hits the baseline and each J alike.
    for run in range(args.runs):
        with console.status(f"round {run + 1}/{args.runs}: {projects} × micromamba create…"):
            mm_dir = base / f"mm{run}"
            mm_samples.append(micromamba_sequential(world, env, env_files, mm_dir))
            shutil.rmtree(mm_dir, ignore_errors=True)
        for jobs in args.jobs:
            with console.status(f"round {run + 1}/{args.runs}: devkit setup --jobs {jobs}…"):
                run_dir = base / f"jobs{jobs}-run{run}"
                by_jobs[jobs].append(setup_once(url, jobs, env, run_dir, console))
    return SetupFigures([summarise(jobs, runs) for jobs, runs in by_jobs.items()], mm_samples)


def bench_install(
    args: argparse.Namespace, base: Path, console: Console
) -> list[install_timing.InstallTiming]:
    with console.status("building package indexes (devkit and its dependencies)…"):
        indexes = install_timing.build_indexes(base / "indexes")
        world = build_world(base / "install-world")  # isolated_env wants its condarc
        env = isolated_env(base / "install-env", world)
    with console.status(f"install.sh × {args.install_runs} per installer…"):
        timings, failures = install_timing.time_installs(
            env, indexes, args.install_runs, base / "installs"
        )
    for failure in failures:
        console.print(failure, markup=False)
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    with scratch_dir("setup") as base:
        setup = None if args.only == "install" else bench_setup(args, base, console)
        installs = [] if args.only == "setup" else bench_install(args, base, console)
    if args.json:
        fields: dict[str, object] = {}
        if setup is not None:
            fields |= setup_json(setup.timings, setup.mm_samples, args.projects, args.runs)
        if installs:
            fields["install_sh"] = install_timing.to_json(installs)
        print(json_report(JSON_SCHEMA_VERSION, **fields))
        return 0
    tables: list[Table] = []
    notes: list[str] = []
    if setup is not None:
        timings = setup.timings
        tables += render(timings, statistics.median(setup.mm_samples), args.projects, args.runs)
        notes.append(
            f"speed-up: setup ms at jobs={timings[0].jobs} / setup ms at jobs=J; "
            f"this machine has {os.cpu_count()} CPUs, so jobs beyond that cannot help much; "
            "exit: setup/re-run; envs: envs with a devkit fingerprint after setup"
        )
    if installs:
        tables.append(install_timing.render(installs, args.install_runs))
        notes.append(
            "install.sh: cold = a new home (no venv, empty pip/uv caches); re-run = the same "
            "again; vs pip: pip's cold ms / this installer's"
        )
    print_report(tables, notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
