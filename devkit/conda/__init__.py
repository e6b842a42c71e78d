"""Conda knowledge with no monorepo policy: platforms, environment.yml, channels, solves,
micromamba, envs and their builds, conda-lock files."""
