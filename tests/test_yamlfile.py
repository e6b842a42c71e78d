"""The YAML reader every devkit file goes through: limits, text scalars, merge keys, lines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from devkit import limits, yamlfile
from devkit.errors import FileFormatError
from devkit.yamlfile import loaders as yamlloaders


def write(tmp_path: Path, text: str, name: str = "file.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_deep_nesting_is_refused_at_its_line_without_recursing(tmp_path: Path) -> None:
    path = write(tmp_path, "name: a\ndependencies: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(FileFormatError) as caught:
        yamlfile.load(path, text=True)
    assert caught.value.line == 2
    assert "nested more than 64 levels" in caught.value.message
    assert str(path) in caught.value.message


def test_nesting_up_to_the_limit_reads(tmp_path: Path) -> None:
    depth = limits.YAML.max_depth
    path = write(tmp_path, "[" * depth + "x" + "]" * depth + "\n")
    data = yamlfile.load(path)
    for _ in range(depth - 1):
        data = data[0]
    assert data == ["x"]


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, "# " + "x" * limits.YAML.max_bytes + "\nname: a\n")
    started = time.monotonic()
    with pytest.raises(FileFormatError) as caught:
        yamlfile.load(path)
    assert time.monotonic() - started < 1
    assert "larger than 1 MiB" in caught.value.message


def test_too_many_values_stop_the_parse_where_they_went_over(tmp_path: Path) -> None:
    items = "".join(f"  - pkg{i}\n" for i in range(limits.YAML.max_nodes + 10))
    path = write(tmp_path, "dependencies:\n" + items)
    with pytest.raises(FileFormatError) as caught:
        yamlfile.load(path, text=True)
    assert "more than 50,000 values" in caught.value.message
    assert caught.value.line is not None and caught.value.line < limits.YAML.max_nodes + 5


def test_merge_bombs_count_every_merged_key(tmp_path: Path) -> None:
    # One anchor merged ten times over is one set of keys, however deep (as in PyYAML)...
    lines = ["l0: &l0 {" + ", ".join(f"k{i}: v" for i in range(10)) + "}"]
    for level in range(1, 7):
        merged = ", ".join(f"*l{level - 1}" for _ in range(10))
        lines.append(f"l{level}: &l{level} {{<<: [{merged}]}}")
    assert len(yamlfile.load(write(tmp_path, "\n".join(lines) + "\n"))["l6"]) == 10
    # ...but a chain of merges, each copying all the keys before it, counts every copy.
    lines = ["b0: &b0 {" + ", ".join(f"k{i}: v" for i in range(100)) + "}"]
    lines += [f"b{n}: &b{n} {{<<: *b{n - 1}, own{n}: x}}" for n in range(1, 600)]
    path = write(tmp_path, "\n".join(lines) + "\n", "bomb.yml")
    with pytest.raises(FileFormatError, match="more than 50,000 values"):
        yamlfile.load(path)


def test_a_mapping_merging_itself_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "a: &a\n  x: 1\n  <<: *a\n")
    with pytest.raises(FileFormatError):
        yamlfile.load(path)


def test_merge_keys_read_as_yaml_1_1_defines_them(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "base: &base\n"
        "  channels: [conda-forge]\n"
        "  name: base-env\n"
        "other: &other\n"
        "  name: other-env\n"
        "  extra: 1\n"
        "env:\n"
        "  <<: [*base, *other]\n"
        "  name: mine\n"
        "both: {<<: [*base, *other]}\n",
    )
    for text in (False, True):
        env = yamlfile.load(path, text=text)["env"]
        assert env["name"] == "mine"  # own keys win
        assert env["channels"] == ["conda-forge"]
        assert env["extra"] in (1, "1")  # merged from the second mapping
        assert yamlfile.load(path, text=text)["both"]["name"] == "base-env"  # the first wins
        # Merged keys point at the line they are written on.
        assert env.line_of("channels") == 2 and env.line_of("name") == 9


@pytest.mark.parametrize(
    ("written", "as_1_1", "as_text"),
    [
        ("yes", True, "yes"),
        ("on", True, "on"),
        ("off", False, "off"),
        ("0755", 493, "0755"),
        ("1:30", 90, "1:30"),
        ("0x1F", 31, "0x1F"),
        ("1.10", 1.1, "1.10"),
        ("2024-01-02", None, "2024-01-02"),
        ("'yes'", "yes", "yes"),
        ("~", None, None),
        ("null", None, None),
        ("", None, None),
    ],
)
def test_text_mode_keeps_plain_scalars_as_written(
    tmp_path: Path, written: str, as_1_1: object, as_text: object
) -> None:
    path = write(tmp_path, f"value: {written}\n{written or 'empty'}: key\n")
    if as_1_1 is not None or written in ("~", "null", ""):
        assert yamlfile.load(path)["value"] == as_1_1
    data = yamlfile.load(path, text=True)
    assert data["value"] == as_text
    assert data.line_of("value") == 1


def test_text_mode_keeps_the_on_key_of_workflows(tmp_path: Path) -> None:
    path = write(tmp_path, "on:\n  push:\n    paths: [projects/api/**]\n")
    assert "on" in yamlfile.load(path, text=True)
    assert "True" in yamlfile.load(path)  # YAML 1.1, for contrast


def test_explicit_tags_still_mean_what_they_say(tmp_path: Path) -> None:
    path = write(tmp_path, "a: !!int 5\nb: !!bool yes\n")
    assert yamlfile.load(path, text=True) == {"a": 5, "b": True}


# The C path (libyaml) must read every file as the pure-Python loader, the reference, does.
_TRICKY = [
    "a: 1\nb: [x, 'y', \"z\"]\nc: {d: ~, e: null, f: }\n",
    "on:\n  push:\n    paths:\n      - 'projects/api/**'\n      - projects/api/x.py  # note\n",
    "run: |\n  echo one\n  echo two\nfolded: >-\n  a\n  b\n\nnext: 3\n",
    "- &a {k: v}\n- *a\n- [*a, *a]\n",
    "a: !!int 5\nb: !!bool yes\nc: !!str 1.10\nd: !!float 1\n",
    "t: 2024-01-02 10:00:00\nn: 0o17\nx: 0x1F\ny: 1_000\nz: .inf\nw: -.5\n",
    "? [complex, key]\n: value\n",
    "key: value\n  bad indent: 1\n",
    "a: [1, 2\n",
    "a: 'unclosed\n",
    "- a\nb: c\n",
    "x: *nowhere\n",
    "x: !custom 1\n",
    "--- a\n--- b\n",
    "a: 1\na: 2\n",
    "\ttab: 1\n",
    "emoji: ✓ café\nlong: " + "word " * 100 + "\n",
    "".join(" " * i + f"l{i}:\n" for i in range(70)) + " " * 70 + "end\n",
    "base: &b {x: 1}\nuse: {<<: *b, y: 2}\n",
    "",
    "# only a comment\n",
    "1: a\n2.5: b\ntrue: c\n~: d\n2024-01-02: e\n",
    "a: &r [1, *r]\n",
    "o: !!omap [{a: 1}, {b: 2}]\ns: !!set {x, y}\nb: !!binary aGk=\n",
    "= : value key\n",
    "list:\n- a\n-\n- - nested\n  - more\n",
]


def _shape(data: object) -> object:
    """Values with their lines, to compare two readings of one file."""
    if isinstance(data, yamlfile.YamlMap):
        return ("map", data.line, dict(data.key_lines), {k: _shape(v) for k, v in data.items()})
    if isinstance(data, yamlfile.YamlList):
        return ("list", data.line, data.item_lines, [_shape(v) for v in data])
    return (type(data).__name__, data)


def _read(raw: bytes, text: bool, fast: bool) -> object:
    try:
        return _shape(yamlfile.parse(raw, Path("f.yml"), text=text, fast=fast))
    except FileFormatError as exc:
        return ("error", exc.message, exc.line)


def _repo_yaml() -> list[Path]:
    root = Path(__file__).resolve().parents[1]
    found = [*root.glob("examples/**/*.y*ml"), *root.glob("examples/**/.github/**/*.y*ml")]
    found += [*root.glob("devkit/repo/templates/**/*.y*ml"), *root.glob("tests/**/*.y*ml")]
    return sorted(set(found))


@pytest.mark.parametrize("source", _TRICKY)
@pytest.mark.parametrize("text", [False, True])
def test_libyaml_reads_as_the_pure_loader_does(source: str, text: bool) -> None:
    raw = source.encode()
    assert _read(raw, text, fast=True) == _read(raw, text, fast=False)


def test_libyaml_reads_the_examples_as_the_pure_loader_does() -> None:
    files = _repo_yaml()
    assert len(files) >= 12
    for path in files:
        raw = path.read_bytes()
        for text in (False, True):
            assert _read(raw, text, fast=True) == _read(raw, text, fast=False), path


def test_an_alias_is_the_anchored_value_itself(tmp_path: Path) -> None:
    data = yamlfile.load(write(tmp_path, "a: &x {k: [1]}\nb: *x\nc: [*x]\n"), text=True)
    assert data["b"] is data["a"] and data["c"][0] is data["a"]


@pytest.fixture
def pure_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the files the pure-Python loader reads."""
    calls: list[int] = []
    loaders = yamlloaders.loaders

    def counting(text: bool) -> tuple[type, type | None]:
        pure, fast = loaders(text)

        class Counting(pure):  # type: ignore[misc, valid-type]
            def __init__(self, *args: object) -> None:
                calls.append(1)
                super().__init__(*args)

        return Counting, fast

    monkeypatch.setattr(yamlloaders, "loaders", counting)
    return calls


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
def test_libyaml_reads_plain_files_and_leaves_the_rest_to_the_pure_loader(
    tmp_path: Path, pure_reads: list[int]
) -> None:
    workflow = sorted(Path(__file__).resolve().parents[1].glob("examples/**/*-checks.yml"))[0]
    assert yamlfile.load(workflow, text=True)["jobs"]
    assert pure_reads == []
    merged = write(tmp_path, "base: &b {x: 1}\nuse: {<<: *b}\n")
    assert yamlfile.load(merged)["use"] == {"x": 1}
    assert pure_reads == [1]
    deep = write(tmp_path, "".join(" " * i + f"l{i}:\n" for i in range(70)), "deep.yml")
    with pytest.raises(FileFormatError) as caught:
        yamlfile.load(deep)
    assert pure_reads == [1, 1]
    assert "nested more than 64 levels" in caught.value.message and caught.value.line == 65


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(
    ("raw", "line", "code"), [(b"a: 1\nb: x\x00y\n", 2, "0x00"), (b"\x1b", 1, "0x1b")]
)
def test_a_control_character_is_a_file_error_at_its_line(
    raw: bytes, line: int, code: str, fast: bool
) -> None:
    with pytest.raises(FileFormatError) as caught:
        yamlfile.parse(raw, Path("x.yml"), fast=fast)
    assert caught.value.line == line
    assert f"control character {code} is not allowed" in caught.value.message


