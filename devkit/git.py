"""git on top of proc: what doctor and setup need to know about a clone."""

from __future__ import annotations

import re
from pathlib import Path

from devkit import proc
from devkit.errors import CommandError


def toplevel(folder: Path) -> Path | None:
    """The work tree's top folder, or None when ``folder`` is not inside a git repo.

    A missing git raises ``ToolNotFoundError``: "not a clone" would be a false answer.
    """
    result = proc.run(["git", "-C", folder, "rev-parse", "--show-toplevel"], check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def remote_url(folder: Path, remote: str = "origin") -> str | None:
    """The URL of a remote, or None."""
    result = proc.run(["git", "-C", folder, "remote", "get-url", remote], check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def same_remote(a: str, b: str) -> bool:
    """Whether two remote URLs name the same repository (``.git`` and slashes aside)."""
    return _normalise(a) == _normalise(b)


def _normalise(url: str) -> str:
    url = url.strip().rstrip("/")
    if is_local(url):
        # `/srv/repo.git` and `file:///srv/repo.git` (and a symlink to it) are one repository.
        url = str(Path(url.removeprefix("file://")).expanduser().resolve())
    url = re.sub(r"\.git$", "", url)
    match = re.match(r"^https?://(?:[^@/]+@)?([^/]+)/(.+)$", url)
    if match:
        return f"{match.group(1)}/{match.group(2)}".lower()
    # git@host:owner/repo, host:owner/repo and ssh://git@host/owner/repo are the same place.
    match = re.match(r"^ssh://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$", url) or _SCP.match(url)
    if match:
        return f"{match.group(1)}/{match.group(2)}".lower()
    return url


# git's scp-like syntax: `[user@]host:path` (a path part, no `://`).
_SCP = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")


def ahead_behind(folder: Path) -> tuple[int, int] | None:
    """Commits ahead of and behind the upstream, from the last fetch (no network)."""
    result = proc.run(
        ["git", "-C", folder, "rev-list", "--left-right", "--count", "HEAD...@{upstream}"],
        check=False,
    )
    if result.returncode != 0:
        return None
    ahead, behind = result.stdout.split()
    return int(ahead), int(behind)


def tracked(folder: Path, patterns: list[str]) -> set[str]:
    """Paths (relative to ``folder``) that git tracks among ``patterns``."""
    result = proc.run(["git", "-C", folder, "ls-files", "--", *patterns], check=False)
    if result.returncode != 0:
        return set()
    return {line for line in result.stdout.splitlines() if line}


_AUTH_MARKERS = (
    "permission denied (publickey)",
    "authentication failed",
    "could not read username",
    "could not read from remote repository",
    "terminal prompts disabled",
    "repository not found",
    "does not appear to be a git repository",
    "does not exist",
)


def is_local(url: str) -> bool:
    """A repository on this machine: a path or a ``file://`` URL, not ``host:path`` or a URL."""
    if url.startswith("file://"):
        return True
    return "://" not in url and (url.startswith(("/", ".", "~")) or not _SCP.match(url))


def auth_hint(url: str) -> str:
    """What to do when git cannot reach ``url``: the path, the SSH key, or the HTTPS token."""
    if is_local(url):
        return f"{url} is not a git repository on this machine: check the path"
    if url.startswith("ssh://") or _SCP.match(url):
        return (
            "git could not use an SSH key for this host: check `ssh -T git@<host>`, add your "
            "key with `ssh-add`, and register the public key with the Git host"
        )
    return (
        "git could not authenticate over HTTPS: use a personal access token as the password, "
        "or set up a credential helper (`gh auth login` for GitHub)"
    )


def clone(url: str, dest: Path) -> None:
    """``git clone``; an authentication failure gets a hint on fixing it."""
    # No prompt: devkit may run without a terminal; a missing credential must fail, not hang.
    env = proc.clean_env({"GIT_TERMINAL_PROMPT": "0"})
    result = proc.run(["git", "clone", "--quiet", url, dest], env=env, check=False, timeout=3600)
    if result.returncode != 0:
        text = result.stderr.lower()
        hint = auth_hint(url) if any(m in text for m in _AUTH_MARKERS) else None
        raise CommandError(
            list(result.argv), result.returncode, result.stdout, result.stderr, hint=hint
        )


def fetch(folder: Path) -> bool:
    """``git fetch`` (never merges or resets); False when the remote could not be reached."""
    env = proc.clean_env({"GIT_TERMINAL_PROMPT": "0"})
    result = proc.run(["git", "-C", folder, "fetch", "--quiet"], env=env, check=False, timeout=600)
    return result.returncode == 0


def upstream_base(folder: Path) -> tuple[str, str] | None:
    """The merge base of HEAD and its upstream branch, with the upstream's name (no network):
    what a pull request is compared against. None without an upstream."""
    upstream = proc.run(
        ["git", "-C", folder, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"],
        check=False,
    )
    if upstream.returncode != 0:
        return None
    base = proc.run(["git", "-C", folder, "merge-base", "HEAD", "@{upstream}"], check=False)
    if base.returncode != 0:
        return None
    return base.stdout.strip(), upstream.stdout.strip()


def commit_of(folder: Path, ref: str) -> str | None:
    """The commit a ref names (branch, tag, sha, ``HEAD~2``), or None when it names none."""
    if ref.startswith("-"):
        return None  # an option, not a ref: never hand it to git as one
    result = proc.run(
        ["git", "-C", folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def file_at(folder: Path, commit: str, path: str) -> str | None:
    """A file's text at a commit (``path`` relative to the repository's top), or None when the
    commit has no such file."""
    result = proc.run(["git", "-C", folder, "show", f"{commit}:{path}"], check=False)
    return result.stdout if result.returncode == 0 else None
