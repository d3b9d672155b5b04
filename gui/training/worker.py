"""The object that runs `Trainer.fit` on a worker thread and turns its events into a few messages a second.

The trainer calls the listener synchronously on the worker thread for every event. Epoch events are not
rate-limited (tiny data trains hundreds of epochs a second), and neither is the batch event core sends after the
last batch of every epoch, so both are buffered and sent as one list at most ~30 times a second. Evaluation views
(decision boundary, confusion matrix) are computed here, between steps, because only this thread may read the
network while it trains.

Everything goes out through `post((kind, payload))` (a `Mailbox`), in order, ending with ("done", last event).
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

from core.diagnostics import DiagnosticsSnapshot
from core.errors import TrainingError
from core.events import BatchEnd, Diverged, EpochEnd, Failed, Finished, TrainingStarted

DEFAULT_FLUSH_INTERVAL = 1.0 / 30.0


class TrainingWorker(QObject):
    def __init__(self, trainer, epochs: int | None, post: Callable[[tuple[str, Any]], None], views_collector=None,
                 flush_interval: float = DEFAULT_FLUSH_INTERVAL):
        super().__init__()
        self.trainer = trainer
        self.n_epochs = epochs
        self.post = post
        self.collector = views_collector
        self.flush_interval = flush_interval
        self.lock = threading.Lock()     # guards `pending` (the controller drains it while the run is paused)
        self.pending: list[BatchEnd | EpochEnd] = []
        self._last_flush = 0.0

    @Slot()
    def run(self) -> None:
        trainer = self.trainer
        try:
            last = trainer.fit(self.n_epochs, listener=self._on_event)
        except TrainingError as exc:       # e.g. a run that cannot start (a diverged network not reset)
            last = Failed(str(exc), "")
        except Exception as exc:           # a bug: report it, keep the app alive
            last = Failed(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        if last is None:
            last = Finished("completed", trainer.epoch, trainer.step, None, False, 0.0)
        self._flush()
        if isinstance(last, Finished):
            self._collect_views()
        # Hand this object back to the GUI thread (only its own thread may push it): the controller drops it there
        # once the thread has finished, so it is never deleted from a thread it does not live in.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        self.post(("done", last))
        # End the thread now rather than when the GUI thread handles "done": a GUI thread that is waiting for
        # this thread (closing the window, saving during a run) cannot handle it until the wait is over.
        QThread.currentThread().quit()

    def _on_event(self, event) -> None:
        if isinstance(event, (BatchEnd, EpochEnd)):
            with self.lock:
                self.pending.append(event)
            now = time.perf_counter()
            if now - self._last_flush >= self.flush_interval or self.trainer.paused:
                self._flush(now)
        elif isinstance(event, DiagnosticsSnapshot):     # rate-limited by core already
            self.post(("snapshot", event))
        elif isinstance(event, TrainingStarted):
            self.post(("started", event))
        elif isinstance(event, (Finished, Diverged, Failed)):
            return                          # fit() returns it; `run` sends it after the last epochs
        if self.collector is not None and self.collector.due():
            self._collect_views()

    def _flush(self, now: float | None = None) -> None:
        with self.lock:                     # held while posting, so a drain never overtakes a list in flight
            if self.pending:
                events, self.pending = self.pending, []
                self.post(("events", events))
        self._last_flush = time.perf_counter() if now is None else now

    def take_pending(self) -> list[BatchEnd | EpochEnd]:
        """Called with `lock` held: the batch and epoch events not sent yet."""
        events, self.pending = self.pending, []
        return events

    def _collect_views(self) -> None:
        if self.collector is None:
            return
        try:
            self.post(("views", self.collector.collect(self.trainer.epoch, self.trainer.step)))
        except Exception:                   # a view that cannot be computed must not stop training
            traceback.print_exc(file=sys.stderr)
            self.collector = None
