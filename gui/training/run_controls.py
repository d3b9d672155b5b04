"""Train / Pause / Step / Stop / Reset with their shortcuts, the big epoch counter, and the status bar readouts.

While a run is live the readouts follow it in frames (`RunReadouts`): events only note the latest batch and epoch,
and a frame shows them, at most every UPDATE_INTERVAL while training (gui/training/pipeline.py).

Shortcuts (shown in tooltips and menus): Ctrl+Return train, Space pause/resume, F10 step one epoch, Ctrl+. stop,
Ctrl+R reset. Text fields keep Space for typing: Qt gives a focused line edit the key before any shortcut.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolBar, QWidget

from core.events import BatchEnd, EpochEnd, Finished, TrainingStarted
from gui.theme import icon

from .controller import IDLE, PAUSED, RUNNING

SHORTCUTS = {"train": "Ctrl+Return", "pause": "Space", "step": "F10", "stop": "Ctrl+.", "reset": "Ctrl+R"}
TIPS = {
    "train": "Train for the configured number of epochs (again: that many more)",
    "pause": "Pause or resume the run",
    "step": "Train exactly one more epoch (while paused: finish the epoch in progress)",
    "stop": "Stop the run before its next batch",
    "reset": "Re-initialise the weights from the seed (the same seed gives the same start)",
}
UPDATE_INTERVAL = 0.125     # seconds between readout refreshes while training: faster cannot be read, only repainted
TEXTS = {"train": "Train", "pause": "Pause", "step": "Step", "stop": "Stop", "reset": "Reset"}
STATE_TEXTS = {RUNNING: "training…", PAUSED: "paused"}


def readout_label(text: str = "", object_name: str = "") -> QLabel:
    """A label whose text changes while training: fixed in size, so new text repaints only the label. A label
    that may change size asks the whole window to lay itself out again on every `setText` (measured here: 20
    relayouts a second while training, each re-animating every dock and toolbar), which the training thread pays
    for too."""
    label = QLabel("Epoch 0")
    label.setObjectName(object_name)
    label.ensurePolished()                      # the stylesheet's font and padding, before measuring
    label.setFixedHeight(label.sizeHint().height())
    label.setFixedWidth(0)
    label.clear()
    set_readout(label, text)
    return label


def set_readout(label: QLabel, text: str) -> None:
    """Show `text` in a `readout_label`, widening it (one relayout) only when the text no longer fits; it never
    narrows, so a counter that ticks over does not make its neighbours jump back and forth."""
    if text == label.text():
        return
    label.setText(text)
    needed = label.sizeHint().width()           # the text plus the label's padding, margins and indent
    if needed > label.minimumWidth():
        label.setFixedWidth(needed + 4)


def finish_message(event: Finished) -> str:
    """The status bar's line for a run that ended normally: "Stopped early at epoch 41 (step 1,640); best epoch 31
    restored"."""
    best = f"; {event.restored_note}" if event.restored_note else ""
    return f"{event.outcome.capitalize()} at epoch {event.epochs} (step {event.step:,}){best}"


