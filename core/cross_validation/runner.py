"""k-fold cross-validation: K models trained with the normal trainer, one per fold, each recorded as a run grouped
under one cross-validation entry of the run store, and the mean and standard deviation of every metric.

`train_fold` is a pure function of (project JSON, fold index, settings) that loads its own data, so a search can
run folds in parallel on other processes or machines; `CrossValidation` runs them one after another on the calling
thread (the app's worker thread, or the CLI) and can be stopped from another thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..errors import TrainingError
from ..events import Diverged, Failed, Finished, run_status
from ..project import Project, parse_project
from .folds import FoldPlan, fold_data, plan_folds
from .settings import CrossValidationSettings, ResolvedCrossValidation, parse_cross_validation

SCORED_STATUSES = ("finished", "early_stopped")     # folds whose metrics enter the mean and std
FoldListener = Callable[[int, Any], None]     # (fold index, trainer event)


@dataclass(frozen=True)
class FoldResult:
    fold: int
    train_rows: int
    val_rows: int
    val_indices: tuple[int, ...]        # dataset rows this fold validated on
    status: str                         # a run status: finished, early_stopped, stopped, diverged, failed
    metrics: Mapping[str, float]        # the fold's model on its rows: loss, metrics, val_loss, val_<metric>
    history: Mapping[str, list[float]] = field(default_factory=dict)
    run_id: int | None = None           # its run in the store, when recorded
    detail: str = ""                    # why it diverged or failed

    def to_json(self) -> dict:
        from ..runs.records import finite_or_none

        return finite_or_none({"fold": self.fold, "train_rows": self.train_rows, "val_rows": self.val_rows,
                               "val_indices": list(self.val_indices), "metrics": dict(self.metrics),
                               "status": self.status, "run": self.run_id, "detail": self.detail})


@dataclass(frozen=True)
class CrossValidationResult:
    settings: ResolvedCrossValidation
    folds: tuple[FoldResult, ...]
    mean: Mapping[str, float]           # over the completed folds (SCORED_STATUSES)
    std: Mapping[str, float]            # population standard deviation (numpy's default, ddof=0)
    status: str                         # finished, stopped (by the user), failed (a fold diverged or failed)
    test_rows: int                      # rows held out, untouched
    group_id: int | None = None

    def to_json(self) -> dict:
        """`layerlab cv --json`: {"folds": [...], "mean": {...}, "std": {...}, ...} (NaN as null)."""
        from ..runs.records import finite_or_none

        return finite_or_none({"folds": [f.to_json() for f in self.folds], "mean": dict(self.mean),
                               "std": dict(self.std), "status": self.status, "settings": self.settings.to_dict(),
                               "test_rows_held_out": self.test_rows, "group": self.group_id})


def summarize(folds: list[FoldResult] | tuple[FoldResult, ...]) -> tuple[dict[str, float], dict[str, float]]:
    """(mean, std) of every metric over the completed folds: numpy's mean and std (ddof=0) of the fold values."""
    done = [f for f in folds if f.status in SCORED_STATUSES]
    keys = list(dict.fromkeys(k for f in done for k in f.metrics))
    mean, std = {}, {}
    for key in keys:
        values = np.array([f.metrics[key] for f in done if key in f.metrics], dtype=np.float64)
        mean[key], std[key] = float(np.mean(values)), float(np.std(values))
    return mean, std


def fold_metrics(history: Mapping[str, list[float]], end: Any) -> dict[str, float]:
    """The metrics of the model a fold ends with: the epoch whose weights were restored (early stopping), else
    the last epoch. Those values were computed from exactly those weights, so no evaluation is repeated."""
    lengths = [len(v) for v in history.values()]
    if not lengths or not max(lengths):
        return {}
    index = max(lengths) - 1
    if isinstance(end, Finished) and end.restored_best and end.best_epoch is not None:
        index = end.best_epoch
    return {k: float(v[index]) for k, v in history.items()
            if k != "lr" and not k.startswith("layers.") and index < len(v)}


def settings_of(project: Project, cv: CrossValidationSettings | Mapping | None) -> CrossValidationSettings:
    """The settings given, else the project's `training.cross_validation` (once the project format has it)."""
    if isinstance(cv, CrossValidationSettings):
        return cv
    if cv is None:
        cv = getattr(project.training, "cross_validation", None)
        if isinstance(cv, CrossValidationSettings):
            return cv
    return parse_cross_validation(dict(cv) if cv is not None else None)


