"""What other threads may ask of a training loop while it runs: pause, resume, stop, end after the current
epoch, and a gate to wait on. The loop (`Trainer.run_epoch`) checks them between batches, so each request takes
effect within one batch.

A mixin of `Trainer`; everything here is safe to call from any thread.
"""
from __future__ import annotations

import threading
from typing import Any


class RunControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._end_after_epoch = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        # A lock (with `locked()`) another thread may hold to make the loop wait between batches: the app holds it
        # while it is busy, so a frame runs at full speed instead of trading the interpreter with training every
        # few microseconds.
        self.gate: Any = None

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()

    def pause(self) -> None:
        self._resume.clear()

    def end_after_epoch(self) -> None:
        """End the run in progress (or the next one) once its current epoch is done (the app's Step while
        paused): a pause in training, not its end, so unlike `stop()` it keeps the last weights rather than
        restoring the best ones. The request is cleared when that run ends."""
        self._end_after_epoch.set()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()
