"""The four kinds of task LayerLab learns, and the course notes' output layer and loss for each.

This is the one table of that advice: the data summary suggests it (`output_advice`), the model checks compare a
network against it (core.checks) and the trainer falls back on its loss when training.loss is not given.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import SpecError

TASKS = ("binary", "multiclass", "multilabel", "regression")
CLASSIFICATION_TASKS = ("binary", "multiclass")

# task -> (output activation, loss). Binary and multi-label: sigmoid units with binary cross-entropy (logistic
# loss); multi-class: softmax with categorical cross-entropy; regression: linear units with mean squared error.
OUTPUT_FOR_TASK = {
    "binary": ("sigmoid", "binary_crossentropy"),
    "multiclass": ("softmax", "categorical_crossentropy"),
    "multilabel": ("sigmoid", "binary_crossentropy"),
    "regression": ("linear", "mse"),
}


def output_for(task: str) -> tuple[str, str]:
    """(output activation, loss) for `task`; an unknown task gets regression's (a linear output and MSE)."""
    return OUTPUT_FOR_TASK.get(task, OUTPUT_FOR_TASK["regression"])


def default_loss_for(task: str) -> str:
    """The loss training uses for `task` when training.loss is not given."""
    return output_for(task)[1]


@dataclass(frozen=True)
class OutputAdvice:
    units: int
    activation: str     # an activation name of core.activations
    loss: str           # a loss name of the project: "mse", "binary_crossentropy", "categorical_crossentropy", ...
    reason: str


def output_advice(task: str, n_outputs: int) -> OutputAdvice:
    """Units, activation and loss for the last layer, with the reason; `n_outputs` is Dataset.n_outputs (K for
    multiclass)."""
    if task not in TASKS:
        raise SpecError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise SpecError(f"n_outputs must be a positive integer, got {n_outputs!r}")
    activation, loss = OUTPUT_FOR_TASK[task]
    if task == "binary":
        return OutputAdvice(1, activation, loss,
                            "binary classification: one sigmoid unit gives the probability of the second class; "
                            "maximum likelihood makes the loss binary cross-entropy (logistic loss)")
    if task == "multiclass":
        if n_outputs < 2:
            raise SpecError(f"a multiclass task has at least 2 outputs (one per class), got {n_outputs}")
        return OutputAdvice(n_outputs, activation, loss,
                            f"multi-class classification (each example is exactly one of {n_outputs} classes): "
                            f"softmax gives {n_outputs} probabilities that sum to 1; the loss is categorical "
                            f"cross-entropy")
    if task == "multilabel":
        return OutputAdvice(n_outputs, activation, loss,
                            f"multi-label classification (an example can carry several of {n_outputs} labels): "
                            f"one sigmoid unit per label, each with binary cross-entropy")
    return OutputAdvice(n_outputs, activation, loss,
                        f"regression: {n_outputs} linear output unit{'s' if n_outputs > 1 else ''}, since targets "
                        f"are unbounded and the last layer needs no nonlinearity; the loss is mean squared error "
                        f"(the maximum-likelihood loss for Gaussian noise)")