class CrossValidation:
    """Plan the folds now (bad settings or too few rows raise here, before anything trains), train them on `run`.

    `runs` is the run store (a RunStore, a path, or None for the default one); `record=False` records nothing. A
    store that cannot be used gives one `on_warning` message and the folds train unrecorded.
    """

    def __init__(self, project: Project, cv: CrossValidationSettings | Mapping | None = None, *,
                 folds: int | None = None, runs: Any = None, record: bool = True,
                 on_warning: Callable[[str], None] | None = None, dataset: Any = None):
        from ..checks import check_model
        from ..data import load_dataset

        settings = settings_of(project, cv)
        if folds is not None:
            settings = parse_cross_validation({**settings.to_dict(), "folds": folds})
        self.project = project
        dataset = dataset if dataset is not None else load_dataset(project.data, project.base_dir)
        errors = [p for p in check_model(list(project.layers), project.training.loss, dataset.task,
                                         dataset.n_outputs) if p.level == "error"]
        if errors:
            raise TrainingError(f"{errors[0].where}: {errors[0].message}")
        self.chosen = settings                  # as given (what a worker process resolves again: train_fold)
        self.settings = settings.resolve(dataset.task, project.training.seed)
        self.plan: FoldPlan = plan_folds(dataset, project.data, self.settings)
        self.runs, self.record, self.on_warning = runs, record, on_warning
        self.warning: str | None = None
        self._store = None
        self._stop = threading.Event()
        self._trainer = None
        self._lock = threading.Lock()

    def stop(self) -> None:
        """From any thread: stop the fold in progress (it is recorded `stopped`) and train no further folds."""
        self._stop.set()
        with self._lock:
            if self._trainer is not None:
                self._trainer.stop()

    def run(self, listener: FoldListener | None = None) -> CrossValidationResult:
        """Train every fold in turn; `listener(fold, event)` sees each fold's trainer events."""
        self._store, group_id = self._open_group()
        results: list[FoldResult] = []
        for fold in range(len(self.plan)):
            if self._stop.is_set():
                break
            results.append(self._train(fold, group_id, listener))
        mean, std = summarize(results)
        if self._stop.is_set() or len(results) < len(self.plan):
            status = "stopped"
        elif all(r.status in SCORED_STATUSES for r in results):
            status = "finished"
        else:
            status = "failed"
        result = CrossValidationResult(self.settings, tuple(results), mean, std, status, self.plan.test_rows,
                                       group_id)
        store = self._store
        if store is not None and group_id is not None:
            self._safely(lambda: store.finish_group(group_id, status, result.to_json()))
        return result

    def run_on(self, cluster: Any, on_fold: Callable[[FoldResult], None] | None = None) -> CrossValidationResult:
        """Every fold at once on a Dask cluster (a core.search.cluster.Cluster, say a local one with a worker per
        core): each worker trains a fold with `train_fold` and records it in the same store; `on_fold(result)` as
        each fold ends. The result is the same as `run()`'s (the folds are planned alike everywhere)."""
        import queue

        store, group_id = self._open_group()
        path = str(store.path) if store is not None else None
        project = self.project.to_dict()
        base_dir = str(Path(self.project.base_dir).resolve())
        futures = {cluster.client.submit(train_fold, project, fold, base_dir=base_dir, cv=self.chosen.to_dict(),
                                         runs=path, record=store is not None, group_id=group_id, pure=False): fold
                   for fold in range(len(self.plan))}
        done: queue.Queue = queue.Queue()
        for future in futures:
            future.add_done_callback(done.put)
        by_fold: dict[int, FoldResult] = {}
        while len(by_fold) < len(futures):
            future = done.get()
            fold = futures[future]
            try:
                result = future.result()
            except Exception as exc:        # the fold's worker died twice, say: that fold failed, the others count
                train_rows, val_rows = self.plan.folds[fold]
                result = FoldResult(fold, len(train_rows), len(val_rows), tuple(int(i) for i in val_rows),
                                    "failed", {}, {}, None, f"{type(exc).__name__}: {exc}")
            by_fold[fold] = result
            if on_fold is not None:
                on_fold(result)
        results = [by_fold[fold] for fold in sorted(by_fold)]
        mean, std = summarize(results)
        status = "finished" if all(r.status in SCORED_STATUSES for r in results) else "failed"
        result = CrossValidationResult(self.settings, tuple(results), mean, std, status, self.plan.test_rows,
                                       group_id)
        if store is not None and group_id is not None:
            self._safely(lambda: store.finish_group(group_id, status, result.to_json()))
        return result

    def _open_group(self):
        if not self.record:
            return None, None
        from ..runs import RunStore

        store = self.runs if isinstance(self.runs, RunStore) else self._safely(lambda: RunStore(self.runs))
        if store is None:
            return None, None
        group_id = self._safely(lambda: store.create_group("cv", self.project, settings=self.settings.to_dict()))
        return (store, group_id) if group_id is not None else (None, None)

    def _train(self, fold: int, group_id: int | None, listener: FoldListener | None) -> FoldResult:
        def hold(trainer) -> None:
            with self._lock:
                self._trainer = trainer
            if self._stop.is_set():
                trainer.stop()
        try:
            return train_prepared_fold(self.project, self.plan, fold, store=self._store, group_id=group_id,
                                       listener=listener, on_trainer=hold, on_warning=self._warn)
        finally:
            with self._lock:
                self._trainer = None

    def _safely(self, fn: Callable[[], Any]) -> Any:
        from ..runs import RunStoreError

        try:
            return fn()
        except RunStoreError as exc:
            self._warn(f"the cross-validation is not recorded: {exc}")
            return None

    def _warn(self, message: str) -> None:
        """One warning; the remaining folds train unrecorded."""
        self._store = None
        if self.warning is not None:
            return
        self.warning = message
        if self.on_warning is not None:
            self.on_warning(message)
        else:
            import warnings

            from ..runs import RunStoreWarning
            warnings.warn(message, RunStoreWarning, stacklevel=3)


