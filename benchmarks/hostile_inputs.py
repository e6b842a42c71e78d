"""The hostile set of benchmarks/hostile.py: one project per kind of bad input, secrets planted.

Each case writes one project folder under `projects/` (and, for the workflow cases, one file in
`.github/workflows/`). The files hide values devkit must never print (`sk_live_…`, a shape no
redaction pattern knows, so only devkit's own masking hides them) and, in files outside the
repo that symlinks point to, markers that show up in the output only if devkit read them.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "h-"  # every hostile project's folder starts with it
CONTROL = f"{PREFIX}control"  # a well-formed project: the baseline per-project figures
DEEP = 5_000  # nesting levels of the deep files
LONG_NAME = 20_000  # characters of the over-long `name:`
HUGE_DEPENDENCIES = 400_000  # the 5 MB file
UNDER_LIMIT = 9_999  # devkit reads at most 10,000 dependencies
OVER_LIMIT = 10_001
DOTENV_VARIABLES = 20_000  # devkit reads at most 10,000
LONG_FOLDER = 300  # characters of the over-long project folder name
# `l0` holds 10 strings, each `l<k+1>` ten aliases of `l<k>`: 10**9 strings once expanded.
LAUGH_LEVELS = 9
LAUGH_WIDTH = 10
SHADOW = Path("/etc/shadow")


@dataclass
class Plants:
    """What the hostile files hide, to look for in every output."""

    secrets: dict[str, str] = field(default_factory=dict)  # value → the case that planted it
    markers: dict[str, str] = field(default_factory=dict)  # marker → the outside file holding it
    # Files a YAML `!!python/object/apply:os.system` would create, were it ever run.
    code_marks: dict[Path, str] = field(default_factory=dict)

    def secret(self, case: str) -> str:
        digest = hashlib.sha256(f"secret {case} {len(self.secrets)}".encode()).hexdigest()
        value = f"sk_live_{digest[:28]}"
        self.secrets[value] = case
        return value

    def marker(self, case: str) -> str:
        digest = hashlib.sha256(f"marker {case} {len(self.markers)}".encode()).hexdigest()
        value = f"outside_marker_{digest[:16]}"
        self.markers[value] = case
        return value


@dataclass(frozen=True)
class Spot:
    """Where one case writes: its project folder (not made yet), the workflows folder and a
    folder outside the repo."""

    name: str
    projects: Path
    workflows: Path
    outside: Path
    plants: Plants

    @property
    def folder(self) -> Path:
        return self.projects / self.name

    def project(self, env_file: str | bytes | None = None, dotenv: bool = True) -> Path:
        """Make the folder with `env_file` as environment.yml (a valid one when None) and,
        unless told not to, a .env holding one planted secret."""
        self.folder.mkdir(parents=True)
        write(
            self.folder / "environment.yml", valid_env(self.name) if env_file is None else env_file
        )
        if dotenv:
            write(self.folder / ".env", secret_dotenv(self.plants, self.name))
        return self.folder

    def outside_file(self, name: str, data: str | bytes) -> Path:
        path = self.outside / self.name / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path, data)
        return path


class Skipped(Exception):
    """This machine cannot hold the case (no FIFOs, no /etc/shadow)."""


# A case's build makes its project and returns the project's name (the folder's, usually).
Build = Callable[[Spot], str]


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    build: Build

    @property
    def project(self) -> str:
        return PREFIX + self.name


CASES: list[Case] = []


def case(name: str, what: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        CASES.append(Case(name, what, build))
        return build

    return register


def write(path: Path, data: str | bytes) -> None:
    # Bytes as given: newline translation would undo the CRLF cases.
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def valid_env(name: str) -> str:
    return (
        f"name: {name}\nchannels:\n  - conda-forge\n"
        "dependencies:\n  - python=3.11\n  - requests>=2.31\n"
    )


def secret_dotenv(plants: Plants, case: str) -> str:
    return f"STRIPE_SECRET_KEY={plants.secret(case)}\nLOG_LEVEL=info\n"


def laughs(mapping: bool) -> str:
    """Anchors `l0`…`l8`, each ten aliases of the one before: a billion values expanded."""
    if mapping:
        first = ", ".join(f"k{i}: lol" for i in range(LAUGH_WIDTH))
        lines = [f"l0: &l0 {{{first}}}"]
    else:
        lines = ["l0: &l0 [" + ", ".join(["lol"] * LAUGH_WIDTH) + "]"]
    for level in range(1, LAUGH_LEVELS):
        if mapping:
            items = ", ".join(f"k{i}: *l{level - 1}" for i in range(LAUGH_WIDTH))
            lines.append(f"l{level}: &l{level} {{{items}}}")
        else:
            lines.append(
                f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * LAUGH_WIDTH) + "]"
            )
    return "\n".join(lines) + "\n"


def deep_flow_map(leaf: str = "x") -> str:
    return "{a: " * DEEP + leaf + "}" * DEEP


def garbage(size: int, seed: str) -> bytes:
    return hashlib.shake_256(seed.encode()).digest(size)


# ---------------------------------------------------------------------------------------------
# environment.yml


@case("control", "a well-formed project (the baseline)")
def _control(spot: Spot) -> str:
    spot.project()
    return spot.name


@case("deep-brackets", f"`dependencies:` then {DEEP:,} `[` and {DEEP:,} `]`")
def _deep_brackets(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\ndependencies: " + "[" * DEEP + "]" * DEEP + "\n")
    return spot.name


@case("deep-block", f"a block list nested {DEEP:,} levels (`- - - …`)")
def _deep_block(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\ndependencies:\n" + "- " * DEEP + "numpy\n")
    return spot.name


@case("deep-map", f"flow mappings nested {DEEP:,} levels")
def _deep_map(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\nvariables: {deep_flow_map()}\n")
    return spot.name


@case("long-name", f"a {LONG_NAME:,}-character `name:`")
def _long_name(spot: Spot) -> str:
    spot.project("name: " + "n" * LONG_NAME + "\ndependencies:\n  - python=3.11\n")
    return spot.name


@case("huge", f"5 MB: {HUGE_DEPENDENCIES:,} dependencies")
def _huge(spot: Spot) -> str:
    deps = "".join(f"  - package-{i}=1.{i}\n" for i in range(HUGE_DEPENDENCIES))
    spot.project(f"name: {spot.name}\ndependencies:\n{deps}")
    return spot.name


@case("deps-under-limit", f"{UNDER_LIMIT:,} dependencies, just under the limit")
def _under(spot: Spot) -> str:
    deps = "".join(f"  - package-{i}>=1.{i}\n" for i in range(UNDER_LIMIT))
    spot.project(f"name: {spot.name}\ndependencies:\n{deps}")
    return spot.name


@case("deps-over-limit", f"{OVER_LIMIT:,} dependencies, just over (pip ones included)")
def _over(spot: Spot) -> str:
    conda = "".join(f"  - package-{i}>=1.{i}\n" for i in range(OVER_LIMIT // 2))
    pip = "".join(f"      - pypkg-{i}=={i}.0\n" for i in range(OVER_LIMIT - OVER_LIMIT // 2))
    spot.project(f"name: {spot.name}\ndependencies:\n{conda}  - pip\n  - pip:\n{pip}")
    return spot.name


@case("many-values", "45,000 `variables:`, near the 50,000-value limit")
def _many_values(spot: Spot) -> str:
    lines = "".join(f"  VAR_{i}: v{i}\n" for i in range(22_500))
    spot.project(f"name: {spot.name}\nvariables:\n{lines}dependencies:\n  - python=3.11\n")
    return spot.name


@case("long-spec", "one 500,000-character dependency (`numpy >=1.0,>=1.0,…`)")
def _long_spec(spot: Spot) -> str:
    spec = "numpy " + ",".join([">=1.0"] * 83_000)
    spot.project(f"name: {spot.name}\ndependencies:\n  - '{spec}'\n")
    return spot.name


@case("merge-keys", "YAML merge keys in `variables:` (`<<: *base`)")
def _merge(spot: Spot) -> str:
    spot.project(
        f"name: {spot.name}\nchannels: [conda-forge]\n"
        "variables:\n  <<: &base {LOG_LEVEL: info, REGION: eu}\n  MODE: dev\n"
        "dependencies:\n  - python=3.11\n"
    )
    return spot.name


@case("merge-keys-top", "`<<: *base` at the top, `base:` an unknown key")
def _merge_top(spot: Spot) -> str:
    text = (
        "base: &base\n  channels: [conda-forge]\n  dependencies: [python=3.11, numpy]\n"
        f"<<: *base\nname: {spot.name}\n"
    )
    spot.project(text)
    return spot.name


@case("merge-self", "a mapping that merges itself")
def _merge_self(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\nvariables: &v\n  A: '1'\n  <<: *v\n")
    return spot.name


@case("unknown-keys", "`dependecies:` and other unknown keys")
def _unknown(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\nchanels: [conda-forge]\ndependecies:\n  - python=3.11\n")
    return spot.name


@case("comment-selectors", "conda-lock comment selectors (`# [linux]`)")
def _selectors(spot: Spot) -> str:
    spot.project(
        f"name: {spot.name}\ndependencies:\n  - python=3.11\n"
        "  - pywin32  # [win]\n  - libgcc-ng  # [linux64]\n  - appnope  # [osx and not arm64]\n"
    )
    return spot.name


@case("yaml11-scalars", "`name: yes`, `variables: {DEBUG: on, MODE: 0755}`, `python=3.10`")
def _yaml11(spot: Spot) -> str:
    spot.project(
        "name: yes\nvariables: {DEBUG: on, MODE: 0755, WHEN: 1:30, V: 1.10}\n"
        "dependencies:\n  - python=3.10\n  - no\n"
    )
    return spot.name


@case("binary", "64 KiB of random bytes")
def _binary(spot: Spot) -> str:
    spot.project(garbage(64 * 1024, spot.name))
    return spot.name


@case("empty", "an empty file")
def _empty(spot: Spot) -> str:
    spot.project("")
    return spot.name


@case("comments-only", "nothing but a comment")
def _comments(spot: Spot) -> str:
    spot.project("# nothing here yet\n")
    return spot.name


@case("top-list", "a list, not a mapping")
def _top_list(spot: Spot) -> str:
    spot.project("- python=3.11\n- numpy\n")
    return spot.name


@case("top-scalar", "a plain string")
def _top_scalar(spot: Spot) -> str:
    spot.project("just some text\n")
    return spot.name


@case("multi-document", "two YAML documents")
def _multi(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\n---\nname: other\ndependencies: [numpy]\n")
    return spot.name


@case("duplicate-keys", "`dependencies:` twice")
def _duplicate(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\ndependencies: [numpy]\ndependencies: [pandas]\n")
    return spot.name


@case("unterminated", "an unclosed `[` and an unclosed quote")
def _unterminated(spot: Spot) -> str:
    spot.project(f"name: '{spot.name}\ndependencies: [numpy\n")
    return spot.name


@case("billion-laughs", "nested aliases: 10⁹ strings once expanded")
def _laughs(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\n{laughs(False)}dependencies: *l{LAUGH_LEVELS - 1}\n")
    return spot.name


@case("billion-laughs-map", "nested aliases of mappings under `variables:`")
def _laughs_map(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\n{laughs(True)}variables: *l{LAUGH_LEVELS - 1}\n")
    return spot.name


@case("recursive-alias", "a list that contains itself (`&d [numpy, *d]`)")
def _recursive(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\ndependencies: &d [python=3.11, *d]\n")
    return spot.name


@case("python-tag", "`!!python/object/apply:os.system` (must never run)")
def _python_tag(spot: Spot) -> str:
    mark = spot.outside / f"{spot.name}-ran"
    spot.plants.code_marks[mark] = spot.name
    spot.project(
        f"name: {spot.name}\n"
        f'dependencies: !!python/object/apply:os.system ["touch {mark}"]\n'
        f'variables: {{X: !!python/object/apply:os.system ["touch {mark}"]}}\n'
    )
    return spot.name


@case("non-utf8", "Latin-1 bytes (`café`)")
def _latin1(spot: Spot) -> str:
    spot.project(
        "name: caf\xe9\ndependencies:\n  - python=3.11  # r\xe9sum\xe9\n".encode("latin-1")
    )
    return spot.name


@case("utf16", "UTF-16 with a byte-order mark")
def _utf16(spot: Spot) -> str:
    spot.project(valid_env(spot.name).encode("utf-16"))
    return spot.name


@case("nul-bytes", "NUL bytes inside values")
def _nul(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\x00x\ndependencies:\n  - nu\x00mpy\n".encode())
    return spot.name


@case("control-byte", "a raw ESC byte (0x1b) in a value, valid UTF-8")
def _control_byte(spot: Spot) -> str:
    spot.project(f"name: {spot.name}\ndependencies:\n  - python=3.11  # \x1b[31m\n")
    return spot.name


@case("crlf", "CRLF line endings")
def _crlf(spot: Spot) -> str:
    spot.project(valid_env(spot.name).replace("\n", "\r\n"))
    return spot.name


@case("name-traversal", "`name: ../../../../tmp/evil` (an env name that climbs)")
def _traversal(spot: Spot) -> str:
    spot.project("name: ../../../../tmp/evil\ndependencies:\n  - python=3.11\n")
    return spot.name


@case("control-chars", "a name with ANSI escapes and a newline")
def _control_chars(spot: Spot) -> str:
    spot.project('name: "\\e[2J\\e[31mred\\nline"\ndependencies:\n  - "\\e]0;title\\a"\n')
    return spot.name


# ---------------------------------------------------------------------------------------------
# Symlinks out of the repo


@case("env-to-shadow", f"environment.yml is a symlink to {SHADOW}")
def _shadow(spot: Spot) -> str:
    if not SHADOW.exists():
        raise Skipped(f"{SHADOW} does not exist here")
    spot.project()
    (spot.folder / "environment.yml").unlink()
    (spot.folder / "environment.yml").symlink_to(SHADOW)
    return spot.name


@case("env-to-outside", "environment.yml is a symlink to a file outside the repo")
def _env_outside(spot: Spot) -> str:
    plants = spot.plants
    target = spot.outside_file(
        "environment.yml",
        f"name: {plants.marker(spot.name)}\ndependencies:\n  - {plants.marker(spot.name)}\n"
        f"variables:\n  API_TOKEN: {plants.secret(spot.name)}\n",
    )
    spot.project()
    (spot.folder / "environment.yml").unlink()
    (spot.folder / "environment.yml").symlink_to(target)
    return spot.name


@case("folder-to-outside", "the project folder is a symlink out of the repo")
def _folder_outside(spot: Spot) -> str:
    plants = spot.plants
    target = spot.outside / spot.name / "project"
    target.mkdir(parents=True)
    write(target / "environment.yml", f"name: {plants.marker(spot.name)}\ndependencies: [x]\n")
    write(target / ".env", f"{plants.marker(spot.name)}={plants.secret(spot.name)}\n")
    spot.projects.mkdir(parents=True, exist_ok=True)
    spot.folder.symlink_to(target, target_is_directory=True)
    return spot.name


@case("dotenv-to-outside", ".env is a symlink to a file outside the repo")
def _dotenv_outside(spot: Spot) -> str:
    plants = spot.plants
    target = spot.outside_file(
        ".env", f"{plants.marker(spot.name)}_TOKEN={plants.secret(spot.name)}\n"
    )
    spot.project(dotenv=False)
    (spot.folder / ".env").symlink_to(target)
    return spot.name


@case("dockerfile-to-outside", "Dockerfile and cloudbuild.yaml are symlinks out of the repo")
def _docker_outside(spot: Spot) -> str:
    plants = spot.plants
    docker = spot.outside_file(
        "Dockerfile",
        f"FROM {plants.marker(spot.name)}:latest\nARG API_TOKEN={plants.secret(spot.name)}\n",
    )
    cloudbuild = spot.outside_file(
        "cloudbuild.yaml",
        f"steps:\n  - name: {plants.marker(spot.name)}\n    args: ['{plants.secret(spot.name)}']\n",
    )
    spot.project()
    (spot.folder / "Dockerfile").symlink_to(docker)
    (spot.folder / "cloudbuild.yaml").symlink_to(cloudbuild)
    return spot.name


@case("env-dangling", "environment.yml is a dangling symlink")
def _dangling(spot: Spot) -> str:
    spot.project()
    (spot.folder / "environment.yml").unlink()
    (spot.folder / "environment.yml").symlink_to(spot.outside / "no-such-file.yml")
    return spot.name


# ---------------------------------------------------------------------------------------------
# .env


@case("dotenv-20000", f"a .env with {DOTENV_VARIABLES:,} variables")
def _dotenv_many(spot: Spot) -> str:
    spot.project(dotenv=False)
    lines = [secret_dotenv(spot.plants, spot.name)]
    lines += [f"VAR_{i}=value-{i}\n" for i in range(DOTENV_VARIABLES)]
    lines.append(f"LAST_API_KEY={spot.plants.secret(spot.name)}\n")
    write(spot.folder / ".env", "".join(lines))
    return spot.name


@case("dotenv-doubling", "a .env whose `${A}${A}` lines double a value 40 times")
def _dotenv_doubling(spot: Spot) -> str:
    spot.project(dotenv=False)
    lines = [f"V0_SECRET={spot.plants.secret(spot.name)}\n"]
    lines += [f"V{i}_SECRET=${{V{i - 1}_SECRET}}${{V{i - 1}_SECRET}}\n" for i in range(1, 41)]
    write(spot.folder / ".env", "".join(lines))
    return spot.name


@case("dotenv-fifo", "a .env that is a FIFO with no writer")
def _dotenv_fifo(spot: Spot) -> str:
    if not hasattr(os, "mkfifo"):
        raise Skipped("no FIFOs on this system")
    spot.project(dotenv=False)
    os.mkfifo(spot.folder / ".env")
    return spot.name


@case("dotenv-directory", "a directory named .env")
def _dotenv_dir(spot: Spot) -> str:
    spot.project(dotenv=False)
    (spot.folder / ".env").mkdir()
    write(spot.folder / ".env" / "inner", secret_dotenv(spot.plants, spot.name))
    return spot.name


@case("dotenv-2mb", "a 2 MB .env")
def _dotenv_big(spot: Spot) -> str:
    spot.project(dotenv=False)
    filler = "".join(f"FILLER_{i}={'x' * 90}\n" for i in range(20_000))
    write(spot.folder / ".env", secret_dotenv(spot.plants, spot.name) + filler)
    return spot.name


@case("dotenv-long-value", "one 200 KB secret value")
def _dotenv_long(spot: Spot) -> str:
    spot.project(dotenv=False)
    value = spot.plants.secret(spot.name) + "x" * 200_000
    write(spot.folder / ".env", f"API_TOKEN={value}\n")
    return spot.name


@case("dotenv-bad-lines", "malformed lines holding secrets (no `=`, open quotes)")
def _dotenv_bad(spot: Spot) -> str:
    spot.project(dotenv=False)
    plants = spot.plants
    write(
        spot.folder / ".env",
        f"STRIPE_SECRET_KEY {plants.secret(spot.name)}\n"
        f"DB_PASSWORD='{plants.secret(spot.name)}\n"
        f"{plants.secret(spot.name)}\n"
        f"export = {plants.secret(spot.name)}\n",
    )
    return spot.name


@case("dotenv-nul", "a secret value holding a NUL byte")
def _dotenv_nul(spot: Spot) -> str:
    spot.project(dotenv=False)
    write(spot.folder / ".env", f"API_TOKEN={spot.plants.secret(spot.name)}\x00tail\n")
    return spot.name


@case("dotenv-non-utf8", "a Latin-1 .env holding a secret")
def _dotenv_latin1(spot: Spot) -> str:
    spot.project(dotenv=False)
    text = f"API_TOKEN={spot.plants.secret(spot.name)}\nGREETING=caf\xe9\n"
    write(spot.folder / ".env", text.encode("latin-1"))
    return spot.name


@case("dotenv-crlf", "a CRLF .env")
def _dotenv_crlf(spot: Spot) -> str:
    spot.project(dotenv=False)
    write(spot.folder / ".env", secret_dotenv(spot.plants, spot.name).replace("\n", "\r\n"))
    return spot.name


# ---------------------------------------------------------------------------------------------
# Workflows and other project files


def workflow(spot: Spot, data: str | bytes) -> None:
    spot.project()
    write(spot.workflows / f"{spot.name}-checks.yml", data)


def workflow_head(spot: Spot) -> str:
    return f"name: {spot.name}-checks\non:\n  push:\n    paths: ['projects/{spot.name}/**']\n"


@case("workflow-deep", f"a workflow nested {DEEP:,} levels")
def _workflow_deep(spot: Spot) -> str:
    workflow(spot, workflow_head(spot) + f"jobs: {deep_flow_map()}\n")
    return spot.name


@case("workflow-laughs", "a workflow whose `jobs:` expand to a billion mappings")
def _workflow_laughs(spot: Spot) -> str:
    workflow(spot, workflow_head(spot) + laughs(True) + f"jobs: *l{LAUGH_LEVELS - 1}\n")
    return spot.name


@case("workflow-binary", "a workflow of random bytes")
def _workflow_binary(spot: Spot) -> str:
    workflow(spot, garbage(64 * 1024, spot.name))
    return spot.name


@case("workflow-nul", "a workflow holding a NUL byte (valid UTF-8)")
def _workflow_nul(spot: Spot) -> str:
    workflow(spot, workflow_head(spot) + "jobs:\n  test:\n    runs-on: ubuntu-\x00latest\n")
    return spot.name


@case("workflow-5mb", "a 5 MB workflow")
def _workflow_big(spot: Spot) -> str:
    steps = "".join(f"      - run: echo {i}\n" for i in range(250_000))
    workflow(spot, workflow_head(spot) + f"jobs:\n  test:\n    steps:\n{steps}")
    return spot.name


@case("workflow-to-outside", "a workflow that is a symlink out of the repo")
def _workflow_outside(spot: Spot) -> str:
    plants = spot.plants
    target = spot.outside_file(
        "workflow.yml",
        workflow_head(spot)
        + f"jobs:\n  {plants.marker(spot.name)}:\n    env:\n"
        + f"      API_TOKEN: {plants.secret(spot.name)}\n",
    )
    spot.project()
    (spot.workflows / f"{spot.name}-checks.yml").symlink_to(target)
    return spot.name


@case("cloudbuild-laughs", "cloudbuild.yaml whose steps expand to a billion values")
def _cloudbuild_laughs(spot: Spot) -> str:
    spot.project()
    write(spot.folder / "cloudbuild.yaml", laughs(False) + f"steps: *l{LAUGH_LEVELS - 1}\n")
    return spot.name


@case("cloudbuild-nul", "cloudbuild.yaml holding a NUL byte (valid UTF-8)")
def _cloudbuild_nul(spot: Spot) -> str:
    spot.project()
    write(spot.folder / "cloudbuild.yaml", "steps:\n  - name: gcr.io/cloud-builders/\x00docker\n")
    return spot.name


@case("files-binary", "Dockerfile, entrypoint.sh and cloudbuild.yaml of random bytes")
def _files_binary(spot: Spot) -> str:
    spot.project()
    for name in ("Dockerfile", "entrypoint.sh", "cloudbuild.yaml"):
        write(spot.folder / name, garbage(32 * 1024, spot.name + name))
    (spot.folder / "entrypoint.sh").chmod(0o755)
    return spot.name


# ---------------------------------------------------------------------------------------------
# Project folders


@case("long-folder", f"a {LONG_FOLDER}-character folder name (the longest allowed if not)")
def _long_folder(spot: Spot) -> str:
    for length in (LONG_FOLDER, os.pathconf(spot.projects, "PC_NAME_MAX")):
        name = spot.name + "-" + "x" * (length - len(spot.name) - 1)
        try:
            (spot.projects / name).mkdir()
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise
            continue
        (spot.projects / name).rmdir()
        Spot(name, spot.projects, spot.workflows, spot.outside, spot.plants).project()
        return name
    raise Skipped("the filesystem refuses even NAME_MAX characters")


@case("odd-folder", "a folder name with a newline, a tab and an ANSI escape")
def _odd_folder(spot: Spot) -> str:
    name = f"{spot.name}\nnew\tline\x1b[31m"
    Spot(name, spot.projects, spot.workflows, spot.outside, spot.plants).project()
    return name


def build_cases(
    projects: Path, workflows: Path, outside: Path, only: Collection[str] = ()
) -> tuple[dict[str, str], dict[str, str], Plants]:
    """Write every case (those named in `only`, and the control, when given); return
    (case → project name made, case → why skipped, the plants)."""
    plants = Plants()
    made: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for hostile in CASES:
        if only and hostile.name not in only and hostile.project != CONTROL:
            continue
        spot = Spot(hostile.project, projects, workflows, outside, plants)
        try:
            made[hostile.name] = hostile.build(spot)
        except Skipped as exc:
            skipped[hostile.name] = str(exc)
            shutil.rmtree(spot.folder, ignore_errors=True)
    return made, skipped, plants
