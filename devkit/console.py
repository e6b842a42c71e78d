"""The rich consoles: stdout for results, stderr for diagnostics, both scrubbed of secrets."""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from devkit.redaction import redact

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from devkit.errors import DevkitError

LOG = logging.getLogger("devkit")


class _RedactingStream:
    """stdout or stderr with every secret devkit has seen scrubbed from what is written.

    The stream is looked up at each write, so a redirected ``sys.stdout`` is honoured.
    """

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr

    def _stream(self) -> TextIO:
        return sys.stderr if self._stderr else sys.stdout

    def write(self, text: str) -> int:
        return self._stream().write(redact(text))

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding, flush: rich asks them to size and colour its output.
        return getattr(self._stream(), name)


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    return Console(
        file=_RedactingStream(stderr=stderr),  # type: ignore[arg-type]  # a TextIO by duck type
        stderr=stderr,
        highlight=False,
        soft_wrap=True,
    )


def add_row(table: Table, *cells: str) -> None:
    """Add a table row with secrets scrubbed before rich lays it out.

    Scrubbing what is written is not enough for tables: rich may wrap a cell across lines, and
    a secret split in two would match nothing.
    """
    table.add_row(*(redact(cell) for cell in cells))


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
    sys.stdout.write(redact(text))
    if not text.endswith("\n"):
        sys.stdout.write("\n")
    sys.stdout.flush()


def print_plain(text: str, *, masked: bool = False) -> None:
    """Write unstyled text to stdout as it is (secrets masked), without rich: for long reports
    going to a pipe or a file, where rich would only spend time. ``masked``: the caller masked
    every piece of it as it was made (doctor's report), so it is written as it is."""
    if masked:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    print_json(text)


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
    """A rich progress bar on stderr, fed by ``(bytes so far, total)`` callbacks.

    The bar appears with the first callback, that is with the first bytes: a download that
    fails to connect (offline, a proxy refusing, a certificate refused) shows no bar at all,
    only its error.
    """
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    progress = Progress(
        *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=err()
    )
    task: list[Any] = []

    def update(done: int, total: int | None) -> None:
        if not task:
            progress.start()
            task.append(progress.add_task(label, total=total))
        progress.update(task[0], completed=done, total=total)

    try:
        yield update
    finally:
        if task:
            progress.stop()
