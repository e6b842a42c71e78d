"""What the monorepo's GitHub workflows say about a project (the deploy's variables)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from devkit import limits, parsecache, paths, yamlfile
from devkit.errors import FileFormatError
from devkit.repo import dotenv_file

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_FIRST_READ = 64 * 1024  # < limits.YAML.max_bytes


class Workflow(NamedTuple):
    """One workflow file and the parts devkit reads."""

    path: Path
    data: yamlfile.YamlMap
    # The text parsed, when the reader kept it (``load_all`` does): checks quote its lines.
    text: str | None = None

    def lines(self) -> list[str]:
        """The file's lines, as parsed (read now for a workflow made without its text)."""
        text = self.text if self.text is not None else self.path.read_text(encoding="utf-8")
        return text.splitlines()

    def triggers(self) -> dict[str, Any]:
        """The ``on:`` mapping (events without settings, ``on: push``, give none)."""
        # Read as text (see load_all), `on` is the key GitHub sees, not YAML 1.1's true.
        found = self.data.get("on")
        return found if isinstance(found, dict) else {}

    def concerns(self, project_dir: str) -> bool:
        """Whether the workflow runs for the project at ``project_dir`` (``projects/<name>``)."""
        return project_dir.rstrip("/") in self.concerned_dirs()

    def concerned_dirs(self) -> set[str]:
        """Every folder the workflow runs for: its ``defaults.run.working-directory``, and each
        folder a ``paths:`` filter lies under (``projects/api/**`` gives ``projects`` and
        ``projects/api``), so a run indexes workflows by folder once rather than asking each
        workflow about each project."""
        found: set[str] = set()
        working = dig(self.data, "defaults", "run", "working-directory")
        if isinstance(working, str):
            found.add(working.rstrip("/"))
        for event in self.triggers().values():
            filters = event.get("paths") if isinstance(event, dict) else None
            for entry in filters if isinstance(filters, list) else []:
                if isinstance(entry, str):
                    found.update(entry[:i] for i, char in enumerate(entry) if char == "/")
        return found

    def deploy_env_var_keys(self) -> list[str]:
        """Names in every ``env_vars:`` input (the Cloud Run deploy action's variables)."""
        keys: list[str] = []
        jobs = self.data.get("jobs")
        if not isinstance(jobs, dict):
            return keys
        for job in jobs.values():
            steps = job.get("steps") if isinstance(job, dict) else None
            for step in steps if isinstance(steps, list) else []:
                inputs = step.get("with") if isinstance(step, dict) else None
                value = inputs.get("env_vars") if isinstance(inputs, dict) else None
                if isinstance(value, str):
                    keys.extend(parse_env_vars(value))
        return keys


def parse_env_vars(value: str) -> list[str]:
    """``A=1,B=${{ secrets.B }}`` -> ``["A", "B"]``: the keys deploy-cloudrun would set."""
    return list(dict.fromkeys(p.key for p in env_var_pieces(value, 1) if p.key))


class EnvVar(NamedTuple):
    """One piece of a Cloud Run ``env_vars`` input: ``KEY=value`` (``key`` None if malformed)."""

    text: str
    key: str | None
    line: int


def env_var_pieces(value: str, first_line: int) -> list[EnvVar]:
    """Split ``env_vars`` the way deploy-cloudrun does: on commas and newlines, except escaped
    (``\\,``) or quoted ones."""
    pieces: list[EnvVar] = []
    current: list[str] = []
    quote: str | None = None
    line = start = first_line
    escaped = False
    for char in value + "\n":
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
            current.append(char)
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char in ",\n":
            text = "".join(current).strip()
            if text:
                key = text.split("=", 1)[0].strip() if "=" in text else None
                pieces.append(EnvVar(text, key if key and _IDENTIFIER.match(key) else None, start))
            current = []
            start = line + 1 if char == "\n" else line
        else:
            current.append(char)
        if char == "\n":
            line += 1
    return pieces


def production_variables(
    root: Path,
    project_dir: Path,
    found: list[Workflow],
    example: dotenv_file.Example | None = None,
    deploy_keys: Callable[[Workflow], Sequence[str]] | None = None,
) -> dict[str, str]:
    """Variables production sets for a project (deploy ``env_vars``, ``.env.example``), each
    with the file that says so, relative to the monorepo root. ``example``: the project's
    ``.env.example`` when the caller has read it already (doctor reads it once per run).
    ``deploy_keys``: the ``env_vars`` keys of each of ``found``, when the caller knows them
    and that each runs for the project (doctor's index)."""
    required: dict[str, str] = {}
    relative = project_dir.relative_to(root).as_posix()
    for workflow in found:
        if deploy_keys is not None:
            keys = deploy_keys(workflow)
        else:
            keys = workflow.deploy_env_var_keys() if workflow.concerns(relative) else []
        if keys:  # the file's name once, not once per key (setdefault evaluates it each time)
            where = workflow.path.relative_to(root).as_posix()
            for key in keys:
                required.setdefault(key, where)
    example_path = project_dir / ".env.example"
    if example is None:
        example = dotenv_file.read_example(example_path, inside=root)
    if example.keys:
        where = example_path.relative_to(root).as_posix()
        for key in example.keys:
            required.setdefault(key, where)
    return required


