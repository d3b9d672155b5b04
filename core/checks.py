"""Problems with a model before it trains, each with a one-click fix the app can apply.

The advice follows the course notes (core.tasks: the output activation and loss for each task) and wants an
output layer as wide as the targets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .activations import ACTIVATIONS, get_activation
from .errors import LayerLabError
from .losses import get_loss
from .tasks import default_loss_for


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
        if last_index == len(layers) - 1 or all(l.get("type") not in ("dense",) for l in layers[last_index + 1:]):
            if units != n_outputs:
                problems.append(Problem(
                    "error", f"model.layers[{last_index}].units",
                    f"the output layer has {units} units but the data has {n_outputs} "
                    f"{'classes' if task == 'multiclass' else 'targets' if n_outputs > 1 else 'target'}",
                    {"action": "set_units", "layer": last_index, "units": n_outputs}, f"Set units to {n_outputs}"))
        want_loss = default_loss_for(task)
        loss_name = _loss_name(loss) or want_loss
        if task == "binary" and n_outputs == 1 and loss_name == "categorical_crossentropy":
            problems.append(Problem(
                "error", "training.loss", "categorical cross-entropy needs one output per class; a binary task with "
                "one output uses binary cross-entropy", {"action": "set_loss", "loss": "binary_crossentropy"},
                "Use binary cross-entropy"))
        loss_obj = get_loss(loss_name)
        if task not in loss_obj.tasks:
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
