"""Points kept inside the project file (`"source": "points"`): the data a user drew on a plot, or any small table.

The rows travel with the project, so a drawn dataset needs no file beside it and every edit (a point added, a
point deleted) is an ordinary project edit that undo can take back. Validation names the place of each bad value
(`data.y[4] must be a class index in [0, 2), got 2`), like every other source.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..config import ConfigReader, describe
from ..errors import SpecError
from .dataset import Dataset

MAX_POINTS = 100_000          # rows a project file may hold inline (a few MB of JSON)
MAX_COLUMNS = 100
DEFAULT_NAME = "drawn points"


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{where} must be a finite number, got {describe(value)}")
    return float(value)


def _names(value: Any, where: str, count: int | None, what: str) -> list[str]:
    if not isinstance(value, list) or not value or (count is not None and len(value) != count):
        size = f"{count} " if count is not None else ""
        raise SpecError(f"{where} must be a list of {size}{what} (strings), got {describe(value)}")
    for i, name in enumerate(value):
        if not isinstance(name, str) or not name.strip():
            raise SpecError(f"{where}[{i}] must be a non-empty string, got {describe(name)}")
        if name in value[:i]:
            raise SpecError(f"{where}[{i}]: {name!r} is listed twice")
    return list(value)


def points_options(r: ConfigReader) -> dict[str, Any]:
    """The keys of a points source, checked and normalised (X rows of floats, y class indices or floats)."""
    X = r.raw("X")
    where_x = r.where("X")
    if not isinstance(X, list) or not X:
        raise SpecError(f"{where_x} must be a non-empty list of rows like [[0.5, -1.2], ...], got {describe(X)}")
    if len(X) > MAX_POINTS:
        raise SpecError(f"{where_x} holds {len(X):,} rows; a project keeps at most {MAX_POINTS:,} inline "
                        f"(save larger data as a CSV file)")
    first = X[0]
    width = len(first) if isinstance(first, list) else 0
    if not 1 <= width <= MAX_COLUMNS:
        raise SpecError(f"{where_x}[0] must be a list of 1 to {MAX_COLUMNS} numbers, got {describe(first)}")
    rows: list[list[float]] = []
    for i, row in enumerate(X):
        if not isinstance(row, list) or len(row) != width:
            raise SpecError(f"{where_x}[{i}] must be a list of {width} numbers like row 0, got {describe(row)}")
        rows.append([_number(v, f"{where_x}[{i}][{j}]") for j, v in enumerate(row)])
    classes = r.raw("classes", None)
    if classes is not None:
        classes = _names(classes, r.where("classes"), None, "class names")
        if len(classes) < 2:
            raise SpecError(f"{r.where('classes')} must name at least two classes, got {describe(classes)}")
    y = r.raw("y")
    where_y = r.where("y")
    if not isinstance(y, list) or len(y) != len(rows):
        got = describe(y) if not isinstance(y, list) else f"{len(y)} values"
        plural = "s" if len(rows) != 1 else ""
        raise SpecError(f"{where_y} must be a list of {len(rows)} target{plural} (one per row of {where_x}), got {got}")
    if classes is not None:
        targets: list = []
        for i, value in enumerate(y):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    (isinstance(value, float) and not value.is_integer()) or not 0 <= value < len(classes):
                raise SpecError(f"{where_y}[{i}] must be a class index in [0, {len(classes)}), got {describe(value)}")
            targets.append(int(value))
    else:
        targets = [_number(v, f"{where_y}[{i}]") for i, v in enumerate(y)]
    default_features = [f"x{j + 1}" for j in range(width)]
    features = _names(r.raw("feature_names", default_features), r.where("feature_names"), width, "feature names")
    target = r.str("target", "label" if classes is not None else "y")
    if not target.strip():
        raise SpecError(f"{r.where('target')} must be a non-empty string")
    out: dict[str, Any] = {"name": r.str("name", DEFAULT_NAME), "X": rows, "y": targets}
    if classes is not None:
        out["classes"] = classes
    out["feature_names"] = features
    out["target"] = target
    return out


def load_points(spec: dict[str, Any]) -> Dataset:
    """The Dataset of a validated points spec: classification when it names classes, else 1-output regression."""
    X = np.asarray(spec["X"], dtype=np.float64)
    classes = spec.get("classes")
    if classes is not None:
        y = np.asarray(spec["y"], dtype=np.int64)
        task = "binary" if len(classes) == 2 else "multiclass"
        class_names = tuple(classes)
    else:
        y = np.asarray(spec["y"], dtype=np.float64).reshape(-1, 1)
        task, class_names = "regression", None
    return Dataset(spec["name"], X, y, task, tuple(spec["feature_names"]), class_names, (spec["target"],))


def points_spec(X: np.ndarray, y: np.ndarray, classes: tuple[str, ...] | None, feature_names: tuple[str, ...],
                target: str, name: str = DEFAULT_NAME) -> dict[str, Any]:
    """The keys of a points source holding these rows (y: class indices with `classes`, else one target each), as
    plain JSON values; the caller adds the common keys (seed, split, scaling, features)."""
    X = np.asarray(X, dtype=np.float64)
    out: dict[str, Any] = {"source": "points", "name": name, "X": [[float(v) for v in row] for row in X.tolist()]}
    if classes is not None:
        out["y"] = [int(v) for v in np.asarray(y).reshape(-1).tolist()]
        out["classes"] = list(classes)
    else:
        out["y"] = [float(v) for v in np.asarray(y, dtype=np.float64).reshape(-1).tolist()]
    out["feature_names"] = list(feature_names)
    out["target"] = target
    return out


COMMON_KEYS = ("seed", "features", "scaling", "split")


def edit_points(spec: dict[str, Any], dataset: Dataset | None, add_X: Any = (), add_y: Any = (),
                remove: Any = ()) -> dict[str, Any]:
    """The data section after drawing: rows `remove` (indices into the current rows) deleted, then rows `add_X`
    with targets `add_y` appended. A spec of another source first becomes a points source holding every row of its
    `dataset` (what the user was looking at), with the same seed, split, scaling and feature crosses."""
    if spec.get("source") == "points":
        out = {k: (list(v) if isinstance(v, list) else v) for k, v in spec.items()}
    else:
        if dataset is None:
            raise ValueError("drawing on data that is not loaded yet")
        name = getattr(dataset, "name", "") or DEFAULT_NAME
        out = points_spec(dataset.X, dataset.y, dataset.class_names if dataset.task in ("binary", "multiclass")
                          else None, dataset.feature_names, dataset.target_names[0], f"{name} + drawn")
        out.update({k: spec[k] for k in COMMON_KEYS if k in spec})
    gone = {int(i) for i in np.asarray(remove, dtype=np.int64).reshape(-1)}
    if gone:
        out["X"] = [row for i, row in enumerate(out["X"]) if i not in gone]
        out["y"] = [value for i, value in enumerate(out["y"]) if i not in gone]
    classification = out.get("classes") is not None
    for row, value in zip(np.asarray(add_X, dtype=np.float64).reshape(-1, len(out["feature_names"])).tolist(),
                          np.asarray(add_y).reshape(-1).tolist()):
        out["X"].append([float(v) for v in row])
        out["y"].append(int(value) if classification else float(value))
    return out
