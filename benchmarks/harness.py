"""What the benchmarks share: an isolated child environment, a scratch dir, timing and output.

Imported as a sibling module (`from harness import ...`): the scripts run as
`.venv/bin/python benchmarks/<name>.py`, which puts this folder first on sys.path.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.table import Table

from tests.support.world import World

STRIPPED_PREFIXES = ("CONDA_", "MAMBA_", "DEVKIT_", "PIP_", "GIT_")
STRIPPED_NAMES = ("CONDARC", "MAMBARC", "VIRTUAL_ENV", "FORCE_COLOR", "CLICOLOR_FORCE")
GIT_NAME = "Devkit Bench"
GIT_EMAIL = "bench@devkit.invalid"


def devkit_exe() -> Path:
    """The devkit console script next to this interpreter."""
    return Path(sys.executable).parent / "devkit"


def ms_since(start: float) -> float:
    """Milliseconds since `start`, a `time.perf_counter()` reading."""
    return (time.perf_counter() - start) * 1000.0


def write_git_config(path: Path, extra: str = "") -> Path:
    """Write a global git config naming the bench identity, then `extra` sections; return it."""
    path.write_text(f"[user]\n\tname = {GIT_NAME}\n\temail = {GIT_EMAIL}\n{extra}")
    return path


def home_env(base: Path) -> dict[str, str]:
    """HOME and the XDG dirs (made here), DEVKIT_HOME and MAMBA_ROOT_PREFIX, all under `base`."""
    home = base / "home"
    for sub in (".config", ".local/share", ".cache", ".local/state"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "DEVKIT_HOME": str(base / "devkit-home"),
        "MAMBA_ROOT_PREFIX": str(base / "mamba-root"),
    }


def isolated_env(base: Path, world: World, git_config: Path | None = None) -> dict[str, str]:
    """A child environment whose home, config, caches and root prefix all live under `base`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(STRIPPED_PREFIXES) and key not in STRIPPED_NAMES
    }
    env.update(home_env(base))
    env.update(
        {
            "CONDARC": str(world.condarc),
            # One warm package cache for every create, devkit's and a baseline's alike.
            "CONDA_PKGS_DIRS": str(world.pkgs_cache),
            # Without a config (see write_git_config) git reads none and has no identity.
            "GIT_CONFIG_GLOBAL": os.devnull if git_config is None else str(git_config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "NO_COLOR": "1",
            "COLUMNS": "80",
            "TERM": "dumb",
            "PIP_NO_INDEX": "1",
            "PIP_CONFIG_FILE": os.devnull,
            "PATH": os.pathsep.join([str(world.bin_dir), os.environ.get("PATH", os.defpath)]),
        }
    )
    if git_config is not None:
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"] = GIT_NAME
            env[f"GIT_{role}_EMAIL"] = GIT_EMAIL
    return env


def create_env(
    world: World, env: dict[str, str], env_file: Path, prefix: Path, cwd: Path | None = None
) -> None:
    """One real env made by the stand-in, as devkit asks: `micromamba create -p PREFIX -f FILE`."""
    argv = [str(world.micromamba), "create", "-y", "-p", str(prefix), "-f", str(env_file)]
    argv += ["--json", "--log-level", "error", "-r", env["MAMBA_ROOT_PREFIX"]]
    subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)


def exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into SystemExit, so the temp dir is still removed."""
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def scratch_dir(name: str) -> Iterator[Path]:
    """A fresh temp dir `devkit-bench-NAME-…`, removed afterwards, on SIGTERM too."""
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    base = Path(tempfile.mkdtemp(prefix=f"devkit-bench-{name}-"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def int_list(what: str, most: int | None = None) -> Callable[[str], tuple[int, ...]]:
    """An argparse type: comma-separated whole numbers from 1 (to `most`), sorted, no repeats."""

    def parse(text: str) -> tuple[int, ...]:
        try:
            values = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f"expected comma-separated integers, got {text!r}"
            ) from exc
        if not values or values[0] < 1 or (most is not None and values[-1] > most):
            bounds = "1 or more" if most is None else f"between 1 and {most}"
            raise argparse.ArgumentTypeError(f"{what} must be {bounds}")
        return values

    return parse


def json_report(schema_version: int, /, **fields: object) -> str:
    """The --json document: schema version, interpreter, platform and CPUs, then `fields`."""
    document = {
        "schema_version": schema_version,
        "python": sys.executable,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        **fields,
    }
    return json.dumps(document, indent=2)


def print_report(tables: Sequence[Table], notes: Sequence[str] = ()) -> None:
    """Print the tables on stdout, then each note as plain text."""
    out = Console()
    for table in tables:
        out.print(table)
    for note in notes:
        out.print(note, highlight=False)


def precompile_devkit(env: dict[str, str], python: Path | None = None) -> None:
    """Write the bytecode of the devkit package `python` (default: this interpreter) imports,
    and drop PYTHONDONTWRITEBYTECODE from `env`, the benchmarked commands' environment.

    pip compiles a package's modules when it installs a wheel (install.sh's way); an editable
    install used with PYTHONDONTWRITEBYTECODE=1 never gets its bytecode, and every start then
    compiles each module from source: tens of milliseconds no user's devkit spends.
    """
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    interpreter = Path(python or sys.executable)
    code = "import compileall, devkit\nfor d in devkit.__path__: compileall.compile_dir(d, quiet=1)"
    # Run from the interpreter's folder: `python -c` puts the working folder first on sys.path,
    # and from a checkout's root it would compile that checkout, not the devkit `python` has.
    subprocess.run(
        [str(interpreter), "-c", code],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=interpreter.parent,
    )


def baseline_devkit(text: str) -> Path:
    """An argparse type: another devkit executable (e.g. main's checkout) to time alongside."""
    path = Path(text).absolute()
    if not path.is_file() or not (path.parent / "python").is_file():
        raise argparse.ArgumentTypeError(f"{text}: not a devkit script next to its python")
    return path


def load_note(before: float, after: float) -> str:
    """The machine's 1-minute load average around a measurement, to read its figures by."""
    return f"load average: {before:.1f} before, {after:.1f} after, on {os.cpu_count()} CPUs"
