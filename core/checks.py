"""Problems with a model before it trains, each with a one-click fix the app can apply.

The advice follows the course notes (core.tasks: the output activation and loss for each task) and wants an
output layer as wide as the targets. A binary task also takes two softmax units with categorical cross-entropy
(PyTorch's usual form: one unit per class, the labels 0/1 one-hot encoded by the loss). `fix_all` applies every fix;
`follow_task` gives the output layer and loss a new data set's task asks for, so the app can follow a change of data
in one edit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .activations import ACTIVATIONS, get_activation
from .errors import LayerLabError
from .losses import get_loss
from .tasks import default_loss_for, output_advice

# Losses that read one output per class (their targets are one-hot rows): with two units they serve a binary task.
PER_CLASS_LOSSES = ("categorical_crossentropy", "categorical_hinge")


@dataclass(frozen=True)
class Problem:
    level: str            # "error" (training cannot run) or "warning" (it runs, but probably not as meant)
    where: str            # "model.layers[2]" or "training.loss"
    message: str
    fix: dict[str, Any] | None = field(default=None)   # {"action": ..., ...}; see `apply_fix`
    fix_label: str = ""

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def _activation_name(layer: dict) -> str | None:
    if layer.get("type") in ("dense", "activation"):
        try:
            return get_activation(layer.get("activation", "linear")).name
        except LayerLabError:
            return None
    if layer.get("type") == "prelu":
        return "prelu"
    return None


def check_model(layers: list[dict], loss: Any, task: str | None, n_outputs: int | None) -> list[Problem]:
    """Problems of `layers` (model.layers configs) trained with `loss` on data of `task` with `n_outputs` targets."""
    problems: list[Problem] = []
    if not layers:
        return [Problem("error", "model.layers", "the network has no layers",
                        {"action": "add_output_layer"}, "Add an output layer")]
    for i, layer in enumerate(layers):
        name = _activation_name(layer)
        if name is not None and not ACTIVATIONS.get(name).learns:
            problems.append(Problem(
                "warning", f"model.layers[{i}]",
                f"activation {name!r} has a zero derivative almost everywhere, so no gradient flows and the layers "
                "before it cannot learn", {"action": "set_activation", "layer": i, "activation": "relu"}, "Use ReLU"))
    last_index = max((i for i, l in enumerate(layers) if l.get("type") == "dense"), default=None)
    if last_index is None:
        problems.append(Problem("error", "model.layers", "the network needs at least one dense layer",
                                {"action": "add_output_layer"}, "Add an output layer"))
        return problems
    output_act = _activation_name(layers[-1]) or "linear"
    if layers[-1].get("type") in ("dropout", "gaussian_noise", "batch_norm", "layer_norm"):
        problems.append(Problem("warning", f"model.layers[{len(layers) - 1}]",
                                f"the network ends with a {layers[-1]['type']} layer; the output is usually a dense layer"))
    if task is not None and n_outputs is not None:
        units = layers[last_index].get("units")
        want_loss = default_loss_for(task)
        loss_name = _loss_name(loss) or want_loss
        two_classes = task == "binary" and n_outputs == 1 and units == 2     # one unit per class
        if last_index == len(layers) - 1 or all(l.get("type") not in ("dense",) for l in layers[last_index + 1:]):
            if two_classes and loss_name not in PER_CLASS_LOSSES:
                softmax = output_act == "softmax"
                problems.append(Problem(
                    "error", "training.loss" if softmax else f"model.layers[{last_index}].units",
                    f"an output of 2 units (one per class) trains with categorical cross-entropy; {loss_name} "
                    "reads 1 sigmoid unit",
                    {"action": "set_loss", "loss": "categorical_crossentropy"} if softmax else
                    {"action": "set_units", "layer": last_index, "units": 1},
                    "Use categorical cross-entropy" if softmax else "Set units to 1"))
            elif units != n_outputs and not two_classes:
                problems.append(Problem(
                    "error", f"model.layers[{last_index}].units",
                    f"the output layer has {units} units but the data has {n_outputs} "
                    f"{'classes' if task == 'multiclass' else 'targets' if n_outputs > 1 else 'target'}",
                    {"action": "set_units", "layer": last_index, "units": n_outputs}, f"Set units to {n_outputs}"))
        if task == "binary" and n_outputs == 1 and units == 1 and loss_name == "categorical_crossentropy":
            problems.append(Problem(
                "error", "training.loss", "categorical cross-entropy needs one output per class; a binary task with "
                "one output uses binary cross-entropy", {"action": "set_loss", "loss": "binary_crossentropy"},
                "Use binary cross-entropy"))
        loss_obj = get_loss(loss_name)
        if task not in loss_obj.tasks and not (two_classes and loss_name in PER_CLASS_LOSSES):
            problems.append(Problem(
                "warning", "training.loss",
                f"{loss_name} is meant for {', '.join(loss_obj.tasks)} tasks; this data is {task} "
                f"(the usual choice is {want_loss})", {"action": "set_loss", "loss": want_loss}, f"Use {want_loss}"))
        fused = loss_obj.fused_activation
        if output_act == "softmax" and loss_obj.tasks == ("regression",):      # a regression loss on probabilities
            problems.append(Problem(
                "warning", "training.loss",
                "a softmax output trained with squared error learns slowly (its gradient vanishes when the output is "
                "confident and wrong); cross-entropy is the matching loss",
                {"action": "set_loss", "loss": "categorical_crossentropy"}, "Use categorical cross-entropy"))
        elif fused is not None and output_act != fused:
            problems.append(Problem(
                "warning", f"model.layers[{len(layers) - 1}].activation",
                f"{loss_name} expects a {fused} output, but the output activation is {output_act!r}",
                {"action": "set_activation", "layer": len(layers) - 1, "activation": fused}, f"Use {fused}"))
        elif task == "regression" and output_act in ("sigmoid", "softmax", "tanh", "hard_sigmoid", "softsign"):
            problems.append(Problem(
                "warning", f"model.layers[{len(layers) - 1}].activation",
                f"a regression output is usually linear; {output_act!r} bounds the predictions",
                {"action": "set_activation", "layer": len(layers) - 1, "activation": "linear"}, "Use linear"))
        elif loss_name == "hinge" and output_act in ("sigmoid", "softmax"):
            problems.append(Problem(
                "warning", f"model.layers[{len(layers) - 1}].activation",
                "hinge loss expects scores around -1 and +1 (a linear or tanh output)",
                {"action": "set_activation", "layer": len(layers) - 1, "activation": "linear"}, "Use linear"))
    return problems


def _loss_name(loss: Any) -> str | None:
    if loss is None:
        return None
    try:
        return get_loss(loss).name
    except LayerLabError:
        return None


def apply_fix(layers: list[dict], loss: Any, fix: dict) -> tuple[list[dict], Any]:
    """Return (layers, loss) with the fix applied; the inputs are not modified."""
    layers = [dict(layer) for layer in layers]
    action = fix["action"]
    if action == "set_units":
        layers[fix["layer"]]["units"] = fix["units"]
    elif action == "set_activation":
        layers[fix["layer"]]["activation"] = fix["activation"]
    elif action == "set_loss":
        loss = fix["loss"]
    elif action == "add_output_layer":
        layers.append({"type": "dense", "units": fix.get("units", 1), "activation": fix.get("activation", "linear")})
    else:
        raise ValueError(f"unknown fix {action!r}")
    return layers, loss


def fix_all(layers: list[dict], loss: Any, task: str | None, n_outputs: int | None,
            max_rounds: int = 20) -> tuple[list[dict], Any, list[Problem]]:
    """Apply every fix `check_model` offers, re-checking after each (one fix can settle or raise another):
    (layers, loss, the problems fixed, in order). Problems without a fix stay."""
    fixed: list[Problem] = []
    for _ in range(max_rounds):
        fixable = [p for p in check_model(layers, loss, task, n_outputs) if p.fix is not None]
        if not fixable:
            break
        problem = min(fixable, key=lambda p: p.level != "error")          # errors first
        layers, loss = apply_fix(layers, loss, problem.fix)
        fixed.append(problem)
    return layers, loss, fixed


def follow_task(layers: list[dict], loss: Any, task: str, n_outputs: int) -> tuple[list[dict], Any] | None:
    """The output layer and loss a data set's task asks for (core.tasks.output_advice), when the current ones do
    not fit it; None when they do (a two-unit softmax on binary data stays). The loss stays "auto" (None) when it
    was; otherwise it becomes the advised one. Hidden layers are never touched."""
    last = max((i for i, layer in enumerate(layers) if layer.get("type") == "dense"), default=None)
    if last is None:
        return None
    output_places = ("training.loss", *(f"model.layers[{i}]" for i in range(last, len(layers))))
    if not any(p.where.startswith(output_places) for p in check_model(layers, loss, task, n_outputs)):
        return None
    advice = output_advice(task, n_outputs)
    layers = [dict(layer) for layer in layers]
    layers[last]["units"] = advice.units
    after = [i for i in range(last + 1, len(layers)) if layers[i].get("type") in ("activation", "prelu")]
    if after:                                      # the output's activation is a layer of its own
        layers[after[-1]] = {"type": "activation", "activation": advice.activation}
    else:
        layers[last]["activation"] = advice.activation
    return layers, None if loss is None else advice.loss
