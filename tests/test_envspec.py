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
        ("name: x\ndependencies:\n  - sel(linux): [a, b]\n", 3, "`sel(linux):` takes one spec"),
        ("name: x\ndependecies:\n  - python\n", 2, "did you mean `dependencies`?"),
        ("name: x\nchanels: [conda-forge]\n", 2, "unknown key `chanels`"),
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


def test_every_key_conda_micromamba_or_conda_lock_reads_is_known(tmp_path: Path) -> None:
    # conda: name, channels, dependencies, variables, prefix (conda/env/env.py VALID_KEYS);
    # micromamba reads the same five; conda-lock adds platforms, category, pip-repositories.
    path = write(
        tmp_path,
        "name: x\nprefix: /opt/x\nchannels: [conda-forge]\ndependencies: [python]\n"
        "variables: {A: b}\nplatforms: [linux-64]\ncategory: dev\n"
        "pip-repositories: [https://example.invalid/simple]\n",
    )
    assert envspec.parse(path).warnings == ()


def test_a_typo_in_a_top_level_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndependecies:\n  - python\n")
    for dependencies in (True, False):
        with pytest.raises(FileFormatError) as info:
            envspec.parse(path, dependencies=dependencies)
        assert info.value.line == 2
        assert "unknown key `dependecies`" in info.value.message
        assert "did you mean `dependencies`?" in info.value.message


def test_other_sections_in_dependencies_are_ignored_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: x\ndependencies:\n  - python\n  - conda:\n      - a\n  - pip:\n      - b\n",
    )
    spec = envspec.parse(path)
    assert [d.name for d in spec.dependencies] == ["python"]
    assert [p.text for p in spec.pip] == ["b"]
    [warning] = spec.warnings
    assert warning.line == 4 and "`conda:`" in warning.message and "ignores" in warning.message
    assert str(warning).startswith(f"{path}:4: ")


def test_conda_lock_comment_selectors_are_named_with_the_form_micromamba_reads(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "name: x\n"
        "dependencies:\n"
        "  - python  # the interpreter\n"
        "  - libgcc-ng  # [linux]\n"
        "  - pywin32 #[win]\n"
        "  - cuda # [linux and x86_64]\n"
        "  # - gone  # [osx]\n",
    )
    spec = envspec.parse(path)
    assert [d.name for d in spec.dependencies] == ["python", "libgcc-ng", "pywin32", "cuda"]
    lines = {w.line: w.message for w in spec.warnings}
    assert set(lines) == {4, 5, 6}
    assert "micromamba ignores" in lines[4] and "`- sel(linux): libgcc-ng`" in lines[4]
    assert "`- sel(win): pywin32`" in lines[5]
    assert "sel(linux), sel(osx), sel(win), sel(unix)" in lines[6]


@pytest.mark.parametrize(
    ("written", "name"),
    [("yes", "yes"), ("on", "on"), ("1.10", "1.10"), ("0755", "0755"), ("1e3", "1e3")],
)
def test_names_and_variables_keep_their_text(tmp_path: Path, written: str, name: str) -> None:
    path = write(
        tmp_path,
        f"name: {written}\ndependencies: [python]\n"
        "variables: {DEBUG: yes, FLAG: on, MODE: 0755, T: 1:30, HEX: 0x1F, EMPTY: , V: 1.10}\n",
    )
    spec = envspec.parse(path)
    assert spec.name == name
    assert spec.variables == {
        "DEBUG": "yes",
        "FLAG": "on",
        "MODE": "0755",
        "T": "1:30",
        "HEX": "0x1F",
        "EMPTY": "",
        "V": "1.10",
    }


def test_specs_keep_their_text(tmp_path: Path) -> None:
    # YAML 1.1 reads an unquoted `1.10` as the number 1.1; a channel or pip line is text.
    path = write(tmp_path, "name: x\ndependencies:\n  - pip:\n      - 1.10\n")
    assert [p.text for p in envspec.parse(path).pip] == ["1.10"]


def test_merge_keys_in_an_environment_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: x\n"
        "variables:\n"
        "  <<: &common\n"
        "    LOG_LEVEL: info\n"
        "    REGION: eu\n"
        "  REGION: us\n"
        "dependencies: [python]\n",
    )
    assert envspec.parse(path).variables == {"LOG_LEVEL": "info", "REGION": "us"}


@pytest.mark.parametrize("name", ["base", "root", "x" * 256, "x" * 20_000])
def test_env_names_micromamba_or_the_filesystem_cannot_take(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"dependencies: [python]\nname: {name}\n")
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert info.value.line == 2 and "env name" in info.value.message
    assert len(info.value.message) < 400  # the name is shortened, not printed whole


def test_a_255_byte_env_name_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, f"name: {'x' * 255}\ndependencies: [python]\n")
    assert envspec.parse(path).name == "x" * 255


def test_too_many_dependencies_are_refused_before_any_is_parsed(tmp_path: Path) -> None:
    import time

    specs = "".join(f"  - pkg{i}\n" for i in range(10_001))
    path = write(tmp_path, f"name: x\ndependencies:\n{specs}")
    started = time.monotonic()
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert time.monotonic() - started < 5
    assert info.value.line == 2 and "10,001 dependencies" in info.value.message


@pytest.mark.parametrize("where", ["conda", "pip"])
def test_an_over_long_spec_is_refused_at_its_line_before_it_is_parsed(
    tmp_path: Path, where: str
) -> None:
    huge = "pandas>=1," + ",".join(f"!=1.{i}" for i in range(100_000))
    deps = f"  - {huge}\n" if where == "conda" else f"  - pip\n  - pip:\n    - x\n    - {huge}\n"
    path = write(tmp_path, f"name: x\ndependencies:\n  - python\n{deps}")
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert info.value.line == (4 if where == "conda" else 7)
    assert "characters: devkit reads specs of at most 2,000" in info.value.message
    assert huge[:100] not in info.value.message


def test_a_deeply_nested_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndependencies: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(FileFormatError) as info:
        envspec.parse(path)
    assert info.value.line == 2 and "nested more than 64 levels" in info.value.message


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "name: x\ndependencies: [python]\n# " + "x" * (2 * 1024 * 1024))
    with pytest.raises(FileFormatError, match="larger than 1 MiB"):
        envspec.parse(path)
