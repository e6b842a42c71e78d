"""Running install.sh in tests: devkit's wheel, and the script under bash."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO / "install.sh"


def machine_pip_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` without the isolation fixture's pip switches: a real install uses the machine's."""
    return {k: v for k, v in env.items() if k not in ("PIP_NO_INDEX", "PIP_CONFIG_FILE")}


def build_wheel(out: Path) -> Path:
    """devkit built from this checkout into `out`, as a package spec install.sh can be given."""
    argv = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(REPO)]
    subprocess.run(argv, check=True, env=machine_pip_env(os.environ))
    (wheel,) = out.glob("devkit_monorepo-*.whl")
    return wheel


def install(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    machine_pip: bool = True,
) -> subprocess.CompletedProcess[str]:
    """bash install.sh ARGS (or the script piped as `stdin` to `bash -s -- ARGS`).

    With `machine_pip`, pip reads the machine's index and config; without, the isolation
    fixture's empty config, so only the indexes `env` names exist.
    """
    full = dict(os.environ)
    full.pop("PIP_NO_INDEX", None)
    if machine_pip:
        full.pop("PIP_CONFIG_FILE", None)
    full.pop("CI", None)
    full.update(env or {})
    command = ["bash", "-s", "--", *args] if stdin is not None else ["bash", str(INSTALL_SH), *args]
    return subprocess.run(
        command,
        input=stdin,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
