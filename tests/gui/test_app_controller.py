"""The training controller on its own: everything the worker reports arrives, in order, on the GUI thread.

PySide6 6.12.0 on Python 3.11 aborts after a few hundred `Signal.emit` calls from a worker thread (the project pins
PySide6 < 6.12 there); one test pushes tens of thousands of queued signals from the worker thread through the
controller (one per optimizer step, with the frame clock off) and checks that every one of them arrives. With the
frame clock on (the app's setting), the worker's news arrives once per frame and wakes the GUI thread only twice.
"""
from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Slot

from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData
from gui.training.controller import FRAME_INTERVAL, TrainingController


class Recorder(QObject):
    """Lives in the GUI thread and records what the controller relays (and on which thread)."""

    def __init__(self):
        super().__init__()
        self.batches: list = []
        self.epoch_lists: list[list] = []
        self.threads: set[int] = set()

    @Slot(object)
    def batches_(self, events) -> None:
        self.batches.extend(events)
        self.threads.add(threading.get_ident())

    @Slot(object)
    def epochs(self, events) -> None:
        self.epoch_lists.append(events)
        self.threads.add(threading.get_ident())


def tiny_trainer(epochs: int, rows: int = 20) -> Trainer:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(rows, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    network = Network([{"type": "dense", "units": 4, "activation": "tanh"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}], 2)
    config = parse_training({"batch_size": 1, "epochs": epochs, "seed": 0, "optimizer": {"name": "sgd", "lr": 0.1}})
    # batch_event_interval=0: a BatchEnd for every optimizer step, i.e. one queued signal per step
    return Trainer(network, TrainingData.from_arrays(X, y, task="binary", n_classes=2), config,
                   batch_event_interval=0.0)


def test_twenty_thousand_queued_signals_all_arrive(qtbot):
    trainer = tiny_trainer(epochs=1000)                 # 20 rows, batch 1: 20,000 steps and BatchEnd events
    # no batching and no frame clock: one queued signal per event
    controller = TrainingController(frame_interval=0.0)
    recorder = Recorder()
    controller.batchesEnded.connect(recorder.batches_)
    controller.epochsEnded.connect(recorder.epochs)
    with qtbot.waitSignal(controller.finished, timeout=60_000) as blocker:
        assert controller.start(trainer)
    assert blocker.args[0].reason == "completed"
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)

    assert controller.mailbox.signals_received >= 20_000      # one queued signal per posted item, all arrived
    assert len(recorder.batches) == 20_000
    assert [e.step for e in recorder.batches] == list(range(1, 20_001))
    epochs = [e for events in recorder.epoch_lists for e in events]
    assert [e.epoch for e in epochs] == list(range(1000))
    assert recorder.threads == {threading.get_ident()}
    assert trainer.step == 20_000 and trainer.epoch == 1000


def test_events_travel_in_lists_once_per_frame(qtbot):
    trainer = tiny_trainer(epochs=600)
    controller = TrainingController()                   # the default: a frame clock at FRAME_INTERVAL
    recorder = Recorder()
    controller.batchesEnded.connect(recorder.batches_)
    controller.epochsEnded.connect(recorder.epochs)
    snapshots: list = []
    controller.snapshotReady.connect(snapshots.append)
    frames: list[tuple[int, int, int]] = []             # (batches, epoch lists, snapshots) seen at each frame
    controller.frame.connect(lambda: frames.append((len(recorder.batches), len(recorder.epoch_lists),
                                                    len(snapshots))))
    start = time.perf_counter()
    with qtbot.waitSignal(controller.finished, timeout=60_000):
        controller.start(trainer)
    seconds = time.perf_counter() - start
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)
    epochs = [e for events in recorder.epoch_lists for e in events]
    assert [e.epoch for e in epochs] == list(range(600)) and len(recorder.batches) == 12_000
    assert snapshots and snapshots[-1].step == 12_000
    # never one signal per epoch: at most ~30 lists a second (plus the final flush) ...
    assert len(recorder.epoch_lists) <= 30 * seconds + 5
    # ... and only the run's start and end woke the GUI thread: everything else came with a frame
    assert controller.mailbox.signals_received == 2
    assert 0 < len(frames) <= seconds / FRAME_INTERVAL + 5
    assert any(b > 0 for b, _, _ in frames) and any(s > 0 for _, _, s in frames)   # news arrived during the run
    assert all(later >= earlier for earlier, later in zip(frames, frames[1:]))


def test_the_frame_clock_delivers_what_the_paused_worker_buffered(qtbot):
    """While paused there is no worker to post anything: frames still drain what it had buffered."""
    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    recorder = Recorder()
    controller.epochsEnded.connect(recorder.epochs)
    controller.start(trainer)
    qtbot.waitUntil(lambda: trainer.epoch > 20, timeout=10_000)
    controller.pause()
    qtbot.wait(150)
    qtbot.waitUntil(lambda: recorder.epoch_lists and recorder.epoch_lists[-1][-1].epoch == trainer.epoch - 1,
                    timeout=2000)
    frames: list[int] = []
    controller.frame.connect(lambda: frames.append(1))
    qtbot.waitUntil(lambda: len(frames) >= 2, timeout=2000)   # the clock runs while paused
    with qtbot.waitSignal(controller.finished, timeout=5000):
        controller.stop()
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)
    frames.clear()
    qtbot.wait(int(4000 * FRAME_INTERVAL))
    assert frames == []                                    # ... and stops with the run


