"""Building an env from a project's conda-lock.yml, and what micromamba does not take from it.

A lockfile holds conda packages only: the environment file's ``pip:`` section and
``variables:`` are applied after ``micromamba create -f conda-lock.yml``, the way micromamba
itself applies them for an environment file (pip from the file's folder; variables in
``conda-meta/state``, which ``micromamba run`` and activation read).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from devkit import facts, proc
from devkit.conda import lockfile
from devkit.conda.envspec import EnvSpec
from devkit.conda.micromamba import Micromamba
from devkit.errors import CommandError, FileFormatError


def host_platform() -> str | None:
    """The platform this process runs as (what an env with no clearer record was built for)."""
    return facts.probe().subdir


def usable_lock(spec: EnvSpec, platform: str | None) -> tuple[Path | None, str]:
    """The project's lockfile if it can build ``platform``'s env, else None and why not.

    A lock that no longer satisfies the environment file is not used: the env is built from
    the file (what the developer asked for) and doctor's ``lock.stale`` says to re-lock.
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
    stale = lockfile.unsatisfied(lock, spec, platform)
    if stale:
        return None, f"{path.name} not used: stale ({'; '.join(stale)}); run `devkit lock`"
    return path, ""


def complete(mm: Micromamba, spec: EnvSpec, prefix: Path) -> tuple[str, ...]:
    """Apply the file's variables and pip section to an env made from the lock; problems."""
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
    if not spec.pip:
        return ()
    with tempfile.TemporaryDirectory(prefix="devkit-pip-") as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("".join(f"{r.text}\n" for r in spec.pip), encoding="utf-8")
        argv = mm.run_argv(
            prefix, ["python", "-m", "pip", "install", "-r", str(requirements), "--no-input"]
        )
        # From the file's folder, as micromamba does, so `./libs/x` requirements resolve.
        result = proc.run(argv, cwd=spec.path.parent, check=False)
    if result.returncode == 0:
        return ()
    error = CommandError(list(result.argv), result.returncode, result.stdout, result.stderr)
    return ("pip failed to install the `pip:` section:", *error.message.splitlines()[1:])
