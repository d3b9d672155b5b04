"""The GUI's import graph has no cycles, and the window's helpers do not import the window.

The graph is built from the source (ast), so it sees every import a module can make: at module level and inside
functions. Imports under `if TYPE_CHECKING:` never run and are left out. A cycle makes the import order decide
which module sees a half-initialised other, and usually means two modules share a job; a helper that imports the
window reaches into its attributes instead of receiving what it uses.
"""
from __future__ import annotations

from import_graph import cycles, import_graph


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
