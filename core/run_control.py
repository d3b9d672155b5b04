"""What other threads may ask of a training loop while it runs: pause, resume, stop, end after the current
epoch, and a gate to wait on. The loop (`Trainer.run_epoch`) checks them between batches, so each request takes
effect within one batch.

Requests are per run. A request made while a run is going, or before its loop has started, applies to that run:
the loop never clears a request when it starts, so a Stop clicked right after Train (before the worker thread got
going) still stops that run. When a run ends, its requests end with it (`end_run`): a Stop that arrives as a run
finishes does not carry over. Between runs, whoever starts the next one calls `begin_run` first (the app's
controller does, on the GUI thread, before the worker thread starts), which drops requests left from before;
a script that calls `stop()` between runs and then `fit()` without `begin_run` stops that next run at once.

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
        # True from `begin_run` (or the loop's start) until the run ends: the weights are the run's meanwhile.
        self.running = False
        # A lock (with `locked()`) another thread may hold to make the loop wait between batches: the app holds it
        # while it is busy, so a frame runs at full speed instead of trading the interpreter with training every
        # few microseconds.
        self.gate: Any = None

    def begin_run(self) -> None:
        """A run is about to start: drop requests left from earlier runs (a late Stop, a Pause), so what is
        asked from now on applies to this run."""
        self._clear_requests()
        self.running = True

    def end_run(self) -> None:
        """The run has ended: its requests end with it."""
        self._clear_requests()
        self.running = False

    def _clear_requests(self) -> None:
        self._stop.clear()
        self._end_after_epoch.clear()
        self._resume.set()

    def stop(self) -> None:
        """End the run in progress (or the next one, if none has started yet) before its next batch."""
        self._stop.set()
        self._resume.set()

    def pause(self) -> None:
        self._resume.clear()

    def end_after_epoch(self) -> None:
        """End the run in progress (or the next one) once its current epoch is done (the app's Step while
        paused): a pause in training, not its end, so unlike `stop()` it keeps the last weights rather than
        restoring the best ones. The request ends with that run."""
        self._end_after_epoch.set()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()
