"""Cross-entropies: binary (with sigmoid) and categorical (with softmax, label smoothing and class weights), each
computed from the logits when fused with its output activation."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..activations import log_softmax
from ..config import check_float
from ..errors import SpecError, TrainingError
from .base import EPSILON, LOSSES, Loss, scale_gradient, target_matrix, weighted_mean



@LOSSES.register("binary_crossentropy", "bce", "binary_cross_entropy", "log_loss", "logistic")
class BinaryCrossEntropy(Loss):
    """-[t log p + (1 - t) log(1 - p)] per output; from logits when the output layer is a sigmoid.

    `label_smoothing` eps is Keras' `BinaryCrossentropy(label_smoothing=eps)`: targets become t (1 - eps) + eps / 2
    (towards 0.5) before the loss, for training and validation alike.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"
    tasks = ("binary", "multilabel")

    def __init__(self, label_smoothing: float = 0.0):
        self.label_smoothing = check_float(label_smoothing, "training.loss.label_smoothing", 0.0, 1.0)

    def prepare_targets(self, y, n_outputs, dtype):
        t = target_matrix(y, n_outputs, dtype, self.name)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise TrainingError(
                f"loss 'binary_crossentropy' needs targets in [0, 1], got values from {t.min():g} to {t.max():g}"
            )
        return t

    def _smoothed(self, target):
        eps = self.label_smoothing
        return target if not eps else target * (1.0 - eps) + 0.5 * eps

    def per_sample(self, output, target):
        target = self._smoothed(target)
        p = np.clip(output, EPSILON, 1 - EPSILON)
        return -np.mean(target * np.log(p) + (1 - target) * np.log1p(-p), axis=1)

    def value_and_grad(self, output, target, weights=None):
        target = self._smoothed(target)
        p = np.clip(output, EPSILON, 1 - EPSILON)
        value = weighted_mean(-np.mean(target * np.log(p) + (1 - target) * np.log1p(-p), axis=1), weights)
        inside = (output > EPSILON) & (output < 1 - EPSILON)
        grad = (p - target) / (p * (1 - p)) * inside
        return value, scale_gradient(grad, weights, output.shape[1])

    def per_sample_logits(self, logits, target):
        target = self._smoothed(target)
        # max(z, 0) - z t + log(1 + exp(-|z|)): the log-sum-exp form of BCE, finite for any z.
        return np.mean(np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits))), axis=1)

    def value_and_grad_logits(self, logits, target, weights=None):
        target = self._smoothed(target)
        # e = exp(-|z|) serves both the loss terms and the sigmoid: sigmoid(z) = exp(min(z, 0)) / (1 + e).
        e = np.abs(logits)
        np.negative(e, out=e)
        np.exp(e, out=e)
        terms = np.maximum(logits, 0.0)
        terms -= logits * target
        terms += np.log1p(e)
        if weights is None:
            value = float(np.add.reduce(terms, axis=None)) / logits.size
        else:
            value = weighted_mean(np.add.reduce(terms, axis=1) / logits.shape[1], weights)
        grad = np.minimum(logits, 0.0)
        np.exp(grad, out=grad)
        e += 1.0
        grad /= e
        grad -= target
        return value, scale_gradient(grad, weights, logits.shape[1])

    def get_config(self):
        config = {"name": self.name}
        if self.label_smoothing:
            config["label_smoothing"] = self.label_smoothing
        return config


@LOSSES.register("categorical_crossentropy", "cce", "crossentropy", "cross_entropy", "softmax_cross_entropy",
                 "sparse_categorical_crossentropy", "nll")
