"""Losses, averaged over the batch as PyTorch does, with their gradients.

Each loss takes the network output and a float target matrix (n, k) prepared once per dataset by
`prepare_targets` (one-hot for categorical cross-entropy). Cross-entropies fuse with their natural output
activation (sigmoid for binary, softmax for categorical): the loss is then computed from the logits, which never
overflows and gives the clean gradient (p - t) / n.

Weighting (the course notes' "strengthening factor"): with per-sample weights s_i the loss is
sum(s_i * L_i) / sum(s_i), where L_i is sample i's loss (mean over its outputs for elementwise losses). Class
weights folded into s_i = w[y_i] reproduce PyTorch's `CrossEntropyLoss(weight=w)` only without label smoothing;
categorical cross-entropy's own `weight` argument is PyTorch's formula with smoothing too (see its docstring).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import log_softmax, sigmoid, softmax
from .config import check_float
from .errors import SpecError, TrainingError
from .registry import Registry

LOSSES = Registry("loss")

# Probabilities are clipped to [EPSILON, 1 - EPSILON] when a cross-entropy is not fused with its activation (Keras).
EPSILON = 1e-7


class Loss:
    name = ""
    # Output activation this loss fuses with; None if it works on raw outputs.
    fused_activation: str | None = None
    # Task kinds this loss is meant for (used to advise the user, not enforced here).
    tasks: tuple[str, ...] = ()

    def prepare_targets(self, y: np.ndarray, n_outputs: int, dtype) -> np.ndarray:
        """Dataset targets -> the (n, k) float matrix this loss consumes; TrainingError if they do not fit."""
        return _as_matrix(y, n_outputs, dtype, self.name)

    def per_sample(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Loss of each sample (n,), from the post-activation output."""
        raise NotImplementedError

    def value_and_grad(self, output, target, weights=None) -> tuple[float, np.ndarray]:
        """Batch loss and its gradient with respect to the (post-activation) output."""
        raise NotImplementedError

    def value_and_grad_logits(self, logits, target, weights=None) -> tuple[float, np.ndarray]:
        """Batch loss and its gradient with respect to the logits; only for losses with a fused activation."""
        raise NotImplementedError(f"loss {self.name!r} has no fused activation")

    def value(self, output: np.ndarray, target: np.ndarray, weights=None) -> float:
        return _reduce(self.per_sample(output, target), weights)

    def get_config(self) -> dict:
        return {"name": self.name}


