"""Clone checks against a real bare origin and real clones."""

from __future__ import annotations

from pathlib import Path

from devkit.config import UserConfig
from devkit.doctor.base import Status
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
