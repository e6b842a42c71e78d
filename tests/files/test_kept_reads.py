"""What doctor keeps of a project's files between runs (by their stat): never stale, never
another file's.

Each run is a process of its own, as devkit's runs are: what one keeps, the next finds on disk.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from devkit.repo import projectfiles
from tests.support.nextrun import run_json

RUN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from devkit import parsecache
    from devkit.repo import projectfiles

    parsecache.RACY_S = -60.0  # the files were just written: count them as settled
    parsed = []
    for name in ("parse_dockerfile", "read_entrypoint", "placeholders"):
        real = getattr(projectfiles, name)
        def counting(path, real=real, name=name):
            parsed.append(f"{name} {Path(path).name}")
            return real(path)
        setattr(projectfiles, name, counting)

    found = {}
    for arg in sys.argv[1:]:
        path = Path(arg)
        read = projectfiles.read(path, cache=True)
        if path.name == "Dockerfile":
            found[arg] = [str(read.path), [i.args for i in read.instructions]]
        elif path.name == "entrypoint.sh":
            found[arg] = [str(read.path), read.executable, list(read.default_ports)]
    paths = [Path(a) for a in sys.argv[1:]]
    found["placeholders"] = projectfiles.placeholders_of(paths)
    parsecache.save_all()
    print(json.dumps({"parsed": parsed, "found": found}))
    """
)


def run(home: Path, *files: Path) -> dict:
    """One doctor-like run reading ``files``: what it parsed and what it found."""
    return run_json(RUN, *map(str, files), home=home)


# What a run reads of the project below when nothing of it is kept.
EVERYTHING = [
    "parse_dockerfile Dockerfile",
    "placeholders Dockerfile",
    "placeholders entrypoint.sh",
    "read_entrypoint entrypoint.sh",
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM debian:trixie-slim\nRUN echo <project-name>\n")
    (folder / "entrypoint.sh").write_text('#!/bin/sh\nexec app --port "${PORT:-8000}"\n')
    return folder


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, project: Path) -> None:
    files = (project / "Dockerfile", project / "entrypoint.sh")
    first = run(tmp_path / "home", *files)
    assert sorted(first["parsed"]) == EVERYTHING
    second = run(tmp_path / "home", *files)
    assert second["parsed"] == []
    assert second["found"] == first["found"]
    assert second["found"]["placeholders"] == [[[2, "<project-name>"]], []]


def test_an_edit_or_a_chmod_is_read(tmp_path: Path, project: Path) -> None:
    files = (project / "Dockerfile", project / "entrypoint.sh")
    run(tmp_path / "home", *files)
    (project / "Dockerfile").write_text("FROM debian:trixie-slim\nRUN echo svc\n")
    (project / "entrypoint.sh").chmod(0o755)  # the content and mtime stay: the ctime moves
    after = run(tmp_path / "home", *files)
    assert sorted(after["parsed"]) == EVERYTHING
    dockerfile, entrypoint = (after["found"][str(f)] for f in files)
    assert dockerfile[1] == ["debian:trixie-slim", "echo svc"]
    assert entrypoint[1] is True
    assert after["found"]["placeholders"] == [[], []]


def test_a_hard_link_is_read_as_the_path_asked(tmp_path: Path, project: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    os.link(project / "Dockerfile", other / "Dockerfile")
    run(tmp_path / "home", project / "Dockerfile")
    second = run(tmp_path / "home", other / "Dockerfile")
    assert second["parsed"] == []  # the same file: its instructions are kept once
    assert second["found"][str(other / "Dockerfile")][0] == str(other / "Dockerfile")


def test_an_error_is_read_each_run_and_a_vanished_file_has_no_placeholders(
    tmp_path: Path, project: Path
) -> None:
    (project / "Dockerfile").write_text("FORM debian\n")
    for _ in range(2):
        read = projectfiles.read(project / "Dockerfile", cache=True)
        assert str(read) == f"{project / 'Dockerfile'}:1: unknown instruction `FORM`"
    assert projectfiles.placeholders_of([project / "gone.txt", project / "Dockerfile"]) == [[], []]
