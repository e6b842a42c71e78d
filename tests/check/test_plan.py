"""From workflow files to plans: the OS leg, matrix, expressions, secrets, shells, actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.commands.check.results import version_fits
from devkit.repo.github import expressions, pathfilter, plan, workflows
from devkit.repo.github.expressions import Contexts, Unknown
from devkit.repo.github.plan import Machine, PlannedJob, StepKind, WorkflowPlan
from devkit.repo.github.steps import shell_argv

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "monorepo"
LINUX = Machine("linux", "X64", Path("/repo"), "3.9.18")
MAC = Machine("macos", "ARM64", Path("/repo"), "3.9.18")


def load(tmp_path: Path, text: str, name: str = "svc-checks.yml") -> workflows.Workflow:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    found, errors = workflows.load_all(tmp_path)
    assert errors == []
    return next(w for w in found if w.path.name == name)


def planned(tmp_path: Path, text: str, machine: Machine = LINUX) -> WorkflowPlan:
    return plan.plan_workflow(load(tmp_path, text), machine)


def one_job(tmp_path: Path, steps: str, head: str = "", machine: Machine = LINUX) -> PlannedJob:
    text = f"on: push\n{head}jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
    (job,) = planned(tmp_path, text, machine).jobs
    return job


def test_the_team_workflow_on_linux_runs_the_ubuntu_leg_and_black() -> None:
    found, _ = workflows.load_all(EXAMPLES)
    (checks,) = plan.checks_workflows(found, "address-api", "projects")
    assert checks.path.name == "address-api-checks.yml"  # not the deploy, not ingest's
    lint, black = plan.plan_workflow(checks, LINUX).jobs
    assert (lint.name, lint.runs_on) == ("check (3.9, ubuntu-latest)", "ubuntu-latest")
    kinds = [(s.name, s.kind) for s in lint.steps]
    assert kinds == [
        ("Run actions/checkout@v2", StepKind.NOTHING),
        ("Run actions/setup-python@v2", StepKind.NOTHING),
        ("Run mamba-org/provision-with-micromamba@main", StepKind.ENV),
        ("Bash", StepKind.RUN),
        ("Run PyLint", StepKind.RUN),
        ("Run PyTest", StepKind.RUN),
    ]
    pylint = lint.steps[4]
    assert (pylint.script, pylint.working_directory) == (
        "pylint main.py pkg/",
        "projects/address-api",
    )
    # `bash -l {0}`: bash, as written, without the login profile (micromamba run activates).
    assert pylint.shell == ("bash", "{0}")
    assert "without -l" in pylint.detail
    (format_step,) = [s for s in black.steps if s.kind is StepKind.BLACK]
    assert format_step.black_version == "22.3.0"
    assert format_step.black_args == ("--check", "--diff", ".")  # the action's defaults


def test_on_a_mac_the_mac_leg_runs_and_the_ubuntu_only_job_says_why() -> None:
    found, _ = workflows.load_all(EXAMPLES)
    (checks,) = plan.checks_workflows(found, "ingest", "projects")
    lint, black = plan.plan_workflow(checks, MAC).jobs
    assert (lint.name, lint.runs_on, lint.skipped) == (
        "check (3.9, macos-latest)",
        "macos-latest",
        "",
    )
    assert black.skipped == "runs on ubuntu-latest only; this machine runs macOS"
    assert black.steps == ()


def test_env_values_cascade_and_expressions_resolve(tmp_path: Path) -> None:
    job = one_job(
        tmp_path,
        "      - run: echo ${{ env.A }} ${{ runner.os }} ${{ github.workspace }}\n"
        "        env: {C: step, D: '${{ env.B }}-d'}\n",
        head="env: {A: workflow, B: workflow, C: workflow}\n",
    )
    (step,) = job.steps
    assert step.script == "echo workflow Linux /repo"
    assert step.env == {"A": "workflow", "B": "workflow", "C": "step", "D": "workflow-d"}


def test_what_only_ci_knows_skips_the_step_and_says_what(tmp_path: Path) -> None:
    job = one_job(tmp_path, "      - run: git checkout ${{ github.sha }}\n      - run: echo ok\n")
    assert job.steps[0].kind is StepKind.SKIP
    assert job.steps[0].detail == "uses github.sha, which only a CI run knows"
    assert job.steps[1].kind is StepKind.RUN


def test_secrets_skip_the_steps_that_need_them_and_name_them(tmp_path: Path) -> None:
    job = one_job(
        tmp_path,
        "      - name: direct\n        run: deploy --token ${{ secrets.DEPLOY_TOKEN }}\n"
        '      - name: via job env\n        run: curl -H "$AUTH" https://x\n'
        "      - name: action input\n        uses: google-github-actions/auth@v0\n"
        "        with: {credentials_json: '${{ secrets.GCP_SA_KEY }}'}\n"
        "      - name: not using it\n        run: pytest\n",
        head="env:\n  AUTH: ${{ secrets.API_AUTH }}\n",
    )
    direct, via_env, action, plain = job.steps
    assert direct.detail == "needs the secret DEPLOY_TOKEN, which only CI has"
    assert via_env.detail == "reads AUTH (from the secret API_AUTH), which only CI has"
    assert action.detail == "needs the secret GCP_SA_KEY, which only CI has"
    assert plain.kind is StepKind.RUN and "AUTH" not in plain.env


@pytest.mark.parametrize(
    ("condition", "after_success", "after_failure"),
    [
        ("runner.os == 'linux'", True, False),  # Actions compares strings ignoring case
        ("${{ runner.os == 'macOS' }}", False, False),
        ("always()", True, True),
        ("failure()", False, True),
        ("success() || env.FORCE == 'yes'", True, True),
        ("!cancelled() && contains('a,b', 'B')", True, True),
    ],
)
def test_step_conditions(
    tmp_path: Path, condition: str, after_success: bool, after_failure: bool
) -> None:
    job = one_job(tmp_path, f'      - if: "{condition}"\n        run: x\n', "env: {FORCE: 'yes'}\n")
    (step,) = job.steps
    assert (step.after_success, step.after_failure) == (after_success, after_failure)


def test_a_condition_on_what_only_ci_knows_skips(tmp_path: Path) -> None:
    job = one_job(tmp_path, "      - if: github.event_name == 'push'\n        run: x\n")
    assert job.steps[0].detail == "its `if:` needs github.event_name, which only a CI run knows"


MATRIX = """\
on: pull_request
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-22.04, macos-14]
        python: ["3.9", "3.11"]
        exclude: [{os: macos-14, python: "3.9"}]
        include: [{os: ubuntu-22.04, python: "3.11", extra: slow}]
    steps:
      - run: tox -e py${{ matrix.python }} ${{ matrix.extra }}
