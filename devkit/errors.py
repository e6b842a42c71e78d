"""The one family of expected errors, each carrying a message the user can act on."""

from __future__ import annotations

from pathlib import Path


class DevkitError(Exception):
    """An expected failure: shown without a traceback, mapped to ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DevkitError):
    """The command line itself is wrong (exit 2, like argument parsing errors)."""

    exit_code = 2


class FileFormatError(DevkitError):
    """A file devkit reads is malformed; names the file and, when known, the line."""

    def __init__(
        self, path: Path, message: str, *, line: int | None = None, hint: str | None = None
    ) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line


class ProjectNotFoundError(DevkitError):
    """A project name that is not in the monorepo."""


class MonorepoNotFoundError(DevkitError):
    """No monorepo could be located."""


class ToolNotFoundError(DevkitError):
    """A program devkit needs (git, micromamba) is not installed or not runnable."""


class CommandError(DevkitError):
    """A subprocess exited non-zero; keeps what it printed for diagnosis."""

    def __init__(
        self,
        argv: list[str],
        returncode: int,
        stdout: str,
        stderr: str,
        *,
        hint: str | None = None,
    ) -> None:
        detail = (stderr.strip() or stdout.strip()).splitlines()[-15:]
        text = f"`{' '.join(argv)}` exited with code {returncode}"
        if detail:
            text += ":\n  " + "\n  ".join(detail)
        super().__init__(text, hint=hint)
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


class PreflightError(DevkitError):
    """A check before starting something failed (env missing, port taken, variables unset)."""


class DownloadError(DevkitError):
    """A download that failed or did not match its published checksum."""


class AlreadyRunning(DevkitError):
    """Another devkit process holds a lock this one needs."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP (a closed terminal, a cancelled CI job), raised like Ctrl-C.

    Not a ``DevkitError`` and not an ``Exception``: only cleanup (``finally``, ``except
    BaseException``) sees it, so a half-built env is removed exactly as on Ctrl-C.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
