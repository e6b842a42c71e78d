"""Run devkit on hostile input: `ls` and `doctor` on a monorepo of pathological projects.

The monorepo (in a temp dir) holds one project per environment file of `--corpus DIR` (real
files, optional; `--workflows DIR` copies a folder of real workflows into `.github/workflows/`)
and the hostile set of benchmarks/hostile_inputs.py: one project per kind of bad input (5,000
nested brackets, a 20,000-character name, a 5 MB file of 400,000 dependencies, 9,999 of them,
merge keys, unknown keys, YAML 1.1 scalars, billion laughs, binary garbage, symlinks out of the
repo, a .env of 20,000 variables, one whose `${A}${A}` lines double, one that is a FIFO, deep
and huge workflows, …) and a well-formed control project. It is committed and pushed to a bare
origin, as a clone would be.

Each command runs as a whole process in an isolated home (HOME, XDG_*, DEVKIT_HOME,
MAMBA_ROOT_PREFIX, CONDARC and git config under the temp dir; the test world's micromamba
stand-in on PATH), with a timeout, in this order: `devkit doctor --json --check env.spec P` per
hostile project; the control project's `devkit doctor --no-drift --json` with every hostile file
in place (what one bad project costs the others); `devkit doctor --no-drift --json P` per hostile
project; `devkit doctor --json <a 300-character name>`; on the whole repo `devkit ls --json` and
`devkit doctor --no-drift --json`. A project whose run timed out is moved out of the repo before
the next step (its hang is reported; it would only hang the later runs too).

Per run it prints wall time, peak RSS (from wait4: devkit and the children it waited for), the
exit code, what doctor found, whether devkit crashed (exit 3, "devkit crashed", a traceback,
a signal, a check that crashed), hung (timed out), leaked a secret planted in the hostile files
(`sk_live_…` values, /etc/shadow lines) or read a file outside the repo (markers planted there).
Prints figures, asserts nothing:

    .venv/bin/python benchmarks/hostile.py
    .venv/bin/python benchmarks/hostile.py --corpus DIR --workflows DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from harness import (
    devkit_exe,
    isolated_env,
    json_report,
    positive_int,
    print_report,
    scratch_dir,
    write_git_config,
)
from hostile_inputs import CASES, LONG_FOLDER, PREFIX, Plants, build_cases
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tests.support.world import build_world

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_REPO_TIMEOUT_S = 600.0
JSON_SCHEMA_VERSION = 1
CONTROL_CASE = "control"
WHAT = {c.name: c.what for c in CASES}
EXIT_INTERNAL = 3  # devkit's exit code for its own bugs
ENV_FILE_SUFFIXES = (".yml", ".yaml")
WORKFLOW_SUFFIXES = (".yml", ".yaml")
FINDING_WIDTH = 90
# A line of /etc/shadow: name, hash, then the day of the last change and the ageing fields.
SHADOW_LINE = re.compile(rb"\b[a-z_][a-z0-9_-]*:[^:\s]*:\d{4,5}:\d*:\d*:\d*:")
TRACEBACK = "Traceback (most recent call last)"
CHECK_CRASHED = "the check crashed"
ERROR_STARTS = ("error:", "devkit crashed")
SLUG = re.compile(r"[^A-Za-z0-9._-]+")
# ru_maxrss is in KiB on Linux, in bytes on macOS.
RSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class Run:
    """One whole-process run and what its output showed."""

    command: str  # "ls", "doctor", "spec" (env.spec of one project), "project", "usage"
    project: str | None
    argv: tuple[str, ...]
    wall_ms: float
    rss_mib: float
    exit_code: int | None  # None: timed out (hung)
    finding: str
    # The project's own warnings and failures ("fail env.spec: …"), crashes left out: results
    # for it, and repo-wide ones naming it (a workflow of its own that does not parse).
    said: tuple[str, ...]
    # Why the run counts as a crash: (what devkit said, the checks that said it), one per
    # distinct message; no checks when the whole process crashed.
    crashes: tuple[tuple[str, tuple[str, ...]], ...]
    leaks: tuple[str, ...]  # the cases whose planted secrets showed in stdout or stderr
    outside: tuple[str, ...]  # the cases whose outside-the-repo markers showed
    stdout_tail: str
    stderr_tail: str

    @property
    def hung(self) -> bool:
        return self.exit_code is None


# ---------------------------------------------------------------------------------------------
# The monorepo.


def slug(text: str, most: int = 60) -> str:
    return SLUG.sub("-", text).strip("-.")[:most] or "file"


def add_corpus(projects: Path, corpus: Path) -> list[str]:
    """One project per environment file of `corpus`, its bytes as written; their names."""
    names: list[str] = []
    files = sorted(p for p in corpus.iterdir() if p.suffix in ENV_FILE_SUFFIXES and p.is_file())
    for index, path in enumerate(files, start=1):
        stem = path.name.split("__", 1)[-1].rsplit(".", 1)[0]
        name = f"corpus-{index:03d}-{slug(stem)}"
        (projects / name).mkdir(parents=True)
        shutil.copyfile(path, projects / name / "environment.yml")
        names.append(name)
    return names


def add_workflows(workflows: Path, source: Path) -> int:
    files = sorted(p for p in source.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file())
    for path in files:
        shutil.copyfile(path, workflows / f"corpus-{slug(path.stem, 120)}{path.suffix}")
    return len(files)


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def commit_and_push(repo: Path, env: dict[str, str]) -> None:
    origin = repo.parent / f"{repo.name}-origin.git"
    git(repo.parent, env, "init", "-q", "--bare", "-b", "main", str(origin))
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("commit", "-q", "-m", "hostile monorepo"),
        ("remote", "add", "origin", str(origin)),
        ("push", "-q", "-u", "origin", "main"),
    ):
        git(repo, env, *args)


# ---------------------------------------------------------------------------------------------
# Running.


def run_process(
    argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float
) -> tuple[float, float, int | None, bytes, bytes]:
    """Run `argv` in its own session: (wall ms, peak RSS MiB, exit code or None, out, err).

    wait4 gives the child's own peak RSS (max over it and the children it reaped), where
    RUSAGE_CHILDREN would give the peak of every child so far. Output goes to files, so a
    huge one cannot fill a pipe; on timeout the whole session is killed.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        reaped: list[tuple[float, int, resource.struct_rusage]] = []

        def reap() -> None:
            _, status, usage = os.wait4(child.pid, 0)
            reaped.append((time.perf_counter(), status, usage))

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        try:
            waiter.join(timeout)
        finally:
            # On timeout, and on Ctrl-C or SIGTERM here: kill the session (devkit and what it
            # started); once it is reaped, whatever it left running there.
            hung = waiter.is_alive()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            waiter.join()
        end, status, usage = reaped[0]
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        code = None if hung else child.returncode
        rss = usage.ru_maxrss * RSS_UNIT / (1024 * 1024)
        return (end - start) * 1000.0, rss, code, out.read(), err.read()


