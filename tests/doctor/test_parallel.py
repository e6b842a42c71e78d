"""doctor on many projects: two processes, the report one process would make, Ctrl-C clean.

The pytest process has threads (the loopback servers), where devkit never forks: the forks
are tested in whole processes (devkit itself, or a small script).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from devkit.doctor import parallel
from tests.support.cli import DEVKIT
from tests.support.monorepo import Monorepo, add_project

PROJECTS = parallel.MIN_PROJECTS + 13  # a last chunk that is not full
QUICK = ("--no-drift", "--no-network")


def many_projects(sample: Monorepo, count: int) -> None:
    """The sample monorepo plus ``count`` small projects, some with something to report."""
    for i in range(count):
        files = {".env.example": "API_KEY=\nREGION=eu\n"}
        if i % 5 == 0:
            files[".env"] = "API_KEY=secret-value-1234\n"
        add_project(sample, f"svc-{i:03}", files=files)
    (sample.project("svc-007") / "environment.yml").write_text("name: [unclosed\n")
    workflows = sample.root / ".github" / "workflows"
    workflows.mkdir(parents=True, exist_ok=True)
    (workflows / "svc-003.yml").write_text(
        "on:\n  push:\n    paths: ['projects/svc-003/**']\n"
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v2\n"
    )


def run_script(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a Python process of its own (one thread: devkit may fork there)."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return result


def doctor_json(root: Path, *prefix: str) -> tuple[dict, str]:
    result = subprocess.run(
        [*prefix, str(DEVKIT), "--verbose", "--root", str(root), "doctor", "--json", *QUICK],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset pins a process to one core")
def test_two_processes_report_what_one_would(sample_monorepo: Monorepo) -> None:
    many_projects(sample_monorepo, PROJECTS)
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: doctor never forks")
    two, log = doctor_json(sample_monorepo.root)
    assert f"checking {PROJECTS + 2} projects in two processes" in log
    one, log = doctor_json(sample_monorepo.root, "taskset", "-c", "0")
    assert "two processes" not in log
    assert two["results"] == one["results"]
    assert two == one
    statuses = {r["status"] for r in two["results"] if r["project"]}
    assert {"ok", "warn", "fail", "skip"} <= statuses
    assert "secret-value-1234" not in json.dumps(two)


@pytest.mark.slow
def test_ctrl_c_leaves_no_child_behind(sample_monorepo: Monorepo) -> None:
    many_projects(sample_monorepo, 400)
    proc = subprocess.Popen(
        [str(DEVKIT), "--root", str(sample_monorepo.root), "doctor", *QUICK],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the terminal's Ctrl-C reaches the group
    )
    parent = psutil.Process(proc.pid)
    children: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while not children and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(psutil.Error):  # a git or micromamba child that just ended
            # The forked copy: the same command line (git and micromamba have their own).
            children = [c for c in parent.children() if c.cmdline() == parent.cmdline()]
        time.sleep(0.01)
    if not children:
        proc.kill()
        pytest.skip("doctor finished (or never forked) before it could be interrupted")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=5)
    assert alive == []


FORK_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from devkit.proc import fork

    # A child's bytes come back whole (more than a pipe holds).
    child = fork.start(lambda: b"x" * 300_000)
    assert child is not None
    assert child.result() == b"x" * 300_000

    # A child that fails hands back nothing, not part of something.
    def fails():
        raise RuntimeError("boom")
    child = fork.start(fails)
    assert child.result() is None

    # Each ticket is drawn once, whichever process draws it.
    with fork.Tickets(500) as tickets:
        child = fork.start(lambda: ",".join(str(t) for t in tickets).encode())
        mine = [t for t in tickets]
        theirs = [int(t) for t in child.result().decode().split(",") if t]
    assert sorted(mine + theirs) == list(range(500)), (len(mine), len(theirs))

    # halves: the second half worked on by a copy, the texts back in order.
    me = os.getpid()
    done = fork.halves(lambda part: [f"{x}:{os.getpid()}" for x in part], range(100))
    assert [d.split(":")[0] for d in done] == [str(x) for x in range(100)]
    pids = [int(d.split(":")[1]) for d in done]
    assert set(pids[:50]) == {me} and me not in pids[50:], pids
    # Too few to share, or a copy that fails: all done here, none lost.
    assert {d.split(":")[1] for d in fork.halves(lambda p: [f"{x}:{os.getpid()}" for x in p],
                                                range(10))} == {str(me)}
    def here_only(part):
        if os.getpid() != me:
            raise RuntimeError("the copy fails")
        return [str(x) for x in part]
    assert fork.halves(here_only, range(100)) == [str(x) for x in range(100)]

    # stop() ends a child that would run for ever, and reaps it.
    child = fork.start(lambda: time.sleep(3600) or b"")
    pid = child._pid
    child.stop()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError("the child is still there")
    print("ok")
    """
)


