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


def _remote_call(argv: list[str | Path], url: str, timeout: float) -> proc.Result:
    """Run a git command that talks to ``url``; a failure is a ``CommandError`` with a hint."""
    # No prompt: devkit may run without a terminal; a missing credential must fail, not hang.
    env = proc.clean_env({"GIT_TERMINAL_PROMPT": "0"})
    result = proc.run(argv, env=env, check=False, timeout=timeout)
    if result.returncode != 0:
        text = result.stderr.lower()
        hint = auth_hint(url) if any(m in text for m in _AUTH_MARKERS) else None
        raise CommandError(
            list(result.argv), result.returncode, result.stdout, result.stderr, hint=hint
        )
    return result


def clone(url: str, dest: Path) -> None:
    """``git clone``; an authentication failure gets a hint on fixing it."""
    _remote_call(["git", "clone", "--quiet", url, dest], url, timeout=3600)


def fetch(folder: Path) -> bool:
    """``git fetch`` (never merges or resets); False when the remote could not be reached."""
    env = proc.clean_env({"GIT_TERMINAL_PROMPT": "0"})
    result = proc.run(["git", "-C", folder, "fetch", "--quiet"], env=env, check=False, timeout=600)
    return result.returncode == 0


def head_commit(folder: Path) -> str | None:
    """The commit checked out, or None: not a repository, or one with no commit yet."""
    result = proc.run(
        ["git", "-C", folder, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False
    )
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def head_branch(folder: Path) -> str | None:
    """The branch HEAD names (even one with no commit yet), or None when detached."""
    result = proc.run(["git", "-C", folder, "symbolic-ref", "--short", "-q", "HEAD"], check=False)
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def known_default_branch(folder: Path, remote: str = "origin") -> str | None:
    """The remote's default branch as far as the clone knows it, without the network.

    ``<remote>/HEAD`` when a clone or ``git remote set-head`` recorded it, else the only branch
    fetched from the remote; None when neither tells.
    """
    result = proc.run(
        ["git", "-C", folder, "symbolic-ref", "--short", "-q", f"refs/remotes/{remote}/HEAD"],
        check=False,
    )
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.strip().removeprefix(f"{remote}/")
    result = proc.run(
        [
            "git",
            "-C",
            folder,
            "for-each-ref",
            "--format=%(refname:lstrip=3)",
            f"refs/remotes/{remote}/",
        ],
        check=False,
    )
    branches = [b for b in result.stdout.split() if b != "HEAD"] if result.returncode == 0 else []
    return branches[0] if len(branches) == 1 else None


def remote_default_branch(folder: Path, remote: str = "origin") -> str | None:
    """Ask the remote which branch its HEAD names (``git ls-remote --symref``).

    An unreachable remote is a ``CommandError`` with a hint; None when it has no default
    branch (an empty repository).
    """
    url = remote_url(folder, remote) or remote
    result = _remote_call(
        ["git", "-C", folder, "ls-remote", "--symref", remote, "HEAD"], url, timeout=600
    )
    for line in result.stdout.splitlines():
        ref, _, name = line.partition("\t")
        if name == "HEAD" and ref.startswith("ref: refs/heads/"):
            return ref.removeprefix("ref: refs/heads/")
    return None


def fetch_or_raise(folder: Path, remote: str = "origin") -> None:
    """``git fetch REMOTE``; a remote that cannot be reached is a ``CommandError`` with a hint."""
    url = remote_url(folder, remote) or remote
    _remote_call(["git", "-C", folder, "fetch", "--quiet", remote], url, timeout=600)


def check_out_tracking(folder: Path, branch: str, remote: str = "origin") -> None:
    """Create ``branch`` from ``<remote>/<branch>``, tracking it, and check it out.

    git refuses, rather than overwrite, when an untracked file is in the way.
    """
    proc.run(
        ["git", "-C", folder, "checkout", "--quiet", "-b", branch, "--track", f"{remote}/{branch}"],
        hint="git checked out nothing: move away the files it names, then run the command again",
    )


def in_head(top: Path, relative: str) -> bool:
    """Whether the commit checked out holds ``relative`` (a path from the work tree's top)."""
    result = proc.run(
        ["git", "-C", top, "ls-tree", "--name-only", "HEAD", "--", relative], check=False
    )
    return result.returncode == 0 and bool(result.stdout.strip())


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
