"""``devkit`` and ``python -m devkit``."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point; ``--version`` answers before the CLI framework is imported."""
    # typer alone costs several times Python's own start-up; a version check should not.
    if sys.argv[1:] == ["--version"]:
        from devkit import __version__

        sys.stdout.write(f"devkit {__version__}\n")
        return
    from devkit.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
