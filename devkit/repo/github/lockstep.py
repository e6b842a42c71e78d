"""The micromamba step of a project's checks workflow: does it install the project's lock, cached
on the lock's hash, and the text edit that makes it do so.

With ``mamba-org/setup-micromamba``, ``environment-file: <folder>/conda-lock.yml`` installs the
lock (the name must end in ``-lock.yml``; micromamba installs its pip wheels too), and
``cache-environment: true`` caches the env under a key that holds the file's sha256, so the
cache is reused exactly as long as the lock does not change. A lock has no env name, so the
step names one (``environment-name``); the action would otherwise read a ``name:`` out of the
file, and a lock's first ``name:`` is a package's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devkit import yamlfile
from devkit.errors import DevkitError, FileFormatError
from devkit.repo.github import queries
from devkit.repo.github.workflows import Workflow

SETUP_ACTION = "mamba-org/setup-micromamba"
SETUP_USES = f"{SETUP_ACTION}@v3"
RETIRED_ACTION = "mamba-org/provision-with-micromamba"
# setup-micromamba's inputs (its action.yml); a retired action's other inputs are dropped.
SETUP_INPUTS = frozenset(
    {
        "condarc-file",
        "condarc",
        "environment-file",
        "environment-name",
        "create-args",
        "log-level",
        "micromamba-version",
        "micromamba-url",
        "download-micromamba",
        "init-shell",
        "generate-run-shell",
        "cache-downloads",
        "cache-downloads-key",
        "cache-environment",
        "cache-environment-key",
        "post-cleanup",
        "micromamba-root-path",
        "micromamba-binary-path",
    }
)


@dataclass(frozen=True)
class EnvStep:
    """A step that installs an env file: where, what, and whether it caches the env."""

    workflow: Path
    line: int  # the step's first line
    uses: str
    env_file: str
    env_file_line: int
    cached: bool

    def installs(self, lock: str) -> bool:
        """Whether it installs the lock at ``lock`` (relative to the repository)."""
        return self.env_file.strip().removeprefix("./") == lock

    @property
    def retired(self) -> bool:
        """Whether it uses the retired provision-with-micromamba."""
        return self.uses.split("@")[0].lower() == RETIRED_ACTION


def env_steps(workflow: Workflow) -> list[EnvStep]:
    """Every micromamba step that installs an environment file."""
    found = []
    for step in queries.steps(workflow):
        uses = str(step.get("uses", ""))
        if uses.split("@")[0].lower() not in (SETUP_ACTION, RETIRED_ACTION):
            continue
        ref = queries.step_input(step, "environment-file")
        if ref is None:
            continue
        cache = queries.step_input(step, "cache-environment")
        key = queries.step_input(step, "cache-environment-key")
        cached = (cache is not None and cache.value.lower() == "true") or key is not None
        found.append(EnvStep(workflow.path, step.line, uses, ref.value, ref.line, cached))
    return found


def project_steps(workflows: list[Workflow], folder: str) -> list[EnvStep]:
    """The env steps of the checks workflows (not the deploys) that run for ``folder``."""
    return [
        step
        for workflow in workflows
        if workflow.concerns(folder) and not queries.is_deploy(workflow)
        for step in env_steps(workflow)
    ]


def rewrite(path: Path, step: EnvStep, lock: str, env_name: str) -> tuple[str, list[str]]:
    """The workflow's text with ``step`` installing ``lock`` from setup-micromamba, cached, and
    what changed. Only that step's lines change; the edit is checked by reading it back."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    data = yamlfile.load(path)
    mapping = _step_at(data, step.line)
    inputs = mapping.get("with") if mapping is not None else None
    if mapping is None or not isinstance(inputs, yamlfile.YamlMap):
        raise DevkitError(f"{path}:{step.line}: the step is not where it was read")
    done: list[str] = []
    uses_line = mapping.line_of("uses") - 1
    if step.retired:
        lines[uses_line] = lines[uses_line].replace(step.uses, SETUP_USES, 1)
        done.append(f"uses {SETUP_USES} (was {step.uses})")
    indent = _indent(lines[inputs.line_of("environment-file") - 1])
    drop: list[int] = []
    for key in inputs:
        if key in SETUP_INPUTS:
            continue
        at = inputs.line_of(key) - 1
        if (isinstance(inputs[key], str) and "\n" in inputs[key]) or _continues(lines, at, indent):
            raise DevkitError(
                f"{path}:{at + 1}: `{key}` spans several lines; devkit leaves that step to you",
                hint=f"use {SETUP_USES} with `environment-file: {lock}` and "
                "`cache-environment: true`",
            )
        drop.append(at)
        done.append(f"dropped `{key}` (not a setup-micromamba input; a lock is not solved)")
    file_at = inputs.line_of("environment-file") - 1
    lines[file_at] = f"{indent}environment-file: {lock}\n"
    done.append(f"environment-file: {lock}")
    added: list[str] = []
    if "environment-name" not in inputs:
        added.append(f"{indent}environment-name: {env_name}\n")
        done.append(f"environment-name: {env_name}")
    if str(inputs.get("cache-environment", "")).lower() != "true":
        if "cache-environment" in inputs:
            drop.append(inputs.line_of("cache-environment") - 1)
        added.append(f"{indent}cache-environment: true\n")
        done.append("cache-environment: true")
    lines[file_at + 1 : file_at + 1] = added
    for at in sorted(drop, reverse=True):
        index = at + len(added) if at > file_at else at
        del lines[index]
    new_text = "".join(lines)
    _check(path, new_text, lock)
    return new_text, done


def _step_at(data: object, line: int) -> yamlfile.YamlMap | None:
    jobs = data.get("jobs") if isinstance(data, dict) else None
    for job in jobs.values() if isinstance(jobs, dict) else []:
        steps = job.get("steps") if isinstance(job, dict) else None
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, yamlfile.YamlMap) and step.line == line:
                return step
    return None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _continues(lines: list[str], at: int, indent: str) -> bool:
    """Whether the line after ``at`` is more indented (a block value)."""
    following = lines[at + 1] if at + 1 < len(lines) else ""
    return bool(following.strip()) and len(_indent(following)) > len(indent)


def _check(path: Path, text: str, lock: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="devkit-workflow-") as folder:
        copy = Path(folder) / path.name
        copy.write_text(text, encoding="utf-8")
        try:
            workflow = Workflow(copy, yamlfile.load(copy))
        except FileFormatError as exc:
            raise DevkitError(f"rewriting {path} would break it: {exc.message}") from exc
        if not any(s.installs(lock) and s.cached for s in env_steps(workflow)):
            raise DevkitError(f"rewriting {path} did not give a step installing {lock}")
