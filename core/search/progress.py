"""A running search as a progress line: trials finished of the total, trials running, the best so far and the time
left. The CLI's progress bar and the app's status bar read the same `SearchProgress`, fed with the search's events
on whatever thread receives them; and `importance_of` measures each parameter's importance over the trials so far,
for a view that shows it while the search runs.
"""
from __future__ import annotations

import math
import time
from collections import Counter
from typing import Any, Callable, Iterable, Mapping

from .result import SearchFinished, SearchStarted, TrialFinished, TrialResult, TrialStarted
from .spec import SearchSpec


class SearchProgress:
    """Follows one search's events (`update(event)`) and says how far it is."""

    def __init__(self, metric: str | None = None, clock: Callable[[], float] = time.monotonic):
        self.metric = metric
        self.clock = clock
        self.total = 0
        self.before = 0                     # trials a resumed search had already finished
        self.finished = 0                   # finished trials, counting those from before
        self.workers = 0
        self.running: dict[int, float] = {}     # trial number -> when it started
        self.states: Counter = Counter()    # complete / pruned / failed, this run
        self.best: TrialResult | None = None
        self.began: float | None = None
        self.ended = False

    def update(self, event: Any) -> None:
        now = self.clock()
        if isinstance(event, SearchStarted):
            self.total, self.before, self.finished = event.total, event.done, event.done
            self.workers = event.workers
            self.began = now
        elif isinstance(event, TrialStarted):
            self.running[event.number] = now
        elif isinstance(event, TrialFinished):
            self.running.pop(event.trial.number, None)
            self.states[event.trial.state] += 1
            self.finished, self.total, self.best = event.finished, event.total, event.best
        elif isinstance(event, SearchFinished):
            self.running.clear()
            self.ended = True
            self.best = event.result.best

    @property
    def fraction(self) -> float:
        return min(1.0, self.finished / self.total) if self.total else 0.0

    def eta(self) -> float | None:
        """Seconds until the last trial is done, at the rate trials finished so far in this run (None before the
        first one, or once the search is over)."""
        done_here = self.finished - self.before
        if self.ended or self.began is None or done_here <= 0:
            return None
        elapsed = self.clock() - self.began
        return max(0.0, (self.total - self.finished) * elapsed / done_here)

    def line(self) -> str:
        """'12/40 trials · 2 running · best val_loss 0.2314 (#7) · 1:20 left'."""
        parts = [f"{self.finished}/{self.total} trials"]
        if self.running:
            parts.append(f"{len(self.running)} running")
        skipped = [f"{self.states[s]} {s}" for s in ("pruned", "failed") if self.states[s]]
        parts.extend(skipped)
        if self.best is not None and self.best.value is not None:
            parts.append(f"best {self.metric + ' ' if self.metric else ''}{self.best.value:.4g} (#{self.best.number})")
        eta = self.eta()
        if eta is not None:
            parts.append(f"{format_seconds(eta)} left")
        return " · ".join(parts)


def format_seconds(seconds: float | None) -> str:
    """'0:42', '12:05', '1:02:03' ('–' when unknown)."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def importance_of(spec: SearchSpec, trials: Iterable[TrialResult], direction: str) -> dict[str, float]:
    """Each parameter's importance (Optuna's fANOVA, shares summing to 1) over the complete trials so far, on the
    spec's space; {} with fewer than two complete trials. Imports Optuna: call it off the GUI thread."""
    from .space import distributions, encode
    from .study import param_importance

    done: list[tuple[Mapping[str, Any], float]] = []
    for trial in trials:
        if trial.state != "complete" or trial.value is None:
            continue
        try:
            done.append((encode(spec.params, trial.params), trial.value))
        except (KeyError, StopIteration):        # a value outside the spec's choices (an edited spec)
            continue
    return param_importance(done, distributions(spec.params), direction, spec.seed)
