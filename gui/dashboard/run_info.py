"""What the dashboard must know about a run before its first event: layers, task, classes and the raw 2-D points.

Built once per network/data (`RunInfo.from_session`) so the dashboard can create its per-layer curves, choose its
metric and colour scales, and draw the data points under the decision boundary, without touching the network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.holdout import count_test_rows
from core.training_data import has_validation

CLASSIFICATION = ("binary", "multiclass")


@dataclass(frozen=True, eq=False)
class RunInfo:
    layer_labels: dict[int, str]     # model layer index -> "0: dense 16, relu"
    diag_layers: tuple[int, ...]     # layers that appear in snapshots (have params or a ReLU/sigmoid/tanh act.)
    relu_layers: tuple[int, ...]     # layers whose activation can die (act.can_die)
    saturating_layers: tuple[int, ...]
    layer_units: dict[int, int]
    task: str                        # "binary" | "multiclass" | "multilabel" | "regression"
    n_classes: int
    class_names: tuple[str, ...] | None
    target_names: tuple[str, ...]
    metric: str                      # primary metric key in EpochEnd.logs ("accuracy", "r2", ...)
    has_validation: bool
    # For 2-D data: (X_train_raw (n, 2), y_train, X_eval_raw (m, 2), y_eval, eval_name); else None.
    points: tuple | None = field(repr=False)
    feature_names: tuple[str, str] | None
    weight_layers: tuple[int, ...] | None = None   # layers with a kernel (None: assume every diag layer has one)
    test_rows: int = 0                              # held-out test rows (the Test tab evaluates them)

    @property
    def is_classification(self) -> bool:
        return self.task in CLASSIFICATION

    def class_name(self, k: int) -> str:
        if self.class_names and 0 <= k < len(self.class_names):
            return self.class_names[k]
        return str(k)

    @classmethod
    def from_session(cls, network: Any, prepared: Any) -> "RunInfo":
        """From a core Network and a PreparedData (or any object with train/val/test/task, like TrainingData).

        `prepared.dataset.X` holds the raw features; `prepared.train.rows` / `.val.rows` index into it (or into
        `dataset.predefined_splits[name]` for a split the file defines itself).
        """
        labels, units, diag, relu, saturating = {}, {}, [], [], []
        trainable_layers = {e.layer for e in network.entries if e.trainable}
        kernel_layers = tuple(sorted({e.layer for e in network.entries if e.trainable and e.key == "weight"}))
        for i, layer in enumerate(network.layers):
            labels[i] = f"{i}: {layer.describe()}"
            units[i] = int(network.widths[i + 1])
            act = layer.activation
            can_die = act is not None and bool(getattr(act, "can_die", False))
            saturates = act is not None and getattr(act, "saturation_bounds", None) is not None
            if i in trainable_layers or can_die or saturates:
                diag.append(i)
            if can_die:
                relu.append(i)
            if saturates:
                saturating.append(i)
        task = prepared.task
        n_classes = int(getattr(prepared, "n_classes", 0) or 0)
        dataset = getattr(prepared, "dataset", None)
        class_names = getattr(prepared, "class_names", None)
        if class_names is None and task in CLASSIFICATION and n_classes:
            class_names = tuple(str(k) for k in range(n_classes))
        target_names = tuple(getattr(dataset, "target_names", ()) or ())
        if not target_names:
            width = network.output_width
            target_names = ("target",) if task in CLASSIFICATION or width == 1 else tuple(
                f"y{k + 1}" for k in range(width))
        validation = has_validation(prepared)
        points, feature_names = _raw_points(prepared, dataset)
        return cls(labels, tuple(diag), tuple(relu), tuple(saturating), units, task, n_classes,
                   tuple(class_names) if class_names else None, target_names, primary_metric(task), validation,
                   points, feature_names, kernel_layers, count_test_rows(prepared))


def primary_metric(task: str) -> str:
    """The metric a student looks at first: accuracy for classification, R² for regression."""
    return "r2" if task == "regression" else "accuracy"


def _split_raw(dataset: Any, split: Any, name: str) -> np.ndarray:
    rows = np.asarray(split.rows)
    if name in getattr(dataset, "predefined_splits", {}):
        return np.asarray(dataset.predefined_splits[name][0])[rows]
    return np.asarray(dataset.X)[rows]


def _raw_points(prepared: Any, dataset: Any) -> tuple[tuple | None, tuple[str, str] | None]:
    """Train and evaluation points in raw feature units, for 2-D data only (what the decision boundary shows)."""
    if dataset is None or np.asarray(dataset.X).ndim != 2 or dataset.X.shape[1] != 2:
        return None, None
    train = prepared.train
    if not hasattr(train, "rows"):
        return None, None
    X_train = _split_raw(dataset, train, "train")
    y_train = np.asarray(train.y)
    eval_name, X_eval, y_eval = "validation", np.empty((0, 2)), y_train[:0]
    for name in ("val", "test"):
        split = getattr(prepared, name, None)
        if split is not None and len(split.y):
            eval_name = "validation" if name == "val" else "test"
            X_eval, y_eval = _split_raw(dataset, split, name), np.asarray(split.y)
            break
    names = tuple(str(s) for s in dataset.feature_names[:2])
    return (X_train, y_train, X_eval, y_eval, eval_name), (names[0], names[1])
