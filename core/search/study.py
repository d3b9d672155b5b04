"""Optuna's side of a search: the study's storage (the run store's SQLite file, or any RDB URL), its sampler and
pruner, trial states, and parameter importance. Optuna is imported inside these functions only.

Every process (the driver and each worker) keeps one storage per URL: opening Optuna's RDB storage checks its
schema (a third of a second), reusing it costs nothing. SQLite connections are made with `synchronous = NORMAL`
(safe in WAL mode, which the run store uses) and a long busy timeout, so parallel workers reporting epochs wait for
each other instead of failing, and a report costs about a millisecond instead of an fsync.
"""
from __future__ import annotations

import math
import threading
import warnings
from typing import Any, Mapping

from .spec import SearchSpec

SQLITE_BUSY_TIMEOUT = 60.0          # seconds a study write waits for other writers
_storages: dict[tuple[str, bool], Any] = {}
_lock = threading.Lock()

# Optuna's trial states as a search reports them.
STATES = ("complete", "pruned", "failed")


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO and warns about experimental options: a search reports trials itself."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL, None for other databases."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return parsed.database or None


def get_storage(url: str, *, create: bool = True) -> Any:
    """Optuna's RDB storage for `url`, one per process. `create=False` (a worker) skips table creation and the
    schema check: the driver made both."""
    import optuna

    key = (url, create)
    with _lock:
        storage = _storages.get(key) or _storages.get((url, True))
        if storage is not None:
            return storage
        quiet_optuna()
        engine_kwargs: dict[str, Any] = {}
        path = sqlite_path(url)
        if path is not None:
            import sqlite3

            def connect() -> sqlite3.Connection:
                conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT, check_same_thread=False,
                                       isolation_level=None)
                conn.execute("PRAGMA synchronous = NORMAL")
                return conn
            engine_kwargs["creator"] = connect
        else:
            engine_kwargs["pool_pre_ping"] = True
        storage = optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, skip_compatibility_check=not create,
                                             skip_table_creation=not create)
        if path is not None:
            from sqlalchemy import event

            # A transaction that reads and then writes (Optuna's do) cannot wait for another process's write in
            # WAL mode: SQLite refuses it at once (a stale snapshot). Taking the write lock at BEGIN makes every
            # transaction wait its turn for up to the busy timeout instead.
            event.listen(storage.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        _storages[key] = storage
        return storage


def pruner_config(spec: SearchSpec, steps: int, trials: int) -> dict | None:
    """The pruner as plain data (workers build their own from it). `steps` is the number of reported steps of a
    full trial (epochs, or folds). The median rule waits for a few complete trials and the first tenth of the
    steps; Hyperband's largest budget is a full trial."""
    if spec.pruning == "median":
        return {"kind": "median", "n_startup_trials": min(5, max(2, trials // 5)),
                "n_warmup_steps": steps // 10}
    if spec.pruning == "hyperband":
        return {"kind": "hyperband", "min_resource": max(1, steps // 27), "max_resource": max(1, steps),
                "reduction_factor": 3}
    return None


def make_pruner(config: Mapping[str, Any] | None) -> Any:
    import optuna

    if config is None:
        return optuna.pruners.NopPruner()
    kind = config["kind"]
    args = {k: v for k, v in config.items() if k != "kind"}
    if kind == "median":
        return optuna.pruners.MedianPruner(**args)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(**args)
    raise ValueError(f"unknown pruner {kind!r}")


def make_sampler(spec: SearchSpec, params: tuple, round_index: int = 0) -> Any:
    """Grid, random or TPE (with the constant liar, so parallel trials are not all drawn near the same point);
    each refining round gets its own seed."""
    import optuna

    from .space import grid_space

    seed = (spec.seed + 7919 * round_index) % 2**32
    if spec.method == "grid":
        class AskTellGridSampler(optuna.samplers.GridSampler):
            """Optuna's grid sampler ends `Study.optimize` once the grid is done, which raises outside it; the search
            counts its trials itself."""

            def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
                pass
        return AskTellGridSampler(grid_space(params), seed=seed)
    if spec.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True, n_startup_trials=min(10, max(
        2, spec.trials_per_round // 4)))


def state_name(trial: Any) -> str:
    """'complete', 'pruned', 'failed' or 'running' for an Optuna trial."""
    return trial.state.name.lower().replace("fail", "failed")


def param_importance(trials: list[tuple[Mapping[str, Any], float]], distributions: Mapping[str, Any],
                     direction: str, seed: int) -> dict[str, float]:
    """Each parameter's importance by Optuna's fANOVA evaluator over complete trials `(optuna params, value)`,
    normalised to sum to 1. Empty with fewer than two trials or no parameter that varies."""
    import optuna

    quiet_optuna()
    done = [(p, v) for p, v in trials if v is not None and math.isfinite(v)]
    varying = [name for name in distributions
               if len({repr(p.get(name)) for p, _ in done}) > 1 and all(name in p for p, _ in done)]
    if len(done) < 2 or not varying:
        return {}
    study = optuna.create_study(direction=direction)
    dists = {name: distributions[name] for name in varying}
    for params, value in done:
        study.add_trial(optuna.trial.create_trial(params={k: params[k] for k in varying}, distributions=dists,
                                                  value=float(value)))
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=seed)
    try:
        importance = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (RuntimeError, ValueError):
        return {}
    return {k: float(v) for k, v in importance.items()}
