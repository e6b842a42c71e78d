"""The command line: the only package that imports typer or questionary or asks anything.

``app`` holds the global options; the commands register themselves from their modules; this
module maps every outcome to an exit code in one place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

import typer

from devkit import console
from devkit.cli.app import app
from devkit.conda import rattler_runtime  # stdlib only: cheap to import
from devkit.errors import (
    EXIT_FAILURE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    DevkitError,
    Terminated,
    exit_code_for_signal,
)
from devkit.redaction import redact

# Imported for their side effect: each registers its commands on `app`, and the order here
# is the order `devkit --help` lists them in (set up, run, then check, then create).
from devkit.cli import env_commands  # isort: skip
from devkit.cli import check_commands  # isort: skip
from devkit.cli import project_commands  # isort: skip

_COMMAND_MODULES = (env_commands, check_commands, project_commands)


# Options whose value may be left out (`devkit lock api --diff`): typer has no such option, so
# a bare one (last, or before another option) becomes `--diff=` before parsing.
_OPTIONAL_VALUE = ("--diff",)


def optional_values(argv: list[str]) -> list[str]:
    """``[..., "--diff"]`` -> ``[..., "--diff="]``; ``--diff REF`` and ``--diff=REF`` stay."""
    result = []
    for index, arg in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else None
        if arg == "--":
            result += argv[index:]
            break
        if arg in _OPTIONAL_VALUE and (following is None or following.startswith("-")):
            arg = f"{arg}="
        result.append(arg)
    return result


def _invoke(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    args = optional_values(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(args=args, prog_name="devkit", standalone_mode=False)
    except DevkitError as exc:
        console.error(exc)
        return exc.exit_code
    except typer.Abort:
        console.err().print("Interrupted.")
        return EXIT_INTERRUPTED
    except typer.TyperException as exc:
        # Argument parsing errors (unknown option, missing argument): typer's own rendering.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        console.err().print("Interrupted.")
        return EXIT_INTERRUPTED
    except Terminated as exc:
        with contextlib.suppress(OSError):  # after a hangup the terminal is gone (EIO)
            console.err().print("Terminated.")
        return exit_code_for_signal(exc.signum)
    except BrokenPipeError:
        # stdout closed by a pager or `head`: nothing left to say to anyone.
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the one top-level handler for devkit's own bugs
        return _internal_error(exc)
    if result == EXIT_INTERRUPTED:
        console.err().print("Interrupted.")
    return result if isinstance(result, int) else EXIT_OK


def _internal_error(exc: BaseException) -> int:
    import traceback

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


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    # Ctrl-C, as Python's default handler, and noted for the subprocess wrapper: the terminal
    # sent it to micromamba too, which rolls the transaction back and exits 0, so a build in a
    # worker thread learns of the interrupt from devkit, not from micromamba's exit code. The
    # children already have it from the terminal: passing it on again is not needed.
    proc = sys.modules.get("devkit.proc")
    if proc is not None:
        proc.note_stop(signum)
    raise KeyboardInterrupt


def _on_termination() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        # Left alone when ignored (nohup ignores SIGHUP) or already handled by an embedder.
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    _on_termination()
    code = _invoke(argv)
    if rattler_runtime.async_runtime_started():
        # py-rattler's runtime threads can crash CPython's finalization: flush and leave
        # without it (see conda/rattler_runtime.py). Commands that never solve exit normally.
        rattler_runtime.exit_now(code)
    sys.exit(code)
