"""Running install.sh in tests: devkit's wheel, the script under bash, uv on PATH or not."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_SH = REPO / "install.sh"
# Where a machine may already name a CA bundle (some set them all to the system's).
CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT")
# The uv of the test extra, next to this interpreter.
UV = Path(sys.executable).parent / "uv"


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
    without: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """bash install.sh ARGS (or the script piped as `stdin` to `bash -s -- ARGS`).

    pip is used unless `env` names DEVKIT_INSTALLER, whatever uv the developer's PATH has. With
    `machine_pip`, pip reads the machine's index and config; without, the isolation fixture's
    empty config, so only the indexes `env` names exist. `without`: variables to unset.
    """
    full = {**os.environ, "DEVKIT_INSTALLER": "pip"}
    full.pop("PIP_NO_INDEX", None)
    if machine_pip:
        full.pop("PIP_CONFIG_FILE", None)
    full.pop("CI", None)
    for name in without:
        full.pop(name, None)
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


def path_with_uv(folder: Path) -> str:
    """PATH with a folder holding only uv in front (no other tool of the test venv with it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "uv").symlink_to(UV)
    return os.pathsep.join([str(folder), path_without_uv()])


def path_without_uv() -> str:
    """PATH without any folder that holds a uv."""
    folders = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(f for f in folders if not os.access(Path(f) / "uv", os.X_OK))
