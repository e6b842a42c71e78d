"""``devkit lock PROJECT --diff [REF]``: what each project's lock changes against a git ref."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from devkit import console, git
from devkit.conda import envspec, lockfile, pypi
from devkit.drift import lockdiff
from devkit.drift.lockdiff_render import DiffReport, document, markdown
from devkit.errors import DevkitError, UsageError
from devkit.repo import monorepo


def diff(
    repo: monorepo.Monorepo, projects: Sequence[monorepo.Project], ref: str, as_json: bool
) -> int:
    """Print the diff of every project's lock against ``ref`` ("": the upstream merge base)."""
    top = git.toplevel(repo.root)
    if top is None:
        raise DevkitError(f"{repo.root} is not a git clone: there is nothing to compare with")
    commit, label = _base(top, ref)
    reports = [_report(top, project, commit, label) for project in projects]
    if as_json:
        console.print_json(document(reports))
    else:
        # Plain text, not rich: the Markdown goes into a pull request or $GITHUB_STEP_SUMMARY.
        console.out().print(markdown(reports), markup=False, highlight=False, soft_wrap=True)
    return 0


def _base(top: Path, ref: str) -> tuple[str, str]:
    if ref:
        commit = git.commit_of(top, ref)
        if commit is None:
            raise UsageError(
                f"--diff {ref}: not a commit in this clone",
                hint="name a branch, tag or commit (e.g. origin/main); `git fetch` first",
            )
        return commit, ref
    found = git.upstream_base(top)
    if found is None:
        raise UsageError(
            "--diff: this branch has no upstream to compare with",
            hint="name the ref: `--diff origin/main`, or set one: "
            "`git branch --set-upstream-to origin/main`",
        )
    commit, upstream = found
    return commit, f"merge base with {upstream}"


def _report(top: Path, project: monorepo.Project, commit: str, label: str) -> DiffReport:
    path = lockfile.lock_path(project.path)
    relative = path.resolve().relative_to(top.resolve()).as_posix()
    old_text = git.file_at(top, commit, relative)
    new_text = path.read_text(encoding="utf-8") if path.is_file() else None
    notes = []
    if old_text is None:
        notes.append(f"{relative} is new: it did not exist at {commit[:10]}")
    if new_text is None:
        notes.append(f"{relative} was deleted")
    old = lockdiff.read_sections(old_text, Path(f"{commit[:10]}-{path.name}")) if old_text else {}
    new = lockdiff.read_sections(new_text, path) if new_text else {}
    return DiffReport(
        project=project.name,
        lock=relative,
        ref=label,
        commit=commit,
        diff=lockdiff.compare(old, new, _direct(project)),
        notes=tuple(notes),
    )


def _direct(project: monorepo.Project) -> set[lockdiff.Key]:
    """The packages environment.yml names (as it is now), conda and pip."""
    if not project.env_file.is_file():
        return set()
    spec = envspec.parse(project.env_file)
    pip_names = (pypi.requirement_name(r.text) for r in pypi.split(spec.pip).lockable)
    return lockdiff.direct_keys([d.name for d in spec.dependencies], [n for n in pip_names if n])
