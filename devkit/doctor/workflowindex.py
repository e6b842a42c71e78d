"""The monorepo's GitHub workflows for one doctor run: each file parsed once, indexed once by
the project folders it names, so a thousand projects do not each scan every workflow."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from devkit import parsecache, yamlfile
from devkit.errors import FileFormatError
from devkit.repo import dotenv_file
from devkit.repo.github import queries, workflows
from devkit.repo.monorepo import Monorepo, Project

# What the index reads of each workflow (its folders, whether it deploys), by the workflow's
# text: at a thousand projects, walking 2,000 workflows' jobs and steps for them cost more
# than reading the files, in each of doctor's two processes.
FACTS = parsecache.Shelf(
    "workflow-facts",
    code=[*yamlfile.CODE, workflows, queries, sys.modules[__name__]],
    packages=["yaml"],
)


class Facts(NamedTuple):
    """What the index needs of one workflow."""

    concerned: frozenset[str]  # every folder it runs for (Workflow.concerned_dirs)
    folders: frozenset[str]  # the project folders it names (queries.folders_named)
    deploys: bool  # queries.is_deploy
    deploy_keys: tuple[str, ...]  # the variables its deploy sets (Workflow.deploy_env_var_keys)


@dataclass(eq=False)  # identity hashing: the per-run caches below key on self
class WorkflowIndex:
    """The workflows of ``monorepo`` (none without one) and who they belong to."""

    monorepo: Monorepo | None
    project_names: frozenset[str]
    # A project folder's .env.example as the run read it (the Context's, shared with the
    # checks that read it too); None: read it here.
    example: Callable[[Path], dotenv_file.Example] | None = None

    @functools.cached_property
    def _files(self) -> tuple[list[workflows.Workflow], list[FileFormatError]]:
        if self.monorepo is None:
            return [], []
        # Every workflow of the monorepo, each run: most are as the last run parsed them.
        return workflows.load_all(self.monorepo.root, cache=True)

    @property
    def workflows(self) -> list[workflows.Workflow]:
        """The workflows that parse (the others are ``errors``)."""
        return self._files[0]

    @property
    def errors(self) -> list[FileFormatError]:
        """Workflow files that do not parse, each naming file and line."""
        return self._files[1]

    def production_variables(self, project: Project) -> dict[str, str]:
        """Variables production sets for a project, each with where that is written (computed
        once per project: vars.missing and vars.unused both ask)."""
        return self._production_variables(project.path)

    @functools.cache  # noqa: B019 - an index lives for one doctor run
    def _production_variables(self, project_dir: Path) -> dict[str, str]:
        assert self.monorepo is not None
        relative = project_dir.relative_to(self.monorepo.root).as_posix()
        # Only the workflows that name the folder, not every workflow of the monorepo.
        found = self._concerning.get(relative, [])
        example = None if self.example is None else self.example(project_dir)
        return workflows.production_variables(
            self.monorepo.root, project_dir, found, example, self._deploy_keys
        )

    def _deploy_keys(self, workflow: workflows.Workflow) -> tuple[str, ...]:
        return self._facts[workflow.path].deploy_keys

    @functools.cached_property
    def _concerning(self) -> dict[str, list[workflows.Workflow]]:
        # Folder -> the workflows that run for it (Workflow.concerns), in file order.
        index: dict[str, list[workflows.Workflow]] = {}
        facts = self._facts
        for workflow in self.workflows:
            for folder in facts[workflow.path].concerned:
                index.setdefault(folder, []).append(workflow)
        return index

    @functools.cached_property
    def _facts(self) -> dict[Path, Facts]:
        # Kept by each workflow's text (as parsed) and the projects folder its paths are read
        # against; a workflow made without its text is looked at each run.
        base = self._projects_base
        found: dict[Path, Facts] = {}
        for workflow in self.workflows:
            if workflow.text is None:
                found[workflow.path] = _facts_of(workflow, base)
                continue
            raw = workflow.text.encode("utf-8")
            found[workflow.path] = FACTS.by_content(
                raw, base, functools.partial(_facts_of, workflow, base)
            )
        return found

    @functools.cached_property
    def _projects_base(self) -> str | None:
        # The projects folder, relative to the root (None: outside it, or no monorepo).
        if self.monorepo is None:
            return None
        try:
            return self.monorepo.projects_dir.relative_to(self.monorepo.root).as_posix()
        except ValueError:
            return None

    def of_project(self, project: Project) -> list[workflows.Workflow]:
        """The workflows that are the project's, in file order (see ``_by_project``)."""
        return self._by_project.get(project.name, [])

    @functools.cached_property
    def _by_project(self) -> dict[str, list[workflows.Workflow]]:
        """Project name -> its workflows: those whose paths or working directories name its
        folder, and those named for it (``<name>-*.yml``) that name no project at all, so a
        copy-pasted path is reported where it was meant to point. One pass over the workflows
        for the run, rather than one per check and project."""
        names = self.project_names
        owned: dict[str, list[workflows.Workflow]] = {}
        for workflow in self.workflows:
            named = self.folders.get(workflow.path, frozenset()) & names
            if not named:
                stem = workflow.path.stem
                named = {stem[:i] for i, c in enumerate(stem) if c == "-"} & names
            for name in named:
                owned.setdefault(name, []).append(workflow)
        return owned

    def is_deploy(self, workflow: workflows.Workflow) -> bool:
        """Whether a workflow builds or deploys (``queries.is_deploy``), decided once per file."""
        found = self._facts.get(workflow.path)
        return queries.is_deploy(workflow) if found is None else found.deploys

    @functools.cached_property
    def folders(self) -> dict[Path, frozenset[str]]:
        """For each workflow, the project folders its paths and working-directory name."""
        if self._projects_base is None:
            return {}
        return {path: facts.folders for path, facts in self._facts.items()}


def _facts_of(workflow: workflows.Workflow, base: str | None) -> Facts:
    folders = frozenset() if base is None else frozenset(queries.folders_named(workflow, base))
    return Facts(
        frozenset(workflow.concerned_dirs()),
        folders,
        queries.is_deploy(workflow),
        tuple(workflow.deploy_env_var_keys()),
    )
