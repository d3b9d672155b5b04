"""The hard line between the library and the app: `core/` never imports Qt, pyqtgraph or `gui`, and the CLI path
never loads Qt either. And no package imports itself in a circle."""
import ast
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")
# Packages whose modules must not import each other in a circle.
ACYCLIC_PACKAGES = ["core"]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_core_never_imports_qt_or_gui():
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_cli_commands_do_not_load_qt():
    code = ("import sys, main; import core.cli, core.cli.train, core.cli.predict, core.cli.check, core.cli.export, "
            "core.trainer, "
            "core.model_io, core.live_evaluation; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (FORBIDDEN,))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- import cycles -------------------------------------------------------------------------------------------------
def _module_names(package: str) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of `package` (a package is its __init__.py)."""
    modules = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST):
    """Every import statement in `node`, at module level or nested in functions, classes and blocks, except under
    `if TYPE_CHECKING:` (those never run, so they cannot take part in a cycle)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for branch in child.orelse for n in _import_nodes_in(branch))
        else:
            yield from _import_nodes(child)


def _import_nodes_in(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _import_nodes(node)


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, read from the source with `ast`.

    Module-level and function-level imports both count: an import inside a function only postpones a cycle to the
    first call, it does not remove the coupling. Imports under `if TYPE_CHECKING:` do not count. `from X import n`
    is an edge to the module X.n when there is one (`from . import toys`), else to X; `import X.Y` is an edge to
    X.Y. The implicit import of a module's parent packages is not an edge."""
    modules = _module_names(package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        own_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = own_package.split(".")[: len(own_package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                           for alias in node.names]
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each module that lies on a cycle, each listed once: [a, b, ..., a]."""
    cycles, seen = [], set()
    for start in sorted(graph):
        parent = {start: None}
        queue = deque([start])
        found = None
        while queue and found is None:
            node = queue.popleft()
            for nxt in sorted(graph[node]):
                if nxt == start:
                    found = node
                    break
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if found is None:
            continue
        path = [found]
        while parent[path[-1]] is not None:
            path.append(parent[path[-1]])
        cycle = path[::-1]
        key = frozenset(cycle)
        if key not in seen:
            seen.add(key)
            cycles.append(cycle + [start])
    return cycles


def test_the_cycle_finder_names_a_cycle_and_passes_a_tree():
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a", "p.d"}, "p.d": set()}
    assert import_cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]
    assert import_cycles({"p.a": {"p.b", "p.c"}, "p.b": {"p.c"}, "p.c": set()}) == []


def test_the_import_graph_reads_relative_function_level_and_type_checking_imports(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n"
                                  "def f():\n    from .sub import c\n")
    (package / "b.py").write_text("import os\nimport pkg.sub\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import b\nfrom ..a import f\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert import_graph("pkg") == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub.c"}, "pkg.b": {"pkg.sub"}, "pkg.sub": set(),
                                   "pkg.sub.c": {"pkg.a", "pkg.b"}}
    assert import_cycles(import_graph("pkg")) == [["pkg.a", "pkg.sub.c", "pkg.a"]]


@pytest.mark.parametrize("package", ACYCLIC_PACKAGES)
def test_no_import_cycles(package):
    cycles = import_cycles(import_graph(package))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)