# The workflows `devkit run` reads on its way to the service (those naming its project): kept
# on a small shelf of their own, so that a start does not load doctor's thousands.
START_SHELF = parsecache.Shelf("workflows-start", code=yamlfile.CODE, keep=32, at_once=True)


def load_all(
    root: Path,
    *,
    mentioning: Sequence[str] = (),
    cache: bool = False,
    shelf: parsecache.Shelf | None = None,
) -> tuple[list[Workflow], list[FileFormatError]]:
    """Every workflow under ``.github/workflows``; unreadable ones are returned as errors.

    Plain values are read as the text written (``on:``, ``DEBUG: yes``), as GitHub does; only
    a number GitHub would turn into another text (``3.10``) needs care (queries.python_versions).
    ``mentioning``: only the files whose text holds one of these strings (``projects/api``),
    found before parsing: in a monorepo of many projects most workflows are another's.
    ``cache``: unchanged files as an earlier run parsed them (``yamlfile``'s shelf), for a
    caller that reads every workflow of a big monorepo (doctor). The values are shared: read,
    never change them. ``shelf``: where (default: ``yamlfile``'s).
    """
    if isinstance(mentioning, str):  # one folder: not a sequence of one-letter needles
        mentioning = (mentioning,)
    folder = root / ".github" / "workflows"
    workflows: list[Workflow] = []
    errors: list[FileFormatError] = []
    if not folder.is_dir():
        return workflows, errors
    # A workflow that is not a symlink (the folder's listing says which) is where its folder
    # is: one resolve for the folder, not a resolve per workflow (two per project).
    folder_inside = paths.escapes(folder, root) is None
    needles = [needle.encode() for needle in mentioning]
    # The folder's entries as strings, sorted as their paths would sort (one parent): `devkit
    # run` looks at the 2,000 workflows of a big monorepo, and Paths were most of its cost.
    try:
        with os.scandir(folder) as listing:
            entries = sorted(
                (entry for entry in listing if entry.name.endswith((".yml", ".yaml"))),
                key=lambda entry: entry.name,
            )
    except OSError:  # as glob() does: a folder that cannot be listed holds nothing to read
        return workflows, errors
    for entry in entries:
        plain = folder_inside and not entry.is_symlink()
        # Most workflows of a big monorepo are another project's: a regular file is tested in
        # plain system calls; anything else (a pipe, a folder) by its path, as yamlfile reads.
        regular = plain and entry.is_file(follow_symlinks=False)
        if needles and regular and not _mentions_file(entry.path, needles):
            continue
        path = folder / entry.name
        target = None if plain else paths.escapes(path, root)
        if target is not None:
            # Never read (or quote in a finding) a file elsewhere on this machine; GitHub
            # could not read it either.
            errors.append(
                FileFormatError(
                    path, f"resolves to {target}, outside the monorepo: devkit does not read it"
                )
            )
            continue
        if needles and not regular and not _mentions(path, needles):
            continue
        try:
            data, source = yamlfile.load_with_source(path, text=True, cache=cache, shelf=shelf)
        except FileFormatError as exc:
            errors.append(exc)
            continue
        if isinstance(data, yamlfile.YamlMap):
            workflows.append(Workflow(path, data, source))
        else:
            errors.append(FileFormatError(path, "expected a mapping at the top level", line=1))
    return workflows, errors


def _mentions(path: Path, needles: Sequence[bytes]) -> bool:
    try:
        data = limits.read_capped(path, limits.YAML.max_bytes)
    except (OSError, FileFormatError):
        return True  # unreadable or too large: yamlfile.load says why
    return any(needle in data for needle in needles)


def _mentions_file(path: str, needles: Sequence[bytes]) -> bool:
    """``_mentions`` for a regular file (no pipe to wait for), in plain system calls."""
    count = limits.YAML.max_bytes + 1
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return True  # yamlfile.load says why
    try:
        # A first read the size of most workflows, without a stat: cheaper than asking the
        # size, and than read(count), which would set aside the whole limit for each file.
        data = os.read(fd, _FIRST_READ)
        if len(data) == _FIRST_READ:
            chunks = [data]
            got = len(data)
            while chunks[-1] and got < count:
                chunks.append(os.read(fd, count - got))
                got += len(chunks[-1])
            data = b"".join(chunks)
    except OSError:
        return True
    finally:
        os.close(fd)
    if len(data) >= count:
        return True  # too large: yamlfile.load says so
    return any(needle in data for needle in needles)


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]…``, or None as soon as a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
