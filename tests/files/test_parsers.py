"""The core readers: Dockerfile, entrypoint.sh, cloudbuild.yaml, env_vars, building blocks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from devkit.errors import FileFormatError
from devkit.repo import cloudbuild, deprecations, projectfiles
from devkit.repo.github import workflows

TODAY = dt.date(2026, 11, 25)

DOCKERFILE = """\
# syntax=docker/dockerfile:1
ARG BASE=condaforge/miniforge3:25.11.0-0
FROM --platform=linux/amd64 ${BASE} AS build
COPY environment.yml .
RUN mamba env create -y \\
  # a comment inside a continued command is dropped by Docker
  -n api -f environment.yml
RUN <<EOF
set -e
conda-pack --name=api -o /tmp/env.tar
EOF
RUN conda pack -n api -o /tmp/other.tar && echo done
FROM debian:trixie-slim AS prod
ENV PORT 8080
ENV LOG=info PORT=9090
ENTRYPOINT [ "/app/entrypoint.sh" ]
"""


def test_dockerfile_instructions_stages_and_env(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    parsed = projectfiles.parse_dockerfile(path)
    stages = parsed.stages()
    assert [(s.image, s.platform, s.alias, s.line) for s in stages] == [
        ("condaforge/miniforge3:25.11.0-0", "linux/amd64", "build", 3),
        ("debian:trixie-slim", None, "prod", 13),
    ]
    assert parsed.created_env_names() == [("api", 5)]
    # The heredoc's body is not parsed as instructions; conda-pack inside it is still found.
    assert parsed.conda_pack_names() == [("api", 8), ("api", 12)]
    assert parsed.env("PORT") == ("9090", 15)
    assert [i.keyword for i in parsed.instructions].count("RUN") == 3


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("FROM debian\nCOPY . /app\nRNU echo\n", 3, "unknown instruction `RNU`"),
        ("COPY . /app\n", 1, "no FROM instruction"),
        ("FROM --platform=linux/amd64\n", 1, "FROM without an image"),
    ],
)
def test_dockerfile_errors_have_lines(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    with pytest.raises(FileFormatError) as caught:
        projectfiles.parse_dockerfile(path)
    assert caught.value.line == line and problem in caught.value.message


def test_entrypoint_port_defaults(tmp_path: Path) -> None:
    path = tmp_path / "entrypoint.sh"
    path.write_text(
        '#!/bin/sh\n# PORT="1234" in a comment does not count\nexec app --port "${PORT:-8000}"\n'
    )
    script = projectfiles.read_entrypoint(path)
    assert script.reads_port and script.default_ports == ((8000, 3),)
    assert script.crlf_line is None and not script.executable


def test_non_utf8_files_are_parse_errors(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM debian\nRUN echo \xff\n")
    assert isinstance(projectfiles.read(path), FileFormatError)
    assert projectfiles.read(tmp_path / "cloudbuild.yaml") is None


def test_cloudbuild_images_with_substitutions(tmp_path: Path) -> None:
    path = tmp_path / "cloudbuild.yaml"
    path.write_text(
        "substitutions:\n  _REPO: apps\nsteps:\n"
        "  - name: docker\n"
        '    args: ["build", "-t", "eu-docker.pkg.dev/$PROJECT_ID/${_REPO}/api", "."]\n'
        'images: ["eu-docker.pkg.dev/${PROJECT_ID}/${_REPO}/api:build"]\n'
    )
    parsed = cloudbuild.read_cloudbuild(path)
    names = [str(cloudbuild.resolve(i, "acme")) for i in parsed.images]
    assert names == [
        "eu-docker.pkg.dev/acme/apps/api:latest",
        "eu-docker.pkg.dev/acme/apps/api:build",
    ]
    assert [i.line for i in parsed.images] == [5, 6]


def test_env_var_pieces_follow_deploy_cloudrun() -> None:
    value = 'A=1,B="x,y"\nC=a\\,b,  ,D\nE=${{ secrets.E }}\n'
    pieces = workflows.env_var_pieces(value, 10)
    assert [(p.key, p.line) for p in pieces] == [
        ("A", 10),
        ("B", 10),
        ("C", 11),
        (None, 11),
        ("E", 12),
    ]


@pytest.mark.parametrize(
    ("uses", "expected"),
    [
        ("actions/checkout@v2", "actions/checkout@v5"),
        ("actions/checkout@v4.1.1", "actions/checkout@v5"),
        ("Actions/Setup-Python@v5", "actions/setup-python@v6"),
        ("mamba-org/provision-with-micromamba@v16", "mamba-org/setup-micromamba@v3"),
        ("google-github-actions/auth@v0", "google-github-actions/auth@v3"),
        ("actions/checkout@v5", None),
        ("actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab", None),
        ("psf/black@stable", None),
        ("someone/unknown@v1", None),
    ],
)
def test_action_verdicts(uses: str, expected: str | None) -> None:
    found = deprecations.action_verdict(uses, TODAY)
    assert (found.replacement if found else None) == expected


def test_image_names_are_normalised() -> None:
    assert deprecations.split_image("docker.io/library/debian:buster-slim") == (
        "debian",
        "buster-slim",
    )
    assert deprecations.split_image("registry:5000/team/app") == ("registry:5000/team/app", None)
    assert deprecations.image_verdict("docker.io/library/debian:10", TODAY) is not None
    assert deprecations.image_verdict("ubuntu:buster-fan-club", TODAY) is not None
    assert deprecations.image_verdict("debian:trixie-slim", TODAY) is None
