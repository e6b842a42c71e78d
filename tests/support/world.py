"""The test world: local channels, a .condarc naming them, the micromamba stand-in, downloads."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.micromamba_standin import DEFAULT_VERSION, REPO_ROOT, write_launcher

DOWNLOAD_SUBDIRS = ("linux-64", "osx-64", "osx-arm64")


@dataclass(frozen=True)
class World:
    """Everything the suite builds once per session; paths are absolute."""

    __test__ = False  # a plain record, not a pytest test class

    root: Path
    channels_dir: Path
    channel_alias: str
    condarc: Path
    bin_dir: Path
    micromamba: Path
    micromamba_version: str
    downloads_dir: Path
    pkgs_cache: Path

    def channel_url(self, name: str = "conda-forge") -> str:
        """The file:// URL of one local channel."""
        return f"{self.channel_alias}/{name}"


def build_channels_out_of_process(dest: Path) -> Path:
    """Build the channels in a child interpreter (see channel.py's __main__ for why)."""
    subprocess.run(
        [sys.executable, "-m", "tests.support.channel", str(dest)],
        cwd=REPO_ROOT,
        check=True,
    )
    return dest / "channels"


def write_condarc(path: Path, channels_dir: Path) -> Path:
    """A .condarc that resolves channel names to the local channels, as a mirror setup would."""
    alias = channels_dir.as_uri()
    path.write_text(
        f"channel_alias: {alias}\n"
        "channels:\n  - conda-forge\n"
        f"default_channels:\n  - {alias}/anaconda\n"
    )
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_downloads(downloads: Path, launcher: Path, version: str) -> Path:
    """Lay out micromamba release assets the way GitHub releases and micro.mamba.pm serve them.

    `<subdir>` files plus `.sha256` (bare hex, no newline) at the top, mirrored under
    `latest/download/` and `download/<version>-0/`; `api/micromamba/<subdir>/{latest,<version>}`
    are conda packages holding `bin/micromamba`.
    """
    data = launcher.read_bytes()
    for folder in (
        downloads,
        downloads / "latest" / "download",
        downloads / "download" / f"{version}-0",
    ):
        folder.mkdir(parents=True, exist_ok=True)
        for subdir in DOWNLOAD_SUBDIRS:
            binary = folder / f"micromamba-{subdir}"
            binary.write_bytes(data)
            binary.chmod(0o755)
            (folder / f"micromamba-{subdir}.sha256").write_text(_sha256(binary))
    for subdir in DOWNLOAD_SUBDIRS:
        api = downloads / "api" / "micromamba" / subdir
        api.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:bz2") as archive:
            info = tarfile.TarInfo("bin/micromamba")
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
        for name in ("latest", version):
            (api / name).write_bytes(buffer.getvalue())
    return downloads


def build_world(root: Path, version: str = DEFAULT_VERSION) -> World:
    """Build the whole world under `root`."""
    channels_dir = build_channels_out_of_process(root)
    condarc = write_condarc(root / "condarc.yml", channels_dir)
    bin_dir = root / "bin"
    micromamba = write_launcher(bin_dir / "micromamba", version)
    downloads = write_downloads(root / "downloads", micromamba, version)
    pkgs_cache = root / "pkgs-cache"
    pkgs_cache.mkdir(exist_ok=True)
    return World(
        root=root,
        channels_dir=channels_dir,
        channel_alias=channels_dir.as_uri(),
        condarc=condarc,
        bin_dir=bin_dir,
        micromamba=micromamba,
        micromamba_version=version,
        downloads_dir=downloads,
        pkgs_cache=pkgs_cache,
    )
