"""Seeded train/validation/test splits, stratified by class when labels are given (k-fold splits are
scikit-learn's, in core/cross_validation/folds.py).

Stratified means each split holds the classes in (as nearly as integers allow) the proportions of the whole:
split sizes are apportioned to classes by the largest-remainder method, then rows are drawn at random within
each class.
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError


def split_size(fraction: float, n: int) -> int:
    """Rows for a split of `fraction` of n: rounded, and at least 1 when the fraction is positive."""
    if fraction <= 0:
        return 0
    return max(1, int(round(fraction * n)))


def _apportion(total: int, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Integers summing to `total`, proportional to `counts` (largest remainder; ties broken at random)."""
    quotas = total * counts / counts.sum()
    base = np.floor(quotas).astype(np.int64)
    remainder = total - int(base.sum())
    if remainder:
        order = np.lexsort((rng.permutation(len(counts)), -(quotas - base)))
        base[order[:remainder]] += 1
    return base


def _take(pool: np.ndarray, size: int, labels: np.ndarray | None, rng: np.random.Generator) \
        -> tuple[np.ndarray, np.ndarray]:
    """Draw `size` rows of `pool` (stratified by `labels[pool]` if given); returns (taken, rest)."""
    if size == 0:
        return pool[:0], pool
    if labels is None:
        chosen = rng.permutation(len(pool))[:size]
    else:
        classes, inverse = np.unique(labels[pool], return_inverse=True)
        per_class = _apportion(size, np.bincount(inverse, minlength=len(classes)), rng)
        chosen = np.concatenate([rng.permutation(np.flatnonzero(inverse == c))[:k] for c, k in enumerate(per_class)])
    mask = np.zeros(len(pool), dtype=bool)
    mask[chosen] = True
    return pool[mask], pool[~mask]


def split_rows(n: int, val: float, test: float, rng: np.random.Generator, labels: np.ndarray | None = None) \
        -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train, val, test) sorted int64 row indices of n rows; stratified when class `labels` (n,) are given."""
    n_test, n_val = split_size(test, n), split_size(val, n)
    if n_test + n_val >= n:
        raise DataError(f"data.split: validation {val:g} and test {test:g} of {n} rows take {n_val} + {n_test} rows, "
                        f"leaving none to train; lower the fractions or use more data")
    rows = np.arange(n, dtype=np.int64)
    test_rows, rows = _take(rows, n_test, labels, rng)
    val_rows, train_rows = _take(rows, n_val, labels, rng)
    return train_rows, val_rows, test_rows
