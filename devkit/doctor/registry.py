"""Every check devkit doctor runs, in report order. Ids are stable: scripts and docs use them.

The machine's and the clone's checks are here; each project's, the repo's and drift's are in
``project_registry``.
"""

from __future__ import annotations

from devkit.doctor import project_registry
from devkit.doctor.base import AnyCheck, Check
from devkit.doctor.checks import clone, machine, network, tools

MACHINE = "Machine"
TOOLS = "Tools"
CLONE = "Clone"
NETWORK = "Network"

_MACHINE_CHECKS: tuple[AnyCheck, ...] = (
    Check("machine.os", MACHINE, "OS and CPU are a platform micromamba ships for", machine.os_arch),
    Check(
        "machine.rosetta", MACHINE, "not an Apple Silicon Mac shell under Rosetta", machine.rosetta
    ),
    Check("machine.disk", MACHINE, "enough free disk where envs live", machine.disk),
    Check("machine.memory", MACHINE, "enough memory for solves and data loads", machine.memory),
    Check("git.installed", TOOLS, "git is installed and runs", tools.git_installed),
    Check("micromamba.installed", TOOLS, "micromamba is installed", tools.micromamba_installed),
    Check(
        "micromamba.version",
        TOOLS,
        "micromamba runs and is recent enough",
        tools.micromamba_version,
    ),
    Check(
        "micromamba.root_prefix", TOOLS, "the root prefix exists and is writable", tools.root_prefix
    ),
    Check(
        "shell.init",
        TOOLS,
        "the shell is initialised for `micromamba activate`",
        tools.shell_init,
        fix=tools.fix_shell_init,
    ),
    Check("path.conda_base", TOOLS, "no conda base env auto-activated", tools.conda_base),
    Check(
        "path.other_conda", TOOLS, "no other conda or python shadows the envs", tools.other_conda
    ),
    Check("path.pyenv_shims", TOOLS, "pyenv shims are not ahead of the envs", tools.pyenv_shims),
    Check(
        "condarc.files",
        TOOLS,
        "the rc files micromamba reads parse; devkit honours every setting in them",
        tools.condarc_files,
    ),
    Check(
        "condarc.solve_settings", TOOLS, "no rc setting makes solves differ from CI", tools.condarc
    ),
    Check("clone.found", CLONE, "the monorepo is found", clone.found),
    Check("clone.git", CLONE, "the monorepo is a git clone", clone.is_git),
    Check("clone.remote", CLONE, "origin is the repository devkit was set up with", clone.remote),
    Check("clone.behind", CLONE, "the clone is not behind its upstream", clone.behind),
    Check(
        "network.settings",
        NETWORK,
        "proxies and CAs are usable; TLS is verified",
        network.settings,
    ),
    Check(
        "network.channels",
        NETWORK,
        "every channel's repodata answers through the proxy, with a trusted certificate",
        network.channels_reached,
    ),
    Check(
        "network.micromamba",
        NETWORK,
        "the micromamba download (or DEVKIT_MICROMAMBA_URL) answers",
        network.micromamba_download,
    ),
    Check(
        "network.package_index",
        NETWORK,
        "pip's package index answers",
        network.package_index,
    ),
    Check(
        "network.git_remote",
        NETWORK,
        "the monorepo's origin answers `git ls-remote`",
        network.git_remote,
    ),
)

# Report order: the machine and the clone first, then each project, the repo and drift.
CHECKS: tuple[AnyCheck, ...] = (*_MACHINE_CHECKS, *project_registry.CHECKS)
BY_ID = {check.id: check for check in CHECKS}
