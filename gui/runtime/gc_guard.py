"""Keep Python's cycle collector on the GUI thread while worker threads run Python code.

The cycle collector runs in whichever thread happens to allocate when a threshold is crossed. If that is a worker
thread and the garbage includes wrappers of Qt objects (a closed window's widgets, their actions), the C++ objects
are destroyed from the wrong thread: we have seen that deadlock (the worker inside ~QObject waiting for the GIL, the
GUI thread waiting for the Qt lock the worker holds) and crash. So while any worker runs, automatic collection is
off and a GUI-thread timer collects instead (pyqtgraph's GarbageCollector does the same); when the last worker ends,
automatic collection comes back (the GUI thread is then the only one running Python).

The interpreter has one collector, so there is one guard per application (`GcGuard.of(app)`, a child of the
QApplication): the training controller and the data loader of every window count their workers on the same guard.

A full collection scans every object the app holds: measured here, 110-150 ms for the ~90,000 objects of a freshly
opened window (Qt wrappers, pyqtgraph, NumPy, scikit-learn), and 270 ms after many windows in one process. That is
a frozen window whenever the oldest generation comes due, so `freeze_startup()` moves what exists once the window
is built into the permanent generation (`gc.freeze()`, made for this): a full collection then took 0.01 ms.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from .app_singleton import app_singleton

COLLECT_INTERVAL_MS = 250          # how often the GUI thread looks whether a generation is due while workers run


def collect_if_due() -> None:
    """Collect the oldest generation whose threshold is crossed, if any (what automatic collection would do)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


def freeze_startup() -> None:
    """Once the app's window is built: collect once, then never scan what exists now again."""
    gc.collect()
    gc.freeze()


class GcGuard(QObject):
    """Counts the worker threads that run Python (`hold()` before one starts, `release()` once it has ended, both on
    the GUI thread); automatic collection is off while the count is above zero."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.holds = 0
        self._was_enabled = True
        self._timer = QTimer(self)
        self._timer.setInterval(COLLECT_INTERVAL_MS)
        self._timer.timeout.connect(collect_if_due)

    @classmethod
    def of(cls, app: QCoreApplication | None = None) -> "GcGuard":
        """The application's guard (made on first use)."""
        return app_singleton(cls, "gcGuard", app)

    def hold(self) -> None:
        """A worker thread is about to run."""
        if self.holds == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
        self.holds += 1

    def release(self) -> None:
        """A worker thread has finished."""
        if self.holds == 0:
            return
        self.holds -= 1
        if self.holds == 0:
            self._timer.stop()
            collect_if_due()         # only the generation that is due: a full collection here stalled the window
            if self._was_enabled:
                gc.enable()
