"""Building doctor contexts from real folders, with facts recorded from other machines."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from devkit import facts, userconfig
from devkit.doctor.base import Result
from devkit.doctor.context import Context
from devkit.doctor.registry import BY_ID
from devkit.doctor.runner import run_one
from devkit.repo import monorepo
from devkit.userconfig import Thresholds

# Facts as `uname -s`, `uname -m`, `sysctl -n sysctl.proc_translated` and $SHELL report them on
# real Macs: an Intel MacBook Pro, an M2 MacBook Air in a native Terminal, and the same M2 with
# Terminal set to "Open using Rosetta".
MAC_INTEL: dict[str, object] = {
    "system": "Darwin",
    "machine": "x86_64",
    "rosetta": False,
    "shell": "zsh",
}
MAC_ARM: dict[str, object] = {
    "system": "Darwin",
    "machine": "arm64",
    "rosetta": False,
    "shell": "zsh",
}
MAC_ROSETTA: dict[str, object] = {
    "system": "Darwin",
    "machine": "x86_64",
    "rosetta": True,
    "shell": "zsh",
}


def machine(**fields: object) -> facts.MachineFacts:
    """This machine's facts with some replaced (another OS's, recorded above)."""
    real = facts.probe()
    base = replace(real, home=Path.home(), environ=dict(os.environ))
    return replace(base, **fields)  # type: ignore[arg-type]


MakeCtx = Callable[..., Context]


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeCtx:
    """A Context over a real monorepo folder (or none), with overridable facts."""

    def build(
        root: Path | None = None,
        *,
        projects: tuple[str, ...] = (),
        thresholds: Thresholds | None = None,
        user: userconfig.UserConfig | None = None,
        **fact_fields: object,
    ) -> Context:
        repo = monorepo.load(root) if root is not None else None
        return Context(
            facts=machine(**fact_fields),
            config=user or userconfig.load_user_config(),
            monorepo=repo,
            only_projects=projects,
            thresholds=thresholds,
        )

    return build


def run_check(ctx: Context, check_id: str, project: str | None = None) -> Result:
    """Run one check and return its single result."""
    check = BY_ID[check_id]
    target = ctx.monorepo.project(project) if (project and ctx.monorepo) else None
    [produced] = run_one(ctx, check, target)
    return produced


def make_monorepo(root: Path, projects: dict[str, str]) -> Path:
    """A monorepo folder with the given environment files."""
    for name, env_yml in projects.items():
        folder = root / "projects" / name
        folder.mkdir(parents=True)
        (folder / "environment.yml").write_text(env_yml)
    return root
