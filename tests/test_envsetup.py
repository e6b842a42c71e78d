"""Setup refuses two projects that claim one env name, and says why it left an env as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit import userconfig
from devkit.commands.envsetup import Step, StepStatus, Summary, build_envs, check_name_clashes
from devkit.conda import envspec, micromamba
from devkit.errors import DevkitError
from devkit.repo import monorepo
from tests.support.fixtures import CreateEnv
from tests.support.monorepo import Monorepo, add_project, edit_environment


def test_two_projects_one_env_name_are_named(sample_monorepo: Monorepo) -> None:
    copy = add_project(sample_monorepo, "api-v2")
    edit_environment(copy / "environment.yml", name="api")
    repo = monorepo.load(sample_monorepo.root)
    plans = [(p, envspec.parse(p.env_file)) for p in repo.projects()]
    with pytest.raises(DevkitError, match="projects api and api-v2 both name their env `api`"):
        check_name_clashes(plans)
    check_name_clashes([plan for plan in plans if plan[0].name != "api-v2"])


def _declined(repo: Monorepo, *, interactive: bool) -> list[Step]:
    """build_envs for api when every rebuild question is answered no; the summary rows."""
    mm = micromamba.Micromamba(
        micromamba.locate(userconfig.UserConfig()), Path(os.environ["MAMBA_ROOT_PREFIX"])
    )
    summary = Summary()
    project = monorepo.load(repo.root).project("api")
    build_envs(
        mm, [project], jobs=1, summary=summary, confirm=lambda _: False, interactive=interactive
    )
    return summary.rows


def test_a_declined_rebuild_fails_unless_a_person_kept_a_usable_env(
    sample_monorepo: Monorepo, create_env: CreateEnv
) -> None:
    prefix = create_env(sample_monorepo.api)  # not built by devkit: no build record
    [(_, status, detail)] = _declined(sample_monorepo, interactive=True)
    assert status is StepStatus.SKIPPED and "it has no build record" in detail
    [(_, status, detail)] = _declined(sample_monorepo, interactive=False)
    assert status is StepStatus.FAILED
    assert detail.endswith("repair: `devkit setup --projects api --yes`")
    for record in (prefix / "conda-meta").glob("*.json"):
        record.unlink()  # broken: nobody's answer makes it usable
    [(_, status, detail)] = _declined(sample_monorepo, interactive=True)
    assert (
        status is StepStatus.FAILED and "it is broken: " in detail and "lists no packages" in detail
    )
