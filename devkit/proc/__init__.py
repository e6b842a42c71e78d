"""The one subprocess wrapper: ``run`` captures, ``run_attached`` hands over the terminal.

``grouprun`` runs ``devkit check``'s steps in process groups of their own on top of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import NamedTuple

from devkit.console import LOG
from devkit.errors import CommandError, Terminated, ToolNotFoundError, exit_code_of
from devkit.proc import group as procgroup

# Variables an activated conda/mamba shell leaks into children. micromamba reads them and they
# would point it at the wrong prefix or root, so every child starts without them.
_LEAKY_PREFIXES = ("CONDA_", "MAMBA_", "_CE_", "_CONDA_")
# ...except the ones a user sets on purpose to describe the machine or the cache.
_KEPT = ("CONDA_OVERRIDE_", "CONDA_PKGS_DIRS")


# A NamedTuple, not a frozen dataclass: on Python 3.11 defining a dataclass compiles its
# methods, about a millisecond a class, and this module is on `devkit run`'s path to the service.
class Result(NamedTuple):
    """What a captured subprocess did."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``os.environ`` without inherited conda/mamba activation state, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.startswith(_KEPT) or not key.startswith(_LEAKY_PREFIXES)
    }
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float | None = None,
    hint: str | None = None,
) -> Result:
    """Run a program to completion, capturing its output.

    A missing program is a ``ToolNotFoundError``; with ``check`` a non-zero exit is a
    ``CommandError`` that carries what the program printed.
    """
    args = [os.fspath(a) for a in argv]
    LOG.debug("run: %s", " ".join(args))
    try:
        completed = _run_tracked(args, cwd, env, timeout)
    except FileNotFoundError as exc:
        raise ToolNotFoundError(f"{args[0]} is not installed or not on PATH.", hint=hint) from exc
    except PermissionError as exc:
        raise ToolNotFoundError(f"{args[0]} is not executable.", hint=hint) from exc
    except OSError as exc:
        # e.g. ENOEXEC: a truncated download or a binary for another platform.
        raise ToolNotFoundError(f"{args[0]} cannot run: {exc.strerror}", hint=hint) from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandError(args, -1, "", f"timed out after {timeout} s", hint=hint) from exc
    result = Result(tuple(args), completed.returncode, completed.stdout, completed.stderr)
    LOG.debug("exit %d: %s", completed.returncode, args[0])
    if check and completed.returncode != 0:
        raise CommandError(
            args, completed.returncode, completed.stdout, completed.stderr, hint=hint
        )
    return result


# Children of `run`, so a SIGTERM to devkit can stop builds running in worker threads too
# (Ctrl-C reaches them through the terminal's process group; `kill <pid>` does not). Reentrant:
# the signal handler that stops them may interrupt the main thread while it holds the lock.
_live: set[subprocess.Popen[str]] = set()
_live_lock = threading.RLock()
_stopping: list[int] = []  # the signal that stopped devkit; no child starts after it
# How long a child that got devkit's signal too may take to finish on its own before it is
# killed: micromamba rolls an interrupted transaction back before it exits.
_STOP_GRACE = 5.0


def stopped(signum: int) -> BaseException:
    """What a stop looks like to the code that ran the child: Ctrl-C, or a termination."""
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


def _run_tracked(
    args: list[str], cwd: Path | None, env: Mapping[str, str] | None, timeout: float | None
) -> subprocess.CompletedProcess[str]:
    with _live_lock:
        if _stopping:
            raise stopped(_stopping[0])  # a worker thread must not start what is stopping
        child = subprocess.Popen(  # argv is a list, never a shell string
            args,
            cwd=cwd,
            env=dict(env) if env is not None else clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        _live.add(child)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except BaseException as exc:  # a timeout, Ctrl-C, Terminated: never leave the child running
        _end(child, grace=_STOP_GRACE if isinstance(exc, KeyboardInterrupt | Terminated) else 0)
        raise
    finally:
        with _live_lock:
            _live.discard(child)
    if _stopping:
        # devkit was stopped while the child ran, and the child, stopped too, may still have
        # exited 0: micromamba rolls an interrupted transaction back and reports success. Its
        # result says nothing of what it was asked to do, so the caller unwinds like Ctrl-C.
        raise stopped(_stopping[0])
    return subprocess.CompletedProcess(args, child.returncode, stdout, stderr)


def _end(child: subprocess.Popen[str], grace: float) -> None:
    try:
        if grace:
            child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if child.poll() is None:
            child.kill()
        child.communicate()


def note_stop(signum: int) -> None:
    """devkit is stopping on ``signum``: start no child, and trust none that ends after this."""
    with _live_lock:
        _stopping.append(signum)


def stop_children(signum: int) -> None:
    """Pass a termination signal on to every child ``run`` is waiting for; start no more."""
    with _live_lock:
        _stopping.append(signum)
        children = list(_live)
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)


def run_attached(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    grace: float = 5.0,
    notify: Callable[[str], None] | None = None,
) -> int:
    """Run a program on this terminal until it exits; return its exit code (128+N on signal N).

    The child gets its own session, so the terminal's Ctrl-C reaches devkit alone and devkit
    signals the child's whole process group. That matters because ``micromamba run`` forwards
    SIGTERM but not SIGINT to the program it starts
    (mamba-org/mamba#1820): signalling only micromamba would orphan
    the service. Whatever happens, no process of the group outlives this call: what is left
    when the child exits gets ``grace`` seconds, then SIGTERM, then SIGKILL, and ``notify``
    hears what devkit is waiting for when that takes a while.
    """
    args = [os.fspath(a) for a in argv]
    LOG.debug("run attached: %s", " ".join(args))
    received: list[int] = []
    group: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        if group:
            # A second Ctrl-C means "stop now": escalate instead of repeating a polite request.
            procgroup.signal_group(group[0], signum if len(received) == 1 else signal.SIGKILL)

    # Handlers first: a Ctrl-C between starting the child and installing them would leave the
    # child, alone in its own session, running after devkit exits.
    with handlers((signal.SIGINT, signal.SIGTERM, signal.SIGHUP), forward):
        try:
            child = subprocess.Popen(  # argv is a list, never a shell string
                args,
                cwd=cwd,
                env=dict(env) if env is not None else clean_env(),
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            raise ToolNotFoundError(f"{args[0]} is not installed or not on PATH.") from exc
        except OSError as exc:
            raise ToolNotFoundError(f"{args[0]} cannot run: {exc.strerror}") from exc
        group.append(child.pid)
        if received:
            procgroup.signal_group(child.pid, received[0])
        with procgroup.adopting_orphans():
            try:
                child.wait()
            finally:
                # Reaping the group's zombies is safe once the child's own status is collected.
                procgroup.wait_gone(
                    child.pid,
                    grace,
                    reap=child.returncode is not None,
                    notify=notify,
                    interrupted=received[:1] == [signal.SIGINT],
                )
                if child.poll() is None:
                    child.kill()
                    child.wait()
    code = exit_code_of(child.returncode)
    LOG.debug("attached child exited with %d", code)
    return code


@contextlib.contextmanager
def handlers(
    signums: Sequence[signal.Signals], handler: signal.Handlers | object
) -> Iterator[None]:
    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        # nohup ignores SIGHUP for devkit and, through it, for the service: keep it that way.
        if previous[signum] is not signal.SIG_IGN:
            signal.signal(signum, handler)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
