"""The project edits findings offer, each built from the project's current values so `Edit.before` is exact."""
from __future__ import annotations

import copy
from typing import Any, Iterable

from ..initializers import default_kernel_initializer
from ..optimizers import get_optimizer
from .facts import LayerInfo
from .findings import Edit, Fix
from .thresholds import CLIP_NORM_FIX, DROPOUT_FIX, L2_FIX, MIN_UNITS_FIX, PATIENCE_FIX


def nice(value: float) -> float:
    """Three significant digits: 0.1 / 3 shows as 0.0333, and 0.01 / 10 as 0.001."""
    return float(f"{value:.3g}")


def current_lr(project: Any) -> float:
    return float(get_optimizer(project.training.optimizer).lr)


def scale_lr(project: Any, factor: float) -> Fix:
    lr = current_lr(project)
    new = nice(lr * factor)
    verb = "Raise" if factor > 1 else "Lower"
    return Fix(f"{verb} the learning rate from {lr:g} to {new:g}", (Edit("training.optimizer.lr", lr, new),))


def lr_fixes(project: Any, factor: float, suggestion: float | None) -> tuple[Fix, ...]:
    """Scale the rate by `factor`; first, the range test's suggestion when it moves the same way."""
    old = current_lr(project)
    fixes = []
    if suggestion is not None and suggestion > 0 and (suggestion - old) * (factor - 1) > 0:
        fixes.append(Fix(f"Use the range test's learning rate, {nice(suggestion):g}",
                         (Edit("training.optimizer.lr", old, nice(suggestion)),)))
    return (*fixes, scale_lr(project, factor))


def _layer_list(indices: Iterable[int]) -> str:
    indices = list(indices)
    return f"layer{'s' if len(indices) > 1 else ''} {', '.join(str(i) for i in indices)}"


def set_activation(layers: list[LayerInfo], activation: Any, name: str) -> Fix:
    return Fix(f"Use {name} in {_layer_list(l.index for l in layers)}",
               tuple(Edit(f"model.layers[{l.index}].activation", l.config.get("activation"), activation)
                     for l in layers))


def default_initializer(layers: list[LayerInfo]) -> Fix:
    edits = tuple(Edit(f"model.layers[{l.index}].kernel_initializer", l.config.get("kernel_initializer"),
                       default_kernel_initializer(l.activation or "linear")) for l in layers)
    names = sorted({e.after for e in edits})
    return Fix(f"Initialise {_layer_list(l.index for l in layers)} with {' / '.join(names)}", edits)


def hidden_dense(layers: list[LayerInfo]) -> list[LayerInfo]:
    return [l for l in layers if l.has_kernel and not l.is_output]


def bigger_network(layers: list[LayerInfo]) -> Fix | None:
    hidden = [l for l in hidden_dense(layers) if isinstance(l.config.get("units"), int)]
    if not hidden:
        return None
    edits = tuple(Edit(f"model.layers[{l.index}].units", l.config["units"], max(2 * l.config["units"], MIN_UNITS_FIX))
                  for l in hidden)
    return Fix("Bigger network: " + ", ".join(f"{e.before} -> {e.after} units" for e in edits), edits)


def deeper_network(project: Any, layers: list[LayerInfo]) -> Fix | None:
    """Wider as `bigger_network`, and one more hidden layer like the last one (the notes: "increasing the number
    of neurons or adding more layers"). One edit of the whole layer list."""
    hidden = [l for l in hidden_dense(layers) if isinstance(l.config.get("units"), int)]
    if not hidden:
        return None
    configs = list(project.layers)
    out: list[dict] = []
    for i, config in enumerate(configs):
        config = copy.deepcopy(config)
        if any(l.index == i for l in hidden):
            config["units"] = max(2 * config["units"], MIN_UNITS_FIX)
        out.append(config)
        if i == hidden[-1].index:
            out.append(copy.deepcopy(config))
    sizes = ", ".join(str(c["units"]) for i, c in enumerate(out) if c.get("type") == "dense")
    return Fix(f"Bigger and deeper network: dense layers of {sizes} units",
               (Edit("model.layers", copy.deepcopy(configs), out),))


