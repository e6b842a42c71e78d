"""Whether a project's Dockerfile builds its env from conda-lock.yml or solves, and the
``DEVKIT_LOCK_SHA256`` build argument that ties an image to the lock it was built from.

The template's locked Dockerfile (``Dockerfile@lock``) declares ``ARG DEVKIT_LOCK_SHA256=<hex>``
before its first stage, checks the copied lock against it (``sha256sum --check``) and labels
the image with it (``devkit.conda-lock.sha256``). ``devkit lock`` rewrites that one line each
time it writes the lock, so the check passes and the label tells the truth.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from devkit import atomic
from devkit.errors import DevkitError, FileFormatError
from devkit.repo import templates
from devkit.repo.deprecations import CURRENT_MICROMAMBA_TAG
from devkit.repo.projectfiles import Dockerfile, parse_dockerfile

LOCK_ARG = "DEVKIT_LOCK_SHA256"
LABEL = "devkit.conda-lock.sha256"
LOCK = "lock"
SOLVES = "solves"
NONE = "none"
_ARG_LINE = re.compile(rf"^ARG[ \t]+{LOCK_ARG}=([0-9a-f]*)[ \t]*$", re.MULTILINE)
# An env made or changed by a package manager; `-f FILE` says from what.
_MANAGER = re.compile(
    r"\b(?:conda|mamba|micromamba)\s+(?:env\s+)?(?:create|install|update)\b([^&;|]*)"
)
_CONDA_LOCK_INSTALL = re.compile(r"\bconda-lock\s+install\b")
_LOCK_NAME = re.compile(r"-lock\.ya?ml$")


@dataclass(frozen=True)
class DockerUse:
    """What the Dockerfile's env comes from."""

    installs: str  # LOCK, SOLVES (an env file or specs are solved), NONE (no conda env)
    line: int  # the instruction that says so (its first one)
    command: str  # that command, for messages
    stamped: str | None  # DEVKIT_LOCK_SHA256's value; None without the line
    stamped_line: int | None
    labelled: bool  # whether a LABEL carries the lock's sha256


def use(dockerfile: Dockerfile) -> DockerUse:
    """Read the Dockerfile's RUN commands: from a lock (``-f *-lock.yml``), or solved."""
    from_lock: tuple[int, str] | None = None
    solved: tuple[int, str] | None = None
    for ins in dockerfile.instructions:
        if ins.keyword != "RUN":
            continue
        for match in _MANAGER.finditer(ins.args):
            files = re.findall(r"(?:-f|--file)[=\s]+(\S+)", match.group(1))
            command = match.group(0).strip()
            if files and all(_LOCK_NAME.search(f) for f in files):
                from_lock = from_lock or (ins.line, command)
            else:
                solved = solved or (ins.line, command)
        if _CONDA_LOCK_INSTALL.search(ins.args):
            from_lock = from_lock or (ins.line, "conda-lock install")
    text = dockerfile.path.read_text(encoding="utf-8")
    arg = _ARG_LINE.search(text)
    stamped_line = text.count("\n", 0, arg.start()) + 1 if arg else None
    labelled = any(
        i.keyword == "LABEL" and LABEL in i.args and LOCK_ARG in i.args
        for i in dockerfile.instructions
    )
    installs, (line, command) = (
        (SOLVES, solved) if solved else (LOCK, from_lock) if from_lock else (NONE, (0, ""))
    )
    return DockerUse(installs, line, command, arg.group(1) if arg else None, stamped_line, labelled)


def sha256_of(lock: Path) -> str:
    """The sha256 of a lock file's bytes (what ``sha256sum`` prints)."""
    return hashlib.sha256(lock.read_bytes()).hexdigest()


def stamp(dockerfile: Path, sha256: str) -> bool:
    """Set ``ARG DEVKIT_LOCK_SHA256=`` to ``sha256``; False when there is no such line or it
    already says so. Nothing else in the file changes."""
    text = dockerfile.read_text(encoding="utf-8")
    match = _ARG_LINE.search(text)
    if match is None or match.group(1) == sha256:
        return False
    atomic.write_text(
        dockerfile, f"{text[: match.start()]}ARG {LOCK_ARG}={sha256}{text[match.end() :]}"
    )
    return True


# The template's locked build stage lies between these two comments (project/Dockerfile@lock).
_BUILD_START = "# The build stage:"
_PROD_START = "# The prod image"


def build_stage() -> str:
    """The template's build stage for a locked project, filled."""
    raw = templates.read("project/Dockerfile@lock")
    stage = raw[raw.index(_BUILD_START) : raw.index(_PROD_START)]
    filled = templates.fill(stage, {"micromamba_image": CURRENT_MICROMAMBA_TAG}, "Dockerfile@lock")
    return filled.rstrip("\n") + "\n"


def rewrite_for_lock(dockerfile: Dockerfile, sha256: str) -> str:
    """The Dockerfile with its build stage replaced by the template's locked one, the lock's
    sha256 declared before it and the prod stage labelled with it; the rest unchanged.

    Only the shape the template and the team write-up share is rewritten: two stages, the first
    called ``build``, the second copying ``/venv`` from it. Anything else is left to its author.
    """
    stages = dockerfile.stages()
    copies_venv = any(
        i.keyword == "COPY" and "--from=build" in i.args and "/venv" in i.args
        for i in dockerfile.instructions
    )
    if len(stages) != 2 or stages[0].alias != "build" or not copies_venv:
        raise DevkitError(
            f"{dockerfile.path}: not the two-stage shape devkit rewrites (a `build` stage whose "
            "/venv the second stage copies); change it by hand",
            hint="docs/project-files.md, 'The image from the lock', shows the result to aim for",
        )
    lines = dockerfile.path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = stages[0].line - 1
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1  # the old stage's own comment goes with it
    prod = stages[1].line - 1
    end = prod
    while end > first and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    head = [f"ARG {LOCK_ARG}={sha256}\n", "\n"]
    label = [f"ARG {LOCK_ARG}\n", f'LABEL {LABEL}="${{{LOCK_ARG}}}"\n']
    new = [*lines[:first], *head, build_stage(), *lines[end : prod + 1], *label, *lines[prod + 1 :]]
    text = "".join(new)
    _check(dockerfile.path, text, sha256)
    return text


def _check(path: Path, text: str, sha256: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="devkit-dockerfile-") as folder:
        copy = Path(folder) / path.name
        copy.write_text(text, encoding="utf-8")
        try:
            found = use(parse_dockerfile(copy))
        except FileFormatError as exc:
            raise DevkitError(f"rewriting {path} would break it: {exc.message}") from exc
    if found.installs != LOCK or found.stamped != sha256 or not found.labelled:
        raise DevkitError(f"rewriting {path} did not give a build from the lock")
