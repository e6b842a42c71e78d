"""``devkit setup``: micromamba, the clone, every chosen env, shell activation, the config."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from devkit import console, facts, git, paths, proc, runlock, userconfig
from devkit.commands import dotenv as dotenv_cmd
from devkit.commands import envsetup, setup_report
from devkit.conda import condarc, micromamba, network, shellrc
from devkit.errors import DevkitError, ToolNotFoundError
from devkit.repo import clonestate, monorepo


class Prompter(Protocol):
    """How setup asks questions; the CLI supplies a terminal one or a non-interactive one."""

    def text(self, question: str, default: str | None, flag: str) -> str:
        """A free-text answer (``flag`` names the option that answers it without asking)."""
        ...

    def choose(self, question: str, choices: list[str], flag: str) -> list[str]:
        """Some of ``choices`` (all preselected)."""
        ...

    def confirm(self, question: str, flag: str) -> bool:
        """A yes/no question whose safe answer is no."""
        ...

    @property
    def interactive(self) -> bool:
        """Whether a person answers (a terminal, no --yes): values are asked only then."""
        ...

    def value(self, question: str, default: str | None, secret: bool) -> str:
        """A variable's value, maybe empty; a secret one is typed unseen."""
        ...


@dataclass(frozen=True)
class SetupRequest:
    """What ``devkit setup`` was asked to do."""

    repo: str | None = None
    directory: Path | None = None
    projects: tuple[str, ...] = ()
    all_projects: bool = False
    jobs: int = 1
    shell_init: bool = True
    micromamba_version: str | None = None
    root: Path | None = None


def setup(request: SetupRequest, ask: Prompter) -> int:
    """Run every step; re-running skips what is done. Exit 1 if anything failed."""
    with runlock.exclusive(paths.data_dir() / "setup.lock", "devkit setup"):
        user = userconfig.load_user_config()
        machine = facts.probe()
        summary = envsetup.Summary(on_step=setup_report.show_step)
        mm = _micromamba(request, user, machine, summary)
        root, repo_url = _clone(request, user, ask, summary)
        repo = monorepo.load(root)
        console.warn_each(repo.warnings)
        chosen = _choose_projects(request, repo, ask)
        envsetup.build_envs(
            mm,
            chosen,
            jobs=request.jobs,
            summary=summary,
            confirm=lambda question: ask.confirm(question, "--yes"),
            interactive=ask.interactive,
            rerun=_rerun(request, root),
        )
        _shell(request, mm, machine, ask, summary)
        saved = userconfig.save_user_config(
            user.with_updates(
                clone=root, repo_url=repo_url, root_prefix=mm.root_prefix, micromamba=mm.exe
            )
        )
        summary.done("config", f"saved to {saved}")
        # After the config is saved: Ctrl-C at these questions keeps everything done so far.
        ready = setup_report.ready(summary, chosen)
        confirm = ask.confirm if ask.interactive else None
        written = dotenv_cmd.offer(repo, ready, confirm, ask.value, summary)
        setup_report.show(summary, ready, written, setup_report.activation(mm, machine))
        return 1 if summary.failed else 0


def _rerun(request: SetupRequest, root: Path) -> str:
    """``devkit setup`` as the user must type it to reach this monorepo again."""
    if request.root is None:
        return "devkit setup"  # the clone and repo URL are in the config by then
    return f"devkit --root {shlex.quote(str(root))} setup"


def _micromamba(
    request: SetupRequest,
    user: userconfig.UserConfig,
    machine: facts.MachineFacts,
    summary: envsetup.Summary,
) -> micromamba.Micromamba:
    root = micromamba.root_prefix(user)
    try:
        exe = micromamba.locate(user)
        version = micromamba.Micromamba(exe, root).version()
        if micromamba.parse_version(version) >= micromamba.MIN_VERSION:
            summary.skip("micromamba", f"using {exe} ({version})")
            root.mkdir(parents=True, exist_ok=True)
            return micromamba.Micromamba(exe, root)
        console.warn(f"{exe} is micromamba {version}, too old; installing devkit's own")
    except DevkitError as exc:
        console.info(f"micromamba: {exc.message}; installing it")
    subdir = machine.native_subdir
    if subdir is None:
        raise DevkitError(f"micromamba is not published for {machine.system} {machine.machine}")
    if machine.rosetta:
        console.warn("this shell runs under Rosetta; installing the native osx-arm64 micromamba")
    dest = paths.bin_dir() / "micromamba"
    # Proxies and CAs as micromamba itself will use them (~/.condarc, HTTPS_PROXY, ...).
    net = network.settings(condarc.load(root))
    if not net.verify:
        console.warn(f"TLS certificates are not verified ({net.origins.get('verify')})")
    where = micromamba.download_base(request.micromamba_version)
    console.info(f"downloading micromamba-{subdir} from {where}…")
    with console.download_progress(f"micromamba-{subdir}") as progress:
        micromamba.install(
            subdir, dest, version=request.micromamba_version, progress=progress, net=net
        )
    mm = micromamba.Micromamba(dest, root)
    summary.done("micromamba", f"installed {mm.version()} at {dest} (sha256 verified)")
    root.mkdir(parents=True, exist_ok=True)
    return mm


