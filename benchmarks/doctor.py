"""Time `devkit doctor --json` on 10, 100 and 1000 projects against `micromamba list` per env.

Builds the test world (local channels, the micromamba stand-in) in a temp dir, creates one real
env for the sample `api` project and copies its prefix once per generated project, so every
project has a current env (fingerprint written: no drift). Prints figures, asserts nothing:

    .venv/bin/python benchmarks/doctor.py --sizes 10,100,1000 --runs 3
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from harness import (
    create_env,
    devkit_exe,
    int_list,
    isolated_env,
    json_report,
    ms_since,
    non_negative_int,
    positive_int,
    print_report,
    scratch_dir,
    write_git_config,
)
from rich.console import Console
from rich.table import Table

from tests.support.monorepo import build_sample_monorepo, environment_yml
from tests.support.world import World, build_world

DEFAULT_SIZES = (10, 100, 1000)
DEFAULT_RUNS = 3
DEFAULT_WARMUPS = 1
DEFAULT_SAMPLE = 20
DEFAULT_TIMEOUT_S = 30.0
TARGET_MS_AT_100 = 1000.0
TARGET_SPEEDUP = 20.0
# Linear growth: the cost of each project added from 100 to 1000 stays within this factor of
# the cost of each project added from 10 to 100.
TARGET_SLOPE_RATIO = 1.5
JSON_SCHEMA_VERSION = 1
PROJECT_FILES = ("main.py", ".env.example", ".env")


@dataclass(frozen=True)
class SizeTiming:
    """Doctor's wall times on one generated monorepo, and what its last run reported."""

    projects: int
    samples_ms: tuple[float, ...]
    exit_code: int
    env_not_ok: int  # env.* results that are not "ok" (should be 0: no drift)
    timed_out: bool = False  # a run hit --timeout: no median, and larger sizes are not run

    @property
    def median_ms(self) -> float:
        if self.timed_out or not self.samples_ms:
            return float("inf")
        return statistics.median(self.samples_ms)

    @property
    def ms_per_project(self) -> float:
        return self.median_ms / self.projects


def write_fingerprint(prefix: Path, env_file: Path) -> None:
    """What `devkit/conda/envbuild.py` records after a build, so the env reads as current."""
    record = {
        "environment_file": str(env_file),
        "sha256": hashlib.sha256(env_file.read_bytes()).hexdigest(),
    }
    (prefix / "conda-meta" / "devkit-source").write_text(json.dumps(record), encoding="utf-8")


def project_name(index: int) -> str:
    return f"svc{index:04d}"


def generate_monorepo(
    dest: Path, count: int, template: Path, root_prefix: Path, env: dict[str, str]
) -> None:
    """`count` copies of the api project, each naming its own env, plus that env; committed."""
    data = yaml.safe_load((template / "environment.yml").read_text())
    projects = dest / "projects"
    projects.mkdir(parents=True)
    (dest / ".gitignore").write_text(".env\n__pycache__/\n")
    template_prefix = root_prefix / "envs" / "api"
    for index in range(1, count + 1):
        name = project_name(index)
        folder = projects / name
        folder.mkdir()
        for file_name in PROJECT_FILES:
            shutil.copyfile(template / file_name, folder / file_name)
        env_file = folder / "environment.yml"
        env_file.write_text(environment_yml(name, data["dependencies"], data["channels"]))
        prefix = root_prefix / "envs" / name
        if not prefix.exists():
            shutil.copytree(template_prefix, prefix, symlinks=True)
        # Envs are shared across sizes; the fingerprint names this monorepo's file.
        write_fingerprint(prefix, env_file)
    for git_args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "gen")):
        subprocess.run(["git", *git_args], cwd=dest, env=env, check=True, capture_output=True)


def time_doctor(
    argv: Sequence[str], env: dict[str, str], timeout: float
) -> tuple[float, int, int] | None:
    """One doctor run: wall ms, exit code, env.* results that are not ok; None on timeout."""
    start = time.perf_counter()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    elapsed_ms = ms_since(start)
    try:
        results = json.loads(done.stdout)["results"]
        not_ok = sum(1 for r in results if r["id"].startswith("env.") and r["status"] != "ok")
    except (ValueError, KeyError, TypeError):
        not_ok = -1
    return elapsed_ms, done.returncode, not_ok


