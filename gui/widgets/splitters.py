"""The app's splitters: panes that never collapse to nothing, thin handles, and a stretch factor per pane."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


def splitter(orientation: Qt.Orientation, widgets: list[QWidget], stretch: list[int]) -> QSplitter:
    """`widgets` side by side (or stacked), sharing extra room as `stretch` says."""
    split = QSplitter(orientation)
    split.setChildrenCollapsible(False)
    split.setHandleWidth(5)
    for widget, factor in zip(widgets, stretch):
        split.addWidget(widget)
        split.setStretchFactor(split.count() - 1, factor)
    return split
