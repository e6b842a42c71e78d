"""Writing a file so a crash or Ctrl-C mid-write never leaves half of it behind."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from devkit.errors import DevkitError


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically; see ``write_bytes``."""
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> Path:
    """Write to a hidden temp file beside ``path``, then rename it into place.

    A file that existed keeps its mode (an executable script stays executable); a new one gets
    the usual ``0666`` less the umask, as ``open()`` would give it, not ``mkstemp``'s ``0600``.
    A path devkit cannot write (a directory, a read-only folder) is a ``DevkitError``.
    """
    try:
        return _write(path, data)
    except OSError as exc:
        raise DevkitError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="choose a file path in a folder you can write to",
        ) from exc


def _write(path: Path, data: bytes) -> Path:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file where a folder of the path should be
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path)) from exc
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    tmp, fd = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _create_beside(path: Path) -> tuple[Path, int]:
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            # 0o666 here lets the kernel apply the umask, which no thread-safe call can read.
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
