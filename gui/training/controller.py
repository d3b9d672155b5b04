"""Runs, pauses, steps and stops training on a worker thread; the window and the tests only see its signals.

One QThread per run: the worker is moved to it and every connection is made before `thread.start()`. What the
worker reports reaches this object (which lives in the GUI thread) through the run pipeline, in order, once per
frame, and is re-emitted as the controller's own signals, so nothing that touches a widget ever runs on the worker
thread; after each frame's news, `frame` tells the window to draw. Cleanup happens on `QThread.finished`, never by
waiting inside a slot. How the news travels, at what rates, and who holds what: gui/training/pipeline.py.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from gui.runtime import FRAME_INTERVAL
from gui.runtime.gc_guard import GcGuard

from .pipeline import RunPipeline
from .worker import TrainingWorker

IDLE, RUNNING, PAUSED = "idle", "running", "paused"


class TrainingController(QObject):
    started = Signal(object)         # TrainingStarted
    batchesEnded = Signal(object)    # list[BatchEnd], oldest first
    epochsEnded = Signal(object)     # list[EpochEnd], oldest first
    snapshotReady = Signal(object)   # DiagnosticsSnapshot
    viewsReady = Signal(object)      # ViewsSnapshot
    runCopied = Signal(object)       # core.diagnosis.live.RunCopy, for the live diagnosis
    finished = Signal(object)        # Finished | Diverged | Failed
    stateChanged = Signal(str)       # IDLE | RUNNING | PAUSED
    frame = Signal()                 # a run is live and its news so far is delivered: draw now

    def __init__(self, parent: QObject | None = None, frame_interval: float = FRAME_INTERVAL,
                 gc_guard: GcGuard | None = None):
        """`frame_interval` 0: no frame clock, every item the worker posts is delivered at once (a queued signal
        each). `gc_guard`: the application's (default `GcGuard.of()`)."""
        super().__init__(parent)
        self.state = IDLE
        self.trainer = None
        self.target_epochs: int | None = None
        self.pipeline = RunPipeline(self._deliver, self._on_frame, frame_interval, gc_guard, self)
        self._worker: TrainingWorker | None = None
        self._threads: dict[QThread, TrainingWorker] = {}   # kept alive until their thread has finished

    @property
    def gate(self):
        """The draw gate the trainer waits at while the GUI thread holds it (gui/runtime/draw_gate.py)."""
        return self.pipeline.gate

    @property
    def mailbox(self):
        return self.pipeline.mailbox

    # --- commands -----------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.state != IDLE

    @property
    def threads_alive(self) -> int:
        """Worker threads not yet cleaned up (a run's thread ends just after its `finished` signal)."""
        return len(self._threads)

    def start(self, trainer, epochs: int | None = None, views_collector=None, listener=None,
              run_copier=None) -> bool:
        """Train `epochs` more epochs (None: up to the configured total) on a new worker thread. `listener(event)`
        sees every event on the training thread (the run recorder); `run_copier` takes the copies of the run a live
        diagnosis reads."""
        if self.busy:
            return False
        self.trainer = trainer
        self.target_epochs = None
        worker = TrainingWorker(trainer, epochs, self.pipeline.post, views_collector, listener, run_copier)
        thread = QThread(self)
        thread.setObjectName("trainingThread")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(self._on_thread_finished)
        self._worker = worker
        self._threads[thread] = worker
        # Here, not on the worker: what is asked from now on (a Pause or Stop right after Train) applies to this run.
        trainer.begin_run()
        self._set_state(RUNNING)
        self.pipeline.open(trainer)
        thread.start()
        return True

    def step(self, trainer=None, views_collector=None, listener=None) -> bool:
        """Exactly one more epoch: from idle, a one-epoch run; while paused, finish the epoch in progress."""
        if self.state == PAUSED and self._worker is not None:
            self.trainer.end_after_epoch()
            self.resume()
            return True
        if self.state == IDLE and trainer is not None:
            return self.start(trainer, 1, views_collector, listener)
        return False

    def pause(self) -> None:
        if self.state == RUNNING and self.trainer is not None:
            self.trainer.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self.state == PAUSED and self.trainer is not None:
            self._set_state(RUNNING)
            self.trainer.resume()

    def toggle_pause(self) -> None:
        if self.state == RUNNING:
            self.pause()
        elif self.state == PAUSED:
            self.resume()

    def stop(self) -> None:
        """Ends the run before its next batch (core checks before every batch); `finished` follows."""
        if self.busy and self.trainer is not None:
            self.trainer.stop()

    def wait(self, msecs: int = 5000) -> bool:
        """Stop and wait for every worker thread to end (closing the window); not for use inside a slot."""
        self.stop()
        ok = self.pipeline.wait(list(self._threads), msecs)
        QCoreApplication.sendPostedEvents(self)     # the threads' `finished`: clean up now
        return ok

    # --- what the worker posts (delivered on the GUI thread, in order) ------------------------------------------
    def _deliver(self, items: list[tuple[str, Any]]) -> None:
        """What arrived since the last delivery. Its batch and epoch events go out as one list each, before its
        snapshots, views and the run's end (the frame that follows draws them together anyway)."""
        batches: list = []
        epochs: list = []
        rest: list[tuple[str, Any]] = []
        for item in items:
            kind, payload = item
            if kind == "batch":
                batches.append(payload)
            elif kind == "epoch":
                epochs.append(payload)
            elif kind == "started":             # a run's first item
                self.target_epochs = payload.target_epochs
                self.started.emit(payload)
            else:
                rest.append(item)
        self._events(batches, epochs)
        for kind, payload in rest:
            if kind == "snapshot":
                self.snapshotReady.emit(payload)
            elif kind == "views":
                self.viewsReady.emit(payload)
            elif kind == "run_copy":
                self.runCopied.emit(payload)
            elif kind == "done":
                self._done(payload)

    def _events(self, batches: list, epochs: list) -> None:
        """Batch and epoch events as (at most) two signals: few emits, few Python calls into connected slots."""
        if batches:
            self.batchesEnded.emit(batches)
        if epochs:
            self.epochsEnded.emit(epochs)

    def _on_frame(self) -> None:
        """After each frame's delivery (while paused too: what the worker posted before it blocked)."""
        if self.busy:
            self.frame.emit()

    def _done(self, event) -> None:
        self.pipeline.end_frames()
        self._worker = None
        for thread in self._threads:
            thread.quit()                   # the worker has returned from run(): let its thread end
        self._set_state(IDLE)
        self.finished.emit(event)

    @Slot()
    def _on_thread_finished(self) -> None:
        for thread in [t for t in self._threads if t.isFinished()]:
            self._threads.pop(thread)       # the worker, back in the GUI thread, is deleted here
            thread.deleteLater()
            self.pipeline.thread_ended()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
