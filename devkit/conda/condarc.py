"""The one reader of conda configuration, reading the files micromamba reads, in its order.

micromamba's search list (libmamba ``Configuration::compute_default_rc_sources``, mamba 2.x;
lowest precedence first, each path kept once where it first appears):

- ``/etc/conda/{.condarc,condarc,condarc.d/,.mambarc}``, the same under ``/var/lib/conda``
- ``<root prefix>/{.condarc,condarc,condarc.d/,.mambarc}``
- ``$XDG_CONFIG_HOME/conda/{.condarc,condarc,condarc.d/}`` (``~/.config`` without it),
  ``~/.conda/{.condarc,condarc,condarc.d/}``, ``~/.condarc``, then ``$CONDARC``
- ``$XDG_CONFIG_HOME/mamba/{.mambarc,mambarc,mambarc.d/}``, ``~/.mamba/{…}``, ``~/.mambarc``,
  then ``$MAMBARC``
- ``<target prefix>/{.condarc,condarc,condarc.d/,.mambarc}``

mamba's docs put ``$CONDARC`` and ``$MAMBARC`` last; the code above is what runs. micromamba
also reads ``$CONDA_PREFIX/…``, but devkit starts it without ``CONDA_*`` (proc.clean_env), so
that folder never counts for what devkit builds. A file counts only when its name is one of
``.condarc``, ``condarc``, ``.mambarc``, ``mambarc`` or ends in ``.yml``/``.yaml`` (also for
``$CONDARC``); a ``*.d/`` folder contributes such files, sorted by name.

Values: a scalar comes from the highest file that sets it, a list is the lists of every file,
highest first, without repeats, and a mapping merges key by key, highest first. ``${VAR}``
becomes the variable's value when it is set (left as written when not) and ``$$`` becomes
``$``: micromamba expands the file's text before parsing it, and so does devkit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from devkit import yamlfile
from devkit.errors import FileFormatError

DEFAULT_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
RC_NAMES = (".condarc", "condarc", ".mambarc", "mambarc")

# Keys that change where packages come from or how they are fetched, which devkit cannot do the
# way micromamba would: each one found is reported by `condarc.files`, with why.
UNHONOURED = {
    "client_cert": "py-rattler's client takes no client certificate",
    "client_cert_key": "py-rattler's client takes no client certificate",
    "offline": "devkit's solves and doctor's network checks still go online",
    "channel_settings": "devkit does not apply per-channel settings",
    "allowlist_channels": "devkit does not restrict channels",
    "repodata_use_zst": "devkit's solver picks the repodata format itself",
    "remote_connect_timeout_secs": "devkit uses its own timeouts",
    "remote_read_timeout_secs": "devkit uses its own timeouts",
    "remote_max_retries": "devkit uses its own retries",
}

_VAR = re.compile(r"\$(?:\$|\{([^}'\"\s]+)\})")


class Condarc(NamedTuple):
    """Merged conda configuration, with the files it came from."""

    values: Mapping[str, Any] = {}
    files: tuple[Path, ...] = ()  # read, lowest precedence first
    origins: Mapping[str, Path] = {}  # key -> the highest file setting it
    problems: tuple[str, ...] = ()  # files skipped (unreadable, ignored names), as sentences

    @property
    def channel_alias(self) -> str:
        """The URL a channel name is appended to."""
        return str(self.values.get("channel_alias") or DEFAULT_ALIAS).rstrip("/")

    @property
    def default_channels(self) -> tuple[str, ...]:
        """What ``defaults`` stands for."""
        return tuple(str(c) for c in _list(self.values.get("default_channels")) or DEFAULT_CHANNELS)

    @property
    def custom_channels(self) -> dict[str, str]:
        """Channel name -> the base URL it lives under instead of the alias."""
        return {str(k): str(v).rstrip("/") for k, v in _map(self.values.get("custom_channels"))}

    @property
    def custom_multichannels(self) -> dict[str, tuple[str, ...]]:
        """A name standing for several channels."""
        return {
            str(k): tuple(str(c) for c in _list(v))
            for k, v in _map(self.values.get("custom_multichannels"))
        }

    @property
    def mirrored_channels(self) -> dict[str, tuple[str, ...]]:
        """Channel name -> mirror URLs that serve it."""
        return {
            str(k): tuple(str(u).rstrip("/") for u in _list(v))
            for k, v in _map(self.values.get("mirrored_channels"))
        }

    @property
    def channels(self) -> tuple[str, ...]:
        """The rc ``channels`` micromamba adds after an environment file's own."""
        return tuple(str(c) for c in _list(self.values.get("channels")))

    @property
    def channel_priority(self) -> str | None:
        """``strict``, ``flexible``, ``disabled`` (or conda's older ``true``/``false``)."""
        value = self.values.get("channel_priority")
        return None if value is None else str(value).lower()

    @property
    def proxy_servers(self) -> dict[str, str]:
        """Scheme (or ``scheme://host``) -> proxy URL."""
        return {str(k): str(v) for k, v in _map(self.values.get("proxy_servers")) if v}

    @property
    def ssl_verify(self) -> bool | str:
        """True, False, or the path of a CA bundle."""
        value = self.values.get("ssl_verify")
        if value is None or value is True:
            return True
        if value is False or str(value).lower() in ("false", "0", "no"):
            return False
        if str(value).lower() in ("true", "1", "yes"):
            return True
        return str(value)

    def unhonoured(self) -> list[str]:
        """The keys devkit cannot act on as micromamba would, each with its file and why."""
        found = [
            f"`{key}` ({self.origins[key]}): {why}"
            for key, why in UNHONOURED.items()
            if self.values.get(key) not in (None, "", [], {}, False)
        ]
        for name, mirrors in self.mirrored_channels.items():
            if len(mirrors) > 1:
                found.append(
                    f"`mirrored_channels` `{name}` ({self.origins['mirrored_channels']}): devkit "
                    f"uses only the first mirror, {mirrors[0]}"
                )
        odd = [k for k in self.proxy_servers if k not in ("http", "https")]
        if odd:
            found.append(
                f"`proxy_servers` {', '.join(odd)} ({self.origins['proxy_servers']}): devkit "
                "reads only the `http` and `https` entries"
            )
        verify = self.ssl_verify
        if isinstance(verify, str) and Path(verify).expanduser().is_dir():
            found.append(
                f"`ssl_verify` ({self.origins['ssl_verify']}) names a folder: devkit reads a "
                "CA bundle file only"
            )
        return found


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _map(value: object) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _rc_name(path: Path) -> bool:
    return path.name in RC_NAMES or path.name.endswith((".yml", ".yaml"))


