"""A locked project's CI installs its lock, cached on its hash: files.ci_lock, its fixer,
`devkit new --lock` and what `devkit lock` says the first time."""

from __future__ import annotations

import pytest
import yaml

from devkit.doctor.base import Status
from devkit.doctor.checks import lockuse
from devkit.doctor.registry import CHECKS
from devkit.errors import DevkitError
from devkit.repo import dockerlock
from tests.doctor.conftest import MakeCtx
from tests.files.conftest import (
    GCLOUD,
    NAME,
    SMALL_LOCK,
    Fresh,
    create_project,
    devkit,
    run_check,
    trim_to_test_channel,
)
from tests.support.channel import PYTHON_RUNNING_MINOR
from tests.support.monorepo import Monorepo

LOCK = f"projects/{NAME}/conda-lock.yml"
# The team write-up's step (provision-with-micromamba, which setup-micromamba replaced).
SEED_STEP = f"""\
      - uses: mamba-org/provision-with-micromamba@main
        with:
          channel-priority: disabled
          environment-file: projects/{NAME}/environment.yml
"""


@pytest.fixture
def fresh(sample_monorepo: Monorepo) -> Fresh:
    create_project(sample_monorepo.root)
    return Fresh(sample_monorepo.root)


def _step_lines(fresh: Fresh) -> tuple[int, int]:
    """The first and last line of the checks workflow's micromamba step."""
    path = fresh.workflow("checks")
    first = fresh.line_of(path, "uses: mamba-org/")
    last = fresh.line_of(path, "init-shell: bash")
    return first, last


def test_a_locked_project_whose_ci_solves_is_fixed(fresh: Fresh, make_ctx: MakeCtx) -> None:
    ctx = make_ctx(fresh.root)
    assert run_check(ctx, "files.ci_lock", NAME).status is Status.SKIP  # no lock: solving is right
    fresh.file("conda-lock.yml").write_text("version: 1\n")  # only its presence counts here
    workflow = fresh.workflow("checks")
    before = workflow.read_text().splitlines()
    ctx = make_ctx(fresh.root)
    found = run_check(ctx, "files.ci_lock", NAME)
    assert found.status is Status.WARN and found.fixable
    line = fresh.line_of(workflow, "environment-file:")
    assert (
        f"CI solves projects/{NAME}/environment.yml (.github/workflows/{NAME}-checks.yml:{line})"
        in (found.message)
    )
    assert "--fix --check files.ci_lock" in (found.hint or "")

    said = lockuse.fix_ci_lock(ctx, found)
    assert said.startswith(f"rewrote .github/workflows/{NAME}-checks.yml:")
    assert f"environment-file: {LOCK}" in said and "cache-environment: true" in said
    after = workflow.read_text().splitlines()
    first, last = _step_lines(fresh)
    # Only the step changed: every other line is as it was.
    assert before[: first - 1] == after[: first - 1]
    assert before[-(len(before) - last) :] == after[-(len(after) - last) :]
    step = yaml.safe_load(workflow.read_text())["jobs"]["type_and_lint_checking"]["steps"][2]
    assert step == {
        "uses": "mamba-org/setup-micromamba@v3",
        "with": {
            "environment-file": LOCK,
            "environment-name": NAME,
            "cache-environment": True,
            "init-shell": "bash",
        },
    }
    ctx = make_ctx(fresh.root)
    assert run_check(ctx, "files.ci_lock", NAME).status is Status.OK
    env_file = run_check(ctx, "files.workflow_env_file", NAME)
    assert env_file.status is Status.OK and env_file.message == f"CI installs {LOCK}"
    assert lockuse.fix_ci_lock(ctx, found) == "nothing to do"


def test_the_team_write_ups_retired_step_is_moved_to_setup_micromamba(
    fresh: Fresh, make_ctx: MakeCtx
) -> None:
    workflow = fresh.workflow("checks")
    text = workflow.read_text()
    start = text.index("      - uses: mamba-org/setup-micromamba@v3")
    end = text.index("init-shell: bash\n") + len("init-shell: bash\n")
    workflow.write_text(text[:start] + SEED_STEP + text[end:])
    fresh.file("conda-lock.yml").write_text("version: 1\n")
    ctx = make_ctx(fresh.root)
    found = run_check(ctx, "files.ci_lock", NAME)
    said = lockuse.fix_ci_lock(ctx, found)
    assert (
        "uses mamba-org/setup-micromamba@v3 (was mamba-org/provision-with-micromamba@main)" in said
    )
    assert "dropped `channel-priority`" in said
    step = yaml.safe_load(workflow.read_text())["jobs"]["type_and_lint_checking"]["steps"][2]
    assert step["uses"] == "mamba-org/setup-micromamba@v3"
    assert step["with"] == {
        "environment-file": LOCK,
        "environment-name": NAME,
        "cache-environment": True,
    }
    assert run_check(make_ctx(fresh.root), "files.ci_lock", NAME).status is Status.OK


