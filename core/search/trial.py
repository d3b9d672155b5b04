"""One trial on a worker: train the trial's project with the normal trainer, report its metric to the study for
pruning, stop when the search is cancelled, record the run, write the weights, and return a summary.

`run_trial(task)` takes and returns plain picklable data, so it runs the same in a Dask worker process on this
machine or another one, or in the calling process (tests). Inside Dask it tells the driver when it starts (a Dask
event topic, batched by the worker: no round trip) and polls the search's cancel flag (a Dask `Event`) at most
five times a second between batches. Optuna is imported only when the search prunes.
"""
from __future__ import annotations

import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .worker_state import fold_plan, limit_threads, prepared_data, run_store

CANCEL_POLL = 0.2          # seconds between looks at the cancel flag
PRUNE_WAIT = 9.0           # a pruning decision is followed by 9 times its cost without one (10% of the time)
PROGRESS_EVERY = 0.5       # seconds between progress messages to the driver


@dataclass(frozen=True)
class TrialTask:
    """Everything a worker needs for one trial, as plain data."""

    number: int                             # the trial's number in the search (its runs' group index)
    params: Mapping[str, Any]               # the searched settings' values
    project: Mapping[str, Any]              # the trial's project JSON
    base_dir: str                           # where the project's relative data paths start
    metric: str                             # the logged key whose value the trial returns
    name: str = "Search"                    # runs are named '{name} trial {number}'
    folds: Mapping[str, Any] | None = None  # cross-validation settings: the value is the mean over the folds
    study: str | None = None                # Optuna study and trial for pruning reports (None: no reports)
    trial_id: int | None = None
    storage: str | None = None
    pruner: Mapping[str, Any] | None = None
    report_every: int = 1                   # report the metric every this many epochs
    store: str | None = None                # run store file to record into (None: the driver records)
    group_id: int | None = None
    weights: str | None = None              # weights file to write for a complete trial
    cancel_event: str | None = None         # Dask Event set when the search is cancelled
    topic: str | None = None                # Dask event topic for 'started' and progress messages


@dataclass(frozen=True)
class TrialOutcome:
    number: int
    state: str                              # complete | pruned | failed
    status: str                             # its run's status: finished, early_stopped, stopped, diverged, failed
    value: float | None                     # the metric (the fold mean with folds); None unless complete
    detail: str = ""                        # why it was pruned or failed ('cancelled' when the search was)
    metrics: Mapping[str, float] = field(default_factory=dict)   # the trial's model: its losses and metrics
    history: Mapping[str, list] = field(default_factory=dict)    # per-epoch history (the first fold's, with folds);
                                                                 # empty when the worker recorded the trial
    epochs: int = 0
    run_ids: tuple[int, ...] = ()           # its runs in the store (one per fold with folds)
    recorded: bool = False                  # the worker recorded its runs (else the driver does)
    weights: str | None = None
    worker: str | None = None
    host: str = ""
    pid: int = 0
    train_seconds: float = 0.0              # inside trainer.fit
    seconds: float = 0.0                    # the whole task on the worker
    cancelled: bool = False


def run_trial(task: TrialTask) -> TrialOutcome:
    """Train one trial (see the module docstring). Never raises for a problem of the trial itself: a trial that
    cannot train is `failed` with the reason."""
    from ..errors import LayerLabError
    from ..project import parse_project

    start = time.perf_counter()
    limit_threads()
    control = TrialControl(task)
    control.tell("started")
    try:
        project = parse_project(dict(task.project), task.base_dir)
        outcome = _train_folds(task, project, control) if task.folds else _train(task, project, control)
    except LayerLabError as exc:
        outcome = _failed(task, str(exc))
    except Exception as exc:     # a bug must fail this trial, not the search
        cause = exc.__cause__ or exc.__context__
        because = f" ({type(cause).__name__}: {str(cause).splitlines()[0][:200]})" if cause is not None else ""
        outcome = _failed(task, f"{type(exc).__name__}: {str(exc).strip()}{because}")
    return _finish(outcome, control, start)


