"""How the window fits the screen it opens on, and the Focus-on-training view.

The window opens at its default size when the screen has room for it, and otherwise at the screen's available size
(a 1366 x 768 laptop gets a window that fits, not one that runs off its edges). Below COMPACT_BELOW pixels of
available width the Network dock starts as a tab beside Data and Training, so the dashboard keeps most of the width.
A layout saved on another screen is only restored when it fits this one (gui/app_settings.py). Focus on training
hides the docks, giving the dashboard the whole window while a run trains, and brings back the ones it hid.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QWidget

DEFAULT_SIZE = QSize(1600, 1000)
COMPACT_BELOW = 1500            # available width (px) under which the Network dock is tabbed with Data
FRAME = QSize(16, 40)           # what a window manager adds around the window (title bar, borders), before show


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The room the window may take on its screen (without task bars and docks of the desktop)."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, DEFAULT_SIZE.width(),
                                                                      DEFAULT_SIZE.height())


def initial_geometry(available: QRect) -> QRect:
    """The default size, or less on a smaller screen (room left for the frame), centred in `available`."""
    size = DEFAULT_SIZE.boundedTo(available.size() - FRAME)
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    return rect


def is_compact(available: QRect) -> bool:
    return available.width() < COMPACT_BELOW


def fit_to_screen(window: QWidget) -> bool:
    """Give `window` its first geometry on its screen; True when the screen calls for the compact layout."""
    available = available_geometry(window)
    window.setGeometry(initial_geometry(available))
    return is_compact(available)


def fits(size: QSize, available: QRect) -> bool:
    """Whether a window of `size` (its frame included) fits in `available`."""
    return size.width() + FRAME.width() <= available.width() and size.height() + FRAME.height() <= available.height()


class FocusMode(QObject):
    """Hides every dock (the dashboard takes the window) and shows again the ones it hid. Showing a dock by hand
    (View menu) leaves the mode."""

    def __init__(self, docks: dict[str, QDockWidget], action: QAction, parent: QObject | None = None):
        super().__init__(parent)
        self.docks = docks
        self.action = action
        self.action.setCheckable(True)
        self._hidden: list[QDockWidget] = []
        self._switching = False
        for dock in docks.values():
            dock.toggleViewAction().toggled.connect(self._dock_toggled)

    @property
    def active(self) -> bool:
        return bool(self._hidden)

    def toggle(self) -> None:
        self.set_active(not self._hidden)

    def follow_action(self) -> None:
        """The action was triggered (it checks or unchecks itself first): enter or leave the mode to match."""
        self.set_active(self.action.isChecked())

    def set_active(self, active: bool) -> None:
        self._switching = True
        try:
            if active and not self._hidden:
                self._hidden = [d for d in self.docks.values() if not d.isHidden()]
                for dock in self._hidden:
                    dock.hide()
            elif not active:
                for dock in self._hidden:
                    dock.show()
                self._hidden = []
        finally:
            self._switching = False
        self.action.setChecked(self.active)

    def _dock_toggled(self, visible: bool) -> None:
        if visible and not self._switching and self.active:
            self._hidden = [d for d in self._hidden if d.isHidden()]
            self.set_active(False)
