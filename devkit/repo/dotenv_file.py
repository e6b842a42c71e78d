"""``.env`` files: loading with python-dotenv's semantics, reporting bad lines, masking values."""

from __future__ import annotations

import errno
import functools
import logging
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from devkit import limits, paths, redaction
from devkit.errors import FileFormatError
from devkit.repo.dotenv_expand import check_limits, first_text_line, resolve

if TYPE_CHECKING:
    from dotenv.parser import Binding

# Names that hold credentials by convention; their values are masked wherever they came from.
_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_MIN_SECRET_VALUE = 8
_SPEC_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# `devkit run` always gives the child these (as entrypoint.sh and Cloud Run do), so production
# listing them never makes them "missing" locally.
SET_BY_RUN = frozenset({"PORT", "PYTHONUNBUFFERED"})


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a credential."""
    return bool(_SECRET_NAME.search(name))


def is_secret(name: str, value: str, *, dotenv: bool) -> bool:
    """The one masking rule (docs/cli.md, docs/run.md): a secret-looking name, wherever the
    value came from; or the value of a ``.env`` variable (``dotenv``: from the file, or the
    shell's value over it) of 8 characters or more that is not all digits.

    Masking `debug`, `true`, `proj-1` or a port would turn devkit's output into nonsense, and
    they are not credentials anyone could reuse.
    """
    if looks_secret(name):
        return True
    return dotenv and len(value) >= _MIN_SECRET_VALUE and not value.isdigit()


class BadLine(NamedTuple):
    """A line python-dotenv could not parse."""

    path: Path
    line: int
    reason: str = "not a KEY=value line"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason} (skipped)"


class LoadedEnv(NamedTuple):
    """Variables from one or more ``.env`` files, later files winning."""

    values: Mapping[str, str] = {}
    sources: Mapping[str, Path] = {}
    bad_lines: tuple[BadLine, ...] = ()
    files: tuple[Path, ...] = ()


def load(paths: Sequence[Path], *, strict: bool = False) -> LoadedEnv:
    """Read ``.env`` files in order (later ones win); missing files are skipped.

    Every value read is registered as a secret, so it is masked in all of devkit's output.
    A malformed line is skipped and reported; with ``strict`` it is an error instead.
    """
    _quiet_dotenv_logger()

    values: Mapping[str, str] = {}
    sources: Mapping[str, Path] = {}
    bad: list[BadLine] = []
    read: list[Path] = []
    for path in paths:
        text = _read(path)
        if text is None:
            continue
        read.append(path)
        bindings = _bindings(text)
        check_limits(path, bindings)
        lines = {b.key: first_text_line(b.original.line, b.original.string) for b in bindings}
        # What dotenv_values(stream, interpolate=True) does, from the bindings parsed above
        # rather than parsing the text a second time.
        parsed = resolve((b.key, b.value) for b in bindings if b.key is not None)
        problems = [
            BadLine(path, first_text_line(b.original.line, b.original.string))
            for b in bindings
            if b.error
        ]
        # No process can receive a variable whose name or value holds NUL (written, or brought
        # in by ${VAR}): report its line, skip the variable.
        problems += [
            BadLine(path, lines[key], "a NUL byte in the name or value")
            for key, value in parsed.items()
            if "\x00" in key or (value and "\x00" in value)
        ]
        problems.sort(key=lambda bad_line: bad_line.line)
        if problems and strict:
            raise FileFormatError(
                path,
                problems[0].reason,
                line=problems[0].line,
                hint="fix the line, or drop --strict to skip malformed lines",
            )
        bad.extend(problems)
        for key, value in parsed.items():
            if value is None or "\x00" in key or "\x00" in value:
                continue  # a bare `KEY` line declares nothing to set; NUL was reported above
            if is_secret(key, value, dotenv=True):
                redaction.register(value)
            values[key] = value
            sources[key] = path
    return LoadedEnv(values, sources, tuple(bad), tuple(read))


@functools.cache  # once a process: a doctor run loads a thousand files
def _bindings(text: str) -> list[Binding]:
    """python-dotenv's own parse of a ``.env``: its statements, lines and errors."""
    import io

    from dotenv.parser import parse_stream

    return list(parse_stream(io.StringIO(text)))


def _quiet_dotenv_logger() -> None:
    # python-dotenv logs its own "could not parse" warning with no file name; devkit reports
    # the same problem with file and line, once. One handler, not one more per file loaded
    # (each addHandler scans the handlers before it).
    logger = logging.getLogger("dotenv")
    if not any(type(h) is logging.NullHandler for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


# The errors Path.exists reads as "no such file" (a loop of links included).
_NO_SUCH_FILE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def _read(path: Path) -> str | None:
    """A file's text; None when there is no such file. A pipe (``--env-file <(…)``) is read
    once; a directory or a dangling symlink is an error, not silently "no file"."""
    # One stat, where is_symlink, exists, exists and is_dir took four (a .env and a
    # .env.example for each of a thousand projects); the lstat only when there is no file.
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno not in _NO_SUCH_FILE:
            raise  # as Path.exists raises it
        if path.is_symlink():
            raise FileFormatError(
                path, f"a symlink to {path.readlink()}, which does not exist"
            ) from None
        return None
    if stat.S_ISDIR(mode):
        raise FileFormatError(path, "is a directory, not a file of KEY=value lines")
    try:
        text = limits.read_capped(path, limits.DOTENV_MAX_BYTES).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not UTF-8 text", hint="save it as UTF-8") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    # Universal newlines, as read_text gives: a file saved on Windows reads the same.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Example(NamedTuple):
    """A ``.env.example`` parsed once: its names, and its values as written."""

    keys: tuple[str, ...] = ()  # every declared name, bad lines' excepted
    values: Mapping[str, str] = {}  # no ${VAR} expansion; bare: ""


def read_example(path: Path, *, inside: Path | None) -> Example:
    """A ``.env.example``'s names and values (``keys_in`` and ``example_values`` from one read).

    ``inside``: the monorepo; a file that resolves outside it reads as absent (a clone could
    point its example at any file of this machine and have its names quoted). None: the
    caller has made sure it does not.
    """
    text = None if inside is not None and paths.escapes(path, inside) else _read(path)
    if text is None:
        return Example()
    named = [b for b in _bindings(text) if b.key and _SPEC_KEY.match(b.key)]
    keys = tuple(b.key for b in named if b.key)
    values = {b.key: b.value or "" for b in named if b.key and not b.error}
    return Example(keys, values)


def keys_in(path: Path, *, inside: Path) -> list[str]:
    """The names a ``.env.example`` declares, no values (outside ``inside``: none)."""
    return list(read_example(path, inside=inside).keys)


def masked(name: str, value: str, *, from_file: bool) -> str:
    """The value as devkit may show it: masked when ``is_secret`` says so (``from_file``: the
    variable is a ``.env`` one), as the redaction of every other output masks it."""
    if value and is_secret(name, value, dotenv=from_file):
        return redaction.MASK
    return value


def register_secret_values(env: Iterable[tuple[str, str]]) -> None:
    """Treat the values of secret-looking variables of the environment as secrets too."""
    redaction.register(*(value for name, value in env if looks_secret(name)))


# What a `.env.example` writes where the real value goes. Matched against the whole value, so
# `todolist-service` or `yours-truly` stay real values.
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        (?:replace|change|fill)[-_ ]?(?:me|this|it|in)   # replace-me, changeme, fill-in
      | x{3,} | \*{3,}                                    # xxx, ****
      | <[^<>]+>                                          # <your api key>
      | (?:todo|fixme|tbd)(?:[\s:!.].*)?                  # TODO, todo: ask ops
      | your[-_ ].+                                       # your-bucket, YOUR_API_KEY
    )$"""
)


def is_placeholder(value: str) -> bool:
    """Whether a value only holds the place of a real one (``replace-me``, ``<...>``, empty)."""
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return not text or bool(_PLACEHOLDER.match(text))


def example_values(example: Path, *, inside: Path) -> dict[str, str]:
    """A ``.env.example``'s keys and values as written (no ``${VAR}`` expansion; a bare ``KEY``
    is empty): not secrets, the file is committed. Outside ``inside``: none (``read_example``)."""
    return dict(read_example(example, inside=inside).values)


def placeholders_in(example: Path, *, inside: Path) -> dict[str, str]:
    """The keys of a ``.env.example`` whose value is a placeholder, with that value as written.

    A value still equal to its example's placeholder is not set (``still_placeholder``): the
    file was copied and never filled in.
    """
    return placeholders_of(read_example(example, inside=inside))


def placeholders_of(example: Example) -> dict[str, str]:
    """``placeholders_in`` of an example already read."""
    return {k: v for k, v in example.values.items() if is_placeholder(v)}


def still_placeholder(name: str, value: str | None, placeholders: Mapping[str, str]) -> bool:
    """Whether a non-empty value is exactly the ``.env.example`` placeholder for its name."""
    return bool(value) and placeholders.get(name) == value
