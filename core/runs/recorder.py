"""Recording a run while it trains: a listener for `Trainer.fit(listener=...)` that writes to the run store.

It runs on the training thread, so it must be cheap and must never break training. An epoch's values are kept as
one row (a tuple append, about a microsecond); about once a second the rows become per-key columns (NumPy) and are
written, with a short wait for the lock so a busy store (parallel trials) never stalls training: if the store is
busy the values stay buffered for the next try. The end of the run writes what is left and the status, waiting as long as the store allows.
Any store error becomes one warning and recording stops; training goes on.
"""
from __future__ import annotations

import os
import time
import warnings
from typing import Any, Callable

import numpy as np

from ..events import Diverged, EpochEnd, Failed, Finished, TrainingStarted
from .errors import RunStoreError, RunStoreWarning
from .records import better_is
from .store import RunStore, project_json

FLUSH_INTERVAL = 1.0        # seconds between writes while training: a killed process loses at most this much
PERIODIC_WAIT = 0.05        # how long a periodic write waits for a busy store before trying again next time


class RunRecorder:
    """Records the runs of one trainer: call it with every event (`trainer.fit(listener=recorder)`).

    `store` is a RunStore, a path, or None for the default store (opened when training starts, on the training
    thread). A run ending short of `training.epochs` is `paused`; when the same trainer goes on from there, the
    same run continues. `on_warning(message)` is told once if recording fails (default: `warnings.warn`).
    """

    def __init__(self, store: RunStore | str | os.PathLike | None, project: Any, *, name: str | None = None,
                 kind: str = "run", group_id: int | None = None, group_index: int | None = None,
                 tags: tuple[str, ...] = (), notes: str = "", total_epochs: int | None = None,
                 flush_interval: float = FLUSH_INTERVAL, on_warning: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self._store_arg = store
        self.store: RunStore | None = store if isinstance(store, RunStore) else None
        self.project_text, project_obj = project_json(project)
        training = project_obj.get("training") or {}
        self.total_epochs = int(total_epochs if total_epochs is not None else training.get("epochs", 100))
        self._create_args = dict(name=name, kind=kind, group_id=group_id, group_index=group_index, tags=tags,
                                 notes=notes)
        self.flush_interval = flush_interval
        self.on_warning = on_warning
        self._clock = clock
        self.run_id: int | None = None
        self.status: str | None = None          # the recorded run's status, None before it starts
        self.active = True                      # False once recording failed (training goes on)
        self.warning: str | None = None         # the warning given when it failed
        self._owns_store = False
        self._run_start = self._next_epoch = 0
        self._final: dict[str, float] = {}
        self._best: dict[str, tuple[float, int]] = {}
        self._modes: dict[str, str | None] = {}      # 'min' / 'max' / None per key, decided once
        self._dead_plans: dict[tuple, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self._clear_buffer()

    def _clear_buffer(self) -> None:
        self._segments: list[tuple[int, tuple[str, ...], list[tuple]]] = []   # (first epoch, keys, rows)
        self._rows: list[tuple] = []
        self._segment_keys: tuple[str, ...] | None = None
        self._chunks: dict[str, list[tuple[int, np.ndarray]]] = {}          # collected, not yet written
        self._dirty = False
        self._last_flush = self._clock()

    # --- the listener ---------------------------------------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        if not self.active:
            return
        kind = type(event)
        try:
            if kind is EpochEnd:
                self._epoch(event)
            elif kind is TrainingStarted:
                self._start(event)
            elif kind is Finished:
                status = event.status
                if status == "finished" and event.epochs < self.total_epochs:
                    status = "paused"        # a Step or --stop-after: training may go on from here
                self._end(status, "", dict(event.test_metrics))
            elif kind is Diverged:
                self._end("diverged", event.message, None)
            elif kind is Failed:
                self._end("failed", event.message, None)
        except Exception as exc:     # a bug here must not end training either
            self._fail(f"recording the run failed ({type(exc).__name__}: {exc}); training goes on without it")

    def _start(self, event: TrainingStarted) -> None:
        if self.store is None:
            ok, store = self._safely(lambda: RunStore(self._store_arg))
            if not ok:
                return
            self.store, self._owns_store = store, True
        if self.run_id is not None and self.status == "paused" and event.epoch == self._next_epoch:
            if self._safely(lambda: self.store.reopen_run(self.run_id))[0]:
                self.status = "running"
                self._clear_buffer()
            return
        ok, run_id = self._safely(lambda: self.store.create_run(
            self.project_text, start_epoch=event.epoch, target_epochs=self.total_epochs, **self._create_args))
        if ok:
            self.run_id, self.status = run_id, "running"
            self._run_start = self._next_epoch = event.epoch
            self._final, self._best = {}, {}
            self._clear_buffer()

    def _epoch(self, event: EpochEnd) -> None:
        """One row of values per epoch, kept as logged (a tuple append); `_collect` turns rows into columns."""
        if self.status != "running":
            return
        epoch = event.epoch
        logs = event.logs
        keys = tuple(logs)
        row = tuple(logs.values())
        dead = event.dead_units
        if dead:      # units dead for the whole epoch, under the shared per-layer key (unless logged already)
            layers = tuple(dead)
            plan = self._dead_plans.get((keys, layers))
            if plan is None:
                kept = tuple(i for i in layers if f"layers.{i}.dead" not in logs)
                plan = self._dead_plans[(keys, layers)] = (tuple(f"layers.{i}.dead" for i in kept), kept)
            names, kept = plan
            if kept:
                keys += names
                row += tuple(dead[i] for i in kept)
        if keys != self._segment_keys or epoch != self._next_epoch or not self._rows:
            self._segments.append((epoch, keys, []))       # new keys, or epochs skipped: a new segment
            self._segment_keys = keys
            self._rows = self._segments[-1][2]
        self._rows.append(row)
        self._next_epoch = epoch + 1
        self._dirty = True
        if self._clock() - self._last_flush >= self.flush_interval:
            self.flush(PERIODIC_WAIT)

    def _collect(self) -> None:
        """Rows since the last collection into per-key chunks, and the last and best values brought up to date."""
        chunks, best, modes = self._chunks, self._best, self._modes
        for first, keys, rows in self._segments:
            table = np.array(rows, dtype=np.float64)
            for column, key in enumerate(keys):
                values = table[:, column]
                chunks.setdefault(key, []).append((first, values))
                mode = modes.get(key, 0)
                if mode == 0:
                    mode = modes[key] = better_is(key)
                if mode is None or np.all(np.isnan(values)):
                    continue
                at = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
                old = best.get(key)
                if old is None or (values[at] < old[0] if mode == "min" else values[at] > old[0]):
                    best[key] = (float(values[at]), first + at)
            self._final = dict(zip(keys, map(float, table[-1])))
        self._segments.clear()
        self._rows = []
        self._segment_keys = None

    def _end(self, status: str, detail: str, test: dict | None) -> None:
        if self.status != "running":
            return
        self._collect()
        chunks = self._chunks
        ok, _ = self._safely(lambda: self.store.finish_run(
            self.run_id, status, detail=detail, chunks=chunks, epochs=self._next_epoch - self._run_start,
            final=self._final, best=self._best, test=test))
        if ok:
            self.status = status
            self._clear_buffer()

    # --- writing --------------------------------------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> bool:
        """Write the buffered epochs now. With a `timeout`, a store busy for longer keeps them buffered (False)."""
        if not (self.active and self._dirty and self.status == "running"):
            return True
        self._last_flush = self._clock()
        self._collect()
        chunks = self._chunks
        try:
            self.store.append_history(self.run_id, chunks, epochs=self._next_epoch - self._run_start,
                                      final=self._final, best=self._best, timeout=timeout)
        except RunStoreError as exc:
            if exc.reason == "locked" and timeout is not None:
                return False          # busy: try again at the next flush, nothing lost
            self._fail(f"recording the run stopped: {exc}")
            return False
        self._chunks = {}
        self._dirty = False
        return True

    def set_weights_path(self, path: str | os.PathLike | None) -> None:
        """Where the run's weights were written (after training: the CLI writes them once fit returns)."""
        if self.active and self.run_id is not None:
            self._safely(lambda: self.store.set_weights_path(self.run_id, path))

    def close(self) -> None:
        """Close the store if this recorder opened it."""
        if self._owns_store and self.store is not None:
            self.store.close()
            self.store, self._owns_store = None, False

    def _safely(self, fn: Callable[[], Any]) -> tuple[bool, Any]:
        """(True, fn's result), or (False, None) after one warning when the store fails."""
        try:
            return True, fn()
        except RunStoreError as exc:
            self._fail(f"the run is not recorded: {exc}")
            return False, None

    def _fail(self, message: str) -> None:
        if not self.active:
            return
        self.active = False
        self.warning = message
        if self.on_warning is not None:
            self.on_warning(message)
        else:
            warnings.warn(message, RunStoreWarning, stacklevel=3)
