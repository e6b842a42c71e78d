"""create / install / update / remove / env remove: solve, print the transaction, link it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.standin import interrupt
from tests.support.standin.context import Context, StandinError
from tests.support.standin.records import (
    action_entry,
    conda_meta_records,
    requested_specs,
    spec_name,
)
from tests.support.standin.specfile import SpecFile, read_spec_files

ALREADY_INSTALLED = "All requested packages already installed"


def dump(data: object) -> None:
    """Print a JSON document the way libmamba's nlohmann::json does (sorted keys, indent 4)."""
    print(json.dumps(data, indent=4, sort_keys=True), flush=True)


def _key(record: dict[str, Any]) -> tuple[str, str, str, str]:
    return (record["name"], record["version"], record["build"], record["subdir"])


def _confirm(ctx: Context, question: str, default: bool) -> bool:
    if ctx.always_yes or ctx.json:
        return True
    hint = "[Y/n]" if default else "[y/N]"
    print(f"{question}: {hint} ", end="", flush=True)
    try:
        with interrupt.prompting():
            answer = sys.stdin.readline()
    except KeyboardInterrupt:
        return False
    if not answer:
        return False
    answer = answer.strip().lower()
    return default if not answer else answer in ("y", "yes")


def _rewrite_channel_specs(ctx: Context, specs: list[str]) -> tuple[list[str], list[str]]:
    """`chan::pkg` -> `<resolved url>::pkg`, and the channels those specs add."""
    rewritten, extra = [], []
    for spec in specs:
        if "::" in spec:
            token, _, rest = spec.partition("::")
            resolved = ctx.resolve_channel(token.strip())
            rewritten.append(f"{resolved[0].url}::{rest}")
            extra.append(token.strip())
        else:
            rewritten.append(spec)
    return rewritten, extra


def _prepare_create(ctx: Context, prefix: Path) -> None:
    if ctx.dry_run or not prefix.exists():
        return
    if prefix == ctx.root_prefix:
        ctx.log("error", "Overwriting root prefix is not permitted")
        raise StandinError("Aborting.")
    if not (prefix / "conda-meta").is_dir():
        ctx.log("error", "Non-conda folder exists at prefix")
        raise StandinError("Aborting.")
    if not _confirm(ctx, f"Found conda-prefix at '{prefix}'. Overwrite?", default=False):
        raise StandinError("Aborting.")
    shutil.rmtree(prefix)


def _dependents(records: list[dict[str, Any]], names: set[str]) -> set[str]:
    """`names` plus every installed package that (transitively) depends on one of them."""
    found = set(names)
    changed = True
    while changed:
        changed = False
        for record in records:
            deps = {spec_name(dep) for dep in record.get("depends") or []}
            if record["name"] not in found and deps & found:
                found.add(record["name"])
                changed = True
    return found


def _print_transaction(
    ctx: Context, prefix: Path, specs: list[str], link: list, unlink: list
) -> None:
    ctx.out("\nTransaction\n")
    ctx.out(f"  Prefix: {prefix}\n")
    ctx.out("  Updating specs:\n")
    for spec in specs:
        ctx.out(f"   - {spec}")
    ctx.out("\n  Package  Version  Build  Channel  Size")
    ctx.out("─" * 60)
    for sign, records in (("+", link), ("-", unlink)):
        for record in records:
            channel = ctx.display_name(str(record.get("channel", "")))
            line = f"  {sign} {record['name']}  {record['version']}  {record['build']}  {channel}"
            ctx.out(f"{line}  {record.get('size', 0)}B")
    ctx.out(f"\n  Summary:\n\n  Install: {len(link)} packages\n  Remove: {len(unlink)} packages\n")


def _write_history(
    ctx: Context, prefix: Path, link: list, unlink: list, kind: str, specs: list
) -> None:
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    lines = [
        f"==> {time.strftime('%Y-%m-%d %H:%M:%S')} <==",
        f"# cmd: micromamba {' '.join(sys.argv[1:])}",
        "# conda version: 3.8.0",
    ]
    for sign, records in (("+", link), ("-", unlink)):
        for record in records:
            channel = str(record.get("channel", "")).rstrip("/")
            lines.append(
                f"{sign}{channel}/{record['subdir']}::"
                f"{record['name']}-{record['version']}-{record['build']}"
            )
    verb = "remove" if kind == "remove" else "update"
    lines.append(f"# {verb} specs: {json.dumps(specs)}")
    with (meta / "history").open("a") as history:
        history.write("\n".join(lines) + "\n")


def _register(ctx: Context, prefix: Path, add: bool) -> None:
    """Keep ~/.conda/environments.txt in step, as micromamba does for every env it makes."""
    registry = ctx.home / ".conda" / "environments.txt"
    known = registry.read_text().splitlines() if registry.is_file() else []
    wanted = [line for line in known if line.strip() and line.strip() != str(prefix)]
    if add:
        wanted.append(str(prefix))
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text("".join(f"{line}\n" for line in wanted))


