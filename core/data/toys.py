"""Toy datasets beyond the playground's six, drawn in the same [-6, 6] square so the same plots fit them all.

Each returns (X, t): X (n, d) float64 and t either class indices (n,) int64 or regression targets (n, k).
"""
from __future__ import annotations

import numpy as np

from .playground import shuffle_rows, uniform, spiral_arms


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two moons (upper arc class 0, lower arc class 1), centred and scaled by 3.

    Unscaled, class 0 lies on the unit circle's upper half and class 1 on the lower half of the unit circle
    centred at (1, 0.5); `noise` is the Gaussian standard deviation in those units (as in `make_moons`).
    """
    n0 = n // 2
    n1 = n - n0
    t0 = uniform(rng, 0, np.pi, n0)
    t1 = uniform(rng, 0, np.pi, n1)
    X = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])
    X += noise * rng.standard_normal((n, 2))
    X = (X - [0.5, 0.25]) * 3
    return shuffle_rows(rng, X, np.repeat([0, 1], [n0, n1]))


def blobs(n: int, noise: float, rng: np.random.Generator, classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """`classes` round Gaussian blobs centred on a circle of radius 4; standard deviation 0.5 + 3 * noise."""
    sizes = np.full(classes, n // classes)
    sizes[: n % classes] += 1
    label = np.repeat(np.arange(classes), sizes)
    angle = np.pi / 2 + 2 * np.pi * label / classes
    centers = 4 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centers + (0.5 + 3 * noise) * rng.standard_normal((n, 2))
    return shuffle_rows(rng, X, label)


def spirals(n: int, noise: float, rng: np.random.Generator, arms: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """`arms` playground spiral arms (class k = arm k, turned by 2 pi k / arms), jitter noise * U(-1, 1)."""
    X, arm = spiral_arms(n, noise, rng, arms)
    return shuffle_rows(rng, X, arm)


def checkerboard(n: int, noise: float, rng: np.random.Generator, cells: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """U(-6, 6) points on a `cells` x `cells` board; the class is the colour of the noise-shifted point's cell.

    As for the playground's circle and XOR, the shift is noise * U(-6, 6) per coordinate: noise flips labels near
    cell borders without moving points.
    """
    X = uniform(rng, -6, 6, (n, 2))
    shifted = X + uniform(rng, -6, 6, (n, 2)) * noise
    cell = np.floor((shifted + 6) / (12 / cells)).astype(np.int64)
    return shuffle_rows(rng, X, (cell.sum(axis=1) % 2).astype(np.int64))


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """1-D regression: x ~ U(-6, 6), y = sin(x) + N(0, noise^2)."""
    x = uniform(rng, -6, 6, n)
    y = np.sin(x) + noise * rng.standard_normal(n)
    return x[:, None], y[:, None]


def reg_multi(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two outputs from U(-6, 6)^2: "wave" = sin(x1/2) cos(x2/2) and "bowl" = (x1^2 + x2^2) / 36 - 1, each
    plus N(0, noise^2)."""
    X = uniform(rng, -6, 6, (n, 2))
    Y = np.column_stack([np.sin(X[:, 0] / 2) * np.cos(X[:, 1] / 2), (X ** 2).sum(axis=1) / 36 - 1])
    Y += noise * rng.standard_normal((n, 2))
    return X, Y
