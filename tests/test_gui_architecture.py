"""The GUI's import graph has no cycles, and the window's helpers do not import the window.

The graph is built from the source (ast), so it sees every import a module can make: at module level and inside
functions. Imports under `if TYPE_CHECKING:` never run and are left out. A cycle makes the import order decide
which module sees a half-initialised other, and usually means two modules share a job; a helper that imports the
window reaches into its attributes instead of receiving what it uses.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, type_checking: bool = False):
    """Import statements anywhere in `tree` (function bodies included); those under `if TYPE_CHECKING:` only
    with `type_checking`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            if type_checking:
                yield from (n for child in node.body for n in ast.walk(child)
                            if isinstance(n, (ast.Import, ast.ImportFrom)))
            yield from _import_nodes(ast.Module(body=node.orelse, type_ignores=[]), type_checking)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _import_nodes(node, type_checking)


def import_graph(package: str, root: Path = ROOT, type_checking: bool = False) -> dict[str, set[str]]:
    """module -> the modules of `package` it imports (by dotted name), for every .py file under root/package."""
    files = {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path)), type_checking):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = here.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:       # `from pkg import module` imports the module
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in files else base)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_gui_has_no_import_cycles():
    graph = import_graph("gui")
    assert len(graph) > 40 and "gui.main_window" in graph["gui.app"]       # the graph sees function-level imports
    assert not cycles(graph), "import cycles in gui/: " + "; ".join(" <-> ".join(c) for c in cycles(graph))


def test_only_the_app_imports_the_main_window():
    """Helpers (files, exports, menus, docks, ...) receive the objects and callbacks they use, not the window: none
    of them imports it, not even for type hints."""
    graph = import_graph("gui", type_checking=True)
    importers = sorted(name for name, targets in graph.items() if "gui.main_window" in targets)
    assert importers == ["gui.app"]


def test_the_cycle_check_finds_cycles_through_functions_and_packages(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("def f():\n    from ..c import g\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import d\n"
                                  "import pkg.a\n")
    (package / "d.py").write_text("from pkg import c\n")
    graph = import_graph("pkg", tmp_path)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]               # d -> c only under TYPE_CHECKING
    assert cycles(import_graph("pkg", tmp_path, type_checking=True)) == [["pkg.a", "pkg.c", "pkg.d", "pkg.sub.b"]]