def test_a_named_pipe_nobody_serves_is_an_error_after_a_bounded_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.setattr(limits, "FIFO_WAIT", 0.3)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(FileFormatError) as caught:
        limits.read_capped(fifo, 100)
    assert time.monotonic() - started < 5
    assert "a named pipe that was not written to within 0.3 s" in caught.value.message


def test_a_named_pipe_whose_writer_comes_later_is_read(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def serve() -> None:
        time.sleep(0.3)  # after devkit opened it, as a 1Password mount answers
        fifo.write_bytes(b"A=1\n")

    threading.Thread(target=serve, daemon=True).start()
    assert limits.read_capped(fifo, 100) == b"A=1\n"


def test_the_control_characters_refused_are_exactly_those_pyyaml_refuses() -> None:
    refused = yaml.reader.Reader.NON_PRINTABLE
    for code in [*range(0x3000), *range(0xD700, 0x10100), 0x10FFFF]:
        char = chr(code)
        assert bool(yamlfile._CONTROL.match(char)) == bool(refused.match(char)), hex(code)


def test_a_named_pipe_whose_writer_never_finishes_is_an_error_after_the_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess

    monkeypatch.setattr(limits, "FIFO_WAIT", 0.5)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # Holds the write end open, writing nothing (a stale server): read() alone would block.
    writer = subprocess.Popen(["sh", "-c", f"exec 3>'{fifo}'; sleep 30"])
    try:
        started = time.monotonic()
        with pytest.raises(FileFormatError) as caught:
            limits.read_capped(fifo, 100)
        assert time.monotonic() - started < 10
        assert "not written to within 0.5 s" in caught.value.message
    finally:
        writer.kill()
        writer.wait()
