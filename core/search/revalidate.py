"""Revalidate (note 004): retrain the best configuration on the training and validation rows together, then report
its metrics on the test rows, which no trial has seen. The run is a normal run of the store, tagged `revalidation`.

Without validation rows nothing can be monitored on them: early stopping is dropped and the run trains for as many
epochs as the trial's model had (its restored best epoch, or all its epochs), and a schedule that watched a `val_`
value watches the same value on the training rows.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..project import Project, parse_project
from .result import SearchResult, TrialResult
from .space import base_object, trial_object


@dataclass(frozen=True)
class RevalidationResult:
    params: Mapping[str, Any]
    status: str                             # the run's status (finished, stopped, diverged, failed)
    test: Mapping[str, float]               # metrics on the test rows ({} when the project holds none)
    train_rows: int                         # training + validation rows it trained on
    test_rows: int
    epochs: int
    run: int | None = None
    weights: str | None = None
    detail: str = ""
    history: Mapping[str, list[float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        from .result import _strict

        return _strict({"params": dict(self.params), "status": self.status, "test": dict(self.test),
                        "train_rows": self.train_rows, "test_rows": self.test_rows, "epochs": self.epochs,
                        "run": self.run, "weights": self.weights, "detail": self.detail})


def revalidate(project: Project, best: Mapping[str, Any] | TrialResult | SearchResult, *, runs: Any = None,
               record: bool = True, weights_path: str | Path | None = None, epochs: int | None = None,
               listener: Callable[[Any], None] | None = None,
               on_trainer: Callable[[Any], None] | None = None) -> RevalidationResult:
    """Train `project` with the best parameters (a dict, a trial, or a search's best) on training + validation
    rows; `on_trainer(trainer)` lets a caller stop it from another thread."""
    from ..events import Diverged, Failed, Finished, run_status
    from ..model_io import build_network, save_model
    from ..trainer import Trainer

    trial = best.best if isinstance(best, SearchResult) else best
    if trial is None:
        from .cluster import SearchError
        raise SearchError("the search has no complete trial to revalidate")
    params = dict(trial.params) if isinstance(trial, TrialResult) else dict(trial)
    obj = trial_object(base_object(project), params)
    obj["training"] = _without_validation(obj["training"], epochs or _trial_epochs(trial, obj, runs))
    chosen = parse_project(obj, project.base_dir)
    data = merged_data(chosen)
    trainer = Trainer(build_network(chosen, data.input_width), data, chosen.training)
    if on_trainer is not None:
        on_trainer(trainer)
    recorder = None
    if record:
        from ..runs import RunRecorder

        recorder = RunRecorder(runs, chosen, name=f"{chosen.name} (revalidated)", tags=("revalidation",),
                               on_warning=lambda message: None)

    def listen(event: Any) -> None:
        if recorder is not None:
            recorder(event)
        if listener is not None:
            listener(event)
    end = trainer.fit(listener=listen)
    status = run_status(end)
    detail = end.message if isinstance(end, (Diverged, Failed)) else ""
    weights = None
    if weights_path is not None and status in ("finished", "early_stopped"):
        save_model(weights_path, chosen, data, trainer.network, trainer)
        weights = str(weights_path)
        if recorder is not None:
            recorder.set_weights_path(weights)
    if recorder is not None:
        recorder.close()
    test = dict(end.test_metrics) if isinstance(end, Finished) else {}
    return RevalidationResult(params, status, test, len(data.train), 0 if data.test is None else len(data.test),
                              trainer.epoch, recorder.run_id if recorder is not None else None, weights, detail,
                              {k: list(v) for k, v in trainer.history.items()})


def merged_data(project: Project) -> Any:
    """The project's data with the validation rows moved into training (fill and scaling fitted on them all);
    the test rows are exactly the project's."""
    from ..data import PreparedData, Preprocessor, Split, apply_crosses, build_crosses, load_dataset, prepare
    from ..data.fill import refit_fill
    from ..data.prepare import UNSCALED_BY_DEFAULT
    from ..data.preprocess import fit_scaling
    from ..data.spec import prepare_options

    dataset = load_dataset(project.data, project.base_dir)
    prepared = prepare(dataset, project.data)
    if prepared.val is None or not len(prepared.val):
        return prepared
    if "val" in dataset.predefined_splits:       # a file's own validation rows: appended after the dataset's
        import dataclasses

        X_val, y_val = dataset.predefined_splits["val"]
        n = dataset.n_samples
        dataset = dataclasses.replace(dataset, X=np.vstack([dataset.X, X_val]), y=np.concatenate([dataset.y, y_val]),
                                      predefined_splits={k: v for k, v in dataset.predefined_splits.items()
                                                         if k != "val"})
        rows = np.concatenate([prepared.train.rows, np.arange(n, n + len(y_val))])
    else:
        rows = np.concatenate([prepared.train.rows, prepared.val.rows])
    rows = np.sort(rows).astype(np.int64)
    dataset = refit_fill(dataset, rows)
    options = prepare_options(project.data, "none" if dataset.name in UNSCALED_BY_DEFAULT else "standard",
                              dataset.input_width == 2)
    crosses = build_crosses(options["features"], dataset.feature_names)
    crossed = apply_crosses(dataset.X, crosses, rows)
    preprocessor = Preprocessor(crosses, options["scaling"], *fit_scaling(crossed, options["scaling"]),
                                dataset.input_width)
    train = Split(preprocessor.scale_crossed(crossed), dataset.y[rows], rows)
    test = None
    if prepared.test is not None:
        if "test" in dataset.predefined_splits:
            X, y = dataset.predefined_splits["test"]
            test = Split(preprocessor.transform(X), np.array(y), np.arange(len(X), dtype=np.int64))
        else:
            test_rows = prepared.test.rows
            test = Split(preprocessor.scale_crossed(apply_crosses(dataset.X, crosses, test_rows)),
                         dataset.y[test_rows], test_rows)
    return PreparedData(dataset, train, None, test, preprocessor)


def _without_validation(training: Mapping[str, Any], epochs: int | None) -> dict:
    out = copy.deepcopy(dict(training))
    if out.pop("early_stopping", None) is not None and epochs:
        out["epochs"] = int(epochs)
    schedule = out.get("schedule")
    if isinstance(schedule, dict) and str(schedule.get("monitor", "")).startswith("val_"):
        schedule["monitor"] = schedule["monitor"][len("val_"):]
    elif isinstance(schedule, dict) and schedule.get("name") == "reduce_on_plateau" and "monitor" not in schedule:
        schedule["monitor"] = "loss"
    return out


def _trial_epochs(trial: Any, obj: Mapping[str, Any], runs: Any) -> int | None:
    """Epochs the trial's model trained: its run's best epoch + 1 when early stopping restored it, else all."""
    if not isinstance(trial, TrialResult) or not (obj.get("training") or {}).get("early_stopping"):
        return None
    monitor = obj["training"]["early_stopping"].get("monitor", "val_loss")
    if trial.run is not None:
        from ..runs import RunStore, RunStoreError, UnknownRunError
        try:
            store = runs if isinstance(runs, RunStore) else RunStore(runs)
            summary = store.get_run(trial.run)
            if monitor in summary.best_epoch:
                return summary.best_epoch[monitor] + 1
        except (RunStoreError, UnknownRunError):
            pass
    return trial.epochs or None
