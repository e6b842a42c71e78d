"""Every files.* check: passes on a project fresh from the template, fails on a targeted break.

The passing case is the project `devkit new` writes; each failing case edits one line of it the
way a copy-paste or an upgrade does in real life, and asserts the finding names file and line.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from pathlib import Path

import pytest

from devkit.doctor.base import Status
from devkit.doctor.registry import BY_ID, CHECKS
from devkit.doctor.runner import run_checks
from tests.doctor.conftest import MAC_ARM, MAC_ROSETTA, MakeCtx, run_check
from tests.drift.conftest import devkit
from tests.files.conftest import Fresh, check, create_project
from tests.support.channel import PYTHON_RUNNING_MINOR
from tests.support.monorepo import git

FILES_IDS = [c.id for c in CHECKS if c.id.startswith("files.")]
# A locked project's checks: they do not apply without a lock (tests/files/test_lock_files.py).
LOCK_IDS = {"files.ci_lock", "files.docker_lock"}
TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize("check_id", FILES_IDS)
def test_passes_on_a_fresh_project(make_ctx: MakeCtx, fresh: Fresh, check_id: str) -> None:
    project = None if BY_ID[check_id].section == "Repo" else "svc"
    result = check(make_ctx(fresh.root), check_id, project)
    wanted = Status.SKIP if check_id in LOCK_IDS else Status.OK
    assert result.status is wanted, result.message


def test_parse_errors_name_file_and_line(make_ctx: MakeCtx, fresh: Fresh) -> None:
    dockerfile = fresh.file("Dockerfile")
    fresh.replace(dockerfile, "WORKDIR /app", "WORKDIR /app\nFORM debian")
    line = fresh.line_of(dockerfile, "FORM debian")
    fresh.file("cloudbuild.yaml").write_text('steps:\n  - name: "x"\n    args: [unclosed\n')
    result = check(make_ctx(fresh.root), "files.parse")
    assert result.status is Status.FAIL
    assert f"projects/svc/Dockerfile:{line}: unknown instruction `FORM`" in result.message
    assert "projects/svc/cloudbuild.yaml:3: invalid YAML" in result.message
    # The checks that need those files step aside instead of failing twice.
    for check_id in ("files.docker_base", "files.docker_env_name", "files.docker_platform"):
        assert check(make_ctx(fresh.root), check_id).status is Status.SKIP


def test_placeholders_left_are_named_with_file_and_line(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(fresh.file("Dockerfile"), "conda-pack -n svc", "conda-pack -n <project-name>")
    # The seed's cloudbuild.yaml really has `<GCLOUD-PROJECT-NAME/` without its `>`.
    fresh.replace(
        fresh.file("cloudbuild.yaml"), "${PROJECT_ID}/", "${PROJECT_ID}/<GCLOUD-PROJECT-NAME/"
    )
    fresh.replace(fresh.workflow("deploy"), 'service: "svc"', 'service: "<service-name>"')
    result = check(make_ctx(fresh.root), "files.placeholder")
    assert result.status is Status.FAIL
    docker_line = fresh.line_of(fresh.file("Dockerfile"), "<project-name>")
    assert f"<project-name> at projects/svc/Dockerfile:{docker_line}" in result.message
    assert "<GCLOUD-PROJECT-NAME at projects/svc/cloudbuild.yaml:" in result.message
    assert "<service-name> at .github/workflows/svc-deploy.yml:" in result.message


def test_a_project_without_workflows_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.workflow("deploy").unlink()
    result = check(make_ctx(fresh.root), "files.workflow_missing")
    assert result.status is Status.WARN
    assert "no deploy workflow runs for projects/svc" in result.message
    # The sample's own projects have no workflows at all.
    both = check(make_ctx(fresh.root), "files.workflow_missing", "api")
    assert both.status is Status.WARN and "no checks and no deploy workflow" in both.message


def test_paths_copied_from_another_project_fail(make_ctx: MakeCtx, fresh: Fresh) -> None:
    checks = fresh.workflow("checks")
    fresh.replace(checks, "working-directory: projects/svc", "working-directory: projects/api")
    fresh.replace(checks, '- "projects/svc/**/*"', '- "projects/api/**/*"')  # push only
    result = check(make_ctx(fresh.root), "files.workflow_paths")
    assert result.status is Status.FAIL
    wd_line = fresh.line_of(checks, "working-directory: projects/api")
    assert f"working-directory `projects/api` (.github/workflows/svc-checks.yml:{wd_line})" in (
        result.message
    )
    assert "`projects/api/**/*` (.github/workflows/svc-checks.yml:6) is the folder of `api`" in (
        result.message
    )
    assert "`push` in .github/workflows/svc-checks.yml never triggers" in result.message
    assert "`pull_request`" not in result.message  # that one still names svc


def test_a_workflow_without_paths_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    deploy = fresh.workflow("deploy")
    fresh.replace(deploy, '    paths:\n      - "projects/svc/**/*"\n', "")
    result = check(make_ctx(fresh.root), "files.workflow_paths")
    assert result.status is Status.WARN
    assert "svc-deploy.yml has no `paths:` filter" in result.message


def test_environment_file_missing_or_another_projects(make_ctx: MakeCtx, fresh: Fresh) -> None:
    checks = fresh.workflow("checks")
    fresh.replace(
        checks,
        "environment-file: projects/svc/environment.yml",
        "environment-file: projects/svc/env.yml",
    )
    missing = check(make_ctx(fresh.root), "files.workflow_env_file")
    line = fresh.line_of(checks, "environment-file:")
    assert missing.status is Status.FAIL
    assert f"`projects/svc/env.yml` (.github/workflows/svc-checks.yml:{line}) does not exist" in (
        missing.message
    )
    fresh.replace(checks, "projects/svc/env.yml", "projects/api/environment.yml")
    other = check(make_ctx(fresh.root), "files.workflow_env_file")
    assert other.status is Status.FAIL and "is not this project's" in other.message


def test_unquoted_python_version_is_a_number(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(fresh.file("environment.yml"), f"python={PYTHON_RUNNING_MINOR}", "python=3.10")
    checks = fresh.workflow("checks")
    fresh.replace(checks, f'python-version: ["{PYTHON_RUNNING_MINOR}"]', "python-version: [3.10]")
    fresh.replace(checks, f'python-version: "{PYTHON_RUNNING_MINOR}"', 'python-version: "3.10"', 2)
    result = check(make_ctx(fresh.root), "files.ci_python")
    line = fresh.line_of(checks, "python-version: [3.10]")
    assert result.status is Status.FAIL
    assert (
        f"python-version 3.10 (.github/workflows/svc-checks.yml:{line}) is read by YAML as "
        "the number 3.1" in result.message
    )


def test_python_version_differing_from_the_pin_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(
        fresh.workflow("checks"),
        f'python-version: ["{PYTHON_RUNNING_MINOR}"]',
        'python-version: ["3.9"]',
    )
    result = check(make_ctx(fresh.root), "files.ci_python")
    line = fresh.line_of(fresh.workflow("checks"), 'python-version: ["3.9"]')
    assert result.status is Status.WARN
    assert (
        f"python-version 3.9 (.github/workflows/svc-checks.yml:{line}) but environment.yml pins "
        f"python {PYTHON_RUNNING_MINOR}" in result.message
    )


def test_black_version_differing_from_the_pin_fails(make_ctx: MakeCtx, fresh: Fresh) -> None:
    checks = fresh.workflow("checks")
    fresh.replace(checks, 'version: "25.1.0"', 'version: "22.3.0"')
    result = check(make_ctx(fresh.root), "files.ci_black")
    line = fresh.line_of(checks, 'version: "22.3.0"')
    env_line = fresh.line_of(fresh.file("environment.yml"), "black=")
    assert result.status is Status.FAIL
    assert (
        f"CI formats with black 22.3.0 (.github/workflows/svc-checks.yml:{line}) but "
        f"environment.yml pins black 25.1.0 (line {env_line})"
    ) in result.message


def test_black_checking_the_whole_repo_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(fresh.workflow("checks"), '          src: "./projects/svc"\n', "")
    result = check(make_ctx(fresh.root), "files.ci_black")
    assert result.status is Status.WARN
    assert "checks `.`: every project's files, with this project's black" in result.message


def test_dropping_the_macos_runner_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(
        fresh.workflow("checks"), '["ubuntu-latest", "macos-latest"]', '["ubuntu-latest"]'
    )
    result = check(make_ctx(fresh.root), "files.ci_macos")
    assert result.status is Status.WARN and "never run on macOS" in result.message
    assert "macos-latest" in (result.hint or "")


def test_old_actions_are_named_with_their_replacement(make_ctx: MakeCtx, fresh: Fresh) -> None:
    checks = fresh.workflow("checks")
    fresh.replace(checks, "actions/checkout@v5", "actions/checkout@v2", 2)
    fresh.replace(
        checks, "mamba-org/setup-micromamba@v3", "mamba-org/provision-with-micromamba@main"
    )
    result = check(make_ctx(fresh.root), "files.actions_deprecated")
    assert result.status is Status.WARN
    first, second = [
        n for n, t in enumerate(checks.read_text().splitlines(), 1) if "checkout@v2" in t
    ]
    assert (
        "actions/checkout@v2 → actions/checkout@v5 (Node 12, deprecated 2022-09-22; "
        f".github/workflows/svc-checks.yml:{first},{second})"
    ) in result.message
    assert (
        "mamba-org/provision-with-micromamba@main → mamba-org/setup-micromamba@v3" in result.message
    )


def test_node20_majors_age_with_the_calendar(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(fresh.workflow("deploy"), "actions/checkout@v5", "actions/checkout@v4")
    early = run_check(
        make_ctx(fresh.root, today=dt.date(2025, 6, 1)), "files.actions_deprecated", "svc"
    )
    assert early.status is Status.OK
    late = run_check(make_ctx(fresh.root, today=TODAY), "files.actions_deprecated", "svc")
    assert late.status is Status.WARN and "Node 20, deprecated 2025-09-19" in late.message


@pytest.mark.parametrize(
    ("image", "today", "expected"),
    [
        ("condaforge/mambaforge:4.13.0-1", TODAY, "condaforge/miniforge3:<version>"),
        ("debian:buster-slim", TODAY, "Debian buster, end of life 2024-06-30"),
        ("python:3.9-slim-buster", TODAY, "Debian buster"),
        ("debian:11", TODAY, "Debian bullseye, end of life 2026-08-31"),
        ("debian:bullseye-slim", dt.date(2026, 1, 1), None),
        ("debian:bookworm-slim", TODAY, None),
    ],
)
def test_base_images(
    make_ctx: MakeCtx, fresh: Fresh, image: str, today: dt.date, expected: str | None
) -> None:
    fresh.replace(fresh.file("Dockerfile"), "debian:trixie-slim", image)
    result = run_check(make_ctx(fresh.root, today=today), "files.docker_base", "svc")
    if expected is None:
        assert result.status is Status.OK
    else:
        line = fresh.line_of(fresh.file("Dockerfile"), image)
        assert result.status is Status.WARN and expected in result.message
        assert f"projects/svc/Dockerfile:{line})" in result.message


def test_conda_pack_name_must_be_the_env_created(make_ctx: MakeCtx, fresh: Fresh) -> None:
    dockerfile = fresh.file("Dockerfile")
    fresh.replace(dockerfile, "conda-pack -n svc", "conda-pack -n address-api")
    result = check(make_ctx(fresh.root), "files.docker_env_name")
    line = fresh.line_of(dockerfile, "conda-pack -n")
    assert result.status is Status.FAIL
    assert f"`conda-pack -n address-api` (projects/svc/Dockerfile:{line}) but the env is `svc`" in (
        result.message
    )
    # Naming the env on the create line is fine, as long as conda-pack packs that one.
    fresh.replace(dockerfile, "mamba env create -y -f", "mamba env create -y -n address-api -f")
    assert check(make_ctx(fresh.root), "files.docker_env_name").status is Status.OK


def test_platform_pin_is_noted_on_apple_silicon(make_ctx: MakeCtx, fresh: Fresh) -> None:
    for facts in (MAC_ARM, MAC_ROSETTA):
        noted = check(make_ctx(fresh.root, **facts), "files.docker_platform")
        assert noted.status is Status.OK
        assert "on this Apple Silicon Mac a local `docker build` runs emulated" in noted.message
    dockerfile = fresh.file("Dockerfile")
    fresh.replace(dockerfile, "FROM --platform=linux/amd64 debian", "FROM debian")
    line = fresh.line_of(dockerfile, "FROM debian")
    unpinned = check(make_ctx(fresh.root, **MAC_ARM), "files.docker_platform")
    assert unpinned.status is Status.WARN
    assert f"projects/svc/Dockerfile:{line} has no --platform" in unpinned.message
    linux = check(make_ctx(fresh.root, system="Linux", machine="x86_64"), "files.docker_platform")
    assert linux.status is Status.OK and "like Cloud Run" in linux.message


def test_a_platform_cloud_run_cannot_run_warns(make_ctx: MakeCtx, fresh: Fresh) -> None:
    fresh.replace(
        fresh.file("Dockerfile"), "--platform=linux/amd64 debian", "--platform=linux/arm64 debian"
    )
    result = check(make_ctx(fresh.root), "files.docker_platform")
    assert result.status is Status.WARN and "builds for linux/arm64" in result.message


def test_entrypoint_not_executable_crlf_and_no_port(make_ctx: MakeCtx, fresh: Fresh) -> None:
    script = fresh.file("entrypoint.sh")
    script.chmod(0o644)
    script.write_bytes(script.read_bytes().replace(b"\n", b"\r\n").replace(b"${PORT}", b"8080"))
    result = check(make_ctx(fresh.root), "files.entrypoint")
    assert result.status is Status.FAIL
    assert "projects/svc/entrypoint.sh is not executable" in result.message
    assert "projects/svc/entrypoint.sh:1 ends in CRLF" in result.message
    assert "never reads PORT" in result.message


@pytest.mark.slow
def test_entrypoint_fix_makes_it_executable_with_lf_endings(
    make_ctx: MakeCtx, fresh: Fresh
) -> None:
    script = fresh.file("entrypoint.sh")
    original = script.read_bytes()
    script.chmod(0o644)
    script.write_bytes(original.replace(b"\n", b"\r\n"))
    result = check(make_ctx(fresh.root), "files.entrypoint")
    assert result.status is Status.FAIL and result.fixable
    fixed = devkit("--root", fresh.root, "doctor", "--fix", "--yes", "--check", "files.entrypoint")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "converted CRLF line endings to LF and made it executable" in fixed.stderr
    assert script.read_bytes() == original
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert check(make_ctx(fresh.root), "files.entrypoint").status is Status.OK


def test_entrypoint_findings_the_fix_cannot_mend_are_not_fixable(
    make_ctx: MakeCtx, fresh: Fresh
) -> None:
    script = fresh.file("entrypoint.sh")
    fresh.replace(script, 'PORT="8080"', 'PORT="8000"')
    result = check(make_ctx(fresh.root), "files.entrypoint")
    assert result.status is Status.WARN and not result.fixable


def test_entrypoint_port_default_must_match_devkit_run(make_ctx: MakeCtx, fresh: Fresh) -> None:
    script = fresh.file("entrypoint.sh")
    fresh.replace(script, 'PORT="8080"', 'PORT="8000"')
    result = check(make_ctx(fresh.root), "files.entrypoint")
    line = fresh.line_of(script, 'PORT="8000"')
    assert result.status is Status.WARN
    assert f"projects/svc/entrypoint.sh:{line} defaults PORT to 8000" in result.message


def test_entrypoint_not_executable_in_git(make_ctx: MakeCtx, fresh: Fresh) -> None:
    git(fresh.root, "init", "-q", "-b", "main")
    git(fresh.root, "add", "-A")
    # Executable on this disk, but git records 100644: a CI checkout gets a file bash can't exec.
    git(fresh.root, "update-index", "--chmod=-x", "projects/svc/entrypoint.sh")
    assert os.stat(fresh.file("entrypoint.sh")).st_mode & stat.S_IXUSR
    result = check(make_ctx(fresh.root), "files.entrypoint")
    assert result.status is Status.FAIL
    assert "git records projects/svc/entrypoint.sh as mode 100644" in result.message
    git(fresh.root, "update-index", "--chmod=+x", "projects/svc/entrypoint.sh")
    assert check(make_ctx(fresh.root), "files.entrypoint").status is Status.OK


def test_missing_entrypoint_fails_when_the_dockerfile_runs_it(
    make_ctx: MakeCtx, fresh: Fresh
) -> None:
    fresh.file("entrypoint.sh").unlink()
    result = check(make_ctx(fresh.root), "files.entrypoint")
    assert (
        result.status is Status.FAIL and "projects/svc/entrypoint.sh is missing" in result.message
    )


def test_deploy_running_an_image_it_did_not_build_fails(make_ctx: MakeCtx, fresh: Fresh) -> None:
    deploy = fresh.workflow("deploy")
    fresh.replace(
        deploy, "cloud-run-source-deploy/svc:latest", "cloud-run-source-deploy/api:latest"
    )
    result = check(make_ctx(fresh.root), "files.images")
    assert result.status is Status.FAIL
    tag_line = fresh.line_of(deploy, "--tag ")
    image_line = fresh.line_of(deploy, "image:")
    assert (
        "the deploy builds "
        "`us-central1-docker.pkg.dev/acme-data/cloud-run-source-deploy/svc:latest` "
        f"(.github/workflows/svc-deploy.yml:{tag_line}) but deploys "
        "`us-central1-docker.pkg.dev/acme-data/cloud-run-source-deploy/api:latest` "
        f"(.github/workflows/svc-deploy.yml:{image_line})"
    ) in result.message


def test_cloudbuild_naming_another_image_warns_like_the_seed(
    make_ctx: MakeCtx, fresh: Fresh
) -> None:
    # The write-up's cloudbuild.yaml pushes to ${PROJECT_ID}/<gcloud project>/<project>, while its
    # deploy builds and runs .../cloud-run-source-deploy/<project>.
    cloudbuild = fresh.file("cloudbuild.yaml")
    text = cloudbuild.read_text().replace("cloud-run-source-deploy", "acme-data")
    cloudbuild.write_text(text)
    result = check(make_ctx(fresh.root), "files.images")
    assert result.status is Status.WARN
    assert "`us-central1-docker.pkg.dev/acme-data/acme-data/svc`" in result.message
    assert "`gcloud builds submit --tag` builds the Dockerfile and never reads it" in result.message
    # Switch the deploy to cloudbuild.yaml and the same mismatch breaks the deploy.
    deploy = fresh.workflow("deploy")
    fresh.replace(
        deploy,
        "--tag us-central1-docker.pkg.dev/acme-data/cloud-run-source-deploy/svc",
        "--config cloudbuild.yaml",
    )
    used = check(make_ctx(fresh.root), "files.images")
    assert (
        used.status is Status.FAIL
        and "not `us-central1-docker.pkg.dev/acme-data/cloud-run" in used.message
    )


def test_env_vars_cut_by_a_comma_fail_without_showing_values(
    make_ctx: MakeCtx, fresh: Fresh
) -> None:
    deploy = fresh.workflow("deploy")
    fresh.replace(
        deploy,
        "PYTHONUNBUFFERED=True,PROJECT_ID=acme-data",
        "PYTHONUNBUFFERED=True,PROJECT_ID=acme-data,ALLOWED=sk-hunter2,xoxb-99\n"
        "            PORT=9000,PROJECT_ID=again",
    )
    result = check(make_ctx(fresh.root), "files.deploy_env_vars")
    first = fresh.line_of(deploy, "ALLOWED=")
    assert result.status is Status.FAIL
    assert f"env_vars entry 4 (.github/workflows/svc-deploy.yml:{first}) is not KEY=value" in (
        result.message
    )
    assert "env_vars sets PORT, which Cloud Run reserves" in result.message
    assert "env_vars sets PROJECT_ID 2 times" in result.message
    assert "hunter2" not in result.message and "xoxb" not in result.message


def test_escaped_commas_are_one_value(make_ctx: MakeCtx, fresh: Fresh) -> None:
    deploy = fresh.workflow("deploy")
    fresh.replace(deploy, "PROJECT_ID=acme-data", r"PROJECT_ID=acme-data,ORIGINS=a\,b")
    result = check(make_ctx(fresh.root), "files.deploy_env_vars")
    assert result.status is Status.OK
    assert result.message == "deploy sets PYTHONUNBUFFERED, PROJECT_ID, ORIGINS"
    # An escaped comma before something that looks like a pair: deploy-cloudrun sets one
    # variable, QUERY="a,LIMIT=5", and the variable checks ask for QUERY only, not a LIMIT.
    fresh.replace(deploy, r"ORIGINS=a\,b", r"QUERY=a\,LIMIT=5")
    one = check(make_ctx(fresh.root), "files.deploy_env_vars")
    assert one.status is Status.OK and one.message.endswith("PROJECT_ID, QUERY")
    missing = check(make_ctx(fresh.root), "vars.missing")
    assert "QUERY" in missing.message and "LIMIT" not in missing.message


def test_unparsable_workflow_is_named_with_its_line(make_ctx: MakeCtx, fresh: Fresh) -> None:
    broken = fresh.root / ".github" / "workflows" / "api-checks.yml"
    broken.write_text('name: api\non:\n  push:\n    paths: ["projects/api/**"\njobs: {}\n')
    result = check(make_ctx(fresh.root), "files.workflow_parse", None)
    assert result.status is Status.FAIL
    # YAML notices the unclosed `[` of line 4 on line 5, where the list cannot go on.
    assert result.message.startswith(".github/workflows/api-checks.yml:5: invalid YAML")
    missing = check(make_ctx(fresh.root), "files.workflow_missing", "api")
    assert "api-checks.yml:5: invalid YAML" in missing.message


def test_a_workflow_for_a_removed_project_fails(make_ctx: MakeCtx, fresh: Fresh) -> None:
    shutil.copy(fresh.workflow("checks"), fresh.root / ".github" / "workflows" / "svcs-checks.yml")
    orphan = fresh.root / ".github" / "workflows" / "svcs-checks.yml"
    orphan.write_text(orphan.read_text().replace("projects/svc", "projects/svcs"))
    result = check(make_ctx(fresh.root), "files.workflow_orphan", None)
    assert result.status is Status.FAIL
    assert (
        "`projects/svcs/**/*` (.github/workflows/svcs-checks.yml:6) names no project "
        "(did you mean `svc`?)" in result.message
    )


def test_workflows_are_indexed_by_the_folders_they_name(make_ctx: MakeCtx, fresh: Fresh) -> None:
    create_project(fresh.root, "svc-v2")  # a name that starts with another project's
    folder = fresh.root / ".github" / "workflows"
    (folder / "svc-v2-extra.yml").write_text(fresh.workflow("checks").read_text())  # svc's
    stray = fresh.workflow("checks").read_text().replace("projects/svc", "projects/gone")
    (folder / "api-nightly.yml").write_text(stray)  # names no project: api's by its name
    ctx = make_ctx(fresh.root)
    repo = ctx.monorepo
    assert repo is not None

    def names(project: str) -> list[str]:
        return [w.path.name for w in ctx.github.of_project(repo.project(project))]

    assert names("svc") == ["svc-checks.yml", "svc-deploy.yml", "svc-v2-extra.yml"]
    assert names("svc-v2") == ["svc-v2-checks.yml", "svc-v2-deploy.yml"]
    assert names("api") == ["api-nightly.yml"]
    assert names("etl") == []
    # Production's variables come from the deploy that runs for the folder, not a neighbour's.
    sources = set(ctx.github.production_variables(repo.project("svc-v2")).values())
    assert ".github/workflows/svc-v2-deploy.yml" in sources
    assert not any(s.startswith(".github/workflows/svc-") and "v2" not in s for s in sources)
    sources = set(ctx.github.production_variables(repo.project("svc")).values())
    assert ".github/workflows/svc-deploy.yml" in sources
    assert not any("v2" in s for s in sources)


MALFORMED = [
    "[1, 2, 3]\n",
    "on: push\njobs: [a, b]\n",
    "on:\n  push:\n    paths: projects/svc\njobs:\n  x: 3\n",
    "on: {push: {paths: [1, null]}}\njobs:\n  x:\n    steps: step\n    runs-on: [null]\n",
    "jobs:\n  x:\n    strategy: {matrix: {python-version: {a: 1}}}\n    steps:\n"
    "      - uses: 7\n      - with: x\n      - uses: psf/black@stable\n        with: [1]\n"
    "      - run: gcloud builds submit --tag 'unclosed\n",
    "jobs:\n  d:\n    steps:\n      - uses: google-github-actions/deploy-cloudrun@v3\n"
    "        with: {image: null, env_vars: {a: 1}}\n",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_odd_workflows_never_crash_a_check(make_ctx: MakeCtx, fresh: Fresh, text: str) -> None:
    (fresh.root / ".github" / "workflows" / "svc-odd.yml").write_text(text)
    fresh.file("Dockerfile").write_text("FROM --platform\n")
    fresh.file("cloudbuild.yaml").write_text("steps: 3\n")
    report = run_checks(
        make_ctx(fresh.root, projects=("svc",)), [c for c in CHECKS if c.id.startswith("files.")]
    )
    crashed = [r for r in report.results if "crashed" in r.message]
    assert crashed == []


def test_a_custom_projects_folder_is_followed(make_ctx: MakeCtx, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "devkit.yaml").write_text("projects_dir: services/python\n")
    create_project(root)
    ctx = make_ctx(root, projects=("svc",))
    report = run_checks(ctx, [c for c in CHECKS if c.id.startswith("files.")])
    expected = {i: Status.SKIP if i in LOCK_IDS else Status.OK for i in FILES_IDS}
    assert {r.check_id: r.status for r in report.results} == expected
    checks = (root / ".github/workflows/svc-checks.yml").read_text()
    assert "working-directory: services/python/svc\n" in checks
