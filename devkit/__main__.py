"""``devkit`` and ``python -m devkit``."""

from __future__ import annotations

import os
import sys

# (--root as given or None, the project, the command after `--`). A plain tuple: importing
# typing for a NamedTuple would cost `devkit --version` a tenth of its time.
PlainRun = tuple[str | None, str, tuple[str, ...]]


def plain_run(argv: list[str]) -> PlainRun | None:
    """``devkit [--root R] run PROJECT [-- CMD...]`` read without the CLI framework, else None.

    Only shapes typer reads one way are matched: an option of ``run`` (``--port``, ``-p``,
    ``--print-env``...), ``--verbose``, a value that looks like an option, arguments after the
    project without ``--``, or a shell completion request all go to typer.
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
    if after and after[0] != "--":
        return None
    return root, project, tuple(after[1:])


def main() -> None:
    """Entry point; ``--version`` and a plain ``run`` answer before the CLI framework loads."""
    argv = sys.argv[1:]
    # typer alone costs several times Python's own start-up; a version check should not.
    if argv == ["--version"]:
        from devkit import __version__

        sys.stdout.write(f"devkit {__version__}\n")
        return
    # `devkit run` is started over and over during development, and what it costs before the
    # service starts is added to every start: the plain form skips typer, nothing else.
    plain = plain_run(argv)
    if plain is not None:
        from devkit.cli import run_plain

        run_plain(*plain)
        return
    from devkit.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
