"""Reading the deploy workflow's env_vars for the project it deploys."""

from __future__ import annotations

import random
import shlex
from pathlib import Path

import pytest

from devkit import limits, paths, yamlfile
from devkit.errors import FileFormatError
from devkit.repo import projectfiles
from devkit.repo.github import queries, workflows

DEPLOY = """\
name: api Deploy
on:
  push:
    branches: [main]
    paths:
      - "projects/api/**/*"
defaults:
  run:
    working-directory: projects/api
jobs:
  Deploy:
    runs-on: ubuntu-latest
    steps:
      - id: "deploy"
        uses: "google-github-actions/deploy-cloudrun@v0"
        with:
          env_vars: |
            PYTHONUNBUFFERED=True,PROJECT_ID=acme,AIRTABLE_TOKEN=${{ secrets.AIRTABLE_TOKEN }}
            GMAPS_API_KEY=${{ secrets.GMAPS_API_KEY }}
"""


def write_workflow(root: Path, name: str, text: str) -> Path:
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_env_var_keys_of_the_deploy(tmp_path: Path) -> None:
    write_workflow(tmp_path, "api-deploy.yml", DEPLOY)
    found, errors = workflows.load_all(tmp_path)
    assert errors == []
    (deploy,) = found
    assert deploy.concerns("projects/api")
    assert not deploy.concerns("projects/etl")
    assert deploy.deploy_env_var_keys() == [
        "PYTHONUNBUFFERED",
        "PROJECT_ID",
        "AIRTABLE_TOKEN",
        "GMAPS_API_KEY",
    ]


def test_paths_filter_alone_is_enough(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        "x.yaml",
        DEPLOY.replace("    working-directory: projects/api\n", "    shell: bash\n"),
    )
    (deploy,), _ = workflows.load_all(tmp_path)
    assert deploy.concerns("projects/api")


def test_unreadable_workflow_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, "broken.yml", "jobs:\n  a: 'unterminated\n")
    found, errors = workflows.load_all(tmp_path)
    assert found == []
    assert errors[0].path == path and errors[0].line == 2


def test_only_the_workflows_naming_a_project_are_read_for_it(tmp_path: Path) -> None:
    deploy = write_workflow(tmp_path, "api-deploy.yml", DEPLOY)
    broken = write_workflow(tmp_path, "etl.yml", "on:\n  push:\n    paths: [projects/etl/**\n")
    found, errors = workflows.load_all(tmp_path, mentioning=("projects/api",))
    assert ([w.path for w in found], errors) == ([deploy], [])
    found, errors = workflows.load_all(tmp_path, mentioning=("projects/etl",))
    assert found == [] and [e.path for e in errors] == [broken]
    found, errors = workflows.load_all(tmp_path)
    assert [w.path for w in found] == [deploy] and [e.path for e in errors] == [broken]


def test_no_workflows_folder(tmp_path: Path) -> None:
    assert workflows.load_all(tmp_path) == ([], [])


def test_plain_values_keep_their_text_and_on_is_a_key(tmp_path: Path) -> None:
    # GitHub reads workflows as YAML 1.2: `on` is a key, `yes` and `1:30` are text.
    write_workflow(
        tmp_path,
        "x.yml",
        "on:\n"
        "  push:\n"
        "    paths: [projects/api/**]\n"
        "jobs:\n"
        "  yes:\n"
        "    runs-on: ubuntu-latest\n"
        "    env: {DEBUG: yes, FLAG: on, T: 1:30}\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n",
    )
    (workflow,), _ = workflows.load_all(tmp_path)
    assert workflow.triggers() == {"push": {"paths": ["projects/api/**"]}}
    assert list(workflow.data) == ["on", "jobs"]
    assert workflow.data["jobs"]["yes"]["env"] == {"DEBUG": "yes", "FLAG": "on", "T": "1:30"}
    assert [job_id for job_id, _ in queries.jobs(workflow)] == ["yes"]
    assert queries.triggers(workflow) == workflow.triggers()


def test_merge_keys_in_a_workflow(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        "x.yml",
        "on: {push: {paths: [projects/api/**]}}\n"
        "x-defaults: &run\n"
        "  runs-on: ubuntu-latest\n"
        "jobs:\n"
        "  a:\n"
        "    <<: *run\n"
        "    steps: [{uses: actions/checkout@v4}]\n",
    )
    (workflow,), errors = workflows.load_all(tmp_path)
    assert errors == []
    assert [r.value for r in queries.runners(workflow)] == ["ubuntu-latest"]


