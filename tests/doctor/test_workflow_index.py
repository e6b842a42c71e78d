"""The run's workflow index: what it keeps of each workflow between runs is never stale.

Each run is a process of its own, as doctor's runs are: what one keeps, the next finds on disk.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.nextrun import run_json

RUN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from devkit import parsecache
    from devkit.doctor import workflowindex
    from devkit.repo import monorepo as repo

    looked = []
    real = workflowindex._facts_of
    def counting(workflow, base):
        looked.append(workflow.path.name)
        return real(workflow, base)
    workflowindex._facts_of = counting

    monorepo = repo.load(Path(sys.argv[1]))
    index = workflowindex.WorkflowIndex(monorepo, frozenset(["api", "web"]))
    print(json.dumps({
        "by_project": {p.name: [w.path.name for w in index.of_project(p)]
                       for p in monorepo.projects()},
        "deploys": {w.path.name: index.is_deploy(w) for w in index.workflows},
        # The folder index production's variables are read through.
        "api_workflows": [w.path.name for w in index._concerning.get("projects/api", [])],
        "production": index.production_variables(monorepo.project("api")),
        "parsed": sorted(looked),
    }))
    parsecache.save_all()
    """
)

CHECKS = """\
on:
  push:
    paths: ["projects/api/**"]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
"""
DEPLOY = """\
on: push
defaults:
  run:
    working-directory: projects/api
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: gcloud run deploy api --source .
      - uses: google-github-actions/deploy-cloudrun@v3
        with:
          env_vars: |
            REGION=eu,TOKEN=${{ secrets.TOKEN }}
"""


def run(root: Path, home: Path) -> dict:
    return run_json(RUN, str(root), home=home)


def test_kept_facts_follow_the_workflows_text(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name in ("api", "web"):
        (root / "projects" / name).mkdir(parents=True)
        (root / "projects" / name / "environment.yml").write_text(f"name: {name}\n")
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "checks.yml").write_text(CHECKS)
    (folder / "deploy.yml").write_text(DEPLOY)

    first = run(root, tmp_path / "home")
    assert first["parsed"] == ["checks.yml", "deploy.yml"]
    assert first["by_project"] == {"api": ["checks.yml", "deploy.yml"], "web": []}
    assert first["deploys"] == {"checks.yml": False, "deploy.yml": True}
    assert first["api_workflows"] == ["checks.yml", "deploy.yml"]
    deploy = ".github/workflows/deploy.yml"
    assert first["production"] == {"REGION": deploy, "TOKEN": deploy}

    second = run(root, tmp_path / "home")
    assert second["parsed"] == []  # nothing walked again: kept by their text
    assert {k: v for k, v in second.items() if k != "parsed"} == {
        k: v for k, v in first.items() if k != "parsed"
    }

    # The checks now watch web and build, the deploy sets one variable: both read again.
    checks = CHECKS.replace("projects/api", "projects/web")
    (folder / "checks.yml").write_text(checks.replace("pytest", "gcloud builds submit --tag x"))
    edited = DEPLOY.replace("gcloud run deploy api", "echo").replace("REGION=eu,", "")
    (folder / "deploy.yml").write_text(edited.replace("deploy-cloudrun@v3", "deploy-cloudrun@v2"))
    third = run(root, tmp_path / "home")
    assert third["parsed"] == ["checks.yml", "deploy.yml"]
    assert third["by_project"] == {"api": ["deploy.yml"], "web": ["checks.yml"]}
    assert third["deploys"] == {"checks.yml": True, "deploy.yml": True}
    assert third["production"] == {"TOKEN": deploy}
