"""Runs, pauses, steps and stops training on a worker thread; the window and the tests only see its signals.

One QThread per run: the worker is moved to it and every connection is made before `thread.start()`. What the
worker reports reaches this object (which lives in the GUI thread) through a `Mailbox`, in order, and is re-emitted
as the controller's own signals, so nothing that touches a widget ever runs on the worker thread. Cleanup happens
on `QThread.finished`, never by waiting inside a slot.

While a run is in progress the controller keeps one clock: every `frame_interval` it delivers what the worker has
posted and emits `frame`, the moment for the window to draw. The worker's frequent items (event lists, snapshots,
views) wake nobody; only the start and the end of a run are delivered at once. So the GUI thread wakes about
`1 / frame_interval` times a second for the whole of its live work, instead of once per item and again per timer.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from core.events import EpochEnd
from gui.runtime import gc_guard
from gui.runtime.busy_hold import BUSY_HOLD
from gui.runtime.draw_gate import DRAW_GATE
from gui.runtime.mailbox import Mailbox

from .worker import DEFAULT_FLUSH_INTERVAL, TrainingWorker

IDLE, RUNNING, PAUSED = "idle", "running", "paused"
FRAME_INTERVAL = 1.0 / 20.0
WAKING_KINDS = frozenset({"started", "done"})     # delivered at once; the rest waits for the next frame


class TrainingController(QObject):
    started = Signal(object)         # TrainingStarted
    batchesEnded = Signal(object)    # list[BatchEnd], oldest first
    epochsEnded = Signal(object)     # list[EpochEnd], oldest first
    snapshotReady = Signal(object)   # DiagnosticsSnapshot
    viewsReady = Signal(object)      # ViewsSnapshot
    finished = Signal(object)        # Finished | Diverged | Failed
    stateChanged = Signal(str)       # IDLE | RUNNING | PAUSED
    frame = Signal()                 # a run is live and its news so far is delivered: draw now

    def __init__(self, parent: QObject | None = None, flush_interval: float = DEFAULT_FLUSH_INTERVAL,
                 frame_interval: float = FRAME_INTERVAL):
        """`frame_interval` 0: no frame clock, every item the worker posts is delivered at once (a queued signal
        each)."""
        super().__init__(parent)
        self.flush_interval = flush_interval
        self.frame_interval = frame_interval
        self.state = IDLE
        self.trainer = None
        self.target_epochs: int | None = None
        self.mailbox = Mailbox(self._deliver, self)
        self._worker: TrainingWorker | None = None
        self._threads: dict[QThread, TrainingWorker] = {}   # kept alive until their thread has finished
        self._frame_timer = QTimer(self)
        self._frame_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._frame_timer.setInterval(max(1, round(1000 * frame_interval)) if frame_interval > 0 else 100)
        self._frame_timer.timeout.connect(self._on_frame)

    # --- commands -----------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.state != IDLE

    @property
    def threads_alive(self) -> int:
        """Worker threads not yet cleaned up (a run's thread ends just after its `finished` signal)."""
        return len(self._threads)

    def start(self, trainer, epochs: int | None = None, views_collector=None) -> bool:
        """Train `epochs` more epochs (None: up to the configured total) on a new worker thread."""
        if self.busy:
            return False
        self.trainer = trainer
        trainer.gate = DRAW_GATE.lock           # the window's drawing goes first (gui/runtime/draw_gate.py)
        self.target_epochs = None
        worker = TrainingWorker(trainer, epochs, self._post, views_collector, self.flush_interval)
        thread = QThread(self)
        thread.setObjectName("trainingThread")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(self._on_thread_finished)
        self._worker = worker
        self._threads[thread] = worker
        trainer.resume()                        # here, not on the worker: a Pause right after Train must hold
        self._set_state(RUNNING)
        gc_guard.hold()
        BUSY_HOLD.hold()
        thread.start()
        self._frame_timer.start()
        return True

    def step(self, trainer=None, views_collector=None) -> bool:
        """Exactly one more epoch: from idle, a one-epoch run; while paused, finish the epoch in progress."""
        if self.state == PAUSED and self._worker is not None:
            self.trainer.end_after_epoch()
            self.resume()
            return True
        if self.state == IDLE and trainer is not None:
            return self.start(trainer, 1, views_collector)
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
        with DRAW_GATE.released():              # the worker may be waiting at the gate
            ok = all(thread.wait(msecs) for thread in list(self._threads))
        self.mailbox.drain()
        QCoreApplication.sendPostedEvents(self)
        return ok

    # --- what the worker posts (delivered on the GUI thread, in order) ------------------------------------------
    def _post(self, item: tuple[str, Any]) -> None:
        """On the worker thread: frequent items wait for the next frame (with a frame clock)."""
        self.mailbox.post(item, wake=self.frame_interval <= 0 or item[0] in WAKING_KINDS)

    def _on_frame(self) -> None:
        """The frame clock: deliver what has arrived (while paused, what the blocked worker buffered too), then let
        the window draw."""
        if self.state == PAUSED:
            self._drain_paused()
        else:
            self.mailbox.drain()
        if self.busy:
            self.frame.emit()

    def _deliver(self, item: tuple[str, Any]) -> None:
        kind, payload = item
        if kind == "events":
            self._events(payload)
        elif kind == "snapshot":
            self.snapshotReady.emit(payload)
        elif kind == "views":
            self.viewsReady.emit(payload)
        elif kind == "started":
            self.target_epochs = payload.target_epochs
            self.started.emit(payload)
        elif kind == "done":
            self._done(payload)

    def _done(self, event) -> None:
        self._frame_timer.stop()
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
            gc_guard.release()
            BUSY_HOLD.release()

    def _events(self, events: list) -> None:
        """A list of batch and epoch events as (at most) two signals. Few emits matter: each one lets the
        training thread take the GIL, so the GUI thread pays a thread switch per emit while training runs."""
        batches = [e for e in events if not isinstance(e, EpochEnd)]
        epochs = [e for e in events if isinstance(e, EpochEnd)]
        if batches:
            self.batchesEnded.emit(batches)
        if epochs:
            self.epochsEnded.emit(epochs)

    def _drain_paused(self) -> None:
        """While paused the worker is blocked: deliver what it posted and what it buffered just before blocking."""
        worker = self._worker
        if worker is None:
            return
        with worker.lock:                   # the worker posts its buffer under this lock: nothing overtakes
            self.mailbox.drain()
            events = worker.take_pending()
        self._events(events)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)
