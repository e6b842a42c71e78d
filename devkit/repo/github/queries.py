"""What a project's GitHub workflows say: the folders they watch, the env file they install, the
Python and black they use, the runners, the image they build and the one they deploy.

Reads ``workflows.Workflow`` records (YAML with line numbers); returns values with the
line they are written on, so every finding can name file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from devkit import yamlfile
from devkit.repo.github.workflows import Workflow, dig
from devkit.repo.projectfiles import shell_words


@dataclass(frozen=True)
class Ref:
    """A value and the line it is written on; ``written`` is the text as typed when YAML read it
    as something else (``3.10`` unquoted is the number 3.1)."""

    value: str
    line: int
    written: str | None = None


def triggers(workflow: Workflow) -> dict[str, Any]:
    """The ``on:`` mapping."""
    return workflow.triggers()


def path_filters(workflow: Workflow) -> dict[str, list[Ref]]:
    """``paths:`` filters per event (events without filters are left out)."""
    result: dict[str, list[Ref]] = {}
    for event, spec in triggers(workflow).items():
        filters = spec.get("paths") if isinstance(spec, dict) else None
        if isinstance(filters, yamlfile.YamlList):
            result[event] = [
                Ref(str(f), line) for f, line in zip(filters, filters.item_lines, strict=True)
            ]
    return result


def named_folder(value: str, projects_dir: str) -> str | None:
    """The project a path filter or working directory names under ``projects_dir``: its folder
    name, ``*`` for a wildcard (every project), None for a path outside the projects folder."""
    base = projects_dir.strip("/") + "/"
    value = value.strip().removeprefix("./")
    if not value.startswith(base):
        return None
    folder = value[len(base) :].split("/", 1)[0]
    if folder and re.search(r"[*?\[!]", folder):
        return "*"
    return folder or None


def folders_named(workflow: Workflow, projects_dir: str) -> set[str]:
    """Every project folder name the workflow's path filters and working directories name."""
    refs = [r for rs in path_filters(workflow).values() for r in rs]
    refs += working_directories(workflow)
    found = {named_folder(r.value, projects_dir) for r in refs}
    return {f for f in found if f and f != "*"}


def jobs(workflow: Workflow) -> Iterator[tuple[str, yamlfile.YamlMap]]:
    """``(job id, job)`` pairs."""
    found = workflow.data.get("jobs")
    if isinstance(found, dict):
        for job_id, job in found.items():
            if isinstance(job, yamlfile.YamlMap):
                yield job_id, job


def steps(workflow: Workflow) -> Iterator[yamlfile.YamlMap]:
    """Every step of every job."""
    for _, job in jobs(workflow):
        listed = job.get("steps")
        for step in listed if isinstance(listed, list) else []:
            if isinstance(step, yamlfile.YamlMap):
                yield step


def working_directories(workflow: Workflow) -> list[Ref]:
    """``working-directory`` of the workflow's and jobs' ``defaults.run`` and of steps."""
    holders: list[yamlfile.YamlMap] = []
    for owner in [workflow.data, *(job for _, job in jobs(workflow))]:
        run = dig(owner, "defaults", "run")
        if isinstance(run, yamlfile.YamlMap):
            holders.append(run)
    holders.extend(steps(workflow))
    return [
        Ref(str(h["working-directory"]), h.line_of("working-directory"))
        for h in holders
        if isinstance(h.get("working-directory"), str)
    ]


def uses(workflow: Workflow) -> list[Ref]:
    """Every ``uses:`` reference (steps and reusable-workflow jobs)."""
    holders = [*steps(workflow), *(job for _, job in jobs(workflow))]
    return [
        Ref(h["uses"].strip(), h.line_of("uses")) for h in holders if isinstance(h.get("uses"), str)
    ]


def step_input(step: yamlfile.YamlMap, key: str) -> Ref | None:
    """A ``with:`` input of a step, with its line."""
    inputs = step.get("with")
    if not isinstance(inputs, yamlfile.YamlMap) or inputs.get(key) is None:
        return None
    return Ref(str(inputs[key]), inputs.line_of(key))


def steps_using(workflow: Workflow, action: str) -> list[yamlfile.YamlMap]:
    """Steps whose ``uses`` names ``action`` (``owner/repo``, any ref)."""
    return [
        s
        for s in steps(workflow)
        if isinstance(s.get("uses"), str) and s["uses"].split("@")[0].lower() == action
    ]


def is_deploy(workflow: Workflow) -> bool:
    """A workflow that builds or deploys the service (rather than checking it)."""
    if steps_using(workflow, "google-github-actions/deploy-cloudrun"):
        return True
    return any(
        re.search(r"gcloud\s+(builds\s+submit|run\s+deploy)", str(s.get("run", "")))
        for s in steps(workflow)
    )


