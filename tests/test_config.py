"""The user config: where it lives, round trips, malformed files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from devkit import paths, userconfig
from devkit.errors import FileFormatError
from devkit.repo import config


def test_devkit_home_holds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVKIT_HOME", str(tmp_path / "dk"))
    assert paths.config_file() == tmp_path / "dk" / "config.yaml"
    assert paths.cache_dir() == tmp_path / "dk" / "cache"
    assert paths.bin_dir() == tmp_path / "dk" / "data" / "bin"


def test_platformdirs_defaults_without_devkit_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEVKIT_HOME", raising=False)
    assert paths.config_file().parent.name == "devkit"
    assert paths.config_file().is_relative_to(Path.home())


def test_round_trip_is_atomic_and_typed(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    written = userconfig.UserConfig(clone=tmp_path / "repo", repo_url="git@example.com:t/m.git")
    userconfig.save_user_config(written, path)
    assert userconfig.load_user_config(path) == written
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]  # no temp file left
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # repo_url may carry a token
    path.chmod(0o644)  # as an older devkit wrote it
    userconfig.save_user_config(written, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_atomic_writes_keep_a_files_mode_and_give_new_files_the_umask(tmp_path: Path) -> None:
    from devkit import atomic

    script = tmp_path / "entrypoint.sh"
    script.write_text("#!/bin/bash\n")
    script.chmod(0o750)
    atomic.write_text(script, "#!/bin/bash\nexec true\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o750  # an existing file keeps its mode
    umask = os.umask(0o022)
    os.umask(umask)
    fresh = atomic.write_bytes(tmp_path / "new.yml", b"a: 1\n")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entrypoint.sh", "new.yml"]


def test_missing_or_empty_file_is_an_empty_config(tmp_path: Path) -> None:
    assert userconfig.load_user_config(tmp_path / "none.yaml") == userconfig.UserConfig()
    (tmp_path / "empty.yaml").write_text("")
    assert userconfig.load_user_config(tmp_path / "empty.yaml") == userconfig.UserConfig()


def test_unknown_keys_from_a_newer_devkit_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("clone: /tmp/x\nfuture_setting: 3\n")
    assert userconfig.load_user_config(path).clone == Path("/tmp/x")


@pytest.mark.parametrize(
    ("text", "line"), [("clone: [1]\n", 1), ("root_prefix: /a\nclone: {a: b}\n", 2)]
)
def test_wrong_types_name_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(FileFormatError) as info:
        userconfig.load_user_config(path)
    assert info.value.line == line


def test_saving_keeps_keys_a_newer_devkit_wrote(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("future_setting: {colour: blue}\nclone: /tmp/old\n")
    userconfig.save_user_config(userconfig.UserConfig(clone=tmp_path / "new"), path)
    text = path.read_text()
    assert "future_setting" in text and "colour: blue" in text
    assert userconfig.load_user_config(path).clone == tmp_path / "new"


@pytest.mark.parametrize(
    ("entries", "line", "message"),
    [
        ('\n    - __unix\n    - "__glibc>=2.17"\n', 4, "invalid package name '__glibc>'"),
        (" [__glibc=2.17 foo]\n", 2, "invalid version '2.17 foo'"),
        (" [__glibc=2.17=0=extra]\n", 2, "more than name, version and build"),
        (" [__cuda=12=b uild]\n", 2, "invalid build string"),
    ],
)
def test_virtual_packages_py_rattler_would_refuse_name_their_line(
    tmp_path: Path, entries: str, line: int, message: str
) -> None:
    (tmp_path / "devkit.yaml").write_text("virtual_packages:\n  linux-64:" + entries)
    with pytest.raises(FileFormatError) as caught:
        config.load_repo_config(tmp_path)
    assert caught.value.line == line and message in caught.value.message
    assert caught.value.hint and "__glibc=2.17" in caught.value.hint


def test_atomic_write_to_a_directory_is_a_devkit_error(tmp_path: Path) -> None:
    from devkit import atomic
    from devkit.errors import DevkitError

    with pytest.raises(DevkitError) as caught:
        atomic.write_text(tmp_path, "x")
    assert caught.value.message == f"cannot write {tmp_path}: Is a directory"
    assert list(tmp_path.iterdir()) == []


def test_an_empty_path_setting_is_unset_not_the_current_folder(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text('clone: ""\nroot_prefix: "  "\nrepo_url: git@example.com:t/m.git\n')
    loaded = userconfig.load_user_config(path)
    assert loaded.clone is None and loaded.root_prefix is None
    assert loaded.repo_url == "git@example.com:t/m.git"


def test_devkit_yaml_values_and_project_names_keep_their_text(tmp_path: Path) -> None:
    (tmp_path / "devkit.yaml").write_text(
        "projects_dir: 2024\n"
        "projects:\n"
        "  yes:\n"
        "    run: python main.py\n"
        "  0755:\n"
        "    run: [python, -m, '1.10', 1.10]\n"
    )
    loaded = config.load_repo_config(tmp_path)
    assert loaded.projects_dir == "2024"
    assert set(loaded.projects) == {"yes", "0755"}
    assert loaded.projects["0755"].run == ("python", "-m", "1.10", "1.10")


def test_devkit_yaml_merge_keys(tmp_path: Path) -> None:
    (tmp_path / "devkit.yaml").write_text(
        "projects:\n"
        "  api: &mac\n"
        "    platforms: [linux-64, osx-arm64]\n"
        "  etl:\n"
        "    <<: *mac\n"
        "    run: python job.py\n"
    )
    loaded = config.load_repo_config(tmp_path)
    assert loaded.projects["etl"].platforms == ("linux-64", "osx-arm64")
    assert loaded.projects["etl"].run == ("python", "job.py")


def test_a_deeply_nested_config_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "projects: " + "[" * 5000 + "]" * 5000 + "\n"
    (tmp_path / "devkit.yaml").write_text(deep)
    with pytest.raises(FileFormatError) as caught:
        config.load_repo_config(tmp_path)
    assert caught.value.line == 1 and "nested more than 64 levels" in caught.value.message
    user = tmp_path / "config.yaml"
    user.write_text("future: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(FileFormatError):
        userconfig.load_user_config(user)
    # Saving over it (what `devkit setup` records) replaces what cannot be read.
    userconfig.save_user_config(userconfig.UserConfig(clone=tmp_path / "repo"), user)
    assert userconfig.load_user_config(user).clone == tmp_path / "repo"
