"""Where the paths a doctor run looks at really are, each asked once: inside the monorepo or
not, and resolved. A thousand projects ask about the same few folders thousands of times."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from devkit import paths
from devkit.errors import FileFormatError


@dataclass(eq=False)
class Places:
    """The answers for one run under ``root`` (the files are taken not to move meanwhile)."""

    root: Path
    _outside: dict[Path, FileFormatError | None] = field(default_factory=dict, repr=False)
    _inside: dict[Path, bool] = field(default_factory=dict, repr=False)
    _real_paths: dict[Path, Path] = field(default_factory=dict, repr=False)

    def outside(self, path: Path, *, link: bool | None = None) -> FileFormatError | None:
        """The error for a file that resolves outside the monorepo (devkit never reads one,
        so never quotes a file elsewhere on this machine); None for one inside. ``link``:
        whether ``path`` is a symlink, when the caller's directory listing says."""
        # Once per path: every project asks about the root's .env, two checks the build files.
        if path not in self._outside:
            self._outside[path] = self._outside_uncached(path, link)
        return self._outside[path]

    def _outside_uncached(self, path: Path, link: bool | None) -> FileFormatError | None:
        # Only a link leaves the clone: a plain file in a folder inside is inside (one lstat,
        # not a resolve per file: placeholder looks at every file of every project).
        if link is None:
            link = path.is_symlink()
        if not link and self.inside(path.parent):
            return None
        target = paths.escapes(path, self.root)
        if target is None:
            return None
        return FileFormatError(
            path, f"resolves to {target}, outside the monorepo: devkit does not read it"
        )

    def inside(self, folder: Path) -> bool:
        """Whether a folder resolves inside the monorepo."""
        if folder not in self._inside:
            self._inside[folder] = self._inside_uncached(folder)
        return self._inside[folder]

    def _inside_uncached(self, folder: Path) -> bool:
        # A folder below the root that is not a symlink is where its parent is: one lstat
        # each, the parents asked once per run (a resolve per project folder cost more than
        # the checks reading it).
        if folder == self.root:
            return True
        root = self.root
        if folder.is_relative_to(root) and ".." not in folder.parts and not folder.is_symlink():
            return self.inside(folder.parent)
        return paths.escapes(folder, root) is None

    def resolved(self, path: Path) -> Path:
        """``path.resolve()``, each path and folder above it resolved once per run: one lstat
        a path."""
        try:
            return self._real(path)
        except RuntimeError:  # a loop of links: as the whole path's resolve words it
            return path.resolve()

    def _real(self, path: Path) -> Path:
        if path in self._real_paths:
            return self._real_paths[path]
        folder = path.parent
        plain = path.is_absolute() and ".." not in path.parts and "\x00" not in str(path)
        # A link, or a path to spell out: realpath's own way. Otherwise (a name that is not
        # there, or cannot be lstat'ed, included) realpath joins the name to the real folder.
        link = os.path.islink(path)  # noqa: PTH114 - realpath's reading: an lstat error is no link
        if not plain or folder == path or link:
            found = path.resolve()
        else:
            found = self._real(folder) / path.name
        self._real_paths[path] = found
        return found