def environment_files(workflow: Workflow) -> list[Ref]:
    """``environment-file`` inputs of micromamba/miniconda setup steps."""
    found = []
    for step in steps(workflow):
        action = str(step.get("uses", "")).lower()
        if "micromamba" in action or "setup-miniconda" in action:
            ref = step_input(step, "environment-file")
            if ref is not None:
                found.append(ref)
    return found


def python_versions(workflow: Workflow) -> list[Ref]:
    """Every ``python-version``: matrix entries and setup-python inputs (expressions skipped)."""
    raw = workflow.lines()
    found: list[Ref] = []
    for _, job in jobs(workflow):
        matrix = dig(job, "strategy", "matrix")
        value = matrix.get("python-version") if isinstance(matrix, yamlfile.YamlMap) else None
        if isinstance(value, yamlfile.YamlList):
            found.extend(
                _ref(v, line, raw) for v, line in zip(value, value.item_lines, strict=True)
            )
        elif value is not None and isinstance(matrix, yamlfile.YamlMap):
            found.append(_ref(value, matrix.line_of("python-version"), raw))
    for step in steps_using(workflow, "actions/setup-python"):
        inputs = step.get("with")
        if isinstance(inputs, yamlfile.YamlMap) and inputs.get("python-version") is not None:
            found.append(_ref(inputs["python-version"], inputs.line_of("python-version"), raw))
    return [r for r in found if "${{" not in r.value]


def _ref(value: Any, line: int, raw: list[str]) -> Ref:
    # Workflows are read as text, but GitHub reads them as YAML 1.2: an unquoted 3.10 is the
    # number 3.1. The raw line tells whether it was written unquoted.
    text = str(value)
    if re.fullmatch(r"\d+\.\d+", text) and str(float(text)) != text and 0 < line <= len(raw):
        code = raw[line - 1].split("#", 1)[0]
        if re.search(rf"(?<![\w.'\"]){re.escape(text)}(?![\w.'\"])", code):
            return Ref(str(float(text)), line, written=text)
    return Ref(text, line)


def runners(workflow: Workflow) -> list[Ref]:
    """Runner labels of every job, with ``${{ matrix.os }}`` expanded from the matrix."""
    found: list[Ref] = []
    for _, job in jobs(workflow):
        runs_on = job.get("runs-on")
        labels = runs_on if isinstance(runs_on, list) else [runs_on]
        for label in (str(x) for x in labels if x is not None):
            match = re.search(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}", label)
            matrix = dig(job, "strategy", "matrix")
            values = matrix.get(match.group(1)) if match and isinstance(matrix, dict) else None
            if isinstance(values, yamlfile.YamlList):
                found.extend(
                    Ref(str(v), line) for v, line in zip(values, values.item_lines, strict=True)
                )
            else:
                found.append(Ref(label, job.line_of("runs-on")))
    return found


@dataclass(frozen=True)
class BuildSubmit:
    """A ``gcloud builds submit`` command: ``--tag`` builds the Dockerfile, else a config."""

    line: int
    tag: Ref | None
    config: Ref | None
    project: str | None


def build_submits(workflow: Workflow) -> list[BuildSubmit]:
    """Every ``gcloud builds submit`` in a ``run:`` script."""
    found = []
    for step in steps(workflow):
        script = step.get("run")
        if not isinstance(script, str) or "builds submit" not in script:
            continue
        # A block scalar (`run: |-`) starts on the line after its key.
        first = step.line_of("run") + (1 if "\n" in script else 0)
        lines = script.split("\n")
        joined = re.sub(r"\\\n", " ", script)
        for command in re.finditer(r"gcloud\s+builds\s+submit\b[^\n;&|]*", joined):
            words = shell_words(command.group(0))
            start = next((n for n, t in enumerate(lines) if "builds submit" in t), 0)
            tag = _option(words, ("--tag", "-t"))
            config = _option(words, ("--config",))
            found.append(
                BuildSubmit(
                    line=first + start,
                    tag=Ref(tag, first + _line_with(lines, tag, start)) if tag else None,
                    config=Ref(config, first + _line_with(lines, config, start))
                    if config
                    else None,
                    project=_option(words, ("--project",)),
                )
            )
    return found


def _line_with(lines: list[str], needle: str, start: int) -> int:
    return next((n for n, text in enumerate(lines[start:], start) if needle in text), start)


def _option(words: list[str], names: tuple[str, ...]) -> str | None:
    for index, word in enumerate(words):
        key, eq, value = word.partition("=")
        if key in names and eq:
            return value
        if word in names and index + 1 < len(words):
            return words[index + 1]
    return None


def gcloud_project(workflow: Workflow) -> str | None:
    """The Google Cloud project the workflow works in, from the auth or deploy step."""
    for action in ("google-github-actions/auth", "google-github-actions/deploy-cloudrun"):
        for step in steps_using(workflow, action):
            ref = step_input(step, "project_id")
            if ref is not None and "${{" not in ref.value:
                return ref.value
    return next((b.project for b in build_submits(workflow) if b.project), None)
