"""Setup refuses two projects that claim one env name, before building anything."""

from __future__ import annotations

import pytest

from devkit.commands.envsetup import check_name_clashes
from devkit.conda import envspec
from devkit.errors import DevkitError
from devkit.repo import monorepo
from tests.support.monorepo import Monorepo, add_project, edit_environment


def test_two_projects_one_env_name_are_named(sample_monorepo: Monorepo) -> None:
    copy = add_project(sample_monorepo, "api-v2")
    edit_environment(copy / "environment.yml", name="api")
    repo = monorepo.load(sample_monorepo.root)
    plans = [(p, envspec.parse(p.env_file)) for p in repo.projects()]
    with pytest.raises(DevkitError, match="projects api and api-v2 both name their env `api`"):
        check_name_clashes(plans)
    check_name_clashes([plan for plan in plans if plan[0].name != "api-v2"])
