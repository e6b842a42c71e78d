"""devkit lock and the `pip:` section: wheels per platform from the suite's package index."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from devkit.conda import envs, lockfile, lockpip
from tests.drift.conftest import PYTHON, devkit
from tests.support.channel import DOTENV_VERSION, GMAPS_VERSION
from tests.support.fixtures import Isolation, PackageIndex
from tests.support.monorepo import Monorepo, add_project, edit_environment
from tests.support.pypi_index import FASTC_TAGS, Wheel, sha256_of

AIR_PIP = ("pyairtable==1.4.0", "clickui", "dotenv-cli")


def lock(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return devkit("--root", root, "lock", *args, timeout=240)


def doctor_result(root: Path, project: str, check_id: str) -> dict:
    result = devkit("--root", root, "doctor", project, "--check", check_id, "--json")
    [found] = json.loads(result.stdout)["results"]
    return found


@pytest.fixture
def air(sample_monorepo: Monorepo, pip_index: PackageIndex) -> Monorepo:
    """A project like the seed's: conda packages plus a `pip:` section from the index."""
    deps = (PYTHON, f"python-dotenv={DOTENV_VERSION}")
    add_project(sample_monorepo, "air", dependencies=deps, pip=AIR_PIP)
    return sample_monorepo


def entries(path: Path) -> dict[tuple[str, str], dict]:
    data = yaml.safe_load(path.read_text())
    return {(p["name"], p["platform"]): p for p in data["package"] if p["manager"] == "pip"}


# conda-lock's vendored conda warns about its own deprecations when imported.
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning")
def test_the_pip_section_is_locked_per_platform_as_conda_lock_writes_it(
    air: Monorepo, package_index: PackageIndex
) -> None:
    from conda_lock.lockfile import parse_conda_lock_file

    root = air.root
    result = lock(root, "air", "--platforms", "linux-64,osx-arm64")
    assert result.returncode == 0, result.stderr
    assert "linux-64" in result.stdout and "+ 6 pip" in result.stdout, result.stdout
    path = air.project("air") / "conda-lock.yml"
    parsed = parse_conda_lock_file(path)
    wheels = {(p.name, p.platform): p for p in parsed.package if p.manager == "pip"}
    for platform in ("linux-64", "osx-arm64"):
        pyairtable = wheels[("pyairtable", platform)]
        assert pyairtable.version == "1.4.0" and pyairtable.categories == {"main"}
        assert pyairtable.url.endswith("/files/pyairtable-1.4.0-py3-none-any.whl")
        assert pyairtable.url.startswith("http://127.0.0.1:")
        assert pyairtable.dependencies == {"requests": ">=2.22.0", "inflection": "*"}
        # The newest requests that meets every requirement, with the file's own sha256.
        assert wheels[("requests", platform)].version == "2.32.3"
        assert wheels[("dotenv-cli", platform)].version == "3.0.0"
        # python-dotenv is conda's (0.20.0): pip was held to it and does not install it again.
        assert ("python-dotenv", platform) not in wheels
    assert wheels[("pyairtable", "linux-64")].hash.sha256 == sha256_of(
        package_index.root, "pyairtable-1.4.0-py3-none-any.whl"
    )
    # Markers are the target's, not this machine's: appnope is for macOS only.
    assert ("appnope", "osx-arm64") in wheels and ("appnope", "linux-64") not in wheels
    assert ("colorama", "linux-64") not in wheels

    read = lockfile.read(path)
    assert read.pip["osx-arm64"]["appnope"].version == "0.1.4"
    assert lockpip.is_locked(read) and read.custom["pip"] == "locked"
    header = path.read_text().split("\nversion:")[0]
    assert "then its `manager: pip`" in header and "--require-hashes" in header
    assert "Not in this file: environment.yml's `variables:`." in header
    # Same inputs, same bytes.
    before = path.read_bytes()
    assert lock(root, "air", "--platforms", "linux-64,osx-arm64").returncode == 0
    assert path.read_bytes() == before


