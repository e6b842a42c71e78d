"""devkit lock --diff [REF]: what a lock changes against git, per platform, as Markdown or JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from devkit.conda import lockfile, lockscan
from devkit.drift import lockdiff
from tests.drift import update_channel
from tests.drift.conftest import devkit
from tests.drift.test_lock import REAL_LOCK
from tests.support.channel import NUMPY_VERSIONS
from tests.support.monorepo import GitOrigin, Monorepo, add_project, edit_environment, git


def lock(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return devkit("--root", root, "lock", *args, timeout=240)


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def tracked(git_origin: GitOrigin) -> Monorepo:
    """The sample monorepo, its api project locked, committed and pushed; main tracks origin."""
    repo = git_origin.source
    assert lock(repo.root, "api").returncode == 0
    commit_all(repo.root, "Lock api")
    git(repo.root, "push", "-q", "-u", "origin", "main")
    git(repo.root, "checkout", "-q", "-b", "add-numpy", "--track", "origin/main")
    return repo


@pytest.mark.slow
def test_the_diff_against_the_upstream_merge_base_as_markdown(tracked: Monorepo) -> None:
    root = tracked.root
    env_file = tracked.env_file("api")
    deps = yaml.safe_load(env_file.read_text())["dependencies"]
    edit_environment(env_file, dependencies=[*deps, "numpy"])
    assert lock(root, "api").returncode == 0

    result = lock(root, "api", "--diff")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "### `api`: projects/api/conda-lock.yml against `" in text
    assert "(merge base with origin/main)" in text
    assert "| added | 1 | 1 | 1 |" in text
    direct = text.split("**Direct (named in environment.yml)**")[1].split("**Mac vs Linux**")[0]
    linux, mac = NUMPY_VERSIONS["linux-64"], NUMPY_VERSIONS["osx-arm64"]
    assert f"| numpy | + {linux} | + {NUMPY_VERSIONS['osx-64']} | + {mac} |" in direct
    assert "**Transitive**" not in text  # numpy brings nothing the lock did not have
    assert f"- now differs: numpy (linux-64 {linux}, osx-64 {linux}, osx-arm64 {mac})" in text

    # Against the branch's own last commit nothing changed yet, once committed.
    commit_all(root, "Add numpy")
    same = lock(root, "api", "--diff", "HEAD")
    assert same.returncode == 0 and "No package changes." in same.stdout


@pytest.mark.slow
def test_the_diff_as_json(tracked: Monorepo) -> None:
    root = tracked.root
    env_file = tracked.env_file("api")
    deps = yaml.safe_load(env_file.read_text())["dependencies"]
    edit_environment(env_file, dependencies=[*deps, "numpy"])
    assert lock(root, "api", "--platforms", "linux-64,osx-arm64").returncode == 0
    result = lock(root, "api", "--diff", "origin/main", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema"] == "devkit-lock-diff" and document["schema_version"] == 1
    [report] = document["projects"]
    assert report["ref"] == "origin/main" and report["changed"] is True
    added = {c["name"]: c for c in report["platforms"]["linux-64"]["added"]}
    assert added["numpy"]["direct"] is True and added["numpy"]["old"] is None
    # osx-64 was dropped from the lock: all of its packages are removed.
    removed = report["platforms"]["osx-64"]["removed"]
    assert {c["name"] for c in removed} >= {"python", "fastapi"}
    assert [d["name"] for d in report["mac_vs_linux"]["now_differ"]] == ["numpy"]


@pytest.mark.slow
def test_upgrades_and_transitive_packages_are_told_apart(
    git_origin: GitOrigin, tmp_path: Path
) -> None:
    repo = git_origin.source
    channel = update_channel.build_out_of_process(tmp_path / "channel", 1)
    add_project(repo, "up", dependencies=("alpha", "gamma"), channels=(channel.as_uri(),))
    assert lock(repo.root, "up", "--platforms", "linux-64,osx-64").returncode == 0
    commit_all(repo.root, "Lock up")
    update_channel.build_out_of_process(tmp_path / "channel", 2)
    assert (
        lock(repo.root, "up", "--platforms", "linux-64,osx-64", "--update", "gamma").returncode == 0
    )
    result = lock(repo.root, "up", "--diff", "HEAD")
    text = result.stdout
    assert "| upgraded | 2 | 2 |" in text, text
    direct, transitive = text.split("**Transitive**")
    assert "| gamma | 1.0 → 2.0 ⬆ | 1.0 → 2.0 ⬆ |" in direct
    assert "| beta | 1.0 → 1.1 ⬆ | 1.0 → 1.1 ⬆ |" in transitive
    assert "**Mac vs Linux**: the sections agree." in text
    # Back to the old lock: the same packages, downgraded.
    old = git(repo.root, "show", "HEAD:projects/up/conda-lock.yml")
    new = (repo.project("up") / "conda-lock.yml").read_text()
    reverse = lockdiff.compare(
        lockdiff.read_sections(new, Path("new")), lockdiff.read_sections(old, Path("old"))
    )
    assert {c.kind for c in reverse.changes["linux-64"]} == {"downgraded"}


@pytest.mark.slow
def test_a_ref_or_an_upstream_is_needed(git_origin: GitOrigin) -> None:
    root = git_origin.source.root
    no_upstream = lock(root, "api", "--diff")
    assert no_upstream.returncode == 2
    assert "no upstream to compare with" in no_upstream.stderr
    assert "--diff origin/main" in no_upstream.stderr
    unknown = lock(root, "api", "--diff", "no-such-branch")
    assert unknown.returncode == 2 and "not a commit in this clone" in unknown.stderr
    new = lock(root, "api", "--diff", "HEAD")  # no lock then, none now
    assert new.returncode == 0 and "No package changes." in new.stdout


def test_the_fast_reader_agrees_with_the_full_one(tmp_path: Path) -> None:
    # conda-lock's layout (keys sorted, quoted versions) read both ways gives the same sections.
    text = REAL_LOCK.read_text()
    fast = lockdiff.read_sections(text, REAL_LOCK)
    assert fast == lockdiff.sections(lockfile.read(REAL_LOCK))
    # A layout it does not expect is read the thorough way instead.
    assert lockscan.scan("version: 1\npackage: []\n") is None
    flow = tmp_path / "conda-lock.yml"
    flow.write_text(
        "version: 1\nmetadata: {platforms: [linux-64], sources: [environment.yml], "
        "channels: [], content_hash: {linux-64: x}}\n"
        "package: [{name: a, version: '1', manager: conda, platform: linux-64, "
        "url: 'https://x/linux-64/a-1-0.conda', hash: {md5: '00'}}]\n"
    )
    assert lockdiff.read_sections(flow.read_text(), flow) == {
        "linux-64": {("conda", "a"): ("1", "0")}
    }
