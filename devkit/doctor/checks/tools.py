"""Tool checks: git, micromamba (present, runs, recent), root prefix, shell init, PATH, .condarc."""

from __future__ import annotations

import os
from pathlib import Path

from devkit import proc
from devkit.conda import micromamba, shellrc
from devkit.doctor.base import Outcome, Result
from devkit.doctor.context import Context
from devkit.errors import DevkitError

# The seed's CI sets `channel-priority: disabled`; `false` is conda's older spelling of it.
# Mirror settings (channel_alias, default_channels) change where packages come from, not which.
_CI_PRIORITY = ("disabled", "false")
_CI_HINT = (
    "the team's CI solves with channel-priority disabled and the environment file's channels; "
    "remove these settings or use the same in CI"
)
_ONE_CONDA_HINT = (
    "remove its `conda initialize` block from your shell rc file so only micromamba activates envs"
)


def git_installed(ctx: Context, out: Outcome) -> Result:
    """git is needed to clone and update the monorepo."""
    git = ctx.which("git")
    if git is None:
        hint = (
            "install the Xcode Command Line Tools: xcode-select --install"
            if ctx.facts.is_mac
            else "install git with your package manager (e.g. sudo apt-get install git)"
        )
        return out.fail("git is not on PATH", hint=hint)
    try:
        version = proc.run([git, "--version"], timeout=30).stdout.strip()
    except DevkitError as exc:
        return out.fail(f"{git} does not run: {exc.message}", hint="reinstall git")
    return out.ok(version)


def micromamba_installed(ctx: Context, out: Outcome) -> Result:
    """micromamba is where devkit expects it."""
    if ctx.micromamba_exe is None:
        return out.fail("micromamba is not installed", hint="run `devkit setup`")
    return out.ok(str(ctx.micromamba_exe))


def micromamba_version(ctx: Context, out: Outcome) -> Result:
    """micromamba runs and is recent enough for the JSON devkit reads."""
    if ctx.micromamba_exe is None:
        return out.skip("micromamba is not installed")
    version = ctx.micromamba_version
    if version is None:
        return out.fail(
            f"{ctx.micromamba_exe} does not run (`--version` failed)",
            hint="re-install it: `devkit setup` (or delete the file and re-run setup)",
        )
    wanted = ".".join(map(str, micromamba.MIN_VERSION))
    if micromamba.parse_version(version) < micromamba.MIN_VERSION:
        return out.fail(
            f"micromamba {version} is older than {wanted}",
            hint="update it: micromamba self-update (or re-run `devkit setup`)",
        )
    return out.ok(f"micromamba {version}")


def root_prefix(ctx: Context, out: Outcome) -> Result:
    """The root prefix (where envs and the package cache live) exists and is writable."""
    root = ctx.root_prefix
    if not root.exists():
        return out.warn(f"root prefix {root} does not exist yet", hint="`devkit setup` creates it")
    if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
        return out.fail(
            f"root prefix {root} is not a writable folder",
            hint=f"fix its permissions (ls -ld {root}), or set MAMBA_ROOT_PREFIX elsewhere",
        )
    return out.ok(str(root))


def shell_init(ctx: Context, out: Outcome) -> Result:
    """The user's shell can `micromamba activate` devkit's envs (its rc file has the mamba
    block, for devkit's root prefix)."""
    rc = ctx.facts.rc_file()
    if rc is None:
        return out.skip(f"unknown shell {ctx.facts.shell or '(none)'}")
    state = shellrc.read(rc)
    hint = (
        f"micromamba shell init -s {ctx.facts.shell} -r {ctx.root_prefix} "
        "(or `devkit doctor --fix`)"
    )
    if state.serves(ctx.root_prefix):
        return out.ok(f"{rc} initialises micromamba")
    if state.initialised:
        return out.warn(
            f"{rc} initialises micromamba for root prefix {state.root_prefix}, but devkit's envs "
            f"are under {ctx.root_prefix}: `micromamba activate <env>` will not find them",
            hint=hint,
        )
    return out.warn(
        f"{rc} does not initialise micromamba, so `micromamba activate` will not work",
        hint=hint,
    )


