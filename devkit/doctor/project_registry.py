"""The checks of each project, of the repo and of drift, in report order (``registry`` puts
the machine's and the clone's before them). Ids are stable: scripts and docs use them."""

from __future__ import annotations

from devkit.doctor.base import AnyCheck, Check, ProjectCheck, SpecCheck
from devkit.doctor.checks import (
    channels,
    ci,
    deploy,
    docker,
    drift,
    env,
    files,
    lockuse,
    service,
    variables,
)

PROJECT = "Project"
REPO = "Repo"
DRIFT = "Drift"

CHECKS: tuple[AnyCheck, ...] = (
    ProjectCheck(
        "env.spec",
        PROJECT,
        "environment file parses; every spec is valid",
        env.spec_valid,
    ),
    SpecCheck(
        "env.exists",
        PROJECT,
        "the env is created",
        env.env_exists,
        fix=env.fix_env,
    ),
    SpecCheck(
        "env.broken",
        PROJECT,
        "the env is whole",
        env.env_broken,
        fix=env.fix_env,
    ),
    SpecCheck(
        "env.stale",
        PROJECT,
        "the env matches the current environment file",
        env.env_stale,
        fix=env.fix_env,
    ),
    SpecCheck(
        "env.pins",
        PROJECT,
        "installed packages satisfy every pinned spec",
        env.env_pins,
        fix=env.fix_env,
    ),
    SpecCheck(
        "env.pip",
        PROJECT,
        "pip packages installed at the pinned versions",
        env.env_pip,
        fix=env.fix_env,
    ),
    SpecCheck(
        "env.name_clash",
        PROJECT,
        "no other project claims the same env name",
        env.env_name_clash,
    ),
    ProjectCheck(
        "vars.dotenv",
        PROJECT,
        "the project has its .env",
        variables.dotenv_present,
        fix=variables.fix_dotenv,
    ),
    ProjectCheck(
        "vars.missing",
        PROJECT,
        "variables production sets are set locally",
        variables.missing,
    ),
    ProjectCheck("vars.unused", PROJECT, "every .env key is used", variables.unused),
    ProjectCheck("vars.tracked", PROJECT, ".env is not committed to git", variables.tracked),
    ProjectCheck(
        "service.main",
        PROJECT,
        "main.py exists for the default run command",
        service.main_module,
    ),
    ProjectCheck("service.port", PROJECT, "the service's port is free", service.port_free),
    SpecCheck(
        "channels.mixed",
        PROJECT,
        "conda-forge is not mixed with defaults/anaconda",
        channels.mixed_in_file,
    ),
    SpecCheck(
        "channels.env_mixed",
        PROJECT,
        "the env's packages come from one channel",
        channels.mixed_in_env,
    ),
    SpecCheck(
        "python.eol",
        PROJECT,
        "the pinned Python still gets security fixes",
        channels.python_eol,
    ),
    # Project files (docs/project-files.md): the six files repeat the same facts; do they agree?
    ProjectCheck(
        "files.parse",
        PROJECT,
        "Dockerfile, entrypoint.sh and cloudbuild.yaml can be read",
        files.parse,
    ),
    ProjectCheck(
        "files.placeholder",
        PROJECT,
        "no template placeholder is left in the project's files",
        files.placeholder,
    ),
    ProjectCheck(
        "files.workflow_missing",
        PROJECT,
        "the project has a checks and a deploy workflow",
        files.workflow_missing,
    ),
    ProjectCheck(
        "files.workflow_paths",
        PROJECT,
        "the workflows' paths and working-directory are this project's folder",
        files.workflow_paths,
    ),
    ProjectCheck(
        "files.workflow_env_file",
        PROJECT,
        "CI installs this project's environment.yml, which exists",
        ci.workflow_env_file,
    ),
    ProjectCheck(
        "files.ci_lock",
        PROJECT,
        "with a conda-lock.yml, CI installs it (cached on its hash) instead of solving",
        lockuse.ci_lock,
        fix=lockuse.fix_ci_lock,
    ),
    SpecCheck(
        "files.ci_python",
        PROJECT,
        "CI's python-version is the Python environment.yml pins",
        ci.ci_python,
    ),
    SpecCheck(
        "files.ci_black",
        PROJECT,
        "CI's black is the black environment.yml pins, on this project only",
        ci.ci_black,
    ),
    ProjectCheck(
        "files.ci_macos",
        PROJECT,
        "the checks still run on macOS",
        ci.ci_macos,
    ),
    ProjectCheck(
        "files.actions_deprecated",
        PROJECT,
        "no retired action or action on a deprecated Node runtime",
        ci.actions_deprecated,
    ),
    ProjectCheck(
        "files.docker_base",
        PROJECT,
        "no retired or end-of-life base image",
        docker.docker_base,
    ),
    ProjectCheck(
        "files.docker_env_name",
        PROJECT,
        "conda-pack packs the env the Dockerfile creates",
        docker.docker_env_name,
    ),
    ProjectCheck(
        "files.docker_lock",
        PROJECT,
        "with a conda-lock.yml, the image is built from it, checked and labelled with its sha256",
        lockuse.docker_lock,
        fix=lockuse.fix_docker_lock,
    ),
    ProjectCheck(
        "files.docker_platform",
        PROJECT,
        "the image is built for Cloud Run's linux/amd64",
        docker.docker_platform,
    ),
    ProjectCheck(
        "files.entrypoint",
        PROJECT,
        "entrypoint.sh is executable and serves on $PORT (default 8080)",
        docker.entrypoint,
        fix=docker.fix_entrypoint,
    ),
    ProjectCheck(
        "files.images",
        PROJECT,
        "the deploy deploys the image it builds; cloudbuild.yaml names it too",
        deploy.images,
    ),
    ProjectCheck(
        "files.deploy_env_vars",
        PROJECT,
        "the deploy's env_vars are KEY=value pairs Cloud Run accepts",
        deploy.deploy_env_vars,
    ),
    Check("files.workflow_parse", REPO, "every workflow file parses", files.workflow_parse),
    Check(
        "files.workflow_orphan",
        REPO,
        "every project folder a workflow names exists",
        files.workflow_orphan,
    ),
    SpecCheck(
        "drift.platforms",
        DRIFT,
        "the env solves the same on Linux and Macs (cached solve; --no-drift skips)",
        drift.platforms,
    ),
    SpecCheck(
        "lock.stale",
        DRIFT,
        "conda-lock.yml still satisfies the environment file",
        drift.lock_stale,
    ),
    SpecCheck(
        "lock.follow",
        DRIFT,
        "the env, CI and the Dockerfile all install conda-lock.yml",
        lockuse.lock_follow,
    ),
    SpecCheck(
        "lock.platforms",
        DRIFT,
        "conda-lock.yml covers every target platform",
        drift.lock_platforms,
    ),
)
