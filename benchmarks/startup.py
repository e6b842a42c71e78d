"""Time `devkit --version` and `devkit --help` against a bare interpreter; prints, asserts nothing.

Run with the interpreter of the environment devkit is installed in, e.g.

    NO_COLOR=1 .venv/bin/python benchmarks/startup.py --runs 15
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import ms_since, non_negative_int, positive_int, print_report
from rich.table import Table

DEFAULT_RUNS = 15
DEFAULT_WARMUPS = 2
JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Case:
    """One command to time, and the ratio to bare python it should stay under (None: baseline)."""

    label: str
    argv: tuple[str, ...]
    target_ratio: float | None


@dataclass(frozen=True)
class Timing:
    """The wall times of one case, in milliseconds, and the exit code of its last run."""

    case: Case
    samples_ms: tuple[float, ...]
    exit_code: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)


def devkit_argv() -> tuple[str, ...]:
    """The devkit console script next to this interpreter, else `python -m devkit`."""
    bin_dir = Path(sys.executable).parent
    for name in ("devkit", "devkit.exe"):
        script = bin_dir / name
        if script.is_file():
            return (str(script),)
    return (sys.executable, "-m", "devkit")


def child_env() -> dict[str, str]:
    """A copy of this environment with colour off, so rich does the same work every run."""
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    return env


def time_once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    completed = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
    )
    return ms_since(start), completed.returncode


def measure(case: Case, runs: int, warmups: int, env: dict[str, str]) -> Timing:
    for _ in range(warmups):
        time_once(case.argv, env)
    samples: list[float] = []
    exit_code = 0
    for _ in range(runs):
        elapsed_ms, exit_code = time_once(case.argv, env)
        samples.append(elapsed_ms)
    return Timing(case=case, samples_ms=tuple(samples), exit_code=exit_code)


def ratio(timing: Timing, baseline: Timing) -> float:
    return timing.median_ms / baseline.median_ms if baseline.median_ms > 0 else float("inf")


def meets(timing: Timing, baseline: Timing) -> bool | None:
    """Whether the case is under its target; None for the baseline itself."""
    if timing.case.target_ratio is None:
        return None
    return timing.exit_code == 0 and ratio(timing, baseline) <= timing.case.target_ratio


def render_table(timings: Sequence[Timing], baseline: Timing, runs: int) -> Table:
    table = Table(title=f"devkit startup (median of {runs} runs)")
    table.add_column("command")
    table.add_column("median ms", justify="right")
    table.add_column("× python", justify="right")
    table.add_column("target", justify="right")
    table.add_column("meets", justify="center")
    for timing in timings:
        target = timing.case.target_ratio
        verdict = meets(timing, baseline)
        if verdict is None:
            verdict_text = "—"
        elif timing.exit_code != 0:
            verdict_text = f"no (exit {timing.exit_code})"
        else:
            verdict_text = "yes" if verdict else "no"
        table.add_row(
            timing.case.label,
            f"{timing.median_ms:.1f}",
            f"{ratio(timing, baseline):.2f}",
            "—" if target is None else f"≤ {target:g}x",
            verdict_text,
        )
    return table


def to_json(timings: Sequence[Timing], baseline: Timing, runs: int, warmups: int) -> str:
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "python": sys.executable,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "runs": runs,
        "warmups": warmups,
        "results": [
            {
                "command": timing.case.label,
                "argv": list(timing.case.argv),
                "median_ms": round(timing.median_ms, 3),
                "min_ms": round(min(timing.samples_ms), 3),
                "max_ms": round(max(timing.samples_ms), 3),
                "samples_ms": [round(sample, 3) for sample in timing.samples_ms],
                "ratio_to_python": round(ratio(timing, baseline), 3),
                "target_ratio": timing.case.target_ratio,
                "meets_target": meets(timing, baseline),
                "exit_code": timing.exit_code,
            }
            for timing in timings
        ],
    }
    return json.dumps(document, indent=2)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--runs", type=positive_int, default=DEFAULT_RUNS, help="timed runs per command"
    )
    parser.add_argument(
        "--warmups",
        type=non_negative_int,
        default=DEFAULT_WARMUPS,
        help="untimed runs per command first, to warm the OS file cache",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs: int = args.runs
    warmups: int = args.warmups
    devkit = devkit_argv()
    cases = (
        Case("python -c pass", (sys.executable, "-c", "pass"), None),
        Case("devkit --version", (*devkit, "--version"), 3.0),
        Case("devkit --help", (*devkit, "--help"), 10.0),
    )
    env = child_env()
    timings = [measure(case, runs, warmups, env) for case in cases]
    baseline = timings[0]
    if args.json:
        print(to_json(timings, baseline, runs, warmups))
    else:
        print_report([render_table(timings, baseline, runs)], [f"devkit: {' '.join(devkit)}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
