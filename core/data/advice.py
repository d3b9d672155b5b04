"""The course notes' advice on the output layer and loss for each kind of task, for the GUI to suggest or fix."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from .dataset import TASKS


@dataclass(frozen=True)
class OutputAdvice:
    units: int
    activation: str     # an activation name of core.activations
    loss: str           # a loss name of the project: "mse", "binary_crossentropy", "categorical_crossentropy", ...
    reason: str


def output_advice(task: str, n_outputs: int) -> OutputAdvice:
    """Units, activation and loss for the last layer; `n_outputs` is Dataset.n_outputs (K for multiclass)."""
    if task not in TASKS:
        raise SpecError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise SpecError(f"n_outputs must be a positive integer, got {n_outputs!r}")
    if task == "binary":
        return OutputAdvice(1, "sigmoid", "binary_crossentropy",
                            "binary classification: one sigmoid unit gives the probability of the second class; "
                            "maximum likelihood makes the loss binary cross-entropy (logistic loss)")
    if task == "multiclass":
        if n_outputs < 2:
            raise SpecError(f"a multiclass task has at least 2 outputs (one per class), got {n_outputs}")
        return OutputAdvice(n_outputs, "softmax", "categorical_crossentropy",
                            f"multi-class classification (each example is exactly one of {n_outputs} classes): "
                            f"softmax gives {n_outputs} probabilities that sum to 1; the loss is categorical "
                            f"cross-entropy")
    if task == "multilabel":
        return OutputAdvice(n_outputs, "sigmoid", "binary_crossentropy",
                            f"multi-label classification (an example can carry several of {n_outputs} labels): "
                            f"one sigmoid unit per label, each with binary cross-entropy")
    return OutputAdvice(n_outputs, "linear", "mse",
                        f"regression: {n_outputs} linear output unit{'s' if n_outputs > 1 else ''}, since targets "
                        f"are unbounded and the last layer needs no nonlinearity; the loss is mean squared error "
                        f"(the maximum-likelihood loss for Gaussian noise)")
