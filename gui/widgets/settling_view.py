"""pyqtgraph views that follow a window drag with the picture they had, and lay out again once the sizes pause.

A window dragged by its corner gets a new size 30-60 times a second, and each new size laid out every plot again
(axes, view boxes, labels, legends) and repainted it from nothing: ticks and grid regenerated and rasterised at the
new length, every curve and scatter stroked again, also in views whose size did not change (the window repaints all
of itself). Measured on the Training tab while the spiral trained, that was 60-100 ms of the GUI thread per size, so
a drag left training almost no time (the training thread waits while the GUI thread works: gui/runtime/busy_hold.py).
During a drag a plot only needs to fill its rectangle.

`ResizeStorm` watches a top-level window: a new size within SETTLE_MS of the previous one starts a storm (the first
size after a pause, such as a maximise, is laid out at once as always), and SETTLE_MS without a new size ends it.
When a storm starts (the window has just laid out the size that made it one), each `SettlingView` of the window
keeps a picture of itself; during the storm it draws that picture, scaled to its rectangle (one pixmap blit), and
defers its lay-out; when the storm ends it lays out its final size and paints for real. A long drag lays the views
out again every REFRESH_S, so their picture never stretches far from the truth. What the plots draw meanwhile (a
live run's new points) is kept in their scenes and shows at the next lay-out.
"""
from __future__ import annotations

import time

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

SETTLE_MS = 150        # no new size for this long: the drag paused, lay out the size it stopped at
REFRESH_S = 1.0        # during a longer drag, views lay out (and take a new picture) at most this often


class ResizeStorm(QtCore.QObject):
    """Tells whether a top-level window is being resized in quick succession (a drag). `of(window)` gives the one
    of a window, made on first use."""

    started = QtCore.Signal()         # the size that made it a storm is laid out: views keep their picture now
    ended = QtCore.Signal()
    storms = 0                        # storms seen in this process (a count for tests and benchmarks)

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("resizeStorm")
        self.active = False
        self._resized_at = -1e9
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.end)
        window.installEventFilter(self)

    @staticmethod
    def of(window: QtWidgets.QWidget) -> "ResizeStorm":
        storm = window.findChild(ResizeStorm, "resizeStorm", QtCore.Qt.FindChildOption.FindDirectChildrenOnly)
        return storm if storm is not None else ResizeStorm(window)

    def eventFilter(self, _obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.Resize:
            now = time.perf_counter()
            if not self.active and now - self._resized_at < SETTLE_MS / 1000:
                self.active = True
                ResizeStorm.storms += 1
                self.started.emit()
            self._resized_at = now
            if self.active:
                self._timer.start(SETTLE_MS)
        return False

    def end(self) -> None:
        """The sizes paused (or a caller needs the final lay-out now)."""
        self._timer.stop()
        if self.active:
            self.active = False
            self.ended.emit()


class SettlingView(pg.GraphicsLayoutWidget):
    """A `pg.GraphicsLayoutWidget` that draws a picture of itself during a resize storm of its window (see the
    module). `settled` is emitted once it has laid out again after a storm; `settle()` does that now."""

    settled = QtCore.Signal()
    layouts = 0                      # sizes laid out (a count for tests and benchmarks)
    # (class defaults: pyqtgraph's constructor may already resize the view)
    _picture: QtGui.QPixmap | None = None
    _picture_at = 0.0
    _grabbing = False
    _pending = False                 # a size waits for the storm to end
    _storm: ResizeStorm | None = None

    @property
    def settling(self) -> bool:
        """Whether the view shows its picture instead of its scene."""
        return self._picture is not None

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        storm = ResizeStorm.of(self.window())
        if storm is not self._storm:
            if self._storm is not None:
                self._storm.started.disconnect(self._storm_started)
                self._storm.ended.disconnect(self.settle)
            self._storm = storm
            storm.started.connect(self._storm_started)
            storm.ended.connect(self.settle)

    def _storm_started(self) -> None:
        if self.isVisible() and not self.closed and self._picture is None:
            self._take_picture()

    def _take_picture(self) -> None:
        self._grabbing = True
        try:
            self._picture = self.viewport().grab()
        finally:
            self._grabbing = False
        self._picture_at = time.perf_counter()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._picture is None:
            self._lay_out()
            return
        self._pending = True
        if time.perf_counter() - self._picture_at >= REFRESH_S:    # a long drag: the truth once in a while
            self._lay_out()
            self._take_picture()
        self.viewport().update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self._picture is None or self._grabbing:
            super().paintEvent(event)
            return
        painter = QtGui.QPainter(self.viewport())
        painter.drawPixmap(QtCore.QRectF(self.viewport().rect()), self._picture, QtCore.QRectF(self._picture.rect()))
        painter.end()

    def settle(self) -> None:
        """Lay out the current size and paint for real now (the storm ended, or a caller needs the geometry)."""
        if self._picture is None:
            return
        self._picture = None
        if self._pending and not self.closed:
            self._lay_out()
        self.viewport().update()
        self.settled.emit()

    def _lay_out(self) -> None:
        self._pending = False
        self.layouts += 1
        super().resizeEvent(None)          # (pyqtgraph's reads the size from the view, not from the event)
