"""The package layout: no import cycles between app modules or between packages; services never
import FastAPI."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def _module(path: Path) -> str:
    rel = path.relative_to(APP.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imported(node: ast.AST) -> list[str]:
    """Return the modules (and `module.name`s) an import statement names; [] for other nodes."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return []


def _graph(lazy: bool = False) -> dict[str, set[str]]:
    """Return module -> app modules it imports at import time (not inside functions).

    `lazy`: imports inside functions and under TYPE_CHECKING count too (a package may not lean
    on a package above it, however late it imports it).
    """
    modules = {_module(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # top level only by default: lazy imports inside functions are not module cycles
        for node in ast.walk(tree) if lazy else tree.body:
            for name in _imported(node):
                if name in modules and name != mod:
                    graph[mod].add(name)
    return graph


def _package(module: str) -> str:
    """Return the package a module counts in: app.services.<domain>, else app.<top>."""
    parts = module.split(".")
    depth = 3 if parts[:2] == ["app", "services"] else 2
    return ".".join(parts[:depth])


def _packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Return package -> packages its modules import (a module graph folded by _package)."""
    out: dict[str, set[str]] = {}
    for mod, names in graph.items():
        out.setdefault(_package(mod), set()).update(
            _package(n) for n in names if _package(n) != _package(mod)
        )
    return out


def _why(graph: dict[str, set[str]], cycle: list[str]) -> list[str]:
    """Return the module imports that make each step of a package cycle."""
    return [
        f"{m} -> {n}"
        for a, b in zip(cycle, cycle[1:], strict=False)
        for m in sorted(graph)
        if _package(m) == a
        for n in sorted(graph[m])
        if _package(n) == b
    ]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_detector_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    graph = _graph()
    assert len(graph) > 30
    assert _cycle(graph) is None


def test_packages_fold_as_the_layers_say() -> None:
    assert _package("app.services.zoning.check") == "app.services.zoning"
    assert _package("app.services.database") == "app.services.database"
    assert _package("app.api.errors") == "app.api"
    assert _package("app.errors") == "app.errors"
    assert _package("app") == "app"


def test_package_detector_finds_a_cycle_put_in_on_purpose() -> None:
    graph = _graph(lazy=True)
    assert _cycle(_packages(graph)) is None
    # geo is the bottom of the services; one lazy import of the zoning check from it closes
    # a loop through every package that builds on geo
    graph["app.services.geo.crs"].add("app.services.zoning.check")
    cycle = _cycle(_packages(graph))
    assert cycle is not None
    assert {"app.services.geo", "app.services.zoning"} <= set(cycle)
    assert "app.services.geo.crs -> app.services.zoning.check" in _why(graph, cycle)


def test_no_package_cycles() -> None:
    """The packages form a one-way graph (the layers of docs/architecture.md), counting lazy
    and TYPE_CHECKING imports."""
    graph = _graph(lazy=True)
    packages = _packages(graph)
    assert {"app.services.catalog", "app.services.regions", "app.api", "app.errors"} <= set(
        packages
    )
    cycle = _cycle(packages)
    assert cycle is None, f"package cycle {' -> '.join(cycle)}: " + "; ".join(
        _why(graph, cycle)
    )


def test_services_do_not_import_fastapi() -> None:
    offenders = []
    for path in (APP / "services").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            if any(m.split(".")[0] in ("fastapi", "starlette") for m in mods):
                offenders.append(str(path.relative_to(APP)))
    assert offenders == []
