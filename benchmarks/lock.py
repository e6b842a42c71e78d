"""Time `devkit lock --update PKG` against a plain `devkit lock`, and `devkit lock --diff` of two
300-package locks.

Prints figures and asserts nothing. Run from the repository root with devkit's interpreter:

    NO_COLOR=1 .venv/bin/python benchmarks/lock.py --runs 5

- update: the seed's environment.yml (benchmarks/drift.py's data and seed-shaped channels,
  served on 127.0.0.1) locked for three platforms; then, alternating run by run, a plain
  `devkit lock seed` and `devkit lock seed --update numpy` (every other package held at its
  locked version), both `--no-pip` (the seed's pip lines need PyPI; pip's share would be the
  same in both). Target: the update within 1.2x of the plain lock.
- diff: two generated locks of 300 packages on each of three platforms (a third of them
  changed between the two), the old one committed to git and the new one in the working tree.
  In process: both read (devkit's line reader), compared and rendered as Markdown, wall and CPU
  time; end to end: `devkit lock big --diff HEAD`. Target: under 0.3 s in process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import drift as drift_bench  # noqa: E402 - the sibling script's channels and seed file
from harness import devkit_exe, home_env, write_git_config  # noqa: E402

PLATFORMS = ("linux-64", "osx-64", "osx-arm64")


def child_env(base: Path, condarc: Path) -> dict[str, str]:
    """An environment for devkit children: its own home, caches and condarc, no user pip/conda."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONDA_", "MAMBA_", "DEVKIT_", "PIP_", "GIT_"))
        and k not in ("CONDARC", "MAMBARC", "VIRTUAL_ENV")
    }
    env.update(home_env(base))
    git_config = write_git_config(base / "gitconfig", "[init]\n\tdefaultBranch = main\n")
    env.update(
        {
            "CONDARC": str(condarc),
            "GIT_CONFIG_GLOBAL": str(git_config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "NO_COLOR": "1",
            "PIP_CONFIG_FILE": os.devnull,  # no machine pip configuration either
        }
    )
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Run a command to completion; its wall time in ms (it must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def bench_update(work: Path, runs: int, channel_dir: Path | None) -> dict[str, float]:
    channels = channel_dir or work / "channels"
    if channel_dir is None:
        subprocess.run(
            [sys.executable, str(Path(drift_bench.__file__)), "--build-channel", str(work)],
            check=True,
        )
    root = work / "monorepo"
    (root / "projects" / "seed").mkdir(parents=True)
    (root / "projects" / "seed" / "environment.yml").write_text(drift_bench.SEED_ENV)
    with drift_bench.serve(channels) as base_url:
        condarc = work / "condarc.yml"
        condarc.write_text(
            f"channel_alias: {base_url}\ndefault_channels:\n  - {base_url}/anaconda\n"
        )
        env = child_env(work / "isolated", condarc)
        # --no-pip: the seed's pip section needs PyPI, and pip's share is the same in both.
        devkit = [str(devkit_exe()), "--root", str(root), "lock", "seed", "--no-pip"]
        run(devkit, env)  # the first lock, and a warm repodata cache for both cases
        plain: list[float] = []
        update: list[float] = []
        for index in range(runs):
            pair = [(plain, devkit), (update, [*devkit, "--update", "numpy"])]
            for times, argv in pair if index % 2 == 0 else pair[::-1]:
                times.append(run(argv, env))
    return {"plain_ms": statistics.median(plain), "update_ms": statistics.median(update)}


def write_lock(path: Path, count: int, seed: int) -> None:
    """A conda-lock v1 file of ``count`` packages per platform, as devkit writes it."""
    import yaml

    packages = []
    for platform in PLATFORMS:
        for index in range(count):
            name = f"pkg{index:03d}"
            version = f"1.{index % 7}.{seed if index % 3 == 0 else 0}"
            build = f"py311h{index:04x}_0"
            packages.append(
                {
                    "name": name,
                    "version": version,
                    "build": build,
                    "manager": "conda",
                    "platform": platform,
                    "dependencies": {f"pkg{(index + 1) % count:03d}": ">=1.0", "python": ">=3.11"},
                    "url": f"https://conda.anaconda.org/conda-forge/{platform}/"
                    f"{name}-{version}-{build}.conda",
                    "hash": {
                        "md5": hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
                        "sha256": hashlib.sha256(f"{name}{version}".encode()).hexdigest(),
                    },
                    "category": "main",
                    "optional": False,
                }
            )
    document = {
        "version": 1,
        "metadata": {
            "content_hash": dict.fromkeys(PLATFORMS, "x"),
            "channels": [{"url": "https://conda.anaconda.org/conda-forge", "used_env_vars": []}],
            "platforms": list(PLATFORMS),
            "sources": ["environment.yml"],
        },
        "package": packages,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False))


IN_PROCESS = """
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
from pathlib import Path
from devkit.drift import lockdiff
from devkit.drift.lockdiff_render import DiffReport, markdown
old, new = Path(sys.argv[1]), Path(sys.argv[2])
a = lockdiff.read_sections(old.read_text(), old)
b = lockdiff.read_sections(new.read_text(), new)
diff = lockdiff.compare(a, b)
text = markdown([DiffReport("big", "projects/big/conda-lock.yml", "HEAD", "0" * 40, diff)])
print(json.dumps({"wall_ms": (time.perf_counter() - start) * 1000,
                  "cpu_ms": (time.process_time() - cpu) * 1000,
                  "changes": sum(len(c) for c in diff.changes.values())}))
"""


def bench_diff(work: Path, runs: int) -> dict[str, float]:
    root = work / "diffrepo"
    folder = root / "projects" / "big"
    folder.mkdir(parents=True)
    (folder / "environment.yml").write_text("name: big\ndependencies:\n  - pkg000\n")
    lock = folder / "conda-lock.yml"
    write_lock(lock, 300, 1)
    old = work / "old-conda-lock.yml"
    shutil.copy(lock, old)
    env = child_env(work / "isolated-diff", work / "no-condarc.yml")
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "old"]):
        subprocess.run(argv, cwd=root, env=env, check=True)
    write_lock(lock, 300, 2)
    inner, cpu, outer = [], [], []
    changes = 0
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", IN_PROCESS, str(old), str(lock)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout)
        inner.append(figures["wall_ms"])
        cpu.append(figures["cpu_ms"])
        changes = figures["changes"]
        outer.append(
            run([str(devkit_exe()), "--root", str(root), "lock", "big", "--diff", "HEAD"], env)
        )
    return {
        "in_process_ms": statistics.median(inner),
        "in_process_cpu_ms": statistics.median(cpu),
        "end_to_end_ms": statistics.median(outer),
        "changes": changes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (median shown)")
    parser.add_argument("--channel-dir", type=Path, help="seed channels already built here")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", choices=("update", "diff"), help="run one benchmark")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="devkit-lock-bench-"))
    figures: dict[str, object] = {"load_average": os.getloadavg()[0], "cpus": os.cpu_count()}
    try:
        if args.only in (None, "update"):
            update = bench_update(work, args.runs, args.channel_dir)
            update["ratio"] = update["update_ms"] / update["plain_ms"]
            figures["update"] = update
        if args.only in (None, "diff"):
            figures["diff"] = bench_diff(work, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"machine: {figures['cpus']} CPUs, load average {figures['load_average']:.1f}")
    if "update" in figures:
        u = figures["update"]
        assert isinstance(u, dict)
        print(
            f"devkit lock (3 platforms, seed env): {u['plain_ms']:.0f} ms; "
            f"--update numpy: {u['update_ms']:.0f} ms; ratio {u['ratio']:.2f} (target <= 1.2)"
        )
    if "diff" in figures:
        d = figures["diff"]
        assert isinstance(d, dict)
        print(
            f"--diff of two 300-package locks x 3 platforms ({d['changes']} changes): "
            f"in process {d['in_process_ms']:.0f} ms wall, {d['in_process_cpu_ms']:.0f} ms CPU "
            f"(target < 300); end to end {d['end_to_end_ms']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
