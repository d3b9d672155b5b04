"""Keep Python's cycle collector on the GUI thread while worker threads run Python code.

The cycle collector runs in whichever thread happens to allocate when a threshold is crossed. If that is the
training thread and the garbage includes wrappers of Qt objects (a closed window's widgets, their actions), the
C++ objects are destroyed from the wrong thread: we have seen that deadlock (the worker inside ~QObject waiting for
the GIL, the GUI thread waiting for the Qt lock the worker holds) and crash. So while any worker runs, automatic
collection is off and a GUI-thread timer collects instead (pyqtgraph's GarbageCollector does the same); when the
last worker ends, automatic collection comes back (the GUI thread is then the only one running Python).

A full collection scans every object the app holds: measured here, 110-150 ms for the ~90,000 objects of a freshly
opened window (Qt wrappers, pyqtgraph, NumPy, scikit-learn), and 270 ms after many windows in one process. That is
a frozen window whenever the oldest generation comes due, so `freeze_startup()` moves what exists once the window
is built into the permanent generation (`gc.freeze()`, made for this): a full collection then took 0.01 ms.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QTimer

_state = {"holds": 0, "timer": None, "was_enabled": True}


def _collect_if_due() -> None:
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


def hold() -> None:
    """A worker thread is about to run (call on the GUI thread)."""
    if _state["holds"] == 0:
        _state["was_enabled"] = gc.isenabled()
        gc.disable()
        if _state["timer"] is None:
            timer = QTimer()
            timer.setInterval(250)
            timer.timeout.connect(_collect_if_due)
            _state["timer"] = timer
        _state["timer"].start()
    _state["holds"] += 1


def release() -> None:
    """A worker thread has finished (call on the GUI thread)."""
    if _state["holds"] == 0:
        return
    _state["holds"] -= 1
    if _state["holds"] == 0:
        _state["timer"].stop()
        _collect_if_due()            # only the generation that is due: a full collection here stalled the window
        if _state["was_enabled"]:
            gc.enable()


def freeze_startup() -> None:
    """Once the app's window is built: collect once, then never scan what exists now again."""
    gc.collect()
    gc.freeze()


def holding() -> int:
    return _state["holds"]