def test_new_with_lock_passes_every_files_check(
    sample_monorepo: Monorepo, make_ctx: MakeCtx
) -> None:
    folder = create_project(sample_monorepo.root, lock=True)
    lock = folder / "conda-lock.yml"
    lock.write_text(SMALL_LOCK)
    dockerlock.stamp(folder / "Dockerfile", dockerlock.sha256_of(lock))  # what `devkit lock` does
    ctx = make_ctx(sample_monorepo.root)
    # The locked image copies /venv as micromamba made it: there is no conda-pack to check.
    skipped = {"files.docker_env_name"}
    for item in (c for c in CHECKS if c.id.startswith("files.") and c.section != "Repo"):
        wanted = Status.SKIP if item.id in skipped else Status.OK
        assert run_check(ctx, item.id, NAME).status is wanted, item.id


def test_an_uncached_lock_step_and_a_step_devkit_leaves_alone(
    fresh: Fresh, make_ctx: MakeCtx
) -> None:
    fresh.file("conda-lock.yml").write_text("version: 1\n")
    workflow = fresh.workflow("checks")
    fresh.replace(workflow, f"projects/{NAME}/environment.yml", LOCK)
    found = run_check(make_ctx(fresh.root), "files.ci_lock", NAME)
    assert found.status is Status.WARN and "without caching the env" in found.message
    fresh.replace(
        workflow,
        "          init-shell: bash\n",
        "          init-shell: bash\n          extra-specs: |\n            numpy\n",
    )
    fresh.replace(workflow, "setup-micromamba@v3", "provision-with-micromamba@main")
    ctx = make_ctx(fresh.root)
    with pytest.raises(DevkitError, match="`extra-specs` spans several lines"):
        lockuse.fix_ci_lock(ctx, run_check(ctx, "files.ci_lock", NAME))


@pytest.mark.slow
def test_new_with_lock_writes_ci_that_installs_it(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    made = devkit(
        root, "new", NAME, "--gcloud-project", GCLOUD, "--python", PYTHON_RUNNING_MINOR, "--lock"
    )
    # The template's environment.yml needs pytest, pylint... which the test channel lacks.
    assert made.returncode == 1
    assert f"run `devkit lock {NAME}` once environment.yml solves" in made.stderr
    checks = yaml.safe_load((root / f".github/workflows/{NAME}-checks.yml").read_text())
    [step] = [
        s
        for s in checks["jobs"]["type_and_lint_checking"]["steps"]
        if "micromamba" in s.get("uses", "")
    ]
    assert step["with"]["environment-file"] == LOCK and step["with"]["cache-environment"] is True
    trim_to_test_channel(root / "projects" / NAME / "environment.yml")
    locked = devkit(root, "lock", NAME)
    assert locked.returncode == 0, locked.stderr
    assert "CI still solves" not in locked.stderr
    doctor = devkit(root, "doctor", NAME, "--check", "files.ci_lock", "--json")
    assert '"status": "ok"' in doctor.stdout, doctor.stdout


@pytest.mark.slow
def test_the_first_lock_says_what_ci_still_solves(sample_monorepo: Monorepo) -> None:
    root = sample_monorepo.root
    create_project(root)
    trim_to_test_channel(root / "projects" / NAME / "environment.yml")
    first = devkit(root, "lock", NAME, "--platforms", "linux-64")
    assert first.returncode == 0, first.stderr
    assert f"CI still solves environment.yml (.github/workflows/{NAME}-checks.yml:" in first.stderr
    assert f"devkit doctor {NAME} --fix --check files.ci_lock" in first.stderr
    again = devkit(root, "lock", NAME, "--platforms", "linux-64")
    assert "CI still solves" not in again.stderr  # said once, when the lock appears
