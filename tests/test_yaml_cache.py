"""Parses kept between runs on ``parsecache`` shelves: YAML (``yamlfile.parse(cache=True)``) and
environment files (``envspec.parse(cache=True)``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit import limits, parsecache, yamlfile
from devkit.conda import envspec
from devkit.errors import FileFormatError
from devkit.parsecache import Shelf
from devkit.yamlfile import lines as yamllines
from devkit.yamlfile import loaders as yamlloaders

WORKFLOW = """\
name: checks
on:
  push:
    paths: [projects/api/**]
env: {DEBUG: yes, MODE: 0755}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: |
          pytest -q
      - with:
          env_vars: A=1,B=2
"""


def marks(value: Any) -> Any:
    """The value with every line mark and type spelt out, for an exact comparison."""
    if isinstance(value, yamlfile.YamlMap):
        return (
            "map",
            value.line,
            [(k, value.key_lines[k], marks(v)) for k, v in value.items()],
        )
    if isinstance(value, yamlfile.YamlList):
        return ("list", value.line, value.item_lines, [marks(v) for v in value])
    return (type(value).__name__, value)


class Counted:
    """A parser that counts its calls (what a shelf must not make twice)."""

    def __init__(self, parse: Callable[[], Any]) -> None:
        self.parse = parse
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.parse()


@pytest.fixture
def new_shelf() -> Iterator[Callable[[], Shelf]]:
    """Shelves as a fresh process has them: nothing in memory, only what is on disk."""
    made: list[Shelf] = []

    def make() -> Shelf:
        shelf = Shelf("yaml-test", code=[yamlfile, yamlloaders, yamllines])
        made.append(shelf)
        return shelf

    yield make
    # A test's shelf is not one a later doctor run in this process should write back.
    parsecache._SHELVES[:] = [s for s in parsecache._SHELVES if s not in made]


def parse_text(raw: bytes, path: Path) -> Callable[[], Any]:
    return lambda: yamlfile.parse(raw, path, text=True)


def test_the_same_bytes_are_parsed_once(tmp_path: Path, new_shelf: Callable[[], Shelf]) -> None:
    shelf = new_shelf()
    raw = WORKFLOW.encode()
    parser = Counted(parse_text(raw, tmp_path / "a.yml"))
    first = shelf.by_content(raw, "text", parser)
    second = shelf.by_content(raw, "text", parser)
    assert parser.calls == 1
    assert second is first
    # Another reading of the same bytes is another parse.
    other = Counted(lambda: yamlfile.parse(raw, tmp_path / "a.yml"))
    assert shelf.by_content(raw, "yaml 1.1", other)["env"]["DEBUG"] is True
    assert other.calls == 1


def test_a_changed_file_is_parsed_again(tmp_path: Path, new_shelf: Callable[[], Shelf]) -> None:
    shelf = new_shelf()
    path = tmp_path / "a.yml"
    path.write_text(WORKFLOW)
    parser = Counted(lambda: yamlfile.parse(path.read_bytes(), path, text=True))
    shelf.by_content(path.read_bytes(), "text", parser)
    path.write_text(WORKFLOW.replace("checks", "deploy"))
    assert shelf.by_content(path.read_bytes(), "text", parser)["name"] == "deploy"
    assert parser.calls == 2


def test_an_error_is_not_kept(tmp_path: Path, new_shelf: Callable[[], Shelf]) -> None:
    shelf = new_shelf()
    path = tmp_path / "bad.yml"
    path.write_text("name: a\njobs: [unclosed\n")
    raw = path.read_bytes()
    parser = Counted(parse_text(raw, path))
    for _ in range(2):
        with pytest.raises(FileFormatError) as caught:
            shelf.by_content(raw, "text", parser)
        assert caught.value.line == 2
        assert str(path) in caught.value.message
    assert parser.calls == 2
    shelf.save()
    with pytest.raises(FileFormatError):
        new_shelf().by_content(raw, "text", parser)
    assert parser.calls == 3


def test_a_fresh_process_reads_the_shelf_exactly(
    tmp_path: Path, new_shelf: Callable[[], Shelf]
) -> None:
    raw = WORKFLOW.encode()
    path = tmp_path / "a.yml"
    shelf = new_shelf()
    shelf.by_content(raw, "text", parse_text(raw, path))
    shelf.save()
    later = new_shelf()
    parser = Counted(parse_text(raw, path))
    kept = later.by_content(raw, "text", parser)
    assert parser.calls == 0
    fresh = yamlfile.parse(raw, path, text=True)
    assert kept is not fresh
    assert marks(kept) == marks(fresh)
    assert kept == fresh


REPO = Path(__file__).resolve().parents[1]
# The example monorepo, devkit's own CI and a conda-lock file (the templates are not YAML
# until filled in).
EXAMPLES = sorted(
    [
        *REPO.glob("examples/**/*.y*ml"),
        *REPO.glob(".github/workflows/*.yml"),
        *REPO.glob("tests/drift/data/*.yml"),
    ]
)


