"""Time devkit's YAML reading: libyaml's C parser against PyYAML's pure-Python loader.

Reads the files a doctor run reads four of per project (both workflows, environment.yml,
cloudbuild.yaml of examples/monorepo) with `yamlfile.parse`, through libyaml
(`fast=True`, the default) and through the pure-Python loader (`fast=False`), in-process, and
prints the median microseconds per file of each and their ratio (CPU time: the machine is shared).
Prints figures, asserts nothing:

    .venv/bin/python benchmarks/yamlread.py --rounds 20
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import yaml
from harness import json_report, positive_int, print_report
from rich.table import Table

from devkit import yamlfile

REPO_ROOT = Path(__file__).resolve().parents[1]
FILES = (
    "examples/monorepo/.github/workflows/*.yml",
    "examples/monorepo/projects/*/environment.yml",
    "examples/monorepo/projects/*/cloudbuild.yaml",
)
JSON_SCHEMA_VERSION = 1


def per_file_us(raws: Sequence[tuple[Path, bytes]], fast: bool, rounds: int) -> list[float]:
    """CPU microseconds per file of each round (text reading, as workflows are read)."""
    samples = []
    for _ in range(rounds):
        start = time.process_time()
        for path, raw in raws:
            yamlfile.parse(raw, path, text=True, fast=fast)
        samples.append((time.process_time() - start) / len(raws) * 1e6)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=positive_int, default=20, help="reads of every file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    paths = sorted({p for pattern in FILES for p in REPO_ROOT.glob(pattern)})
    raws = [(p, p.read_bytes()) for p in paths]
    fast = statistics.median(per_file_us(raws, True, args.rounds))
    pure = statistics.median(per_file_us(raws, False, max(1, args.rounds // 5)))
    if args.json:
        print(
            json_report(
                JSON_SCHEMA_VERSION,
                libyaml=yaml.__with_libyaml__,
                files=len(raws),
                fast_us=round(fast, 1),
                pure_us=round(pure, 1),
            )
        )
        return 0
    table = Table(title=f"yamlfile.parse, {len(raws)} files, CPU µs per file (median)")
    for column in ("libyaml", "pure Python", "ratio"):
        table.add_column(column, justify="right")
    table.add_row(f"{fast:.0f}", f"{pure:.0f}", f"{pure / fast:.1f}×")
    notes = [] if yaml.__with_libyaml__ else ["PyYAML has no libyaml here: both are pure Python"]
    print_report([table], notes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
