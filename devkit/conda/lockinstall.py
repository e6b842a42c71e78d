"""Building an env from a project's conda-lock.yml, and what micromamba does not take from it.

micromamba installs a lock's conda packages and, with ``pip install --no-deps``, its pip
wheels (mamba-org/mamba#1908). The rest is devkit's: the environment file's ``variables:``
(written to ``conda-meta/state``, which ``micromamba run`` and activation read), any locked
wheel micromamba left out (installed hash-checked: ``--no-deps --require-hashes``, exactly the
locked files, nothing resolved), and the ``pip:`` lines a lock cannot hold (paths and URLs; the
whole section for a ``--no-pip`` lock), which pip installs from the file's folder as micromamba
does for an environment file.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from devkit import facts, proc
from devkit.conda import envs, lockfile, lockpip, pypi
from devkit.conda.buildcheck import Locked
from devkit.conda.envspec import EnvSpec
from devkit.conda.micromamba import Micromamba
from devkit.errors import CommandError, FileFormatError


def host_platform() -> str | None:
    """The platform this process runs as (what an env with no clearer record was built for)."""
    return facts.probe().subdir


def usable_lock(spec: EnvSpec, platform: str | None) -> tuple[Path | None, str]:
    """The project's lockfile if it can build ``platform``'s env, else None and why not.

    A lock that no longer satisfies the environment file (its specs or its ``pip:`` section)
    is not used: the env is built from the file (what the developer asked for) and doctor's
    ``lock.stale`` says to re-lock.
    """
    path = lockfile.lock_path(spec.path.parent)
    if not path.is_file():
        return None, ""
    try:
        lock = lockfile.read(path)
    except FileFormatError as exc:
        return None, f"{path.name} not used: {exc.message}"
    if not platform or not lock.packages.get(platform):
        return None, f"{path.name} not used: it has no {platform} packages (`devkit lock`)"
    stale = lockfile.unsatisfied(lock, spec, platform) + lockpip.unsatisfied(lock, spec, platform)
    if stale:
        return None, f"{path.name} not used: stale ({'; '.join(stale)}); run `devkit lock`"
    return path, ""


def complete(mm: Micromamba, spec: EnvSpec, prefix: Path, locked: Locked) -> tuple[str, ...]:
    """Apply the file's variables, the locked wheels micromamba did not install and the
    ``pip:`` lines the lock leaves to pip; the problems, if any."""
    if spec.variables:
        state = prefix / "conda-meta" / "state"
        try:
            data = json.loads(state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        data["env_vars"] = {**(data.get("env_vars") or {}), **spec.variables}
        state.write_text(json.dumps(data, indent=4), encoding="utf-8")
    if locked.pip:
        wheels = {wheel.name: wheel for wheel in locked.pip}
        lines = lockpip.install_lines(wheels, envs.pip_installed(prefix))
        problems = _pip(mm, spec, prefix, lines, ["--no-deps", "--require-hashes"])
        if problems:
            return ("pip failed to install the locked wheels:", *problems)
    if locked.pip_locked:
        section = pypi.split(spec.pip)
        rest = (
            [*section.options, *(r.text for r in section.unlockable)] if section.unlockable else []
        )
    else:
        rest = [r.text for r in spec.pip]
    problems = _pip(mm, spec, prefix, rest, [])
    return ("pip failed to install the `pip:` section:", *problems) if problems else ()


def _pip(
    mm: Micromamba, spec: EnvSpec, prefix: Path, lines: Sequence[str], options: list[str]
) -> tuple[str, ...]:
    """``pip install OPTIONS -r <lines>`` in the env; the lines of its error, if it failed."""
    if not lines:
        return ()
    with tempfile.TemporaryDirectory(prefix="devkit-pip-") as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        command = ["python", "-m", "pip", "install", *options, "-r", str(requirements)]
        argv = mm.run_argv(prefix, [*command, "--no-input"])
        # From the file's folder, as micromamba does, so `./libs/x` requirements resolve.
        result = proc.run(argv, cwd=spec.path.parent, check=False)
    if result.returncode == 0:
        return ()
    error = CommandError(list(result.argv), result.returncode, result.stdout, result.stderr)
    return tuple(error.message.splitlines()[1:])
