"""Placeholder until the CLI frame lands."""


def main() -> None:
    raise SystemExit(0)
