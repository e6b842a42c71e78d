"""``devkit run``: start a project's service in its env, with its variables, like production."""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from devkit import console, paths, ports, proc, redaction
from devkit.conda import envs, envspec, micromamba
from devkit.errors import PreflightError, UsageError
from devkit.ports import DEFAULT_HOST, DEFAULT_PORT
from devkit.repo import dotenv_file
from devkit.repo.github import workflows
from devkit.repo.monorepo import Monorepo, Project
from devkit.userconfig import UserConfig

DEFAULT_COMMAND = ("uvicorn", "main:app", "--host", "$HOST", "--port", "$PORT")


# A NamedTuple, not a frozen dataclass: on Python 3.11 defining a dataclass compiles its
# methods, about a millisecond a class, and these records are on `devkit run`'s path to the service.
class RunRequest(NamedTuple):
    """Everything ``devkit run`` was asked to do."""

    project: str
    command: tuple[str, ...] = ()
    host: str = DEFAULT_HOST
    port: int | None = None
    env_files: tuple[Path, ...] = ()
    override: bool = False
    strict: bool = False
    print_env: bool = False


class Variable(NamedTuple):
    """One variable devkit sets for the child, and where its value came from."""

    name: str
    value: str | None
    source: str
    # A .env variable (from the file, or the shell's value over it): masked by the .env rule.
    dotenv: bool


class Resolved(NamedTuple):
    """The child's environment and the variables worth showing."""

    env: dict[str, str]
    shown: list[Variable]
    missing: list[tuple[str, str]]
    # Set, but still the placeholder .env.example holds for them: not set either.
    placeholders: list[tuple[str, str]]


def own_env_files(monorepo: Monorepo, project: Project) -> list[Path]:
    """The monorepo's ``.env`` files for a project, lowest precedence first (``--env-file``s
    come after them)."""
    return [monorepo.root / ".env", project.path / ".env"]


def required_variables(monorepo: Monorepo, project: Project) -> dict[str, str]:
    """Variables production sets for the project, each with where that is written."""
    # Only the workflows that name the project are parsed: the others cannot concern it.
    found, errors = workflows.load_all(
        monorepo.root,
        mentioning=(_relative(monorepo, project.path),),
        cache=True,
        shelf=workflows.START_SHELF,
    )
    for error in errors:
        console.warn(f"skipping a workflow devkit cannot read: {error.message}")
    return workflows.production_variables(monorepo.root, project.path, found)


def resolve(
    monorepo: Monorepo,
    project: Project,
    spec: envspec.EnvSpec,
    request: RunRequest,
    environ: Mapping[str, str],
) -> Resolved:
    """Build the child's environment: shell, then ``.env`` files, then devkit's own settings."""
    for extra in request.env_files:
        # A pipe is fine (`--env-file <(op inject -i .env.tpl)`): it is read once, below.
        if not extra.exists():
            raise UsageError(f"--env-file {extra}: no such file")
        if extra.is_dir():
            raise UsageError(f"--env-file {extra}: is a directory")
    named = {extra.resolve() for extra in request.env_files}
    files: list[Path] = []
    for own in own_env_files(monorepo, project):
        target = paths.escapes(own, monorepo.root)
        if target is None:
            files.append(own)
        elif target not in named:
            # A clone could point its .env at any file here; devkit reads one outside the
            # clone only when the user names it (then it is read once, as that --env-file).
            console.warn(
                f"{own} resolves to {target}, outside the monorepo: devkit does not read it; "
                f"pass it with `--env-file {target}` if it is yours"
            )
    loaded = dotenv_file.load([*files, *request.env_files], strict=request.strict)
    for bad in loaded.bad_lines:
        console.warn(str(bad))

    env = proc.clean_env()
    shown: list[Variable] = []
    for name, value in loaded.values.items():
        source = _relative(monorepo, loaded.sources[name])
        if name in environ and not request.override:
            env[name] = environ[name]
            # The shell's value of a .env variable is masked by the same rule as the file's.
            if dotenv_file.is_secret(name, environ[name], dotenv=True):
                redaction.register(environ[name])
            shown.append(Variable(name, environ[name], f"shell (over {source})", dotenv=True))
        else:
            env[name] = value
            shown.append(Variable(name, value, source, dotenv=True))

    if request.port is not None:
        env["PORT"] = str(request.port)
        port_source = "--port"
    elif "PORT" in env:
        port_source = next((v.source for v in shown if v.name == "PORT"), "shell")
    else:
        env["PORT"] = str(DEFAULT_PORT)
        port_source = "devkit default (as entrypoint.sh)"
    ports.parse_port(env["PORT"], port_source)
    shown = [v for v in shown if v.name != "PORT"]
    shown.append(Variable("PORT", env["PORT"], port_source, dotenv=False))
    env.setdefault("PYTHONUNBUFFERED", "1")
    shown.append(Variable("PYTHONUNBUFFERED", env["PYTHONUNBUFFERED"], "devkit", dotenv=False))
    for name, value in spec.variables.items():
        shown.append(
            Variable(name, value, "environment.yml (set by micromamba on activation)", dotenv=False)
        )

    example = dotenv_file.placeholders_in(project.path / ".env.example", inside=monorepo.root)
    missing: list[tuple[str, str]] = []
    placeholders: list[tuple[str, str]] = []
    for name, where in required_variables(monorepo, project).items():
        if name in spec.variables:
            continue
        if dotenv_file.still_placeholder(name, env.get(name), example):
            placeholders.append((name, where))
        elif not env.get(name):
            missing.append((name, where))
    unfilled = {name for name, _ in placeholders}
    shown = [
        v._replace(source=f"{v.source}, still the placeholder from .env.example")
        if v.name in unfilled
        else v
        for v in shown
    ]
    for name, where in missing:
        shown.append(Variable(name, None, f"missing (production sets it: {where})", dotenv=False))
    return Resolved(env=env, shown=shown, missing=missing, placeholders=placeholders)


