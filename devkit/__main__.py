"""``devkit`` and ``python -m devkit``."""

from __future__ import annotations

import os
import sys

# (--root as given or None, the project, the command after `--`, run's options as given: each
# (its long name, its value or "" for a flag), in order). A plain tuple: importing typing for a
# NamedTuple would cost `devkit --version` a tenth of its time.
PlainRun = tuple[str | None, str, tuple[str, ...], tuple[tuple[str, str], ...]]

# run's options the fast path reads, by every name typer knows them by: those whose values typer
# takes as they are written (a port is checked below as typer checks it; --env-file is a plain
# Path to typer, which devkit's run checks, either way in).
_RUN_VALUES = {"--port": "--port", "-p": "--port", "--host": "--host", "--env-file": "--env-file"}
_RUN_FLAGS = ("--override", "--strict", "--print-env")
_PORTS = range(1, 65536)  # run's --port: typer's min=1, max=65535


def plain_run(argv: list[str]) -> PlainRun | None:
    """``devkit [--root R] run PROJECT [OPTIONS] [-- CMD...]`` read without the CLI framework,
    else None.

    Only shapes typer reads one way are matched: run's options after the project, as
    ``--port N``, ``--port=N``, ``-p N``, ``--host H``, ``--host=H``, ``--env-file F``,
    ``--env-file=F``, ``--override``, ``--strict``, ``--print-env``. Anything else
    (``--verbose``, ``--help``, ``-p9000``, a port typer would refuse, a value that looks like
    an option, an option before the project, arguments after the project without ``--``, a
    shell completion request) goes to typer.
    """
    if "_DEVKIT_COMPLETE" in os.environ:  # typer's shell completion: typer answers it
        return None
    root: str | None = None
    rest = argv
    if rest[:1] == ["--root"] and len(rest) >= 2:
        root, rest = rest[1], rest[2:]
    elif rest[:1] and rest[0].startswith("--root="):
        root, rest = rest[0].removeprefix("--root="), rest[1:]
    if root is not None and (not root or root.startswith("-")):
        return None
    if len(rest) < 2 or rest[0] != "run" or not rest[1] or rest[1].startswith("-"):
        return None
    project, after = rest[1], rest[2:]
    options: list[tuple[str, str]] = []
    while after and after[0] != "--":
        arg = after[0]
        name, inline, value = arg.partition("=")
        if arg in _RUN_FLAGS:
            options.append((arg, ""))
            after = after[1:]
            continue
        if inline and name.startswith("--") and name in _RUN_VALUES:
            after = after[1:]
        elif arg in _RUN_VALUES and len(after) >= 2:
            name, value, after = arg, after[1], after[2:]
        else:
            return None
        if not value or value.startswith("-"):
            return None
        if _RUN_VALUES[name] == "--port" and not (
            # Length first: int() refuses over 4,300 digits with its own error.
            value.isascii() and value.isdigit() and len(value) <= 5 and int(value) in _PORTS
        ):
            return None
        options.append((_RUN_VALUES[name], value))
    return root, project, tuple(after[1:]), tuple(options)


# `devkit --help` (and a bare `devkit`) without typer: the top-level help from this static
# description, laid out as typer lays it out (click's plain formatter; app.py turns rich help
# off). tests/test_fast_path.py renders both at every terminal width click distinguishes, so
# a command, option or wording changed on one side and not the other fails the suite.
HELP_SUMMARY = (
    "Set up, diagnose and run every service of a conda monorepo "
    "(projects/<name>/environment.yml) on a Mac or Linux machine."
)
HELP_OPTIONS = (
    (
        "--root <path>",
        "The monorepo (the folder holding projects/). Default: found from the current folder "
        "upwards, then the clone `devkit setup` recorded.  [env var: DEVKIT_ROOT]",
    ),
    ("-v, --verbose", "Show debug logs on stderr (also DEVKIT_DEBUG=1)."),
    ("--version", "Print the version and exit."),
    ("--install-completion", "Install completion for the current shell."),
    (
        "--show-completion",
        "Show completion for the current shell, to copy it or customize the installation.",
    ),
    ("-h, --help", "Show this message and exit."),
)
# Each command's first sentence: click shortens a command's help to a line and never reads
# past the first word that ends with a full stop.
HELP_COMMANDS = (
    (
        "setup",
        "From a bare machine to working envs: install micromamba, clone the monorepo, create "
        "every chosen project's env from its environment.yml, and wire shell activation.",
    ),
    (
        "run",
        "Run a project's service in its env with the variables from its .env, like production.",
    ),
    (
        "shell",
        "Open an interactive shell in a project's env (as `micromamba activate` would), with its "
        ".env loaded, in its folder; `exit` returns.",
    ),
    (
        "dotenv",
        "Write a project's first .env, asking for each variable production sets (the deploy "
        "workflow's env_vars and .env.example's keys): secrets typed unseen, the example's real "
        "values offered.",
    ),
    (
        "doctor",
        "Diagnose the machine, micromamba, the clone, every project's env (missing, stale, wrong "
        "versions), the project files; each finding with its fix.",
    ),
    ("ls", "List the projects with their env name, env state, Python pin and lock."),
    (
        "drift",
        "Solve a project's environment.yml for Linux and both Macs and report what differs: specs "
        "that cannot be solved, versions, platform-only packages, channels, loose specs.",
    ),
    (
        "lock",
        "Solve a project for every target platform and write projects/<name>/conda-lock.yml "
        "(conda-lock v1): the conda packages and the `pip:` section's wheels, each with its "
        "checksum.",
    ),
    (
        "check",
        "Run a project's checks workflow (.github/workflows) on this machine before you push: the "
        "run: steps of each job for this OS, in the project's env, from the step's folder, with "
        "the workflow's env: values; psf/black from the env; checkout and setup-python need "
        "nothing here; other actions and steps needing secrets are skipped, saying why.",
    ),
    (
        "new",
        "Create projects/<name>/ (environment.yml, main.py, entrypoint.sh, Dockerfile, "
        "cloudbuild.yaml, .pylintrc, .env.example, tests/) and its checks and deploy workflows "
        "from devkit's template, every placeholder filled, so the files agree by construction.",
    ),
)