def test_fork_hands_back_results_and_tickets_once() -> None:
    result = run_script(FORK_SCRIPT)
    assert result.stdout.strip() == "ok"


def test_a_process_with_threads_does_not_fork() -> None:
    # This pytest process runs loopback servers on threads.
    from devkit.proc import fork

    assert not fork.single_threaded()
    assert fork.start(lambda: b"") is None


SECRETS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from devkit import redaction
    from devkit.commands.doctor import build_context
    from devkit.doctor import parallel
    from devkit.doctor.base import ProjectCheck
    from devkit.proc import fork
    from devkit.repo import dotenv_file

    def quoting(ctx, out):
        # A check that (wrongly) quotes a value it read: the report must still mask it.
        loaded = dotenv_file.load([out.project.path / ".env"])
        return out.ok("token " + loaded.values.get("TOKEN", "none"))

    assert fork.single_threaded()
    ctx = build_context(Path(sys.argv[1]), ())
    check = ProjectCheck("test.quote", "Test", "quotes", run=quoting)
    report = parallel.run_checks(ctx, [check])
    print(json.dumps([redaction.redact(r.message) for r in report.results]))
    """
)


def test_secrets_the_copy_read_are_masked_in_the_report(sample_monorepo: Monorepo) -> None:
    for i in range(PROJECTS):
        add_project(sample_monorepo, f"svc-{i:03}", files={".env": f"TOKEN=tok-{i:03}-s3cr3t\n"})
    result = run_script(SECRETS_SCRIPT, str(sample_monorepo.root))
    messages = json.loads(result.stdout)
    assert len(messages) == PROJECTS + 2
    assert "s3cr3t" not in result.stdout
    assert messages.count("token ****") == PROJECTS  # each project's, whichever process read it


RENDER_SCRIPT = textwrap.dedent(
    """
    import json
    from devkit import redaction
    from devkit.doctor import render
    from devkit.doctor.base import Result, Status
    from devkit.doctor.runner import Report
    from devkit.proc import fork

    assert fork.single_threaded()
    results = [Result("git.installed", Status.OK, "git 2.43")]
    for n in range(150):
        project = f"svc-{n:03}"
        if n % 3:
            results.append(Result("vars.missing", Status.FAIL, f"{project} lacks TOKEN-{n}",
                                  "set it in .env " * 12, project))
            results.append(Result("files.images", Status.WARN, "", "name one image",
                                  project, items=(f"a-{n}", "b " * 60)))
        results.append(Result("env.exists", Status.OK, f"env {project} tok-{n:03}-s3cr3t",
                              project=project))
    redaction.register(*(f"tok-{n:03}-s3cr3t" for n in range(150)))
    report = Report(tuple(results))
    texts = {}
    for show_all in (False, True):
        alone = render.to_lines(report, show_all=show_all, width=80)
        shared = render.to_lines(report, show_all=show_all, width=80, share=fork.halves)
        texts[show_all] = ["\\n".join(l.visible() for l in lines) for lines in (alone, shared)]
    print(json.dumps(texts))
    """
)


def test_a_report_laid_out_by_two_processes_reads_as_one_laid_out_alone() -> None:
    texts = json.loads(run_script(RENDER_SCRIPT).stdout)
    for show_all, (alone, shared) in texts.items():
        assert shared == alone, show_all
        assert "s3cr3t" not in shared
    assert "Project svc-149" in texts["false"][0] and "tok-149-****" not in texts["false"][0]
    assert "env svc-149 ****" in texts["true"][0]


PIDS_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from devkit.commands.doctor import build_context
    from devkit.doctor import parallel
    from devkit.doctor.base import ProjectCheck

    def pid(ctx, out):
        time.sleep(0.01)  # as a real check takes a while: the copy gets its share
        return out.ok(str(os.getpid()))

    ctx = build_context(Path(sys.argv[1]), ())
    pids = {}
    for check_id in ("files.pid", "drift.pid"):
        check = ProjectCheck(check_id, "Test", "pid", run=pid)
        report = parallel.run_checks(ctx, [check])
        pids[check_id] = sorted({int(r.message) for r in report.results})
    print(json.dumps({"me": os.getpid(), **pids}))
    """
)


def test_drift_checks_run_in_one_process(sample_monorepo: Monorepo) -> None:
    # What one project's solve learns of a channel is what the next ones are told.
    for i in range(PROJECTS):
        add_project(sample_monorepo, f"svc-{i:03}")
    result = run_script(PIDS_SCRIPT, str(sample_monorepo.root))
    pids = json.loads(result.stdout)
    assert pids["drift.pid"] == [pids["me"]]
    assert len(pids["files.pid"]) == 2 and pids["me"] in pids["files.pid"]
