"""Train one project to the end, headless, and keep what the experiment measures read (no files written)."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..events import Diverged, Failed, Finished
from ..layers.dense import Dense
from ..model_io import build_network, load_data
from ..project import Project
from ..trainer import Trainer
from .measures import RunResult


def train_project(project: Project, listener: Callable[[Any], None] | None = None) -> RunResult:
    """Train `project` (its own seed) and return its history, final kernels and status; `listener` gets every
    event (a run recorder)."""
    prepared = load_data(project)
    network = build_network(project, prepared.input_width)
    trainer = Trainer(network, prepared, project.training)
    end = trainer.fit(listener=listener)
    if isinstance(end, Failed):
        status = "failed"
    elif isinstance(end, Diverged):
        status = "diverged"
    else:
        status = end.status if isinstance(end, Finished) else "finished"
    kernels = {i: np.array(layer.params["weight"]) for i, layer in enumerate(network.layers)
               if isinstance(layer, Dense)}
    best = end.best_epoch if isinstance(end, Finished) and end.restored_best else None
    return RunResult({k: list(v) for k, v in trainer.history.items()}, kernels, status, best,
                     _val_confidence(network, prepared), _findings(project, trainer, network, prepared, status))


def _findings(project: Project, trainer: Trainer, network, prepared, status: str) -> tuple[str, ...]:
    """The diagnosis advisor's finding codes for this run, most severe first (a lesson's finding is measurable)."""
    from ..diagnosis import diagnose

    found = diagnose(project, trainer.history, network=network, data=prepared, status=status)
    return tuple(dict.fromkeys(f.code for f in found if f.severity != "info"))


def _val_confidence(network, prepared) -> float:
    """Mean probability the final model gives its predicted class on the validation rows (classification only)."""
    val = getattr(prepared, "val", None)
    if val is None or not len(val) or prepared.task not in ("binary", "multiclass"):
        return math.nan
    with np.errstate(all="ignore"):
        p = network.predict(val.X)
    if p.shape[1] == 1:
        p = np.concatenate([p, 1.0 - p], axis=1)
    return float(np.mean(np.max(p, axis=1)))