def crashes_of(
    code: int | None, stdout: str, stderr: str, document: object
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Why this run counts as devkit crashing: each distinct message and the checks behind it."""
    if code is None:
        return ()
    if code < 0:
        return ((f"killed by signal {-code}", ()),)
    for line in stderr.splitlines():
        if line.startswith("devkit crashed"):
            return ((line, ()),)
    if code == EXIT_INTERNAL:
        return ((f"exit {EXIT_INTERNAL}", ()),)
    if TRACEBACK in stderr or TRACEBACK in stdout:
        return (("a traceback in the output", ()),)
    checks: dict[str, set[str]] = {}
    if isinstance(document, dict):
        for result in document.get("results") or []:
            message = str(result.get("message", ""))
            if message.startswith(CHECK_CRASHED):
                said = message.splitlines()[0].removeprefix(CHECK_CRASHED).strip(": ")
                checks.setdefault(said, set()).add(str(result.get("id")))
    return tuple((said, tuple(sorted(ids))) for said, ids in sorted(checks.items()))


def devkit_said(stderr: str) -> str:
    """devkit's error on stderr, in one line: from its first `error:` or `devkit crashed` line
    (the warnings before it are about other projects)."""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(ERROR_STARTS)]
    return " ".join(" ".join(lines[starts[0] :]).split()) if starts else ""


def said_about(project: str | None, document: object, repo: Path) -> tuple[str, ...]:
    """The project's warnings and failures, crashes left out, as `status id: message`."""
    if project is None or not isinstance(document, dict):
        return ()
    found: list[str] = []
    for result in document.get("results") or []:
        message = str(result.get("message", ""))
        if result.get("status") not in ("fail", "warn") or message.startswith(CHECK_CRASHED):
            continue
        if result.get("project") is None:
            # A repo-wide result lists every file in one message: keep the parts naming P.
            message = "; ".join(part for part in message.split("; ") if project in part)
        elif result.get("project") != project:
            continue
        if message:
            message = message.replace(f"{repo}/projects/{project}/", "").replace(str(repo), "REPO")
            found.append(f"{result.get('status')} {result.get('id')}: {message}")
    return tuple(found)


def finding_of(command: str, project: str | None, document: object, stderr: str) -> str:
    """What the run said, in one line: doctor's summary, env.spec's verdict, ls's states."""
    if not isinstance(document, dict):
        return devkit_said(stderr) or "no JSON on stdout"
    if command == "ls":
        projects = document.get("projects") or []
        states = [str(p.get("env")) for p in projects]
        counts = ", ".join(f"{s} {states.count(s)}" for s in sorted(set(states)))
        return f"{len(projects)} projects: {counts}"
    summary = document.get("summary") or {}
    counts = "/".join(str(summary.get(k, 0)) for k in ("ok", "warn", "fail", "skip"))
    if command == "spec":
        for result in document.get("results") or []:
            if result.get("id") == "env.spec" and result.get("project") == project:
                return f"{result.get('status')}: {result.get('message')}"
        return f"no env.spec result ({counts})"
    return f"ok/warn/fail/skip {counts}"


def run_devkit(
    command: str,
    project: str | None,
    args: Sequence[str],
    repo: Path,
    env: dict[str, str],
    timeout: float,
    plants: Plants,
) -> Run:
    argv = (str(devkit_exe()), "--root", str(repo), *args)
    wall, rss, code, out, err = run_process(argv, env, repo.parent, timeout)
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    try:
        document: object = json.loads(stdout)
    except ValueError:
        document = None
    leaks = [case for value, case in plants.secrets.items() if value.encode() in out + err]
    if SHADOW_LINE.search(out + err):
        leaks.append("/etc/shadow")
    outside = [case for value, case in plants.markers.items() if value.encode() in out + err]
    finding = "timed out" if code is None else finding_of(command, project, document, stderr)
    if project is not None:
        finding = finding.replace(f"{repo}/projects/{project}/", "")
    finding = finding.replace(str(repo), "REPO")
    return Run(
        command=command,
        project=project,
        argv=tuple(args),
        wall_ms=wall,
        rss_mib=rss,
        exit_code=code,
        finding=finding,
        said=said_about(project, document, repo),
        crashes=crashes_of(code, stdout, stderr, document),
        leaks=tuple(sorted(set(leaks))),
        outside=tuple(sorted(set(outside))),
        stdout_tail=stdout[-2000:],
        stderr_tail=stderr[-2000:],
    )


# ---------------------------------------------------------------------------------------------
# Figures.


def problems(run: Run) -> str:
    found = []
    if run.hung:
        found.append("HANG")
    if run.crashes:
        found.append("CRASH")
    if run.leaks:
        found.append("LEAK " + ", ".join(run.leaks))
    if run.outside:
        found.append("READ OUTSIDE " + ", ".join(run.outside))
    return "; ".join(found) or "—"


def shorten(text: str, width: int = FINDING_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def exit_text(run: Run) -> str:
    return "timeout" if run.exit_code is None else str(run.exit_code)


def shown(name: str | None) -> str:
    return escape(repr(name)[1:-1][:48]) if name else "—"


def ms_text(run: Run | None) -> str:
    if run is None:
        return "—"
    return "timeout" if run.hung else f"{run.wall_ms:.0f}"


def verdict(spec: Run | None, full: Run | None, usual: set[str]) -> str:
    """What devkit said of the project: env.spec's verdict unless it is ok, else the first of
    the project's own findings the control project does not have."""
    if spec is not None and not spec.finding.startswith("ok:"):
        return spec.finding
    for note in full.said if full is not None else ():
        if note.split(":", 1)[0] not in usual:
            return note
    return spec.finding if spec is not None else ""


def render(runs: Sequence[Run], cases: dict[str, str], timeout: float) -> list[Table]:
    whole = Table(title="whole processes: the whole repo, and single runs")
    for column in ("command", "wall ms", "peak MiB", "exit"):
        whole.add_column(column, justify="right")
    whole.add_column("found")
    whole.add_column("problems")
    labels = {
        "ls": "ls --json",
        "doctor": "doctor --no-drift --json",
        "control": "doctor control, every hostile file in place",
        "usage": f"doctor <{LONG_FOLDER}-char name>",
    }
    for run in runs:
        if run.command in labels:
            whole.add_row(
                labels[run.command],
                ms_text(run),
                f"{run.rss_mib:.0f}",
                exit_text(run),
                escape(shorten(run.finding, 60)),
                escape(problems(run)),
            )
    per = Table(title=f"per hostile project P (timeout {timeout:g} s each)")
    per.add_column("case")
    per.add_column("env.spec ms", justify="right")
    per.add_column("doctor P ms", justify="right")
    per.add_column("peak MiB", justify="right")
    per.add_column("exit", justify="right")
    per.add_column("what devkit said of it")
    per.add_column("problems")
    by = {(r.command, r.project): r for r in runs}
    control = by.get(("project", cases.get(CONTROL_CASE)))
    usual = {note.split(":", 1)[0] for note in control.said} if control is not None else set()
    for name, project in cases.items():
        spec, full = by.get(("spec", project)), by.get(("project", project))
        done = [r for r in (spec, full) if r is not None]
        if not done:
            continue
        found = "; ".join(dict.fromkeys(problems(r) for r in done if problems(r) != "—"))
        per.add_row(
            f"{escape(name)}\n[dim]{escape(WHAT.get(name, ''))}[/]",
            ms_text(spec),
            ms_text(full) if full is not None else "moved out",
            f"{max(r.rss_mib for r in done):.0f}",
            "/".join(exit_text(r) for r in done),
            escape(shorten(verdict(spec, full, usual), 70)),
            escape(found or "—"),
        )
    return [whole, per]


def summary(runs: Sequence[Run], cases: dict[str, str]) -> dict[str, object]:
    doctor = next((r for r in runs if r.command == "doctor"), None)
    ls = next((r for r in runs if r.command == "ls"), None)
    names = {project: name for name, project in cases.items()}
    full = [r for r in runs if r.command == "project" and not r.hung]
    spec = [r for r in runs if r.command == "spec" and not r.hung]
    slowest = max(full, key=lambda r: r.wall_ms, default=None)
    slowest_spec = max(spec, key=lambda r: r.wall_ms, default=None)
    control = next((r for r in full if names.get(r.project or "") == "control"), None)
    return {
        "doctor_whole_repo_ms": None if doctor is None or doctor.hung else doctor.wall_ms,
        "doctor_whole_repo_peak_mib": None if doctor is None else doctor.rss_mib,
        "ls_whole_repo_ms": None if ls is None or ls.hung else ls.wall_ms,
        "slowest_project": None
        if slowest is None
        else {
            "case": names.get(slowest.project or "", slowest.project),
            "wall_ms": slowest.wall_ms,
        },
        "slowest_env_spec": None
        if slowest_spec is None
        else {
            "case": names.get(slowest_spec.project or "", slowest_spec.project),
            "wall_ms": slowest_spec.wall_ms,
        },
        "control_project_ms": None if control is None else control.wall_ms,
        "median_project_ms": statistics.median(r.wall_ms for r in full) if full else None,
        "peak_mib": max((r.rss_mib for r in runs), default=0.0),
        "crashes": sum(1 for r in runs if r.crashes),
        "distinct_crashes": len({said for r in runs for said, _ in r.crashes}),
        "hangs": sum(1 for r in runs if r.hung),
        "leaks": sum(1 for r in runs if r.leaks),
        "outside_reads": sum(1 for r in runs if r.outside),
    }


def summary_table(figures: dict[str, object], code_ran: Sequence[str]) -> Table:
    table = Table(title="summary")
    table.add_column("figure")
    table.add_column("value", justify="right")

    def ms(value: object) -> str:
        return "—" if not isinstance(value, float) else f"{value:.0f} ms"

    def named(value: object) -> str:
        if not isinstance(value, dict):
            return "—"
        return f"{value['case']}, {value['wall_ms']:.0f} ms"

    table.add_row("devkit doctor --no-drift on the whole repo", ms(figures["doctor_whole_repo_ms"]))
    table.add_row("devkit ls --json on the whole repo", ms(figures["ls_whole_repo_ms"]))
    table.add_row("slowest project (doctor --no-drift P)", named(figures["slowest_project"]))
    table.add_row(
        "slowest env.spec (doctor --check env.spec P)", named(figures["slowest_env_spec"])
    )
    table.add_row("control project (doctor --no-drift P)", ms(figures["control_project_ms"]))
    table.add_row("median project (doctor --no-drift P)", ms(figures["median_project_ms"]))
    table.add_row("highest peak RSS of any run", f"{figures['peak_mib']:.0f} MiB")
    for key, label in (
        ("crashes", "runs that crashed (should be 0)"),
        ("distinct_crashes", "distinct crash messages (should be 0)"),
        ("hangs", "runs that timed out (should be 0)"),
        ("leaks", "runs that printed a planted secret (should be 0)"),
        ("outside_reads", "runs that showed a file outside the repo (should be 0)"),
    ):
        table.add_row(label, str(figures[key]))
    table.add_row("YAML tags that ran code (should be none)", ", ".join(code_ran) or "none")
    return table


def problem_notes(runs: Sequence[Run], repo: Path) -> list[str]:
    """Each distinct crash, hang, leak or outside read: the command of its first run, how many
    runs showed it, and what devkit said."""
    found: dict[tuple[str, str], list[Run]] = {}
    checks: dict[str, set[str]] = {}
    for run in runs:
        for said, ids in run.crashes:
            found.setdefault(("crash", said), []).append(run)
            checks.setdefault(said, set()).update(ids)
        if run.hung:
            found.setdefault(("hang", f"{run.command} {run.project}"), []).append(run)
        if run.leaks:
            found.setdefault(("leak", ", ".join(run.leaks)), []).append(run)
        if run.outside:
            found.setdefault(("read outside", ", ".join(run.outside)), []).append(run)
    notes: list[str] = []
    for (kind, what), those in found.items():
        run = those[0]
        command = "devkit --root REPO " + " ".join(shown(a) for a in run.argv)
        runs_text = f"{len(those)} runs, first" if len(those) > 1 else "1 run"
        notes.append(f"\n{kind.upper()} ({runs_text}): {command}")
        if kind == "crash":
            notes.append(f"  said: {escape(shorten(what, 300))}")
            if checks[what]:
                notes.append(f"  checks: {escape(', '.join(sorted(checks[what])))}")
        elif kind != "hang":
            notes.append(f"  planted by: {escape(what)}")
        said = devkit_said(run.stderr_tail).replace(str(repo), "REPO")
        if said:
            notes.append("  stderr: " + escape(shorten(said, 300)))
    return notes


def case_names(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in WHAT]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown cases {', '.join(unknown)}; known: {', '.join(WHAT)}"
        )
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, help="a folder of real environment.yml files")
    parser.add_argument("--workflows", type=Path, help="a folder of real workflow files")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds one per-project run may take",
    )
    parser.add_argument(
        "--repo-timeout",
        type=float,
        default=DEFAULT_REPO_TIMEOUT_S,
        help="seconds one whole-repo run may take",
    )
    parser.add_argument(
        "--runs", type=positive_int, default=1, help="runs of each whole-repo command (median)"
    )
    parser.add_argument(
        "--corpus-each", action="store_true", help="also run env.spec on each corpus project"
    )
    parser.add_argument(
        "--cases",
        type=case_names,
        default=(),
        help="only these hostile cases, comma-separated (the control always runs)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (path on stderr)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    for folder in (args.corpus, args.workflows):
        if folder is not None and not folder.is_dir():
            parser.error(f"{folder} is not a folder")
    return args


def median_run(runs: Sequence[Run]) -> Run:
    """The run of median wall time (the slower one of the middle two)."""
    ordered = sorted(runs, key=lambda r: r.wall_ms)
    return ordered[len(ordered) // 2]


@dataclass(frozen=True)
class Monorepo:
    """The generated repo and what it holds."""

    repo: Path
    corpus: tuple[str, ...]  # corpus project names
    corpus_workflows: int
    cases: dict[str, str]  # hostile case → its project's name
    skipped: dict[str, str]  # hostile case → why this machine cannot hold it
    plants: Plants

    @property
    def projects(self) -> Path:
        return self.repo / "projects"


def build_monorepo(base: Path, args: argparse.Namespace, env: dict[str, str]) -> Monorepo:
    repo = base / "repo"
    projects, workflows, outside = (
        repo / "projects",
        repo / ".github" / "workflows",
        base / "outside",
    )
    for folder in (projects, workflows, outside):
        folder.mkdir(parents=True)
    (repo / ".gitignore").write_text("# Real secrets live in each project's .env.\n.env\n")
    (repo / "README.md").write_text("# Monorepo\n\nHostile input for devkit.\n")
    corpus = add_corpus(projects, args.corpus) if args.corpus else []
    corpus_workflows = add_workflows(workflows, args.workflows) if args.workflows else 0
    cases, skipped, plants = build_cases(projects, workflows, outside, args.cases)
    commit_and_push(repo, env)
    return Monorepo(repo, tuple(corpus), corpus_workflows, cases, skipped, plants)


class Runner:
    """Runs devkit on the monorepo, keeping every run, and moves hung projects out of it."""

    def __init__(self, mono: Monorepo, env: dict[str, str], args: argparse.Namespace) -> None:
        self.mono = mono
        self.env = env
        self.args = args
        self.runs: list[Run] = []
        self.moved: list[str] = []
        self.console = Console(stderr=True)
        self.quarantine = mono.repo.parent / "quarantine"

    def run(self, command: str, project: str | None, args: Sequence[str], timeout: float) -> Run:
        done = run_devkit(
            command, project, args, self.mono.repo, self.env, timeout, self.mono.plants
        )
        self.runs.append(done)
        return done

    def each(self, command: str, projects: Sequence[str], args: Sequence[str]) -> None:
        """Run `devkit ARGS PROJECT` for each project, one at a time."""
        names = {project: name for name, project in self.mono.cases.items()}
        for index, project in enumerate(projects, start=1):
            label = names.get(project, project)
            with self.console.status(f"{command} {index}/{len(projects)}: {shown(label)}…"):
                done = self.run(command, project, (*args, project), self.args.timeout)
            if problems(done) != "—":
                self.console.print(f"{command} {shown(label)}: {problems(done)}", highlight=False)

    def move_out_hung(self) -> None:
        """Move the hostile projects that hung out of the repo: they would hang every later run."""
        self.quarantine.mkdir(exist_ok=True)
        for run in self.runs:
            project = run.project
            if run.hung and project in self.mono.cases.values() and project not in self.moved:
                assert project is not None
                (self.mono.projects / project).rename(self.quarantine / str(len(self.moved)))
                self.moved.append(project)

    def whole_repo(self, command: str, args: Sequence[str]) -> None:
        with self.console.status(f"whole repo: devkit {command}…"):
            repeats = [
                run_devkit(
                    command,
                    None,
                    args,
                    self.mono.repo,
                    self.env,
                    self.args.repo_timeout,
                    self.mono.plants,
                )
                for _ in range(self.args.runs)
            ]
        self.runs.append(median_run(repeats))
        self.console.print(
            f"whole repo, {command}: {self.runs[-1].wall_ms:.0f} ms", highlight=False
        )


def run_all(runner: Runner) -> None:
    """Every run, in an order that keeps one hung project from hanging the rest."""
    mono = runner.mono
    hostile = list(mono.cases.values())
    spec = ("doctor", "--json", "--check", "env.spec")
    runner.each("spec", hostile, spec)
    if runner.args.corpus_each:
        runner.each("spec", mono.corpus, spec)
    if CONTROL_CASE in mono.cases:
        # What one hostile project costs everyone else's doctor: the control project's, with
        # every hostile file still in the repo.
        runner.each("control", [mono.cases[CONTROL_CASE]], ("doctor", "--no-drift", "--json"))
    runner.move_out_hung()
    remaining = [p for p in hostile if p not in runner.moved]
    runner.each("project", remaining, ("doctor", "--no-drift", "--json"))
    runner.move_out_hung()
    too_long = PREFIX + "x" * (LONG_FOLDER - len(PREFIX))
    runner.run("usage", too_long, ("doctor", "--json", too_long), runner.args.timeout)
    runner.whole_repo("ls", ("ls", "--json"))
    runner.whole_repo("doctor", ("doctor", "--no-drift", "--json"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console(stderr=True)
    with scratch_dir("hostile") as base:
        with console.status("building the test world and the monorepo…"):
            world = build_world(base / "world")
            env = isolated_env(base, world, write_git_config(base / "gitconfig"))
            mono = build_monorepo(base, args, env)
        runner = Runner(mono, env, args)
        run_all(runner)
        plants = mono.plants
        code_ran = sorted(case for mark, case in plants.code_marks.items() if mark.exists())
        notes = problem_notes(runner.runs, mono.repo)
        if args.keep:
            kept = base.with_name(base.name + "-kept")
            base.rename(kept)  # the repo's symlinks name paths under `base`
            base.mkdir()
            console.print(f"kept: {kept} (its symlinks out of the repo now dangle)")
    runs, cases = runner.runs, mono.cases
    figures = summary(runs, cases)
    if args.json:
        print(
            json_report(
                JSON_SCHEMA_VERSION,
                corpus_projects=len(mono.corpus),
                corpus_workflows=mono.corpus_workflows,
                hostile_projects=len(cases),
                cases={
                    name: {"project": cases[name], "what": what}
                    for name, what in WHAT.items()
                    if name in cases
                },
                skipped_cases=mono.skipped,
                moved_out=runner.moved,
                timeout_s=args.timeout,
                repo_timeout_s=args.repo_timeout,
                summary=figures,
                code_ran=code_ran,
                runs=[asdict(r) for r in runs],
            )
        )
        return 0
    head = [
        f"devkit: {devkit_exe()} --root REPO …; {len(mono.corpus)} corpus projects, "
        f"{mono.corpus_workflows} corpus workflows, {len(cases)} hostile projects",
    ]
    head += [f"skipped {name}: {why}" for name, why in mono.skipped.items()]
    head += [f"moved out of the repo after hanging: {shown(p)}" for p in runner.moved]
    tables = [*render(runs, cases, args.timeout), summary_table(figures, code_ran)]
    print_report(tables, head + notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
