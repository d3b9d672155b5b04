"""How a training run's news travels from the trainer to what the user sees: the whole pipeline, in one place.

Two threads, one hand-over buffer, one clock::

    training thread (QThread "trainingThread")          GUI thread
    ------------------------------------------          ----------------------------------------------------------
    Trainer.fit: batches, epochs                        every FRAME_INTERVAL (50 ms) while a run is live:
      | waits at Trainer.gate between batches  <------    RunPipeline drains the mailbox          (busy hold: the
      | while the GUI thread holds it                     -> controller signals, events as lists   GUI thread holds
      v events, in order                                  -> dashboard.add_* (RunData)             the gate for the
    TrainingWorker: post((kind, payload))                 -> readouts noted                        whole burst)
      | + views computed here when due                    controller.frame -> window:
      v                                                     readouts shown (at most every UPDATE_INTERVAL),
    Mailbox (deque) ---- "started"/"done" wake at once      dashboard.frame(): changed visible views redraw
                    ---- everything else waits for          within their credit (DRAW_SHARE of the time),
                         the next frame                     dashboard.paint_now(): layout and paint, same burst

Listeners on the training thread: `TrainingController.start(..., listener=f)` hands `f` every trainer event on the
training thread, before the worker posts it (the run recorder, gui/runs/recording.py, writes the run store there).
A listener must be quick and must not raise; it never touches a widget.

Who buffers what:
- The **mailbox** (gui/runtime/mailbox.py) is the only buffer between the threads: a deque the worker appends every
  item to, holding at most one frame's worth (the spiral posts up to ~1,000 items a second at 500 epochs a second,
  so ~50 a frame). Only the start and the end of a run wake the GUI thread (a payload-free queued signal each);
  everything else waits for the next frame. Each frame delivers what had arrived, oldest first: its batch events
  and its epoch events as one list each (`batchesEnded`, `epochsEnded`), then its snapshots and views, so a frame
  costs a handful of signal emits, not one per event. While paused, the worker is blocked and the frames go on:
  they deliver what it posted before it stopped.
- The dashboard's **RunData** (gui/dashboard/store.py) is where the events end up: bounded, decimating histories the
  views read when they draw. `add_*` only appends; drawing happens in frames.
- The readouts (toolbar epoch counter, status bar) keep only the latest batch and epoch (gui/training/run_controls.py).

Rates (each decided in one place):
- Core paces what it sends: a `BatchEnd` at most every `Trainer.batch_event_interval` (0.05 s) and after the last
  batch of each epoch, an `EpochEnd` every epoch (hundreds a second on tiny data), diagnostics snapshots and
  evaluation views within their own rate and time budget (core/diagnostics.py, core/live_evaluation.py).
- FRAME_INTERVAL (gui/runtime): the GUI thread's one clock while a run is live (running or paused): it wakes ~20
  times a second for all of its live work, instead of once per item and again per timer. Between runs the
  dashboard's own timer keeps the same pace.
- UPDATE_INTERVAL (gui/training/run_controls.py): readouts change at most ~8 times a second while training.
- DRAW_SHARE and MAX_CREDIT (gui/dashboard/dashboard.py) are not rates but the drawing budget: how much of the time
  the frames may spend updating and painting views (the trainer waits meanwhile).
- COLLECT_INTERVAL_MS (gui/runtime/gc_guard.py): how often the GUI thread collects garbage while workers run.

The shared objects are passed to whoever uses them (no module-level state): the gate and the busy hold belong to
this pipeline (one per controller), the gc guard to the application.
- the **draw gate** (gui/runtime/draw_gate.py): `Trainer.gate` is its plain lock; the trainer passes it between
  batches, so whatever the GUI thread does with it held runs at idle speed while training waits;
- the **busy hold** (gui/runtime/busy_hold.py): while a run's thread lives, the GUI thread takes the gate at the
  first event after waking and lets it go when its event loop is about to sleep: one frame is one burst of GUI
  work and one pause of training;
- the **gc guard** (gui/runtime/gc_guard.py, `GcGuard.of(app)`): automatic garbage collection is off while any
  worker runs (a training run, a data load), and the GUI thread collects instead.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer

from gui.runtime import FRAME_INTERVAL
from gui.runtime.busy_hold import BusyHold
from gui.runtime.draw_gate import DrawGate
from gui.runtime.gc_guard import GcGuard
from gui.runtime.mailbox import Mailbox

WAKING_KINDS = frozenset({"started", "done"})     # delivered at once; the rest waits for the next frame


class RunPipeline(QObject):
    """The GUI thread's end of a run: the mailbox the worker posts to, the frame clock that drains it, and the gate,
    busy hold and gc guard that keep the two threads out of each other's way.

    `deliver(items)` gets what arrived, oldest first; `on_frame()` follows each frame's delivery (both on the GUI
    thread). `frame_interval` 0: no frame clock, every item is delivered at once (a queued signal each)."""

    def __init__(self, deliver: Callable[[list[tuple[str, Any]]], None], on_frame: Callable[[], None],
                 frame_interval: float = FRAME_INTERVAL, gc_guard: GcGuard | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.frame_interval = frame_interval
        self.gate = DrawGate()
        self.busy_hold = BusyHold(self.gate, self)
        self.gc_guard = gc_guard or GcGuard.of()
        self.mailbox = Mailbox(deliver, self)
        self._on_frame = on_frame
        self._clock = QTimer(self)
        self._clock.setTimerType(Qt.TimerType.PreciseTimer)
        self._clock.setInterval(max(1, round(1000 * frame_interval)) if frame_interval > 0 else 100)
        self._clock.timeout.connect(self._frame)

    def post(self, item: tuple[str, Any]) -> None:
        """On the worker thread: frequent items wait for the next frame (with a frame clock)."""
        self.mailbox.post(item, wake=self.frame_interval <= 0 or item[0] in WAKING_KINDS)

    def open(self, trainer) -> None:
        """A run's thread is about to start: the trainer waits at this gate, the GUI thread holds it while busy,
        the collector stays on the GUI thread, and frames begin."""
        trainer.gate = self.gate.lock
        self.gc_guard.hold()
        self.busy_hold.hold()
        self._clock.start()

    def end_frames(self) -> None:
        """The run's last item is delivered: no more frames."""
        self._clock.stop()

    def thread_ended(self) -> None:
        """A run's thread has finished (after `open`)."""
        self.gc_guard.release()
        self.busy_hold.release()

    def wait(self, threads: list[QThread], msecs: int) -> bool:
        """Wait for worker threads to end (with the gate open: they may be waiting at it), then deliver what they
        posted."""
        with self.gate.released():
            ok = all(thread.wait(msecs) for thread in threads)
        self.mailbox.drain()
        return ok

    def _frame(self) -> None:
        self.mailbox.drain()
        self._on_frame()
