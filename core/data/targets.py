"""Turning target columns read from a file into the `Dataset` target layout, and inferring the task.

Rules (docs/data.md, "Task inference"), shared by CSV and NPZ so the same numbers mean the same task everywhere:
- one text column: classification, classes sorted by name;
- one numeric column: classification if it holds whole numbers with at most AUTO_MAX_CLASSES distinct values
  (or integer-typed labels in an NPZ), else regression;
- several numeric columns of 0/1: multiclass if every row has exactly one 1 (one-hot), else multilabel;
  any other several columns: regression.
`task` = "classification" or "regression" overrides the guess (and is checked).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError

AUTO_MAX_CLASSES = 20
MAX_CLASSES = 1000
TASK_CHOICES = ("auto", "classification", "regression")


@dataclass(frozen=True)
class Targets:
    y: np.ndarray
    task: str
    class_names: tuple[str, ...] | None
    target_names: tuple[str, ...]


def format_number(value: float) -> str:
    """A class name for a numeric label: 3.0 -> "3", 0.5 -> "0.5"."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _classification(codes: np.ndarray, names: tuple[str, ...], target: str) -> Targets:
    k = len(names)
    return Targets(codes.astype(np.int64), "binary" if k == 2 else "multiclass", names, (target,))


def _check_class_count(n_classes: int, target: str, where: str, only: str = "") -> None:
    if n_classes < 2:
        raise DataError(f"{where}: target {target!r} has a single class{only}; classification needs at least two")
    if n_classes > MAX_CLASSES:
        raise DataError(f"{where}: target {target!r} has {n_classes} classes, more than the {MAX_CLASSES} supported;"
                        f" is it a regression target? set \"task\": \"regression\"")


def text_targets(codes: np.ndarray, categories: tuple[str, ...], target: str, task: str, where: str) -> Targets:
    """A text column (integer codes into sorted `categories`) as class labels."""
    if task == "regression":
        raise DataError(f"{where}: target {target!r} holds text (e.g. {categories[0]!r}); regression needs numbers")
    present = np.unique(codes)
    names = tuple(categories[int(i)] for i in present)
    _check_class_count(len(names), target, where, f" ({names[0]!r})" if names else "")
    return _classification(np.searchsorted(present, codes), names, target)


def numeric_targets(Y: np.ndarray, names: tuple[str, ...], task: str, where: str,
                    integer_labels: bool = False) -> Targets:
    """Numeric target columns Y (n, k) float64 -> targets and task; `integer_labels` marks integer-typed storage."""
    k = Y.shape[1]
    if k == 1:
        return _single_numeric(Y[:, 0], names[0], task, where, integer_labels)
    binary = bool(np.all((Y == 0) | (Y == 1)))
    if task == "regression" or (task == "auto" and not binary):
        _check_not_constant(Y, names, where)
        return Targets(Y.astype(np.float64), "regression", None, names)
    if not binary:
        bad = names[int(np.argmax(~np.all((Y == 0) | (Y == 1), axis=0)))]
        raise DataError(f"{where}: several target columns are classification only as 0/1 labels, but {bad!r} holds"
                        f" other values; use \"task\": \"regression\" or a single class column")
    if np.all(Y.sum(axis=1) == 1):
        # One-hot: each column is a class (even one without rows, so later one-hot labels map the same way).
        codes = np.argmax(Y, axis=1)
        if len(np.unique(codes)) < 2:
            raise DataError(f"{where}: the one-hot target columns hold a single class ({names[int(codes[0])]!r});"
                            f" classification needs at least two")
        return _classification(codes, names, "class")
    _check_not_constant(Y, names, where)
    return Targets(Y.astype(np.float64), "multilabel", names, names)


def _single_numeric(values: np.ndarray, target: str, task: str, where: str, integer_labels: bool) -> Targets:
    uniq = np.unique(values)
    if task == "auto":
        whole = bool(np.all(uniq == np.round(uniq)))
        few = len(uniq) <= AUTO_MAX_CLASSES and len(uniq) * 2 <= len(values)
        # Integer-typed labels are classes however many there are: more than MAX_CLASSES is an error saying so,
        # never a silent switch to regression.
        task = "classification" if (integer_labels and whole) or (whole and few) else "regression"
    if task == "regression":
        _check_not_constant(values[:, None], (target,), where)
        return Targets(values[:, None].astype(np.float64), "regression", None, (target,))
    _check_class_count(len(uniq), target, where, f" ({format_number(uniq[0])})" if len(uniq) else "")
    return _classification(np.searchsorted(uniq, values), tuple(format_number(u) for u in uniq), target)


def _check_not_constant(Y: np.ndarray, names: tuple[str, ...], where: str) -> None:
    constant = np.all(Y == Y[:1], axis=0)
    if np.any(constant):
        j = int(np.argmax(constant))
        raise DataError(f"{where}: target {names[j]!r} has the same value {format_number(Y[0, j])} in every row;"
                        f" there is nothing to learn")


def apply_class_mapping(values: np.ndarray, result: Targets, where: str) -> np.ndarray:
    """Map a further set of labels (an NPZ's y_val) onto the classes found in the training labels."""
    if result.task == "regression" or result.task == "multilabel":
        return values
    if values.ndim == 2:  # one-hot
        if values.shape[1] != len(result.class_names) or not np.all(values.sum(axis=1) == 1):
            raise DataError(f"{where}: one-hot labels do not match the {len(result.class_names)} training classes")
        return np.argmax(values, axis=1).astype(np.int64)
    lookup = {name: i for i, name in enumerate(result.class_names)}
    codes = np.empty(len(values), dtype=np.int64)
    for value in np.unique(values):
        name = format_number(value)
        if name not in lookup:
            raise DataError(f"{where}: label {name} does not occur in the training labels "
                            f"({', '.join(result.class_names)})")
        codes[values == value] = lookup[name]
    return codes
