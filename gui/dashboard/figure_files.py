"""Writing a figure (any pyqtgraph graphics item) to PNG or SVG with pyqtgraph's exporters.

pyqtgraph 0.14.0's SVG exporter stops at closed paths ("... L0,0 Z", which Qt 6 writes for every view box) with
"not enough values to unpack" (pyqtgraph issue #3495). While our own export runs, its coordinate fix-up is wrapped
so the close commands are dropped first; a closed rectangle and an open one ending at its start draw the same.
"""
from __future__ import annotations

import contextlib
import importlib

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6 import QtWidgets

_svg_module = importlib.import_module("pyqtgraph.exporters.SVGExporter")


def _drop_close_commands(node) -> None:
    for path in node.getElementsByTagName("path"):
        d = path.getAttribute("d")
        if "Z" in d or "z" in d:
            tokens = [t.rstrip("Zz") for t in d.split()]
            path.setAttribute("d", " ".join(t for t in tokens if t))


@contextlib.contextmanager
def _tolerant_svg_paths():
    original = getattr(_svg_module, "correctCoordinates", None)
    if original is None:          # a pyqtgraph that reorganised its exporter: nothing to work around
        yield
        return

    def correct(node, defs, item, options):
        _drop_close_commands(node)
        return original(node, defs, item, options)

    _svg_module.correctCoordinates = correct
    try:
        yield
    finally:
        _svg_module.correctCoordinates = original


def write_svg(item: QtWidgets.QGraphicsItem, path: str) -> None:
    with _tolerant_svg_paths():
        pg.exporters.SVGExporter(item).export(fileName=path)


def write_png(item: QtWidgets.QGraphicsItem, path: str, min_width: int = 0) -> None:
    """A PNG of the item at its on-screen size, scaled up to at least `min_width` pixels for print quality."""
    exporter = pg.exporters.ImageExporter(item)
    if int(exporter.parameters()["width"]) < min_width:
        exporter.parameters()["width"] = int(min_width)
    exporter.export(fileName=path)