class TrialControl:
    """The trial's link to its search: cancel flag, pruning reports and decisions, progress messages."""

    def __init__(self, task: TrialTask):
        self.task = task
        self.worker = _dask_worker()
        self.trainer: Any = None
        self.cancelled = self.pruned = False
        self.pruned_at: int | None = None
        self._event: Any = None
        self._trial: Any = None
        self._next_poll = self._next_prune = self._next_progress = 0.0
        self._lock = threading.Lock()

    @property
    def stopping(self) -> bool:
        return self.cancelled or self.pruned

    def hold(self, trainer: Any) -> None:
        self.trainer = trainer
        if self.stopping:
            trainer.stop()

    def tell(self, kind: str, **values: Any) -> None:
        """A message to the driver (no-op outside Dask)."""
        if self.worker is not None and self.task.topic:
            self.worker.log_event(self.task.topic, {"kind": kind, "number": self.task.number,
                                                    "worker": self.worker.address, "host": socket.gethostname(),
                                                    "pid": os.getpid(), **values})

    def poll_cancel(self, force: bool = False) -> bool:
        now = time.monotonic()
        if self.cancelled or self.worker is None or not self.task.cancel_event or (now < self._next_poll and not force):
            return self.cancelled
        self._next_poll = now + CANCEL_POLL
        if self._event is None:
            from distributed import Event

            self._event = Event(self.task.cancel_event)
        if self._event.is_set():
            self.cancelled = True
            if self.trainer is not None:
                self.trainer.stop()
        return self.cancelled

    def on_event(self, event: Any, report_epochs: bool = True) -> None:
        """The trainer's listener: poll the cancel flag between batches; report each epoch's metric."""
        from ..events import BatchEnd, EpochEnd

        kind = type(event)
        if kind is BatchEnd:
            self.poll_cancel()
        elif kind is EpochEnd:
            self.poll_cancel()
            value = event.logs.get(self.task.metric)
            now = time.monotonic()
            if value is not None and now >= self._next_progress:
                self._next_progress = now + PROGRESS_EVERY
                self.tell("progress", epoch=event.epoch, value=_finite(value))
            if report_epochs and value is not None and event.epoch % self.task.report_every == 0:
                self.report(float(value), event.epoch, force=False)

    def report(self, value: float, step: int, force: bool) -> None:
        """Report `value` at `step` to the study; prune (stop the trainer) when the pruner says so."""
        if self.task.pruner is None or self.task.storage is None or self.stopping:
            return
        trial = self._optuna_trial()
        trial.report(value if math.isfinite(value) else float("nan"), step)
        now = time.monotonic()
        if force or now >= self._next_prune:
            prune = trial.should_prune()
            # Each decision reads every trial's reports: the next one waits so that deciding takes at most a
            # tenth of the trial's time.
            self._next_prune = time.monotonic() + PRUNE_WAIT * (time.monotonic() - now)
            if prune:
                self.pruned, self.pruned_at = True, step
                if self.trainer is not None:
                    self.trainer.stop()

    def _optuna_trial(self) -> Any:
        if self._trial is None:
            import optuna

            from .study import get_storage, make_pruner

            storage = get_storage(self.task.storage, create=False)
            study = optuna.load_study(study_name=self.task.study, storage=storage,
                                      pruner=make_pruner(self.task.pruner))
            self._trial = optuna.trial.Trial(study, self.task.trial_id)
        return self._trial


def _train(task: TrialTask, project: Any, control: TrialControl) -> TrialOutcome:
    from ..cross_validation import fold_metrics
    from ..model_io import build_network, save_model
    from ..trainer import Trainer

    data = prepared_data(project)
    _check_model(project, data.task, data.n_outputs)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    control.hold(trainer)
    store = run_store(task)
    recorder = _recorder(task, store, project, f"{task.name} trial {task.number}")

    def listen(event: Any) -> None:
        if recorder is not None:
            recorder(event)
        control.on_event(event)
    began = time.perf_counter()
    end = trainer.fit(listener=listen)
    seconds = time.perf_counter() - began
    history = {k: list(v) for k, v in trainer.history.items()}
    metrics = fold_metrics(history, end)
    state, status, value, detail = _judge(end, metrics, task.metric, control, trainer.epoch)
    run_ids = (recorder.run_id,) if recorder is not None and recorder.run_id is not None else ()
    if run_ids and detail and status == "stopped":
        store.finish_run(run_ids[0], status, detail=detail)      # why it stopped: pruned, or cancelled
    weights = None
    if state == "complete" and task.weights:
        Path(task.weights).parent.mkdir(parents=True, exist_ok=True)
        save_model(task.weights, project, data, trainer.network, trainer)
        weights = task.weights
        if recorder is not None:
            recorder.set_weights_path(weights)
    return TrialOutcome(task.number, state, status, value, detail, metrics, history, trainer.epoch, run_ids,
                        recorder is not None and recorder.active, weights, train_seconds=seconds)


