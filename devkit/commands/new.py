"""``devkit new``: a project whose files agree by construction, from the packaged template.

Writes ``<projects folder>/<name>/`` (environment.yml, main.py, entrypoint.sh, Dockerfile,
cloudbuild.yaml, .pylintrc, .env.example, .dockerignore, tests/) and the checks and deploy
workflows, every placeholder filled. Never overwrites anything.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from devkit import console
from devkit.conda import envs, envspec
from devkit.errors import DevkitError, FileFormatError, UsageError
from devkit.ports import DEFAULT_PORT
from devkit.repo import deprecations, templates
from devkit.repo.monorepo import Monorepo, validate_project_name

# The template's building blocks that are not questions: change them here in a fork.
MINIFORGE_TAG = "25.11.0-0"  # condaforge/miniforge3 image tag (Miniforge release, 2025-11)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Question:
    """A value the template needs: its flag, the question, its default, what is valid."""

    key: str
    flag: str
    prompt: str
    default: str | None  # None: required; "{project}" is the new project's name
    pattern: str
    rule: str
    asked: bool = True  # asked on a terminal; the others take their default or flag

    def default_for(self, project: str) -> str | None:
        """The default with the project's name filled in (dashes for underscores: Cloud Run
        names take none)."""
        return (
            self.default.replace("{project}", project.replace("_", "-")) if self.default else None
        )

    def problem(self, value: str) -> str | None:
        """Why a value is not valid, or None."""
        return None if re.fullmatch(self.pattern, value) else f"{self.flag} {value!r}: {self.rule}"


QUESTIONS = (
    Question(
        "gcloud_project",
        "--gcloud-project",
        "Google Cloud project id",
        None,
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]",
        "6 to 30 lowercase letters, digits or hyphens, starting with a letter",
    ),
    Question(
        "service",
        "--service",
        "Cloud Run service name",
        "{project}",
        r"[a-z]([a-z0-9-]{0,47}[a-z0-9])?",
        "up to 49 lowercase letters, digits or hyphens, starting with a letter",
    ),
    Question(
        "region",
        "--region",
        "Region (Cloud Run and Artifact Registry)",
        "us-central1",
        r"[a-z]+-[a-z]+[0-9]+",
        "a Google Cloud region such as us-central1 or europe-west4",
    ),
    Question(
        "python",
        "--python",
        "Python version",
        "3.12",
        r"3\.[0-9]+",
        "a Python minor version such as 3.12",
    ),
    Question(
        "black",
        "--black",
        "black version",
        "25.1.0",
        r"[0-9]+\.[0-9]+(\.[0-9]+)?",
        "a black release such as 25.1.0",
        asked=False,
    ),
    Question(
        "artifact_repo",
        "--artifact-repo",
        "Artifact Registry repository",
        "cloud-run-source-deploy",
        r"[a-z]([a-z0-9-]*[a-z0-9])?",
        "lowercase letters, digits or hyphens, starting with a letter",
        asked=False,
    ),
)
BY_KEY = {q.key: q for q in QUESTIONS}
Ask = Callable[[Question, str | None], str]


@dataclass(frozen=True)
class NewRequest:
    """What ``devkit new`` was asked to create; ``values`` holds flags given (key -> value)."""

    name: str
    values: Mapping[str, str | None]
    yes: bool = False  # take defaults instead of asking
    lock: bool = False  # CI and the image install conda-lock.yml, which is written at once


def validate_name(monorepo: Monorepo, name: str) -> None:
    """The folder rules every command applies, plus what image and env names accept."""
    validate_project_name(name, monorepo.projects_dir)
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"invalid project name {name!r} for a new project",
            hint="use lowercase letters, digits, `-` and `_`, starting with a letter or digit: "
            "the name becomes the env, the image and the service name",
        )


def _check_env_name_free(monorepo: Monorepo, name: str) -> None:
    """No project's environment file already claims the env name the new one would take."""
    parsed = []
    for project in monorepo.projects():
        with contextlib.suppress(FileFormatError):
            parsed.append((project, envspec.parse(project.env_file, dependencies=False)))
    owners = envs.name_claims(parsed).get(name)
    if owners:
        raise DevkitError(
            f"project `{owners[0]}` already has an env called `{name}`",
            hint="pick another name: two projects with one env name overwrite each other",
        )


def resolve(
    name: str, given: Mapping[str, str | None], ask: Ask | None, lock: bool = False
) -> dict[str, str]:
    """Every template variable: the flag, else the answer (when ``ask``), else the default;
    ``lock``: CI installs the project's conda-lock.yml, cached on its hash."""
    values = {"project": name}
    for question in QUESTIONS:
        value = given.get(question.key)
        default = question.default_for(name)
        if value is None and ask is not None and question.asked:
            value = ask(question, default)
        from_default = value is None
        value = value if value is not None else default
        if value is None:
            raise UsageError(
                f"{question.flag} is required ({question.prompt}) and there is no terminal to ask",
                hint=f"pass {question.flag} VALUE",
            )
        problem = question.problem(value.strip())
        if problem:
            if from_default:
                problem = (
                    f"{question.flag} defaults to {value.strip()!r} (made from the project "
                    f"name), which is not valid: {question.rule}"
                )
            raise UsageError(problem, hint=f"pass {question.flag} VALUE")
        values[question.key] = value.strip()
    values["registry"] = f"{values['region']}-docker.pkg.dev"
    values["port"] = str(DEFAULT_PORT)
    values["miniforge"] = MINIFORGE_TAG
    values["debian"] = deprecations.CURRENT_DEBIAN
    # A lock is installed as it is and cached on its hash; environment.yml is solved on each
    # run (a cache keyed on the file would keep yesterday's solve of loose specs forever).
    values["ci_env_file"] = "conda-lock.yml" if lock else "environment.yml"
    values["ci_cache"] = "true" if lock else "false"
    values["micromamba_image"] = deprecations.CURRENT_MICROMAMBA_TAG
    values["variant"] = "lock" if lock else ""  # Dockerfile@lock: the image from the lock
    return values


def create(monorepo: Monorepo, values: Mapping[str, str]) -> list[Path]:
    """Write the filled template; refuse if any target exists. Returns the files written."""
    name = values["project"]
    projects_dir = monorepo.config.projects_dir.strip("/")
    files = templates.render(values, projects_dir)
    folder = monorepo.projects_dir / name
    taken = [monorepo.root / f.path for f in files if (monorepo.root / f.path).exists()]
    if folder.exists() or taken:
        raise DevkitError(
            f"{folder if folder.exists() else taken[0]} already exists",
            hint="devkit new never overwrites: pick another name, or remove it first",
        )
    prefix = f"{projects_dir}/{name}/"
    inside = [f for f in files if f.path.startswith(prefix)]
    outside = [f for f in files if not f.path.startswith(prefix)]
    # The project is staged next to its final folder and moved in with one rename, so an error
    # halfway leaves no half project behind.
    staging = monorepo.projects_dir / f".{name}.devkit-new"
    shutil.rmtree(staging, ignore_errors=True)
    created: list[Path] = []
    try:
        for item in inside:
            _write(staging / item.path.removeprefix(prefix), item)
        for item in outside:
            created.append(_write(monorepo.root / item.path, item))
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return [folder / f.path.removeprefix(prefix) for f in inside] + created


def _write(target: Path, item: templates.RenderedFile) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    # "x": fail rather than overwrite, even if something appeared since the check above.
    with target.open("x", encoding="utf-8", newline="\n") as handle:
        handle.write(item.text)
    if item.executable:
        target.chmod(0o755)
    return target


def new(monorepo: Monorepo, request: NewRequest, ask: Ask | None) -> int:
    """Create the project and say what to do next."""
    validate_name(monorepo, request.name)
    folder = monorepo.projects_dir / request.name
    if folder.exists():  # before any question: nothing to ask about a name that is taken
        raise DevkitError(
            f"{folder} already exists",
            hint="devkit new never overwrites: pick another name, or remove it first",
        )
    _check_env_name_free(monorepo, request.name)
    values = resolve(request.name, request.values, None if request.yes else ask, request.lock)
    written = create(monorepo, values)
    out = console.out()
    for path in written:
        out.print(f"created {path.relative_to(monorepo.root).as_posix()}", markup=False)
    name = request.name
    relative = folder.relative_to(monorepo.root).as_posix()
    code = _lock(monorepo, name) if request.lock else 0
    out.print(
        "\nNext:\n"
        f"  devkit doctor {name} --fix   # creates the env and .env (from .env.example)\n"
        f"  devkit run {name}            # serves /health on http://127.0.0.1:{DEFAULT_PORT}\n"
        f"  git add {relative} .github/workflows/{name}-*.yml",
        markup=False,
    )
    return code


def _lock(monorepo: Monorepo, name: str) -> int:
    """Write the lock the new workflow and Dockerfile install; say so if it cannot be made."""
    from devkit.commands import lock as lock_cmd  # solves: loaded for --lock only

    try:
        console.out().print(lock_cmd.lock_new(monorepo, name), markup=False)
    except DevkitError as exc:
        console.error(exc)
        console.warn(
            f"CI and the Dockerfile of {name} install conda-lock.yml: run `devkit lock {name}` "
            "once environment.yml solves, before committing"
        )
        return 1
    return 0