def shortcut_text(key: str) -> str:
    return QKeySequence(SHORTCUTS[key]).toString(QKeySequence.SequenceFormat.NativeText)


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "–"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunToolBar(QToolBar):
    """The run actions as big buttons, followed by the epoch counter."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Training", parent)
        self.setObjectName("runToolBar")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.actions_: dict[str, QAction] = {}
        for key in ("train", "pause", "step", "stop", "reset"):
            action = QAction(icon("train" if key == "train" else key), TEXTS[key], self)
            action.setObjectName(f"action{key.capitalize()}")
            action.setShortcut(QKeySequence(SHORTCUTS[key]))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"{TIPS[key]} ({shortcut_text(key)})")
            self.addAction(action)
            self.widgetForAction(action).setObjectName(f"{key}Button")
            self.actions_[key] = action
            if key == "train":
                self.addSeparator()
        self.addSeparator()
        self.epoch_label = readout_label("Epoch 0 / 0", "epochLabel")
        self.epoch_label.setToolTip("Epochs completed / epochs this run trains to")
        self.addWidget(self.epoch_label)
        self.state_label = readout_label("", "runStateLabel")
        self.addWidget(self.state_label)

    def action(self, key: str) -> QAction:
        return self.actions_[key]

    def set_paused(self, paused: bool) -> None:
        action = self.actions_["pause"]
        action.setText("Resume" if paused else "Pause")
        action.setIcon(icon("resume" if paused else "pause"))

    def set_epoch(self, done: int, target: int) -> None:
        set_readout(self.epoch_label, f"Epoch {done:,} / {target:,}")

    def enable_for(self, state: str, can_train: bool, why_not: str, has_trainer: bool) -> None:
        """Which run actions apply in the controller's `state`; Train's tooltip says why it cannot start."""
        busy = state != IDLE
        train = self.actions_["train"]
        train.setEnabled(can_train and not busy)
        train.setToolTip(train.toolTip().split("\n")[0] + (f"\n({why_not})" if why_not else ""))
        self.actions_["pause"].setEnabled(busy)
        self.actions_["step"].setEnabled((can_train and not busy) or state == PAUSED)
        self.actions_["stop"].setEnabled(busy)
        self.actions_["reset"].setEnabled(has_trainer and not busy)

    def show_state(self, state: str) -> None:
        """The controller's run state: Pause reads Resume while paused; "training…", "paused" or nothing beside the
        counter."""
        self.set_paused(state == PAUSED)
        set_readout(self.state_label, STATE_TEXTS.get(state, ""))


class RunStatus:
    """Epoch, step, samples/s, elapsed time, ETA and a progress bar in the window's status bar."""

    def __init__(self, bar: QStatusBar):
        self.labels: dict[str, QLabel] = {}
        for key, tip in (("epoch", "Epochs completed"), ("step", "Optimizer steps since initialisation"),
                         ("speed", "Training samples per second in this run"),
                         ("elapsed", "Training time of these weights since they were initialised, over every run "
                                     "(pauses excluded)"),
                         ("eta", "Estimated time left in this run (none while paused)")):
            label = readout_label("", f"status{key.capitalize()}Label")
            label.setToolTip(tip)
            bar.addPermanentWidget(label)
            self.labels[key] = label
        self.progress = QProgressBar()
        self.progress.setObjectName("trainingProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(160)
        bar.addPermanentWidget(self.progress)
        self.start_epoch = 0
        self.target = 0
        self.trained_before = 0.0      # seconds earlier runs trained these weights (a continued run adds to them)
        self.run_seconds = 0.0         # seconds the current (or last) run has trained
        self.paused = False
        self.show_idle(0, 0, 0)

    def show_epoch(self, done: int, target: int) -> None:
        """The same count as the toolbar's epoch label (epochs completed), so the two never disagree."""
        set_readout(self.labels["epoch"], f"epoch {done:,} / {target:,}")

    def show_idle(self, epoch: int, step: int, target: int) -> None:
        self.show_epoch(epoch, target)
        set_readout(self.labels["step"], f"step {step:,}")
        set_readout(self.labels["speed"], "")
        set_readout(self.labels["eta"], "")
        if step == 0:                  # fresh weights: no training time behind them
            self.trained_before = self.run_seconds = 0.0
            set_readout(self.labels["elapsed"], "")
        self._set_progress(int(1000 * epoch / target) if target else 0)

    def set_paused(self, paused: bool) -> None:
        """While paused there is no speed and no time left to estimate: the last ones would be stale."""
        if paused != self.paused:
            self.paused = paused
            if paused:
                set_readout(self.labels["speed"], "")
                set_readout(self.labels["eta"], "")

    def _set_progress(self, value: int) -> None:
        """QProgressBar.setValue repaints at once, flushed to the screen on its own (2 ms a call measured while
        the spiral trained): with updates off during the call, the change joins the window's next regular paint."""
        bar = self.progress
        bar.setUpdatesEnabled(False)
        bar.setValue(value)
        bar.setUpdatesEnabled(True)

    def start(self, start_epoch: int, target: int) -> None:
        """A run starts: the time earlier runs trained these weights carries on (a stopped run continued)."""
        self.start_epoch, self.target = start_epoch, target
        self.trained_before += self.run_seconds
        self.run_seconds = 0.0
        self.paused = False
        set_readout(self.labels["elapsed"], f"elapsed {format_duration(self.trained_before)}")

    def show_batch(self, event: BatchEnd) -> None:
        total = max(self.target - self.start_epoch, 1)
        done = (event.epoch - self.start_epoch) + (event.batch + 1) / event.batches_per_epoch
        fraction = min(max(done / total, 0.0), 1.0)
        eta = event.elapsed * (1 - fraction) / fraction if fraction > 0 else None
        self.run_seconds = event.elapsed
        set_readout(self.labels["step"], f"step {event.step:,}")
        set_readout(self.labels["elapsed"], f"elapsed {format_duration(self.trained_before + event.elapsed)}")
        if not self.paused:
            set_readout(self.labels["speed"], f"{event.samples_per_second:,.0f} samples/s")
            set_readout(self.labels["eta"], f"ETA {format_duration(eta)}")
        self._set_progress(int(1000 * fraction))


class RunReadouts:
    """The epoch counters and the status bar while a run is live: events note the latest batch and epoch, frames
    show them (at most every UPDATE_INTERVAL while training; while paused at once, so they end on the last epoch
    delivered). Each change repaints the toolbar and the status bar, so they change only as often as can be read."""

    def __init__(self, bar: RunToolBar, status: RunStatus):
        self.bar, self.status = bar, status
        self._batch: BatchEnd | None = None
        self._epochs: tuple[int, int] | None = None      # (done, target) not shown yet
        self._shown_at = 0.0

    def started(self, event: TrainingStarted) -> None:
        self._batch, self._epochs, self._shown_at = None, None, 0.0
        self.status.start(event.epoch, event.target_epochs)
        self.status.show_epoch(event.epoch, event.target_epochs)
        self.bar.set_epoch(event.epoch, event.target_epochs)

    def batches(self, events: list[BatchEnd]) -> None:
        self._batch = events[-1]
        self.status.run_seconds = events[-1].elapsed      # counted even if no frame shows it before the run ends

    def epochs(self, events: list[EpochEnd], target: int | None) -> None:
        done = events[-1].epoch + 1
        self._epochs = (done, target or done)

    def frame(self, paused: bool) -> None:
        self.status.set_paused(paused)
        now = time.perf_counter()
        if not paused and now - self._shown_at < UPDATE_INTERVAL:
            return
        if self._batch is None and self._epochs is None:
            return
        self._shown_at = now
        if self._batch is not None:
            self.status.show_batch(self._batch)
            self._batch = None
        if self._epochs is not None:
            done, target = self._epochs
            self._epochs = None
            self.bar.set_epoch(done, target)
            self.status.show_epoch(done, target)

    def idle(self, epoch: int, step: int, target: int) -> None:
        """Between runs: the trainer's own counts (what was noted and not shown yet is dropped)."""
        self._batch = self._epochs = None
        self.bar.set_epoch(epoch, target)
        self.status.show_idle(epoch, step, target)