def _as_matrix(y: np.ndarray, n_outputs: int, dtype, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise TrainingError(
            f"loss {name!r}: targets have {y.shape[1] if y.ndim == 2 else y.shape} columns but the output layer "
            f"has {n_outputs} units"
        )
    return np.ascontiguousarray(y, dtype=dtype)


def _reduce(per_sample: np.ndarray, weights: np.ndarray | None) -> float:
    if weights is None:
        return float(np.mean(per_sample))
    return float(np.dot(per_sample, weights) / np.sum(weights))


def _scale(grad: np.ndarray, weights: np.ndarray | None, per_sample_divisor: int) -> np.ndarray:
    """Divide an unreduced gradient by n * k (plain mean) or by sum(weights) * k after weighting rows."""
    if weights is None:
        grad *= 1.0 / (grad.shape[0] * per_sample_divisor)
    else:
        grad *= (weights / (np.sum(weights) * per_sample_divisor)).astype(grad.dtype, copy=False)[:, None]
    return grad


@LOSSES.register("mse", "mean_squared_error", "squared_error", "quadratic")
class MeanSquaredError(Loss):
    name = "mse"
    tasks = ("regression",)

    def per_sample(self, output, target):
        diff = output - target
        return np.mean(diff * diff, axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        if weights is None:
            value = float(np.vdot(diff, diff)) / diff.size
        else:
            value = _reduce(np.mean(diff * diff, axis=1), weights)
        diff *= 2.0
        return value, _scale(diff, weights, diff.shape[1])


@LOSSES.register("mae", "mean_absolute_error", "absolute_error", "l1_loss")
class MeanAbsoluteError(Loss):
    name = "mae"
    tasks = ("regression",)

    def per_sample(self, output, target):
        return np.mean(np.abs(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = _reduce(np.mean(np.abs(diff), axis=1), weights)
        return value, _scale(np.sign(diff), weights, diff.shape[1])


@LOSSES.register("huber", "huber_loss")
class Huber(Loss):
    """0.5 d^2 within `delta` of the target, delta (|d| - 0.5 delta) beyond (PyTorch's HuberLoss)."""

    name = "huber"
    tasks = ("regression",)

    def __init__(self, delta: float = 1.0):
        self.delta = check_float(delta, "training.loss.delta", minimum=0.0, exclusive_minimum=True)

    def _elementwise(self, diff):
        absd = np.abs(diff)
        return np.where(absd < self.delta, 0.5 * diff * diff, self.delta * (absd - 0.5 * self.delta))

    def per_sample(self, output, target):
        return np.mean(self._elementwise(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = _reduce(np.mean(self._elementwise(diff), axis=1), weights)
        grad = np.clip(diff, -self.delta, self.delta)
        return value, _scale(grad, weights, diff.shape[1])

    def get_config(self):
        return {"name": self.name, "delta": self.delta}


@LOSSES.register("smooth_l1", "smooth_l1_loss", "smoothl1loss")
class SmoothL1(Loss):
    """PyTorch's SmoothL1Loss: 0.5 d^2 / beta within `beta` of the target, |d| - 0.5 beta beyond; huber(delta=beta)
    / beta, so its linear part has slope 1 whatever beta is (Huber's has slope delta). beta = 0 is the L1 loss."""

    name = "smooth_l1"
    tasks = ("regression",)

    def __init__(self, beta: float = 1.0):
        self.beta = check_float(beta, "training.loss.beta", minimum=0.0)

    def _elementwise(self, diff):
        absd = np.abs(diff)
        if self.beta == 0.0:
            return absd
        return np.where(absd < self.beta, (0.5 / self.beta) * diff * diff, absd - 0.5 * self.beta)

    def per_sample(self, output, target):
        return np.mean(self._elementwise(output - target), axis=1)

    def value_and_grad(self, output, target, weights=None):
        diff = output - target
        value = _reduce(np.mean(self._elementwise(diff), axis=1), weights)
        grad = np.sign(diff) if self.beta == 0.0 else np.clip(diff * (1.0 / self.beta), -1.0, 1.0)
        return value, _scale(grad, weights, diff.shape[1])

    def get_config(self):
        return {"name": self.name, "beta": self.beta}


# TensorFlow's tf.nn.l2_loss(t) is sum(t^2) / 2 of a single tensor: a weight penalty, not an output-target loss,
# and half a sum rather than a mean, so "l2_loss" cannot stand for mse without changing the numbers.
LOSSES.reject("l2_loss", "TensorFlow's l2_loss(t) is sum(t^2) / 2 of one tensor, a weight penalty rather than a "
              "loss between outputs and targets; use 'mse' for the mean squared error, or a dense layer's 'l2' to "
              "penalise its weights", "l2", "l2loss", suggest="mse")


@LOSSES.register("binary_crossentropy", "bce", "binary_cross_entropy", "log_loss", "logistic")
class BinaryCrossEntropy(Loss):
    """-[t log p + (1 - t) log(1 - p)] per output; from logits when the output layer is a sigmoid."""

    name = "binary_crossentropy"
    fused_activation = "sigmoid"
    tasks = ("binary", "multilabel")

    def prepare_targets(self, y, n_outputs, dtype):
        t = _as_matrix(y, n_outputs, dtype, self.name)
        if t.size and (t.min() < 0 or t.max() > 1):
            raise TrainingError(
                f"loss 'binary_crossentropy' needs targets in [0, 1], got values from {t.min():g} to {t.max():g}"
            )
        return t

    def per_sample(self, output, target):
        p = np.clip(output, EPSILON, 1 - EPSILON)
        return -np.mean(target * np.log(p) + (1 - target) * np.log1p(-p), axis=1)

    def value_and_grad(self, output, target, weights=None):
        p = np.clip(output, EPSILON, 1 - EPSILON)
        value = _reduce(-np.mean(target * np.log(p) + (1 - target) * np.log1p(-p), axis=1), weights)
        inside = (output > EPSILON) & (output < 1 - EPSILON)
        grad = (p - target) / (p * (1 - p)) * inside
        return value, _scale(grad, weights, output.shape[1])

    @staticmethod
    def per_sample_logits(logits, target):
        # max(z, 0) - z t + log(1 + exp(-|z|)): the log-sum-exp form of BCE, finite for any z.
        return np.mean(np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits))), axis=1)

    def value_and_grad_logits(self, logits, target, weights=None):
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
            value = _reduce(np.add.reduce(terms, axis=1) / logits.shape[1], weights)
        grad = np.minimum(logits, 0.0)
        np.exp(grad, out=grad)
        e += 1.0
        grad /= e
        grad -= target
        return value, _scale(grad, weights, logits.shape[1])


@LOSSES.register("categorical_crossentropy", "cce", "crossentropy", "cross_entropy", "softmax_cross_entropy",
                 "sparse_categorical_crossentropy", "nll")
class CategoricalCrossEntropy(Loss):
    """PyTorch's CrossEntropyLoss(weight, label_smoothing) with mean reduction; integer or one-hot targets t.

    With t' = (1 - eps) t + eps / C and class weights w (1 when not given), sample i contributes
    N_i = -sum_c w_c t'_ic log p_ic (PyTorch's reduction='none') and D_i = sum_c w_c t_ic (= w[y_i]); the loss is
    sum u_i N_i / sum u_i D_i with per-sample weights u_i (1 when not given). So smoothing spreads over the
    classes with *their* weights, not the sample's, and an integer u_i counts as repeating the sample u_i times.
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
            t = _as_matrix(y, n_outputs, dtype, self.name)
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
        """sum u N / sum u D."""
        if weights is None:
            top = float(np.sum(numerators))
            return top / (numerators.shape[0] if denominators is None else float(np.sum(denominators)))
        bottom = np.sum(weights) if denominators is None else np.dot(weights, denominators)
        return float(np.dot(numerators, weights) / bottom)

    @staticmethod
    def _row_scale(denominators, weights, n: int, dtype) -> np.ndarray | float:
        """u_i / sum u D: what each sample's gradient row is multiplied by."""
        if weights is None:
            return 1.0 / (n if denominators is None else float(np.sum(denominators)))
        bottom = np.sum(weights) if denominators is None else np.dot(weights, denominators)
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


@LOSSES.register("hinge")
class Hinge(Loss):
    """mean(max(0, 1 - t y)) with targets in {-1, +1}; 0/1 targets are mapped to -1/+1 as Keras does."""

    name = "hinge"
    tasks = ("binary", "multilabel")

    def prepare_targets(self, y, n_outputs, dtype):
        t = _as_matrix(y, n_outputs, dtype, self.name)
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
        value = _reduce(np.mean(np.maximum(0, margin), axis=1), weights)
        grad = -target * (margin > 0)
        return value, _scale(grad, weights, output.shape[1])


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
        value = _reduce(np.maximum(0, margin), weights)
        active = (margin > 0).astype(output.dtype)[:, None]
        grad = np.zeros_like(output)
        grad[np.arange(output.shape[0]), np.argmax(masked, axis=1)] = 1
        grad -= target
        grad *= active
        return value, _scale(grad, weights, 1)


def get_loss(identifier, where: str = "training.loss") -> Loss:
    loss = LOSSES.get(identifier, where)
    if not isinstance(loss, Loss):
        raise SpecError(f"{LOSSES.place(where)}{identifier!r} is not a loss")
    return loss


def sample_weights_from_classes(labels: np.ndarray, class_weight: dict[int, float] | list[float]) -> np.ndarray:
    """Per-sample weights s_i = w[y_i] for integer labels (n,)."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    if isinstance(class_weight, dict):
        table = np.ones(int(max(list(class_weight) + [labels.max(initial=0)])) + 1)
        for k, v in class_weight.items():
            table[int(k)] = float(v)
    else:
        table = np.asarray(class_weight, dtype=np.float64)
    if labels.size and labels.max() >= table.size:
        raise TrainingError(f"class weights cover {table.size} classes but labels go up to {labels.max()}")
    return table[labels]


__all__ = ["LOSSES", "Loss", "get_loss", "sample_weights_from_classes", "softmax", "sigmoid"]