@pytest.mark.slow
def test_platform_wheels_differ_and_a_missing_one_is_named(
    sample_monorepo: Monorepo, pip_index: PackageIndex
) -> None:
    root = sample_monorepo.root
    add_project(sample_monorepo, "fast", dependencies=(PYTHON,), pip=("fastc==0.5",))
    old = sample_monorepo.project("fast") / "conda-lock.yml"
    old.write_text("# an older lock, kept when locking fails\n")
    result = lock(root, "fast")
    assert result.returncode == 1
    assert "cannot lock fast" in result.stderr
    assert "osx-64: no wheel of fastc==0.5 for Python" in result.stderr
    assert "macosx_11_0_x86_64" in result.stderr
    assert "linux-64: no wheel" not in result.stderr
    assert "--no-pip" in result.stderr  # the hint says how to lock the conda part alone
    assert old.read_text().startswith("# an older lock")

    assert lock(root, "fast", "--platforms", "linux-64,osx-arm64").returncode == 0
    found = entries(old)
    urls = {platform: found[("fastc", platform)]["url"] for platform in ("linux-64", "osx-arm64")}
    for platform, tag in zip(("linux-64", "osx-arm64"), FASTC_TAGS, strict=True):
        assert urls[platform].endswith(Wheel("fastc", "0.5", tag=tag).filename)


@pytest.mark.slow
def test_a_sdist_only_requirement_is_refused_unless_no_pip(
    sample_monorepo: Monorepo, pip_index: PackageIndex
) -> None:
    root = sample_monorepo.root
    add_project(sample_monorepo, "old", dependencies=(PYTHON,), pip=("legacy-sdist==1.0",))
    result = lock(root, "old", "--platforms", "linux-64")
    assert result.returncode == 1
    assert "linux-64: no wheel of legacy-sdist==1.0" in result.stderr
    path = sample_monorepo.project("old") / "conda-lock.yml"
    assert not path.exists()

    result = lock(root, "old", "--platforms", "linux-64", "--no-pip")
    assert result.returncode == 0, result.stderr
    assert "--no-pip: the `pip:` section is not in the lock" in result.stderr
    assert entries(path) == {}
    assert "the `pip:` section (locked with --no-pip)" in path.read_text()
    stale = doctor_result(root, "old", "lock.stale")
    assert stale["status"] == "warn" and "not locked (--no-pip)" in stale["message"]
    # --update keeps a --no-pip lock without its pip part: pip is not asked again.
    update = lock(root, "old", "--platforms", "linux-64", "--update", "python", "--dry-run")
    assert update.returncode == 0 and "linux-64: nothing moved" in update.stdout, update.stderr


@pytest.mark.slow
def test_a_requirement_conda_cannot_satisfy_is_a_conflict(air: Monorepo) -> None:
    edit_environment(
        air.env_file("air"),
        dependencies=[PYTHON, f"python-dotenv={DOTENV_VERSION}", {"pip": ["newdotenv-user"]}],
    )
    result = lock(air.root, "air", "--platforms", "linux-64")
    assert result.returncode == 1
    assert "linux-64: pip finds the requirements in conflict" in result.stderr
    assert "python-dotenv" in result.stderr


@pytest.mark.slow
def test_a_pypi_name_from_the_conda_record_is_not_locked_twice(
    sample_monorepo: Monorepo, pip_index: PackageIndex
) -> None:
    root = sample_monorepo.root
    deps = (PYTHON, f"gmaps-conda={GMAPS_VERSION}")
    add_project(sample_monorepo, "maps", dependencies=deps, pip=(f"googlemaps=={GMAPS_VERSION}",))
    result = lock(root, "maps", "--platforms", "linux-64")
    assert result.returncode == 0, result.stderr
    assert "pip: googlemaps is installed by conda (gmaps-conda)" in result.stderr
    path = sample_monorepo.project("maps") / "conda-lock.yml"
    assert entries(path) == {}
    assert lockfile.read(path).custom["pip_from_conda.linux-64"] == "googlemaps=gmaps-conda"
    assert doctor_result(root, "maps", "lock.stale")["status"] == "ok"


