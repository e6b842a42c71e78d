"""The typer app: options, prompts, the error handler and exit codes (and nothing else)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from devkit import __version__, console
from devkit.errors import DevkitError, UsageError

if TYPE_CHECKING:
    from devkit.commands.new import Question

# Exit codes, in one place: 0 ok, 1 a failure the user can act on, 2 usage, 130 interrupted.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# A bug in devkit itself: distinct from the failures above so scripts can tell them apart.
EXIT_INTERNAL = 3

app = typer.Typer(
    name="devkit",
    help=(
        "Set up, diagnose and run every service of a conda monorepo "
        "(projects/<name>/environment.yml) on a Mac or Linux machine."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help text: rich help pulls in markdown parsing and costs ~50 ms of start-up.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


@dataclass(frozen=True)
class State:
    """Global options, handed to every command."""

    root: Path | None
    verbose: bool


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devkit {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _global(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            envvar="DEVKIT_ROOT",
            help="The monorepo (the folder holding projects/). Default: found from the "
            "current folder upwards, then the clone `devkit setup` recorded.",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Show debug logs on stderr (also DEVKIT_DEBUG=1)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    verbose = verbose or os.environ.get("DEVKIT_DEBUG", "") not in ("", "0")
    console.configure_logging(verbose)
    ctx.obj = State(root=root, verbose=verbose)


def can_prompt() -> bool:
    """Prompts only on a real terminal, and never in CI: no TTY means no prompt and no hang."""
    return sys.stdin.isatty() and not os.environ.get("CI")


def _monorepo(state: State):
    from devkit import config, monorepo

    user = config.load_user_config()
    root = monorepo.find_root(state.root, Path.cwd(), user.clone)
    return monorepo.load(root), user


_SETUP_HELP = (
    "From a bare machine to working envs: install micromamba, clone the monorepo, create "
    "every chosen project's env from its environment.yml, and wire shell activation.\n\n"
    "Interactive on a terminal; fully scriptable with flags; safe to re-run (what is done is "
    "skipped)."
)
_DOCTOR_HELP = (
    "Diagnose the machine, micromamba, the clone, every project's env (missing, stale, wrong "
    "versions), the project files; each finding with its fix.\n\n"
    "--json for machines, --fix to repair what is safe, --strict to fail on warnings."
)
_RUN_HELP = (
    "Run a project's service in its env with the variables from its .env, like production."
    "\n\nStarts `uvicorn main:app --host 127.0.0.1 --port $PORT` through `micromamba run`, "
    "or the project's `run` command from devkit.yaml, or any command given after `--`."
)


@app.command(help=_SETUP_HELP)
def setup(
    ctx: typer.Context,
    repo: Annotated[
        str | None, typer.Option("--repo", help="Git URL of the monorepo to clone.")
    ] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to clone it (default ~/src/<name>).")
    ] = None,
    projects: Annotated[
        str | None,
        typer.Option("--projects", help="Comma-separated projects to create envs for."),
    ] = None,
    all_projects: Annotated[
        bool, typer.Option("--all", help="Create envs for every project.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Accept every default; ask nothing.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=16, help="Envs created at once.")
    ] = 1,
    no_shell_init: Annotated[
        bool, typer.Option("--no-shell-init", help="Do not offer `micromamba shell init`.")
    ] = False,
    micromamba_version: Annotated[
        str | None,
        typer.Option("--micromamba-version", help="Install this micromamba release (e.g. 2.0.5)."),
    ] = None,
) -> int:
    """Set up (see _SETUP_HELP)."""
    from devkit.commands import setup as setup_cmd

    request = setup_cmd.SetupRequest(
        repo=repo,
        directory=directory,
        projects=tuple(p.strip() for p in (projects or "").split(",") if p.strip()),
        all_projects=all_projects,
        jobs=jobs,
        shell_init=not no_shell_init,
        micromamba_version=micromamba_version,
        root=ctx.obj.root,
    )
    prompter = TerminalPrompter() if can_prompt() and not yes else DefaultsPrompter(yes=yes)
    return setup_cmd.setup(request, prompter)


class TerminalPrompter:
    """Questions on the terminal, with questionary."""

    def text(self, question: str, default: str | None, flag: str) -> str:
        """Ask for text; an empty answer takes the default."""
        import questionary

        answer = questionary.text(question, default=default or "").ask()
        if answer is None:
            raise KeyboardInterrupt
        if not answer.strip():
            raise UsageError(f"{question}: an answer is needed", hint=f"or pass {flag}")
        return answer.strip()

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Tick some of the choices (all ticked to start with)."""
        import questionary

        answer = questionary.checkbox(
            question, choices=[questionary.Choice(c, checked=True) for c in choices]
        ).ask()
        if answer is None:
            raise KeyboardInterrupt
        return list(answer)

    def confirm(self, question: str, flag: str) -> bool:
        """Yes or no."""
        return confirm(question)


