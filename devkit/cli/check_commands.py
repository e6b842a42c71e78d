"""Commands that look and report: doctor, ls, drift, lock."""

# No `from __future__ import annotations`: typer reads these signatures on every start, and
# string annotations would have it eval() each one (about 40 ms of each `devkit --help`).

from pathlib import Path
from typing import Annotated

import typer

from devkit.cli.app import app
from devkit.cli.prompts import can_prompt, confirm

_DOCTOR_HELP = (
    "Diagnose the machine, micromamba, the clone, every project's env (missing, stale, wrong "
    "versions), the project files; each finding with its fix.\n\n"
    "Shows what needs attention (--all: every check), --json for machines, --fix to repair "
    "what is safe, --strict to fail on warnings."
)


@app.command(help=_DOCTOR_HELP)
def doctor(
    ctx: typer.Context,
    projects: Annotated[
        list[str] | None,
        typer.Argument(
            help="Only these projects (machine and tools are always checked).", show_default=False
        ),
    ] = None,
    check: Annotated[
        list[str] | None,
        typer.Option("--check", help="Run only this check id (repeatable; see --list)."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List every check and exit.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON document on stdout.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (for CI).")] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply the safe fixes, asking before each.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --fix: do not ask.")] = False,
    bundle: Annotated[
        Path | None,
        typer.Option("--bundle", help="Also write a shareable report (secrets redacted) here."),
    ] = None,
    no_drift: Annotated[
        bool,
        typer.Option("--no-drift", help="Skip the Mac-vs-Linux drift check (it may solve)."),
    ] = False,
    no_network: Annotated[
        bool,
        typer.Option("--no-network", help="Skip the network.* checks (they reach servers)."),
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="Show every result, not only what needs attention."),
    ] = False,
) -> int:
    """Diagnose (see _DOCTOR_HELP)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import doctor as doctor_cmd

    if list_:
        return doctor_cmd.list_checks()
    request = doctor_cmd.DoctorRequest(
        root=ctx.obj.root,
        projects=tuple(projects or ()),
        check_ids=tuple(check or ()),
        as_json=as_json,
        strict=strict,
        fix=fix,
        yes=yes,
        bundle=bundle,
        drift=not no_drift,
        network=not no_network,
        show_all=show_all,
    )
    # The questions go to the terminal whatever stdout is, so `--json > report.json` can ask too.
    asker = confirm if can_prompt() else None
    code = doctor_cmd.doctor(request, asker)
    from devkit.proc import finish

    # Its report is out and its cache written: freeing what it read is all that is left.
    finish.without_finalization()
    return code


@app.command(
    name="ls", help="List the projects with their env name, env state, Python pin and lock."
)
def ls_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON document on stdout.")] = False,
) -> int:
    """List projects."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import ls as ls_cmd

    return ls_cmd.ls(ctx.obj.root, as_json)


_DRIFT_HELP = (
    "Solve a project's environment.yml for Linux and both Macs and report what differs: specs "
    "that cannot be solved, versions, platform-only packages, channels, loose specs.\n\n"
    "Exit 0 without drift, 1 with drift (gate CI on it). --lock reads a conda-lock.yml instead; "
    "--export/--compare compare installed envs across machines. See docs/drift.md."
)
_PlatformsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--platforms",
        help="Platforms to solve for, comma-separated or repeated "
        "(default: environment.yml's, devkit.yaml's, else linux-64,osx-64,osx-arm64).",
        show_default=False,
    ),
]
_PriorityOption = Annotated[
    str | None,
    typer.Option(
        "--channel-priority",
        help="strict, flexible or disabled (default: devkit.yaml's, else disabled like CI).",
        show_default=False,
    ),
]


@app.command(name="drift", help=_DRIFT_HELP)
def drift_command(
    ctx: typer.Context,
    projects: Annotated[
        list[str] | None, typer.Argument(help="The projects to check.", show_default=False)
    ] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Every project.")] = False,
    platforms: _PlatformsOption = None,
    channel_priority: _PriorityOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON document on stdout.")] = False,
    lock: Annotated[
        Path | None,
        typer.Option("--lock", help="Report the drift recorded in this conda-lock.yml (no solve)."),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Write the project's installed env (this machine) here."),
    ] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option("--compare", help="Compare two --export files (e.g. a Mac and CI)."),
    ] = None,
) -> int:
    """Report drift (see _DRIFT_HELP)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import drift as drift_cmd
    from devkit.drift import targets

    request = drift_cmd.DriftRequest(
        root=ctx.obj.root,
        projects=tuple(projects or ()),
        all_projects=all_projects,
        platforms=targets.parse_platforms(platforms),
        channel_priority=channel_priority,
        as_json=as_json,
        lock=lock,
        export=export,
        compare=compare,
    )
    return drift_cmd.drift(request)


@app.command(
    name="lock",
    help="Solve a project for every target platform and write projects/<name>/conda-lock.yml "
    "(conda-lock v1): the conda packages and the `pip:` section's wheels, each with its checksum. "
    "`micromamba create -f conda-lock.yml` installs it; setup and doctor --fix build from it. "
    "See docs/drift.md.",
)
def lock_command(
    ctx: typer.Context,
    projects: Annotated[
        list[str] | None, typer.Argument(help="The projects to lock.", show_default=False)
    ] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Every project.")] = False,
    platforms: _PlatformsOption = None,
    channel_priority: _PriorityOption = None,
    no_pip: Annotated[
        bool,
        typer.Option(
            "--no-pip",
            help="Lock the conda packages only; the `pip:` section stays pip's to resolve at "
            "install time.",
        ),
    ] = False,
    update: Annotated[
        list[str] | None,
        typer.Option(
            "--update",
            help="Move only these packages (conda or pip; repeatable or comma-separated) to the "
            "newest their specs allow; every other one stays at its locked version unless the "
            "update needs it to move. Prints what moved, per platform.",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --update: print what would move, write nothing.")
    ] = False,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            metavar="[REF]",
            help="Print what the lock changes against git REF (default: the merge base with the "
            "upstream branch), per platform, as Markdown for a pull request. Writes nothing. "
            "Name the project first: devkit lock api --diff [REF].",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --diff: a JSON document.")] = False,
) -> int:
    """Write lockfiles (see the help text)."""
    # Loaded when the command runs, so --help and other commands skip its imports.
    from devkit.commands import lock as lock_cmd
    from devkit.drift import targets

    request = lock_cmd.LockRequest(
        root=ctx.obj.root,
        projects=tuple(projects or ()),
        all_projects=all_projects,
        platforms=targets.parse_platforms(platforms),
        channel_priority=channel_priority,
        pip=not no_pip,
        update=tuple(update or ()),
        dry_run=dry_run,
        diff=diff,
        as_json=as_json,
    )
    return lock_cmd.lock(request)
