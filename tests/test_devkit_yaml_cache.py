"""devkit.yaml's parse kept between runs on a small shelf of its own (``config.SHELF``)."""

from __future__ import annotations

import os
import pickle
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit import parsecache
from devkit.repo import config
from tests.support.yamlcount import read_counting

DEVKIT_YAML = """\
projects:
  api:
    run: uvicorn main:app --port $PORT
"""

# A devkit run as far as devkit.yaml: how many YAML texts it parsed, and what it read.
_RUN = """
from devkit.repo import config

try:
    read = config.load_repo_config(Path(sys.argv[1]))
except FileFormatError as exc:
    print(len(calls), "error", exc.message)
else:
    print(len(calls), read.projects_dir, read.projects["api"].run)
"""


def run(root: Path) -> str:
    return read_counting(_RUN, str(root))


def repo(tmp_path: Path, text: str = DEVKIT_YAML) -> Path:
    root = tmp_path / "repo"
    (root / "projects" / "api").mkdir(parents=True, exist_ok=True)
    (root / "devkit.yaml").write_text(text)
    return root


def test_a_second_run_parses_nothing_and_reads_the_same(tmp_path: Path) -> None:
    root = repo(tmp_path)
    first = run(root)
    assert first == "1 projects ('uvicorn', 'main:app', '--port', '$PORT')"
    assert run(root) == first.replace("1 ", "0 ", 1)


def test_a_changed_devkit_yaml_is_read_again(tmp_path: Path) -> None:
    root = repo(tmp_path)
    run(root)
    (root / "devkit.yaml").write_text(DEVKIT_YAML.replace("--port $PORT", "--port 9000"))
    assert run(root) == "1 projects ('uvicorn', 'main:app', '--port', '9000')"
    (root / "devkit.yaml").write_text(DEVKIT_YAML)  # back: the first parse is still kept
    assert run(root) == "0 projects ('uvicorn', 'main:app', '--port', '$PORT')"


def test_a_bad_devkit_yaml_is_an_error_every_run(tmp_path: Path) -> None:
    root = repo(tmp_path, DEVKIT_YAML + "  etl: [unclosed\n")
    for _ in range(2):
        said = run(root)
        assert said.startswith("1 error ") and f"{root / 'devkit.yaml'}:" in said
    # Valid YAML, invalid settings: the parse is kept, the check runs each time.
    (root / "devkit.yaml").write_text(DEVKIT_YAML.replace("run:", "runn:"))
    assert run(root).startswith("1 error ")
    said = run(root)
    assert said.startswith("0 error ") and "unknown key `runn`" in said and ":3:" in said


def test_projects_dir_is_checked_on_the_filesystem_every_run(tmp_path: Path) -> None:
    root = repo(tmp_path, "projects_dir: services\n" + DEVKIT_YAML)
    (tmp_path / "elsewhere").mkdir()
    (root / "services").symlink_to(root / "projects")
    assert run(root).startswith("1 services ")
    (root / "services").unlink()
    (root / "services").symlink_to(tmp_path / "elsewhere")
    said = run(root)
    assert said.startswith("0 error ") and "points outside the monorepo" in said


def test_devkit_yaml_has_its_own_private_shelf(tmp_path: Path) -> None:
    root = repo(tmp_path)
    run(root)
    parsed = Path(os.environ["DEVKIT_HOME"]) / "cache" / "parsed"
    assert sorted(p.name for p in parsed.iterdir()) == ["devkit-yaml.pickle"]
    assert stat.S_IMODE((parsed / "devkit-yaml.pickle").stat().st_mode) == 0o600
    assert config.SHELF.path == parsed / "devkit-yaml.pickle"


@pytest.fixture
def forget_shelves() -> Iterator[None]:
    """A test's shelves are not ones a later command in this process should write back."""
    before = list(parsecache._SHELVES)
    yield
    parsecache._SHELVES[:] = before


def test_a_small_shelf_keeps_only_keep_beyond_what_a_run_used(forget_shelves: None) -> None:
    first = parsecache.Shelf("small", code=[sys.modules[__name__]], keep=1)
    for text in (b"a", b"b", b"c"):
        first.by_content(text, None, text.upper)
    first.save()
    second = parsecache.Shelf("small", code=[sys.modules[__name__]], keep=1)
    second.by_content(b"a", None, lambda: pytest.fail("kept"))
    second.by_content(b"d", None, lambda: b"D")  # something new, so the shelf is written
    second.save()
    stored = pickle.loads(second.path.read_bytes())["entries"]  # noqa: S301 - its own file
    assert len(stored) == 3  # the two used this run, and one of the rest
