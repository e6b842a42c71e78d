"""The micromamba stand-in's parts: command line, context, solver, records, activation."""
