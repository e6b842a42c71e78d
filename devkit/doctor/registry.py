"""Every check devkit doctor runs, in report order. Ids are stable: scripts and docs use them."""

from __future__ import annotations

from devkit.doctor.base import Check
from devkit.doctor.checks import (
    channels,
    ci,
    clone,
    docker,
    drift,
    env,
    files,
    machine,
    service,
    tools,
    variables,
)

MACHINE = "Machine"
TOOLS = "Tools"
CLONE = "Clone"
PROJECT = "Project"
REPO = "Repo"

CHECKS: tuple[Check, ...] = (
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
        "condarc.solve_settings", TOOLS, "no rc setting makes solves differ from CI", tools.condarc
    ),
    Check("clone.found", CLONE, "the monorepo is found", clone.found),
    Check("clone.git", CLONE, "the monorepo is a git clone", clone.is_git),
    Check("clone.remote", CLONE, "origin is the repository devkit was set up with", clone.remote),
    Check("clone.behind", CLONE, "the clone is not behind its upstream", clone.behind),
    Check(
        "env.spec",
        PROJECT,
        "environment file parses; every spec is valid",
        env.spec_valid,
        per_project=True,
    ),
    Check(
        "env.exists",
        PROJECT,
        "the env is created",
        env.env_exists,
        per_project=True,
        fix=env.fix_env,
    ),
    Check(
        "env.broken",
        PROJECT,
        "the env is whole",
        env.env_broken,
        per_project=True,
        fix=env.fix_env,
    ),
    Check(
        "env.stale",
        PROJECT,
        "the env matches the current environment file",
        env.env_stale,
        per_project=True,
        fix=env.fix_env,
    ),
    Check(
        "env.pins",
        PROJECT,
        "installed packages satisfy every pinned spec",
        env.env_pins,
        per_project=True,
        fix=env.fix_env,
    ),
    Check(
        "env.pip",
        PROJECT,
        "pip packages installed at the pinned versions",
        env.env_pip,
        per_project=True,
        fix=env.fix_env,
    ),
    Check(
        "env.name_clash",
        PROJECT,
        "no other project claims the same env name",
        env.env_name_clash,
        per_project=True,
    ),
    Check(
        "vars.dotenv",
        PROJECT,
        "the project has its .env",
        variables.dotenv_present,
        per_project=True,
        fix=variables.fix_dotenv,
    ),
    Check(
        "vars.missing",
        PROJECT,
        "variables production sets are set locally",
        variables.missing,
        per_project=True,
    ),
    Check("vars.unused", PROJECT, "every .env key is used", variables.unused, per_project=True),
    Check(
        "vars.tracked", PROJECT, ".env is not committed to git", variables.tracked, per_project=True
    ),
    Check(
        "service.main",
        PROJECT,
        "main.py exists for the default run command",
        service.main_module,
        per_project=True,
    ),
    Check(
        "service.port", PROJECT, "the service's port is free", service.port_free, per_project=True
    ),
    Check(
        "channels.mixed",
        PROJECT,
        "conda-forge is not mixed with defaults/anaconda",
        channels.mixed_in_file,
        per_project=True,
    ),
    Check(
        "channels.env_mixed",
        PROJECT,
        "the env's packages come from one channel",
        channels.mixed_in_env,
        per_project=True,
    ),
    Check(
        "python.eol",
        PROJECT,
        "the pinned Python still gets security fixes",
        channels.python_eol,
        per_project=True,
    ),
    # Project files (docs/project-files.md): the six files repeat the same facts; do they agree?
    Check(
        "files.parse",
        PROJECT,
        "Dockerfile, entrypoint.sh and cloudbuild.yaml can be read",
        files.parse,
        per_project=True,
    ),
    Check(
        "files.placeholder",
        PROJECT,
        "no template placeholder is left in the project's files",
        files.placeholder,
        per_project=True,
    ),
    Check(
        "files.workflow_missing",
        PROJECT,
        "the project has a checks and a deploy workflow",
        files.workflow_missing,
        per_project=True,
    ),
    Check(
        "files.workflow_paths",
        PROJECT,
        "the workflows' paths and working-directory are this project's folder",
        files.workflow_paths,
        per_project=True,
    ),
    Check(
        "files.workflow_env_file",
        PROJECT,
        "CI installs this project's environment.yml, which exists",
        ci.workflow_env_file,
        per_project=True,
    ),
    Check(
        "files.ci_python",
        PROJECT,
        "CI's python-version is the Python environment.yml pins",
        ci.ci_python,
        per_project=True,
    ),
    Check(
        "files.ci_black",
        PROJECT,
        "CI's black is the black environment.yml pins, on this project only",
        ci.ci_black,
        per_project=True,
    ),
    Check(
        "files.ci_macos",
        PROJECT,
        "the checks still run on macOS",
        ci.ci_macos,
        per_project=True,
    ),
    Check(
        "files.actions_deprecated",
        PROJECT,
        "no retired action or action on a deprecated Node runtime",
        ci.actions_deprecated,
        per_project=True,
    ),
    Check(
        "files.docker_base",
        PROJECT,
        "no retired or end-of-life base image",
        docker.docker_base,
        per_project=True,
    ),
    Check(
        "files.docker_env_name",
        PROJECT,
        "conda-pack packs the env the Dockerfile creates",
        docker.docker_env_name,
        per_project=True,
    ),
    Check(
        "files.docker_platform",
        PROJECT,
        "the image is built for Cloud Run's linux/amd64",
        docker.docker_platform,
        per_project=True,
    ),
    Check(
        "files.entrypoint",
        PROJECT,
        "entrypoint.sh is executable and serves on $PORT (default 8080)",
        docker.entrypoint,
        per_project=True,
        fix=docker.fix_entrypoint,
    ),
    Check(
        "files.images",
        PROJECT,
        "the deploy deploys the image it builds; cloudbuild.yaml names it too",
        docker.images,
        per_project=True,
    ),
    Check(
        "files.deploy_env_vars",
        PROJECT,
        "the deploy's env_vars are KEY=value pairs Cloud Run accepts",
        docker.deploy_env_vars,
        per_project=True,
    ),
    Check("files.workflow_parse", REPO, "every workflow file parses", files.workflow_parse),
    Check(
        "files.workflow_orphan",
        REPO,
        "every project folder a workflow names exists",
        files.workflow_orphan,
    ),
    Check(
        "drift.platforms",
        "Drift",
        "the env solves the same on Linux and Macs (cached solve; --no-drift skips)",
        drift.platforms,
        per_project=True,
    ),
    Check(
        "lock.stale",
        "Drift",
        "conda-lock.yml still satisfies the environment file",
        drift.lock_stale,
        per_project=True,
    ),
    Check(
        "lock.platforms",
        "Drift",
        "conda-lock.yml covers every target platform",
        drift.lock_platforms,
        per_project=True,
    ),
)

BY_ID = {check.id: check for check in CHECKS}
