"""Creating the chosen projects' envs, several at once, skipping the ones already current."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field

from devkit import console
from devkit.conda import envbuild, envs, envspec
from devkit.conda.micromamba import Micromamba
from devkit.errors import DevkitError, FileFormatError
from devkit.repo.monorepo import Project


@dataclass
class Summary:
    """What each step did, for the closing table."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, step: str, status: str, detail: str) -> None:
        """Record and show one step's outcome."""
        self.rows.append((step, status, detail))
        mark = {"done": "✓", "skipped": "·", "failed": "✗"}.get(status, "-")
        console.info(f"{mark} {step}: {detail}")

    @property
    def failed(self) -> bool:
        """Whether any step failed."""
        return any(status == "failed" for _, status, _ in self.rows)


def check_name_clashes(plans: list[tuple[Project, envspec.EnvSpec]]) -> None:
    """Two projects claiming one env name would overwrite each other's env: refuse up front."""
    for name, claimants in envs.name_claims(plans).items():
        if len(claimants) > 1:
            raise DevkitError(
                f"projects {' and '.join(claimants)} both name their env `{name}`",
                hint="give each project its own `name:` in its environment.yml",
            )


def build_envs(
    mm: Micromamba,
    projects: list[Project],
    *,
    jobs: int,
    summary: Summary,
    confirm: Callable[[str], bool],
) -> None:
    """Create or update each env; one failure does not stop the others."""
    plans: list[tuple[Project, envspec.EnvSpec]] = []
    for project in projects:
        try:
            plans.append((project, envspec.parse(project.env_file)))
        except FileFormatError as exc:
            summary.add(f"env {project.name}", "failed", exc.message)
    check_name_clashes(plans)

    todo: list[tuple[Project, envspec.EnvSpec, envs.EnvLocation]] = []
    for project, spec in plans:
        location = envs.locate(mm.root_prefix, project, spec)
        present = envs.status(location.prefix).state is envs.EnvState.PRESENT
        if present and envbuild.is_current(location.prefix, spec, mm):
            summary.add(f"env {project.name}", "skipped", f"`{location.name}` is up to date")
        elif location.prefix.exists() and not confirm(_rebuild_question(location, project)):
            # Rebuilding replaces the env: never without a yes.
            summary.add(
                f"env {project.name}",
                "skipped",
                f"`{location.name}` left as is (not current; rebuild: --yes, or answer yes)",
            )
        else:
            todo.append((project, spec, location))
    if not todo:
        return
    console.info(f"building {len(todo)} env(s), {max(1, jobs)} at a time…")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {
            pool.submit(envbuild.build, mm, spec, location): (project, location)
            for project, spec, location in todo
        }
        for future in concurrent.futures.as_completed(futures):
            project, location = futures[future]
            try:
                result = future.result()
            except DevkitError as exc:  # e.g. a malformed conda-lock.yml: this env only
                summary.add(f"env {project.name}", "failed", exc.message)
                continue
            if result.ok:
                summary.add(f"env {project.name}", "done", result.describe(f"`{location.name}`"))
            else:
                detail = "; ".join(p for p in (*result.problems, result.note) if p)
                summary.add(f"env {project.name}", "failed", detail)
    except BaseException:
        # Ctrl-C reached micromamba too (same process group); each build cleans up after itself
        # (envbuild.build), so wait for them before leaving.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _rebuild_question(location: envs.EnvLocation, project: Project) -> str:
    if envbuild.read_fingerprint(location.prefix) is None:
        # Not built by devkit, or its build never finished: nothing says the file changed.
        return (
            f"Rebuild env `{location.name}` from {project.env_file.name}? "
            "(devkit has no record of building it)"
        )
    return f"Rebuild env `{location.name}` from the changed {project.env_file.name}?"
