"""The one family of expected errors, each carrying a message the user can act on."""

from __future__ import annotations

import signal
from pathlib import Path

# Exit codes, in one place: 0 ok, 1 a failure the user can act on, 2 usage, 130 interrupted,
# 128+N stopped by signal N (as a shell reports it).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
# A bug in devkit itself: distinct from the failures above so scripts can tell them apart.
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT


def exit_code_for_signal(signum: int) -> int:
    """The shell's exit status for a process stopped by signal ``signum`` (130 for Ctrl-C)."""
    return 128 + signum


def exit_code_of(returncode: int) -> int:
    """Map Popen's ``-N`` (killed by signal N) to the shell's ``128+N``."""
    return exit_code_for_signal(-returncode) if returncode < 0 else returncode


class DevkitError(Exception):
    """An expected failure: shown without a traceback, mapped to ``exit_code``."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DevkitError):
    """The command line itself is wrong (exit 2, like argument parsing errors)."""

    exit_code = EXIT_USAGE


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
