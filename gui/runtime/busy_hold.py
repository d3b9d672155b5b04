"""While a run trains, the GUI thread holds the draw gate for as long as it is busy, not only while it draws.

Every event the GUI thread handles calls into Python (PySide checks each virtual call for a Python override), and
each of those calls takes the interpreter lock from the training thread and gives it back: measured here, 4,000 to
9,000 lock hand-overs a second while the spiral trained, each stalling the training thread for far longer than the
work it let through (training lost a quarter of its speed to a GUI thread busy 8% of the time). Holding the gate
instead, the training thread stops at its next batch and sleeps until the GUI thread is done, once per burst.

An application event filter takes the gate at the first event of a burst and then stops listening (a window drag's
burst is some 400 events, each of which called into Python here); the event dispatcher lets the gate go when the loop
next looks for events (`aboutToBlock`, or `awake` for a loop that polls without waiting), and the filter listens
again. So
the gate is never held while the GUI thread sleeps in its event loop, nested loops (dialogs) included, and whatever
the GUI thread does in response to an event (delivering a frame's news, drawing, painting) runs with the gate held.
Code that sleeps on the GUI thread outside an event loop would keep the training thread waiting meanwhile: wait on
the event loop instead (as `qtbot.wait` and `QEventLoop` do).
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractEventDispatcher, QCoreApplication, QEvent, QObject

from .draw_gate import DrawGate


class BusyHold(QObject):
    """Installed on the application while at least one run trains (`hold()` / `release()`, counted)."""

    def __init__(self, gate: DrawGate, parent: QObject | None = None):
        super().__init__(parent)
        self.gate = gate
        self.holds = 0
        self._held = False
        self._filtering = False
        self._dispatcher: QAbstractEventDispatcher | None = None

    def hold(self) -> None:
        """A run starts (call on the GUI thread)."""
        self.holds += 1
        if self.holds == 1:
            app = QCoreApplication.instance()
            dispatcher = QAbstractEventDispatcher.instance()
            if app is None or dispatcher is None:
                return
            self._dispatcher = dispatcher
            dispatcher.aboutToBlock.connect(self.let_go)
            dispatcher.awake.connect(self.let_go)
            self._listen(True)

    def release(self) -> None:
        """A run's thread has ended (call on the GUI thread)."""
        if self.holds == 0:
            return
        self.holds -= 1
        if self.holds == 0:
            self._listen(False)
            if self._dispatcher is not None:
                self._dispatcher.aboutToBlock.disconnect(self.let_go)
                self._dispatcher.awake.disconnect(self.let_go)
                self._dispatcher = None
            self.let_go()

    def eventFilter(self, _obj: QObject, _event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if not self._held:
            self.gate.__enter__()
            self._held = True
            self._listen(False)          # held until the loop waits again: the burst's other events need not ask
        return False

    def let_go(self) -> None:
        if self._held:
            self._held = False
            self.gate.__exit__()
            if self.holds:
                self._listen(True)

    def _listen(self, on: bool) -> None:
        app = QCoreApplication.instance()
        if app is None or on == self._filtering:
            return
        self._filtering = on
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
