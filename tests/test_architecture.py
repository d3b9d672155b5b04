"""The hard line between the library and the app: `core/` never imports Qt, pyqtgraph or `gui`, and the CLI path
never loads Qt either. And no package imports itself in a circle."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from import_graph import cycle_path, cycles, import_graph

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "gui")
# Packages whose modules must not import each other in a circle.
ACYCLIC_PACKAGES = ["core", "gui"]


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
            "core.cli.diagnose, core.cli.lr_find, core.diagnosis.headless, core.lr_finder, core.trainer, "
            "core.model_io, core.live_evaluation; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in %r))" % (FORBIDDEN,))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- import cycles -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("package", ACYCLIC_PACKAGES)
def test_no_import_cycles(package):
    """The graph is read from the source (tests/import_graph.py): function-level imports count, imports under
    `if TYPE_CHECKING:` do not. A failure names each cycle as a loop of imports."""
    graph = import_graph(package)
    assert len(graph) > 40 and f"{package}.__init__" not in graph     # every module, packages by their name
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle_path(graph, c)) for c in found)


def test_the_graph_sees_function_level_imports():
    assert "gui.main_window" in import_graph("gui")["gui.app"]        # imported inside run()
    assert "core.model_files" in import_graph("core")["core.cli.predict"]


def test_the_cycle_finder_names_a_loop_and_passes_a_tree(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from .a import f\n")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import b\n"
                                  "def f():\n    from .sub import c\n")
    (package / "b.py").write_text("import os\nimport pkg.sub\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import b\nfrom ..a import f\n")
    graph = import_graph("pkg", tmp_path)
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.sub.c"}, "pkg.b": {"pkg.sub"}, "pkg.sub": set(),
                     "pkg.sub.c": {"pkg.a", "pkg.b"}}
    assert [cycle_path(graph, c) for c in cycles(graph)] == [["pkg.a", "pkg.sub.c", "pkg.a"]]
    assert cycles({"p.a": {"p.b", "p.c"}, "p.b": {"p.c"}, "p.c": set()}) == []
