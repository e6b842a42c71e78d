"""Clone checks against a real bare origin and real clones."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.doctor.base import Status
from devkit.userconfig import UserConfig
from tests.doctor.conftest import MakeCtx, run_check
from tests.support.monorepo import GitOrigin, git


def clone(origin: GitOrigin, dest: Path) -> Path:
    git(dest.parent, "clone", "-q", origin.url, str(dest))
    return dest


def test_found_and_not_found(make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path) -> None:
    root = clone(git_origin, tmp_path / "clone")
    assert run_check(make_ctx(root), "clone.found").status is Status.OK
    assert run_check(make_ctx(None), "clone.found").status is Status.FAIL


def test_not_a_git_clone(make_ctx: MakeCtx, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    (copy / "projects" / "api").mkdir(parents=True)
    (copy / "projects" / "api" / "environment.yml").write_text("name: api\n")
    result = run_check(make_ctx(copy), "clone.git")
    assert result.status is Status.FAIL and "devkit setup --repo" in (result.hint or "")


def test_remote_matches_the_recorded_one(
    make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path
) -> None:
    root = clone(git_origin, tmp_path / "clone")
    same = UserConfig(repo_url=git_origin.url + "/")  # a trailing slash names the same repo
    assert run_check(make_ctx(root, user=same), "clone.remote").status is Status.OK
    other = UserConfig(repo_url="git@github.com:acme/other-monorepo.git")
    result = run_check(make_ctx(root, user=other), "clone.remote")
    assert result.status is Status.FAIL and "set-url" in (result.hint or "")
    assert run_check(make_ctx(root), "clone.remote").status is Status.SKIP


def test_behind_upstream_from_the_last_fetch(
    make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path
) -> None:
    mine = clone(git_origin, tmp_path / "mine")
    assert run_check(make_ctx(mine), "clone.behind").status is Status.OK
    theirs = clone(git_origin, tmp_path / "theirs")
    (theirs / "CHANGELOG.md").write_text("news\n")
    git(theirs, "add", "CHANGELOG.md")
    git(theirs, "commit", "-qm", "news")
    git(theirs, "push", "-q")
    assert run_check(make_ctx(mine), "clone.behind").status is Status.OK  # not fetched yet
    git(mine, "fetch", "-q")
    result = run_check(make_ctx(mine), "clone.behind")
    assert result.status is Status.WARN and "1 commit behind" in result.message
    git(mine, "checkout", "-q", "--detach")
    assert run_check(make_ctx(mine), "clone.behind").status is Status.SKIP


def test_without_git_the_clone_checks_say_so(
    make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path
) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", git_origin.url, str(clone))
    user = UserConfig(clone=clone, repo_url=git_origin.url)
    ctx = make_ctx(clone, user=user, environ={"PATH": str(tmp_path / "empty")})
    is_git = run_check(ctx, "clone.git")
    assert is_git.status is Status.FAIL and is_git.message.startswith("git is not installed")
    for check_id in ("clone.remote", "clone.behind"):
        result = run_check(ctx, check_id)
        assert result.status is Status.SKIP and "git.installed" in result.message, check_id


@pytest.mark.slow
def test_doctor_without_git_on_path_does_not_crash(git_origin: GitOrigin, tmp_path: Path) -> None:
    import json
    import os
    import subprocess

    from tests.support.cli import DEVKIT

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", git_origin.url, str(clone))
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(
        [str(DEVKIT), "--root", str(clone), "doctor", "--no-drift", "--json"],
        env={**os.environ, "PATH": str(empty)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    results = json.loads(done.stdout)["results"]
    assert [r for r in results if "crashed" in r["message"]] == []
    by_id = {(r["id"], r["project"]): r for r in results}
    assert by_id[("git.installed", None)]["status"] == "fail"
    assert by_id[("vars.tracked", "api")]["status"] == "warn"


def unfinished_clone(origin: GitOrigin, dest: Path) -> Path:
    """What a clone killed part-way leaves: a repository with its origin set and no commit."""
    dest.mkdir(parents=True)
    git(dest, "init", "-q")
    git(dest, "remote", "add", "origin", origin.url)
    return dest


def test_an_unfinished_clone_is_not_found(
    make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path
) -> None:
    root = unfinished_clone(git_origin, tmp_path / "clone")
    result = run_check(make_ctx(root), "clone.found")
    assert result.status is Status.FAIL, result
    assert "no commit checked out" in result.message
    assert "devkit setup" in (result.hint or "")
    assert f"git -C {root} fetch origin && git -C {root} checkout main" in (result.hint or "")


def test_a_clone_without_its_projects_folder_is_not_found(
    make_ctx: MakeCtx, git_origin: GitOrigin, tmp_path: Path
) -> None:
    import shutil

    root = clone(git_origin, tmp_path / "clone")
    shutil.rmtree(root / "projects")  # a checkout that stopped part-way
    result = run_check(make_ctx(root), "clone.found")
    assert result.status is Status.FAIL and "projects" in result.message
    assert f"git -C {root} checkout HEAD -- projects" in (result.hint or "")
    git(root, "rm", "-rq", "--cached", "projects")
    git(root, "commit", "-qm", "no projects here")
    other = run_check(make_ctx(root), "clone.found")
    assert other.status is Status.FAIL and "no projects folder" in other.message


def test_no_project_is_not_success(make_ctx: MakeCtx, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "projects").mkdir(parents=True)
    (root / "devkit.yaml").write_text("{}\n")
    result = run_check(make_ctx(root), "clone.found")
    assert result.status is Status.WARN and "no project" in result.message
    assert "devkit new" in (result.hint or "")
