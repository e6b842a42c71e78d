"""A project's build files as data: Dockerfile, entrypoint.sh, placeholders; ``read`` takes
cloudbuild.yaml too (``cloudbuild``).

Every reader returns a record or raises ``FileFormatError`` naming the file and line; none of
them runs Docker, bash or gcloud.
"""

from __future__ import annotations

import re
import stat
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from devkit import parsecache, proc, shellsplit
from devkit.errors import DevkitError, FileFormatError
from devkit.repo.cloudbuild import CloudBuild, read_cloudbuild

DOCKERFILE = "Dockerfile"
ENTRYPOINT = "entrypoint.sh"
CLOUDBUILD = "cloudbuild.yaml"

_INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?")
_CONDA_PACK = re.compile(r"\bconda[- ]pack\b([^&;|]*)")
_ENV_CREATE = re.compile(r"\b(?:conda|mamba|micromamba)\s+(?:env\s+)?create\b([^&;|]*)")
_PORT_DEFAULTS = (
    re.compile(r"\bPORT=[\"']?(\d+)[\"']?"),  # PORT="8080" in an `if [[ -z "${PORT}" ]]`
    re.compile(r"\$\{PORT:?[-=](\d+)\}"),  # ${PORT:-8080}
)
# The seed's placeholders; its cloudbuild.yaml even has `<GCLOUD-PROJECT-NAME/` without `>`.
PLACEHOLDER = re.compile(r"<(project-name|gcloud-project-name|service-name|company)\b>?", re.I)
# What this module read of unchanged files in earlier runs, by their stat (doctor reads every
# project's text files each run): where placeholders are, Dockerfiles' instructions and what
# entrypoint.sh does with PORT.
PLACEHOLDERS = parsecache.Shelf("placeholders", code=[sys.modules[__name__]])
DOCKERFILES = parsecache.Shelf("dockerfiles", code=[sys.modules[__name__]])
ENTRYPOINTS = parsecache.Shelf("entrypoints", code=[sys.modules[__name__]])


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    args: str
    line: int


