"""The rich consoles: stdout for results, stderr for diagnostics, both scrubbed of secrets."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from devkit.redaction import redact

if TYPE_CHECKING:
    from rich.console import Console

    from devkit.errors import DevkitError

LOG = logging.getLogger("devkit")


def _console(*, stderr: bool) -> Console:
    from rich.console import Console
    from rich.table import Table

    class RedactingConsole(Console):
        """A console that scrubs secrets from every string and table cell it prints."""

        def print(self, *objects: Any, **kwargs: Any) -> None:
            super().print(*(_scrub(o) for o in objects), **kwargs)

    def _scrub(obj: Any) -> Any:
        if isinstance(obj, str):
            return redact(obj)
        if isinstance(obj, Table):
            for column in obj.columns:
                # rich keeps cells in Column._cells (stable since rich 10); there is no public
                # way to map over them.
                column._cells = [_scrub(cell) for cell in column._cells]
        return obj

    return RedactingConsole(stderr=stderr, highlight=False, soft_wrap=True)


@functools.cache
def out() -> Console:
    """The console for results (tables, JSON): stdout."""
    return _console(stderr=False)


@functools.cache
def err() -> Console:
    """The console for diagnostics (progress, warnings, errors): stderr."""
    return _console(stderr=True)


def print_json(text: str) -> None:
    """Write machine-readable output to stdout, untouched by rich's markup."""
    import sys

    sys.stdout.write(redact(text))
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def error(exc: DevkitError) -> None:
    """Show an expected error and its hint on stderr."""
    from rich.markup import escape

    console = err()
    console.print(f"[bold red]error:[/] {escape(redact(exc.message))}")
    if exc.hint:
        console.print(f"[yellow]hint:[/] {escape(redact(exc.hint))}")


def warn(message: str) -> None:
    """A non-fatal problem, on stderr."""
    from rich.markup import escape

    err().print(f"[yellow]warning:[/] {escape(redact(message))}")


def warn_each(messages: Iterable[str]) -> None:
    """Several warnings, one line each."""
    for message in messages:
        warn(message)


def info(message: str) -> None:
    """A progress or status line, on stderr so stdout stays parseable.

    Plain text, without rich: it is on the path of every `devkit run`, before the service
    starts, and importing rich there would add to each start.
    """
    import sys

    sys.stderr.write(redact(message) + "\n")
    sys.stderr.flush()


class _RedactingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        from rich.markup import escape

        try:
            text = redact(self.format(record))
        except (TypeError, ValueError, KeyError):  # a malformed log call must not crash devkit
            self.handleError(record)
            return
        err().print(f"[dim]{record.levelname.lower()}: {escape(text)}[/]")


def configure_logging(verbose: bool) -> None:
    """Send devkit's debug logs to stderr (only when asked), secrets masked."""
    LOG.handlers.clear()
    LOG.propagate = False
    if verbose:
        handler = _RedactingHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.DEBUG)
    else:
        LOG.setLevel(logging.WARNING)
        LOG.addHandler(logging.NullHandler())


@contextlib.contextmanager
def download_progress(label: str) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on stderr, fed by ``(bytes so far, total)`` callbacks."""
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    with Progress(
        *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=err()
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update