def command_for(project: Project, request: RunRequest, env: Mapping[str, str]) -> list[str]:
    """The command to start: ``--`` args, else devkit.yaml's ``run``, else uvicorn."""
    if request.command:
        return list(request.command)
    template = project.settings.run or DEFAULT_COMMAND
    values = {**env, "HOST": request.host}
    # micromamba run starts the program without a shell, so $PORT is expanded here.
    return [string.Template(arg).safe_substitute(values) for arg in template]


def print_env(resolved: Resolved) -> None:
    """Show the variables devkit sets, secrets masked."""
    from rich.table import Table

    table = Table("variable", "value", "from", box=None, pad_edge=False)
    for var in resolved.shown:
        if var.value is None:
            value = "(unset)"
        else:
            value = dotenv_file.masked(var.name, var.value, from_file=var.dotenv)
        console.add_row(table, var.name, value, var.source)
    console.out().print(table)


def run(monorepo: Monorepo, config: UserConfig, request: RunRequest) -> int:
    """Preflight, then run the project's command attached to this terminal."""
    project = monorepo.project(request.project)
    spec = envspec.parse_for_start(project.env_file)
    # The shell's own secret-looking values are masked like .env's (load() registers those).
    dotenv_file.register_secret_values(os.environ.items())
    resolved = resolve(monorepo, project, spec, request, os.environ)
    if request.print_env:
        print_env(resolved)
        return 0

    mm = micromamba.from_config(config)
    location = require_env(mm, project, spec)

    if resolved.missing or resolved.placeholders:
        raise _unset_error(monorepo, project, resolved)

    argv = command_for(project, request, resolved.env)
    if not request.command:
        _check_service(project, request, int(resolved.env["PORT"]))

    console.info(f"devkit: running `{' '.join(argv)}` in env `{location.name}` ({project.path})")
    return proc.run_attached(
        mm.run_argv(location.prefix, argv),
        cwd=project.path,
        env=resolved.env,
        notify=lambda text: console.info(f"devkit: {text}"),
    )


def _unset_error(monorepo: Monorepo, project: Project, resolved: Resolved) -> PreflightError:
    # Names only: a value, even a placeholder, is never part of the message.
    problems = []
    if resolved.missing:
        problems.append(f"missing here: {', '.join(name for name, _ in resolved.missing)}")
    if resolved.placeholders:
        names = ", ".join(name for name, _ in resolved.placeholders)
        problems.append(f"still the placeholder from .env.example: {names}")
    sources = sorted({where for _, where in [*resolved.missing, *resolved.placeholders]})
    return PreflightError(
        f"variables production sets are {'; '.join(problems)}",
        hint=(
            f"put the real values in {_relative(monorepo, project.path / '.env')} "
            f"(listed in {', '.join(sources)}); `devkit run {project.name} --print-env` "
            "shows what is set"
        ),
    )


def require_env(
    mm: micromamba.Micromamba, project: Project, spec: envspec.EnvSpec
) -> envs.EnvLocation:
    """The project's env, or a preflight error saying how to create it."""
    location = envs.locate(mm.root_prefix, project, spec)
    status = envs.status(location.prefix)
    if status.state is not envs.EnvState.PRESENT:
        verb = "is not created" if status.state is envs.EnvState.MISSING else "is broken"
        raise PreflightError(
            f"the env `{location.name}` of project {project.name} {verb}: {status.reason}",
            hint=(
                f"run `devkit setup --projects {project.name}`, or by hand: "
                f"micromamba create -y -r {mm.root_prefix} -p {location.prefix} "
                f"-f {project.env_file}"
            ),
        )
    return location


def _check_service(project: Project, request: RunRequest, port: int) -> None:
    if project.settings.run is None and not (project.path / "main.py").is_file():
        raise PreflightError(
            f"{project.path / 'main.py'} does not exist, and the default command serves main:app",
            hint=f"add main.py, or set `projects: {{{project.name}: {{run: ...}}}}` in devkit.yaml",
        )
    if not ports.is_free(request.host, port):
        holder = ports.holder(port)
        raise PreflightError(
            f"port {port} on {request.host} is already in use by {holder.describe()}",
            hint=f"stop it, or pick another port: devkit run {project.name} --port {port + 1}",
        )


def _relative(monorepo: Monorepo, path: Path) -> str:
    try:
        return path.relative_to(monorepo.root).as_posix()
    except ValueError:
        return str(path)
