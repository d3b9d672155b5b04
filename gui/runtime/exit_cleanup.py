"""Delete the windows a script left alive before the interpreter tears Qt down.

A script (docs/automation.md) closes its window but keeps the Python name until the interpreter exits. PySide's own
exit handler then destroys the QApplication, and with it every remaining widget, after Python has started to
finalize: destroying a pyqtgraph scene calls back into pyqtgraph's Python overrides (geometry and layout events of
the plot items), and reporting their failure at that point crashed shiboken (a segfault at exit, 3 of 3 runs after
`dashboard.save_all`). Handlers registered with `atexit` run last-registered first, and ours is registered when the
first window is built, after PySide's, so the windows go while Python is still whole.
"""
from __future__ import annotations

import atexit
import weakref

from shiboken6 import delete, isValid

_windows: "weakref.WeakSet" = weakref.WeakSet()
_registered = False


def delete_at_exit(window) -> None:
    """Delete `window` (after `window.release_workers()`) at interpreter exit if it still exists then."""
    global _registered
    if not _registered:
        atexit.register(delete_windows)
        _registered = True
    _windows.add(window)


def delete_windows() -> None:
    """Stop the workers of every window still alive and delete it (the C++ side; the Python names stay, dead)."""
    for window in list(_windows):
        if isValid(window):
            window.release_workers()
            delete(window)
    _windows.clear()
