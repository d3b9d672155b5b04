"""Where the panels sit: Data and Training tabbed on the left, Network beside them, the dashboard in the middle.

The window lists its docks as `DockSpec`s (object name, title, widget, where it goes); adding a dock is one more
line there. Users can move, float or close the docks; the layout is remembered between runs (app_settings), by
object name, and View lists a toggle for each dock in the window's order.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

MIN_WIDTH = 300        # every panel fits it: no panel's minimum width depends on the data it shows


@dataclass(frozen=True)
class DockSpec:
    """One dock. Where it goes: an `area` of its own, or `beside` another dock (split off to its right), or
    `tab_with` another dock (stacked behind it). `width`: its first width, once the window is shown."""

    key: str
    name: str                      # object name (docs/automation.md)
    title: str
    widget: QWidget
    area: Qt.DockWidgetArea = Qt.DockWidgetArea.LeftDockWidgetArea
    beside: str | None = None
    tab_with: str | None = None
    width: int | None = None


def dock(window: QMainWindow, name: str, title: str, widget: QWidget) -> QDockWidget:
    d = QDockWidget(title, window)
    d.setObjectName(name)
    d.setWidget(widget)
    d.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                  QDockWidget.DockWidgetFeature.DockWidgetClosable)
    d.setMinimumWidth(MIN_WIDTH)
    return d


def arrange(window: QMainWindow, specs: list[DockSpec], central: list[QWidget]) -> dict[str, QDockWidget]:
    """Build the docks (in `specs` order) and the central column (`central` stacked top to bottom, the last one
    stretching). Docks are placed in their areas first, then split, then tabbed (Qt adds a dock split off a tabbed
    one as one more tab), and the first dock of each tab stack is raised."""
    docks = {spec.key: dock(window, spec.name, spec.title, spec.widget) for spec in specs}
    for spec in specs:
        if spec.beside is None and spec.tab_with is None:
            window.addDockWidget(spec.area, docks[spec.key])
    for spec in specs:
        if spec.beside is not None:
            window.splitDockWidget(docks[spec.beside], docks[spec.key], Qt.Orientation.Horizontal)
    for spec in specs:
        if spec.tab_with is not None:
            window.tabifyDockWidget(docks[spec.tab_with], docks[spec.key])
    for key in {spec.tab_with for spec in specs if spec.tab_with is not None}:
        docks[key].raise_()
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, widget in enumerate(central):
        layout.addWidget(widget, 1 if i == len(central) - 1 else 0)
    window.setCentralWidget(host)
    return docks


def default_widths(window: QMainWindow, specs: list[DockSpec], docks: dict[str, QDockWidget]) -> None:
    """Dock widths only stick once the window is shown (call it then)."""
    sized = [spec for spec in specs if spec.width is not None]
    window.resizeDocks([docks[s.key] for s in sized], [s.width for s in sized], Qt.Orientation.Horizontal)
