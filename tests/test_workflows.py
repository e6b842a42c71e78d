"""Reading the deploy workflow's env_vars for the project it deploys."""

from __future__ import annotations

import random
import shlex
from pathlib import Path

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
