"""Time `devkit --version` and `devkit --help` against a bare interpreter; prints, asserts nothing.

Each round runs every command once, in a rotating order, and each command's ratio to
`python -c pass` is taken within its round (paired), so a machine busy with other work
slows both sides of a ratio alike. Run with the interpreter of the environment devkit is
installed in, e.g.

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

from harness import (
    baseline_devkit,
    load_note,
    ms_since,
    non_negative_int,
    positive_int,
    precompile_devkit,
    print_report,
)
from rich.table import Table

DEFAULT_RUNS = 15
DEFAULT_WARMUPS = 2
JSON_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Case:
    """One command to time, and the ratio to bare python it should stay under (None: baseline)."""

    label: str
    argv: tuple[str, ...]
    target_ratio: float | None


@dataclass(frozen=True)
class Timing:
    """The wall times of one case, in milliseconds, its ratio to the baseline in each round,
    and the exit code of its last run."""

    case: Case
    samples_ms: tuple[float, ...]
    ratios: tuple[float, ...]
    exit_code: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios)


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


def measure(cases: Sequence[Case], runs: int, warmups: int, env: dict[str, str]) -> list[Timing]:
    """Run every case once per round, the order rotating; the first case is the baseline."""
    samples: list[list[float]] = [[] for _ in cases]
    exit_codes = [0] * len(cases)
    for index in range(warmups + runs):
        shift = index % len(cases)
        for position in [*range(shift, len(cases)), *range(shift)]:
            elapsed_ms, exit_codes[position] = time_once(cases[position].argv, env)
            if index >= warmups:
                samples[position].append(elapsed_ms)
    baseline = samples[0]
    return [
        Timing(
            case=case,
            samples_ms=tuple(mine),
            ratios=tuple(m / b for m, b in zip(mine, baseline, strict=True)),
            exit_code=code,
        )
        for case, mine, code in zip(cases, samples, exit_codes, strict=True)
    ]


def meets(timing: Timing) -> bool | None:
    """Whether the case is under its target; None for the baseline itself."""
    if timing.case.target_ratio is None:
        return None
    return timing.exit_code == 0 and timing.median_ratio <= timing.case.target_ratio


def render_table(timings: Sequence[Timing], runs: int) -> Table:
    table = Table(title=f"devkit startup (medians of {runs} rounds; ratios paired by round)")
    table.add_column("command")
    table.add_column("median ms", justify="right")
    table.add_column("× python", justify="right")
    table.add_column("target", justify="right")
    table.add_column("meets", justify="center")
    for timing in timings:
        target = timing.case.target_ratio
        verdict = meets(timing)
        if verdict is None:
            verdict_text = "—"
        elif timing.exit_code != 0:
            verdict_text = f"no (exit {timing.exit_code})"
        else:
            verdict_text = "yes" if verdict else "no"
        table.add_row(
            timing.case.label,
            f"{timing.median_ms:.1f}",
            f"{timing.median_ratio:.2f}",
            "—" if target is None else f"≤ {target:g}x",
            verdict_text,
        )
    return table


def to_json(timings: Sequence[Timing], runs: int, warmups: int, load: tuple[float, float]) -> str:
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "python": sys.executable,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "runs": runs,
        "warmups": warmups,
        "load_average": list(load),
        "results": [
            {
                "command": timing.case.label,
                "argv": list(timing.case.argv),
                "median_ms": round(timing.median_ms, 3),
                "min_ms": round(min(timing.samples_ms), 3),
                "max_ms": round(max(timing.samples_ms), 3),
                "samples_ms": [round(sample, 3) for sample in timing.samples_ms],
                "ratio_to_python": round(timing.median_ratio, 3),
                "ratios_to_python": [round(r, 3) for r in timing.ratios],
                "target_ratio": timing.case.target_ratio,
                "meets_target": meets(timing),
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
    parser.add_argument(
        "--baseline",
        type=baseline_devkit,
        help="another devkit script (e.g. a checkout of main's) to time in the same rounds",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs: int = args.runs
    warmups: int = args.warmups
    devkit = devkit_argv()
    cases = [
        Case("python -c pass", (sys.executable, "-c", "pass"), None),
        # Issue 15's targets.
        Case("devkit --version", (*devkit, "--version"), 2.0),
        Case("devkit --help", (*devkit, "--help"), 6.0),
        # What --help could not go below while typer rendered it: the import alone. The
        # top-level help no longer imports typer (devkit/__main__.py); a command's help does.
        Case("python -c 'import typer'", (sys.executable, "-c", "import typer"), None),
    ]
    env = child_env()
    precompile_devkit(env)
    load_before = os.getloadavg()[0]
    baseline: Path | None = args.baseline
    if baseline is not None:
        precompile_devkit(env, baseline.parent / "python")
        cases += [
            Case("baseline --version", (str(baseline), "--version"), None),
            Case("baseline --help", (str(baseline), "--help"), None),
        ]
    timings = measure(cases, runs, warmups, env)
    load = (load_before, os.getloadavg()[0])
    if args.json:
        print(to_json(timings, runs, warmups, load))
    else:
        notes = [f"devkit: {' '.join(devkit)}"]
        if baseline is not None:
            notes.append(f"baseline: {baseline}")
        notes.append(load_note(*load))
        print_report([render_table(timings, runs)], notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
