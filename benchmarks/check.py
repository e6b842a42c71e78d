"""`devkit check`: its own cost per step, and `--list` against `devkit --help`.

Builds the test world (local channels, the micromamba stand-in) and a monorepo whose `svc`
project has an env with the recording tools, then times:

- `devkit --help` and `devkit check svc --list` (target: --list <= 2x --help);
- devkit's own overhead per step (target: <= 60 ms), two ways. End to end: `devkit check svc`
  over a workflow of N and 2N steps `run: 'true'`; the slope is what one step costs through
  devkit, less `micromamba run -p ENV bash -e SCRIPT` started directly (N times, same round).
  Paired: in this process, one step run by devkit's step runner, then the same command started
  directly, over and over; the median difference. The paired figure holds up on a loaded
  machine, where the end-to-end slope is noisy.

Prints figures, asserts nothing:

    .venv/bin/python benchmarks/check.py --runs 5 --steps 10
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

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
from rich.table import Table

from devkit.commands.check.results import EnvReady
from devkit.commands.check.steps import Output, ProjectRun
from devkit.conda import envbuild, envspec
from devkit.conda.micromamba import Micromamba
from devkit.repo.github import plan, workflows
from tests.check.conftest import write_svc
from tests.support.world import World, build_world

DEFAULT_RUNS = 5
DEFAULT_WARMUPS = 1
DEFAULT_STEPS = 10
TARGET_OVERHEAD_MS = 60.0
TARGET_LIST_RATIO = 2.0
JSON_SCHEMA_VERSION = 1


def steps_workflow(count: int) -> str:
    """A checks workflow for svc whose one job runs `true` `count` times."""
    steps = "".join(f"      - name: step {n}\n        run: 'true'\n" for n in range(count))
    return (
        "on:\n  push:\n    paths: ['projects/svc/**']\n"
        "defaults:\n  run:\n    working-directory: projects/svc\n"
        f"jobs:\n  bench:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    )


def timed(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Milliseconds one run takes; a failing run is an error (the figures would mean nothing)."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
    return ms_since(start)


def median_of(
    argv: Sequence[str], env: dict[str, str], runs: int, warmups: int, cwd: Path | None = None
) -> float:
    """The median of ``runs`` timed runs after ``warmups`` untimed ones."""
    samples = [timed(argv, env, cwd) for _ in range(warmups + runs)][warmups:]
    return statistics.median(samples)


def paired_overhead(
    root: Path, prefix: Path, env: dict[str, str], direct: list[str], pairs: int
) -> list[float]:
    """devkit's step runner on one `run: 'true'` step, then the same command started directly:
    the difference of each pair, in ms."""
    # The runner starts steps with a cleaned copy of this process's environment.
    os.environ.clear()
    os.environ.update(env)
    machine = plan.Machine("linux", "X64", root, None)
    flows = root / ".github" / "workflows" / "svc-checks.yml"
    flows.write_text(steps_workflow(1))
    found, _ = workflows.load_all(root)
    (one,) = [plan.plan_workflow(w, machine) for w in found if w.path == flows]
    micromamba = Micromamba(Path(direct[0]), Path(env["MAMBA_ROOT_PREFIX"]))
    ready = EnvReady("svc", prefix, True, "ok", "")
    svc = root / "projects" / "svc"
    differences: list[float] = []
    with Path(os.devnull).open("w") as sink, tempfile.TemporaryDirectory() as scripts:
        for _ in range(pairs + 1):
            output = Output(sink, stdout_fd=sink.fileno())
            runner = ProjectRun(root, "svc", ready, micromamba, output, Path(scripts))
            start = time.perf_counter()
            (result,) = runner.run([one])
            through_devkit = ms_since(start)
            assert result.status == "ok", result
            start = time.perf_counter()
            subprocess.run(direct, cwd=svc, stdout=sink, stderr=sink, check=True)
            differences.append(through_devkit - ms_since(start))
    return differences[1:]  # the first pair warms caches up


def prepare(base: Path, world: World) -> tuple[Path, dict[str, str], Path]:
    """The monorepo, the child environment, and the env's prefix (built, with devkit's record)."""
    env = isolated_env(base, world)
    # As installed, devkit runs from compiled bytecode; a shell that forbids writing it would
    # time the compiler, and more of it for `check --list` (more modules) than for `--help`.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    root = base / "monorepo"
    write_svc(root)
    prefix = Path(env["MAMBA_ROOT_PREFIX"]) / "envs" / "svc"
    env_file = root / "projects" / "svc" / "environment.yml"
    create_env(world, env, env_file, prefix)
    spec = envspec.parse(env_file)
    envbuild.write_fingerprint(prefix, spec, spec.fingerprint)
    return root, env, prefix


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS)
    parser.add_argument("--warmups", type=non_negative_int, default=DEFAULT_WARMUPS)
    parser.add_argument("--steps", type=positive_int, default=DEFAULT_STEPS)
    parser.add_argument("--json", action="store_true", help="print a JSON document instead")
    args = parser.parse_args(argv)
    devkit = str(devkit_exe())
    with scratch_dir("check") as base:
        world = build_world(base / "world")
        root, env, prefix = prepare(base, world)
        flows = root / ".github" / "workflows"
        check = [devkit, "--root", str(root), "check", "svc"]

        help_ms = median_of([devkit, "--help"], env, args.runs, args.warmups)
        list_ms = median_of([*check, "--list"], env, args.runs, args.warmups)
        ls_ms = median_of([devkit, "--root", str(root), "ls"], env, args.runs, args.warmups)

        script = base / "step.sh"
        script.write_text("true\n")
        direct = [str(world.micromamba), "run", "-r", env["MAMBA_ROOT_PREFIX"], "-p", str(prefix)]
        direct += ["bash", "-e", str(script)]
        svc = root / "projects" / "svc"
        small, large = steps_workflow(args.steps), steps_workflow(2 * args.steps)
        # Rounds alternate the three measures, so a change in the machine's load hits all alike;
        # each round gives its own slope and baseline, and the figures are their medians.
        slopes: list[float] = []
        directs: list[float] = []
        totals: dict[int, list[float]] = {args.steps: [], 2 * args.steps: []}
        for index in range(args.warmups + args.runs):
            (flows / "svc-checks.yml").write_text(small)
            n_ms = timed(check, env)
            (flows / "svc-checks.yml").write_text(large)
            two_n_ms = timed(check, env)
            direct_total = sum(timed(direct, env, cwd=svc) for _ in range(args.steps))
            if index < args.warmups:
                continue
            totals[args.steps].append(n_ms)
            totals[2 * args.steps].append(two_n_ms)
            slopes.append((two_n_ms - n_ms) / args.steps)
            directs.append(direct_total / args.steps)
        paired = paired_overhead(root, prefix, env, direct, args.runs * args.steps)
    per_count = {count: statistics.median(samples) for count, samples in totals.items()}
    through_devkit_ms = statistics.median(slopes)
    direct_ms = statistics.median(directs)
    rounds = [slope - baseline for slope, baseline in zip(slopes, directs, strict=True)]
    paired_ms = statistics.median(paired)
    overhead_ms = statistics.median(rounds)
    ratio = list_ms / help_ms
    if args.json:
        print(
            json_report(
                JSON_SCHEMA_VERSION,
                runs=args.runs,
                steps=args.steps,
                help_ms=help_ms,
                list_ms=list_ms,
                list_to_help=ratio,
                ls_ms=ls_ms,
                check_ms={str(k): v for k, v in per_count.items()},
                step_through_devkit_ms=through_devkit_ms,
                step_direct_ms=direct_ms,
                overhead_per_step_ms=overhead_ms,
                overhead_per_step_rounds_ms=rounds,
                overhead_per_step_paired_ms=paired_ms,
                paired_samples=len(paired),
            )
        )
        return 0
    table = Table("measure", "median", "target", title="devkit check")
    table.add_row("devkit --help", f"{help_ms:.0f} ms", "")
    table.add_row("devkit check svc --list", f"{list_ms:.0f} ms", "")
    table.add_row("  --list / --help", f"{ratio:.2f}x", f"<= {TARGET_LIST_RATIO:.0f}x")
    table.add_row("devkit ls (reference: reads the same monorepo)", f"{ls_ms:.0f} ms", "")
    for count, ms in per_count.items():
        table.add_row(f"devkit check svc, {count} steps", f"{ms:.0f} ms", "")
    table.add_row("one step through devkit (slope N -> 2N)", f"{through_devkit_ms:.1f} ms", "")
    table.add_row("one step by micromamba run directly", f"{direct_ms:.1f} ms", "")
    target = f"<= {TARGET_OVERHEAD_MS:.0f} ms"
    table.add_row("  devkit's overhead per step, end to end", f"{overhead_ms:.1f} ms", target)
    table.add_row(
        f"  devkit's overhead per step, {len(paired)} pairs", f"{paired_ms:.1f} ms", target
    )
    spread = ", ".join(f"{r:.0f}" for r in sorted(rounds))
    notes = [
        f"{args.runs} rounds after {args.warmups} warm-up(s), medians; overhead per round (ms): "
        f"{spread}."
    ]
    print_report([table], notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