def _run_pip(ctx: Context, prefix: Path, files: SpecFile) -> int:
    """`python -m pip install [--no-deps] -r <tmp> --no-input` in the env, from the file's
    folder (`--no-deps` for a lockfile's pinned packages)."""
    with tempfile.NamedTemporaryFile("w", prefix="mambaf", suffix=".txt", delete=False) as tmp:
        tmp.write("".join(f"{line}\n" for line in files.pip))
    ctx.out(f"\nInstalling pip packages: {', '.join(files.pip)}")
    command = [str(prefix / "bin" / "python"), "-m", "pip", "install"]
    command += ["--no-deps"] if files.pip_no_deps else []
    command += ["-r", tmp.name, "--no-input"]
    try:
        # Under --json stdout must stay one JSON document, so pip's chatter goes to stderr.
        completed = subprocess.run(
            command,
            cwd=files.pip_folder,
            stdout=sys.stderr if ctx.json else None,
            check=False,
        )
    finally:
        Path(tmp.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        ctx.log("critical", "pip failed to install packages")
        return 1
    return 0


def _current(prefix: Path, kind: str) -> list[dict[str, Any]]:
    if kind == "create":
        return []
    if not prefix.exists():
        raise StandinError(f"No prefix found at: {prefix}")
    if not (prefix / "conda-meta").is_dir():
        raise StandinError(f"Expected environment not found at prefix: {prefix}")
    return conda_meta_records(prefix)


def transact(ctx: Context, kind: str) -> int:
    """Run create, install, update or remove; return the exit code."""
    from tests.support.standin import lockfile, solver

    interrupt.watch()
    inv = ctx.invocation
    lock = lockfile.find(inv.all("--file"))
    if lock is not None and kind != "create":
        raise StandinError("the stand-in installs lockfiles with `create` only")
    if lock is not None:
        pinned = lockfile.locked_pip(ctx, lock)
        files = SpecFile(pip=pinned, pip_folder=lock.parent, pip_no_deps=True)
    else:
        files = read_spec_files(inv.all("--file"), ctx.platform)
    ctx.file_channels = files.channels
    prefix = ctx.target_prefix(files.name, fallback=kind != "create")
    if kind == "create":
        _prepare_create(ctx, prefix)
    installed = _current(prefix, kind) if not (kind == "create" and ctx.dry_run) else []
    new_specs = [*inv.positionals, *files.specs]
    if files.pip and "pip" not in {spec_name(s) for s in new_specs}:
        new_specs.append("pip")
    history_specs = requested_specs(prefix) if kind != "create" else {}

    if kind == "remove":
        names = {r["name"] for r in installed} if "--all" in inv.flags else set(new_specs)
        gone = _dependents(installed, {spec_name(n) for n in names})
        final = [r for r in installed if r["name"] not in gone]
        solved = [r for r in solver.installed_records(prefix) if r.name.normalized not in gone]
        logged_specs = sorted(names)
        requested = [spec for name, spec in history_specs.items() if name not in gone]
    elif lock is not None:
        solved = lockfile.locked_records(ctx, lock)
        final = [solver.record_json(record) for record in solved]
        logged_specs = [f"{r.name.normalized}=={r.version}={r.build}" for r in solved]
        requested = logged_specs
    else:
        wanted = dict(history_specs)
        wanted.update({spec_name(spec): spec for spec in new_specs})
        specs, extra = _rewrite_channel_specs(ctx, list(wanted.values()))
        unlocked = {spec_name(s) for s in new_specs} if kind == "update" else set()
        locked = (
            []
            if kind == "create" or "--all" in inv.flags
            else [r for r in solver.installed_records(prefix) if r.name.normalized not in unlocked]
        )
        try:
            solved = solver.solve(ctx, ctx.channels(extra), specs, locked)
        except solver.Unsolvable as unsolvable:
            return _report_unsolvable(ctx, unsolvable.problems)
        final = [solver.record_json(record) for record in solved]
        logged_specs = new_specs
        requested = specs

    before = {_key(r): r for r in installed}
    after = {_key(r): r for r in final}
    link = sorted((r for k, r in after.items() if k not in before), key=_key)
    unlink = sorted((r for k, r in before.items() if k not in after), key=_key)
    if not new_specs and kind == "create" and lock is None:
        if not ctx.dry_run:
            _write_history(ctx, prefix, [], [], kind, [])
            _register(ctx, prefix, add=True)
        if ctx.json:
            dump({"dry_run": ctx.dry_run, "prefix": str(prefix), "success": True})
        return 0
    if not link and not unlink:
        ctx.out(f"\n{ALREADY_INSTALLED}\n")
        code = 0
        if not ctx.dry_run:
            _finish(ctx, prefix, kind, files)
            code = _run_pip(ctx, prefix, files) if files.pip else 0
        if ctx.json:
            dump(
                {
                    "dry_run": ctx.dry_run,
                    "message": ALREADY_INSTALLED,
                    "prefix": str(prefix),
                    "success": code == 0,
                }
            )
        return code

    _print_transaction(ctx, prefix, logged_specs, link, unlink)
    fetch = [r for r in link if not _in_cache(ctx, r)]
    actions: dict[str, Any] = {"PREFIX": str(prefix)}
    for label, records in (("FETCH", fetch), ("LINK", link), ("UNLINK", unlink)):
        if records:
            actions[label] = [action_entry(ctx, record) for record in records]
    code = 0
    if ctx.dry_run:
        ctx.out("Dry run. Not executing the transaction.")
    else:
        if not _confirm(ctx, "Confirm changes", default=True):
            ctx.out("Aborted.")
            return 1
        if kind == "create":
            # libmamba makes the target directory just before executing the transaction.
            (prefix / "conda-meta").mkdir(parents=True, exist_ok=True)
            (prefix / "conda-meta" / "history").touch()
        if interrupt.checkpoint(ctx.env, "solved"):
            print("Interrupted by user - stopped before transaction.", file=sys.stderr, flush=True)
            return _interrupted(ctx, actions)
        ctx.out("Transaction starting")
        current = solver.installed_records(prefix) if installed else []

        def stop_after(linked: int) -> bool:
            return interrupt.checkpoint(ctx.env, f"linked:{linked}")

        if not solver.install(ctx, prefix, solved, current, requested, stop_after):
            print("Transaction interrupted, rollbacking", file=sys.stderr, flush=True)
            solver.rollback(ctx, prefix, current)
            if kind == "create":
                _keep_only_history(prefix)
            return _interrupted(ctx, actions)
        _write_history(ctx, prefix, link, unlink, kind, logged_specs)
        _finish(ctx, prefix, kind, files)
        ctx.out("Transaction finished")
        if files.pip:
            code = _run_pip(ctx, prefix, files)
    if ctx.json:
        dump(
            {
                "actions": actions,
                "dry_run": ctx.dry_run,
                "prefix": str(prefix),
                "success": code == 0,
            }
        )
    return code


def _interrupted(ctx: Context, actions: dict[str, Any]) -> int:
    """2.x reports a user interrupt as success: the transaction's JSON, and exit 0."""
    if ctx.json:
        dump({"actions": actions, "dry_run": False, "prefix": actions["PREFIX"], "success": True})
    return 0


def _keep_only_history(prefix: Path) -> None:
    """A rolled-back create leaves the prefix holding conda-meta/history alone."""
    for entry in prefix.iterdir():
        if entry.name == "conda-meta":
            for meta in entry.iterdir():
                if meta.name != "history":
                    shutil.rmtree(meta) if meta.is_dir() else meta.unlink()
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _finish(ctx: Context, prefix: Path, kind: str, files: SpecFile) -> None:
    if files.variables:
        state = prefix / "conda-meta" / "state"
        try:
            data = json.loads(state.read_text())
        except (OSError, json.JSONDecodeError):
            data = {}
        data["env_vars"] = {**data.get("env_vars", {}), **files.variables}
        state.write_text(json.dumps(data, indent=4))
    if kind == "create":
        _register(ctx, prefix, add=True)
        if ctx.invocation.value("--platform"):
            (prefix / ".mambarc").write_text(f"platform: {ctx.platform}")


def _in_cache(ctx: Context, record: dict[str, Any]) -> bool:
    stem = str(record.get("fn", "")).removesuffix(".tar.bz2").removesuffix(".conda")
    return any((pkgs / stem / "info" / "index.json").is_file() for pkgs in ctx.pkgs_dirs)


def _report_unsolvable(ctx: Context, problems: list[str]) -> int:
    if ctx.json:
        dump({"solver_problems": problems, "success": False})
    else:
        print("error    libmamba Could not solve for environment specs", file=sys.stderr)
        for problem in problems:
            print(f"    {problem}", file=sys.stderr)
    ctx.log("critical", "Could not solve for environment specs")
    return 1


def remove_env(ctx: Context) -> int:
    """`env remove`: unlink everything, delete the prefix, unregister it."""
    prefix = ctx.target_prefix()
    if not (prefix / "conda-meta").is_dir():
        raise StandinError(f"No prefix found at: {prefix}")
    if ctx.dry_run:
        ctx.out("Dry run. The environment was not removed.")
        return 0
    if not _confirm(ctx, f"Remove environment at '{prefix}'?", default=True):
        ctx.out("Aborted.")
        return 1
    shutil.rmtree(prefix)
    _register(ctx, prefix, add=False)
    ctx.out(f"Environment removed at prefix: {prefix}")
    if ctx.json:
        dump({"success": True})
    return 0
