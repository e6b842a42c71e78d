"""Writing a file so a crash or Ctrl-C mid-write never leaves half of it behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from devkit.errors import DevkitError


def write_text(path: Path, text: str, *, private: bool = False) -> Path:
    """Write ``text`` (UTF-8) atomically; see ``write_bytes``."""
    return write_bytes(path, text.encode("utf-8"), private=private)


def write_bytes(path: Path, data: bytes, *, private: bool = False) -> Path:
    """Write to a hidden temp file beside ``path``, then rename it into place.

    A file that existed keeps its mode (an executable script stays executable); a new one gets
    ``0666`` less the umask, as ``open()`` would give it. ``private`` makes it ``0600`` either
    way (a file written world-readable by an older devkit is tightened). The mode is set before
    any byte is written, so the content is never readable by more people than the final file
    allows. A path devkit cannot write is a ``DevkitError``.
    """
    try:
        return _write(path, data, private)
    except OSError as exc:
        raise DevkitError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _write(path: Path, data: bytes, private: bool) -> Path:
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
    if private:
        mode = 0o600
    tmp, fd = _create_beside(path, 0o600 if private else 0o666)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _create_beside(path: Path, new_mode: int) -> tuple[Path, int]:
    import secrets  # here: every YAML reader imports this module, few of them write

    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        try:
            # The mode given here lets the kernel apply the umask, which no thread-safe call
            # can read.
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_mode)
        except FileExistsError:
            continue


def create_text(path: Path, text: str, *, private: bool = False) -> bool:
    """Write a new file atomically; see ``create_bytes``."""
    return create_bytes(path, text.encode("utf-8"), private=private)


def create_bytes(path: Path, data: bytes, *, private: bool = False) -> bool:
    """Like ``write_bytes``, but never replaces anything: False, and nothing written, when
    ``path`` exists (a symlink too, even to nothing).

    The whole file appears at once under its name, with link(2), which refuses a name that is
    taken: a file someone makes meanwhile is never overwritten, unlike with a rename.
    """
    try:
        return _create(path, data, private)
    except OSError as exc:
        raise DevkitError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _create(path: Path, data: bytes, private: bool) -> bool:
    if path.exists() or path.is_symlink():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, fd = _create_beside(path, 0o600 if private else 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            # Some filesystems (FAT, a few network mounts) have no hard links: rename, after one
            # more look, is the next best.
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            if path.exists() or path.is_symlink():
                return False
            tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return True
