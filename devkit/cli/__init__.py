"""The command line: the only package that imports typer or questionary or asks anything.

``app.py`` holds the global options; the commands register themselves from their modules
(``invoke.py`` loads them); this module maps every outcome to an exit code in one place. It
does not import typer, so ``devkit run``'s fast path (``devkit/__main__.py``) goes through the
same handler as the typer CLI and fails the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from devkit import console
from devkit.conda import rattler_runtime  # stdlib only: cheap to import
from devkit.errors import (
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    DevkitError,
    Terminated,
    exit_code_for_signal,
)


def handle(call: Callable[[], int]) -> int:
    """Run a command and map what it did (a code, an expected error, a signal, a bug) to a code."""
    try:
        result = call()
    except DevkitError as exc:
        console.error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        result = EXIT_INTERRUPTED
    except Terminated as exc:
        with contextlib.suppress(OSError):  # after a hangup the terminal is gone (EIO)
            console.info("Terminated.")
        return exit_code_for_signal(exc.signum)
    except BrokenPipeError:
        # stdout closed by a pager or `head`: nothing left to say to anyone.
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the one top-level handler for devkit's own bugs
        return _internal_error(exc)
    if result == EXIT_INTERRUPTED:
        # Plain text, without rich: it is the last thing a Ctrl-C'd `devkit run` does.
        console.info("Interrupted.")
    return result


def _internal_error(exc: BaseException) -> int:
    import traceback

    from devkit.redaction import redact

    text = "".join(traceback.format_exception(exc))
    if console.LOG.isEnabledFor(10):
        console.err().print(redact(text), markup=False)
    console.err().print(
        f"devkit crashed: {redact(type(exc).__name__ + ': ' + str(exc))}\n"
        "This is a bug in devkit. Re-run with --verbose for the traceback and report it.",
        markup=False,
    )
    return EXIT_INTERNAL


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _terminate(signum: int, _frame: FrameType | None) -> None:
    # A closed terminal or a cancelled CI job: stop what devkit started, then unwind like Ctrl-C
    # so every cleanup runs (half-built envs removed, old envs put back, locks released).
    # One is enough: a closed terminal sends SIGHUP then SIGTERM, and a second unwinding would
    # cut the first one's cleanup short.
    for other in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    proc = sys.modules.get("devkit.proc")
    if proc is not None:
        proc.stop_children(signum)
    raise Terminated(signum)


def _on_termination() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # Left alone when ignored (nohup ignores SIGHUP) or already handled by an embedder.
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)


def _exit(code: int) -> None:
    if rattler_runtime.async_runtime_started():
        # py-rattler's runtime threads can crash CPython's finalization: flush and leave
        # without it (see conda/rattler_runtime.py). Commands that never solve exit normally.
        rattler_runtime.exit_now(code)
    # A command that asked to end without finalization imported this (devkit.proc.finish).
    finish = sys.modules.get("devkit.proc.finish")
    if finish is not None:
        finish.leave(code)
    sys.exit(code)


def run_cli(argv: list[str] | None) -> int:
    """Parse ``argv``, run the command and map every outcome to an exit code; never exits."""
    # typer and every command's options cost more than Python's own start-up; imported here so
    # the fast path below never pays for them.
    from devkit.cli.invoke import invoke

    return handle(lambda: invoke(argv))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the typer CLI."""
    _on_termination()
    _exit(run_cli(argv))


def run_plain(
    root: str | None,
    project: str,
    command: Sequence[str],
    options: Sequence[tuple[str, str]] = (),
) -> None:
    """``devkit [--root R] run PROJECT [OPTIONS] [-- CMD...]`` without typer: the same run, the
    same errors.

    ``devkit/__main__.py`` calls it only for argv it matched exactly (``options``: run's options
    by their long names, with their values, as typer would take them); anything else goes to
    ``main``.
    """
    _on_termination()
    # The run path only: the typer CLI, which also imports this module, must not load it.
    from devkit.cli.run_args import run_project
    from devkit.cli.state import global_state, root_option
    from devkit.ports import DEFAULT_HOST

    port: int | None = None
    host = DEFAULT_HOST
    for name, value in options:  # as click reads them: the last one given wins
        if name == "--port":
            port = int(value)
        elif name == "--host":
            host = value
    # Paths as typer makes them of --env-file's values, in the order given (it is repeatable).
    env_files = [Path(value) for name, value in options if name == "--env-file"]
    flags = {name for name, _ in options}
    state = global_state(root_option(root), verbose=False)
    _exit(
        handle(
            lambda: run_project(
                state,
                project,
                command,
                port=port,
                host=host,
                env_files=env_files,
                override="--override" in flags,
                strict="--strict" in flags,
                print_env="--print-env" in flags,
            )
        )
    )
