"""What a worker process keeps between trials: its run store connection, the last data it prepared, and its one
BLAS thread. A worker runs many trials; opening a store or loading a dataset once per process, not per trial, keeps
the engine's cost per trial in milliseconds."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

_stores: dict[str, Any] = {}
_data: dict[str, Any] = {}


def run_store(task: Any) -> Any:
    """The run store to record into, opened once per process; None when there is none or it cannot be used (the
    driver then records the trial from its outcome). Never creates a store: the file must exist."""
    if task.store is None or task.group_id is None:
        return None
    store = _stores.get(task.store)
    if store is None:
        if not Path(task.store).is_file():
            return None
        from ..runs import RunStore, RunStoreError
        try:
            store = _stores[task.store] = RunStore(task.store)
        except RunStoreError:
            return None
    return store


def _data_key(project: Any, extra: Any = None) -> str:
    import json

    return json.dumps([project.data, str(project.base_dir), extra], sort_keys=True, default=str)


def prepared_data(project: Any) -> Any:
    """The project's prepared data; the last one is kept, since most searches do not vary the data."""
    from ..model_io import load_data

    key = _data_key(project)
    if key not in _data:
        _data.clear()
        _data[key] = load_data(project)
    return _data[key]


def fold_plan(project: Any, folds: Mapping[str, Any]) -> Any:
    from ..cross_validation import parse_cross_validation, plan_folds
    from ..data import load_dataset

    key = _data_key(project, ["folds", dict(folds), project.training.seed])
    if key not in _data:
        _data.clear()
        dataset = load_dataset(project.data, project.base_dir)
        settings = parse_cross_validation(dict(folds)).resolve(dataset.task, project.training.seed)
        _data[key] = plan_folds(dataset, project.data, settings)
    return _data[key]


def limit_threads() -> None:
    """One BLAS/OpenMP thread per trial: a worker is one core (the cluster's environment says so too, but a worker
    started by hand may not have it)."""
    from ..blas_threads import limit_blas_threads

    limit_blas_threads(1)


def sees_store(path: str, group_id: int, study: str) -> bool:
    """On a worker: whether the run store at `path` is the driver's (it exists here and holds this search), so the
    worker may record its trials there. Read-only; never creates a file."""
    import sqlite3
    import urllib.parse

    if not Path(path).is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{urllib.parse.quote(str(Path(path).resolve()))}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT study FROM run_groups WHERE id = ?", (group_id,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == study