def test_an_unquoted_3_10_is_still_read_as_github_reads_it(tmp_path: Path) -> None:
    write_workflow(
        tmp_path,
        "x.yml",
        "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n"
        "        python-version: [3.9, 3.10, '3.11']\n"
        "    steps:\n"
        "      - uses: actions/setup-python@v5\n"
        "        with:\n"
        '          python-version: "3.10"\n',
    )
    (workflow,), _ = workflows.load_all(tmp_path)
    refs = queries.python_versions(workflow)
    assert [(r.value, r.written) for r in refs] == [
        ("3.9", None),
        ("3.1", "3.10"),
        ("3.11", None),
        ("3.10", None),
    ]


def test_lines_are_quoted_from_the_text_parsed(tmp_path: Path) -> None:
    # A workflow edited after the run read it: its lines are still the ones its marks count
    # (the run reads each file once), not the new file's.
    path = write_workflow(
        tmp_path,
        "x.yml",
        "on: push\njobs:\n  a:\n    strategy:\n      matrix:\n        python-version: [3.10]\n",
    )
    (workflow,), _ = workflows.load_all(tmp_path)
    path.write_text("# moved down\n" + path.read_text().replace("[3.10]", "['3.10']"))
    assert workflow.lines()[5] == "        python-version: [3.10]"
    assert [(r.value, r.written) for r in queries.python_versions(workflow)] == [("3.1", "3.10")]
    # One made without its text (lockstep's copies) reads the file.
    assert workflows.Workflow(path, workflow.data).lines()[0] == "# moved down"


def test_a_deeply_nested_workflow_is_an_error(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, "deep.yml", "jobs: " + "[" * 5000 + "]" * 5000 + "\n")
    found, errors = workflows.load_all(tmp_path)
    assert found == [] and errors[0].path == path and errors[0].line == 1
    assert "nested more than 64 levels" in errors[0].message


def test_a_workflow_outside_the_monorepo_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write_workflow(root, "ok.yml", DEPLOY)
    (tmp_path / "secret").write_text("AWS_SECRET: hunter2-not-yaml: [\n")
    link = root / ".github" / "workflows" / "evil.yml"
    link.symlink_to(tmp_path / "secret")
    found, errors = workflows.load_all(root)
    assert [w.path.name for w in found] == ["ok.yml"]
    [error] = errors
    assert error.path == link and "outside the monorepo" in error.message
    assert "hunter2" not in error.message


def test_concerns_a_folder_not_one_that_starts_like_it(tmp_path: Path) -> None:
    text = DEPLOY.replace('"projects/api/**/*"', '"projects/api-v2/**"').replace(
        "working-directory: projects/api", "working-directory: projects/etl/"
    )
    write_workflow(tmp_path, "x.yml", text)
    (deploy,), _ = workflows.load_all(tmp_path)
    assert deploy.concerns("projects/api-v2") and deploy.concerns("projects/api-v2/")
    assert deploy.concerns("projects/etl")
    assert not deploy.concerns("projects/api") and not deploy.concerns("projects/et")
    assert deploy.concerned_dirs() == {"projects", "projects/api-v2", "projects/etl"}


def test_command_words_are_shlex_words() -> None:
    # Commands without quotes or escapes skip shlex; they must still split as shlex splits them.
    pieces = ["gcloud", "builds", "submit", "--tag=x", " ", "  ", "\t", "é", "#", "$X", "a\x0bb"]
    pieces += ["'q'", '"d"', "\\ ", "-t", "\xa0", "'"]
    rnd = random.Random(3)  # noqa: S311 - reproducible test data, not a secret
    for _ in range(2000):
        command = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        try:
            expected = shlex.split(command)
        except ValueError:
            expected = command.split()
        assert projectfiles.shell_words(command) == expected, repr(command)


def _glob_load_all(root: Path, mentioning: tuple[str, ...]) -> list[tuple[object, ...]]:
    """load_all as it was before it listed the folder with scandir: the reference."""
    folder = root / ".github" / "workflows"
    seen: list[tuple[object, ...]] = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        target = paths.escapes(path, root)
        if target is not None:
            message = f"resolves to {target}, outside the monorepo: devkit does not read it"
            seen.append(_said(FileFormatError(path, message)))
            continue
        if mentioning:
            try:
                data = limits.read_capped(path, limits.YAML.max_bytes)
            except (OSError, FileFormatError):
                data = None
            if data is not None and not any(n.encode() in data for n in mentioning):
                continue
        try:
            parsed = yamlfile.load(path, text=True)
        except FileFormatError as exc:
            seen.append(_said(exc))
            continue
        if isinstance(parsed, yamlfile.YamlMap):
            seen.append(("workflow", path))
        else:
            seen.append(_said(FileFormatError(path, "expected a mapping at the top level", line=1)))
    return seen


