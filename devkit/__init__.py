"""devkit: set up, diagnose and run every service of a conda monorepo."""

__version__ = "0.1.0"
