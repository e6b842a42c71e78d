"""Pytest fixtures of the test world: channels, micromamba stand-in, isolation, sample repos."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.home_guard import snapshot, touched
from tests.support.http_server import FileServer
from tests.support.install_sh import build_wheel
from tests.support.monorepo import GitOrigin, Monorepo, build_sample_monorepo, make_origin
from tests.support.proxy import Proxy
from tests.support.pypi_index import build_index
from tests.support.tls import Certificates, make_certificates, openssl
from tests.support.world import World, build_world

# Taken at import, before any test swaps HOME: this is the home the guard protects.
REAL_HOME = Path(os.path.expanduser("~"))
STRIPPED_PREFIXES = ("CONDA_", "MAMBA_", "DEVKIT_", "PIP_", "GIT_")
TEST_TODAY = "2026-10-01"

# PYTHONUNBUFFERED: `devkit run` sets it; a developer shell that already has it hid a bug.
STRIPPED_NAMES = (
    "CONDARC",
    "MAMBARC",
    # A developer's proxy and CA settings must not reach the tests (nor the tests the internet).
    *(n for v in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY") for n in (v, v.lower())),
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "VIRTUAL_ENV",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "PYTHONUNBUFFERED",
)


@dataclass(frozen=True)
class Isolation:
    """The per-test locations `isolate` put in the environment."""

    home: Path
    root_prefix: Path
    devkit_home: Path
    git_config: Path


@pytest.fixture(scope="session")
def test_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Channels, condarc, the micromamba launcher and release downloads, built once."""
    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def devkit_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """devkit's wheel (devkit_monorepo-*.whl), built from this checkout once per run."""
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def http_server(test_world: World) -> Iterator[FileServer]:
    """A 127.0.0.1 file server for `test_world.downloads_dir`; use `.base_url` / `.url()`."""
    server = FileServer(test_world.downloads_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a 127.0.0.1 certificate it signed (skips without `openssl`)."""
    if openssl() is None:
        pytest.skip("needs the openssl command")
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def https_server(test_world: World, certificates: Certificates) -> Iterator[FileServer]:
    """`test_world.root` over HTTPS on 127.0.0.1: `/channels/<name>`, `/downloads/…`."""
    server = FileServer(test_world.root, tls=certificates.server_context()).start()
    yield server


@dataclass(frozen=True)
class PackageIndex:
    """The suite's PyPI stand-in (tests/support/pypi_index.py) and where it is served."""

    root: Path
    server: FileServer

    @property
    def url(self) -> str:
        """The main index, as PIP_INDEX_URL takes it."""
        return self.server.url("simple")

    @property
    def extra_url(self) -> str:
        """The second index (the team's private packages)."""
        return self.server.url("extra")


@pytest.fixture(scope="session")
def package_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    """Real wheels and PEP 503 pages, served on 127.0.0.1 for the whole session."""
    root = build_index(tmp_path_factory.mktemp("pypi"))
    server = FileServer(root).start()
    yield PackageIndex(root, server)
    server.stop()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """A forward proxy on 127.0.0.1 (CONNECT for HTTPS) whose `log` lists each request."""
    server = Proxy().start()
    yield server
    server.stop()


@pytest.fixture
def pip_index(package_index: PackageIndex, monkeypatch: pytest.MonkeyPatch) -> PackageIndex:
    """Point pip at the suite's index (the isolation otherwise gives it none)."""
    monkeypatch.delenv("PIP_NO_INDEX", raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", package_index.url)
    return package_index


@pytest.fixture(autouse=True)
def real_home_guard() -> Iterator[None]:
    """Fail any test that created or changed devkit/mamba/shell files in the real home."""
    before = snapshot(REAL_HOME)
    yield
    changed = touched(before, snapshot(REAL_HOME))
    if changed:
        pytest.fail(f"test touched the real home {REAL_HOME}: {', '.join(changed)}")


@pytest.fixture(autouse=True)
def isolate(
    real_home_guard: None,
    test_world: World,
    http_server: FileServer,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Isolation:
    """Give every test its own HOME, XDG dirs, DEVKIT_HOME, root prefix, git identity."""
    base = tmp_path_factory.mktemp("isolated")
    home = base / "home"
    for sub in (".config", ".local/share", ".cache", ".local/state"):
        (home / sub).mkdir(parents=True)
    for name in list(os.environ):
        if name.startswith(STRIPPED_PREFIXES) or name in STRIPPED_NAMES:
            monkeypatch.delenv(name)
    git_config = base / "gitconfig"
    git_config.write_text(
        "[user]\n\tname = Devkit Tests\n\temail = tests@devkit.invalid\n"
        "[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    isolation = Isolation(
        home=home,
        root_prefix=base / "mamba-root",
        devkit_home=base / "devkit-home",
        git_config=git_config,
    )
    settings = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "DEVKIT_HOME": str(isolation.devkit_home),
        "MAMBA_ROOT_PREFIX": str(isolation.root_prefix),
        "CONDARC": str(test_world.condarc),
        # micromamba comes from the loopback server, never GitHub (doctor probes it too).
        "DEVKIT_MICROMAMBA_URL": http_server.base_url,
        "GIT_AUTHOR_NAME": "Devkit Tests",
        "GIT_AUTHOR_EMAIL": "tests@devkit.invalid",
        "GIT_COMMITTER_NAME": "Devkit Tests",
        "GIT_COMMITTER_EMAIL": "tests@devkit.invalid",
        "GIT_CONFIG_GLOBAL": str(git_config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "COLUMNS": "80",
        # Checks that age (Python EOL, deprecated actions, images) read one "today": a fixed
        # one keeps the suite's verdicts the same on every day and every supported Python
        # (3.10 reached its end of life on 2026-10-31).
        "DEVKIT_TODAY": TEST_TODAY,
        "TERM": "dumb",
        # CI runners may have no $SHELL; tests that need another shell set their own.
        "SHELL": "/bin/bash",
        # pip in test envs never reaches an index and reads no user or machine config.
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PATH": os.pathsep.join([str(test_world.bin_dir), os.environ.get("PATH", os.defpath)]),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return isolation


@pytest.fixture
def sample_monorepo(tmp_path: Path) -> Monorepo:
    """A fresh working tree: projects/api (FastAPI) and projects/etl (pandas, pip, variables)."""
    return build_sample_monorepo(tmp_path / "monorepo")


@pytest.fixture
def git_origin(sample_monorepo: Monorepo, tmp_path: Path) -> GitOrigin:
    """The sample monorepo committed and pushed to a bare repo; clone it from `.url`."""
    return make_origin(sample_monorepo, tmp_path / "origin.git")


CreateEnv = Callable[..., Path]


def run_create(
    world: World, env_file: Path, prefix: Path | None = None, shared_cache: bool = False
) -> Path:
    """`micromamba create -y -r $MAMBA_ROOT_PREFIX -p PREFIX -f FILE --json`; return PREFIX."""
    root = Path(os.environ["MAMBA_ROOT_PREFIX"])
    if env_file.is_dir():
        env_file = env_file / "environment.yml"
    if prefix is None:
        import yaml

        name = (yaml.safe_load(env_file.read_text()) or {}).get("name") or env_file.parent.name
        prefix = root / "envs" / str(name)
    env = dict(os.environ)
    if shared_cache:
        env["CONDA_PKGS_DIRS"] = str(world.pkgs_cache)
    argv = [str(world.micromamba), "create", "-y", "-r", str(root), "-p", str(prefix)]
    argv += ["-f", str(env_file), "--json", "--log-level", "error"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise AssertionError(
            f"micromamba create failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    assert json.loads(done.stdout)["success"] is True
    return prefix


@pytest.fixture
def create_env(test_world: World) -> CreateEnv:
    """`create_env(env_file_or_project_dir, prefix=None, shared_cache=False) -> prefix`."""

    def create(env_file: Path, prefix: Path | None = None, shared_cache: bool = False) -> Path:
        return run_create(test_world, env_file, prefix, shared_cache)

    return create
