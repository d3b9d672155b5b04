"""What the run store hands out: frozen records of runs and groups, and the small rules they share (statuses,
kinds, which way is better for a logged key, how a history chunk is stored)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np

from ..events import RUN_STATUSES

STATUSES = RUN_STATUSES
RUN_KINDS = ("run", "cv-fold", "search-trial")
GROUP_KINDS = ("cv", "search")
GROUP_STATUSES = ("running", "finished", "stopped", "failed", "interrupted")
HISTORY_DTYPE = np.dtype("<f8")     # history values as stored: float64, bit for bit what the trainer logged
MAIN_METRICS = ("accuracy", "r2", "mae")    # a run's main metric: the first of these it logged


def main_metric(keys: Iterable[str]) -> str | None:
    """The main metric among logged `keys` (with or without `val_`): accuracy, else R², else MAE."""
    keys = set(keys)
    return next((m for m in MAIN_METRICS if m in keys or f"val_{m}" in keys), None)


def better_is(key: str) -> str | None:
    """'min' or 'max' for a loss or metric key (as early stopping's 'auto' decides), None for keys without a
    best (the learning rate, per-layer diagnostics)."""
    from ..monitors import monitor_mode

    if key == "lr" or key.startswith("layers."):
        return None
    return monitor_mode(key, "auto")


def encode_values(values: Any) -> bytes:
    return np.asarray(values, dtype=np.float64).astype(HISTORY_DTYPE, copy=False).tobytes()


def decode_values(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=HISTORY_DTYPE).astype(np.float64)


def dumps(obj: Any) -> str:
    """JSON for the store's own columns: NaN and infinities kept (Python's json reads them back)."""
    return json.dumps(obj, separators=(",", ":"))


def finite_or_none(obj: Any) -> Any:
    """`obj` with NaN and infinities as None: what strict JSON for scripts (`--json`) must print."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    return obj


def iso_time(seconds: float | None) -> str | None:
    """Local time with its UTC offset, to the second: '2025-03-01T14:05:09+01:00'."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class RunSummary:
    """One row of the runs table: everything but the per-epoch history (cheap to list by the thousand)."""

    id: int
    name: str
    kind: str                       # RUN_KINDS
    status: str                     # STATUSES
    detail: str                     # why it diverged or failed ('' otherwise)
    project_name: str
    project_json: str               # the exact project JSON it trained
    seed: int | None
    started: float                  # Unix time, seconds
    finished: float | None
    updated: float                  # the last write (an interrupted run got this far)
    start_epoch: int                # epochs trained before this run (a resumed checkpoint), 0 otherwise
    epochs: int                     # epochs this run recorded
    target_epochs: int | None
    final: Mapping[str, float]      # each key's last value
    best: Mapping[str, float]       # each loss/metric's best value (min for losses and errors, max for scores)
    best_epoch: Mapping[str, int]   # 0-based epoch of each best value
    test: Mapping[str, float]       # metrics on the test rows, when training ended with some
    weights_path: str | None
    notes: str
    tags: tuple[str, ...]
    group_id: int | None            # the cross-validation entry or search it belongs to
    group_index: int | None         # its fold index or trial number
    pid: int | None
    host: str | None

    @property
    def duration(self) -> float:
        """Seconds from start to end (or to the last write, for a run still going or interrupted)."""
        end = self.finished if self.finished is not None else self.updated
        return max(0.0, end - self.started)

    @cached_property
    def project(self) -> dict:
        """The project JSON as an object (parsed on first use: a listing of 1,000 runs need not parse them)."""
        return json.loads(self.project_json)

    def to_json(self) -> dict:
        """The `runs list --json` entry: strict JSON (NaN as null), times as ISO 8601."""
        return finite_or_none({
            "id": self.id, "name": self.name, "kind": self.kind, "status": self.status, "detail": self.detail,
            "started": iso_time(self.started), "finished": iso_time(self.finished), "duration": self.duration,
            "project": self.project_name, "seed": self.seed, "epochs": self.start_epoch + self.epochs,
            "final": dict(self.final), "best": dict(self.best), "test": dict(self.test),
            "weights": self.weights_path, "notes": self.notes, "tags": list(self.tags),
            "group": self.group_id, "group_index": self.group_index,
        })


@dataclass(frozen=True)
class Run(RunSummary):
    """A run with its per-epoch history, as `Trainer.history` held it: `{key: [value per epoch]}`."""

    history: Mapping[str, list[float]] = field(default_factory=dict)
    history_epochs: Mapping[str, list[int]] = field(default_factory=dict)   # 0-based epoch of each value

    def to_json(self) -> dict:
        """The `runs show --json` object: the listing's entry plus the project and the history."""
        out = super().to_json()
        out["project_json"] = self.project
        out["history"] = finite_or_none({k: list(v) for k, v in self.history.items()})
        return out


@dataclass(frozen=True)
class RunGroup:
    """A cross-validation entry (its runs are the folds) or a search (its runs are the trials)."""

    id: int
    kind: str                       # GROUP_KINDS
    name: str
    status: str                     # GROUP_STATUSES
    project_json: str
    settings: Mapping[str, Any]
    summary: Mapping[str, Any]
    created: float
    finished: float | None
    study: str | None               # a search's Optuna study name in the same file
    runs: tuple[RunSummary, ...] = ()

    @cached_property
    def project(self) -> dict:
        return json.loads(self.project_json)
