"""One workflow step as it runs here: a script in the env, a mapped action, or skipped."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit import yamlfile
from devkit.repo.github import actions
from devkit.repo.github.actions import StepKind
from devkit.repo.github.expressions import (
    Contexts,
    Unknown,
    condition_holds,
    secrets_in,
    substitute,
    text_of,
)


@dataclass(frozen=True)
class PlannedStep:
    """One step of a job, as it will run here."""

    index: int  # 1-based, as in the workflow
    name: str
    kind: StepKind
    line: int
    detail: str = ""  # what a mapped action does here, or why the step is skipped
    script: str = ""
    shell: tuple[str, ...] = ()  # the shell's argv; "{0}" is where the script file goes
    working_directory: str = ""  # relative to the monorepo root; "" is the root
    env: Mapping[str, str] = field(default_factory=dict)
    black_args: tuple[str, ...] = ()
    black_version: str = ""  # the action's `version:` ("" = whatever the env has)
    # Whether its `if:` lets it run after earlier steps passed, and after one failed.
    after_success: bool = True
    after_failure: bool = False
    continue_on_error: bool = False


def resolved_name(raw: str, ctx: Contexts) -> str:
    """A job or step name with its expressions resolved, or as written when only CI can."""
    try:
        return substitute(raw, ctx)
    except Unknown:
        return raw


def env_block(value: Any, ctx: Contexts) -> tuple[dict[str, str], dict[str, str]]:
    """``env:`` values resolved, and the variables set from a secret (name -> secret)."""
    env: dict[str, str] = {}
    secret_vars: dict[str, str] = {}
    if not isinstance(value, dict):
        return env, secret_vars
    for key, raw in value.items():
        text = text_of(raw)
        secrets = secrets_in(text)
        if secrets:
            secret_vars[str(key)] = secrets[0]
            continue
        try:
            env[str(key)] = substitute(text, ctx.with_env({**ctx.env, **env}))
        except Unknown:
            continue  # left unset; a step that reads it is the one to notice
    return env, secret_vars


def plan_step(
    index: int,
    step: yamlfile.YamlMap,
    ctx: Contexts,
    secret_vars: dict[str, str],
    defaults: dict[str, str],
) -> PlannedStep:
    """What step ``index`` of a job does here; ``secret_vars`` are the workflow's and job's
    variables CI sets from secrets, ``defaults`` their ``defaults.run``."""
    uses = text_of(step.get("uses")).strip()
    script = step.get("run")
    first_line = (text_of(script).strip().splitlines() or [""])[0]
    default_name = f"Run {uses}" if uses else f"Run {first_line}"
    name = resolved_name(text_of(step.get("name") or default_name), ctx)
    line = step.line

    def skip(why: str) -> PlannedStep:
        return PlannedStep(index, name, StepKind.SKIP, line, detail=why)

    text = "\n".join(text_of(step.get(k)) for k in ("run", "with", "env", "if"))
    secrets = secrets_in(text)
    if secrets:
        return skip(f"needs the secret {', '.join(secrets)}, which only CI has")
    step_env, _ = env_block(step.get("env"), ctx)
    env = {**ctx.env, **step_env}
    try:
        after_success, after_failure = _condition(step.get("if"), ctx.with_env(env))
        continue_on_error = text_of(step.get("continue-on-error")) == "true"
    except Unknown as exc:
        return skip(f"its `if:` needs {exc.part}, which only a CI run knows")
    common: dict[str, Any] = {
        "env": env,
        "after_success": after_success,
        "after_failure": after_failure,
        "continue_on_error": continue_on_error,
    }
    if uses:
        mapped = actions.map_action(uses, step, ctx)
        return PlannedStep(
            index,
            name,
            mapped.kind,
            line,
            detail=mapped.detail,
            black_args=mapped.black_args,
            black_version=mapped.black_version,
            **common,
        )
    if not isinstance(script, str):
        return skip("has neither `run:` nor `uses:`")
    needed = [v for v in secret_vars if re.search(rf"\$\{{?{re.escape(v)}\b", script)]
    if needed:
        which = ", ".join(f"{v} (from the secret {secret_vars[v]})" for v in needed)
        return skip(f"reads {which}, which only CI has")
    try:
        body = substitute(script, ctx.with_env(env))
        folder = substitute(
            text_of(step.get("working-directory") or defaults.get("working-directory", "")), ctx
        )
    except Unknown as exc:
        return skip(f"uses {exc.part}, which only a CI run knows")
    shell, why = shell_argv(text_of(step.get("shell") or defaults.get("shell", "")))
    if not shell:
        return skip(why)
    return PlannedStep(
        index,
        name,
        StepKind.RUN,
        line,
        detail=why,
        script=body,
        shell=shell,
        working_directory=_relative(folder),
        **common,
    )


def _condition(value: Any, ctx: Contexts) -> tuple[bool, bool]:
    if value is None:
        return True, False
    text = text_of(value)
    return condition_holds(text, ctx, failed=False), condition_holds(text, ctx, failed=True)


def shell_argv(shell: str) -> tuple[tuple[str, ...], str]:
    """The command a ``shell:`` runs a script file with, as Actions does on Linux and macOS,
    and a note; an empty argv when it cannot run here (the note says why)."""
    named = {
        "": (("bash", "-e", "{0}"), ""),
        "bash": (("bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"), ""),
        "sh": (("sh", "-e", "{0}"), ""),
        "python": (("python", "{0}"), ""),
    }
    if shell.strip() in named:
        return named[shell.strip()]
    if shell.strip() in ("pwsh", "powershell", "cmd"):
        return (), f"runs in {shell.strip()}, which devkit does not run steps in"
    words = shlex.split(shell)
    if "{0}" not in words:
        return (), f"its shell `{shell}` has no {{0}} for the script"
    note = ""
    if words[0] == "bash" and ("-l" in words or "--login" in words):
        # In CI a login shell is what activates the env provision-with-micromamba wrote into
        # the profile; here micromamba run has activated it, and the developer's own profile
        # could activate another env over it.
        words = [w for w in words if w not in ("-l", "--login")]
        note = "bash without -l: micromamba run activates the env, not a login profile"
    return tuple(words), note


def _relative(folder: str) -> str:
    folder = folder.strip()
    if folder in ("", "."):
        return ""
    return folder.removeprefix("./").rstrip("/")
