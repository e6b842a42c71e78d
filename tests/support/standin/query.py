"""Read-only commands: info, env list, list, env export."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.standin.context import Context, StandinError
from tests.support.standin.records import (
    conda_meta_records,
    list_entry,
    pip_list_entry,
    pip_packages,
    requested_specs,
)
from tests.support.standin.transaction import dump
from tests.support.standin.virtual_packages import virtual_packages


def known_prefixes(ctx: Context) -> list[Path]:
    """The root, every env in the envs dirs, then those registered in environments.txt."""
    found = [ctx.root_prefix]
    for envs_dir in ctx.envs_dirs:
        if envs_dir.is_dir():
            found += sorted(p for p in envs_dir.iterdir() if (p / "conda-meta").is_dir())
    registry = ctx.home / ".conda" / "environments.txt"
    if registry.is_file():
        for line in registry.read_text().splitlines():
            path = Path(line.strip())
            if line.strip() and (path / "conda-meta").is_dir():
                found.append(path)
    return list(dict.fromkeys(found))


def env_name(ctx: Context, prefix: Path) -> str:
    """ "base" for the root, the path below the first envs dir, else ""."""
    if prefix == ctx.root_prefix:
        return "base"
    envs_dir = ctx.envs_dirs[0]
    if prefix.is_relative_to(envs_dir):
        return str(prefix.relative_to(envs_dir))
    return ""


def info(ctx: Context) -> int:
    """`micromamba info`."""
    try:
        prefix: Path | None = ctx.target_prefix()
    except StandinError:
        prefix = None
    channels = [
        f"{channel.url}/{subdir}"
        for channel in ctx.channels()
        for subdir in (ctx.platform, "noarch")
    ]
    vpkgs = [
        f"{name}={version}={build}"
        for name, version, build in virtual_packages(ctx.platform, ctx.host_platform, ctx.env)
    ]
    stem = ctx.exe.name
    data = {
        f"{stem} version": ctx.version,
        "libmamba version": ctx.version,
        "platform": ctx.platform,
        "virtual packages": vpkgs,
        "envs directories": [str(d) for d in ctx.envs_dirs],
        "package cache": [str(d) for d in ctx.pkgs_dirs],
        "channels": channels,
        "base environment": str(ctx.root_prefix),
        "env location": str(prefix) if prefix else "-",
        "environment": (env_name(ctx, prefix) or str(prefix)) if prefix else "None (not found)",
        "populated config files": [str(p) for p in ctx.rc_sources],
        "user config files": [str(ctx.home / ".mambarc")],
    }
    if ctx.json:
        dump(data)
        return 0
    width = max(len(key) for key in data)
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values or [""]):
            label = key if index == 0 else ""
            print(f"{label:>{width}} : {item}" if label else f"{'':>{width}}   {item}")
    return 0


def env_list(ctx: Context) -> int:
    """`micromamba env list`."""
    prefixes = known_prefixes(ctx)
    if ctx.json:
        print(json.dumps({"envs": [str(p) for p in prefixes]}, indent=4))
        return 0
    print("  Name  Active  Path\n" + "─" * 40)
    for prefix in prefixes:
        print(f"  {env_name(ctx, prefix)}  {'':6}  {prefix}")
    return 0


def _existing_env(ctx: Context) -> Path:
    prefix = ctx.target_prefix()
    if not prefix.exists():
        raise StandinError(f"No prefix found at: {prefix}")
    if not (prefix / "conda-meta").is_dir():
        raise StandinError(f"Expected environment not found at prefix: {prefix}")
    return prefix


def list_packages(ctx: Context) -> int:
    """`micromamba list`: conda records plus (2.0.4+, unless --no-pip) pip packages."""
    prefix = _existing_env(ctx)
    records = conda_meta_records(prefix)
    pattern = re.compile(ctx.invocation.positionals[0]) if ctx.invocation.positionals else None
    entries = [list_entry(ctx, r) for r in records]
    if ctx.version_tuple >= (2, 0, 4) and "--no-pip" not in ctx.invocation.flags:
        entries += [pip_list_entry(ctx, p) for p in pip_packages(prefix, records)]
    entries = sorted(
        (e for e in entries if pattern is None or pattern.search(e["name"])),
        key=lambda e: e["name"].lower(),
    )
    if ctx.json:
        # Up to 2.8.1 the list is a top-level array; later versions wrap it.
        dump({"packages": entries} if ctx.version_tuple > (2, 8, 1) else entries)
        return 0
    if "--explicit" in ctx.invocation.flags:
        print("@EXPLICIT")
        for record in records:
            print(
                record["url"]
                + (f"#{record.get('md5', '')}" if "--md5" in ctx.invocation.flags else "")
            )
        return 0
    print(f'List of packages in environment: "{prefix}"\n')
    print("  Name  Version  Build  Channel\n" + "─" * 40)
    for entry in entries:
        print(f"  {entry['name']}  {entry['version']}  {entry['build_string']}  {entry['channel']}")
    return 0


def env_export(ctx: Context) -> int:
    """`micromamba env export`: YAML (default), --explicit URLs, or --json."""
    prefix = _existing_env(ctx)
    records = conda_meta_records(prefix)
    flags = ctx.invocation.flags
    if "--explicit" in flags:
        print("# This file may be used to create an environment using:")
        print("# $ conda create --name <env> --file <this file>")
        print(f"# platform: {ctx.platform}")
        print("@EXPLICIT")
        for record in records:
            md5 = "" if "--no-md5" in flags else f"#{record.get('md5', '')}"
            print(f"{record['url']}{md5}")
        return 0
    history = requested_specs(prefix)
    channels: list[str] = []
    dependencies: list[str] = []
    for record in records:
        if "--from-history" in flags:
            if record["name"] in history:
                dependencies.append(history[record["name"]])
            continue
        channel = ctx.display_name(str(record.get("channel", "")))
        prefix_part = f"{channel}/{record['subdir']}::" if "--channel-subdir" in flags else ""
        build = "" if "--no-build" in flags else f"={record['build']}"
        dependencies.append(f"{prefix_part}{record['name']}={record['version']}{build}")
        channels.append(channel)
    name = env_name(ctx, prefix)
    channel_list = sorted(set(channels))
    if ctx.json:
        dump({"channels": channel_list, "dependencies": dependencies, "name": name})
        return 0
    print(f"name: {name}")
    print("channels:")
    for channel in channel_list:
        print(f"- {channel}")
    print("dependencies:")
    for dependency in dependencies:
        print(f"- {dependency}")
    return 0