"""


def test_the_matrix_entry_matching_the_envs_python_is_chosen(tmp_path: Path) -> None:
    wf = load(tmp_path, MATRIX)
    (job,) = plan.plan_workflow(wf, Machine("linux", "X64", tmp_path, "3.11.7")).jobs
    assert dict(job.matrix) == {"os": "ubuntu-22.04", "python": "3.11", "extra": "slow"}
    assert job.steps[0].script == "tox -e py3.11 slow"
    assert job.notes == ("other matrix entries for this OS not run: os=ubuntu-22.04; python=3.9",)
    (mac,) = plan.plan_workflow(wf, Machine("macos", "ARM64", tmp_path, "3.9.18")).jobs
    assert dict(mac.matrix) == {"os": "macos-14", "python": "3.11"}  # 3.9 excluded on macOS
    assert mac.notes == ()


def test_jobs_run_after_what_they_need_and_unknown_runners_say_so(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n"
        "  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps: [{run: b}]\n"
        "  a:\n    runs-on: ubuntu-latest\n    steps: [{run: a}]\n"
        "  c:\n    runs-on: [self-hosted, gpu]\n    steps: [{run: c}]\n"
        "  d:\n    runs-on: windows-latest\n    steps: [{run: d}]\n"
    )
    jobs = planned(tmp_path, text).jobs
    assert [j.job_id for j in jobs] == ["a", "b", "c", "d"]
    assert jobs[2].skipped == "runs on self-hosted, gpu, which devkit cannot tell the OS of"
    assert jobs[3].skipped == "runs on windows-latest only; this machine runs Linux"


@pytest.mark.parametrize(
    ("shell", "argv", "skipped"),
    [
        ("", ("bash", "-e", "{0}"), False),
        ("bash", ("bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"), False),
        ("sh", ("sh", "-e", "{0}"), False),
        ("python", ("python", "{0}"), False),
        ("bash -l {0}", ("bash", "{0}"), False),
        ("perl {0}", ("perl", "{0}"), False),
        ("pwsh", (), True),
        ("bash -x", (), True),
    ],
)
def test_shells(shell: str, argv: tuple[str, ...], skipped: bool) -> None:
    found, why = shell_argv(shell)
    assert found == argv
    assert bool(why) == (skipped or "-l" in shell)


def test_black_inputs_and_other_actions(tmp_path: Path) -> None:
    job = one_job(
        tmp_path,
        "      - uses: psf/black@stable\n"
        "      - uses: psf/black@23.1.0\n        with: {options: '--check -l 100', src: 'a b'}\n"
        "      - uses: psf/black@stable\n        with: {black_args: '. --check'}\n"
        "      - uses: psf/black@stable\n        with: {use_pyproject: true}\n"
        "      - uses: actions/cache@v4\n"
        "      - uses: ./.github/actions/mine\n"
        "      - uses: mamba-org/setup-micromamba@v1\n",
    )
    plain, custom, legacy, pyproject, cache, local, env = job.steps
    assert (plain.black_args, plain.black_version) == (("--check", "--diff", "."), "")
    assert custom.black_args == ("--check", "-l", "100", "a", "b")
    assert legacy.black_args == (".", "--check")
    assert pyproject.kind is StepKind.SKIP and "pyproject.toml" in pyproject.detail
    assert cache.detail == "actions/cache@v4: devkit does not know what this action does here"
    assert local.kind is StepKind.SKIP and "./.github/actions/mine" in local.detail
    assert env.kind is StepKind.ENV


def test_deploy_workflows_and_other_projects_are_not_checks(tmp_path: Path) -> None:
    load(tmp_path, "on:\n  push:\n    paths: ['projects/a/**']\njobs: {}\n", "a.yml")
    load(tmp_path, "on:\n  push:\n    paths: ['projects/b/**']\njobs: {}\n", "b.yml")
    deploy = "on:\n  push:\n    paths: ['projects/a/**']\njobs:\n  d:\n    steps:\n"
    load(tmp_path, deploy + "      - run: gcloud builds submit --tag x\n", "a-deploy.yml")
    found, _ = workflows.load_all(tmp_path)
    assert [w.path.name for w in plan.checks_workflows(found, "a", "projects")] == ["a.yml"]


@pytest.mark.parametrize(
    ("patterns", "path", "matches"),
    [
        (["projects/svc/**/*"], "projects/svc/main.py", True),  # ** is zero folders too
        (["projects/svc/**/*"], "projects/svc/pkg/a.py", True),
        (["projects/svc/**/*"], "projects/svcx/main.py", False),
        (["projects/*/main.py"], "projects/a/b/main.py", False),  # * stops at /
        (["**.md", "!docs/**"], "docs/a.md", False),  # the last match wins
        (["**.md", "!docs/**", "docs/keep.md"], "docs/keep.md", True),
        (["src/[ab].py"], "src/b.py", True),
    ],
)
def test_path_filter_patterns(patterns: list[str], path: str, matches: bool) -> None:
    assert pathfilter.matches(patterns, path) is matches


def test_which_changes_start_a_workflow(tmp_path: Path) -> None:
    paths = load(
        tmp_path, "on:\n  pull_request:\n    paths: ['projects/a/**']\njobs: {}\n", "p.yml"
    )
    ignore = load(tmp_path, "on:\n  push:\n    paths-ignore: ['**.md']\njobs: {}\n", "i.yml")
    bare = load(tmp_path, "on: [push]\njobs: {}\n", "b.yml")
    manual = load(tmp_path, "on: workflow_dispatch\njobs: {}\n", "m.yml")
    assert pathfilter.triggered(paths, ["projects/a/x.py"])
    assert not pathfilter.triggered(paths, ["projects/b/x.py", "README.md"])
    assert not pathfilter.triggered(ignore, ["README.md"])
    assert pathfilter.triggered(ignore, ["README.md", "x.py"])
    assert pathfilter.triggered(bare, ["anything"])
    assert not pathfilter.triggered(manual, ["anything"])
    assert not pathfilter.triggered(paths, [])


@pytest.mark.parametrize(
    ("have", "wanted", "fits"),
    [
        ("22.3.0", "22.3.0", True),
        ("22.3.0", "22.3", True),
        ("23.1.0", "22.3.0", False),
        ("22.3.0", ">=22.1,<23", True),
        ("23.1.0", "~=22.1", False),
        ("22.3.0", "22.*", True),
        ("21.5b1", "21.5b1", True),
        ("21.5", "21.5b1", False),
    ],
)
def test_black_version_specifiers(have: str, wanted: str, fits: bool) -> None:
    assert version_fits(have, wanted) is fits


def test_expressions_evaluate_like_actions() -> None:
    ctx = Contexts(matrix={"python-version": 3.9, "os": "ubuntu-latest"}, env={"N": "3"})
    assert expressions.substitute("py${{ matrix.python-version }}", ctx) == "py3.9"
    assert expressions.substitute("${{ matrix['os'] }}", ctx) == "ubuntu-latest"
    assert expressions.evaluate("env.N == 3", ctx) is True  # numbers compare as numbers
    assert expressions.evaluate("'' || 'fallback'", ctx) == "fallback"
    assert expressions.evaluate("format('{0}-{1}', 'a', matrix.os)", ctx) == "a-ubuntu-latest"
    assert expressions.evaluate("matrix.missing", ctx) is None
    with pytest.raises(Unknown, match=r"hashFiles\(\)"):
        expressions.evaluate("hashFiles('**/x')", ctx)
    assert expressions.secrets_in("a ${{ secrets.A }} ${{ secrets['B'] }} ${{ env.C }}") == [
        "A",
        "B",
    ]
