"""The template: `{{ name }}` substitution, file names and modes, nothing left unfilled."""

from __future__ import annotations

import pytest

from devkit.errors import DevkitError
from devkit.repo import projectfiles, templates


def test_fill_leaves_github_expressions_alone() -> None:
    text = "name: {{ project }}\ngroup: ${{ github.workflow }}\nkey: ${{secrets.KEY}}\n{{python}}"
    assert templates.fill(text, {"project": "api", "python": "3.12"}) == (
        "name: api\ngroup: ${{ github.workflow }}\nkey: ${{secrets.KEY}}\n3.12"
    )


def test_fill_refuses_an_unknown_variable() -> None:
    with pytest.raises(DevkitError) as caught:
        templates.fill("x: {{ projcet }}", {"project": "api"}, source="template Dockerfile")
    assert "template Dockerfile uses `{{ projcet }}`" in caught.value.message
    assert caught.value.hint == "known variables: project"


def test_render_names_paths_modes_and_fills_everything() -> None:
    values = {
        "project": "geo",
        "gcloud_project": "acme-data",
        "service": "geo-svc",
        "region": "europe-west4",
        "python": "3.12",
        "black": "25.1.0",
        "artifact_repo": "apps",
        "registry": "europe-west4-docker.pkg.dev",
        "port": "8080",
        "miniforge": "25.11.0-0",
        "debian": "debian:trixie-slim",
        "ci_env_file": "environment.yml",
        "ci_cache": "false",
    }
    files = {f.path: f for f in templates.render(values, "services")}
    assert set(files) == {
        "services/geo/.dockerignore",
        "services/geo/.env.example",
        "services/geo/.pylintrc",
        "services/geo/Dockerfile",
        "services/geo/cloudbuild.yaml",
        "services/geo/entrypoint.sh",
        "services/geo/environment.yml",
        "services/geo/main.py",
        "services/geo/tests/__init__.py",
        "services/geo/tests/test_main.py",
        ".github/workflows/geo-checks.yml",
        ".github/workflows/geo-deploy.yml",
    }
    assert [p for p, f in files.items() if f.executable] == ["services/geo/entrypoint.sh"]
    for path, rendered in files.items():
        assert templates.PLACEHOLDER.search(rendered.text) is None, path
        assert not projectfiles.PLACEHOLDER.search(rendered.text), path
    deploy = files[".github/workflows/geo-deploy.yml"].text
    assert "europe-west4-docker.pkg.dev/acme-data/apps/geo:latest" in deploy
    assert "working-directory: services/geo\n" in deploy
    checks = files[".github/workflows/geo-checks.yml"].text
    assert "environment-file: services/geo/environment.yml" in checks
    compile(files["services/geo/main.py"].text, "main.py", "exec")
    compile(files["services/geo/tests/test_main.py"].text, "test_main.py", "exec")
