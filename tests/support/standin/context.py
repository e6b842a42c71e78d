"""What one stand-in invocation knows: rc files, root and target prefix, channels, log level."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.support.standin.cli import Invocation

LEVELS = ("trace", "debug", "info", "warning", "error", "critical", "off")
DEFAULT_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")


class StandinError(Exception):
    """An error micromamba reports as `critical libmamba <message>` before exiting 1."""


def parse_version(text: str) -> tuple[int, ...]:
    """'2.0.5' -> (2, 0, 5)."""
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _host_platform() -> str:
    machine = os.uname().machine
    if sys.platform == "darwin":
        return "osx-arm64" if machine == "arm64" else "osx-64"
    return {"x86_64": "linux-64", "aarch64": "linux-aarch64", "ppc64le": "linux-ppc64le"}.get(
        machine, f"linux-{machine}"
    )


@dataclass(frozen=True)
class ResolvedChannel:
    """A channel as micromamba resolves it: display name and base URL (no trailing slash)."""

    name: str
    url: str


class Context:
    """Configuration for one invocation, computed lazily so `run` and `--version` stay fast."""

    def __init__(
        self, invocation: Invocation, env: Mapping[str, str], version: str, exe: Path
    ) -> None:
        self.invocation = invocation
        self.env = env
        self.version = version
        self.version_tuple = parse_version(version)
        self.exe = exe
        self.file_channels: list[str] = []

    # -- output ------------------------------------------------------------------------------
    @property
    def json(self) -> bool:
        """Whether --json was given."""
        return "--json" in self.invocation.flags

    @property
    def dry_run(self) -> bool:
        """Whether --dry-run was given."""
        return "--dry-run" in self.invocation.flags

    @property
    def always_yes(self) -> bool:
        """-y, or `always_yes: true` in an rc file."""
        return "--yes" in self.invocation.flags or bool(self.rc.get("always_yes"))

    @cached_property
    def log_threshold(self) -> int:
        """Index into LEVELS from which log lines are printed to stderr."""
        level = self.invocation.value("--log-level")
        if level:
            return LEVELS.index(level) if level in LEVELS else LEVELS.index("warning")
        if self.invocation.verbosity:
            return max(0, LEVELS.index("warning") - self.invocation.verbosity)
        # --json on its own silences every log line, errors included.
        if self.json or "--quiet" in self.invocation.flags:
            return LEVELS.index("off")
        return LEVELS.index("warning")

    def log(self, level: str, message: str) -> None:
        """Print a libmamba log line to stderr if `level` passes the threshold."""
        if LEVELS.index(level) >= self.log_threshold:
            for line in message.splitlines() or [""]:
                print(f"{level:<8} libmamba {line}", file=sys.stderr, flush=True)

    def out(self, text: str = "") -> None:
        """Human output: silenced under --json, whose stdout is the JSON document alone."""
        if not self.json:
            print(text, flush=True)

    # -- locations ---------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        """The user's home, from $HOME like micromamba."""
        return Path(self.env.get("HOME") or os.path.expanduser("~"))

    @cached_property
    def root_prefix(self) -> Path:
        """-r, $MAMBA_ROOT_PREFIX, else micromamba's fallbacks for this version."""
        given = self.invocation.value("--root-prefix") or self.env.get("MAMBA_ROOT_PREFIX")
        if given:
            return Path(os.path.abspath(os.path.expanduser(given)))
        if self.version_tuple >= (2, 0, 7):
            beside = self.exe.parent.parent
            if (beside / "conda-meta").is_dir() or (beside / "envs").is_dir():
                return beside
        legacy = self.home / "micromamba"
        if self.version_tuple < (2,) or legacy.is_dir():
            return legacy
        data = self.env.get("XDG_DATA_HOME") or str(self.home / ".local" / "share")
        return Path(data) / "mamba"

    @property
    def envs_dirs(self) -> list[Path]:
        """Where named environments live: rc `envs_dirs`, then <root>/envs."""
        dirs = [Path(os.path.expanduser(d)) for d in self.rc.get("envs_dirs", [])]
        return [*dirs, self.root_prefix / "envs"]

    @property
    def pkgs_dirs(self) -> list[Path]:
        """Package caches: $CONDA_PKGS_DIRS, rc `pkgs_dirs`, then <root>/pkgs."""
        from_env = [d for d in self.env.get("CONDA_PKGS_DIRS", "").split(",") if d]
        dirs = [Path(os.path.expanduser(d)) for d in from_env or self.rc.get("pkgs_dirs", [])]
        return [*dirs, self.root_prefix / "pkgs"]

    def prefix_for_name(self, name: str) -> Path:
        """`-n NAME`: the root for base, else the first envs dir holding it (or the first)."""
        if name == "base":
            return self.root_prefix
        for envs_dir in self.envs_dirs:
            if (envs_dir / name / "conda-meta").is_dir():
                return envs_dir / name
        return self.envs_dirs[0] / name

    def target_prefix(self, spec_file_name: str | None = None, fallback: bool = True) -> Path:
        """-p (a value without a slash is a name), -n, the env file's name, $CONDA_PREFIX."""
        prefix = self.invocation.value("--prefix")
        name = self.invocation.value("--name")
        if prefix and name:
            raise StandinError("Cannot set both prefix and env name")
        if prefix:
            if "/" not in prefix:
                return self.prefix_for_name(prefix)
            return Path(os.path.abspath(os.path.expanduser(prefix))).resolve()
        if name or spec_file_name:
            return self.prefix_for_name(name or spec_file_name or "")
        if fallback and self.env.get("CONDA_PREFIX"):
            return Path(self.env["CONDA_PREFIX"])
        raise StandinError("No target prefix specified")

    # -- rc files ----------------------------------------------------------------------------
    def rc_candidates(self, prefix: Path | None = None) -> list[Path]:
        """Every rc file micromamba reads, lowest precedence first."""
        rc_files = self.invocation.all("--rc-file")
        if rc_files:
            return [Path(os.path.expanduser(f)) for f in rc_files]
        if "--no-rc" in self.invocation.flags:
            return []
        root, home = self.root_prefix, self.home
        xdg = Path(self.env.get("XDG_CONFIG_HOME") or home / ".config")
        candidates = [
            Path("/etc/conda/.condarc"),
            Path("/etc/conda/condarc"),
            Path("/etc/conda/.mambarc"),
            root / ".condarc",
            root / "condarc",
            root / ".mambarc",
            xdg / "conda" / ".condarc",
            home / ".conda" / ".condarc",
            home / ".condarc",
            home / ".mambarc",
        ]
        candidates += [Path(self.env[var]) for var in ("CONDARC", "MAMBARC") if self.env.get(var)]
        if prefix is not None:
            candidates.append(prefix / ".mambarc")
        return candidates

    @cached_property
    def rc_sources(self) -> list[Path]:
        """The rc files that exist, lowest precedence first."""
        # <prefix>/.mambarc counts, but rc files must not be needed to find the prefix.
        prefix = None
        given = self.invocation.value("--prefix")
        name = self.invocation.value("--name")
        if given and "/" in given:
            prefix = Path(os.path.abspath(os.path.expanduser(given)))
        elif given or name:
            prefix = self.root_prefix / "envs" / str(given or name)
        return [path for path in self.rc_candidates(prefix) if path.is_file()]

    @cached_property
    def rc(self) -> dict[str, Any]:
        """The merged rc configuration: lists concatenate (highest first), scalars override."""
        import yaml

        merged: dict[str, Any] = {}
        for path in reversed(self.rc_sources):
            data = yaml.safe_load(path.read_text()) or {}
            if not isinstance(data, dict):
                continue
            for key, value in data.items():
                if isinstance(value, list):
                    merged.setdefault(key, [])
                    merged[key] += [v for v in value if v not in merged[key]]
                elif isinstance(value, dict):
                    merged[key] = {**value, **merged.get(key, {})}
                else:
                    merged.setdefault(key, value)
        return merged

    # -- platform and channels ---------------------------------------------------------------
    @property
    def host_platform(self) -> str:
        """The machine's own subdir."""
        return _host_platform()

    @cached_property
    def platform(self) -> str:
        """--platform, $CONDA_SUBDIR, rc `platform`, else the machine's subdir."""
        return (
            self.invocation.value("--platform")
            or self.env.get("CONDA_SUBDIR")
            or self.rc.get("platform")
            or self.host_platform
        )

    @property
    def channel_alias(self) -> str:
        """rc `channel_alias`, default https://conda.anaconda.org."""
        return str(self.rc.get("channel_alias") or DEFAULT_ALIAS).rstrip("/")

    def display_name(self, url: str) -> str:
        """The name micromamba 2.x shows for a channel URL: relative to the alias if under it."""
        url = url.rstrip("/")
        custom = self.rc.get("custom_channels") or {}
        for name, base in custom.items():
            if url == f"{str(base).rstrip('/')}/{name}":
                return str(name)
        if url.startswith(self.channel_alias + "/"):
            return url[len(self.channel_alias) + 1 :]
        return url

    def resolve_channel(self, token: str) -> list[ResolvedChannel]:
        """Turn a channel token (name, URL, path, `defaults`) into resolved channels."""
        token = token.rstrip("/")
        if token == "defaults":
            defaults = self.rc.get("default_channels") or list(DEFAULT_CHANNELS)
            return [c for d in defaults for c in self.resolve_channel(str(d))]
        if "://" in token:
            url = token
        elif token.startswith(("/", "./", "../", "~")):
            url = Path(os.path.abspath(os.path.expanduser(token))).as_uri()
        else:
            custom = self.rc.get("custom_channels") or {}
            first = token.split("/")[0]
            base = str(custom[first]).rstrip("/") if first in custom else self.channel_alias
            url = f"{base}/{token}"
        return [ResolvedChannel(self.display_name(url), url)]

    def channels(self, extra: list[str] | None = None) -> list[ResolvedChannel]:
        """-c channels, env-file channels, then rc `channels` (unless --override-channels)."""
        tokens = [*self.invocation.all("--channel"), *self.file_channels, *(extra or [])]
        if "--override-channels" not in self.invocation.flags:
            tokens += [str(c) for c in self.rc.get("channels", [])]
        if "nodefaults" in tokens:
            tokens = [t for t in tokens if t not in ("nodefaults", "defaults")]
        resolved: list[ResolvedChannel] = []
        for token in tokens:
            for channel in self.resolve_channel(token):
                if channel.url not in [c.url for c in resolved]:
                    resolved.append(channel)
        return resolved

    def channel_field(self, channel_url: str, subdir: str) -> str:
        """A record's `channel` in JSON: the name in 2.x, the subdir URL in 1.x."""
        if self.version_tuple >= (2,):
            return self.display_name(channel_url)
        return f"{channel_url.rstrip('/')}/{subdir}"
