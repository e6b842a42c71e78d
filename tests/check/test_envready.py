"""The env step: up to date, stale or missing, and the offer to build it (a prompt callback)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from devkit.commands.check import envready, select
from devkit.conda import envbuild, envs, envspec, micromamba
from devkit.repo import monorepo as monorepo_mod
from devkit.userconfig import UserConfig
from tests.support.fixtures import CreateEnv
from tests.support.monorepo import Monorepo, add_project


def target_for(root: Path, name: str) -> select.Target:
    repo = monorepo_mod.load(root)
    project = repo.project(name)
    root_prefix = Path(os.environ["MAMBA_ROOT_PREFIX"])
    return select.plan_target(repo, project, [], root_prefix, "linux", "X64", (), ())


def mm() -> micromamba.Micromamba:
    return micromamba.from_config(UserConfig())


def test_up_to_date_stale_and_declined(sample_monorepo: Monorepo, create_env: CreateEnv) -> None:
    folder = add_project(sample_monorepo, "tiny")
    prefix = create_env(folder)
    spec = envspec.parse(folder / "environment.yml")
    target = target_for(sample_monorepo.root, "tiny")
    assert envready.prepare_env(mm(), target, None).detail.endswith(
        "cannot tell whether it is current"
    )
    envbuild.write_fingerprint(prefix, spec, spec.fingerprint)
    fresh = envready.prepare_env(mm(), target, None)
    assert (fresh.usable, fresh.status, fresh.detail) == (True, "ok", "env tiny is up to date")

    (folder / "environment.yml").write_text(spec.path.read_text() + "# edited\n")
    asked: list[str] = []
    stale = envready.prepare_env(mm(), target, lambda q: bool(asked.append(q)))
    assert asked == [
        "env tiny was built before environment.yml last changed. Build it now, as "
        "`devkit setup --projects tiny` would?"
    ]
    assert (stale.usable, stale.status) == (True, "ok")
    assert stale.detail.startswith("env tiny is stale: it was built before environment.yml")


@pytest.mark.skipif(sys.platform != "linux", reason="the test world's envs run on linux-64")
def test_accepting_the_offer_builds_the_env(sample_monorepo: Monorepo) -> None:
    add_project(sample_monorepo, "tiny")
    target = target_for(sample_monorepo.root, "tiny")
    missing = envready.prepare_env(mm(), target, None)
    assert (missing.usable, missing.status) == (False, "failed")
    assert missing.detail.endswith("(create it: devkit setup --projects tiny)")
    built = envready.prepare_env(mm(), target, lambda _question: True)
    assert (built.usable, built.status) == (True, "ok"), built.detail
    assert built.detail.startswith("created env tiny (")
    assert envs.status(target.prefix).state is envs.EnvState.PRESENT
    assert envready.prepare_env(mm(), target, None).detail == "env tiny is up to date"
