"""The network on the test rows: metrics, loss, confusion matrix and curves (or predictions), for a person to read.

Test rows are held out from everything training decides: early stopping and best-weight selection watch the
validation rows, and the trainer evaluates the test rows only once training has ended (`Finished.test_metrics`).
This evaluation is the same, with the matrix and curves the app shows, and it may be asked for at any time between
runs; it never feeds anything back into training.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .events import frozen_array
from .metrics import evaluate
from .live_evaluation import ViewsSnapshot


def count_test_rows(data: Any) -> int:
    """How many test rows `data` holds (0 when it has no test split)."""
    test = getattr(data, "test", None)
    return 0 if test is None else len(test.y)


def evaluate_test_rows(trainer: Any) -> ViewsSnapshot | None:
    """A ViewsSnapshot of `trainer`'s network on its data's test rows (split "test", no decision grid), with the
    loss among its metrics; None when the data hold no test rows. Call it between runs only: it reads the weights."""
    data = trainer.data
    if not count_test_rows(data):
        return None
    network, task = trainer.network, trainer.task
    X, y = np.asarray(data.test.X), np.asarray(data.test.y)
    out = network.predict(X)
    confusion = true_values = predicted = None
    roc: dict = {}
    pr: dict = {}
    if task == "regression":
        metrics = {k: float(v) for k, v in evaluate(task, y, out).items()}
        true_values, predicted = frozen_array(y, np.float64), frozen_array(out, np.float64)
    else:
        result = evaluate(task, y, out, trainer.n_classes, curves=True)
        confusion = frozen_array(result.pop("confusion"))
        roc = {int(k): (frozen_array(a), frozen_array(b)) for k, (a, b) in result.pop("roc").items()}
        pr = {int(k): (frozen_array(a), frozen_array(b)) for k, (a, b) in result.pop("pr").items()}
        metrics = {k: float(v) for k, v in result.items()}
    loss = trainer.loss
    metrics["loss"] = float(loss.value(out, loss.prepare_targets(y, network.output_width, network.dtype)))
    return ViewsSnapshot(trainer.epoch, trainer.step, "test", None, confusion, roc, pr, metrics, true_values,
                         predicted)
