"""``devkit shell``: an interactive shell in a project's env, with its ``.env``, in its folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devkit import console, facts, proc
from devkit.commands.run import RunRequest, require_env, resolve
from devkit.conda import envspec, micromamba
from devkit.errors import DevkitError
from devkit.repo import dotenv_file
from devkit.repo.monorepo import Monorepo
from devkit.userconfig import UserConfig


def activated_environment(
    mm: micromamba.Micromamba, prefix: Path, env: dict[str, str]
) -> dict[str, str]:
    """The environment ``micromamba activate`` would give: activation scripts and variables.

    micromamba computes it (``micromamba run -p P env -0``) and devkit execs the shell itself:
    a shell under ``micromamba run`` would lose its parent on the first Ctrl-C, because
    micromamba dies on SIGINT instead of passing it on (mamba-org/mamba#1820).
    """
    result = proc.run(mm.run_argv(prefix, ["env", "-0"]), env=env, timeout=60, check=False)
    if result.returncode != 0:
        # Not a CommandError: its message would quote stdout, which is the whole environment.
        raise DevkitError(
            f"micromamba could not activate {prefix} (exit {result.returncode})",
            hint="check the env with `devkit doctor`",
        )
    pairs = (item.partition("=") for item in result.stdout.split("\0") if "=" in item)
    return {key: value for key, _, value in pairs}


def shell(monorepo: Monorepo, config: UserConfig, request: RunRequest) -> int:
    """Replace devkit with the user's shell, activated; ``exit`` returns to the old shell."""
    project = monorepo.project(request.project)
    spec = envspec.parse_for_start(project.env_file)
    # The shell's own secret-looking values are masked like .env's (load() registers those).
    dotenv_file.register_secret_values(os.environ.items())
    resolved = resolve(monorepo, project, spec, request, os.environ)
    mm = micromamba.from_config(config)
    location = require_env(mm, project, spec)
    env = activated_environment(mm, location.prefix, resolved.env)
    env["DEVKIT_SHELL"] = project.name
    program = facts.login_shell() or "/bin/sh"
    console.info(
        f"devkit: a {Path(program).name} in env `{location.name}` for {project.name}, "
        "with its .env loaded; `exit` returns"
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(project.path)
    try:
        os.execve(program, [program, "-i"], env)  # noqa: S606 - the user's own login shell
    except OSError as exc:
        raise DevkitError(
            f"cannot start the shell {program}: {exc.strerror}",
            hint="set SHELL to your shell's path, e.g. SHELL=/bin/zsh",
        ) from exc