def measure_doctor(
    repo: Path,
    count: int,
    args: argparse.Namespace,
    env: dict[str, str],
    extra: Sequence[str],
) -> SizeTiming:
    argv = [str(devkit_exe()), "--root", str(repo), "doctor", "--json", *extra]
    samples: list[float] = []
    exit_code, not_ok = 0, 0
    for index in range(args.warmups + args.runs):
        measured = time_doctor(argv, env, args.timeout)
        if measured is None:
            return SizeTiming(count, tuple(samples), exit_code, not_ok, timed_out=True)
        if index >= args.warmups:
            elapsed_ms, exit_code, not_ok = measured
            samples.append(elapsed_ms)
    return SizeTiming(count, tuple(samples), exit_code, not_ok)


def measure_list(world: World, env: dict[str, str], prefixes: Sequence[Path]) -> list[float]:
    """Wall ms of `micromamba list -p PREFIX --json -r ROOT`, once per prefix (after one warmup)."""
    root = env["MAMBA_ROOT_PREFIX"]
    samples: list[float] = []
    for index, prefix in enumerate([prefixes[0], *prefixes]):
        argv = [str(world.micromamba), "list", "-p", str(prefix), "--json", "-r", root]
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        if index:
            samples.append(ms_since(start))
    return samples


def doctor_extra_flags(env: dict[str, str]) -> list[str]:
    """`--no-drift` when this devkit has it: the drift checks may solve for other platforms."""
    help_text = subprocess.run(
        [str(devkit_exe()), "doctor", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return ["--no-drift"] if "--no-drift" in help_text else []


@dataclass(frozen=True)
class Verdict:
    """One target: what it says, the figure measured, whether it is met (None: not measured)."""

    target: str
    figure: str
    meets: bool | None


def slope(a: SizeTiming, b: SizeTiming) -> float:
    """Milliseconds per project added between two sizes."""
    return (b.median_ms - a.median_ms) / (b.projects - a.projects)


def median_text(timing: SizeTiming, timeout: float) -> str:
    return f"> {timeout:g} s (timed out)" if timing.timed_out else f"{timing.median_ms:.0f} ms"


def verdicts(timings: Sequence[SizeTiming], list_ms: float, timeout: float) -> list[Verdict]:
    by_size = {t.projects: t for t in timings}
    found: list[Verdict] = []
    at_100 = by_size.get(100)
    found.append(
        Verdict(
            f"100 projects under {TARGET_MS_AT_100:.0f} ms",
            median_text(at_100, timeout) if at_100 else "not measured",
            at_100.median_ms < TARGET_MS_AT_100 and at_100.exit_code == 0 if at_100 else None,
        )
    )
    small, mid, large = by_size.get(10), by_size.get(100), by_size.get(1000)
    if small and mid and large and (mid.timed_out or large.timed_out):
        found.append(Verdict("growth linear", "a size timed out", False))
    elif small and mid and large:
        low, high = slope(small, mid), slope(mid, large)
        ratio = high / low if low > 0 else float("inf")
        found.append(
            Verdict(
                f"growth linear: ms/added project 100→1000 ≤ {TARGET_SLOPE_RATIO:g}× 10→100",
                f"{high:.2f} vs {low:.2f} ms ({ratio:.2f}×)",
                ratio <= TARGET_SLOPE_RATIO,
            )
        )
    else:
        found.append(Verdict("growth linear", "needs sizes 10, 100 and 1000", None))
    if mid and large and not (mid.timed_out or large.timed_out):
        found.append(
            Verdict(
                "growth factor 100→1000 (10 = proportional)",
                f"{large.median_ms / mid.median_ms:.2f}×",
                None,
            )
        )
    for timing in timings:
        label = f"≥ {TARGET_SPEEDUP:g}× faster than `micromamba list` per env, N={timing.projects}"
        if timing.timed_out:
            # Only a bound is known: the speed-up is below what the timeout would give.
            bound = list_ms * timing.projects / (timeout * 1000.0)
            found.append(
                Verdict(label, f"< {bound:.1f}×", False if bound < TARGET_SPEEDUP else None)
            )
            continue
        speedup = list_ms * timing.projects / timing.median_ms
        found.append(Verdict(label, f"{speedup:.1f}×", speedup >= TARGET_SPEEDUP))
    return found


def verdict_text(meets: bool | None) -> str:
    return "—" if meets is None else ("yes" if meets else "no")


def render(
    timings: Sequence[SizeTiming], list_ms: float, sample: int, runs: int, timeout: float
) -> tuple[Table, Table]:
    sizes = Table(title=f"devkit doctor --json (median of {runs} runs)")
    for column in ("N", "median ms", "range ms", "ms/proj", "exit", "env !ok", "mm list×N", "×"):
        sizes.add_column(column, justify="right")
    for t in timings:
        estimate = list_ms * t.projects
        if t.timed_out:
            timed_out = f"> {timeout * 1000:.0f}"
            sizes.add_row(str(t.projects), timed_out, "timed out", "—", "—", "—", f"{estimate:.0f}")
            continue
        sizes.add_row(
            str(t.projects),
            f"{t.median_ms:.0f}",
            f"{min(t.samples_ms):.0f}–{max(t.samples_ms):.0f}",
            f"{t.ms_per_project:.2f}",
            str(t.exit_code),
            str(t.env_not_ok),
            f"{estimate:.0f}",
            f"{estimate / t.median_ms:.1f}",
        )
    targets = Table(
        title=f"targets (micromamba list: median {list_ms:.1f} ms/env over {sample} envs)"
    )
    targets.add_column("target")
    targets.add_column("figure", justify="right")
    targets.add_column("meets", justify="center")
    for v in verdicts(timings, list_ms, timeout):
        targets.add_row(v.target, v.figure, verdict_text(v.meets))
    return sizes, targets


def to_json(
    timings: Sequence[SizeTiming], list_samples: Sequence[float], args: argparse.Namespace
) -> str:
    list_ms = statistics.median(list_samples)

    def figure(value: float) -> float | None:
        return round(value, 4) if value != float("inf") else None  # timed out: no figure

    return json_report(
        JSON_SCHEMA_VERSION,
        runs=args.runs,
        warmups=args.warmups,
        timeout_s=args.timeout,
        micromamba_list={
            "median_ms": round(list_ms, 3),
            "samples_ms": [round(s, 3) for s in list_samples],
        },
        sizes=[
            {
                "projects": t.projects,
                "timed_out": t.timed_out,
                "median_ms": figure(t.median_ms),
                "samples_ms": [round(s, 3) for s in t.samples_ms],
                "ms_per_project": figure(t.ms_per_project),
                "exit_code": t.exit_code,
                "env_results_not_ok": t.env_not_ok,
                "micromamba_list_estimate_ms": round(list_ms * t.projects, 3),
                "speedup": None if t.timed_out else round(list_ms * t.projects / t.median_ms, 3),
            }
            for t in timings
        ],
        targets=[
            {"target": v.target, "figure": v.figure, "meets": v.meets}
            for v in verdicts(timings, list_ms, args.timeout)
        ],
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=int_list("sizes"),
        default=DEFAULT_SIZES,
        help="projects per monorepo, e.g. 10,100",
    )
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS, help="timed runs/size")
    parser.add_argument(
        "--warmups", type=non_negative_int, default=DEFAULT_WARMUPS, help="untimed runs per size"
    )
    parser.add_argument(
        "--sample",
        type=positive_int,
        default=DEFAULT_SAMPLE,
        help="envs to time `micromamba list` on (extrapolated to N)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds one doctor run may take; a size that exceeds it ends the sizes",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes: tuple[int, ...] = args.sizes
    console = Console(stderr=True)
    with scratch_dir("doctor") as base:
        with console.status("building the test world…"):
            world = build_world(base / "world")
            env = isolated_env(base, world, write_git_config(base / "gitconfig"))
            template = build_sample_monorepo(base / "sample")
            root_prefix = Path(env["MAMBA_ROOT_PREFIX"])
            create_env(world, env, template.env_file("api"), root_prefix / "envs" / "api")
        extra = doctor_extra_flags(env)
        timings: list[SizeTiming] = []
        for count in sizes:
            with console.status(f"{count} projects: generating…"):
                repo = base / f"repo-{count}"
                generate_monorepo(repo, count, template.api, root_prefix, env)
            with console.status(f"{count} projects: timing devkit doctor…"):
                timings.append(measure_doctor(repo, count, args, env, extra))
            if timings[-1].timed_out:
                break  # a larger monorepo would only take longer
        generated = timings[-1].projects
        picked = min(args.sample, generated)
        step = generated / picked
        prefixes = [root_prefix / "envs" / project_name(int(i * step) + 1) for i in range(picked)]
        with console.status("timing micromamba list…"):
            list_samples = measure_list(world, env, prefixes)
    list_ms = statistics.median(list_samples)
    if args.json:
        print(to_json(timings, list_samples, args))
        return 0
    notes: list[str] = []
    skipped = [str(n) for n in sizes if n > timings[-1].projects]
    if skipped:
        notes.append(f"not run (a smaller size timed out): N={', '.join(skipped)}")
    flags = " ".join(extra) or "(no --no-drift flag in this devkit)"
    notes.append(f"devkit: {devkit_exe()} doctor --json {flags}")
    notes.append(
        f"micromamba list: the test-world stand-in ({world.micromamba_version}), a Python script"
    )
    print_report(render(timings, list_ms, len(list_samples), args.runs, args.timeout), notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
