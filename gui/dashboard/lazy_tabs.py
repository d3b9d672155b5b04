"""Tabs whose contents are made the first time they are needed, not at launch.

Building every view of the dashboard (about twenty pyqtgraph plots, each with its axes and menus) took about a third
of the time from launch to a window ready to train, for tabs most sessions open later or never. A lazy tab holds a
placeholder page until it is shown (or its contents are asked for); then its builder runs once and the contents
fill the page. For callers the tab *is* its contents: `setCurrentWidget(view)`, `indexOf(view)`, `widget(i)` and
`currentWidget()` speak of the widgets tabs show (an unbuilt tab shows its empty page; Python callers only: Qt itself
sees the pages).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6 import QtCore, QtWidgets


@dataclass(eq=False)
class LazyTab:
    """One tab: its placeholder `page`, the `build` that makes its contents (returns the widget to show), and,
    once built, that widget."""

    page: QtWidgets.QWidget
    build: Callable[[], QtWidgets.QWidget]
    content: QtWidgets.QWidget | None = None

    @property
    def built(self) -> bool:
        return self.content is not None


class LazyTabWidget(QtWidgets.QTabWidget):
    """A QTabWidget with `add_lazy_tab`; a tab is built when it becomes current or when `build(index)` is called."""

    tabBuilt = QtCore.Signal(int)            # the tab at this index has just made its contents

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._lazy: dict[QtWidgets.QWidget, LazyTab] = {}          # placeholder page -> its tab
        self.currentChanged.connect(self.build)

    def add_lazy_tab(self, build: Callable[[], QtWidgets.QWidget], title: str) -> int:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self._lazy[page] = LazyTab(page, build)
        index = self.addTab(page, title)
        if self.currentIndex() == index:
            self.build(index)
        return index

    def build(self, index: int) -> QtWidgets.QWidget | None:
        """Make the contents of the tab at `index` if it is lazy and not made yet; returns what the tab shows."""
        page = super().widget(index)
        tab = self._lazy.get(page)
        if tab is None or tab.built:
            return self._shown(page)
        tab.content = tab.build()
        page.layout().addWidget(tab.content)
        self.tabBuilt.emit(index)
        return tab.content

    def build_all(self) -> None:
        for index in range(self.count()):
            self.build(index)

    def is_built(self, index: int) -> bool:
        tab = self._lazy.get(super().widget(index))
        return tab is None or tab.built

    def _shown(self, page: QtWidgets.QWidget | None) -> QtWidgets.QWidget | None:
        """What the tab of `page` shows: its contents once built, else the (empty) placeholder page."""
        tab = self._lazy.get(page)
        return tab.content if tab is not None and tab.built else page

    def _page_of(self, widget: QtWidgets.QWidget) -> QtWidgets.QWidget:
        for page, tab in self._lazy.items():
            if tab.content is widget:
                return page
        return widget

    # --- the tabs speak of the widgets they show, not of their placeholder pages ---------------------------------
    def widget(self, index: int) -> QtWidgets.QWidget | None:
        return self._shown(super().widget(index))

    def currentWidget(self) -> QtWidgets.QWidget | None:  # noqa: N802 (Qt's name)
        return self._shown(super().currentWidget())

    def indexOf(self, widget: QtWidgets.QWidget) -> int:  # noqa: N802 (Qt's name)
        return super().indexOf(self._page_of(widget))

    def setCurrentWidget(self, widget: QtWidgets.QWidget) -> None:  # noqa: N802 (Qt's name)
        super().setCurrentWidget(self._page_of(widget))