class CategoricalCrossEntropy(Loss):
    """PyTorch's CrossEntropyLoss(weight, label_smoothing) with mean reduction; integer or one-hot targets t.

    With t' = (1 - eps) t + eps / C and class weights w (1 when not given), sample i contributes
    N_i = -sum_c w_c t'_ic log p_ic (PyTorch's reduction='none') and D_i = sum_c w_c t_ic (= w[y_i]); the loss is
    sum u_i N_i / sum D_i (sum N_i / n without `weight`) with per-sample weights u_i (1 when not given: Keras'
    class_weight, which scales a sample's loss and is not renormalised away). So smoothing spreads over the
    classes with *their* weights, not the sample's.
    (For soft target rows PyTorch divides by the batch size instead of sum w[y_i]; here rows are normalised alike.)
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"
    tasks = ("multiclass",)

    def __init__(self, label_smoothing: float = 0.0, weight: Sequence[float] = ()):
        self.label_smoothing = check_float(label_smoothing, "training.loss.label_smoothing", 0.0, 1.0)
        if weight is None:
            weight = ()
        if isinstance(weight, (str, bytes)) or not hasattr(weight, "__len__"):
            raise SpecError(f"training.loss.weight must be a list with one weight per class, got {weight!r}")
        self.weight = tuple(check_float(v, f"training.loss.weight[{i}]", minimum=0.0) for i, v in enumerate(weight))
        self._weights: dict[np.dtype, np.ndarray] = {}

    def _class_weight(self, dtype) -> np.ndarray | None:
        if not self.weight:
            return None
        w = self._weights.get(np.dtype(dtype))
        if w is None:
            w = self._weights[np.dtype(dtype)] = np.asarray(self.weight, dtype=dtype)
        return w

    def prepare_targets(self, y, n_outputs, dtype):
        """One-hot (or given probability) rows; label smoothing and class weights are applied by the loss."""
        if self.weight and len(self.weight) != n_outputs:
            raise TrainingError(f"loss 'categorical_crossentropy': weight has {len(self.weight)} entries but the "
                                f"output layer has {n_outputs} units (one weight per class)")
        y = np.asarray(y)
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1):
            labels = y.reshape(-1)
            if labels.size and (not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0
                                or labels.max() >= n_outputs):
                raise TrainingError(
                    f"loss 'categorical_crossentropy': class labels must be integers in [0, {n_outputs}), got "
                    f"values from {labels.min():g} to {labels.max():g}"
                )
            t = np.zeros((labels.size, n_outputs), dtype=dtype)
            t[np.arange(labels.size), labels.astype(np.int64)] = 1
        else:
            t = target_matrix(y, n_outputs, dtype, self.name)
            if t.size and not np.allclose(t.sum(axis=1), 1.0, atol=1e-4):
                raise TrainingError("loss 'categorical_crossentropy': one-hot target rows must sum to 1")
        return t

    def _terms(self, target):
        """q = w t' (what multiplies -log p), and D = t w (each sample's share of the denominator; None: all 1)."""
        eps = self.label_smoothing
        q = target
        if eps:
            q = target * (1.0 - eps)
            q += eps / target.shape[1]
        w = self._class_weight(target.dtype)
        if w is None:
            return q, None
        return q * w, target @ w

    @staticmethod
    def _mean(numerators, denominators, weights) -> float:
        """sum u N / sum D (n without class weights)."""
        top = float(np.sum(numerators)) if weights is None else float(np.dot(numerators, weights))
        return top / (numerators.shape[0] if denominators is None else float(np.sum(denominators)))

    @staticmethod
    def _row_scale(denominators, weights, n: int, dtype) -> np.ndarray | float:
        """u_i / sum D: what each sample's gradient row is multiplied by."""
        bottom = n if denominators is None else float(np.sum(denominators))
        if weights is None:
            return 1.0 / bottom
        return (weights / bottom).astype(dtype, copy=False)[:, None]

    def per_sample(self, output, target):
        q, _ = self._terms(target)
        return -np.sum(q * np.log(np.clip(output, EPSILON, 1 - EPSILON)), axis=1)

    def value(self, output, target, weights=None):
        q, d = self._terms(target)
        return self._mean(-np.sum(q * np.log(np.clip(output, EPSILON, 1 - EPSILON)), axis=1), d, weights)

    def value_and_grad(self, output, target, weights=None):
        q, d = self._terms(target)
        p = np.clip(output, EPSILON, 1 - EPSILON)
        value = self._mean(-np.sum(q * np.log(p), axis=1), d, weights)
        inside = (output > EPSILON) & (output < 1 - EPSILON)
        grad = -q / p * inside
        grad *= self._row_scale(d, weights, output.shape[0], grad.dtype)
        return value, grad

    def per_sample_logits(self, logits, target):
        q, _ = self._terms(target)
        return -np.sum(q * log_softmax(logits), axis=1)

    def value_and_grad_logits(self, logits, target, weights=None):
        q, d = self._terms(target)
        shifted = np.subtract(logits, np.maximum.reduce(logits, axis=1, keepdims=True))
        exp = np.exp(shifted)
        sums = np.add.reduce(exp, axis=1, keepdims=True)
        exp /= sums
        if d is None and weights is None:
            # Rows of q sum to 1, so -sum q (s - log S) = sum log S - sum q s, and dL/dz = (p - q) / n.
            value = (float(np.add.reduce(np.log(sums), axis=None)) - float(np.vdot(q, shifted))) / logits.shape[0]
            exp -= q
            exp *= 1.0 / logits.shape[0]
            return value, exp
        # N_i = Q_i log S_i - sum_c q_ic s_ic with Q_i = sum_c q_ic; dN_i/dz_ic = Q_i p_ic - q_ic.
        total = np.add.reduce(q, axis=1, keepdims=True)
        numerators = total[:, 0] * np.log(sums[:, 0]) - np.add.reduce(q * shifted, axis=1)
        value = self._mean(numerators, d, weights)
        exp *= total
        exp -= q
        exp *= self._row_scale(d, weights, logits.shape[0], exp.dtype)
        return value, exp

    def get_config(self):
        config = {"name": self.name}
        if self.label_smoothing:
            config["label_smoothing"] = self.label_smoothing
        if self.weight:
            config["weight"] = list(self.weight)
        return config