@dataclass(frozen=True)
class Stage:
    """A ``FROM`` line."""

    image: str
    platform: str | None
    alias: str | None
    line: int


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile."""

    path: Path
    instructions: tuple[Instruction, ...]

    def stages(self) -> list[Stage]:
        """Every ``FROM``, with build args declared before the first one substituted."""
        args: dict[str, str] = {}
        stages: list[Stage] = []
        for ins in self.instructions:
            if ins.keyword == "ARG" and not stages and "=" in ins.args:
                key, _, value = ins.args.partition("=")
                args[key.strip()] = value.strip().strip("\"'")
            if ins.keyword != "FROM":
                continue
            words = ins.args.split()
            platform = next(
                (w.split("=", 1)[1] for w in words if w.startswith("--platform=")), None
            )
            rest = [w for w in words if not w.startswith("--")]
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), rest[0])
            alias = rest[2] if len(rest) >= 3 and rest[1].lower() == "as" else None
            stages.append(Stage(image, platform, alias, ins.line))
        return stages

    def env(self, name: str) -> tuple[str, int] | None:
        """The last value an ``ENV`` gives ``name``, with its line."""
        found = None
        for ins in self.instructions:
            if ins.keyword != "ENV":
                continue
            # `ENV PORT 8080` (legacy) or `ENV PORT=8080 OTHER=1`.
            legacy = re.match(rf"^{name}\s+([^=\s]\S*)\s*$", ins.args)
            pairs = re.findall(rf"(?:^|\s){name}=[\"']?([^\s\"']*)", ins.args)
            if legacy:
                found = (legacy.group(1), ins.line)
            elif pairs:
                found = (pairs[-1], ins.line)
        return found

    def conda_pack_names(self) -> list[tuple[str, int]]:
        """Env names given to ``conda-pack -n`` (or ``conda pack -n``)."""
        return self._flag_values(_CONDA_PACK, ("-n", "--name"))

    def created_env_names(self) -> list[tuple[str, int]]:
        """``-n`` names given to ``mamba env create`` and friends (none: the file's ``name:``)."""
        return self._flag_values(_ENV_CREATE, ("-n", "--name"))

    def _flag_values(
        self, command: re.Pattern[str], flags: tuple[str, ...]
    ) -> list[tuple[str, int]]:
        found = []
        for ins in (i for i in self.instructions if i.keyword == "RUN"):
            for match in command.finditer(ins.args):
                words = shell_words(match.group(1))
                for index, word in enumerate(words):
                    key, eq, value = word.partition("=")
                    if key in flags and eq:
                        found.append((value, ins.line))
                    elif word in flags and index + 1 < len(words):
                        found.append((words[index + 1], ins.line))
        return found


def shell_words(text: str) -> list[str]:
    """A command's words as ``shlex.split`` reads them; its bare split when that fails."""
    try:
        return shellsplit.split(text)
    except ValueError:
        return text.split()


def parse_dockerfile(path: Path) -> Dockerfile:
    """Read a Dockerfile into instructions; an unknown instruction is an error with its line."""
    lines = _read(path).splitlines()
    instructions: list[Instruction] = []
    index = 0
    while index < len(lines):
        start = index
        text = lines[index].strip()
        index += 1
        if not text or text.startswith("#"):
            continue
        parts = [text]
        continued = text.endswith("\\")
        while continued and index < len(lines):
            parts[-1] = parts[-1].removesuffix("\\")
            following = lines[index].strip()
            index += 1
            if following.startswith("#"):  # Docker drops comment lines inside a command
                continue
            parts.append(following)
            continued = following.endswith("\\")
        parts[-1] = parts[-1].removesuffix("\\")
        joined = " ".join(p for p in parts if p)
        for delimiter in _HEREDOC.findall(joined):
            # The heredoc's body belongs to the instruction (a RUN script), not the Dockerfile.
            body = []
            while index < len(lines) and lines[index].strip() != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            joined += "\n" + "\n".join(body)
        keyword, _, args = joined.partition(" ")
        if keyword.upper() not in _INSTRUCTIONS:
            raise FileFormatError(path, f"unknown instruction `{keyword}`", line=start + 1)
        if keyword.upper() == "FROM" and not [w for w in args.split() if not w.startswith("--")]:
            raise FileFormatError(path, "FROM without an image", line=start + 1)
        instructions.append(Instruction(keyword.upper(), args.strip(), start + 1))
    if not any(i.keyword == "FROM" for i in instructions):
        raise FileFormatError(path, "no FROM instruction", line=1)
    return Dockerfile(path, tuple(instructions))


@dataclass(frozen=True)
class Entrypoint:
    """What ``entrypoint.sh`` does with ``PORT``, and whether it can run at all."""

    path: Path
    executable: bool
    crlf_line: int | None
    reads_port: bool
    default_ports: tuple[tuple[int, int], ...]  # (port, line)


def read_entrypoint(path: Path) -> Entrypoint:
    """Read the script as text; only unreadable or non-UTF-8 files are errors."""
    text = _read(path, keep_newlines=True)
    lines = text.split("\n")
    crlf = next((n for n, line in enumerate(lines, 1) if line.endswith("\r")), None)
    ports = []
    for number, line in enumerate(lines, 1):
        code = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        for pattern in _PORT_DEFAULTS:
            ports.extend((int(m.group(1)), number) for m in pattern.finditer(code))
    code_only = "\n".join(line.split("#", 1)[0] for line in lines)
    return Entrypoint(
        path=path,
        executable=bool(path.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)),
        crlf_line=crlf,
        reads_port=re.search(r"\$\{?PORT\b", code_only) is not None,
        default_ports=tuple(ports),
    )


Parsed = Dockerfile | Entrypoint | CloudBuild | FileFormatError | None
_READERS = {DOCKERFILE: parse_dockerfile, ENTRYPOINT: read_entrypoint, CLOUDBUILD: read_cloudbuild}


def read(path: Path, *, cache: bool = False) -> Parsed:
    """A build file by its name: the record, the error that stopped reading it, or None.
    ``cache``: as an earlier run read it, when unchanged: a cloudbuild.yaml's YAML by its
    bytes, a Dockerfile or entrypoint.sh by its stat (see ``_read_kept``)."""
    if not path.is_file():
        return None
    try:
        if path.name == CLOUDBUILD:
            return read_cloudbuild(path, cache=cache)
        if cache and path.name in (DOCKERFILE, ENTRYPOINT):
            return _read_kept(path)
        return _READERS[path.name](path)
    except FileFormatError as exc:
        return exc


