"""Finding micromamba and building the command lines devkit runs it with."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from devkit import paths, proc
from devkit.errors import DevkitError, DownloadError, ToolNotFoundError
from devkit.userconfig import UserConfig

if TYPE_CHECKING:
    from devkit.net.netconfig import NetSettings  # ssl and urllib stay off `devkit run`'s start-up

# 1.4 is the first release whose `--json` shapes match what devkit parses (see docs/setup.md).
MIN_VERSION = (1, 4, 0)
INSTALL_HINT = "run `devkit setup` to install micromamba, or put it on PATH"


class Micromamba(NamedTuple):
    """A micromamba executable and the root prefix devkit drives it with."""

    exe: Path
    root_prefix: Path

    def command(self, *args: str | os.PathLike[str]) -> list[str]:
        """``micromamba <args> -r ROOT``: the root prefix is always explicit."""
        return [str(self.exe), *(os.fspath(a) for a in args), "-r", str(self.root_prefix)]

    def run_argv(self, prefix: Path, argv: list[str]) -> list[str]:
        """The command line that runs ``argv`` inside the env at ``prefix``.

        Variables travel in the child's environment, not as ``-e KEY=VALUE``, so secrets never
        show up in a process listing.
        """
        return [str(self.exe), "run", "-r", str(self.root_prefix), "-p", str(prefix), *argv]

    def version(self) -> str:
        """The bare version micromamba reports, e.g. ``2.0.5``."""
        result = proc.run([self.exe, "--version"], hint=INSTALL_HINT, timeout=30)
        return result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""

    def platform(self) -> str:
        """The platform this micromamba installs for, e.g. ``osx-arm64``; asked once.

        Not this process's platform: under Rosetta devkit runs as osx-64 while the native
        micromamba setup installs builds osx-arm64 envs, and takes that section of a lockfile.
        """
        return _platform(self.exe, self.root_prefix)


@functools.cache
def _platform(exe: Path, root_prefix: Path) -> str:
    mm = Micromamba(exe, root_prefix)
    argv = mm.command("info", "--json", "--log-level", "error")
    result = proc.run(argv, hint=INSTALL_HINT, timeout=60)
    import json  # here: `devkit run` never asks the platform

    try:
        platform = json.loads(result.stdout).get("platform")
    except (ValueError, AttributeError):
        platform = None
    if not isinstance(platform, str) or not platform:
        raise DevkitError(f"`{exe} info --json` did not report a platform")
    return platform


def parse_version(text: str) -> tuple[int, ...]:
    """``2.0.5`` -> ``(2, 0, 5)``; anything unparsable -> ``()``."""
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def candidates(config: UserConfig) -> list[tuple[str, Path]]:
    """Where micromamba may be, most explicit first, each with where that came from."""
    found: list[tuple[str, Path]] = []
    for var in ("DEVKIT_MICROMAMBA", "MAMBA_EXE"):
        value = os.environ.get(var)
        if value:
            found.append((var, Path(value).expanduser()))
    if config.micromamba:
        found.append(("devkit config", config.micromamba))
    on_path = shutil.which("micromamba")
    if on_path:
        found.append(("PATH", Path(on_path)))
    found.append(("devkit's own install", paths.bin_dir() / "micromamba"))
    return found


def locate(config: UserConfig) -> Path:
    """The micromamba devkit should use; raises when there is none."""
    for source, path in candidates(config):
        if path.is_file() and os.access(path, os.X_OK):
            return path
        if source in ("DEVKIT_MICROMAMBA", "MAMBA_EXE"):
            raise ToolNotFoundError(
                f"{source} points at {path}, which is not an executable file",
                hint=f"fix or unset {source}",
            )
    raise ToolNotFoundError("micromamba is not installed", hint=INSTALL_HINT)


def root_prefix(config: UserConfig) -> Path:
    """``MAMBA_ROOT_PREFIX`` if set, else the recorded one, else devkit's default."""
    value = os.environ.get("MAMBA_ROOT_PREFIX")
    if value:
        return Path(value).expanduser().absolute()
    if config.root_prefix:
        return config.root_prefix
    return paths.default_root_prefix()


def from_config(config: UserConfig) -> Micromamba:
    """The micromamba and root prefix this machine is set up with."""
    return Micromamba(exe=locate(config), root_prefix=root_prefix(config))


RELEASES = "https://github.com/mamba-org/micromamba-releases/releases"


def download_base(version: str | None) -> str:
    """The folder URL holding ``micromamba-<subdir>`` and its ``.sha256``.

    ``DEVKIT_MICROMAMBA_URL`` (a mirror) wins; else GitHub's latest release, or the pinned
    release's folder (tags carry a build number: ``2.0.5`` means ``2.0.5-0``).
    """
    mirror = os.environ.get("DEVKIT_MICROMAMBA_URL")
    if mirror:
        return mirror.rstrip("/")
    if version:
        tag = version if "-" in version else f"{version}-0"
        return f"{RELEASES}/download/{tag}"
    return f"{RELEASES}/latest/download"


def install(
    subdir: str,
    dest: Path,
    *,
    version: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    net: NetSettings | None = None,
) -> Path:
    """Download micromamba for ``subdir`` into ``dest``, verified against its published sha256.

    Every failure names the mirror setting, ``DEVKIT_MICROMAMBA_URL``, in its hint.
    """
    from devkit.net import download  # urllib costs start-up time every other command can skip

    base = download_base(version)
    name = f"micromamba-{subdir}"
    # A download killed outright (SIGKILL, power loss) leaves its hidden temp file: sweep it.
    for stale in dest.parent.glob(f".{dest.name}.*.part"):
        stale.unlink(missing_ok=True)
    try:
        digest = download.fetch_text(f"{base}/{name}.sha256", net=net)
        download.fetch_verified(f"{base}/{name}", dest, digest, progress=progress, net=net)
    except DownloadError as exc:
        raise DownloadError(exc.message, hint=_mirror_hint(exc.hint)) from exc
    return dest


def _mirror_hint(hint: str | None) -> str:
    mirror = (
        "where GitHub cannot be reached, set DEVKIT_MICROMAMBA_URL to a mirror of the "
        "micromamba releases (a folder with micromamba-<platform> and its .sha256)"
    )
    if os.environ.get("DEVKIT_MICROMAMBA_URL"):
        mirror = f"check DEVKIT_MICROMAMBA_URL ({os.environ['DEVKIT_MICROMAMBA_URL']})"
    if hint and "DEVKIT_MICROMAMBA_URL" in hint:
        return hint
    return f"{hint}; {mirror}" if hint else mirror
