"""Reading an env's package records for doctor: every byte parsed, only the fields it uses kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rattler import PrefixRecord

from devkit.conda import envrecords
from devkit.errors import FileFormatError

CHANNEL = "https://conda.anaconda.org/conda-forge/linux-64"


def record(**extra: object) -> dict[str, object]:
    fn = "numpy-1.26.4-py311h64a7726_0"
    return {
        "build": "py311h64a7726_0",
        "build_number": 0,
        "depends": ["python >=3.11,<3.12.0a0"],
        "name": "numpy",
        "subdir": "linux-64",
        "version": "1.26.4",
        "fn": f"{fn}.conda",
        "url": f"{CHANNEL}/{fn}.conda",
        "channel": CHANNEL,
        "files": [f"lib/python3.11/site-packages/numpy/f{i}.py" for i in range(3)],
        "paths_data": {"paths_version": 1, "paths": []},
        **extra,
    }


def write(prefix: Path, content: dict[str, object] | str | bytes) -> Path:
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    path = meta / "numpy-1.26.4-py311h64a7726_0.json"
    if isinstance(content, dict):
        content = json.dumps(content, indent=2)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def test_fields_are_py_rattlers(tmp_path: Path) -> None:
    path = write(tmp_path, record())
    [read] = envrecords.read_records(tmp_path)
    whole = PrefixRecord.from_path(path)
    assert (read.name, read.version, read.build, read.build_number, read.subdir) == (
        whole.name.normalized,
        str(whole.version),
        str(whole.build),
        whole.build_number,
        whole.subdir,
    )
    assert read.channel == whole.channel == CHANNEL


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(record())[:-40],  # a truncated write
        json.dumps(record()).replace("f1.py", "f1\x00.py"),  # a disk error in the file list
        json.dumps(record()) + "}",  # trailing bytes
        json.dumps(record()).encode().replace(b"f2.py", b"f2\xff.py"),  # not UTF-8
        json.dumps({k: v for k, v in record().items() if k != "version"}),
        "",
    ],
    ids=["truncated", "nul-in-files", "trailing", "not-utf8", "no-version", "empty"],
)
def test_a_record_that_does_not_parse_is_an_error(tmp_path: Path, content: str | bytes) -> None:
    path = write(tmp_path, content)
    with pytest.raises(FileFormatError, match="not a readable package record") as raised:
        envrecords.read_records(tmp_path)
    assert raised.value.path == path


@pytest.mark.parametrize(
    ("content", "channel"),
    [
        # `"channel"` inside a string, as a nested key, and as a value come before the key.
        (
            {
                "depends": ['a "channel": "no"', "\\", 'x\\"channel'],
                "extra": {"channel": "no"},
                "requested_spec": "channel",
                **record(),
            },
            CHANNEL,
        ),
        ({**record(), "channel": None}, None),
        ({k: v for k, v in record().items() if k != "channel"} | {"z": {"channel": "no"}}, None),
        # After a file list longer than the start that is searched: the whole record is read.
        (
            {"files": ["f" * 100] * 400, **{k: v for k, v in record().items() if k != "files"}},
            CHANNEL,
        ),
    ],
    ids=["decoys", "null", "nested-only", "late"],
)
def test_the_channel_is_the_records_own(
    tmp_path: Path, content: dict[str, object], channel: str | None
) -> None:
    path = write(tmp_path, content)
    [read] = envrecords.read_records(tmp_path)
    assert read.channel == channel == PrefixRecord.from_path(path).channel
    compact = write(tmp_path, json.dumps(content, separators=(",", ":")))
    assert envrecords.read_records(compact.parent.parent)[0].channel == channel


def test_pins_match_as_with_whole_records(tmp_path: Path) -> None:
    write(tmp_path, record())
    read = envrecords.read_records(tmp_path)
    from devkit.conda import envspec

    spec_file = tmp_path / "environment.yml"
    spec_file.write_text(
        "name: t\ndependencies:\n  - numpy=1.26\n  - numpy 1.26.4 py311*\n"
        "  - numpy[version='>=2']\n  - scipy\n"
    )
    spec = envspec.parse(spec_file)
    unmet = [(u.text, u.installed) for u in envrecords.unmet_specs(spec, read, None)]
    whole = envrecords.installed_records(tmp_path)
    assert unmet == [(u.text, u.installed) for u in envrecords.unmet_specs(spec, whole, None)]
    assert unmet == [("numpy[version='>=2']", "1.26.4 py311h64a7726_0"), ("scipy", None)]


def test_a_channel_with_a_lone_surrogate_is_an_unreadable_record(tmp_path: Path) -> None:
    text = json.dumps(record(channel="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800")
    write(tmp_path, text)
    with pytest.raises(FileFormatError) as caught:
        envrecords.read_records(tmp_path)
    assert "lone surrogate" in caught.value.message
