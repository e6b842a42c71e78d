"""The parse cache: results kept between runs, never a stale one, never a reason to fail."""

from __future__ import annotations

import os
import pickle
import stat
import sys
import types
from pathlib import Path

import pytest

from devkit import parsecache, paths
from devkit.conda import envrecords
from devkit.errors import FileFormatError
from tests.test_env_records import record, write

THIS = sys.modules[__name__]


class Parser:
    """A parser that counts its calls: what the cache must spare."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, file: str) -> str:
        self.calls.append(file)
        return Path(file).read_text().upper()


def parsed_once(folder: Path) -> tuple[Path, Parser]:
    """A file parsed by a shelf that was then saved, and the parser that did it."""
    file = folder / "record.json"
    file.write_text("one")
    parser = Parser()
    first = shelf()
    first.by_stat([str(file)], parser)
    first.save()
    return file, parser


def shelf(name: str = "test") -> parsecache.Shelf:
    """A fresh shelf, as the next devkit process would have it."""
    return parsecache.Shelf(name, code=[THIS])


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as settled (a real run sees files minutes old)."""
    monkeypatch.setattr(parsecache, "RACY_S", -60.0)


def test_content_results_are_reused_across_processes(tmp_path: Path) -> None:
    calls: list[bytes] = []

    def parse(raw: bytes) -> str:
        calls.append(raw)
        return raw.decode().upper()

    first = shelf()
    assert first.by_content(b"name: api", "text", lambda: parse(b"name: api")) == "NAME: API"
    assert first.by_content(b"name: api", "text", lambda: parse(b"name: api")) == "NAME: API"
    assert len(calls) == 1
    first.save()
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600  # private: it holds file contents
    second = shelf()
    assert second.by_content(b"name: api", "text", lambda: parse(b"name: api")) == "NAME: API"
    assert len(calls) == 1
    # Another variant (another way of parsing the same bytes) is another result.
    assert second.by_content(b"name: api", "yaml11", lambda: parse(b"name: api")) == "NAME: API"
    assert len(calls) == 2


def test_key_results_are_reused_across_processes(tmp_path: Path) -> None:
    calls: list[str] = []

    def decide(answer: bool) -> bool:
        calls.append("decided")
        return answer

    first = shelf()
    assert first.by_key(("pandas 2.2.*", True, "pandas", "2.2.3"), lambda: decide(True))
    first.save()
    second = shelf()
    assert second.by_key(("pandas 2.2.*", True, "pandas", "2.2.3"), lambda: decide(False))
    assert calls == ["decided"]
    # Any value of the key changed is another decision.
    assert not second.by_key(("pandas 2.2.*", True, "pandas", "2.3.0"), lambda: decide(False))
    assert calls == ["decided", "decided"]
    with pytest.raises(ValueError, match="bad spec"):
        second.by_key(("pandas >=>", True), lambda: (_ for _ in ()).throw(ValueError("bad spec")))
    assert second.by_key(("pandas >=>", True), lambda: decide(True))  # the error was not kept


def test_an_error_is_never_kept(tmp_path: Path) -> None:
    def bad() -> str:
        raise FileFormatError(tmp_path / "environment.yml", "invalid YAML", line=3)

    for _ in range(2):
        with pytest.raises(FileFormatError, match="invalid YAML"):
            shelf().by_content(b"a: [", "text", bad)


def test_stat_results_are_reused_while_the_file_is_unchanged(tmp_path: Path, settled: None) -> None:
    file = tmp_path / "record.json"
    file.write_text("one")
    parser = Parser()
    first = shelf()
    assert first.by_stat([str(file)], parser) == ["ONE"]
    first.save()
    assert shelf().by_stat([str(file)], parser) == ["ONE"]
    assert parser.calls == [str(file)]


@pytest.mark.parametrize("change", ["same size, times put back", "rename over it", "longer"])
def test_a_changed_file_is_parsed_again(tmp_path: Path, settled: None, change: str) -> None:
    file, parser = parsed_once(tmp_path)
    before = file.stat()
    if change == "same size, times put back":
        file.write_text("two")  # a garbled write of the same length
        os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))  # its ctime still moves
    elif change == "rename over it":
        other = tmp_path / "other.json"
        other.write_text("two")
        other.replace(file)
    else:
        file.write_text("two!")
    assert shelf().by_stat([str(file)], parser) == ["TWO!" if change == "longer" else "TWO"]
    assert len(parser.calls) == 2


def test_a_file_changed_within_the_racy_window_is_not_kept(tmp_path: Path) -> None:
    # A filesystem with one-second timestamps could hide a second write in the same second.
    file, parser = parsed_once(tmp_path)
    shelf().by_stat([str(file)], parser)
    assert len(parser.calls) == 2


def test_what_the_run_did_not_use_is_dropped_beyond_keep(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsecache, "KEEP", 1)
    files = []
    for name in ("a", "b", "c"):
        file = tmp_path / name
        file.write_text(name)
        files.append(str(file))
    first = shelf()
    first.by_stat(files, Parser())
    first.save()
    second = shelf()
    second.by_stat(files[:1], Parser())
    second.by_content(b"x", None, lambda: "X")  # something new, so the shelf is written
    second.save()
    stored = pickle.loads(second.path.read_bytes())["entries"]  # noqa: S301 - its own file
    assert len(stored) == 3  # the two used this run, and one of the rest


@pytest.mark.parametrize("damage", [b"", b"not a pickle", pickle.dumps(["a", "list"])])
def test_a_damaged_shelf_is_an_empty_one(tmp_path: Path, damage: bytes) -> None:
    first = shelf()
    first.path.parent.mkdir(parents=True, exist_ok=True)
    first.path.write_bytes(damage)
    assert first.by_content(b"a", None, lambda: "A") == "A"
    first.save()  # and is replaced by a good one
    assert shelf().by_content(b"a", None, lambda: "other") == "A"


def test_results_of_other_code_are_not_read(tmp_path: Path) -> None:
    source = tmp_path / "parser.py"
    source.write_text("# the parser\n")
    module = types.ModuleType("parser")
    module.__file__ = str(source)
    first = parsecache.Shelf("code", code=[module])
    first.by_content(b"a", None, lambda: "old parser's")
    first.save()
    source.write_text("# the parser, changed\n")  # a new devkit
    again = parsecache.Shelf("code", code=[module])
    assert again.by_content(b"a", None, lambda: "new parser's") == "new parser's"


def test_a_cache_folder_that_cannot_be_written_costs_nothing(tmp_path: Path) -> None:
    cache = paths.cache_dir()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("a file where the folder should be")  # what even root cannot write into
    first = shelf()
    assert first.by_content(b"a", None, lambda: "A") == "A"
    first.save()
    assert cache.read_text() == "a file where the folder should be"


def test_a_record_garbled_after_a_cached_run_is_refused(tmp_path: Path, settled: None) -> None:
    path = write(tmp_path, record())
    [read] = envrecords.read_records(tmp_path)
    assert read.name == "numpy"
    parsecache.save_all()
    size = path.stat().st_size
    before = path.stat()
    path.write_bytes(b"{" + b" " * (size - 1))  # same size, garbage
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(FileFormatError, match="not a readable package record"):
        envrecords.read_records(tmp_path)
    # And a vanished one is an error naming it, not a crash.
    path.unlink()
    (tmp_path / "conda-meta" / "gone.json").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileFormatError, match=r"gone\.json"):
        envrecords.read_records(tmp_path)
