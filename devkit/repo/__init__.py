"""The monorepo and its files: projects, devkit.yaml, .env, build files, templates, workflows."""
