"""A run's path answers, asked once each, are the ones asking every time gives."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from devkit.doctor.places import Places


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "projects" / "api").mkdir(parents=True)
    (root / "projects" / "api" / "environment.yml").write_text("name: api\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "real.yml").write_text("name: real\n")
    (root / "projects" / "linked").symlink_to(root / "projects" / "api")
    (root / "projects" / "api" / "to-file.yml").symlink_to(root / "elsewhere" / "real.yml")
    (root / "projects" / "api" / "dangling.yml").symlink_to(root / "nowhere.yml")
    (root / "projects" / "api" / "loop").symlink_to(root / "projects" / "api" / "loop")
    (tmp_path / "outside.env").write_text("A=1\n")
    (root / "projects" / "api" / ".env").symlink_to(tmp_path / "outside.env")
    (tmp_path / "alias").symlink_to(root)
    return root


def _ask(tree: Path) -> list[Path]:
    api = tree / "projects" / "api"
    return [
        api / "environment.yml",
        api / "missing.yml",
        api / "to-file.yml",
        api / "dangling.yml",
        api / ".env",
        api / "loop",
        tree / "projects" / "linked" / "environment.yml",
        tree / "projects" / "linked" / "to-file.yml",
        tree / "projects" / "api" / ".." / "api" / "environment.yml",
        tree / "no-folder" / "x.yml",
        tree.parent / "alias" / "projects" / "api" / "environment.yml",
        tree.parent / "alias" / "projects" / "linked" / "to-file.yml",
        Path("relative.yml"),
        Path("/"),
    ]


def _outcome(resolve: Callable[[Path], Path], path: Path) -> Path | str:
    try:
        return resolve(path)
    except RuntimeError as exc:  # a loop of links
        return str(exc)


def test_resolved_is_resolve(tree: Path) -> None:
    places = Places(tree)
    for _ in range(2):  # the second time from what the first found
        for path in _ask(tree):
            assert _outcome(places.resolved, path) == _outcome(Path.resolve, path), path


def test_a_loop_above_ends_as_resolve_does(tree: Path) -> None:
    # Before Python 3.13 resolve() raises RuntimeError on a loop of links; from 3.13 it returns
    # the path as far as it got. Either way, the same as resolve().
    path = tree / "projects" / "api" / "loop" / "x.yml"
    expected = _outcome(Path.resolve, path)
    assert _outcome(Places(tree).resolved, path) == expected
    assert _outcome(Places(tree).resolved, path.parent) == _outcome(Path.resolve, path.parent)


def test_outside_asked_twice_says_the_same(tree: Path) -> None:
    places = Places(tree)
    api = tree / "projects" / "api"
    first = [places.outside(p) for p in _ask(tree)[:5]]
    again = [places.outside(p) for p in _ask(tree)[:5]]
    assert [e is None for e in first] == [e is None for e in again]
    assert places.outside(api / ".env") is not None  # a link out of the clone
    assert places.outside(api / "environment.yml") is None
    assert places.outside(api / "environment.yml", link=False) is None
    assert os.path.islink(api / ".env")