def plain_help(argv: list[str]) -> bool:
    """Whether ``argv`` asks for the top-level help that ``top_help`` renders as typer would.

    A shell completion request, or typer's switch that changes the completion options' help,
    goes to typer.
    """
    if "_DEVKIT_COMPLETE" in os.environ or os.environ.get(
        "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"
    ):
        return False
    return argv in ([], ["--help"], ["-h"])


def top_help() -> str:
    """``devkit --help``'s text, without the final newline, as click's ``HelpFormatter`` lays
    it out (``Context.get_help``) at this terminal's width."""
    # Only the help pays for them (textwrap imports re).
    import shutil
    import textwrap

    class Wrapper(textwrap.TextWrapper):
        # click's TextWrapper: a word longer than the line is cut, never at a hyphen.
        def _handle_long_word(
            self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
        ) -> None:
            space_left = max(width - cur_len, 1)
            last = reversed_chunks[-1]
            cur_line.append(last[:space_left])
            reversed_chunks[-1] = last[space_left:]

    def wrap(text: str, width: int, initial: str = "", subsequent: str = "") -> str:
        # click's wrap_text with preserve_paragraphs=True, for text without `\b` blocks.
        paragraphs: list[tuple[int, str]] = []
        for block in text.expandtabs().split("\n\n"):
            lines = block.splitlines()
            if lines:
                indent = len(lines[0]) - len(lines[0].lstrip())
                paragraphs.append((indent, " ".join([lines[0].lstrip(), *lines[1:]])))
        return "\n\n".join(
            Wrapper(
                width,
                initial_indent=initial + " " * indent,
                subsequent_indent=subsequent + " " * indent,
                replace_whitespace=False,
            ).fill(paragraph)
            for indent, paragraph in paragraphs
        )

    def definitions(rows: tuple[tuple[str, str], ...]) -> list[str]:
        # click's HelpFormatter.write_dl at an indent of 2.
        first_col = min(max(len(first) for first, _ in rows), 30) + 2
        out = []
        for first, second in rows:
            out.append(f"  {first}")
            if len(first) <= first_col - 2:
                out.append(" " * (first_col - len(first)))
            else:
                out.append("\n" + " " * (first_col + 2))
            lines = wrap(second, max(width - first_col - 2, 10)).splitlines()
            out.append(f"{lines[0]}\n")
            out.extend(f"{'':>{first_col + 2}}{line}\n" for line in lines[1:])
        return out

    def short_help(text: str, limit: int) -> str:
        # click's make_default_short_help.
        words = text.partition("\n\n")[0].split()
        total = 0
        last = len(words) - 1
        for i, word in enumerate(words):
            total += len(word) + (i > 0)
            if total > limit:
                break
            if word[-1] == ".":
                return " ".join(words[: i + 1])
            if total == limit and i != last:
                break
        else:
            return " ".join(words)
        total += len("...")
        while i > 0:
            total -= len(words[i]) + (i > 0)
            if total <= limit:
                break
            i -= 1
        return " ".join(words[:i]) + "..."

    width = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)
    limit = width - 6 - max(len(name) for name, _ in HELP_COMMANDS)
    commands = tuple((name, short_help(text, limit)) for name, text in HELP_COMMANDS)
    parts = [
        wrap("[OPTIONS] COMMAND [ARGS]...", width, "Usage: devkit ", " " * len("Usage: devkit ")),
        "\n\n",
        wrap(HELP_SUMMARY, width, "  ", "  "),
        "\n\nOptions:\n",
        *definitions(HELP_OPTIONS),
        "\nCommands:\n",
        *definitions(commands),
    ]
    return "".join(parts).rstrip("\n")


def print_top_help(argv: list[str]) -> int:
    """Print the help where typer would (stderr when no command was given); its exit code."""
    stream = sys.stderr if not argv else sys.stdout
    try:
        stream.write(top_help() + "\n")
        stream.flush()
    except BrokenPipeError:
        # As the CLI's handler does: the reader is gone, nothing left to say to anyone.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        return 1
    return 2 if not argv else 0


def main() -> None:
    """Entry point; ``--version``, the top-level help and a plain ``run`` answer before the CLI
    framework loads."""
    argv = sys.argv[1:]
    # typer alone costs several times Python's own start-up; a version check should not.
    if argv == ["--version"]:
        from devkit import __version__

        sys.stdout.write(f"devkit {__version__}\n")
        return
    if plain_help(argv):
        sys.exit(print_top_help(argv))
    # `devkit run` is started over and over during development, and what it costs before the
    # service starts is added to every start: the plain forms skip typer, nothing else.
    plain = plain_run(argv)
    if plain is not None:
        from devkit.cli import run_plain

        run_plain(*plain)
        return
    from devkit.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
