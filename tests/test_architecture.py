"""The package's layers, as docs/architecture.md draws them: imports run downwards, no cycle.

Imports inside functions count too: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "devkit"

# A layer may import itself and the layers after it in this list, never one before it.
LAYERS = ("cli", "commands", "doctor", "drift", "repo", "conda", "foundation")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target != "devkit":
                    graph[name].add(target)
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "entry" if module in ("devkit", "devkit.__main__") else "foundation"


GRAPH = _imports()


def test_the_graph_is_read() -> None:
    # A reader that found nothing would pass every rule below.
    assert "devkit.conda.envspec" in GRAPH["devkit.drift.targets"]
    assert len(GRAPH) > 50


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_downwards(module: str) -> None:
    here = _layer(module)
    if here == "entry":
        return
    upward = [
        target
        for target in GRAPH[module]
        if _layer(target) != "entry" and LAYERS.index(_layer(target)) < LAYERS.index(here)
    ]
    assert not upward, f"{module} ({here}) imports upwards: {upward}"


def test_doctor_and_drift_do_not_import_each_other_both_ways() -> None:
    drift_to_doctor = [
        (m, t)
        for m, targets in GRAPH.items()
        if m.startswith("devkit.drift")
        for t in targets
        if t.startswith("devkit.doctor")
    ]
    assert not drift_to_doctor


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in GRAPH:
                continue
            # A package's __init__ re-exporting its children is not a cycle with them.
            if v.startswith(w + "."):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles
