"""The object that runs `Trainer.fit` on a worker thread and posts what the trainer reports, as it happens.

The trainer calls the listener synchronously on this thread for every event; each is posted at once, in order, as
a `(kind, payload)` item (kinds: "started", "batch", "epoch", "snapshot", "views", "run_copy", "done"). Posting is
an append to the pipeline's mailbox: no lock, no signal, no clock of its own (gui/training/pipeline.py says who
wakes whom).
Evaluation views (decision boundary, confusion matrix) are computed here, between steps, because only this thread
may read the network while it trains; so are the copies of the run the live diagnosis reads ("run_copy", at an
epoch boundary, at most about once a second: core/diagnosis/live.py). The last item is always ("done", last event).

`listener`, if given, sees every event first, on this thread, before it is posted (the run recorder: it writes to
the run store here, never on the GUI thread); it sees the run's last event too, even one `fit` did not send.
"""
from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Slot

from core.diagnostics import DiagnosticsSnapshot
from core.errors import TrainingError
from core.events import COMPLETED, BatchEnd, Diverged, EpochEnd, Failed, Finished, TrainingStarted


class TrainingWorker(QObject):
    def __init__(self, trainer, epochs: int | None, post: Callable[[tuple[str, Any]], None], views_collector=None,
                 listener: Callable[[Any], None] | None = None, run_copier=None):
        super().__init__()
        self.trainer = trainer
        self.n_epochs = epochs
        self.post = post
        self.collector = views_collector
        self.listener = listener
        self.run_copier = run_copier

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
            last = Finished(COMPLETED, trainer.epoch, trainer.step, None, False, 0.0)
        if self.listener is not None:
            self.listener(last)             # a listener ignores an end it has seen already
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
        if self.listener is not None:
            self.listener(event)
        if isinstance(event, BatchEnd):
            self.post(("batch", event))
        elif isinstance(event, EpochEnd):
            self.post(("epoch", event))
            copy = self.run_copier.take_if_due(self.trainer) if self.run_copier is not None else None
            if copy is not None:
                self.post(("run_copy", copy))
        elif isinstance(event, DiagnosticsSnapshot):     # rate-limited by core already
            self.post(("snapshot", event))
        elif isinstance(event, TrainingStarted):
            self.post(("started", event))
        elif isinstance(event, (Finished, Diverged, Failed)):
            return                          # fit() returns it; `run` sends it after the last views
        if self.collector is not None and self.collector.due():
            self._collect_views()

    def _collect_views(self) -> None:
        if self.collector is None:
            return
        try:
            self.post(("views", self.collector.collect(self.trainer.epoch, self.trainer.step)))
        except Exception:                   # a view that cannot be computed must not stop training
            traceback.print_exc(file=sys.stderr)
            self.collector = None