def _clone(
    request: SetupRequest, user: userconfig.UserConfig, ask: Prompter, summary: envsetup.Summary
) -> tuple[Path, str | None]:
    if request.root is not None:
        root = request.root.expanduser().absolute()
        try:
            url = git.remote_url(root) if git.toplevel(root) else None
            has_git = True
        except ToolNotFoundError:
            url, has_git = None, False  # a monorepo given by path needs no git to set up its envs
        problem = clonestate.unfinished(monorepo.load(root), use_git=has_git)
        if problem is not None:
            _finish_clone(root, problem, ask, summary)
        else:
            summary.skip("clone", f"using the monorepo at {root} (--root)")
        return root, url
    repo_url = request.repo or user.repo_url
    if repo_url is None:
        repo_url = ask.text("Git URL of the monorepo", None, "--repo")
    default_dir = user.clone or Path.home() / "src" / _repo_name(repo_url)
    directory = request.directory
    if directory is None:
        directory = Path(ask.text("Clone it into", str(default_dir), "--dir"))
    dest = directory.expanduser().absolute()
    state = _folder_state(dest, repo_url)
    if state == "same":
        fetched = git.fetch(dest)
        problem = clonestate.unfinished(monorepo.load(dest))
        if problem is not None:
            _finish_clone(dest, problem, ask, summary)
        else:
            detail = "fetched" if fetched else "could not fetch (offline?); left as is"
            summary.skip("clone", f"{dest} is already a clone of {repo_url}; {detail}")
    elif state == "empty":
        console.info(f"cloning {repo_url} into {dest}…")
        git.clone(repo_url, dest)
        summary.done("clone", f"cloned {repo_url} into {dest}")
    else:
        raise DevkitError(
            f"{dest} is not empty and is not a clone of {repo_url} ({state}); devkit never "
            "touches a folder it did not create",
            hint="pick another folder with --dir, or move that one away",
        )
    return dest, repo_url


def _finish_clone(
    dest: Path, problem: clonestate.Unfinished, ask: Prompter, summary: envsetup.Summary
) -> None:
    """Check out the default branch of a clone that has none, after a yes; else say how."""
    # Only a clone with no commit is repaired: checking out into it replaces nothing (git
    # refuses when an untracked file is in the way). Anything else is the user's to decide.
    if problem.problem is not clonestate.Problem.NO_COMMIT:
        raise DevkitError(problem.message, hint=problem.hint)
    branch = git.remote_default_branch(dest)
    if branch is None:
        raise DevkitError(
            f"{dest} is an unfinished clone, and its origin has no commit to check out",
            hint=f"check the URL (git -C {dest} remote get-url origin), or push the monorepo",
        )
    by_hand = f"git -C {dest} fetch origin && git -C {dest} checkout {branch}"
    question = f"{dest} is an unfinished clone (no commit checked out); check out `{branch}`?"
    if not ask.confirm(question, "--yes"):
        raise DevkitError(
            problem.message,
            hint=f"re-run with --yes to let devkit fetch and check out {branch}, or: {by_hand}",
        )
    git.fetch_or_raise(dest)
    git.check_out_tracking(dest, branch)
    summary.done("clone", f"finished the clone at {dest}: checked out {branch}")
    still = clonestate.unfinished(monorepo.load(dest))
    if still is not None:
        raise DevkitError(still.message, hint=still.hint)


def _folder_state(dest: Path, repo_url: str) -> str:
    if not dest.exists() or (dest.is_dir() and not any(dest.iterdir())):
        return "empty"
    if not dest.is_dir():
        return "a file"
    if git.toplevel(dest) == dest.resolve():
        url = git.remote_url(dest)
        if url and git.same_remote(url, repo_url):
            return "same"
        return f"a clone of {url or 'no remote'}"
    return "other files"


def _repo_name(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git") or "monorepo"


def _choose_projects(
    request: SetupRequest, repo: monorepo.Monorepo, ask: Prompter
) -> list[monorepo.Project]:
    available = repo.projects()
    if request.all_projects:
        return available
    if request.projects:
        return repo.select(list(request.projects))
    if not available:
        return []
    names = ask.choose("Which projects do you work on?", [p.name for p in available], "--projects")
    return repo.select(names)


def _shell(
    request: SetupRequest,
    mm: micromamba.Micromamba,
    machine: facts.MachineFacts,
    ask: Prompter,
    summary: envsetup.Summary,
) -> None:
    rc = machine.rc_file()
    if not request.shell_init:
        summary.skip("shell", "--no-shell-init")
        return
    if rc is None:
        summary.skip("shell", f"unknown shell {machine.shell or '(none)'}")
        return
    state = shellrc.read(rc)
    if state.serves(mm.root_prefix):
        summary.skip("shell", f"{rc} already initialises micromamba")
        return
    question = (
        f"{rc} activates envs under {state.root_prefix}; point it at {mm.root_prefix}?"
        if state.initialised
        else f"Add micromamba's activation to {rc}?"
    )
    if not ask.confirm(question, "--yes"):
        summary.skip("shell", f"left {rc} alone (run `devkit doctor --fix` later)")
        return
    proc.run(mm.command("shell", "init", "-s", machine.shell))
    summary.done("shell", f"wrote micromamba's block for {mm.root_prefix} to {rc}")
