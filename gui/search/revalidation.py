"""*Revalidate* off the GUI thread: retrain a search's best configuration on the training and validation rows and
measure it on the test rows (core.search.revalidate), recorded as a normal run of the run store.

The training runs in this process, on a pool thread, with the normal trainer; the result comes back through a
mailbox (gui/runtime/mailbox.py) and `cancel()` stops the trainer between two batches.
"""
from __future__ import annotations

import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import LayerLabError
from gui.runtime.gc_guard import GcGuard
from gui.runtime.mailbox import Mailbox


class Revalidation(QObject):
    finished = Signal(object)       # core.search.RevalidationResult
    failed = Signal(str)            # one line
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.mailbox = Mailbox(self._deliver, self)
        self.busy = False
        self._lock = threading.Lock()
        self._trainer: Any = None
        self._stopped = False

    def start(self, project: Any, best: Any, runs: Any = None) -> bool:
        """Retrain `project` with `best` (a TrialResult, or a dict of parameter values); False while busy."""
        if self.busy:
            return False
        self.busy, self._stopped, self._trainer = True, False, None
        self.gc_guard.hold()
        self.pool.start(_RevalidateTask(project, best, runs, self))
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        with self._lock:
            self._stopped = True
            trainer = self._trainer
        if trainer is not None:
            trainer.stop()

    def wait(self, msecs: int = 10_000) -> bool:
        self.cancel()
        done = self.pool.waitForDone(msecs)
        self.mailbox.drain()
        return done

    def _hold_trainer(self, trainer: Any) -> None:
        """On the pool thread, as soon as the trainer exists: a Cancel that came first stops it at once."""
        with self._lock:
            self._trainer = trainer
            stopped = self._stopped
        if stopped:
            trainer.stop()

    def _deliver(self, items: list) -> None:
        for kind, payload in items:
            self.busy = False
            self.gc_guard.release()
            self.busyChanged.emit(False)
            if kind == "done":
                self.finished.emit(payload)
            else:
                self.failed.emit(payload)


class _RevalidateTask(QRunnable):
    def __init__(self, project: Any, best: Any, runs: Any, owner: Revalidation):
        super().__init__()
        self.project, self.best, self.runs, self.owner = project, best, runs, owner

    def run(self) -> None:
        post = self.owner.mailbox.post
        try:
            from core.search import revalidate

            result = revalidate(self.project, self.best, runs=self.runs, on_trainer=self.owner._hold_trainer)
        except LayerLabError as exc:
            post(("failed", str(exc)))
        except Exception as exc:     # a bug: say what happened, keep the app alive
            traceback.print_exc()
            post(("failed", f"{type(exc).__name__}: {exc}"))
        else:
            post(("done", result))
