"""Hinge losses for scores around -1 and +1: binary hinge and Keras' categorical hinge."""
from __future__ import annotations

import numpy as np

from ..errors import TrainingError
from .base import LOSSES, Loss, scale_gradient, target_matrix, weighted_mean
from .crossentropy import CategoricalCrossEntropy


@LOSSES.register("hinge")
class Hinge(Loss):
    """mean(max(0, 1 - t y)) with targets in {-1, +1}; 0/1 targets are mapped to -1/+1 as Keras does."""

    name = "hinge"
    tasks = ("binary", "multilabel")

    def prepare_targets(self, y, n_outputs, dtype):
        t = target_matrix(y, n_outputs, dtype, self.name)
        values = np.unique(t)
        if not (np.all(np.isin(values, (0, 1))) or np.all(np.isin(values, (-1, 1)))):
            raise TrainingError("loss 'hinge' needs targets in {0, 1} or {-1, +1}")
        if np.all(np.isin(values, (0, 1))):
            t = (2 * t - 1).astype(dtype)
        return t

    def per_sample(self, output, target):
        return np.mean(np.maximum(0, 1 - target * output), axis=1)

    def value_and_grad(self, output, target, weights=None):
        margin = 1 - target * output
        value = weighted_mean(np.mean(np.maximum(0, margin), axis=1), weights)
        grad = -target * (margin > 0)
        return value, scale_gradient(grad, weights, output.shape[1])


@LOSSES.register("categorical_hinge")
class CategoricalHinge(Loss):
    """max(0, 1 + max_{j != true} y_j - y_true) per sample (Keras' categorical_hinge), for one-hot targets."""

    name = "categorical_hinge"
    tasks = ("multiclass",)

    def prepare_targets(self, y, n_outputs, dtype):
        return CategoricalCrossEntropy().prepare_targets(y, n_outputs, dtype)

    def _parts(self, output, target):
        pos = np.sum(target * output, axis=1)
        masked = np.where(target > 0, -np.inf, output)
        neg = np.max(masked, axis=1)
        return pos, neg, masked

    def per_sample(self, output, target):
        pos, neg, _ = self._parts(output, target)
        return np.maximum(0, 1 + neg - pos)

    def value_and_grad(self, output, target, weights=None):
        pos, neg, masked = self._parts(output, target)
        margin = 1 + neg - pos
        value = weighted_mean(np.maximum(0, margin), weights)
        active = (margin > 0).astype(output.dtype)[:, None]
        grad = np.zeros_like(output)
        grad[np.arange(output.shape[0]), np.argmax(masked, axis=1)] = 1
        grad -= target
        grad *= active
        return value, scale_gradient(grad, weights, 1)
