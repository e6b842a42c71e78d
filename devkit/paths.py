"""Every location devkit knows: its own home, config, cache, and the micromamba root prefix."""

from __future__ import annotations

import os
from pathlib import Path

APP = "devkit"


def devkit_home() -> Path | None:
    """``DEVKIT_HOME`` when set: everything devkit keeps then lives under that one folder."""
    value = os.environ.get("DEVKIT_HOME")
    return Path(value).expanduser().absolute() if value else None


def config_dir() -> Path:
    """Where the user config lives."""
    home = devkit_home()
    if home:
        return home
    import platformdirs

    return platformdirs.user_config_path(APP)


def config_file() -> Path:
    """The user config file (clone path, root prefix, micromamba path)."""
    return config_dir() / "config.yaml"


def data_dir() -> Path:
    """Where devkit keeps state it made (installed micromamba, env fingerprints)."""
    home = devkit_home()
    if home:
        return home / "data"
    import platformdirs

    return platformdirs.user_data_path(APP)


def cache_dir() -> Path:
    """Where devkit keeps what it can rebuild (repodata, solve results)."""
    home = devkit_home()
    if home:
        return home / "cache"
    import platformdirs

    return platformdirs.user_cache_path(APP)


def bin_dir() -> Path:
    """Where devkit installs micromamba when there is none on the machine."""
    return data_dir() / "bin"


def default_root_prefix() -> Path:
    """micromamba's root prefix when neither the environment nor the config names one.

    ``~/micromamba`` is where the official installer puts it, so envs devkit creates are the
    ones ``micromamba activate <name>`` finds in a shell set up by hand.
    """
    return Path.home() / "micromamba"


def name_max(folder: Path) -> int:
    """The longest file name, in bytes, the filesystem holding ``folder`` takes (else 255)."""
    for candidate in (folder, *folder.parents):
        try:
            value = os.pathconf(candidate, "PC_NAME_MAX")
        except (OSError, ValueError):
            continue  # not there yet: ask the folder it will be made in
        return value if value > 0 else 255
    return 255


def path_max(folder: Path) -> int:
    """The longest path, in bytes, the system takes below ``folder`` (else 1024, macOS's)."""
    for candidate in (folder, *folder.parents):
        try:
            value = os.pathconf(candidate, "PC_PATH_MAX")
        except (OSError, ValueError):
            continue
        return value if value > 0 else 1024
    return 1024


def escapes(path: Path, root: Path) -> Path | None:
    """Where ``path`` really is, when a symlink takes it outside ``root``; else None."""
    target = path.resolve()
    return None if target.is_relative_to(root.resolve()) else target