def reader(raw: bytes, path: Path, text: bool) -> Callable[[], Any]:
    return lambda: yamlfile.parse(raw, path, text=text)


@pytest.mark.parametrize("text", [True, False])
def test_every_example_comes_back_from_disk_exactly(
    text: bool, new_shelf: Callable[[], Shelf]
) -> None:
    assert len(EXAMPLES) >= 10
    shelf = new_shelf()
    for path in EXAMPLES:
        raw = path.read_bytes()
        shelf.by_content(raw, text, reader(raw, path, text))
    shelf.save()
    later = new_shelf()
    nothing = Counted(lambda: None)
    for path in EXAMPLES:
        raw = path.read_bytes()
        fresh = yamlfile.parse(raw, path, text=text)
        assert marks(later.by_content(raw, text, nothing)) == marks(fresh), path
    assert nothing.calls == 0


def test_a_damaged_shelf_is_ignored_and_rewritten(
    tmp_path: Path, new_shelf: Callable[[], Shelf]
) -> None:
    raw = WORKFLOW.encode()
    shelf = new_shelf()
    shelf.by_content(raw, "text", parse_text(raw, tmp_path / "a.yml"))
    shelf.save()
    shelf.path.write_bytes(shelf.path.read_bytes()[:50])
    parser = Counted(parse_text(raw, tmp_path / "a.yml"))
    again = new_shelf()
    assert again.by_content(raw, "text", parser)["name"] == "checks"
    assert parser.calls == 1
    again.save()
    assert new_shelf().by_content(raw, "text", parser)["name"] == "checks"
    assert parser.calls == 1


def test_cached_parses_keep_their_reading_and_limits(tmp_path: Path) -> None:
    path = tmp_path / "a.yml"
    raw = WORKFLOW.encode()
    as_text = yamlfile.parse(raw, path, text=True, cache=True)
    assert yamlfile.parse(raw, path, text=True, cache=True) is as_text
    assert as_text["env"] == {"DEBUG": "yes", "MODE": "0755"}
    assert yamlfile.parse(raw, path, cache=True)["env"] == {"DEBUG": True, "MODE": 493}
    # What a looser limit read is still refused under a tighter one.
    tight = limits.YamlLimits(max_bytes=limits.YAML.max_bytes, max_depth=3, max_nodes=10_000)
    with pytest.raises(FileFormatError, match="nested more than 3 levels"):
        yamlfile.parse(raw, path, text=True, bounds=tight, cache=True)


