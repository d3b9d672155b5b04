"""The loss interface and what every loss shares: averaged over the batch as PyTorch does, with its gradient.

Each loss takes the network output and a float target matrix (n, k) prepared once per dataset by
`prepare_targets` (one-hot for categorical cross-entropy). Cross-entropies fuse with their natural output
activation (sigmoid for binary, softmax for categorical): the loss is then computed from the logits, which never
overflows and gives the clean gradient (p - t) / n.

Weighting (the course notes' "strengthening factor"): with per-sample weights s_i (`training.class_weight`,
s_i = w[y_i], or explicit sample weights) the loss is Keras' sum(s_i * L_i) / n, where L_i is sample i's loss (mean
over its outputs for elementwise losses) and n the batch size: a weight scales its samples' share, it is not
renormalised away. PyTorch's `CrossEntropyLoss(weight=w)`, which divides by sum(w[y_i]), is categorical
cross-entropy's own `weight` argument (see its docstring).
"""
from __future__ import annotations

import numpy as np

from ..errors import SpecError, TrainingError
from ..registry import Registry

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
        return target_matrix(y, n_outputs, dtype, self.name)

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
        return weighted_mean(self.per_sample(output, target), weights)

    def get_config(self) -> dict:
        return {"name": self.name}


def target_matrix(y: np.ndarray, n_outputs: int, dtype, name: str) -> np.ndarray:
    """Targets (n,) or (n, k) as a contiguous (n, n_outputs) matrix of `dtype`; TrainingError if they do not fit."""
    y = np.asarray(y)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise TrainingError(
            f"loss {name!r}: targets have {y.shape[1] if y.ndim == 2 else y.shape} columns but the output layer "
            f"has {n_outputs} units"
        )
    return np.ascontiguousarray(y, dtype=dtype)


def weighted_mean(per_sample: np.ndarray, weights: np.ndarray | None) -> float:
    """The batch loss from per-sample losses: their mean, or Keras' sum(s_i * L_i) / n with weights s."""
    if weights is None:
        return float(np.mean(per_sample))
    return float(np.dot(per_sample, weights) / per_sample.shape[0])


def scale_gradient(grad: np.ndarray, weights: np.ndarray | None, per_sample_divisor: int) -> np.ndarray:
    """Divide an unreduced gradient by n * k, after weighting its rows by `weights` when given (Keras' reduction)."""
    if weights is None:
        grad *= 1.0 / (grad.shape[0] * per_sample_divisor)
    else:
        grad *= (weights / (grad.shape[0] * per_sample_divisor)).astype(grad.dtype, copy=False)[:, None]
    return grad


def get_loss(identifier, where: str = "training.loss") -> Loss:
    loss = LOSSES.get(identifier, where)
    if not isinstance(loss, Loss):
        raise SpecError(f"{LOSSES.place(where)}{identifier!r} is not a loss")
    return loss


def sample_weights_from_classes(labels: np.ndarray, class_weight: dict[int, float] | list[float],
                                n_classes: int | None = None) -> np.ndarray:
    """Per-sample weights s_i = w[y_i] for integer labels (n,); a dict's classes must be below `n_classes` (default:
    the largest label + 1) and the classes it leaves out weigh 1."""
    labels = np.asarray(labels).astype(np.int64).reshape(-1)
    n_classes = int(labels.max(initial=0)) + 1 if n_classes is None else int(n_classes)
    if isinstance(class_weight, dict):
        table = np.ones(max(n_classes, int(labels.max(initial=0)) + 1))
        for k, v in class_weight.items():
            if int(k) >= table.size:
                raise TrainingError(f"training.class_weight names class {int(k)}, but the data has {table.size} "
                                    f"classes (0 to {table.size - 1})")
            table[int(k)] = float(v)
    else:
        table = np.asarray(class_weight, dtype=np.float64)
    if labels.size and labels.max() >= table.size:
        raise TrainingError(f"class weights cover {table.size} classes but labels go up to {labels.max()}")
    return table[labels]
