"""git on top of proc: what doctor and setup need to know about a clone."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Changes:
    """Files changed in a work tree (paths relative to the folder asked about) and since what."""

    files: tuple[str, ...]
    base: str | None  # the merge base's commit, None when there is no upstream to compare with
    upstream: str | None  # the branch the base was taken with, e.g. ``origin/main``


def changes(folder: Path) -> Changes:
    """What changed since the merge base with the upstream branch (``origin/HEAD`` when the
    branch has none), with the uncommitted and untracked files; only those without either."""
    upstream = _first_ref(folder, ("@{upstream}", "origin/HEAD"))
    base = None
    if upstream is not None:
        found = proc.run(["git", "-C", folder, "merge-base", "HEAD", upstream], check=False)
        if found.returncode == 0 and found.stdout.strip():
            base = found.stdout.strip()
    # Against the base (or HEAD): committed, staged and unstaged changes in one diff. Both
    # names of a rename, as Actions' path filters see both.
    against = base or ("HEAD" if _first_ref(folder, ("HEAD",)) else None)
    files: list[str] = []
    if against is not None:
        diff = ["git", "-C", folder, "diff", "--name-only", "--no-renames", "--relative", "-z"]
        files += _nul_list(proc.run([*diff, against]).stdout)
    others = ["git", "-C", folder, "ls-files", "--others", "--exclude-standard", "-z"]
    files += _nul_list(proc.run(others).stdout)
    return Changes(tuple(dict.fromkeys(files)), base, upstream if base else None)


def _first_ref(folder: Path, candidates: tuple[str, ...]) -> str | None:
    for ref in candidates:
        found = proc.run(
            ["git", "-C", folder, "rev-parse", "--abbrev-ref", "--verify", "--quiet", ref],
            check=False,
        )
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return None


def _nul_list(text: str) -> list[str]:
    return [item for item in text.split("\0") if item]