def fix_shell_init(ctx: Context, result: Result) -> str:
    """Run ``micromamba shell init`` for the user's shell."""
    if ctx.micromamba_exe is None:
        raise DevkitError("micromamba is not installed", hint="run `devkit setup` first")
    mm = micromamba.Micromamba(ctx.micromamba_exe, ctx.root_prefix)
    proc.run(mm.command("shell", "init", "-s", ctx.facts.shell))
    return f"wrote micromamba's block for {ctx.root_prefix} to {ctx.facts.rc_file()}"


def conda_base(ctx: Context, out: Outcome) -> Result:
    """No conda/Anaconda `base` env is auto-activated (it shadows the project envs)."""
    env = ctx.facts.environ
    active = env.get("CONDA_DEFAULT_ENV")
    prefix = env.get("CONDA_PREFIX", "")
    if active == "base" or (prefix and Path(prefix).name in ("anaconda3", "miniconda3")):
        return out.warn(
            f"a conda base env is active ({prefix or active}): its python and packages "
            "come before the project envs",
            hint="conda config --set auto_activate_base false, then open a new shell",
        )
    return out.ok("no base env active")


def other_conda(ctx: Context, out: Outcome) -> Result:
    """No other conda or python installation shadows the envs."""
    conda = ctx.which("conda")
    python = ctx.which("python") or ctx.which("python3")
    found = []
    if conda:
        found.append(f"conda at {conda}")
    if python and any(p in python for p in ("anaconda3", "miniconda3", "miniforge3")):
        found.append(f"python at {python}")
    lead = "another conda installation is on PATH: "
    return _warn_if_found(out, found, lead, ok="no other conda on PATH", hint=_ONE_CONDA_HINT)


def pyenv_shims(ctx: Context, out: Outcome) -> Result:
    """pyenv's shims do not come before the micromamba envs on PATH."""
    entries = ctx.facts.environ.get("PATH", "").split(os.pathsep)
    shims = [i for i, e in enumerate(entries) if e.rstrip("/").endswith(".pyenv/shims")]
    if not shims:
        return out.ok("no pyenv shims on PATH")
    root = str(ctx.root_prefix)
    envs = [i for i, e in enumerate(entries) if e.startswith(root)]
    if envs and envs[0] < shims[0]:
        return out.ok("pyenv shims come after the micromamba envs")
    return out.warn(
        f"pyenv shims ({entries[shims[0]]}) come before the micromamba envs on PATH: "
        "`python` may not be the env's",
        hint='in your shell rc file, put `eval "$(pyenv init -)"` before the mamba block',
    )


def condarc(ctx: Context, out: Outcome) -> Result:
    """No rc setting makes local solves differ from CI's."""
    rc = ctx.condarc
    found: list[str] = []
    priority = rc.channel_priority
    if priority is not None and priority not in _CI_PRIORITY:
        found.append(f"channel_priority: {priority} ({rc.origins['channel_priority']})")
    if "nodefaults" in rc.channels:
        found.append(f"channels include nodefaults ({rc.origins['channels']})")
    lead = "settings that change how envs solve here but not in CI: "
    return _warn_if_found(out, found, lead, ok="no rc setting changes solves", hint=_CI_HINT)


def condarc_files(ctx: Context, out: Outcome) -> Result:
    """Which rc files micromamba and devkit read, and what in them devkit cannot honour."""
    rc = ctx.condarc
    read = ", ".join(str(p) for p in rc.files) or "none"
    problems = [*rc.problems, *rc.unhonoured()]
    return _warn_if_found(
        out,
        problems,
        f"read {read}; ",
        ok=f"read {read}",
        hint="fix or remove what is listed; docs/network.md says what devkit reads",
    )


def _warn_if_found(out: Outcome, found: list[str], lead: str, *, ok: str, hint: str) -> Result:
    """A warning listing what was found after ``lead``, or OK when nothing was."""
    if found:
        return out.warn(lead + "; ".join(found), hint=hint)
    return out.ok(ok)
