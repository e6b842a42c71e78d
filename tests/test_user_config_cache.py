"""The user config's reading kept between runs (``userconfig.SHELF``), unless it holds a
credential: `devkit run` reads the config on every start, and PyYAML's import was most of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit import userconfig
from devkit.userconfig import UserConfig
from tests.support.yamlcount import read_counting

# A devkit command as far as the user config: how many YAML texts it parsed, and what it read.
_READ = """
from devkit import userconfig

try:
    read = userconfig.load_user_config(Path(sys.argv[1]))
except FileFormatError as exc:
    print(len(calls), "error", exc.line, exc.message)
else:
    print(len(calls), read.clone, read.repo_url, read.thresholds.disk_warn_gb)
"""

CONFIG = """\
clone: ~/monorepo
repo_url: git@github.com:acme/monorepo.git
thresholds:
  disk_warn_gb: 30
"""


def read(path: Path, **env: str) -> str:
    return read_counting(_READ, str(path), **env)


def config_file(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_a_second_read_parses_nothing_and_reads_the_same(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    first = read(path)
    home = Path(os.environ["HOME"])
    assert first == f"1 {home / 'monorepo'} git@github.com:acme/monorepo.git 30.0"
    assert read(path) == "0" + first[1:]


def test_an_edited_config_is_read_again(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    read(path)
    path.write_text(CONFIG.replace("30", "40"))
    assert read(path).startswith("1 ") and read(path).endswith(" 40.0")


def test_a_bad_config_is_an_error_every_run(tmp_path: Path) -> None:
    path = config_file(tmp_path, CONFIG + "clone: [unclosed\n")
    for _ in range(2):
        assert read(path).startswith("1 error ")
    # Valid YAML, a wrong setting: named by its line every run, as nothing wrong is kept.
    path.write_text(CONFIG.replace("disk_warn_gb: 30", "disk_warn_gb: lots"))
    for _ in range(2):
        assert read(path).startswith("1 error 4 ")


def test_home_expands_with_the_home_of_the_run(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert f" {tmp_path / 'a' / 'monorepo'} " in read(path, HOME=str(tmp_path / "a"))
    assert f" {tmp_path / 'b' / 'monorepo'} " in read(path, HOME=str(tmp_path / "b"))


@pytest.mark.parametrize(
    "url",
    [
        "https://oauth2:glpat-abcdefgh12345678@gitlab.com/acme/monorepo.git",
        "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/monorepo.git",
        "ssh://deploy:hunter2hunter2@git.acme.io/monorepo.git",
    ],
)
def test_a_config_with_a_credential_is_never_kept(tmp_path: Path, url: str) -> None:
    path = config_file(tmp_path, CONFIG.replace("git@github.com:acme/monorepo.git", url))
    for _ in range(2):
        assert read(path).startswith(f"1 {Path(os.environ['HOME']) / 'monorepo'} {url} ")
    secret = url.split("://", 1)[1].split("@", 1)[0].encode()
    cache = Path(os.environ["DEVKIT_HOME"]) / "cache"
    for file in (f for f in cache.rglob("*") if f.is_file()):
        assert secret not in file.read_bytes(), file


@pytest.mark.parametrize(
    ("url", "keeps"),
    [
        (None, True),
        ("git@github.com:acme/monorepo.git", True),  # an SSH login, no secret
        ("https://github.com/acme/monorepo.git", True),
        ("file:///srv/git/monorepo.git", True),
        ("https://github.com/acme/mono@repo.git", True),  # an @ in the path, not the host part
        ("https://token@github.com/acme/monorepo.git", False),
        ("https://user:pass@github.com/acme/monorepo.git", False),
        ("ssh://git@github.com/acme/monorepo.git", False),  # any user in a URL: kept off
    ],
)
def test_what_may_be_kept(url: str | None, keeps: bool) -> None:
    assert userconfig._keepable(UserConfig(repo_url=url)) is keeps


def test_the_user_config_has_its_own_small_shelf(tmp_path: Path) -> None:
    read(config_file(tmp_path))
    parsed = Path(os.environ["DEVKIT_HOME"]) / "cache" / "parsed"
    assert sorted(p.name for p in parsed.iterdir()) == ["user-config.pickle"]
    assert userconfig.SHELF.path == parsed / "user-config.pickle"
