"""Let go of the Python wrappers PySide keeps for Qt's own layout items, before Qt deletes the items.

When a layout is nested in another (`addLayout`, `addRow` with a layout, a filled layout given to a widget), PySide
gives each layout item Qt made inside it (the QWidgetItem of a widget, the QSpacerItem of a stretch) a Python
wrapper and keeps that wrapper alive as the layout's child. Qt deletes those items without telling PySide (they are
not QObjects), so each wrapper outlives its item and stays in PySide's wrapper map under the item's address. A main
window left about 70 of them behind when it closed, so the GUI tests, which build some 230 windows in one process,
piled up thousands. A new object allocated at such an address can meet a stale entry: the likely cause of the
segfaults in `BindingManager::retrieveWrapper` that ended 2 of 16 runs of the GUI tests before this sweep, against 1
of 53 after it. That one crashed in the sweep itself: it reads every entry of the map, and met a wrapper that some
rarer source had left there freed (README, "Development").

`release_layout_item_wrappers()` invalidates those wrappers while their items are still alive. That takes them out
of the map and touches no C++ object. Qt keeps and deletes the items as before. Python code that asks a layout for
an item later (`itemAt`) gets a fresh wrapper. Items a Python layout holds itself (`held_items()`, gui/widgets/
flow_layout.py) are left alone until that layout lets them go. `LayoutItemSweeper.of(app)` runs it when a window is
built or closed, and every few seconds for layouts built meanwhile (a sweep takes about 5 ms for a whole window).
"""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QLayout, QLayoutItem

from .app_singleton import app_singleton

SWEEP_INTERVAL_MS = 3000


def release_layout_item_wrappers() -> int:
    """Invalidate the wrappers of layout items Qt made (not layouts, not items made in Python, not items a Python
    layout holds); returns how many."""
    wrappers = shiboken6.getAllValidWrappers()
    held: set[int] = set()
    for wrapper in wrappers:
        if isinstance(wrapper, QLayout) and hasattr(wrapper, "held_items") and shiboken6.isValid(wrapper):
            held.update(id(item) for item in wrapper.held_items())
    released = 0
    for wrapper in wrappers:
        if (isinstance(wrapper, QLayoutItem) and not isinstance(wrapper, QLayout) and id(wrapper) not in held
                and not shiboken6.createdByPython(wrapper)):
            shiboken6.invalidate(wrapper)
            released += 1
    return released


class LayoutItemSweeper(QObject):
    """One per application (`of(app)`): sweeps on request and on a slow timer."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.released = 0                       # wrappers let go of so far
        self._timer = QTimer(self)
        self._timer.setInterval(SWEEP_INTERVAL_MS)
        self._timer.timeout.connect(self.sweep)
        self._timer.start()

    @classmethod
    def of(cls, app: QCoreApplication | None = None) -> "LayoutItemSweeper":
        return app_singleton(cls, "layoutItemSweeper", app)

    def sweep(self) -> int:
        released = release_layout_item_wrappers()
        self.released += released
        return released
