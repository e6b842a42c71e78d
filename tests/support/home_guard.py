"""Detect writes to the real home: snapshot the paths devkit and micromamba could touch."""

from __future__ import annotations

import os
from pathlib import Path

# Everything devkit, micromamba or `shell init` could create or change under a home.
GUARDED = (
    ".condarc",
    ".mambarc",
    ".conda",
    "micromamba",
    ".local/share/mamba",
    ".local/share/devkit",
    ".local/state/devkit",
    ".local/bin/micromamba",
    ".config/devkit",
    ".cache/devkit",
    ".devkit",
    ".bashrc",
    ".bash_profile",
    ".zshrc",
    ".config/fish/config.fish",
    ".gitconfig",
)

Snapshot = dict[str, tuple[int, int] | None]


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        found = path.lstat()
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size)


def snapshot(home: Path) -> Snapshot:
    """mtime and size of each guarded path and of its direct children (None: absent)."""
    found: Snapshot = {}
    for relative in GUARDED:
        path = home / relative
        found[relative] = _stat(path)
        if path.is_dir() and not path.is_symlink():
            try:
                children = os.listdir(path)
            except OSError:
                continue
            for child in children:
                found[f"{relative}/{child}"] = _stat(path / child)
    return found


def touched(before: Snapshot, after: Snapshot) -> list[str]:
    """The guarded paths that appeared, vanished or changed between two snapshots."""
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
