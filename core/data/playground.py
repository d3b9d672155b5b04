"""The six datasets of TensorFlow Playground, with the formulas of its `src/dataset.ts`, vectorised.

`noise` is the playground's value divided by 100 (its slider shows 0..50, the generators receive 0..0.5).
Classification generators return labels -1/+1 as the playground does; `to_classes` maps them to class indices
0/1 (class 0 = "-1", drawn orange in the playground; class 1 = "+1", blue). Every generator returns exactly `n`
points: where the playground makes ceil(n/2) points per class for odd n, the second class gets floor(n/2).
Points are shuffled at the end, as the playground shuffles before splitting.
"""
from __future__ import annotations

import numpy as np

CLASS_NAMES = ("-1", "+1")


def _halves(n: int) -> tuple[int, int]:
    first = (n + 1) // 2
    return first, n - first


def uniform(rng: np.random.Generator, a: float, b: float, size) -> np.ndarray:
    """randUniform(a, b) = Math.random() * (b - a) + a."""
    return rng.random(size) * (b - a) + a


def shuffle_rows(rng: np.random.Generator, X: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(X))
    return X[order], t[order]


def to_classes(labels: np.ndarray) -> np.ndarray:
    """Playground labels -1/+1 -> class indices 0/1."""
    return (labels > 0).astype(np.int64)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inside r < 2.5 is +1; points are drawn at r in [0, 2.5] (+1 half) and [3.5, 5] (-1 half).

    The label is that of the point shifted by noise * U(-5, 5) per coordinate, so noise flips labels near the
    gap without moving the points.
    """
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([uniform(rng, 0, radius * 0.5, n_in), uniform(rng, radius * 0.7, radius, n_out)])
    angle = uniform(rng, 0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shift = uniform(rng, -radius, radius, (n, 2)) * noise
    label = np.where(np.hypot(*(X + shift).T) < radius * 0.5, 1.0, -1.0)
    return shuffle_rows(rng, X, label)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """U(-5, 5) per coordinate pushed 0.3 away from the axes; +1 where x*y >= 0 for the noise-shifted point."""
    X = uniform(rng, -5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    shift = uniform(rng, -5, 5, (n, 2)) * noise
    moved = X + shift
    label = np.where(moved[:, 0] * moved[:, 1] >= 0, 1.0, -1.0)
    return shuffle_rows(rng, X, label)


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussians at (2, 2) (+1) and (-2, -2) (-1); noise 0..0.5 maps linearly to variance 0.5..4."""
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    n_pos, n_neg = _halves(n)
    centers = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_pos, n_neg], axis=0)
    X = centers + np.sqrt(variance) * rng.standard_normal((n, 2))
    label = np.repeat([1.0, -1.0], [n_pos, n_neg])
    return shuffle_rows(rng, X, label)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms r = 5 i/m, t = 1.75 * 2 pi i/m + delta (m = n/2; delta 0 for +1, pi for -1), jitter noise*U(-1,1)."""
    X, arm = spiral_arms(n, noise, rng, arms=2, half=n / 2)
    return shuffle_rows(rng, X, np.where(arm == 0, 1.0, -1.0))


def spiral_arms(n: int, noise: float, rng: np.random.Generator, arms: int,
                half: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`arms` playground spiral arms, arm k turned by 2 pi k / arms; returns points in arm order and arm indices.

    Arm k gets its share of `n` (the first arms one more when `n` does not divide); `half` is the playground's
    per-arm count m in the formulas (n/2 for its two arms), by default each arm's own size.
    """
    sizes = np.full(arms, n // arms)
    sizes[: n % arms] += 1
    arm = np.repeat(np.arange(arms), sizes)
    i = np.concatenate([np.arange(s) for s in sizes]).astype(np.float64)
    m = np.full(n, float(half)) if half is not None else np.repeat(sizes, sizes).astype(np.float64)
    r = i / m * 5
    t = 1.75 * i / m * 2 * np.pi + 2 * np.pi * arm / arms
    jitter = uniform(rng, -1, 1, (n, 2)) * noise
    X = np.column_stack([r * np.sin(t), r * np.cos(t)]) + jitter
    return X, arm


def reg_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Target (x + y) / 10 of the noise-shifted point (shift noise * U(-6, 6)); points U(-6, 6)."""
    X = uniform(rng, -6, 6, (n, 2))
    shift = uniform(rng, -6, 6, (n, 2)) * noise
    target = (X + shift).sum(axis=1) / 10
    return shuffle_rows(rng, X, target)


# (cx, cy, sign) of the playground's six regression bumps.
GAUSSIANS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def reg_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six signed cones max(0, 1 - d/2) around GAUSSIANS; the one largest in absolute value wins (first on ties)."""
    X = uniform(rng, -6, 6, (n, 2))
    shift = uniform(rng, -6, 6, (n, 2)) * noise
    moved = X + shift
    d = np.hypot(moved[:, :1] - GAUSSIANS[:, 0], moved[:, 1:] - GAUSSIANS[:, 1])   # (n, 6)
    values = GAUSSIANS[:, 2] * np.clip(1 - d / 2, 0, 1)
    target = values[np.arange(n), np.argmax(np.abs(values), axis=1)] + 0.0   # + 0.0 turns -0.0 into 0.0
    return shuffle_rows(rng, X, target)