def test_pause_holds_and_stop_ends_the_run(qtbot):
    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    states: list[str] = []
    controller.stateChanged.connect(states.append)
    controller.start(trainer)
    qtbot.waitUntil(lambda: trainer.step > 500, timeout=10_000)
    controller.pause()
    at_pause = trainer.step
    qtbot.wait(400)
    assert trainer.step <= at_pause + 1                   # at most the batch in flight when it paused
    with qtbot.waitSignal(controller.finished, timeout=2000) as blocker:
        controller.stop()                                  # stopping a paused run ends it too
    assert blocker.args[0].reason == "stopped"
    assert states == ["running", "paused", "idle"]
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)


def test_the_draw_gate_holds_training_and_opens_while_the_gui_waits(qtbot):
    """While the GUI thread holds the draw gate, training waits between batches; waiting for the worker from
    inside a gated section (closing the window during a frame) opens the gate instead of deadlocking."""
    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    DRAW_GATE = controller.gate
    controller.start(trainer)
    qtbot.waitUntil(lambda: trainer.step > 200, timeout=10_000)
    with DRAW_GATE, DRAW_GATE:                             # nested, as a paint inside a frame would be
        time.sleep(0.05)                                   # the worker reaches the gate
        held = trainer.step
        time.sleep(0.3)
        assert trainer.step <= held + 1                    # at most the batch in progress
        start = time.perf_counter()
        assert controller.wait(5000)                       # stops the run: the worker passed the opened gate
        assert time.perf_counter() - start < 1.0           # the thread ends by itself, not at the time-out
        assert not DRAW_GATE.lock.acquire(blocking=False)  # ... and the gate is held again, both levels
    assert DRAW_GATE.lock.acquire(blocking=False)
    DRAW_GATE.lock.release()
    assert not controller.busy and not controller.threads_alive


def test_the_gui_thread_holds_training_while_it_handles_events_and_lets_go_when_idle(qtbot):
    """During a run, whatever the GUI thread does in response to an event (here a timer's slot that works for
    0.2 s without drawing anything) holds training at the gate; as soon as the event loop waits again, training
    goes on. After the run, events no longer touch the gate."""
    from PySide6.QtCore import QTimer

    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    BUSY_HOLD, DRAW_GATE = controller.pipeline.busy_hold, controller.gate
    controller.start(trainer)
    qtbot.waitUntil(lambda: trainer.step > 200, timeout=10_000)
    seen: dict[str, int] = {}

    def busy_slot() -> None:
        seen["before"] = trainer.step
        time.sleep(0.2)                                    # Python work on the GUI thread, no drawing
        seen["after"] = trainer.step
        seen["owner"] = DRAW_GATE._owner

    QTimer.singleShot(0, busy_slot)
    qtbot.waitUntil(lambda: "after" in seen, timeout=5000)
    assert seen["owner"] == threading.get_ident()
    assert seen["after"] <= seen["before"] + 1             # at most the batch in progress
    qtbot.waitUntil(lambda: trainer.step > seen["after"] + 100, timeout=5000)   # idle again: training goes on
    with qtbot.waitSignal(controller.finished, timeout=5000):
        controller.stop()
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)
    assert BUSY_HOLD.holds == 0
    seen.clear()
    QTimer.singleShot(0, lambda: seen.setdefault("owner", DRAW_GATE._owner))
    qtbot.waitUntil(lambda: "owner" in seen, timeout=2000)
    assert seen["owner"] is None


def test_a_stop_right_after_start_always_ends_the_run(qtbot):
    """A Stop that reaches the trainer before its worker thread has started its loop is not lost: `wait` (what
    closing the window and saving do) returns with the run over, 100 times in a row."""
    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    ends: list = []
    controller.finished.connect(ends.append)
    for i in range(100):
        assert controller.start(trainer)
        assert controller.wait(5000), i
        assert not controller.busy and not controller.threads_alive, i
        assert [end.reason for end in ends] == ["stopped"] * (i + 1)
    # no run got anywhere near its 100,000 epochs (0-106 in all: more on a loaded machine)
    assert trainer.epoch < 1000


def test_once_the_gui_thread_holds_training_the_rest_of_its_burst_does_not_call_the_busy_hold(qtbot, monkeypatch):
    """A window drag is a burst of some 400 events; the hold takes the gate at the first and stops listening until
    the event loop waits again (each event it saw was a call into Python, with the training thread waiting)."""
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer

    from gui.runtime.busy_hold import BusyHold

    calls: list[int] = []
    listen = BusyHold.eventFilter

    def counted(hold, obj, event):
        calls.append(int(event.type()))
        return listen(hold, obj, event)

    monkeypatch.setattr(BusyHold, "eventFilter", counted)        # before the controller's hold is made
    trainer = tiny_trainer(epochs=100_000)
    controller = TrainingController()
    controller.start(trainer)
    qtbot.waitUntil(lambda: trainer.step > 200, timeout=10_000)
    receiver = QObject()
    seen: dict[str, int] = {}

    def burst() -> None:                                 # an event whose handling sends 300 more, in the same burst
        calls.clear()
        for _ in range(300):
            QCoreApplication.sendEvent(receiver, QEvent(QEvent.Type.User))
        seen["calls"] = len(calls)
        seen["owner"] = controller.gate._owner

    QTimer.singleShot(0, burst)
    qtbot.waitUntil(lambda: "calls" in seen, timeout=5000)
    assert seen["owner"] == threading.get_ident()       # training held all along
    assert seen["calls"] == 0
    qtbot.waitUntil(lambda: len(calls) > 0, timeout=5000)   # the loop waited, let go: the next burst takes it again
    with qtbot.waitSignal(controller.finished, timeout=5000):
        controller.stop()
    qtbot.waitUntil(lambda: not controller.threads_alive, timeout=5000)
