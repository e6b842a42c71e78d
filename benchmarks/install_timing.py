"""install.sh timed through pip and through uv, from package indexes served on 127.0.0.1.

Used by setup.py. devkit's wheel and its dependencies are fetched once through the machine's
pip and laid out as a PyPI mirror and an internal index (as tests/test_install_sh_network.py
does), so the figures measure the installers, not the network. A cold run starts from a new
home (no venv, empty pip and uv caches), as a new hire's does; the re-run is the same command
again (devkit already there: an upgrade that finds nothing to do).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness import home_env, ms_since
from rich.table import Table

from tests.support.http_server import FileServer
from tests.support.install_sh import INSTALL_SH, UV, build_wheel, machine_pip_env
from tests.support.package_index import build_index, download_wheels

INSTALLERS = ("pip", "uv")


@dataclass(frozen=True)
class Indexes:
    """The two package indexes on disk: PyPI's packages (`mirror`) and devkit (`internal`)."""

    mirror: Path
    internal: Path


@dataclass(frozen=True)
class InstallTiming:
    """Wall times of `install.sh --no-setup` with one installer, and the worst exit code."""

    installer: str
    cold_ms: tuple[float, ...]
    rerun_ms: tuple[float, ...]
    exit_code: int

    @property
    def median_cold_ms(self) -> float:
        return statistics.median(self.cold_ms)

    @property
    def median_rerun_ms(self) -> float:
        return statistics.median(self.rerun_ms)


def installers() -> tuple[str, ...]:
    """pip, and uv when the test extra's uv is next to this interpreter."""
    return INSTALLERS if UV.is_file() else ("pip",)


def build_indexes(base: Path) -> Indexes:
    """devkit's wheel (built from this checkout) and its dependencies' as two indexes."""
    wheel = build_wheel(base / "wheel")
    wheels = download_wheels(str(wheel), base / "wheels", machine_pip_env(os.environ))
    return Indexes(
        mirror=build_index(base / "mirror", (w for w in wheels if w.name != wheel.name)),
        internal=build_index(base / "internal", [wheel]),
    )


def install_env(
    env: dict[str, str], run_dir: Path, installer: str, urls: tuple[str, str]
) -> dict[str, str]:
    """`env` with a new home under `run_dir`, the two indexes and `installer` asked for."""
    uv_dir = run_dir / "uv-bin"
    uv_dir.mkdir(parents=True)
    (uv_dir / "uv").symlink_to(UV)
    child = {k: v for k, v in env.items() if k != "PIP_NO_INDEX"}
    child.update(home_env(run_dir))
    child.update(
        {
            "DEVKIT_INSTALLER": installer,
            "DEVKIT_SOURCE": "devkit-monorepo",
            "DEVKIT_PYTHON": sys.executable,  # the Python the wheels were fetched for
            "PIP_INDEX_URL": urls[0],
            "PIP_EXTRA_INDEX_URL": urls[1],
            "PATH": os.pathsep.join([str(uv_dir), env["PATH"]]),
        }
    )
    return child


def install_once(env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    """Wall ms, exit code and the end of stderr of one `bash install.sh --no-setup`."""
    start = time.perf_counter()
    done = subprocess.run(
        ["bash", str(INSTALL_SH), "--no-setup"],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    return ms_since(start), done.returncode, done.stderr[-2000:]


def time_installs(
    env: dict[str, str], indexes: Indexes, runs: int, base: Path
) -> tuple[list[InstallTiming], list[str]]:
    """Each installer `runs` times, round by round (cold, then re-run); and any failures' ends."""
    mirror = FileServer(indexes.mirror).start()
    internal = FileServer(indexes.internal).start()
    urls = (mirror.url("simple/"), internal.url("simple/"))
    names = installers()
    cold: dict[str, list[float]] = {name: [] for name in names}
    rerun: dict[str, list[float]] = {name: [] for name in names}
    worst = dict.fromkeys(names, 0)
    failures: list[str] = []
    try:
        # Round by round, so a change in the machine's load hits each installer alike.
        for run in range(runs):
            for name in names:
                run_dir = base / f"install-{name}-{run}"
                child = install_env(env, run_dir, name, urls)
                for into, label in ((cold, "cold"), (rerun, "re-run")):
                    elapsed, code, stderr = install_once(child, run_dir)
                    into[name].append(elapsed)
                    worst[name] = max(worst[name], code)
                    if code != 0:
                        failures.append(
                            f"install.sh with {name} ({label}) exited {code}:\n{stderr}"
                        )
                shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        mirror.stop()
        internal.stop()
    timings = [
        InstallTiming(name, tuple(cold[name]), tuple(rerun[name]), worst[name]) for name in names
    ]
    return timings, failures


def render(timings: Sequence[InstallTiming], runs: int) -> Table:
    table = Table(title=f"install.sh --no-setup from local indexes (median of {runs} runs)")
    for column in ("installer", "cold ms", "range ms", "re-run ms", "vs pip", "exit"):
        table.add_column(column, justify="right")
    pip = next((t for t in timings if t.installer == "pip"), None)
    for t in timings:
        table.add_row(
            t.installer,
            f"{t.median_cold_ms:.0f}",
            f"{min(t.cold_ms):.0f}–{max(t.cold_ms):.0f}",
            f"{t.median_rerun_ms:.0f}",
            f"{pip.median_cold_ms / t.median_cold_ms:.2f}×" if pip else "—",
            str(t.exit_code),
        )
    return table


def to_json(timings: Sequence[InstallTiming]) -> list[dict[str, object]]:
    return [
        {
            "installer": t.installer,
            "cold_median_ms": round(t.median_cold_ms, 3),
            "cold_samples_ms": [round(s, 3) for s in t.cold_ms],
            "rerun_median_ms": round(t.median_rerun_ms, 3),
            "rerun_samples_ms": [round(s, 3) for s in t.rerun_ms],
            "exit_code": t.exit_code,
        }
        for t in timings
    ]