def _said(error: FileFormatError) -> tuple[object, ...]:
    return ("error", error.path, error.message, error.line, error.hint)


def _seen(root: Path, mentioning: tuple[str, ...]) -> list[tuple[object, ...]]:
    found, errors = workflows.load_all(root, mentioning=mentioning)
    return [("workflow", w.path) for w in found] + [_said(e) for e in errors]


def _reference(root: Path, mentioning: tuple[str, ...]) -> list[tuple[object, ...]]:
    # load_all gives the workflows, then the errors, each in the order of the folder's names.
    seen = _glob_load_all(root, mentioning)
    return [s for s in seen if s[0] == "workflow"] + [s for s in seen if s[0] == "error"]


def _odd_workflows(root: Path, elsewhere: Path) -> None:
    write_workflow(root, "a.yml", DEPLOY)
    write_workflow(root, "B.yaml", DEPLOY.replace("projects/api", "projects/etl"))
    write_workflow(root, "a-b.yml", "on: push\njobs: {x: {run: projects/api}}\n")
    write_workflow(root, "a.yaml", "jobs:\n  a: 'projects/api unterminated\n")
    write_workflow(root, "c.yml", "jobs:\n  a: 'unterminated, names no project\n")
    write_workflow(root, ".yml", "# projects/api\n")
    write_workflow(root, "notes.txt", "projects/api: [\n")
    write_workflow(root, "a.yml.bak", "projects/api: [\n")
    cap = limits.YAML.max_bytes
    write_workflow(root, "big.yml", "#" * (cap + 1))
    write_workflow(root, "big-api.yml", "# projects/api\n" + "#" * cap)
    write_workflow(root, "at-cap.yml", "# projects/api\n" + "#" * (cap - 16) + "\n")
    write_workflow(root, "at-cap-other.yml", "# projects/etl\n" + "#" * (cap - 16) + "\n")
    for size in (64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1):  # around load_all's first read
        write_workflow(root, f"tail-{size}.yml", "#" * (size - 15) + "\n# projects/api")
    folder = root / ".github" / "workflows"
    (folder / "folder.yml").mkdir()
    (folder / "inside-link.yml").symlink_to("a.yml")
    (folder / "broken-link.yml").symlink_to("gone.yml")
    (elsewhere / "secret.yml").write_text("AWS_SECRET: hunter2-not-yaml: [\n")
    (folder / "outside-link.yml").symlink_to(elsewhere / "secret.yml")


NEEDLES = [(), ("projects/api",), ("projects/etl",), ("projects/api", "projects/etl"), ("zz",)]


@pytest.mark.parametrize("mentioning", NEEDLES)
def test_the_mention_filter_reads_as_the_glob_did(
    tmp_path: Path, mentioning: tuple[str, ...]
) -> None:
    # Every kind of entry the folder may hold, each tested in plain system calls or by its
    # path: the same workflows and the same errors, in the same order, as the glob gave.
    root = tmp_path / "repo"
    (tmp_path / "elsewhere").mkdir()
    _odd_workflows(root, tmp_path / "elsewhere")
    assert _seen(root, mentioning) == _reference(root, mentioning)
    _, errors = workflows.load_all(root, mentioning=mentioning)
    assert any("outside the monorepo" in e.message for e in errors)
    assert all("hunter2" not in e.message for e in errors)


@pytest.mark.parametrize("mentioning", NEEDLES)
def test_a_workflows_folder_outside_refuses_every_file(
    tmp_path: Path, mentioning: tuple[str, ...]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    _odd_workflows(elsewhere, tmp_path)
    root = tmp_path / "repo"
    (root / ".github").mkdir(parents=True)
    (root / ".github" / "workflows").symlink_to(elsewhere / ".github" / "workflows")
    found, errors = workflows.load_all(root, mentioning=mentioning)
    assert found == []
    assert _seen(root, mentioning) == _reference(root, mentioning)
    assert len(errors) == 17 and all("outside the monorepo" in e.message for e in errors)
