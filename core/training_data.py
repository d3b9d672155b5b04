"""What a trainer reads from its data (the `TrainerData` protocol), plain arrays that provide it, the trainer's
seeded generators, and per-sample loss weights.

Two types provide `TrainerData`: `core.data.PreparedData` (a dataset loaded, split and scaled from a project's
data spec, with its preprocessing) and `TrainingData` below (arrays given directly, for scripts, tests and
benchmarks). The trainer reads nothing else from either.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import TrainingError
from .losses import sample_weights_from_classes


@runtime_checkable
class SplitArrays(Protocol):
    """One split: inputs X (n, d) and targets y in core.data's layout for the task (class indices (n,) for
    binary and multiclass, (n, k) floats for multilabel and regression)."""

    @property
    def X(self) -> np.ndarray: ...

    @property
    def y(self) -> np.ndarray: ...


@runtime_checkable
class TrainerData(Protocol):
    """What `Trainer` reads from its data: the splits, the task and the number of classes."""

    @property
    def train(self) -> SplitArrays: ...

    @property
    def val(self) -> SplitArrays | None: ...

    @property
    def test(self) -> SplitArrays | None: ...

    @property
    def task(self) -> str: ...          # one of core.tasks.TASKS

    @property
    def n_classes(self) -> int: ...     # K for binary/multiclass, k labels for multilabel, 0 for regression


@dataclass(frozen=True)
class ArraySplit:
    X: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class TrainingData:
    """`TrainerData` from arrays at hand (core.data.PreparedData is the other provider)."""

    train: ArraySplit
    val: ArraySplit | None
    test: ArraySplit | None
    task: str            # "binary" | "multiclass" | "multilabel" | "regression"
    n_classes: int = 0

    @classmethod
    def from_arrays(cls, X, y, X_val=None, y_val=None, task="regression", n_classes=0, X_test=None, y_test=None):
        val = ArraySplit(np.asarray(X_val), np.asarray(y_val)) if X_val is not None else None
        test = ArraySplit(np.asarray(X_test), np.asarray(y_test)) if X_test is not None else None
        return cls(ArraySplit(np.asarray(X), np.asarray(y)), val, test, task, n_classes)


def has_validation(data: TrainerData) -> bool:
    """Whether `data` holds validation rows: then val_ metrics are logged."""
    return data.val is not None and len(data.val.y) > 0


def seed_generators(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Independent generators for initialisation, shuffling and training noise, all from one seed."""
    init, shuffle, noise = np.random.SeedSequence(seed).spawn(3)
    return np.random.default_rng(init), np.random.default_rng(shuffle), np.random.default_rng(noise)


def sample_weights(class_weight: Any, data: TrainerData, task: str, n_classes: int, sample_weight: Any, n_rows: int,
                   dtype: Any) -> np.ndarray | None:
    """Per-sample loss weights from `training.class_weight` ("balanced", a list or a dict) and/or explicit sample
    weights; None when nothing is weighted."""
    weights = None
    if class_weight is not None:
        if task not in ("binary", "multiclass"):
            raise TrainingError("training.class_weight needs a binary or multi-class task")
        labels = np.asarray(data.train.y).reshape(-1).astype(np.int64)
        if class_weight == "balanced":
            # Keras/scikit-learn's "balanced": n / (classes present * count of the class).
            counts = np.bincount(labels, minlength=max(n_classes, 2)).astype(np.float64)
            table = np.where(counts > 0, labels.size / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
            weights = table[labels]
        else:
            if isinstance(class_weight, dict):
                class_weight = {int(k): v for k, v in class_weight.items()}
            weights = sample_weights_from_classes(labels, class_weight, max(n_classes, 2))
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if sample_weight.shape[0] != n_rows or np.any(sample_weight < 0):
            raise TrainingError("sample weights need one non-negative value per training row")
        weights = sample_weight if weights is None else weights * sample_weight
    if weights is not None and not np.any(weights > 0):
        raise TrainingError("all sample weights are zero")
    return None if weights is None else weights.astype(dtype)
