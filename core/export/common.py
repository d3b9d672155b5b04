"""What every exporter shares: the error type, layer labels, the model's output heads and all-or-nothing writes."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np

from ..errors import LayerLabError

# Metadata a weights file carries that belongs to training, not to the model an export describes.
TRAINING_ONLY_META = ("format", "checkpoint", "history")


class ExportError(LayerLabError):
    """The model cannot be written in the requested format (the message names the layer or the option)."""


def producer_version() -> str:
    try:
        return metadata.version("layerlab")
    except metadata.PackageNotFoundError:
        return "dev"


def layer_label(network, index: int) -> str:
    """'model.layers[2] (dense 16, gelu)': how an error names a layer."""
    return f"model.layers[{index}] ({network.layers[index].describe()})"


def exp_cap(dtype: Any = np.float32) -> float:
    """Where LayerLab's `exponential` activation stops growing: half the largest finite exp argument."""
    from ..activations.kernels import exp_limit

    return 0.5 * exp_limit(np.dtype(dtype))


def square_cap(scale: float = 1.0) -> float:
    """Where LayerLab clips z before squaring (scale z) in float32 (ISRU, ISRLU, bent identity): about 1.4e19 /
    scale. Exports clip at the same place, so a huge input gives LayerLab's bound, not inf / inf."""
    from ..activations.kernels import square_bound

    return square_bound(np.dtype(np.float32), scale) or float(np.finfo(np.float32).max)


def softplus_linear_from(threshold: float) -> float:
    """LayerLab's softplus is linear above min(threshold, 40): identical values (log1p(exp(x)) == x there),
    and no exp overflow in any backend."""
    return min(float(threshold), 40.0)


def export_meta(model) -> dict[str, Any]:
    """The loaded model's metadata without training-only state (checkpoint, history)."""
    return {k: v for k, v in model.meta.items() if k not in TRAINING_ONLY_META}


@dataclass(frozen=True)
class Heads:
    """What the exported model outputs, from the task and the output width.

    kind: "classification" (probabilities (n, K) and an int64 label), "multilabel" (probabilities (n, k)) or
    "regression" (prediction (n, k)). `sigmoid_pair` is True for one sigmoid output, exported as [1 - p, p].
    """

    kind: str
    width: int            # columns of the main output
    sigmoid_pair: bool
    names: tuple[str, ...]  # class names, label names or target names (one per column)


def heads(meta: dict, output_width: int) -> Heads:
    task = meta.get("task")
    if task in ("binary", "multiclass"):
        pair = output_width == 1
        width = 2 if pair else output_width
        names = _names(meta.get("class_names"), width, "class")
        return Heads("classification", width, pair, names)
    if task == "multilabel":
        return Heads("multilabel", output_width, False, _names(meta.get("class_names") or meta.get("target_names"),
                                                               output_width, "label"))
    if task == "regression":
        return Heads("regression", output_width, False, _names(meta.get("target_names"), output_width, "y"))
    raise ExportError(f"the model's task must be binary, multiclass, multilabel or regression, got {task!r}")


def _names(names: Any, width: int, stem: str) -> tuple[str, ...]:
    if isinstance(names, (list, tuple)) and len(names) == width and all(isinstance(n, str) for n in names):
        return tuple(names)
    return tuple(f"{stem}{i}" for i in range(width))


def raw_feature_names(model) -> tuple[str, ...]:
    names = model.meta.get("feature_names")
    width = model.preprocessor.raw_width
    if isinstance(names, (list, tuple)) and len(names) == width and all(isinstance(n, str) for n in names):
        return tuple(names)
    return tuple(f"x{i + 1}" for i in range(width))
