"""The search's bookkeeping on the driver: what it keeps on each Optuna trial, the runs it records itself (for
workers that cannot reach the run store), and the trials read back as `TrialResult`s."""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .result import TrialResult
from .space import decode
from .study import state_name

# Optuna user attributes of a trial: set once when it is asked, once before it is told.
SLOT = "layerlab"              # {"number": n, "round": r}
OUTCOME = "layerlab_outcome"   # {"detail", "runs", "worker", "duration", "epochs", "metrics", "counts", "skipped"}


def counts(trial: Any) -> bool:
    """Whether a finished trial counts toward the requested number: complete, pruned, or failed by itself (a
    cancelled, interrupted or never started one is tried again on resume)."""
    if trial.state.name == "RUNNING" or trial.state.name == "WAITING":
        return False
    outcome = trial.user_attrs.get(OUTCOME, {})
    return bool(outcome.get("counts", trial.state.name in ("COMPLETE", "PRUNED")))


def trial_result(trial: Any, params: Sequence[Any]) -> TrialResult | None:
    """The search's view of an Optuna trial (None for one that never started); `params` is its round's space."""
    slot = trial.user_attrs.get(SLOT)
    outcome = trial.user_attrs.get(OUTCOME, {})
    if slot is None or outcome.get("skipped"):
        return None
    try:
        values = decode(params, trial.params)
    except (KeyError, IndexError, ValueError):
        values = dict(trial.params)
    state = state_name(trial)
    value = trial.value if state == "complete" else None
    runs = tuple(int(r) for r in outcome.get("runs", ()))
    return TrialResult(int(slot["number"]), values, state, value, runs[0] if runs else None, runs,
                       str(outcome.get("detail", "")), outcome.get("duration"), outcome.get("worker"),
                       int(slot.get("round", 0)), int(outcome.get("epochs", 0)), dict(outcome.get("metrics", {})),
                       outcome.get("train_seconds"), outcome.get("worker_seconds"))


def best_of(trials: Sequence[TrialResult], direction: str) -> TrialResult | None:
    done = [t for t in trials if t.state == "complete" and t.value is not None and math.isfinite(t.value)]
    if not done:
        return None
    pick = max if direction == "maximize" else min
    return pick(done, key=lambda t: (t.value, -t.number) if direction == "maximize" else (t.value, t.number))


def record_outcome(store: Any, project: Mapping, name: str, group_id: int, number: int, outcome: Any) -> tuple[int, ...]:
    """Record a trial the worker did not record (it cannot see the store, or it failed before training) as one
    `search-trial` run with its history; returns the run ids."""
    from ..runs.records import better_is

    history = {k: np.asarray(v, dtype=np.float64) for k, v in outcome.history.items() if len(v)}
    run_id = store.create_run(project, name=f"{name} trial {number}", kind="search-trial", group_id=group_id,
                              group_index=number, target_epochs=(project.get("training") or {}).get("epochs"))
    final = {k: float(v[-1]) for k, v in history.items()}
    best: dict[str, tuple[float, int]] = {}
    for key, values in history.items():
        mode = better_is(key)
        if mode is None or np.all(np.isnan(values)):
            continue
        at = int(np.nanargmin(values) if mode == "min" else np.nanargmax(values))
        best[key] = (float(values[at]), at)
    epochs = max((len(v) for v in history.values()), default=0)
    store.finish_run(run_id, outcome.status, detail=outcome.detail, chunks={k: [(0, v)] for k, v in history.items()},
                     epochs=epochs, final=final, best=best)
    return (run_id,)


def close_stale_runs(store: Any, group_id: int, number: int, keep: Sequence[int]) -> None:
    """Runs of trial `number` still `running` once the trial is over were left by a worker that died (the trial
    was retried elsewhere, or failed): they end `failed` with that reason."""
    for run in store.list_runs(group_id=group_id, status="running"):
        if run.group_index == number and run.id not in keep:
            store.finish_run(run.id, "failed", detail="its worker died during the trial")
