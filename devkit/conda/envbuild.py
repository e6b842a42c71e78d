"""Creating and updating a project's env with micromamba, and remembering what it was built from.

The fingerprint (a sha256 of the environment file and the lockfile used, if any) is written
only once devkit has checked the build (``buildcheck``): micromamba exits 0 after rolling back
an interrupted transaction, so its exit code alone would let an empty env look up to date.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from devkit import atomic, diskspace, proc
from devkit.conda import buildcheck, lockfile, lockinstall, lockpip
from devkit.conda.envs import EnvLocation
from devkit.conda.envspec import EnvSpec
from devkit.conda.micromamba import Micromamba
from devkit.errors import CommandError, DevkitError

FINGERPRINT_FILE = Path("conda-meta") / "devkit-source"


@dataclass(frozen=True)
class Fingerprint:
    """What an env was last built from."""

    environment_file: str
    sha256: str


def read_fingerprint(prefix: Path) -> Fingerprint | None:
    """The recorded fingerprint, or None for an env devkit did not build (or a broken record)."""
    try:
        data = json.loads((prefix / FINGERPRINT_FILE).read_text(encoding="utf-8"))
        return Fingerprint(str(data["environment_file"]), str(data["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def source_sha256(spec: EnvSpec, platform: Callable[[], str | None]) -> str:
    """What an env is built from: the environment file, and the lockfile `build` would use.

    Re-locking changes what `setup` installs, so it must make the env stale too. ``platform``
    (micromamba's) is asked only when there is a lock: asking costs a process.
    """
    if not _has_lock(spec):
        return spec.fingerprint  # the common case: no lock to parse, no micromamba to ask
    lock, _ = lockinstall.usable_lock(spec, platform())
    return _sha256(spec, lock)


def write_fingerprint(prefix: Path, spec: EnvSpec, sha256: str) -> None:
    """Record the environment file an env now matches (``sha256``: taken before the build)."""
    record = {"environment_file": str(spec.path), "sha256": sha256}
    atomic.write_text(prefix / FINGERPRINT_FILE, json.dumps(record))


def is_current(prefix: Path, spec: EnvSpec, mm: Micromamba) -> bool:
    """Whether the env was built from exactly this environment file."""
    recorded = read_fingerprint(prefix)
    return recorded is not None and recorded.sha256 == source_sha256(spec, mm.platform)


@dataclass(frozen=True)
class BuildResult:
    """What micromamba did for one env."""

    ok: bool
    action: str  # "created", "recreated", "failed"
    problems: tuple[str, ...] = ()
    packages: int = 0
    source: str = ""  # the file micromamba was given: environment.yml or conda-lock.yml
    note: str = ""  # why a project's lockfile was not used, when it was not

    def describe(self, env: str) -> str:
        """One line for a built env (``env``: how to name it), from which file, why no lock."""
        text = f"{self.action} {env} ({self.packages} packages, from {self.source})"
        return f"{text}; {self.note}" if self.note else text


def build(mm: Micromamba, spec: EnvSpec, location: EnvLocation) -> BuildResult:
    """Create the env from its lockfile when a current one is there, else its environment file.

    A fresh create rather than ``install`` into the old env, so packages dropped from the file
    do not linger and the result is what CI would build. The old env is moved aside first and
    put back if the new one fails (a typo in the file, a pip error) or is interrupted: a
    rebuild never costs a working env. A ``conda-lock.yml`` beside the file pins every package
    (see docs/drift.md); one that no longer satisfies the file is skipped, with the reason in
    ``note``. micromamba exiting 0 is not enough: the build is done only once ``buildcheck``
    finds the env asked for, and only then is the fingerprint written.
    """
    prefix = location.prefix
    # Taken before micromamba reads the files: a `devkit lock` or an edit during the build then
    # leaves the env stale (rebuilt next time), never current with content it was not built from.
    lock, note = _lock_for(mm, spec)
    sha256 = _sha256(spec, lock)
    locked = _locked(mm, spec, lock)
    _recover_previous(prefix)
    in_place = prefix.is_symlink() and prefix.exists()
    previous: Path | None = None
    try:
        previous = _move_aside(prefix)
        result = _build(mm, spec, prefix, locked, note)
    except BaseException:
        # Ctrl-C or SIGTERM while micromamba ran (``proc`` raises it even when micromamba,
        # interrupted too, exited 0): what this build started is removed, so nothing
        # half-built can pass for an env, and the old env comes back.
        remove_partial(prefix)
        _put_back(previous, prefix)
        raise
    if result.ok:
        write_fingerprint(prefix, spec, sha256)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return replace(result, action="recreated" if previous or in_place else "created")
    # e.g. pip failed after the conda part was linked, or micromamba rolled an interrupted
    # transaction back: `run` must not start that env.
    remove_partial(prefix)
    if previous is not None:
        _put_back(previous, prefix)
        result = replace(result, note=_join(result.note, "the previous env is kept as it was"))
    return result


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


_ASIDE = ".devkit-previous"


def _move_aside(prefix: Path) -> Path | None:
    """Rename the old env out of the way (a rename: instant, and undone as fast).

    A symlinked env stays where it is (renaming the link would build the new env on another
    disk): micromamba replaces it in place, as before devkit kept old envs.
    """
    if not prefix.exists() or prefix.is_symlink():
        return None
    previous = prefix.with_name(f".{prefix.name}{_ASIDE}-{secrets.token_hex(3)}")
    try:
        prefix.rename(previous)
    except OSError as exc:
        raise DevkitError(
            f"cannot move env {prefix} aside to rebuild it: {exc.strerror}",
            hint=f"check the permissions of {prefix.parent}",
        ) from exc
    return previous


def _put_back(previous: Path | None, prefix: Path) -> None:
    if previous is not None and previous.exists() and not prefix.exists():
        previous.rename(prefix)


def _recover_previous(prefix: Path) -> None:
    """A build killed outright (SIGKILL, power loss) may have left old envs aside."""
    for previous in sorted(prefix.parent.glob(f".{prefix.name}{_ASIDE}-*")):
        if prefix.exists() and read_fingerprint(prefix) is not None:
            shutil.rmtree(previous, ignore_errors=True)  # the new env was finished
            continue
        remove_partial(prefix)
        _put_back(previous, prefix)


def _lock_for(mm: Micromamba, spec: EnvSpec) -> tuple[Path | None, str]:
    return lockinstall.usable_lock(spec, mm.platform()) if _has_lock(spec) else (None, "")


def _locked(mm: Micromamba, spec: EnvSpec, lock: Path | None) -> buildcheck.Locked | None:
    if lock is None:
        return None
    data = lockfile.read(lock)
    platform = mm.platform()
    packages = data.packages.get(platform, {})
    wheels = tuple(data.pip.get(platform, {}).values())
    pip_locked = bool(spec.pip) and lockpip.is_locked(data)
    return buildcheck.Locked(lock, tuple(packages.values()), wheels, pip_locked)


def fingerprint_for(spec: EnvSpec, lock: Path | None) -> str:
    """The fingerprint an env built from ``spec`` (and ``lock``, when built from it) records."""
    return _sha256(spec, lock)


def _sha256(spec: EnvSpec, lock: Path | None) -> str:
    if lock is None:
        return spec.fingerprint
    return hashlib.sha256(spec.fingerprint.encode() + lock.read_bytes()).hexdigest()


def _build(
    mm: Micromamba, spec: EnvSpec, prefix: Path, locked: buildcheck.Locked | None, note: str
) -> BuildResult:
    source = locked.path if locked is not None else spec.path
    argv = mm.command("create", "-y", "-p", prefix, "-f", source, "--json", "--log-level", "error")
    result = proc.run(argv, cwd=spec.path.parent, check=False)
    if result.returncode != 0:
        problems = (*_out_of_space(result, mm, prefix), *_problems(result))
        if any(_DOWNLOAD_FAILED.search(p) for p in problems):
            note = _join(note, NETWORK_NOTE)
        return BuildResult(False, "failed", problems, source=source.name, note=note)
    if locked is not None:
        problems = lockinstall.complete(mm, spec, prefix, locked)
        if problems:
            return BuildResult(False, "failed", problems, source=source.name)
    # Exit 0 is not a built env (an interrupted transaction is rolled back and exits 0 too).
    problems = buildcheck.problems(prefix, spec, result.stdout, locked, mm.platform)
    if problems:
        return BuildResult(False, "failed", problems, source=source.name, note=note)
    packages = len(buildcheck.linked_packages(result.stdout))
    return BuildResult(True, "created", packages=packages, source=source.name, note=note)


def _has_lock(spec: EnvSpec) -> bool:
    return lockfile.lock_path(spec.path.parent).is_file()


def remove_partial(prefix: Path) -> None:
    """Delete an env devkit was creating from scratch and did not finish."""
    if prefix.exists() and read_fingerprint(prefix) is None:
        shutil.rmtree(prefix, ignore_errors=True)


# micromamba's (libcurl's) and pip's words for a download that did not happen.
_DOWNLOAD_FAILED = re.compile(
    r"(?i)download error|could not resolve host|couldn't resolve|ssl|certificate|proxy|"
    r"timed? ?out|connection (refused|reset)|failed to connect|repodata|curl error"
)
NETWORK_NOTE = (
    "a download failed: behind a proxy or a TLS-inspecting firewall set `proxy_servers` and "
    "`ssl_verify` in ~/.condarc; for a mirror, `channel_alias` or `mirrored_channels` "
    "(docs/network.md; `devkit doctor --check network.channels` tests them)"
)


def _problems(result: proc.Result) -> tuple[str, ...]:
    """The solver's problems, else the last lines micromamba or pip printed."""
    try:
        data = json.loads(result.stdout)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("solver_problems"):
        return tuple(str(p) for p in data["solver_problems"])
    error = CommandError(list(result.argv), result.returncode, result.stdout, result.stderr)
    lines = [line.strip() for line in error.message.splitlines()[1:] if line.strip()]
    # pip and micromamba say what went wrong on their ERROR lines; the rest is progress.
    errors = [line for line in lines if re.match(r"(?i)(error|critical)\b", line)]
    return tuple(errors or lines) or (error.message,)


def _out_of_space(result: proc.Result, mm: Micromamba, prefix: Path) -> tuple[str, ...]:
    """ "no space left on <disk>: N MB free" when a full disk is the likely cause, measured now:
    before the half-built env is removed, which frees the space again."""
    solver_said = '"solver_problems"' in result.stdout
    free = diskspace.free_bytes([mm.root_prefix, prefix])
    line = diskspace.out_of_space(result.stdout + result.stderr, free, suspect=not solver_said)
    return (line,) if line else ()