def test_a_bad_file_names_its_line_every_time(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("name: a\nsteps:\n  - run: [x\n")
    for _ in range(2):
        with pytest.raises(FileFormatError) as caught:
            yamlfile.load(path, cache=True)
        assert caught.value.line == 3
        assert str(path) in caught.value.message


def test_a_transformed_text_is_never_kept(tmp_path: Path) -> None:
    path = tmp_path / "condarc.yml"
    path.write_text("channels: [x]\n")
    with pytest.raises(ValueError, match="not cached"):
        yamlfile.load(path, transform=str.upper, cache=True)


ENVIRONMENT = """\
name: api
channels: [conda-forge]
dependencies:
  - python=3.11
  - pandas>=2  # [linux]
  - pip:
      - requests==2.31
variables: {DEBUG: yes}
"""


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Counted:
    """Count the calls of ``module.name`` (the parser behind a cached reader)."""
    original = getattr(module, name)
    counter = Counted(lambda: None)

    def wrapper(*args: Any) -> Any:
        counter.calls += 1
        return original(*args)

    monkeypatch.setattr(module, name, wrapper)
    return counter


def test_an_environment_file_is_parsed_once_per_content_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a" / "environment.yml"
    path.parent.mkdir()
    path.write_text(ENVIRONMENT)
    parser = counting(monkeypatch, envspec, "_parse")
    first = envspec.parse(path, cache=True)
    assert envspec.parse(path, cache=True) is first
    assert parser.calls == 1
    assert first == envspec.parse(path)
    assert [w.line for w in first.warnings] == [5]
    # The same bytes elsewhere name that file, in the spec and its warnings.
    other = tmp_path / "b" / "environment.yml"
    other.parent.mkdir()
    other.write_text(ENVIRONMENT)
    elsewhere = envspec.parse(other, cache=True)
    assert elsewhere.path == other
    assert elsewhere.warnings[0].path == other
    assert parser.calls == 3  # two above, one uncached
    # Without its dependencies is another reading.
    assert envspec.parse(path, dependencies=False, cache=True).dependencies == ()
    path.write_text(ENVIRONMENT.replace("python=3.11", "python=3.12"))
    changed = envspec.parse(path, cache=True).dependency("python")
    assert changed is not None
    assert changed.text == "python=3.12"
    assert parser.calls == 5


def test_a_bad_environment_file_is_reported_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "environment.yml"
    path.write_text(ENVIRONMENT.replace("python=3.11", "python>>3.11"))
    parser = counting(monkeypatch, envspec, "_parse")
    for _ in range(2):
        with pytest.raises(FileFormatError) as caught:
            envspec.parse(path, cache=True)
        assert caught.value.line == 4
        assert str(path) in caught.value.message
    assert parser.calls == 2


_SECOND_PROCESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devkit import parsecache, yamlfile
    from devkit.conda import envspec

    calls = {"envspec": 0, "yaml": 0}
    for module, name in ((yamlfile, "yaml"), (envspec, "envspec")):
        def wrapper(*args, original=module._parse, name=name):
            calls[name] += 1
            return original(*args)
        module._parse = wrapper
    spec = envspec.parse(Path(sys.argv[1]), cache=True)
    workflow = yamlfile.load(Path(sys.argv[2]), text=True, cache=True)
    parsecache.save_all()
    print(calls["envspec"], calls["yaml"])
    # What came from the shelves is what a parse gives.
    assert spec == envspec.parse(Path(sys.argv[1]))
    assert workflow == yamlfile.load(Path(sys.argv[2]), text=True)
    """
)


def test_a_second_process_parses_nothing_again(tmp_path: Path) -> None:
    environment = tmp_path / "environment.yml"
    environment.write_text(ENVIRONMENT)
    workflow = tmp_path / "checks.yml"
    workflow.write_text(WORKFLOW)

    def run() -> tuple[int, int]:
        """(environment files, YAML files) the process parsed."""
        done = subprocess.run(
            [sys.executable, "-c", _SECOND_PROCESS, str(environment), str(workflow)],
            capture_output=True,
            text=True,
            check=True,
        )
        envspecs, yamls = done.stdout.split()
        return int(envspecs), int(yamls)

    # The first parses both (the environment file's YAML under its EnvSpec); the second finds
    # both on the shelves; a changed workflow is parsed again, and only it.
    assert run() == (1, 2)
    assert run() == (0, 0)
    workflow.write_text(WORKFLOW.replace("checks", "deploy"))
    assert run() == (0, 1)
