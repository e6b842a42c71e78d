"""The pip part of a lock, piece by piece: which lines lock, which PyPI name a conda package is,
the wheel tags of a platform, the staleness rule, and installing wheels micromamba left out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from devkit.conda import envs, envspec, lockfile, lockinstall, lockpip, piptarget, pypi
from devkit.conda.buildcheck import Locked
from devkit.conda.envspec import PipRequirement
from devkit.conda.micromamba import Micromamba
from devkit.conda.package import Package
from devkit.conda.platforms import Target, default_virtual_packages
from tests.drift.conftest import PYTHON, devkit
from tests.support.channel import DOTENV_VERSION
from tests.support.fixtures import Isolation, PackageIndex
from tests.support.monorepo import Monorepo, add_project
from tests.support.world import World


def reqs(*lines: str) -> list[PipRequirement]:
    return [PipRequirement(text, n) for n, text in enumerate(lines, 1)]


def test_named_requirements_lock_and_paths_urls_and_options_do_not() -> None:
    section = pypi.split(
        reqs(
            "pyairtable==1.4.0",
            "Google_Maps[extra]>=4; python_version >= '3.8'",
            "--extra-index-url https://pypi.corp.example/simple",
            "./libs/etl_utils",
            "-e ../shared",
            "git+https://github.com/org/repo@v1#egg=repo",
            "teamlib @ https://files.corp.example/teamlib-1.0-py3-none-any.whl",
            "not a requirement !!",
        )
    )
    assert [r.text for r in section.lockable] == [
        "pyairtable==1.4.0",
        "Google_Maps[extra]>=4; python_version >= '3.8'",
    ]
    assert section.options == ("--extra-index-url https://pypi.corp.example/simple",)
    assert len(section.unlockable) == 5
    assert section.requirement_lines[0].startswith("--extra-index-url")
    assert pypi.requirement_name("Google_Maps[extra]>=4") == "google-maps"


def conda(name: str, version: str, *depends: str, purls: tuple[str, ...] = ()) -> Package:
    extra = {"purls": purls} if purls else {}
    return Package(name, version, "0", "noarch", "conda-forge", depends=depends, extra=extra)


def test_which_pypi_distribution_a_conda_package_is() -> None:
    python = "python >=3.8"
    assert pypi.pypi_names(conda("python-dotenv", "0.20.0", python)) == ("python-dotenv",)
    assert pypi.pypi_names(conda("msgpack-python", "1.0.8", python)) == ("msgpack",)
    assert pypi.pypi_names(conda("Typing_Extensions", "4.0", python)) == ("typing-extensions",)
    # purls say it best, whatever the name; a C library with no python is no distribution.
    named = conda("gmaps-conda", "4.8.0", python, purls=("pkg:pypi/googlemaps@4.8.0",))
    assert pypi.pypi_names(named) == ("googlemaps",)
    assert pypi.pypi_names(conda("libgcc-ng", "12.2.0", "__glibc >=2.17")) == ()
    assert pypi.pypi_names(conda("python", "3.11.9", "tzdata")) == ()
    # Two claimants of one name: the binding (named otherwise) wins over the library.
    found = pypi.provided(
        {
            "xxhash": conda("xxhash", "0.8.2", python),
            "python-xxhash": conda("python-xxhash", "3.4.1", python),
        }
    )
    assert found["xxhash"].name == "python-xxhash"


def test_the_wheel_tags_and_markers_of_a_platform() -> None:
    linux = piptarget.target_for(Target("linux-64", default_virtual_packages("linux-64")), "3.11.9")
    assert linux.tags[0] == "manylinux_2_17_x86_64"
    assert "manylinux2014_x86_64" in linux.tags and "manylinux1_x86_64" in linux.tags
    assert "manylinux_2_28_x86_64" not in linux.tags  # glibc 2.17 is all that is assumed
    assert not any(t.startswith("linux_") for t in linux.tags)  # promises no glibc at all
    assert linux.abi == "cp311" and linux.markers["sys_platform"] == "linux"
    newer = piptarget.target_for(Target("linux-aarch64", ("__glibc=2.28=0",)), "3.12.1")
    assert newer.tags[0] == "manylinux_2_28_aarch64" and newer.abi == "cp312"
    mac = piptarget.target_for(Target("osx-arm64", default_virtual_packages("osx-arm64")), "3.11.9")
    assert mac.tags == ("macosx_11_0_arm64",)
    assert mac.markers["platform_machine"] == "arm64" and mac.markers["sys_platform"] == "darwin"
    assert mac.describe() == "Python 3.11, macosx_11_0_arm64"
    intel = piptarget.target_for(Target("osx-64", ("__osx=13.4=0",)), "3.11.9")
    assert intel.tags == ("macosx_13_4_x86_64",)


LOCK = """\
version: 1
metadata:
  content_hash: {linux-64: x, osx-arm64: y}
  channels: [{url: https://conda.anaconda.org/conda-forge, used_env_vars: []}]
  platforms: [linux-64, osx-arm64]
  sources: [environment.yml]
  custom_metadata: {pip: locked, pip_from_conda.linux-64: googlemaps=gmaps-conda}
package:
"""


def _conda_entry(name: str, version: str, platform: str) -> dict:
    url = f"https://conda.anaconda.org/conda-forge/{platform}/{name}-{version}-0.conda"
    return {
        "name": name,
        "version": version,
        "manager": "conda",
        "platform": platform,
        "dependencies": {},
        "url": url,
        "hash": {"md5": "0" * 32},
    }


def _pip_entry(name: str, version: str, platform: str) -> dict:
    url = f"https://files.example/{name}-{version}-py3-none-any.whl"
    return {
        "name": name,
        "version": version,
        "manager": "pip",
        "platform": platform,
        "dependencies": {},
        "url": url,
        "hash": {"sha256": "a" * 64},
    }


@pytest.fixture
def locked_project(tmp_path: Path) -> Path:
    packages = []
    for platform in ("linux-64", "osx-arm64"):
        packages += [
            _conda_entry("python", "3.11.9", platform),
            _pip_entry("pyairtable", "1.4.0", platform),
        ]
    packages.append(_conda_entry("gmaps-conda", "4.8.0", "linux-64"))
    packages.append(_pip_entry("appnope", "0.1.4", "osx-arm64"))
    (tmp_path / "conda-lock.yml").write_text(LOCK + yaml.safe_dump(packages))
    return tmp_path


def _stale(folder: Path, *pip: str) -> dict[str, list[str]]:
    (folder / "environment.yml").write_text(
        yaml.safe_dump({"dependencies": ["python", {"pip": list(pip)}]})
    )
    spec = envspec.parse(folder / "environment.yml")
    lock = lockfile.read(folder / "conda-lock.yml")
    return {p: lockpip.unsatisfied(lock, spec, p) for p in lock.platforms}


def test_the_pip_part_is_stale_when_a_requirement_is_not_met(locked_project: Path) -> None:
    assert _stale(locked_project, "pyairtable==1.4.0", 'appnope; sys_platform == "darwin"') == {
        "linux-64": [],
        "osx-arm64": [],
    }
    assert _stale(locked_project, "pyairtable>=2")["linux-64"] == [
        "pip: pyairtable>=2 (locked 1.4.0)"
    ]
    missing = _stale(locked_project, "appnope")
    assert missing == {"linux-64": ["pip: appnope is not locked"], "osx-arm64": []}
    # Conda's package counts, by the name the lock recorded it under.
    assert _stale(locked_project, "googlemaps==4.8.0")["linux-64"] == []
    assert _stale(locked_project, "./libs/x", "-e ../y") == {"linux-64": [], "osx-arm64": []}


def test_a_no_pip_lock_is_not_judged_on_its_pip_part(locked_project: Path) -> None:
    path = locked_project / "conda-lock.yml"
    path.write_text(path.read_text().replace("{pip: locked,", "{pip: not locked (--no-pip),"))
    assert _stale(locked_project, "anything-at-all==9") == {"linux-64": [], "osx-arm64": []}
    assert lockpip.not_locked_reason(lockfile.read(path)) == "not locked (--no-pip)"


@pytest.mark.slow
def test_a_wheel_micromamba_left_out_is_installed_from_the_lock_hash_checked(
    sample_monorepo: Monorepo,
    pip_index: PackageIndex,
    test_world: World,
    isolate: Isolation,
) -> None:
    """An older micromamba ignored a lock's pip packages: devkit installs them itself."""
    deps = (PYTHON, f"python-dotenv={DOTENV_VERSION}")
    folder = add_project(sample_monorepo, "air", dependencies=deps, pip=("pyairtable==1.4.0",))
    locked = devkit("--root", sample_monorepo.root, "lock", "air", "--platforms", "linux-64")
    assert locked.returncode == 0, locked.stderr
    lock_path = folder / "conda-lock.yml"
    data = yaml.safe_load(lock_path.read_text())
    conda_only = folder / "conda-only-lock.yml"
    data["package"] = [p for p in data["package"] if p["manager"] == "conda"]
    conda_only.write_text(yaml.safe_dump(data))
    prefix = isolate.root_prefix / "envs" / "air"
    argv = [str(test_world.micromamba), "create", "-y", "-r", str(isolate.root_prefix)]
    argv += ["-p", str(prefix), "-f", str(conda_only), "--json"]
    assert subprocess.run(argv, capture_output=True, text=True, check=False).returncode == 0
    assert "pyairtable" not in envs.pip_installed(prefix)

    mm = Micromamba(test_world.micromamba, isolate.root_prefix)
    spec = envspec.parse(folder / "environment.yml")
    wheels = tuple(lockfile.read(lock_path).pip["linux-64"].values())
    assert lockinstall.complete(mm, spec, prefix, Locked(lock_path, (), wheels, True)) == ()
    installed = envs.pip_installed(prefix)
    assert installed["pyairtable"] == "1.4.0" and installed["inflection"] == "0.5.1"
    # Nothing left to do the second time: pip is not even started.
    assert lockpip.install_lines({w.name: w for w in wheels}, installed) == []

    tampered = [w.__class__(w.name, "9.9", w.url, "b" * 64) for w in wheels]
    problems = lockinstall.complete(mm, spec, prefix, Locked(lock_path, (), tuple(tampered), True))
    assert problems[0] == "pip failed to install the locked wheels:"
    assert any("DO NOT MATCH THE HASHES" in line for line in problems)