def search_path(
    root_prefix: Path,
    env: Mapping[str, str],
    home: Path,
    target_prefix: Path | None = None,
) -> list[Path]:
    """Every place micromamba looks, lowest precedence first (files and ``*.d`` folders)."""
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    conda_set = (".condarc", "condarc", "condarc.d")
    candidates: list[Path] = []
    for system in (Path("/etc/conda"), Path("/var/lib/conda")):
        candidates += [system / n for n in (*conda_set, ".mambarc")]
    candidates += [root_prefix / n for n in (*conda_set, ".mambarc")]
    candidates += [config_home / "conda" / n for n in conda_set]
    candidates += [home / ".conda" / n for n in conda_set]
    candidates.append(home / ".condarc")
    if env.get("CONDARC"):
        candidates.append(Path(env["CONDARC"]).expanduser())
    mamba_set = (".mambarc", "mambarc", "mambarc.d")
    candidates += [config_home / "mamba" / n for n in mamba_set]
    candidates += [home / ".mamba" / n for n in mamba_set]
    candidates.append(home / ".mambarc")
    if env.get("MAMBARC"):
        candidates.append(Path(env["MAMBARC"]).expanduser())
    if target_prefix is not None:
        candidates += [target_prefix / n for n in (*conda_set, ".mambarc")]
    unique: list[Path] = []
    for path in candidates:
        if path not in unique:  # a path appearing twice counts where it is lowest
            unique.append(path)
    return unique


def rc_files(
    root_prefix: Path,
    env: Mapping[str, str],
    home: Path,
    target_prefix: Path | None = None,
) -> tuple[list[Path], list[str]]:
    """The rc files that exist, lowest precedence first, and the ones micromamba ignores."""
    found: list[Path] = []
    ignored: list[str] = []
    for path in search_path(root_prefix, env, home, target_prefix):
        if path.is_dir():
            entries = sorted(p for p in path.iterdir() if p.is_file())
            found += [p for p in entries if _rc_name(p)]
        elif path.is_file():
            if _rc_name(path):
                found.append(path)
            else:
                ignored.append(
                    f"{path} is not read: micromamba reads only files named .condarc, condarc, "
                    ".mambarc, mambarc or *.yml/*.yaml"
                )
    return found, ignored


def expand(text: str, env: Mapping[str, str]) -> str:
    """``${VAR}`` and ``$$`` in an rc file's text, as micromamba expands it before parsing."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return "$" if name is None else env.get(name, match.group(0))

    return _VAR.sub(one, text) if "$" in text else text


def read(
    files: Iterable[Path], env: Mapping[str, str] | None = None, problems: Iterable[str] = ()
) -> Condarc:
    """Merge rc files given lowest precedence first."""
    env = os.environ if env is None else env
    files = list(files)
    merged: dict[str, Any] = {}
    origins: dict[str, Path] = {}
    skipped = list(problems)
    read_ok: list[Path] = []
    loaded: list[tuple[Path, dict[str, Any]]] = []
    for path in files:
        try:
            data = yamlfile.load(path, transform=lambda text: expand(text, env))
        except FileFormatError as exc:
            skipped.append(f"{exc.message}; micromamba skips it too")
            continue
        if data is None:
            data = {}
        if not isinstance(data, dict):
            skipped.append(f"{path} is not a mapping of settings; micromamba skips it too")
            continue
        read_ok.append(path)
        loaded.append((path, data))
    for path, data in reversed(loaded):  # highest precedence first
        for key, raw in data.items():
            if raw is None:
                continue
            value = raw
            if isinstance(value, list):
                bucket = merged.setdefault(key, [])
                if isinstance(bucket, list):
                    bucket.extend(v for v in value if v not in bucket)
            elif isinstance(value, dict):
                previous = merged.get(key)
                merged[key] = {**value, **(previous if isinstance(previous, dict) else {})}
            elif key in merged:
                continue
            else:
                merged[key] = value
            origins.setdefault(key, path)
    return Condarc(merged, tuple(read_ok), origins, tuple(skipped))


def load(
    root_prefix: Path,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    target_prefix: Path | None = None,
) -> Condarc:
    """The configuration micromamba would see here (for an env at ``target_prefix``)."""
    env = os.environ if env is None else env
    files, ignored = rc_files(root_prefix, env, home or Path.home(), target_prefix)
    return read(files, env, ignored)
