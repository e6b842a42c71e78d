"""The example monorepo is faithful to the team's write-up, warts included: doctor names them."""

from __future__ import annotations

from pathlib import Path

from devkit.doctor.base import Status
from devkit.doctor.registry import CHECKS
from devkit.doctor.runner import run_checks
from tests.doctor.conftest import MakeCtx
from tests.files.test_checks import LOCK_IDS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "monorepo"
# What the write-up's files get wrong today, and nothing else.
EXPECTED_WARNINGS = {
    "files.actions_deprecated",  # checkout@v2/v3, setup-python@v2, provision-with-micromamba, *@v0
    "files.docker_base",  # condaforge/mambaforge, debian:buster-slim
    "files.ci_black",  # psf/black without `src:` checks the whole monorepo
    "files.images",  # cloudbuild.yaml pushes another image than the deploy runs
}


def test_the_example_monorepo_gets_the_seeds_findings(make_ctx: MakeCtx) -> None:
    ctx = make_ctx(EXAMPLE)
    report = run_checks(ctx, [c for c in CHECKS if c.id.startswith("files.")])
    for project in ("address-api", "ingest"):
        found = {r.check_id: r for r in report.results if r.project == project}
        warned = {i for i, r in found.items() if r.status is Status.WARN}
        assert warned == EXPECTED_WARNINGS, project
        # No project of the write-up is locked: the lock checks do not apply.
        unlocked = {i for i, r in found.items() if i in LOCK_IDS and r.status is Status.SKIP}
        assert unlocked == LOCK_IDS, project
        others = (r for i, r in found.items() if i not in warned | unlocked)
        assert all(r.status is Status.OK for r in others), project
        deprecated = found["files.actions_deprecated"].message
        assert "mamba-org/provision-with-micromamba@main → mamba-org/setup-micromamba@v3" in (
            deprecated
        )
        assert (
            "google-github-actions/deploy-cloudrun@v0 → google-github-actions/deploy-cloudrun@v3"
            in (deprecated)
        )
        assert "debian:buster-slim` → debian:trixie-slim" in found["files.docker_base"].message
    repo = [r for r in report.results if r.project is None]
    assert [(r.check_id, r.status) for r in repo] == [
        ("files.workflow_parse", Status.OK),
        ("files.workflow_orphan", Status.OK),
    ]