def cross_validate(project: Project, cv: CrossValidationSettings | Mapping | None = None, *,
                   folds: int | None = None, runs: Any = None, record: bool = True,
                   listener: FoldListener | None = None,
                   on_warning: Callable[[str], None] | None = None) -> CrossValidationResult:
    """Plan and train every fold, one after another (see `CrossValidation`)."""
    return CrossValidation(project, cv, folds=folds, runs=runs, record=record, on_warning=on_warning).run(listener)


def train_prepared_fold(project: Project, plan: FoldPlan, fold: int, *, store: Any = None,
                        group_id: int | None = None, listener: FoldListener | None = None,
                        on_trainer: Callable[[Any], None] | None = None,
                        on_warning: Callable[[str], None] | None = None) -> FoldResult:
    """Train fold `fold` of `plan` with the normal trainer; recorded in `store` (a RunStore or path) if given."""
    from ..model_io import build_network
    from ..trainer import Trainer

    data = fold_data(plan, project.data, fold)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    if on_trainer is not None:
        on_trainer(trainer)
    recorder = None
    if store is not None:
        from ..runs import RunRecorder

        recorder = RunRecorder(store, project, name=f"{project.name} fold {fold + 1}/{len(plan)}", kind="cv-fold",
                               group_id=group_id, group_index=fold, on_warning=on_warning)

    def listen(event: Any) -> None:
        if recorder is not None:
            recorder(event)
        if listener is not None:
            listener(fold, event)
    end = trainer.fit(listener=listen)
    status = run_status(end)
    detail = end.message if isinstance(end, (Diverged, Failed)) else ""
    train_rows, val_rows = plan.folds[fold]
    history = {k: list(v) for k, v in trainer.history.items()}
    return FoldResult(fold, len(train_rows), len(val_rows), tuple(int(i) for i in val_rows), status,
                      fold_metrics(history, end), history, recorder.run_id if recorder is not None else None, detail)


def train_fold(project_json: Mapping, fold: int, *, base_dir: str = ".", cv: Mapping | None = None,
               runs: str | None = None, record: bool = False, group_id: int | None = None) -> FoldResult:
    """One fold from plain data (picklable arguments and result), for a worker process: loads the project's data,
    plans the same folds as every other worker (they are deterministic), trains fold `fold`, and records it in
    the store at path `runs` (None: the default store) when `record`."""
    project = parse_project(dict(project_json), base_dir)
    from ..data import load_dataset

    dataset = load_dataset(project.data, project.base_dir)
    settings = settings_of(project, cv).resolve(dataset.task, project.training.seed)
    plan = plan_folds(dataset, project.data, settings)
    store = None
    if record:
        from ..runs import RunStore, RunStoreError, RunStoreWarning
        try:
            store = RunStore(runs)
        except RunStoreError as exc:
            import warnings
            warnings.warn(f"fold {fold + 1} is not recorded: {exc}", RunStoreWarning, stacklevel=2)
    try:
        return train_prepared_fold(project, plan, fold, store=store, group_id=group_id)
    finally:
        if store is not None:
            store.close()
