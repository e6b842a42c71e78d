"""The project's env as ``devkit check`` finds it: there, current, stale or missing."""

from __future__ import annotations

import time
from collections.abc import Callable

from devkit import console
from devkit.commands.check.results import FAILED, OK, EnvReady
from devkit.commands.check.select import Target
from devkit.conda import envbuild, envs, envspec, lockfile, micromamba
from devkit.errors import ToolNotFoundError
from devkit.repo.monorepo import Project


def prepare_env(
    mm: micromamba.Micromamba | ToolNotFoundError,
    target: Target,
    confirm: Callable[[str], bool] | None,
) -> EnvReady:
    """Whether the project's env is there and current; offers to build it when it is not."""
    name, prefix, project = target.env_name, target.prefix, target.project.name
    hint = f"devkit setup --projects {project}"
    if target.spec_error:
        return EnvReady(name, prefix, False, FAILED, target.spec_error)
    status = envs.status(prefix)
    present = status.state is envs.EnvState.PRESENT
    missing = status.state is envs.EnvState.MISSING
    why = f"is missing ({prefix})" if missing else f"is {status.state.value}: {status.reason}"
    if present:
        recorded = envbuild.read_fingerprint(prefix)
        if recorded is None:
            note = "devkit did not build it, so it cannot tell whether it is current"
            return EnvReady(name, prefix, True, OK, f"env {name} is there; {note}")
        spec = _spec(target.project)
        platform_of: Callable[[], str | None] = (
            (lambda: None) if isinstance(mm, ToolNotFoundError) else mm.platform
        )
        if recorded.sha256 == envbuild.source_sha256(spec, platform_of):
            return EnvReady(name, prefix, True, OK, f"env {name} is up to date")
        why = f"was built before {target.project.env_file.name} last changed"
    offer = f"env {name} {why}. Build it now, as `{hint}` would?"
    if confirm is not None and not isinstance(mm, ToolNotFoundError) and confirm(offer):
        return _build(mm, target)
    if present:
        detail = f"env {name} is stale: it {why}; the steps use it as it is (update: {hint})"
        console.warn(detail)
        return EnvReady(name, prefix, True, OK, detail)
    return EnvReady(name, prefix, False, FAILED, f"env {name} {why} (create it: {hint})")


def _build(mm: micromamba.Micromamba, target: Target) -> EnvReady:
    name, prefix = target.env_name, target.prefix
    console.info(f"building env {name}…")
    start = time.perf_counter()
    built = envbuild.build(mm, _spec(target.project), envs.EnvLocation(name, prefix))
    seconds = time.perf_counter() - start
    if built.ok:
        return EnvReady(name, prefix, True, OK, built.describe(f"env {name}"), seconds)
    problems = "; ".join(p for p in (*built.problems, built.note) if p)
    usable = envs.status(prefix).state is envs.EnvState.PRESENT
    return EnvReady(name, prefix, usable, FAILED, f"env {name} not built: {problems}", seconds)


def _spec(project: Project) -> envspec.EnvSpec:
    # A lock's fingerprint depends on whether it still satisfies the file's specs, which needs
    # them parsed (and py-rattler); without a lock the file's bytes are enough.
    full = lockfile.lock_path(project.path).is_file()
    return envspec.parse(project.env_file, dependencies=full)
