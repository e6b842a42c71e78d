"""What devkit remembers about this machine (``config.yaml`` in devkit's config folder)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

from devkit import limits, parsecache, paths, yamlfile
from devkit.errors import FileFormatError


# NamedTuples, not frozen dataclasses: `devkit run` reads the config on its way to the service,
# and defining a dataclass compiles its methods (about a millisecond a class on 3.11).
class Thresholds(NamedTuple):
    """Limits below which doctor's machine checks warn or fail (``thresholds:`` in the config)."""

    disk_warn_gb: float = 20.0
    disk_fail_gb: float = 5.0
    memory_warn_gb: float = 8.0


_PATH_KEYS = ("clone", "root_prefix", "micromamba")


class UserConfig(NamedTuple):
    """What devkit remembers about this machine (written by ``devkit setup``)."""

    clone: Path | None = None
    repo_url: str | None = None
    root_prefix: Path | None = None
    micromamba: Path | None = None
    thresholds: Thresholds = Thresholds()

    def with_updates(self, **changes: Any) -> UserConfig:
        """A copy with some fields changed."""
        return self._replace(**changes)


# What the config was read as, kept between runs unless it holds a credential (``_keepable``):
# `devkit run` reads it on every start, and importing PyYAML is most of reading it.
SHELF = parsecache.Shelf(
    "user-config", code=(sys.modules[__name__], *yamlfile.CODE), keep=1, at_once=True
)


def load_user_config(path: Path | None = None) -> UserConfig:
    """Read the user config; a missing file is an empty config."""
    path = path or paths.config_file()
    try:
        raw = limits.read_capped(path, limits.YAML.max_bytes)
    except FileNotFoundError:
        return UserConfig()
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
    # `~` in a path is expanded with this HOME; PyYAML's version shapes the reading too.
    variant = (os.path.expanduser("~"), parsecache.installed("yaml"))  # noqa: PTH111
    return SHELF.by_content(raw, variant, lambda: _read(path, raw), keeps=_keepable)


def _keepable(config: UserConfig) -> bool:
    """Whether the config may go on a shelf: not when its repo URL names a user or token
    (``https://user:token@host/…``, ``https://ghp_…@github.com/…``). An scp-like
    ``git@host:path`` names an SSH login, no secret."""
    url = config.repo_url
    if url is None or "://" not in url:
        return True
    authority = url.split("://", 1)[1].split("/", 1)[0]
    return "@" not in authority


def _read(path: Path, raw: bytes) -> UserConfig:
    data = yamlfile.parse(raw, path)
    if data is None:
        return UserConfig()
    if not isinstance(data, yamlfile.YamlMap):
        raise FileFormatError(path, "expected a mapping of settings", line=1)
    known = set(UserConfig._fields)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            # Newer devkits may write keys this one does not know; keep reading.
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue  # `clone: ""` means unset, not "the current folder"
        if key == "thresholds":
            values[key] = _thresholds(path, data, value)
            continue
        if not isinstance(value, str):
            raise FileFormatError(path, f"`{key}` must be a string", line=data.line_of(key))
        values[key] = Path(value).expanduser() if key in _PATH_KEYS else value
    return UserConfig(**values)


def _thresholds(path: Path, data: yamlfile.YamlMap, value: Any) -> Thresholds:
    if not isinstance(value, yamlfile.YamlMap):
        raise FileFormatError(
            path, "`thresholds` must be a mapping", line=data.line_of("thresholds")
        )
    known = set(Thresholds._fields)
    numbers: dict[str, float] = {}
    for key, number in value.items():
        if key not in known:
            raise FileFormatError(
                path,
                f"unknown threshold `{key}` (known: {', '.join(sorted(known))})",
                line=value.line_of(key),
            )
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            raise FileFormatError(
                path, f"threshold `{key}` must be a number of GB", line=value.line_of(key)
            )
        numbers[key] = float(number)
    return Thresholds(**numbers)


def _unknown_keys(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yamlfile.load(path)
    except FileFormatError:
        return {}  # nothing of an unreadable file can be kept: the save replaces it
    if not isinstance(data, dict):
        return {}
    known = set(UserConfig._fields)
    return {str(k): _plain(v) for k, v in data.items() if str(k) not in known}


def _plain(value: Any) -> Any:
    # YamlMap and YamlList are dict and list subclasses, which safe_dump does not represent.
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def save_user_config(config: UserConfig, path: Path | None = None) -> Path:
    """Write the user config atomically and return where it went."""
    path = path or paths.config_file()
    data = _unknown_keys(path)  # a newer devkit's settings survive an older one's save
    data.update(
        {
            name: str(getattr(config, name))
            for name in UserConfig._fields
            if name != "thresholds" and getattr(config, name) is not None
        }
    )
    if config.thresholds != Thresholds():
        data["thresholds"] = {name: getattr(config.thresholds, name) for name in Thresholds._fields}
    # Only the user may read it: `repo_url` can carry an https token.
    yamlfile.dump_atomic(path, data, private=True)
    return path
