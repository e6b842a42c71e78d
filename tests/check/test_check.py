"""devkit check end to end: the real executable, a real env of recording tools, real git."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.check.conftest import ENV_TEXT, ChecksRepo, SharedEnv
from tests.support.channel import PYTHON_RUNNING_MINOR
from tests.support.cli import DEVKIT, devkit
from tests.support.monorepo import git

# The test world's python runs on linux-64 only (channel.py): elsewhere the tools cannot start.
pytestmark = pytest.mark.skipif(
    not (sys.platform == "linux" and os.uname().machine == "x86_64"),
    reason="the test world's envs run on linux-64",
)
LINT_JOB = f"check ({PYTHON_RUNNING_MINOR}, ubuntu-latest)"


def check(repo: ChecksRepo, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return devkit("--root", str(repo.root), "check", *args, **kw)  # type: ignore[arg-type]


def steps_of(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    document = json.loads(result.stdout)
    return {f"{s['job']}/{s['step']}": s for s in document["steps"]}


@pytest.mark.slow
def test_each_step_runs_in_the_env_from_its_folder_with_its_values(
    checks_repo: ChecksRepo, checks_env: SharedEnv
) -> None:
    result = check(checks_repo, "svc")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = checks_repo.calls()
    assert [(c["tool"], c["argv"]) for c in calls] == [
        ("pyright", ["."]),
        ("pylint", ["main.py", "pkg/"]),
        ("pytest", ["."]),
        ("black", ["--check", "--diff", "./projects/svc"]),
    ]
    svc = str(checks_repo.svc)
    for call in calls[:3]:
        assert call["cwd"] == svc  # defaults.run.working-directory
        assert call["prefix"] == call["conda_prefix"] == str(checks_env.prefix)  # in the env
        assert call["env"] == {
            "CHECK_FROM_WORKFLOW": "yes",
            "CHECK_LEVEL": "job",  # the job's value over the workflow's
            "CHECK_PYTHON": f"py{PYTHON_RUNNING_MINOR}",  # ${{ matrix.python-version }}
        }
    # psf/black runs from the workspace (the monorepo root), not the run default.
    assert calls[3]["cwd"] == str(checks_repo.root)
    assert calls[3]["env"] == {"CHECK_FROM_WORKFLOW": "yes", "CHECK_LEVEL": "workflow"}
    out = result.stdout
    assert f"── svc · {LINT_JOB} · Run PyLint ──\npylint 2.13.5: all good in {svc}\n" in out
    assert "· svc · format_checking · Run actions/checkout@v2: nothing to do" in out
    assert "5 ok, 0 failed, 4 skipped in " in out


@pytest.mark.slow
def test_a_failure_stops_its_job_as_actions_does_and_keep_going_does_not(
    checks_repo: ChecksRepo,
) -> None:
    failing = {"TOOLRECORDER_FAIL": "pylint"}
    result = check(checks_repo, "svc", "--json", env=failing)
    assert result.returncode == 1
    steps = steps_of(result)
    pylint = steps["type_and_lint_checking/Run PyLint"]
    assert (pylint["status"], pylint["exit_code"], pylint["detail"]) == ("failed", 1, "exit 1")
    pytest_step = steps["type_and_lint_checking/Run PyTest"]
    assert (pytest_step["status"], pytest_step["detail"]) == (
        "skipped",
        "not run: an earlier step failed",
    )
    assert steps["format_checking/Run psf/black@stable"]["status"] == "ok"  # another job
    assert [c["tool"] for c in checks_repo.calls()] == ["pyright", "pylint", "black"]

    checks_repo.log.unlink()
    kept_going = check(checks_repo, "svc", "--keep-going", env=failing)
    assert kept_going.returncode == 1
    assert [c["tool"] for c in checks_repo.calls()] == ["pyright", "pylint", "pytest", "black"]
    assert "✗ Run PyLint: exit 1" in kept_going.stdout


@pytest.mark.slow
def test_json_keeps_stdout_for_the_document(checks_repo: ChecksRepo) -> None:
    result = check(checks_repo, "svc", "--json")
    document = json.loads(result.stdout)  # nothing else on stdout: the steps' output is on stderr
    assert document["schema"] == "devkit-check" and document["schema_version"] == 1
    assert (document["exit_code"], document["listed"], document["os"]) == (0, False, "linux")
    assert document["summary"] == {"ok": 5, "failed": 0, "skipped": 4, "planned": 0}
    first = document["steps"][0]
    assert first["workflow"] == ".github/workflows/svc-checks.yml"
    assert first["job_name"] == LINT_JOB
    assert "pylint 2.13.5: all good" in result.stderr
    ran = [s for s in document["steps"] if s["kind"] in ("run", "black")]
    assert all(isinstance(s["seconds"], float) and s["exit_code"] == 0 for s in ran)
    env_step = next(s for s in document["steps"] if s["kind"] == "env")
    assert (env_step["seconds"], env_step["detail"]) == (None, "env svc is up to date")


@pytest.mark.slow
def test_list_shows_the_plan_and_runs_nothing(checks_repo: ChecksRepo) -> None:
    result = check(checks_repo, "svc", "--list")
    assert result.returncode == 0, result.stderr
    assert checks_repo.calls() == []
    lines = result.stdout.splitlines()
    assert lines[0] == "svc  (.github/workflows/svc-checks.yml)"
    assert lines[1] == f"  {LINT_JOB}"
    assert "    ▶ Run PyLint: bash: pylint main.py pkg/ (in projects/svc, env svc)" in lines
    assert (
        "    · Run actions/checkout@v2: nothing to do: your working tree is the checkout" in lines
    )
    assert (
        "    ▶ Run psf/black@stable: black 22.3.0: black --check --diff ./projects/svc "
        "(from the monorepo root)"
    ) in lines
    listed = json.loads(check(checks_repo, "svc", "--list", "--json").stdout)
    assert listed["listed"] is True
    assert listed["summary"] == {"ok": 0, "failed": 0, "skipped": 4, "planned": 5}


@pytest.mark.slow
def test_step_and_job_pick(checks_repo: ChecksRepo) -> None:
    result = check(checks_repo, "svc", "--step", "run pylint", "--json")
    assert result.returncode == 0, result.stderr
    assert [c["tool"] for c in checks_repo.calls()] == ["pylint"]
    # The env step stays: the picked step needs the env.
    assert [s["step"] for s in json.loads(result.stdout)["steps"]] == [
        "Run mamba-org/provision-with-micromamba@main",
        "Run PyLint",
    ]
    checks_repo.log.unlink()
    assert check(checks_repo, "svc", "--job", "format_*").returncode == 0
    assert [c["tool"] for c in checks_repo.calls()] == ["black"]
    typo = check(checks_repo, "svc", "--step", "Run PyLnt")
    assert typo.returncode == 2
    assert "no job or step here is called Run PyLnt" in typo.stderr


@pytest.mark.slow
def test_black_needs_the_actions_version_and_fails_on_what_it_would_reformat(
    checks_repo: ChecksRepo,
) -> None:
    (checks_repo.svc / "pkg" / "ugly.py").write_text("x  =  1  # black-standin: reformat\n")
    failed = check(checks_repo, "svc", "--job", "format_checking")
    assert failed.returncode == 1
    assert "would reformat projects/svc/pkg/ugly.py" in failed.stderr
    text = (checks_repo.root / ".github/workflows/svc-checks.yml").read_text()
    checks_repo.workflow(text.replace('version: "22.3.0"', 'version: "23.1.0"'))
    checks_repo.log.unlink()
    skipped = check(checks_repo, "svc", "--job", "format_checking", "--json")
    assert skipped.returncode == 0
    black = steps_of(skipped)["format_checking/Run psf/black@stable"]
    assert black["status"] == "skipped"
    assert black["detail"] == (
        "the action runs black 23.1.0; env svc has black 22.3.0, which formats differently: "
        "pin the action's version in the env file"
    )
    assert checks_repo.calls() == []


@pytest.mark.slow
def test_a_missing_env_fails_with_the_setup_command_and_a_stale_one_warns(
    checks_repo: ChecksRepo,
) -> None:
    env_file = checks_repo.svc / "environment.yml"
    env_file.write_text(ENV_TEXT + "# a change after the env was built\n")
    stale = check(checks_repo, "svc", "--json")
    assert stale.returncode == 0
    assert "env svc is stale: it was built before environment.yml last changed" in stale.stderr
    assert "devkit setup --projects svc" in stale.stderr

    env_file.write_text(ENV_TEXT.replace("name: svc", "name: elsewhere"))
    checks_repo.log.unlink()
    missing = check(checks_repo, "svc", "--json")
    assert missing.returncode == 1
    steps = steps_of(missing)
    env_step = steps["type_and_lint_checking/Run mamba-org/provision-with-micromamba@main"]
    assert env_step["status"] == "failed"
    prefix = Path(os.environ["MAMBA_ROOT_PREFIX"]) / "envs" / "elsewhere"
    assert env_step["detail"] == (
        f"env elsewhere is missing ({prefix}) (create it: devkit setup --projects svc)"
    )
    assert steps["type_and_lint_checking/Run PyLint"]["detail"] == (
        "not run: an earlier step failed"
    )
    assert steps["format_checking/Run psf/black@stable"]["status"] == "failed"
    assert not checks_repo.log.exists()


@pytest.mark.slow
def test_secrets_and_unknown_actions_are_skipped_saying_why(checks_repo: ChecksRepo) -> None:
    text = (checks_repo.root / ".github/workflows/svc-checks.yml").read_text()
    extra = (
        "      - name: Upload coverage\n        uses: codecov/codecov-action@v4\n"
        "      - name: Notify\n        run: notify --token ${{ secrets.SLACK_TOKEN }}\n"
    )
    checks_repo.workflow(text.replace("        run: pytest .\n", "        run: pytest .\n" + extra))
    result = check(checks_repo, "svc", "--json")
    assert result.returncode == 0, result.stderr
    steps = steps_of(result)
    assert steps["type_and_lint_checking/Upload coverage"]["detail"] == (
        "codecov/codecov-action@v4: devkit does not know what this action does here"
    )
    assert steps["type_and_lint_checking/Notify"]["detail"] == (
        "needs the secret SLACK_TOKEN, which only CI has"
    )


@pytest.mark.slow
def test_changed_picks_the_projects_whose_filters_match(checks_repo: ChecksRepo) -> None:
    root = checks_repo.root
    other = root / "projects" / "other"
    other.mkdir()
    (other / "environment.yml").write_text(ENV_TEXT.replace("name: svc", "name: other"))
    flow = (root / ".github/workflows/svc-checks.yml").read_text()
    checks_repo.workflow(flow.replace("svc", "other"), "other-checks.yml")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "other")
    git(root, "push", "-q")

    def chosen(*args: str, cwd: Path = root) -> list[str]:
        result = devkit("check", *args, "--list", "--json", cwd=cwd)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["projects"]

    assert chosen() == []  # from the root, nothing named: what changed since origin/main
    assert chosen("--step", "Run PyLint") == []  # a pick is no typo when nothing changed
    (checks_repo.svc / "main.py").write_text("changed = True\n")
    assert chosen() == ["svc"]  # uncommitted
    (other / "new_module.py").write_text("")
    assert chosen("--changed") == ["other", "svc"]  # untracked too
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "both")
    assert chosen() == ["other", "svc"]  # committed, not pushed
    note = devkit("check", "--list", cwd=root).stderr
    assert "2 file(s) changed since " in note and "(merge base with origin/main)" in note
    assert chosen(cwd=other) == ["other"]  # inside a project folder: that project
    git(root, "push", "-q")
    assert chosen() == []


@pytest.mark.slow
def test_several_projects_at_once_keep_their_output_apart(checks_repo: ChecksRepo) -> None:
    root = checks_repo.root
    twin = root / "projects" / "twin"
    (twin / "pkg").mkdir(parents=True)
    (twin / "environment.yml").write_text(ENV_TEXT)  # the same env, `svc`
    (twin / "main.py").write_text("")
    flow = (root / ".github/workflows/svc-checks.yml").read_text()
    checks_repo.workflow(flow.replace("projects/svc", "projects/twin"), "twin-checks.yml")
    result = check(checks_repo, "--all", "--jobs", "2", "--step", "Run PyLint")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"svc | pylint 2.13.5: all good in {checks_repo.svc}" in lines
    assert f"twin | pylint 2.13.5: all good in {twin}" in lines
    assert sorted(str(c["cwd"]) for c in checks_repo.calls()) == [str(checks_repo.svc), str(twin)]


@pytest.mark.slow
def test_a_project_without_a_checks_workflow_is_an_error(checks_repo: ChecksRepo) -> None:
    (checks_repo.root / ".github/workflows/svc-checks.yml").unlink()
    result = check(checks_repo, "svc")
    assert result.returncode == 1
    assert "nothing to check: no checks workflow names projects/svc" in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_the_running_steps_whole_group_and_exits_130(
    checks_repo: ChecksRepo, tmp_path: Path
) -> None:
    mark = tmp_path / "pytest.pid"
    env = {**os.environ, "TOOLRECORDER_SLEEP": "pytest", "TOOLRECORDER_MARK": str(mark)}
    argv = [str(DEVKIT), "--root", str(checks_repo.root), "check", "svc", "--keep-going"]
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert mark.exists(), "the pytest step never started"
        tool = psutil.Process(int(mark.read_text()))
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)  # what the terminal sends devkit on Ctrl-C
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert time.monotonic() - started < 15  # not the tool's 60 s sleep
    assert not tool.is_running() or tool.status() == psutil.STATUS_ZOMBIE
    assert checks_repo.calls()[-1] == {**checks_repo.calls()[-2], "interrupted": True}
    assert "black" not in [c["tool"] for c in checks_repo.calls()]  # nothing after the stop
    assert b"Interrupted." in err
    assert b"interrupted" in out
