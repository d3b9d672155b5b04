"""One piece of long work at a time on a pool thread, the newest asked for winning: the diagnosis while a run
trains (a new copy of the run every second replaces one still waiting), the learning-rate range test, reading a
weights file to import.

Like the data loader (gui/data/loader.py): results come back through a mailbox, so no Python object crosses
threads in a queued signal, and the application's gc guard counts the thread while it runs Python.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import LayerLabError
from gui.runtime.gc_guard import GcGuard
from gui.runtime.mailbox import Mailbox


class _Task(QRunnable):
    def __init__(self, token: int, work: Callable[[], Any], post: Callable[[Any], None]):
        super().__init__()
        self.token, self.work, self.post = token, work, post

    def run(self) -> None:
        try:
            result = ("done", self.work())
        except LayerLabError as exc:
            result = ("failed", str(exc))
        except MemoryError:
            result = ("failed", "not enough memory")
        except Exception as exc:  # a bug: say what happened, keep the app alive
            traceback.print_exc()
            result = ("failed", f"{type(exc).__name__}: {exc}")
        self.post((self.token, *result))


class LatestJob(QObject):
    """`submit(work)` runs `work()` on a pool thread, one at a time: a submit while one runs waits, replacing any
    other waiting one. Only the newest submit's outcome is delivered: `done(result)` or `failed(message)`."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.mailbox = Mailbox(self._deliver, self)
        self.token = 0
        self.running = False
        self._running_token = 0
        self._waiting: tuple[int, Callable[[], Any]] | None = None

    @property
    def busy(self) -> bool:
        """A job runs or waits whose outcome will be delivered."""
        return self._waiting is not None or (self.running and self._running_token == self.token)

    def submit(self, work: Callable[[], Any]) -> int:
        self.token += 1
        if self.running:
            self._waiting = (self.token, work)
        else:
            self._start(self.token, work)
        return self.token

    def cancel(self) -> None:
        """Forget what was asked: nothing more is delivered until the next submit."""
        self.token += 1
        self._waiting = None

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for the running job (closing the window), then take in what it posted."""
        self._waiting = None
        done = self.pool.waitForDone(msecs)
        self.mailbox.drain()
        return done

    def _start(self, token: int, work: Callable[[], Any]) -> None:
        self.running = True
        self._running_token = token
        self.gc_guard.hold()
        self.pool.start(_Task(token, work, self.mailbox.post))

    def _deliver(self, items: list) -> None:
        for token, kind, value in items:
            self.running = False
            self.gc_guard.release()
            if self._waiting is not None:
                self._start(*self._waiting)
                self._waiting = None
            if token != self.token:
                continue
            if kind == "done":
                self.done.emit(value)
            else:
                self.failed.emit(value)
