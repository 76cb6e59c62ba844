"""The architecture holds: modules import one way, as the README's layers say.

Imports are read with ``ast`` (module level and inside functions alike;
``if TYPE_CHECKING:`` blocks are for type checkers only and are skipped), so
a cycle hidden inside a function fails here as surely as one at the top.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "civscore"
#: modules civscore 1.0 had, kept as deprecated re-exports; nothing of civscore imports them
SHIMS = {"civscore.errors", "civscore.values", "civscore.scoring", "civscore.scorers", "civscore.scorers.builtin"}
#: heavy or optional third-party modules that may be imported lazily, inside a function
LAZY_OK = {"numpy", "openpyxl", "jinja2", "pyarrow", "polars", "python_calamine", "xlsxwriter", "pandas",
           # the standard library's process pools: only --jobs uses them, and they cost a check 30 ms (socket, hmac, secrets)
           "multiprocessing", "concurrent"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(name: str) -> list[tuple[str, bool, int]]:
    """``(imported module, inside a function, line)`` of one civscore module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, in_function)
                continue
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, inner, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    found.append((sub if sub in MODULES else target, inner, child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


GRAPH = {name: sorted({m for m, _, _ in imports(name) if m in MODULES and m != name}) for name in MODULES}


def test_no_import_cycle():
    """Depth-first search over every civscore→civscore import; a back edge is a cycle."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def dfs(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in GRAPH[node]:
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                dfs(nxt)
        stack.pop()
        state[node] = 2

    for name in GRAPH:
        if name not in state:
            dfs(name)
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def _reach(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("name", [m for m in MODULES if m.startswith("civscore.contracts")])
def test_contracts_import_nothing_else_of_civscore(name):
    assert {m for m in _reach(name) if not m.startswith("civscore.contracts")} == set()


@pytest.mark.parametrize("name, allowed", [
    ("civscore.hookspecs", {"civscore.contracts"}),
    ("civscore.plugins", {"civscore.contracts", "civscore.hookspecs"}),
])
def test_the_plugin_layer_sits_on_the_contracts_only(name, allowed):
    outside = {m for m in _reach(name) if not any(m == a or m.startswith(a + ".") for a in allowed)}
    assert outside == set()


def test_nothing_imports_the_built_in_plugins_but_the_plugin_manager_by_name():
    """Built-ins are plugins: loaded by name from DEFAULT_PLUGINS, never imported by the core."""
    users = {name for name, deps in GRAPH.items() if any(d.startswith("civscore.builtin") for d in deps)}
    assert users <= {m for m in MODULES if m.startswith("civscore.builtin")} | SHIMS


def test_nothing_imports_the_deprecated_modules():
    users = {name for name, deps in GRAPH.items() if set(deps) & SHIMS and name not in SHIMS}
    assert users == set()


def test_imports_inside_functions_are_only_lazy_heavy_modules():
    bad = [f"{name}:{line} imports {mod}" for name in MODULES for mod, inner, line in imports(name)
           if inner and mod.split(".")[0] not in LAZY_OK]
    assert bad == []


def test_only_api_and_cli_build_the_default_registry():
    users = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                called = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if called in ("get_registry", "get_plugin_manager"):
                    users.append(name)
    assert set(users) <= {"civscore.api", "civscore.cli"}


def test_no_function_is_longer_than_80_lines():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 80:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []
