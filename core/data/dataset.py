"""The `Dataset` every loader returns: raw features, targets in one fixed layout per task, and their names.

Targets always come in the layout the rest of LayerLab expects, so no caller has to guess:
binary / multiclass: y (n,) int64 class indices in [0, K); multilabel: y (n, k) float64 of 0/1;
regression: y (n, k) float64 (2-D even for one output).
Arrays are stored read-only: a dataset is shared by the GUI, the trainer and the summaries, and nobody may
modify it in place.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from ..tasks import CLASSIFICATION_TASKS, TASKS


def _frozen(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _check_targets(y: np.ndarray, task: str, n_classes: int, k: int, where: str) -> np.ndarray:
    """Coerce `y` to the layout of `task` (see module docstring) or raise DataError naming `where`."""
    if task in CLASSIFICATION_TASKS:
        if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.bool_)):
            raise DataError(f"{where}: {task} targets must be a 1-D integer array, got {y.dtype} {y.shape}")
        y = np.ascontiguousarray(y, dtype=np.int64)
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise DataError(f"{where}: class indices must be in [0, {n_classes}), got {y.min()}..{y.max()}")
        return y
    if y.ndim != 2 or y.shape[1] != k:
        raise DataError(f"{where}: {task} targets must have shape (n, {k}), got {y.shape}")
    y = np.ascontiguousarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise DataError(f"{where}: targets contain NaN or Inf")
    if task == "multilabel" and not np.all((y == 0) | (y == 1)):
        raise DataError(f"{where}: multilabel targets must be 0 or 1")
    return y


def _check_inputs(X: np.ndarray, d: int | None, where: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2 or (d is not None and X.shape[1] != d):
        raise DataError(f"{where}: features must have shape (n, {d if d is not None else 'd'}), got {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.bool_)):
        raise DataError(f"{where}: features must be numbers, got dtype {X.dtype}")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise DataError(f"{where}: features contain NaN or Inf")
    return X


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset, before feature crosses, splitting and scaling (those happen in `prepare`)."""

    name: str
    X: np.ndarray                      # (n, d) float64, finite, raw values
    y: np.ndarray                      # see the module docstring
    task: str                          # "binary" | "multiclass" | "multilabel" | "regression"
    feature_names: tuple[str, ...]     # d names
    class_names: tuple[str, ...] | None  # K names (binary/multiclass), k label names (multilabel), else None
    target_names: tuple[str, ...]      # regression/multilabel: k names; classification: (target name,)
    image_shape: tuple[int, int] | None = None   # (h, w) when each row is an image, for previews
    predefined_splits: dict = field(default_factory=dict)  # {"val": (X, y), "test": (X, y)} from the file
    encoder: dict | None = None        # JSON-able: how raw CSV columns became X (see docs/data.md)
    missing_cells: dict = field(default_factory=dict)  # CSV column -> sorted rows whose cell was filled (fill.py)

    def __post_init__(self) -> None:
        where = f"dataset {self.name!r}"
        if self.task not in TASKS:
            raise DataError(f"{where}: task must be one of {', '.join(TASKS)}, got {self.task!r}")
        X = _check_inputs(self.X, None, where)
        n, d = X.shape
        if n == 0:
            raise DataError(f"{where}: no rows")
        names = tuple(str(s) for s in self.feature_names)
        if len(names) != d:
            raise DataError(f"{where}: {d} feature columns but {len(names)} feature names")
        targets = tuple(str(s) for s in self.target_names)
        classes = None if self.class_names is None else tuple(str(s) for s in self.class_names)
        y_in = np.asarray(self.y)
        if self.task in CLASSIFICATION_TASKS:
            if classes is None or len(classes) < 2:
                raise DataError(f"{where}: a {self.task} dataset needs at least two class names")
            if (self.task == "binary") != (len(classes) == 2):
                raise DataError(f"{where}: task {self.task!r} does not fit {len(classes)} classes")
            if len(targets) != 1:
                raise DataError(f"{where}: classification has one target name, got {len(targets)}")
            k = 1
        else:
            k = y_in.shape[1] if y_in.ndim == 2 else -1
            if len(targets) != k:
                raise DataError(f"{where}: targets of shape {y_in.shape} but {len(targets)} target names")
            if self.task == "multilabel":
                if classes is None:
                    classes = targets
                if classes != targets:
                    raise DataError(f"{where}: multilabel class names must be the label (target) names")
            elif classes is not None:
                raise DataError(f"{where}: regression data has no class names")
        n_classes = len(classes) if classes else 0
        y = _check_targets(y_in, self.task, n_classes, k, where)
        if y.shape[0] != n:
            raise DataError(f"{where}: {n} rows of features but {y.shape[0]} targets")
        splits = {}
        for key, pair in dict(self.predefined_splits).items():
            if key not in ("val", "test"):
                raise DataError(f"{where}: predefined split {key!r} is not 'val' or 'test'")
            Xs, ys = pair
            Xs = _check_inputs(Xs, d, f"{where}, {key} split")
            ys = _check_targets(np.asarray(ys), self.task, n_classes, k, f"{where}, {key} split")
            if Xs.shape[0] != ys.shape[0] or Xs.shape[0] == 0:
                raise DataError(f"{where}, {key} split: {Xs.shape[0]} rows of features, {ys.shape[0]} targets")
            splits[key] = (_frozen(Xs), _frozen(ys))
        filled = {}
        for column, rows in dict(self.missing_cells).items():
            rows = np.asarray(rows)
            if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer) or (rows.size and (
                    rows.min() < 0 or rows.max() >= n)):
                raise DataError(f"{where}: missing cells of {column!r} must be row indices in [0, {n})")
            filled[str(column)] = _frozen(np.ascontiguousarray(rows, dtype=np.int64))
        if self.image_shape is not None:
            h, w = (int(v) for v in self.image_shape)
            if h * w != d:
                raise DataError(f"{where}: image shape {h}x{w} does not match {d} features")
            object.__setattr__(self, "image_shape", (h, w))
        object.__setattr__(self, "X", _frozen(X))
        object.__setattr__(self, "y", _frozen(y))
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "target_names", targets)
        object.__setattr__(self, "class_names", classes)
        object.__setattr__(self, "predefined_splits", splits)
        object.__setattr__(self, "missing_cells", filled)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def input_width(self) -> int:
        """d: the number of raw feature columns a model's input must have (before crosses)."""
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        """K for binary/multiclass, k labels for multilabel, 0 for regression."""
        return len(self.class_names) if self.class_names else 0

    @property
    def n_outputs(self) -> int:
        """Width of the output layer: 1 for binary (one sigmoid), K for multiclass, k otherwise."""
        if self.task == "binary":
            return 1
        if self.task == "multiclass":
            return self.n_classes
        return int(self.y.shape[1])

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, n={self.n_samples}, d={self.input_width}, task={self.task!r}, "
                f"n_outputs={self.n_outputs})")