def _read_kept(path: Path) -> Dockerfile | Entrypoint:
    """A Dockerfile or entrypoint.sh as read before while its stat is unchanged (parsecache's
    ``by_stat``; a chmod changes the change time, so ``executable`` is never stale). Kept
    without its path, which a hard link shares: the record is made for the path asked."""
    name = path.name
    try:
        if name == DOCKERFILE:
            [instructions] = DOCKERFILES.by_stat([str(path)], _instructions)
            return Dockerfile(path, instructions)
        [fields] = ENTRYPOINTS.by_stat([str(path)], _entrypoint_fields)
    except OSError:  # gone since is_file, or cannot be stat'ed: read it as the reader words it
        return _READERS[name](path)
    return Entrypoint(path, *fields)


def _instructions(file: str) -> tuple[Instruction, ...]:
    return parse_dockerfile(Path(file)).instructions


def _entrypoint_fields(file: str) -> tuple[bool, int | None, bool, tuple[tuple[int, int], ...]]:
    found = read_entrypoint(Path(file))
    return found.executable, found.crlf_line, found.reads_port, found.default_ports


def git_modes(
    root: Path, name: str, resolve: Callable[[Path], Path] = Path.resolve
) -> dict[Path, str]:
    """Modes git records for files called ``name`` (``100755`` is executable), one git call,
    keyed by where each is (``resolve``: how to find out).

    The image is built from a checkout, so git's mode is the one the container gets, whatever
    the working tree says.
    """
    try:
        done = proc.run(
            ["git", "-C", root, "ls-files", "-s", "--full-name", "--", f":(glob)**/{name}"],
            check=False,
        )
        top = proc.run(["git", "-C", root, "rev-parse", "--show-toplevel"], check=False)
    except DevkitError:
        return {}
    if done.returncode != 0 or top.returncode != 0:
        return {}
    base = Path(top.stdout.strip())
    modes = {}
    for line in done.stdout.splitlines():
        meta, _, relative = line.partition("\t")
        modes[resolve(base / relative)] = meta.split()[0]
    return modes


def placeholders(path: Path) -> list[tuple[int, str]]:
    """Template placeholders left in a text file: (line, placeholder)."""
    try:
        # Bytes decoded, not read_text's newline translation: splitlines() numbers the lines
        # the same either way, and placeholders reads every text file of every project.
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return placeholders_in(text)


def placeholders_in(text: str) -> list[tuple[int, str]]:
    """``placeholders`` of a text already read."""
    # One search of the whole text first: almost every file has none, and the line-by-line
    # pass (for the line numbers) cost a regex call per line of every file of every project.
    if PLACEHOLDER.search(text) is None:
        return []
    return [
        (number, match.group(0))
        for number, line in enumerate(text.splitlines(), 1)
        for match in PLACEHOLDER.finditer(line)
    ]


def placeholders_of(files: Sequence[Path]) -> list[list[tuple[int, str]]]:
    """``placeholders`` of each file, kept while its stat is unchanged (``parsecache``'s
    ``by_stat``): doctor looks at every text file of every project each run (7,000 at a
    thousand projects), and almost none has changed since the last. What is kept is only where
    a placeholder is and which of the few words it is: nothing else of a file's text.
    The values are shared: read, never change them."""
    try:
        return PLACEHOLDERS.by_stat([str(f) for f in files], _placeholders_at)
    except OSError:  # one went away, or cannot be stat'ed: read each as placeholders does
        return [placeholders(f) for f in files]


def _placeholders_at(file: str) -> list[tuple[int, str]]:
    return placeholders(Path(file))


def _read(path: Path, *, keep_newlines: bool = False) -> str:
    try:
        if keep_newlines:  # read_text() would turn CRLF into LF and hide it
            return path.read_bytes().decode("utf-8")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not UTF-8 text") from exc
    except OSError as exc:
        raise FileFormatError(path, f"cannot read: {exc.strerror}") from exc
