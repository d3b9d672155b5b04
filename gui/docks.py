"""Where the panels sit: Data and Training tabbed on the left, Network beside them, the dashboard in the middle.
Users can move, float or close the docks; the layout is remembered between runs (app_settings)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

DEFAULT_WIDTHS = {"data": 390, "network": 380}
MIN_WIDTH = 320


def dock(window: QMainWindow, name: str, title: str, widget: QWidget) -> QDockWidget:
    d = QDockWidget(title, window)
    d.setObjectName(name)
    d.setWidget(widget)
    d.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                  QDockWidget.DockWidgetFeature.DockWidgetClosable)
    d.setMinimumWidth(MIN_WIDTH)
    return d


def arrange(window: QMainWindow, data: QWidget, network: QWidget, training: QWidget,
            central: list[QWidget]) -> dict[str, QDockWidget]:
    """Build the docks and the central column (`central` stacked top to bottom, the last one stretching)."""
    docks = {"data": dock(window, "dataDock", "Data", data),
             "training": dock(window, "trainingDock", "Training", training),
             "network": dock(window, "networkDock", "Network", network)}
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, docks["data"])
    window.splitDockWidget(docks["data"], docks["network"], Qt.Orientation.Horizontal)
    window.tabifyDockWidget(docks["data"], docks["training"])
    docks["data"].raise_()
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for i, widget in enumerate(central):
        layout.addWidget(widget, 1 if i == len(central) - 1 else 0)
    window.setCentralWidget(host)
    return docks


def default_widths(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Dock widths only stick once the window is shown (call it then)."""
    names = list(DEFAULT_WIDTHS)
    window.resizeDocks([docks[n] for n in names], [DEFAULT_WIDTHS[n] for n in names], Qt.Orientation.Horizontal)
