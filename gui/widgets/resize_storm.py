"""A window dragged by its corner shows a picture of itself and lays out again once the sizes pause.

A drag gives a window a new size 30-60 times a second. Laying out and repainting the whole window at each size
cost 13-16 ms of the GUI thread (Qt placing the docks, splitters and some 200 widgets, then painting each of them),
on top of what the plots cost, and while a run trains the training thread waits whenever the GUI thread is busy
(gui/runtime/busy_hold.py): a drag left training a tenth of its speed. During a drag the window only needs to fill
its rectangle.

`ResizeStorm` watches a top-level window: a new size within SETTLE_MS of the previous one starts a storm (the first
size after a pause, such as a maximise, is laid out at once as always; so are the sizes a window manager gives a
window as it appears), and SETTLE_MS without a new size ends it.
When a storm starts (the window has just laid out the size that made it one) it takes a picture of the window and
covers the window with it, drawn at its own size over the window's background (cropped when the window shrinks, a
margin when it grows; never stretched text), and the window's layout stops following the sizes: a size then costs
about 3 ms. When the storm ends the window lays out its final size and paints for real; a long drag lays it out
(and takes a new picture) every REFRESH_S, so the picture never strays far from the truth. The views skip their
frames while covered; `refreshing` and `ended` tell the window to draw them (gui/dashboard/dashboard.py
`catch_up`). Only the main window is watched: a floating dock lays out at every size as any window does.
"""
from __future__ import annotations

import time

from PySide6 import QtCore, QtGui, QtWidgets

SETTLE_MS = 150        # no new size for this long: the drag paused, lay out the size it stopped at
REFRESH_S = 1.0        # during a longer drag, the window lays out (and takes a new picture) at most this often
SHOWN_S = 0.5          # sizes this soon after the window is shown are the window system placing it, not a drag


class ResizeStorm(QtCore.QObject):
    """Tells whether a top-level window is being resized in quick succession (a drag), and covers it meanwhile.
    `of(window)` gives the one of a window, made on first use."""

    started = QtCore.Signal()         # the size that made it a storm is laid out; the cover is up (window shown)
    refreshing = QtCore.Signal()      # a long drag lays out its current size: draw what should be in the picture
    ended = QtCore.Signal()           # the final size is laid out; the cover is gone
    storms = 0                        # storms seen in this process (a count for tests and benchmarks)
    layouts = 0                       # lay-outs during storms (the refreshes of a long drag; for tests)

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("resizeStorm")
        self.window = window
        self.active = False
        self._resized_at = self._shown_at = -1e9
        self._cover: StormCover | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.end)
        window.installEventFilter(self)

    @staticmethod
    def of(window: QtWidgets.QWidget) -> "ResizeStorm":
        storm = window.findChild(ResizeStorm, "resizeStorm", QtCore.Qt.FindChildOption.FindDirectChildrenOnly)
        return storm if storm is not None else ResizeStorm(window)

    @property
    def covered(self) -> bool:
        """Whether the window shows its picture instead of its widgets."""
        return self._cover is not None and self._cover.isVisible()

    def eventFilter(self, _obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QtCore.QEvent.Type.Show:
            self._shown_at = time.perf_counter()
        elif event.type() == QtCore.QEvent.Type.Resize:
            now = time.perf_counter()
            starts = (not self.active and now - self._resized_at < SETTLE_MS / 1000
                      and now - self._shown_at >= SHOWN_S)
            following = self.active
            self._resized_at = now
            if starts or following:
                self.active = True
                self._timer.start(SETTLE_MS)     # first: whatever happens below, the storm ends and lays out
            if starts:
                ResizeStorm.storms += 1
                self._cover_window()
                self.started.emit()
            elif following:
                self._follow(event.size())
        return False

    def end(self) -> None:
        """The sizes paused (or a caller needs the final lay-out now): lay out the window's size, take the cover off."""
        self._timer.stop()
        if not self.active:
            return
        self.active = False
        if self._cover is not None:
            self._cover.drop()
            self._lay_out(True)
            self.window.update()
        self.ended.emit()

    def _cover_window(self) -> None:
        if not self.window.isVisible():
            return
        if self._cover is None:
            self._cover = StormCover(self.window)
        self._cover.take(self.window)
        self._lay_out(False)

    def _follow(self, size: QtCore.QSize) -> None:
        cover = self._cover
        if cover is None or not cover.isVisible():
            return
        if time.perf_counter() - cover.taken_at >= REFRESH_S:      # a long drag: the truth once in a while
            cover.hide()
            self._lay_out(True)
            ResizeStorm.layouts += 1
            self.refreshing.emit()
            cover.take(self.window)
            self._lay_out(False)
            return
        cover.setGeometry(0, 0, size.width(), size.height())
        cover.raise_()          # above a widget shown meanwhile (a dock raised by Train > Search, say)

    def _lay_out(self, follow: bool) -> None:
        """Let the window's layout follow its size again (and lay out the current one now), or stop it."""
        layout = self.window.layout()
        if layout is None:
            return
        layout.setEnabled(follow)
        if follow:
            layout.invalidate()
            layout.activate()


class StormCover(QtWidgets.QWidget):
    """The picture a window shows during a resize storm: one opaque child over all the others, so Qt paints it
    alone."""

    def __init__(self, window: QtWidgets.QWidget):
        super().__init__(window)
        self.setObjectName("resizeStormCover")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.picture = QtGui.QPixmap()
        self.taken_at = 0.0
        self.hide()

    def take(self, window: QtWidgets.QWidget) -> None:
        """A picture of the window as laid out now, shown over it."""
        self.hide()
        self.picture = window.grab()
        self.taken_at = time.perf_counter()
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def drop(self) -> None:
        """Hide, and free the picture (a window's worth of pixels)."""
        self.hide()
        self.picture = QtGui.QPixmap()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QtGui.QPainter(self)
        picture = QtCore.QRect(QtCore.QPoint(0, 0), self.picture.deviceIndependentSize().toSize())
        painter.drawPixmap(0, 0, self.picture)
        margin = QtGui.QRegion(event.rect()).subtracted(QtGui.QRegion(picture))    # where the window grew
        for rect in margin:
            painter.fillRect(rect, self.palette().window())
        painter.end()
