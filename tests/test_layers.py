"""The layout holds: imports flow one way, the CLI only wires, no module holds two ideas.

The import graph is read from the code (every ``import`` and ``from … import``, at module
level and inside functions), so a lazy import that closes a circle is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = {"qslint": ROOT / "qslint", "qslint_rules": ROOT / "rules"}
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    modules = {}
    for package, folder in PACKAGES.items():
        for file in folder.rglob("*.py"):
            parts = [package, *file.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = file
    return modules


MODULES = _modules()


def _imported(name: str, file: Path) -> set[str]:
    """The project's modules that ``name`` imports, anywhere in its code."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            module = target
            while module and module not in MODULES:
                module = module.rpartition(".")[0]
            if module and module != name:
                found.add(module)
    return found


GRAPH = {name: _imported(name, file) for name, file in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def test_the_walk_sees_lazy_imports():
    # qslint.cli imports its apply command only when it runs: the graph still has the arrow.
    assert "qslint.runner" in GRAPH["qslint.cli.check"]
    assert "qslint.apply.gate" in GRAPH["qslint.cli.apply"]


def test_a_circle_is_found():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_graph_has_no_cycles():
    assert _cycles(GRAPH) == []


def test_nothing_below_the_cli_imports_it():
    offenders = {
        name: sorted(dep for dep in deps if dep == "qslint.cli" or dep.startswith("qslint.cli."))
        for name, deps in GRAPH.items()
        if not name.startswith("qslint.cli") and name != "qslint.__main__"
    }
    assert {name: deps for name, deps in offenders.items() if deps} == {}


@pytest.mark.parametrize("feature", ["qslint.apply", "qslint.dashboards"])
def test_the_aws_layer_imports_no_feature(feature):
    aws = {name: deps for name, deps in GRAPH.items() if name.startswith("qslint.aws")}
    assert aws
    assert all(not dep.startswith(feature) for deps in aws.values() for dep in deps)


def test_the_features_keep_to_their_own_halves():
    # The check half never reaches into the deploy half for a client or a limiter.
    dashboards = {name: deps for name, deps in GRAPH.items() if name.startswith("qslint.dashb")}
    assert all(not dep.startswith("qslint.apply") for deps in dashboards.values() for dep in deps)


def test_no_module_is_over_500_lines():
    long = {
        name: lines
        for name, file in MODULES.items()
        if (lines := len(file.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
