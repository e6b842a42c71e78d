"""The team's layout, generated: copies of `examples/monorepo`'s projects with every file a real
project has (environment.yml, .env.example and a filled-in .env, Dockerfile, entrypoint.sh,
cloudbuild.yaml, .pylintrc, main.py, pkg/, tests/), its two workflows in `.github/workflows/`
with their `paths:` filters and `working-directory`, and its entry in devkit.yaml.

`benchmarks/doctor.py` builds whole monorepos of them; `benchmarks/run.py` puts the service it
starts among them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = REPO_ROOT / "examples" / "monorepo"
EXAMPLES = ("address-api", "ingest")  # project i copies EXAMPLES[(i - 1) % 2]
WORKFLOWS = ("checks.yml", "deploy.yml")


@dataclass(frozen=True)
class Example:
    """One project of examples/monorepo: its files and workflows, ready to be renamed."""

    name: str
    files: tuple[tuple[str, str, bool], ...]  # relative path, text, executable
    workflows: tuple[tuple[str, str], ...]  # "checks.yml"/"deploy.yml", text
    environment: dict[str, object]
    run: str | None  # the run command examples/monorepo/devkit.yaml gives it

    def rename(self, text: str, project: str) -> str:
        """The example's name replaced by `project` wherever it stands as a name."""
        return re.sub(rf"(?<![\w.-]){re.escape(self.name)}(?![\w-])", project, text)


def load_example(name: str, config: dict[str, object]) -> Example:
    folder = SAMPLE / "projects" / name
    files = tuple(
        (
            path.relative_to(folder).as_posix(),
            path.read_text(encoding="utf-8"),
            os.access(path, os.X_OK),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    )
    workflows = tuple(
        (kind, (SAMPLE / ".github" / "workflows" / f"{name}-{kind}").read_text(encoding="utf-8"))
        for kind in WORKFLOWS
    )
    environment = yaml.safe_load((folder / "environment.yml").read_text(encoding="utf-8"))
    projects = config.get("projects") or {}
    entry = projects.get(name) if isinstance(projects, dict) else None
    run = entry.get("run") if isinstance(entry, dict) else None
    return Example(name, files, workflows, environment, run)


def load_examples() -> list[Example]:
    config = yaml.safe_load((SAMPLE / "devkit.yaml").read_text(encoding="utf-8")) or {}
    return [load_example(name, config) for name in EXAMPLES]


def dotenv_text(example: Example, example_text: str, project: str) -> str:
    """A filled-in .env from .env.example: each `changeme` becomes the value the deploy
    workflow gives the variable (PROJECT_ID=acme-data), else a token of this project's own."""
    deployed: dict[str, str] = {}
    for kind, text in example.workflows:
        if kind == "deploy.yml":
            deployed = dict(re.findall(r"(?:^|[\s,])([A-Z_][A-Z0-9_]*)=([\w.-]+)(?=[,\s])", text))
    lines = []
    for line in example_text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and value.strip() == "changeme":
            fallback = f"{key.lower().replace('_', '-')}-{project}-0123456789"
            line = f"{key}={deployed.get(key, fallback)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def project_names(count: int, examples: Sequence[Example]) -> Iterator[tuple[str, Example]]:
    for index in range(1, count + 1):
        example = examples[(index - 1) % len(examples)]
        yield f"{example.name}-{index:04d}", example


def write_project(root: Path, name: str, example: Example) -> Path:
    """Write project `name` as a copy of `example` (files, .env, both workflows); its folder."""
    folder = root / "projects" / name
    for relative, text, executable in example.files:
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text if relative.endswith(".py") else example.rename(text, name))
        if executable:
            target.chmod(0o755)
    env_example = (folder / ".env.example").read_text()
    (folder / ".env").write_text(dotenv_text(example, env_example, name))
    write_workflows(root, name, example)
    return folder


def write_workflows(root: Path, name: str, example: Example) -> None:
    """The example's checks and deploy workflows, for project `name`."""
    workflows = root / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    for kind, text in example.workflows:
        (workflows / f"{name}-{kind}").write_text(example.rename(text, name))


def write_config(root: Path, runs: Mapping[str, str]) -> None:
    """devkit.yaml, as examples/monorepo's: each project's run command, where it has one."""
    config = {
        "projects_dir": "projects",
        "projects": {name: {"run": run} for name, run in runs.items()},
    }
    (root / "devkit.yaml").write_text(
        "# devkit.yaml — optional; every key has a default\n"
        + yaml.safe_dump(config, sort_keys=False)
    )
