"""What the evaluation views draw while a network trains, computed here (the views themselves are in gui/): the
decision boundary of 2-D data, the confusion matrix, ROC and precision-recall curves, and predicted-vs-true for
regression.

They are computed from the live network on the thread that trains it (between steps, so the weights are never
read half-updated), under a time budget, and handed out as frozen snapshots that another thread may keep.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .events import frozen_array
from .metrics import evaluate
from .network import Network

GRID_RESOLUTION = 80
# Predicted-vs-true keeps at most this many points (a fixed subset) so drawing stays cheap.
MAX_SCATTER_POINTS = 2000


@dataclass(frozen=True)
class DecisionGrid:
    """The network's output over a regular grid of the two raw input features."""

    x: np.ndarray            # (resolution,) raw x1 values (column centres)
    y: np.ndarray            # (resolution,) raw x2 values (row centres)
    values: np.ndarray       # (resolution, resolution): P(class 1) for binary, the prediction for 1-output
                             # regression, the winning class index for multi-class; rows follow y, columns follow x
    confidence: np.ndarray   # (resolution, resolution): the winning class's probability (multi-class), else empty
    kind: str                # "probability" | "class" | "value"
    n_classes: int


@dataclass(frozen=True)
class ViewsSnapshot:
    epoch: int               # epochs completed when the views were computed
    step: int
    split: str               # which split the evaluation views use: "validation" or "train"
    grid: DecisionGrid | None
    confusion: np.ndarray | None          # (K, K) rows = true class, columns = predicted (classification)
    roc: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)    # class -> (fpr, tpr)
    pr: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)     # class -> (recall, precision)
    metrics: dict[str, float] = field(default_factory=dict)
    true_values: np.ndarray | None = None   # regression: (m, k) targets of the evaluated rows
    predicted: np.ndarray | None = None     # regression: (m, k) predictions
    cost_seconds: float = 0.0


def grid_bounds(X_raw: np.ndarray, margin: float = 0.1) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around 2-D raw data, with a margin, so the boundary frames the points."""
    lo, hi = np.min(X_raw[:, :2], axis=0), np.max(X_raw[:, :2], axis=0)
    span = np.maximum(hi - lo, 1e-9)
    lo, hi = lo - margin * span, hi + margin * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def decision_grid(network: Network, preprocessor: Any, bounds: tuple[float, float, float, float], task: str,
                  resolution: int = GRID_RESOLUTION) -> DecisionGrid:
    """Predict over a resolution x resolution grid of raw inputs (crosses and scaling applied as in training)."""
    x0, x1, y0, y1 = bounds
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    raw = np.column_stack([gx.ravel(), gy.ravel()])
    out = network.predict(preprocessor.transform(raw) if preprocessor is not None else raw)
    confidence = np.empty((0, 0))
    if task == "multiclass" and out.shape[1] > 1:
        values = np.argmax(out, axis=1).reshape(resolution, resolution).astype(np.float64)
        confidence = np.max(out, axis=1).reshape(resolution, resolution)
        kind, k = "class", out.shape[1]
    elif task in ("binary", "multilabel"):
        # P(class 1): the one sigmoid unit, or the second of two softmax units (binary); the first label's otherwise.
        column = out.shape[1] - 1 if task == "binary" else 0
        values, kind, k = out[:, column].reshape(resolution, resolution), "probability", 2
    else:
        values, kind, k = out[:, 0].reshape(resolution, resolution), "value", 0
    return DecisionGrid(frozen_array(xs), frozen_array(ys), frozen_array(values, np.float64),
                        frozen_array(confidence, np.float64), kind, k)


class ViewsCollector:
    """Computes ViewsSnapshots on the training thread, at most `max_rate` per second and within `budget`."""

    def __init__(self, network: Network, prepared: Any, budget: float = 0.05, max_rate: float = 5.0,
                 resolution: int = GRID_RESOLUTION, clock=time.perf_counter, cost_clock=time.thread_time):
        self.network = network
        self.prepared = prepared
        self.task = prepared.task
        self.n_classes = int(getattr(prepared, "n_classes", 0) or 0)
        self.budget = budget
        self.min_interval = 1.0 / max_rate if max_rate > 0 else math.inf
        self.resolution = resolution
        self.clock = clock
        self.cost_clock = cost_clock     # CPU time of this thread: GIL waits must not count as cost
        self._next = 0.0
        split = prepared.val if getattr(prepared, "val", None) is not None and len(prepared.val.y) else prepared.train
        self.split_name = "validation" if split is not prepared.train else "train"
        rows = np.arange(len(split.y))
        if rows.size > MAX_SCATTER_POINTS:
            rows = np.sort(np.random.default_rng(0).choice(rows.size, MAX_SCATTER_POINTS, replace=False))
        self._X = np.asarray(split.X)[rows]
        self._y = np.asarray(split.y)[rows]
        dataset = getattr(prepared, "dataset", None)
        self.bounds = None
        if dataset is not None and dataset.X.shape[1] == 2:
            self.bounds = grid_bounds(dataset.X)
        self.data_bounds = self.bounds

    def set_bounds(self, bounds: tuple[float, float, float, float]) -> None:
        """Compute the decision grid over raw (x_min, x_max, y_min, y_max): the region a plot shows, so the
        boundary fills it however the user resizes, zooms or pans. Safe from another thread: the training thread
        reads `bounds` whole (one tuple, replaced, never mutated)."""
        if self.data_bounds is None:
            return
        x0, x1, y0, y1 = (float(v) for v in bounds)
        if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or x1 <= x0 or y1 <= y0:
            raise ValueError(f"decision-grid bounds must be finite and increasing, got {bounds!r}")
        self.bounds = (x0, x1, y0, y1)

    def due(self) -> bool:
        return self.clock() >= self._next

    def collect(self, epoch: int, step: int) -> ViewsSnapshot:
        start = self.cost_clock()
        grid = None
        bounds = self.bounds
        if bounds is not None:
            grid = decision_grid(self.network, getattr(self.prepared, "preprocessor", None), bounds, self.task,
                                 self.resolution)
        out = self.network.predict(self._X)
        confusion, roc, pr, metrics = None, {}, {}, {}
        true_values = predicted = None
        if self.task == "regression":
            metrics = {k: float(v) for k, v in evaluate(self.task, self._y, out).items()}
            true_values, predicted = frozen_array(self._y, np.float64), frozen_array(out, np.float64)
        else:
            result = evaluate(self.task, self._y, out, self.n_classes, curves=True)
            confusion = frozen_array(result.pop("confusion"))
            roc = {int(k): (frozen_array(a), frozen_array(b)) for k, (a, b) in result.pop("roc").items()}
            pr = {int(k): (frozen_array(a), frozen_array(b)) for k, (a, b) in result.pop("pr").items()}
            metrics = {k: float(v) for k, v in result.items()}
        cost = self.cost_clock() - start
        self._next = self.clock() + max(self.min_interval, cost / self.budget if self.budget > 0 else math.inf)
        return ViewsSnapshot(epoch, step, self.split_name, grid, confusion, roc, pr, metrics, true_values, predicted,
                             cost)
