"""What the checks look at, gathered lazily and once, so a hundred projects cost one read each."""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit import git, paths
from devkit.conda import condarc, envrecords, envs, envspec, micromamba, network
from devkit.doctor.places import Places
from devkit.doctor.workflowindex import WorkflowIndex
from devkit.errors import DevkitError, FileFormatError
from devkit.facts import MachineFacts
from devkit.repo import dotenv_file, projectfiles
from devkit.repo.monorepo import Monorepo, Project
from devkit.userconfig import Thresholds, UserConfig


@dataclass(eq=False)  # identity hashing: the per-run caches below key on self
class Context:
    """Inputs shared by every check. Attributes are computed on first use and cached."""

    facts: MachineFacts
    config: UserConfig
    monorepo: Monorepo | None
    monorepo_error: DevkitError | None = None
    only_projects: tuple[str, ...] = ()
    thresholds: Thresholds | None = None  # None: the ones in the user config
    # This run checks drift.platforms: other checks may use what it finds (a fix it shows
    # cannot work is not offered). False: they must not solve on their own.
    drift_checked: bool = False
    # .env files every project reads (the root's) that failed: read once, not per project.
    _shared_env_errors: dict[Path, FileFormatError] = field(default_factory=dict, repr=False)
    _locations: dict[Path, envs.EnvLocation | None] = field(default_factory=dict, repr=False)
    _project_files: dict[tuple[Path, str], projectfiles.Parsed] = field(
        default_factory=dict, repr=False
    )

    @property
    def limits(self) -> Thresholds:
        """The machine thresholds in force."""
        return self.thresholds or self.config.thresholds

    @functools.cached_property
    def micromamba_exe(self) -> Path | None:
        """The micromamba devkit would use, or None."""
        try:
            return micromamba.locate(self.config)
        except DevkitError:
            return None

    @functools.cached_property
    def micromamba_version(self) -> str | None:
        """Its ``--version``, or None when it does not run."""
        if self.micromamba_exe is None:
            return None
        try:
            return micromamba.Micromamba(self.micromamba_exe, self.root_prefix).version() or None
        except DevkitError:
            return None

    @functools.cached_property
    def build_platform(self) -> str | None:
        """The platform envs are built for: micromamba's own, else what setup would install."""
        if self.micromamba_exe is not None:
            try:
                return micromamba.Micromamba(self.micromamba_exe, self.root_prefix).platform()
            except DevkitError:
                pass
        return self.facts.native_subdir

    @functools.cached_property
    def root_prefix(self) -> Path:
        """micromamba's root prefix as devkit resolves it."""
        return micromamba.root_prefix(self.config)

    @functools.cached_property
    def projects(self) -> list[Project]:
        """The projects to check: the ones named, else all."""
        if self.monorepo is None:
            return []
        if not self.only_projects:
            return list(self.all_projects)  # the same scan: one per run, not one per list
        return self.monorepo.select(list(self.only_projects))

    @functools.cached_property
    def all_projects(self) -> list[Project]:
        """Every project of the monorepo (for checks across projects)."""
        return self.monorepo.projects() if self.monorepo else []

    def spec(self, project: Project) -> envspec.EnvSpec | FileFormatError:
        """The parsed environment file, or the error that stopped parsing it."""
        return self._spec(project.env_file)

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _spec(self, path: Path) -> envspec.EnvSpec | FileFormatError:
        try:
            return envspec.parse(path, cache=True)  # every run reads them all
        except FileFormatError as exc:
            return exc

    def location(self, project: Project) -> envs.EnvLocation | None:
        """Where the project's env is, when its file parses."""
        # Once per project (the runner asks for each spec check), keyed as ``spec`` is.
        if project.env_file not in self._locations:
            spec = self.spec(project)
            bad = isinstance(spec, FileFormatError)
            found = None if bad else envs.locate(self.root_prefix, project, spec)
            self._locations[project.env_file] = found
        return self._locations[project.env_file]

    def drift_report(self, project: Project) -> dict[str, Any] | DevkitError:
        """drift.platforms' report for a project, once per run (a cached solve, else a fresh
        one: docs/drift.md), or the error that stopped it."""
        return self._drift_report(project.env_file)

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _drift_report(self, env_file: Path) -> dict[str, Any] | DevkitError:
        # Imported here: solving machinery that `--no-drift` runs never use (~150 ms to import).
        from devkit.drift import cache
        from devkit.drift.project import Options, plan

        assert self.monorepo is not None
        project = next(p for p in self.all_projects if p.env_file == env_file)
        spec = self._spec(env_file)
        if isinstance(spec, FileFormatError):
            return spec
        try:
            request = plan(self.monorepo, project, spec, Options(pins=False), self.root_prefix)
            return cache.report(self.monorepo, project, spec, request, paths.cache_dir(), self.net)
        except DevkitError as exc:
            return exc

    def which(self, program: str) -> str | None:
        """``shutil.which`` against the PATH of the facts (another machine's, in tests)."""
        return self._which(program)

    @functools.cache  # noqa: B019 - per-project checks ask for git once per project
    def _which(self, program: str) -> str | None:
        return shutil.which(program, path=self.facts.environ.get("PATH", ""))

    def dotenv(self, project: Project) -> dotenv_file.LoadedEnv:
        """The ``.env`` files `devkit run` reads for a project, in its order; read once per run,
        error included (a pipe nobody serves costs its wait once, not once per check)."""
        loaded = self._dotenv(project.path)
        if isinstance(loaded, FileFormatError):
            raise loaded
        return loaded

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _dotenv(self, project_dir: Path) -> dotenv_file.LoadedEnv | FileFormatError:
        assert self.monorepo is not None
        root = self.monorepo.root
        # A `.env` that resolves outside the monorepo is not read (vars.dotenv says so): a
        # clone could point it at any file of this machine and have its lines quoted.
        files = [f for f in (root / ".env", project_dir / ".env") if self.outside(f) is None]
        for shared in files:
            if shared in self._shared_env_errors:
                return self._shared_env_errors[shared]
        try:
            return dotenv_file.load(files)
        except FileFormatError as exc:
            if exc.path == root / ".env":
                self._shared_env_errors[exc.path] = exc
            return exc

    def env_example(self, project: Project) -> dotenv_file.Example:
        """The project's ``.env.example``, read and parsed once per run (production's
        variables and their placeholders both come from it); its error, raised each time."""
        return self._example_or_raise(project.path)

    def _example_or_raise(self, project_dir: Path) -> dotenv_file.Example:
        example = self._example(project_dir)
        if isinstance(example, FileFormatError):
            raise example
        return example

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _example(self, project_dir: Path) -> dotenv_file.Example | FileFormatError:
        path = project_dir / ".env.example"
        # Outside the monorepo it reads as absent (as read_example would find, but through the
        # run's lstats rather than a resolve per project).
        if self.outside(path) is not None:
            return dotenv_file.Example()
        try:
            return dotenv_file.read_example(path, inside=None)
        except FileFormatError as exc:
            return exc

    def env_status(self, prefix: Path) -> envs.EnvStatus:
        """``envs.status`` of an env (it lists conda-meta), looked at once per run: five checks
        ask."""
        return self._env_status(prefix)

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _env_status(self, prefix: Path) -> envs.EnvStatus:
        return envs.status(prefix)

    def installed(self, prefix: Path) -> list[envrecords.InstalledRecord] | FileFormatError:
        """The env's package records (each parsed whole, only the index fields kept), read once
        per run; the error when one does not parse."""
        return self._installed(prefix)

    @functools.cache  # noqa: B019 - a Context lives for one doctor run
    def _installed(self, prefix: Path) -> list[envrecords.InstalledRecord] | FileFormatError:
        try:
            return envrecords.read_records(prefix)
        except FileFormatError as exc:
            return exc

    @functools.cached_property
    def github(self) -> WorkflowIndex:
        """The monorepo's workflows, parsed and indexed once for the run."""
        names = frozenset(p.name for p in self.all_projects)
        return WorkflowIndex(self.monorepo, names, example=self._example_or_raise)

    @functools.cached_property
    def tracked_env_files(self) -> set[Path]:
        """``.env`` files git tracks in the monorepo (one git call for every project)."""
        if self.monorepo is None:
            return set()
        top = git.toplevel(self.monorepo.root)
        if top is None:
            return set()
        names = git.tracked(top, ["*.env", ".env", "**/.env"])
        return {(top / name).resolve() for name in names if Path(name).name == ".env"}

    def project_file(self, project: Project, name: str) -> projectfiles.Parsed:
        """A project's Dockerfile, entrypoint.sh or cloudbuild.yaml, parsed once per run."""
        # Keyed by folder and name: nine asks a project, no path built for the eight repeats.
        key = (project.path, name)
        if key not in self._project_files:
            path = project.path / name
            outside = self.outside(path)
            self._project_files[key] = (
                outside if outside is not None else projectfiles.read(path, cache=True)
            )
        return self._project_files[key]

    @functools.cached_property
    def places(self) -> Places:
        """Which paths resolve outside the monorepo, and where they resolve, asked once each."""
        assert self.monorepo is not None
        return Places(self.monorepo.root)

    def outside(self, path: Path, *, link: bool | None = None) -> FileFormatError | None:
        """The error for a file that resolves outside the monorepo (``Places.outside``)."""
        return self.places.outside(path, link=link)

    def resolved(self, path: Path) -> Path:
        """``path.resolve()``, the folders of a run's paths resolved once (``Places``)."""
        return self.places.resolved(path)

    @functools.cached_property
    def entrypoint_modes(self) -> dict[Path, str]:
        """The mode git records for every entrypoint.sh (one git call for every project)."""
        if self.monorepo is None:
            return {}
        return projectfiles.git_modes(self.monorepo.root, projectfiles.ENTRYPOINT, self.resolved)

    @functools.cached_property
    def env_name_claims(self) -> dict[str, list[str]]:
        """Env name -> the projects whose environment file claims it (built once, not N²)."""
        parsed = ((p, self.spec(p)) for p in self.all_projects)
        return envs.name_claims((p, s) for p, s in parsed if not isinstance(s, FileFormatError))

    @functools.cached_property
    def condarc(self) -> condarc.Condarc:
        """conda's configuration as micromamba reads it on this machine (no target prefix)."""
        return condarc.load(self.root_prefix, self.facts.environ, self.facts.home)

    @functools.cached_property
    def net(self) -> network.Access:
        """Proxies, CAs and the hosts that failed in this run, shared by every check."""
        return network.access(self.condarc, paths.cache_dir(), self.facts.environ)
