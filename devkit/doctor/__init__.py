"""devkit doctor: checks as data, a runner, and renderers."""
