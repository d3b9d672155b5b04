"""What a search reports: its trials, the best one, each parameter's importance (`SearchResult.to_json()` is the
`layerlab search --json` object), and the progress events a GUI panel or a CLI progress bar follows."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class TrialResult:
    number: int                             # unique in the search (its runs' group index)
    params: Mapping[str, Any]               # the searched settings' values
    state: str                              # complete | pruned | failed | running
    value: float | None                     # the metric, for a complete trial
    run: int | None = None                  # its run in the store (the first fold's, with folds)
    runs: tuple[int, ...] = ()
    detail: str = ""                        # why it was pruned or failed ('cancelled ...' when the search was)
    duration: float | None = None           # seconds, submit to result
    worker: str | None = None               # the Dask worker that ran it
    round: int = 0                          # refining round (0: the first search)
    epochs: int = 0
    metrics: Mapping[str, float] = field(default_factory=dict)   # its model's losses and metrics
    train_seconds: float | None = None      # inside the trainer (the rest of `duration` is the engine's)
    worker_seconds: float | None = None     # the whole task on its worker (`duration` less this: Dask, the driver)

    def to_json(self) -> dict:
        return _strict({"number": self.number, "params": dict(self.params), "state": self.state, "value": self.value,
                        "run": self.run, "runs": list(self.runs), "detail": self.detail, "duration": self.duration,
                        "worker": self.worker, "round": self.round})


@dataclass(frozen=True)
class SearchResult:
    trials: tuple[TrialResult, ...]         # by number
    best: TrialResult | None                # the best complete trial
    importance: Mapping[str, float]         # parameter -> share of the value's variance (sums to 1), may be {}
    metric: str
    direction: str                          # minimize | maximize
    status: str                             # finished | stopped (cancelled or timed out) | failed
    group_id: int | None = None             # the search in the run store
    study: str | None = None                # the Optuna study (the first round's)
    storage: str | None = None              # where the study lives (passwords hidden)

    def count(self, state: str) -> int:
        return sum(t.state == state for t in self.trials)

    def top(self, n: int = 10) -> list[TrialResult]:
        """The best `n` complete trials, best first."""
        done = [t for t in self.trials if t.state == "complete" and t.value is not None]
        return sorted(done, key=lambda t: t.value, reverse=self.direction == "maximize")[:n]

    def to_json(self) -> dict:
        """`{"best": {"params", "value", "run"}, "trials": [{"number", "params", "state", "value", "run"}, ...],
        "importance": {...}}` and the metric, direction, status and store group (strict JSON: NaN as null)."""
        best = None if self.best is None else {"params": dict(self.best.params), "value": self.best.value,
                                               "run": self.best.run, "number": self.best.number}
        return _strict({"best": best, "trials": [t.to_json() for t in self.trials],
                        "importance": dict(self.importance), "metric": self.metric, "direction": self.direction,
                        "status": self.status, "group": self.group_id, "study": self.study})


# --- progress events (called on the thread that runs the search) ----------------------------------------------------
@dataclass(frozen=True)
class SearchStarted:
    total: int                  # trials the search will have when done (every round)
    done: int                   # of those, finished before this run (a resumed search)
    workers: int                # trials at once
    scheduler: str              # the Dask scheduler's address
    local: bool                 # a cluster started for this search
    group_id: int | None
    study: str
    cluster_seconds: float      # to start the local cluster or reach the scheduler


@dataclass(frozen=True)
class RoundStarted:
    round: int
    space: Mapping[str, Any]    # {path: range or choices}, as in the spec


@dataclass(frozen=True)
class TrialStarted:
    number: int
    round: int
    params: Mapping[str, Any]
    worker: str | None
    host: str | None


@dataclass(frozen=True)
class TrialProgress:
    number: int
    epoch: int                  # 0-based
    value: float | None         # the metric at that epoch


@dataclass(frozen=True)
class TrialFinished:
    trial: TrialResult
    best: TrialResult | None    # the best so far
    finished: int               # trials finished so far (this run and before)
    total: int


@dataclass(frozen=True)
class SearchFinished:
    result: SearchResult


def _strict(obj: Any) -> Any:
    """NaN and infinities as None, for strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj
