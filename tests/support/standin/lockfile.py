"""`create -f <name>-lock.yml`: install exactly a conda-lock v1 file's packages for the platform.

Follows libmamba (env_lockfile_conda.cpp, install.cpp): a `-f` file whose name ends in
`-lock.yml`/`-lock.yaml` is a lockfile; it needs `version: 1`, `metadata` with non-empty
`platforms`, `sources` and `content_hash`, channels as `{url, used_env_vars}`, and per package
`name`, `version`, `manager`, `platform`, `url` and an md5 or sha256. Packages of the target
platform, the `--category` categories (default `main`) and manager `conda` are installed as
they are, with no solve; an empty selection only warns. Then, as libmamba does since
mamba-org/mamba#1908, the `manager: pip` packages of the same selection are installed with
`python -m pip install --no-deps -r <tmp> --no-input` from the lockfile's folder, one
`NAME @ URL#sha256=HASH` line each (pip checks the hash). The env's name is not in a lockfile,
so the prefix comes from `-p`/`-n`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.standin.context import Context, StandinError

if TYPE_CHECKING:
    from rattler import RepoDataRecord


def is_lockfile_name(name: str) -> bool:
    """libmamba's `is_conda_env_lockfile_name`."""
    return name.endswith(("-lock.yml", "-lock.yaml"))


def find(files: Sequence[str]) -> Path | None:
    """The lockfile among `-f` files; mixing it with other spec files is an error."""
    locks = [f for f in files if is_lockfile_name(f)]
    if not locks:
        return None
    if len(locks) != len(files):
        raise StandinError("found multiple spec file types, all spec files must be of same format")
    path = Path(locks[0]).expanduser().absolute()
    if not path.is_file():
        raise StandinError(f"File not found: {locks[0]}")
    return path


def _invalid(path: Path, message: str) -> StandinError:
    return StandinError(f"Error while reading environment lockfile located at '{path}': {message}")


def _selected(ctx: Context, path: Path, manager: str = "conda") -> list[dict[str, Any]]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise _invalid(path, f"YAML parsing error: {error}") from error
    if not isinstance(data, dict) or data.get("version") != 1:
        version = data.get("version") if isinstance(data, dict) else None
        raise _invalid(path, f"unknown version '{version}'")
    meta = data.get("metadata") or {}
    for key in ("platforms", "sources", "content_hash"):
        if not meta.get(key):
            raise _invalid(path, f"at least one 'metadata.{key}' must be specified, found none")
    for channel in meta.get("channels") or []:
        if not isinstance(channel, dict) or "url" not in channel or "used_env_vars" not in channel:
            raise _invalid(path, "each 'metadata.channels' entry needs 'url' and 'used_env_vars'")
    categories = ctx.invocation.all("--category") or ["main"]
    selected = []
    for package in data.get("package") or []:
        for key in ("name", "version", "manager", "platform", "url"):
            if key not in package:
                raise _invalid(path, f"package entry without '{key}'")
        hashes = package.get("hash") or {}
        if not hashes.get("md5") and not hashes.get("sha256"):
            raise _invalid(path, "either 'hash.md5' or 'hash.sha256' must be specified")
        if package["platform"] != ctx.platform or package.get("category", "main") not in categories:
            continue
        if package["manager"] == manager:
            selected.append(package)
    if manager != "conda":
        return selected
    for category in categories:
        if not any(p.get("category", "main") == category for p in selected):
            ctx.log(
                "warning",
                f"Selected packages for category '{category}' are empty. The lockfile might not "
                f"be resolved for your platform ({ctx.platform}).",
            )
    return selected


def locked_pip(ctx: Context, path: Path) -> list[str]:
    """The pip requirement lines libmamba writes for the platform's `manager: pip` packages."""
    return [
        f"{p['name']} @ {p['url']}#sha256={(p.get('hash') or {}).get('sha256', '')}"
        for p in _selected(ctx, path, "pip")
    ]


def locked_records(ctx: Context, path: Path) -> list[RepoDataRecord]:
    """The locked packages of ctx.platform as channel records, checksums checked."""
    from rattler import Channel, Gateway, Subdir

    wanted = _selected(ctx, path)
    by_subdir: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for package in wanted:
        base, _, _file = str(package["url"]).rpartition("/")
        channel, _, subdir = base.rpartition("/")
        by_subdir.setdefault((channel, subdir), []).append(package)
    gateway = Gateway(cache_dir=ctx.pkgs_dirs[0] / "cache", show_progress=False)

    async def fetch(channel: str, subdir: str, names: list[str]) -> list[RepoDataRecord]:
        found = await gateway.query([Channel(channel)], [Subdir(subdir)], names, recursive=False)
        return [record for records in found for record in records]

    async def run() -> list[list[RepoDataRecord]]:
        return list(
            await asyncio.gather(
                *(
                    fetch(channel, subdir, sorted({p["name"] for p in packages}))
                    for (channel, subdir), packages in by_subdir.items()
                )
            )
        )

    try:
        answers = asyncio.run(run()) if by_subdir else []
    except Exception as error:
        raise StandinError(f"Could not download the locked packages: {error}") from error
    by_url = {record.url: record for records in answers for record in records}
    records = []
    for package in wanted:
        record = by_url.get(str(package["url"]))
        if record is None:
            raise StandinError(f"Download error: {package['url']} not found")
        hashes = package["hash"]
        if hashes.get("md5") and record.md5 and record.md5.hex() != hashes["md5"]:
            raise StandinError(f"File not valid: md5 mismatch for {package['url']}")
        if hashes.get("sha256") and record.sha256 and record.sha256.hex() != hashes["sha256"]:
            raise StandinError(f"File not valid: sha256 mismatch for {package['url']}")
        records.append(record)
    return records
