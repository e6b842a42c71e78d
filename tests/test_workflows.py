"""Reading the deploy workflow's env_vars for the project it deploys."""

from __future__ import annotations

from pathlib import Path

from devkit.repo.github import workflows

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
    found, errors = workflows.load_all(tmp_path, mentioning="projects/api")
    assert ([w.path for w in found], errors) == ([deploy], [])
    found, errors = workflows.load_all(tmp_path, mentioning="projects/etl")
    assert found == [] and [e.path for e in errors] == [broken]
    found, errors = workflows.load_all(tmp_path)
    assert [w.path for w in found] == [deploy] and [e.path for e in errors] == [broken]


def test_no_workflows_folder(tmp_path: Path) -> None:
    assert workflows.load_all(tmp_path) == ([], [])