@pytest.mark.slow
def test_the_index_is_the_one_pips_own_configuration_names(
    sample_monorepo: Monorepo,
    package_index: PackageIndex,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(
        f"[global]\nindex-url = {package_index.url}\nextra-index-url = {package_index.extra_url}\n"
    )
    monkeypatch.delenv("PIP_NO_INDEX")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    add_project(sample_monorepo, "team", dependencies=(PYTHON,), pip=("teamlib", "inflection"))
    result = lock(sample_monorepo.root, "team", "--platforms", "linux-64")
    assert result.returncode == 0, result.stderr
    found = entries(sample_monorepo.project("team") / "conda-lock.yml")
    assert found[("teamlib", "linux-64")]["url"].startswith(package_index.server.base_url)
    assert found[("inflection", "linux-64")]["version"] == "0.5.1"


@pytest.mark.slow
def test_without_an_index_pip_says_so(sample_monorepo: Monorepo) -> None:
    add_project(sample_monorepo, "team", dependencies=(PYTHON,), pip=("inflection",))
    result = lock(sample_monorepo.root, "team", "--platforms", "linux-64")
    assert result.returncode == 1
    assert "no wheel of inflection" in result.stderr
    assert "PIP_NO_INDEX is set" in result.stderr


@pytest.mark.slow
def test_doctor_checks_the_pip_part_of_the_lock(air: Monorepo) -> None:
    root = air.root
    assert lock(root, "air", "--platforms", "linux-64,osx-arm64").returncode == 0
    assert doctor_result(root, "air", "lock.stale")["status"] == "ok"
    env_file = air.env_file("air")
    deps = [PYTHON, f"python-dotenv={DOTENV_VERSION}"]
    edit_environment(env_file, dependencies=[*deps, {"pip": [*AIR_PIP, "googlemaps==4.8.0"]}])
    stale = doctor_result(root, "air", "lock.stale")
    assert stale["status"] == "fail"
    assert "pip: googlemaps==4.8.0 is not locked on linux-64" in stale["message"]
    edit_environment(env_file, dependencies=[*deps, {"pip": ["pyairtable>=2", "clickui"]}])
    stale = doctor_result(root, "air", "lock.stale")
    assert "pip: pyairtable>=2 (locked 1.4.0) on linux-64" in stale["message"]
    # A requirement for another OS only is judged on that OS only.
    marked = ["pyairtable==1.4.0", 'googlemaps==4.8.0; sys_platform == "win32"']
    edit_environment(env_file, dependencies=[*deps, {"pip": marked}])
    assert doctor_result(root, "air", "lock.stale")["status"] == "warn"  # changed, still met


@pytest.mark.slow
def test_setup_installs_the_locked_wheels_hash_checked(
    air: Monorepo, isolate: Isolation, package_index: PackageIndex
) -> None:
    root = air.root
    assert lock(root, "air", "--platforms", "linux-64,osx-arm64").returncode == 0
    fixed = devkit("--root", root, "doctor", "air", "--fix", "--yes", "--check", "env.exists")
    assert "created env `air`" in fixed.stderr, fixed.stderr
    prefix = isolate.root_prefix / "envs" / "air"
    installed = envs.pip_installed(prefix)
    assert installed["pyairtable"] == "1.4.0" and installed["requests"] == "2.32.3"
    assert "appnope" not in installed  # the linux-64 section, markers and all
    assert installed["python-dotenv"] == DOTENV_VERSION  # conda's, not pip's 1.0.1
    assert doctor_result(root, "air", "env.pip")["status"] == "ok"

    # A wheel that is not the locked file fails the build, and the env built before stays.
    path = air.project("air") / "conda-lock.yml"
    text = path.read_text()
    good = sha256_of(package_index.root, "inflection-0.5.1-py3-none-any.whl")
    path.write_text(text.replace(good, "f" * 64))
    rebuilt = devkit("--root", root, "doctor", "air", "--fix", "--yes", "--check", "env.stale")
    assert rebuilt.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in rebuilt.stderr, rebuilt.stderr
    assert envs.pip_installed(prefix)["pyairtable"] == "1.4.0"