class DefaultsPrompter:
    """No terminal (or --yes): defaults where there are some, never a prompt, never a hang."""

    def __init__(self, *, yes: bool) -> None:
        self.yes = yes

    def text(self, question: str, default: str | None, flag: str) -> str:
        """The default, or an error naming the flag that answers the question."""
        if default is None:
            raise UsageError(f"{question}: no default, and no terminal to ask", hint=f"pass {flag}")
        return default

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Everything."""
        return choices

    def confirm(self, question: str, flag: str) -> bool:
        """Yes only with --yes: changing the user's files or envs needs an explicit yes."""
        if not self.yes:
            console.info(f"{question} not without a yes (pass {flag})")
        return self.yes


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
) -> int:
    """Diagnose (see _DOCTOR_HELP)."""
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
    )
    return doctor_cmd.doctor(request, confirm if can_prompt() else None)


@app.command(
    name="ls", help="List the projects with their env name, env state, Python pin and lock."
)
def ls_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON document on stdout.")] = False,
) -> int:
    """List projects."""
    from devkit.commands import doctor as doctor_cmd

    return doctor_cmd.ls(ctx.obj.root, as_json)


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
    from devkit import targets
    from devkit.commands import drift as drift_cmd

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
    "(conda-lock v1; `micromamba create -f conda-lock.yml` installs it; setup and doctor --fix "
    "build from it). See docs/drift.md.",
)
def lock_command(
    ctx: typer.Context,
    projects: Annotated[
        list[str] | None, typer.Argument(help="The projects to lock.", show_default=False)
    ] = None,
    all_projects: Annotated[bool, typer.Option("--all", help="Every project.")] = False,
    platforms: _PlatformsOption = None,
    channel_priority: _PriorityOption = None,
) -> int:
    """Write lockfiles (see the help text)."""
    from devkit import targets
    from devkit.commands import lock as lock_cmd

    request = lock_cmd.LockRequest(
        root=ctx.obj.root,
        projects=tuple(projects or ()),
        all_projects=all_projects,
        platforms=targets.parse_platforms(platforms),
        channel_priority=channel_priority,
    )
    return lock_cmd.lock(request)


def confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal (only called when ``can_prompt()``)."""
    import questionary

    answer = questionary.confirm(question, default=False).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return bool(answer)


@app.command(name="run", help=_RUN_HELP)
def run_command(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project (a folder under projects/).")],
    command: Annotated[
        list[str] | None,
        typer.Argument(
            help="Run this instead of the project's service, after `--` "
            "(e.g. `devkit run api -- pytest -x`).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", "-p", min=1, max=65535, help="Sets PORT (default: PORT, else 8080)."
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Interface the service listens on.")
    ] = "127.0.0.1",
    env_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--env-file", help="Another .env file to load, after the project's (repeatable)."
        ),
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Let .env values win over the shell's.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on a malformed .env line instead of skipping it.")
    ] = False,
    print_env: Annotated[
        bool,
        typer.Option(
            "--print-env", help="Show the variables the service would get (masked), then exit."
        ),
    ] = False,
) -> int:
    """Start a project's service (see _RUN_HELP)."""
    from devkit.commands import run as run_cmd

    monorepo, user = _monorepo(ctx.obj)
    request = run_cmd.RunRequest(
        project=project,
        command=tuple(command or ()),
        host=host,
        port=port,
        env_files=tuple(env_file or ()),
        override=override,
        strict=strict,
        print_env=print_env,
    )
    return run_cmd.run(monorepo, user, request)


@app.command(
    name="shell",
    help="Open an interactive shell in a project's env (as `micromamba activate` would), with "
    "its .env loaded, in its folder; `exit` returns.",
)
def shell_command(
    ctx: typer.Context,
    project: Annotated[str, typer.Argument(help="The project (a folder under projects/).")],
    env_file: Annotated[
        list[Path] | None,
        typer.Option("--env-file", help="Another .env file to load (repeatable)."),
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Let .env values win over the shell's.")
    ] = False,
) -> int:
    """Open a shell (see the help text)."""
    from devkit.commands import run as run_cmd
    from devkit.commands import shell as shell_cmd

    monorepo, user = _monorepo(ctx.obj)
    request = run_cmd.RunRequest(
        project=project, env_files=tuple(env_file or ()), override=override
    )
    return shell_cmd.shell(monorepo, user, request)


