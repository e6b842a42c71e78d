"""environment.yml parsing: the typed model, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.conda import envspec
from devkit.errors import FileFormatError

SEED = """\
name: address-api
channels:
  - conda-forge
  - anaconda
  - defaults
dependencies:
  - pandas=1.4.2
  - python=3.9
  - great-expectations==0.15.11
  - sel(osx): libcxx
  - pkg=1.7=py39_0
  - pip=22.3.1
  - pip:
      - pyairtable==1.4.0
      - googlemaps==4.8.0
variables:
  LOG_LEVEL: debug
  WORKERS: 2
"""


def write(tmp_path: Path, text: str, name: str = "environment.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_seed_file_parses_into_a_typed_model(tmp_path: Path) -> None:
    spec = envspec.parse(write(tmp_path, SEED))
    assert spec.name == "address-api"
    assert spec.channels == ("conda-forge", "anaconda", "defaults")
    assert [d.name for d in spec.dependencies] == [
        "pandas",
        "python",
        "great-expectations",
        "libcxx",
        "pkg",
        "pip",
    ]
    pandas = spec.dependency("pandas")
    assert pandas is not None and pandas.version == "1.4.2.*" and pandas.line == 7
    assert spec.dependency("great-expectations").version == "==0.15.11"  # type: ignore[union-attr]
    assert spec.dependency("libcxx").selector == "osx"  # type: ignore[union-attr]
    assert [(p.text, p.line) for p in spec.pip] == [
        ("pyairtable==1.4.0", 14),
        ("googlemaps==4.8.0", 15),
    ]
    assert spec.variables == {"LOG_LEVEL": "debug", "WORKERS": "2"}
    assert len(spec.fingerprint) == 64


def test_export_style_build_strings_are_kept_with_a_note(tmp_path: Path) -> None:
    spec = envspec.parse(write(tmp_path, SEED))
    pkg = spec.dependency("pkg")
    assert pkg is not None and pkg.lenient_note
    assert pkg.match_spec().name is not None


def test_matchspec_objects_come_from_py_rattler(tmp_path: Path) -> None:
    from rattler import MatchSpec

    spec = envspec.parse(write(tmp_path, SEED))
    assert isinstance(spec.dependencies[0].match_spec(), MatchSpec)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("name: x\ndependencies:\n  - ok\n  - x>=>1\n", 4, "invalid package spec 'x>=>1'"),
        ("name: x\n  bad: [\n", 2, "invalid YAML"),
        # A line without its colon is noticed on the next one; the culprit is the first.
        ("name: x\nchannels\ndependencies: []\n", 2, "could not find expected ':'"),
        ("name: x\ndependencies: python\n", 2, "`dependencies` must be a list"),
        ("name: x\ndependencies:\n  - conda:\n      - a\n", 3, "only `pip:` is allowed"),
        ("name: x\ndependencies:\n  - pip: oops\n", 3, "`pip:` must be a list"),
        ("name: x\nchannels:\n  - conda-forge\n  - [a]\n", 4, "each entry of `channels`"),
        ("name: x\nvariables:\n  A: [1]\n", 3, "variable `A` must be a plain value"),
        ("- just\n- a list\n", 1, "expected a mapping"),
        ("name: x\nplatforms:\n  - linux-64\n  - win-99\n", 4, "unknown platform 'win-99'"),
        ("name: x\ndependencies:\n  - sel(bogus): numpy\n", 3, "unknown selector `sel(bogus)`"),
        ("name: x\ndependencies:\n  - sel( osx ): numpy\n", 3, "unknown selector `sel( osx )`"),
        ('name: x\ndependencies:\n  - "sel(linux: python"\n', 3, "malformed selector"),
    ],
)
def test_malformed_files_name_file_and_line(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert info.value.line == line
    assert f"{path}:{line}:" in info.value.message
    assert fragment in info.value.message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="file not found"):
        envspec.parse(tmp_path / "environment.yml")


def test_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, SEED)
    before = envspec.parse(path).fingerprint
    path.write_text(SEED.replace("pandas=1.4.2", "pandas=1.5.0"))
    assert envspec.parse(path).fingerprint != before


@pytest.mark.parametrize("name", ["../../evil", "a/b", "/abs", ".hidden", "sp ace"])
def test_env_names_that_would_leave_the_envs_folder_are_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"name: '{name}'\ndependencies: [python]\n")
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert info.value.line == 1 and "env name" in info.value.message