def _train_folds(task: TrialTask, project: Any, control: TrialControl) -> TrialOutcome:
    """k folds one after another; the study hears the running mean after each fold (step = fold index)."""
    from ..cross_validation import summarize, train_prepared_fold

    plan = fold_plan(project, task.folds)
    store = run_store(task)
    results, run_ids, seconds = [], [], 0.0
    for fold in range(len(plan)):
        if control.stopping:
            break
        recorder = _recorder(task, store, project, f"{task.name} trial {task.number} fold {fold + 1}/{len(plan)}")

        def listen(_fold: int, event: Any, recorder=recorder) -> None:
            if recorder is not None:
                recorder(event)
            control.on_event(event, report_epochs=False)
        began = time.perf_counter()
        result = train_prepared_fold(project, plan, fold, listener=listen, on_trainer=control.hold)
        seconds += time.perf_counter() - began
        results.append(result)
        if recorder is not None and recorder.run_id is not None:
            run_ids.append(recorder.run_id)
        if result.status in ("diverged", "failed"):
            return TrialOutcome(task.number, "failed", result.status, None, f"fold {fold + 1}: {result.detail}",
                                dict(result.metrics), dict(results[0].history), 0, tuple(run_ids), bool(run_ids),
                                train_seconds=seconds)
        value = result.metrics.get(task.metric)
        if value is None:
            return _failed(task, f"fold {fold + 1} logged no {task.metric!r}")
        mean_so_far = sum(r.metrics[task.metric] for r in results) / len(results)
        control.report(mean_so_far, fold, force=True)
    mean, _ = summarize(results)
    complete = len(results) == len(plan) and not control.stopping
    value = mean.get(task.metric) if complete else None
    state = "complete" if complete else ("pruned" if control.pruned else "failed")
    detail = "" if complete else (f"pruned after fold {control.pruned_at + 1}" if control.pruned else "cancelled")
    status = "finished" if complete else "stopped"
    if value is not None and not math.isfinite(value):
        state, value, detail = "failed", None, f"the fold mean of {task.metric} is not finite"
    return TrialOutcome(task.number, state, status, value, detail, mean, dict(results[0].history) if results else {},
                        len(results), tuple(run_ids), bool(run_ids) and store is not None, train_seconds=seconds)


def _judge(end: Any, metrics: Mapping[str, float], metric: str, control: TrialControl,
           epochs: int) -> tuple[str, str, float | None, str]:
    """(state, run status, value, detail) of a trained trial."""
    from ..events import Diverged, Failed

    if isinstance(end, Diverged):
        return "failed", "diverged", None, end.message
    if isinstance(end, Failed):
        return "failed", "failed", None, end.message
    status = end.status
    if control.pruned:
        return "pruned", "stopped", None, f"pruned at epoch {control.pruned_at + 1}"
    if control.cancelled and status == "stopped":
        return "failed", "stopped", None, f"cancelled after {epochs} epoch(s)"
    value = metrics.get(metric)
    if value is None:
        return "failed", status, None, f"the trial logged no {metric!r}"
    if not math.isfinite(value):
        return "failed", status, None, f"{metric} is {value}"
    return "complete", status, float(value), ""


def _failed(task: TrialTask, message: str) -> TrialOutcome:
    return TrialOutcome(task.number, "failed", "failed", None, message)


def _finish(outcome: TrialOutcome, control: TrialControl, start: float) -> TrialOutcome:
    from dataclasses import replace

    # The history goes back only when the driver has to record the trial: a recorded one is in the store, and
    # sending every per-epoch key back costs each trial a few milliseconds more.
    outcome = replace(outcome, worker=None if control.worker is None else control.worker.address,
                      host=socket.gethostname(), pid=os.getpid(), seconds=time.perf_counter() - start,
                      cancelled=control.cancelled, history={} if outcome.recorded else outcome.history)
    return outcome


def _check_model(project: Any, task: str, n_outputs: int) -> None:
    from ..checks import check_model
    from ..errors import TrainingError

    errors = [p for p in check_model(list(project.layers), project.training.loss, task, n_outputs)
              if p.level == "error"]
    if errors:
        raise TrainingError(f"{errors[0].where}: {errors[0].message}")


def _recorder(task: TrialTask, store: Any, project: Any, name: str) -> Any:
    if store is None:
        return None
    from ..runs import RunRecorder

    return RunRecorder(store, project, name=name, kind="search-trial", group_id=task.group_id,
                       group_index=task.number, on_warning=lambda message: None)


def _dask_worker() -> Any:
    try:
        from distributed import get_worker

        return get_worker()
    except (ImportError, ValueError):
        return None


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