_NEW_HELP = (
    "Create projects/<name>/ (environment.yml, main.py, entrypoint.sh, Dockerfile, "
    "cloudbuild.yaml, .pylintrc, .env.example, tests/) and its checks and deploy workflows from "
    "devkit's template, every placeholder filled, so the files agree by construction.\n\n"
    "On a terminal it asks for what the flags do not give; without one --gcloud-project is "
    "required and the rest take their defaults. Never overwrites. See docs/project-files.md."
)


def _new_option(flag: str, text: str) -> typer.models.OptionInfo:
    return typer.Option(flag, help=text, show_default=False)


@app.command(name="new", help=_NEW_HELP)
def new_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The project's folder, env and image name.")],
    gcloud_project: Annotated[
        str | None, _new_option("--gcloud-project", "Google Cloud project id (no default).")
    ] = None,
    service: Annotated[
        str | None, _new_option("--service", "Cloud Run service (default: the project name).")
    ] = None,
    region: Annotated[
        str | None, _new_option("--region", "Cloud Run and Artifact Registry region (us-central1).")
    ] = None,
    python: Annotated[str | None, _new_option("--python", "Python version (3.12).")] = None,
    black: Annotated[
        str | None, _new_option("--black", "black version, in CI and environment.yml (25.1.0).")
    ] = None,
    artifact_repo: Annotated[
        str | None,
        _new_option("--artifact-repo", "Artifact Registry repository (cloud-run-source-deploy)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Take the defaults instead of asking.")
    ] = False,
) -> int:
    """Create a project (see _NEW_HELP)."""
    from devkit.commands import new as new_cmd

    monorepo, _ = _monorepo(ctx.obj)
    given = {
        "gcloud_project": gcloud_project,
        "service": service,
        "region": region,
        "python": python,
        "black": black,
        "artifact_repo": artifact_repo,
    }
    request = new_cmd.NewRequest(name=name, values=given, yes=yes)
    return new_cmd.new(monorepo, request, ask_value if can_prompt() else None)


def ask_value(question: Question, default: str | None) -> str:
    """Ask for one template value on the terminal (only called when ``can_prompt()``)."""
    import questionary

    def check(text: str) -> bool | str:
        if not text.strip():
            return f"required (or pass {question.flag})"
        return question.problem(text.strip()) or True

    answer = questionary.text(f"{question.prompt}:", default=default or "", validate=check).ask()
    if answer is None:  # Ctrl-C inside the prompt
        raise KeyboardInterrupt
    return answer.strip()


def _invoke(argv: list[str] | None) -> int:
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="devkit", standalone_mode=False)
    except DevkitError as exc:
        console.error(exc)
        return exc.exit_code
    except typer.Abort:
        console.err().print("Interrupted.")
        return EXIT_INTERRUPTED
    except typer.TyperException as exc:
        # Argument parsing errors (unknown option, missing argument): typer's own rendering.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except KeyboardInterrupt:
        console.err().print("Interrupted.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # stdout closed by a pager or `head`: nothing left to say to anyone.
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the one top-level handler for devkit's own bugs
        return _internal_error(exc)
    if result == EXIT_INTERRUPTED:
        console.err().print("Interrupted.")
    return result if isinstance(result, int) else EXIT_OK


def _internal_error(exc: BaseException) -> int:
    import traceback

    from devkit.redaction import redact

    text = "".join(traceback.format_exception(exc))
    if console.LOG.isEnabledFor(10):
        console.err().print(redact(text), markup=False)
    console.err().print(
        f"devkit crashed: {redact(type(exc).__name__ + ': ' + str(exc))}\n"
        "This is a bug in devkit. Re-run with --verbose for the traceback and report it.",
        markup=False,
    )
    return EXIT_INTERNAL


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    code = _invoke(argv)
    runtime = sys.modules.get("devkit.runtime")
    if runtime is not None and runtime.async_runtime_started():
        # py-rattler's runtime threads can crash CPython's finalization: flush and leave
        # without it (see devkit/runtime.py). Commands that never solve exit normally.
        runtime.exit_now(code)
    sys.exit(code)