def smaller_network(layers: list[LayerInfo]) -> Fix | None:
    hidden = [l for l in hidden_dense(layers) if isinstance(l.config.get("units"), int) and l.config["units"] > 1]
    if not hidden:
        return None
    edits = tuple(Edit(f"model.layers[{l.index}].units", l.config["units"], max(1, l.config["units"] // 2))
                  for l in hidden)
    return Fix("Smaller network: " + ", ".join(f"{e.before} -> {e.after} units" for e in edits), edits)


def l2_regularization(layers: list[LayerInfo]) -> Fix | None:
    hidden = [l for l in hidden_dense(layers) if not l.config.get("l2")]
    if not hidden:
        return None
    return Fix(f"L2 regularization {L2_FIX:g} on {_layer_list(l.index for l in hidden)}",
               tuple(Edit(f"model.layers[{l.index}].l2", l.config.get("l2"), L2_FIX) for l in hidden))


def dropout(project: Any, layers: list[LayerInfo]) -> Fix | None:
    """Dropout after every hidden dense layer not already followed by one: one edit of the whole layer list."""
    configs = list(project.layers)
    out: list[dict] = []
    added = 0
    for i, config in enumerate(configs):
        out.append(copy.deepcopy(config))
        info = layers[i]
        followed = i + 1 < len(configs) and configs[i + 1].get("type") == "dropout"
        if info.has_kernel and not info.is_output and not followed:
            out.append({"type": "dropout", "rate": DROPOUT_FIX})
            added += 1
    if not added:
        return None
    return Fix(f"Dropout {DROPOUT_FIX:g} after each hidden layer",
               (Edit("model.layers", copy.deepcopy(configs), out),))


def weaker_penalty(layer: LayerInfo) -> Fix | None:
    """The layer's L1/L2 penalties ten times weaker (one order of magnitude, as learning-rate fixes move)."""
    edits = tuple(Edit(f"model.layers[{layer.index}].{k}", layer.config[k], nice(float(layer.config[k]) / 10))
                  for k in ("l1", "l2") if layer.config.get(k))
    if not edits:
        return None
    changes = ", ".join(f"{e.path.rsplit('.', 1)[1].upper()} {e.before:g} -> {e.after:g}" for e in edits)
    return Fix(f"Weaker penalty on layer {layer.index}: {changes}", edits)


def early_stopping(project: Any, monitor: str = "val_loss") -> Fix | None:
    if project.training.early_stopping is not None:
        return None
    config = {"monitor": monitor, "patience": PATIENCE_FIX, "restore_best_weights": True}
    return Fix(f"Early stopping on {monitor} (patience {PATIENCE_FIX})",
               (Edit("training.early_stopping", None, config),))


def clip_gradients(project: Any) -> Fix | None:
    if project.training.clip_norm is not None:
        return None
    return Fix(f"Clip gradients at norm {CLIP_NORM_FIX:g}", (Edit("training.clip.norm", None, CLIP_NORM_FIX),))


def more_epochs(project: Any) -> Fix:
    epochs = project.training.epochs
    return Fix(f"Train longer: {epochs} -> {2 * epochs} epochs", (Edit("training.epochs", epochs, 2 * epochs),))


def use_adam(project: Any) -> Fix | None:
    optimizer = project.training.optimizer
    name = optimizer.get("name") if isinstance(optimizer, dict) else optimizer
    if name != "sgd":
        return None
    return Fix("Use Adam (learning rate 0.001)",
               (Edit("training.optimizer", copy.deepcopy(optimizer), {"name": "adam", "lr": 0.001}),))


def standard_scaling(project: Any) -> Fix:
    return Fix("Standardise the inputs", (Edit("data.scaling", project.data.get("scaling"), "standard"),))


def present(*fixes: Fix | None) -> tuple[Fix, ...]:
    return tuple(f for f in fixes if f is not None)


def batch_norm_before_activations(project: Any, layers: list[LayerInfo]) -> Fix | None:
    """The batch_norm example's remedy: each hidden dense layer with a saturating activation becomes dense
    (linear) -> batch_norm -> activation. One edit of the whole layer list."""
    configs = list(project.layers)
    out: list[dict] = []
    changed = 0
    for i, config in enumerate(configs):
        info = layers[i]
        if info.has_kernel and info.saturates and not info.is_output:
            dense = copy.deepcopy(config)
            activation = dense.pop("activation")
            dense["activation"] = "linear"
            out += [dense, {"type": "batch_norm"}, {"type": "activation", "activation": activation}]
            changed += 1
        else:
            out.append(copy.deepcopy(config))
    if not changed:
        return None
    return Fix("Batch normalization before each sigmoid/tanh activation",
               (Edit("model.layers", copy.deepcopy(configs), out),))
