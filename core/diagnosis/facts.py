"""What the rules read, gathered once: the history's series, the layers, the task, the reference loss, and the
probes (run lazily, once, only when a rule needs one and data is there)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Sequence

import numpy as np

from ..activations import get_activation
from ..errors import LayerLabError
from ..losses import get_loss
from ..network import Network
from ..training_data import TrainerData
from .probe import ProbeResult, probe_current, probe_initial, project_loss
from .thresholds import CLASSIFICATION_TARGET_ERROR, FINAL_WINDOW, REGRESSION_TARGET_ERROR


@dataclass(frozen=True)
class LayerInfo:
    index: int
    type: str
    activation: str | None     # canonical activation name, None for layers without one
    config: dict               # the layer's project config (model.layers[index])
    units: int | None          # output width (None when unknown: no data and no network)
    has_kernel: bool           # a dense layer: has a weight matrix
    can_die: bool              # ReLU family
    saturates: bool            # sigmoid/tanh family
    is_output: bool            # the last layer with an activation or kernel


@dataclass
class RunFacts:
    project: Any
    history: Mapping[str, Sequence[float]]
    network: Network | None = None
    data: TrainerData | None = None        # PreparedData (feature names, n_outputs) or TrainingData
    status: str | None = None
    target_error: float | None = None
    probe: bool = True
    lr_suggestion: float | None = None     # a learning-rate range test's suggestion, if one was run
    layers: list[LayerInfo] = field(init=False)

    def __post_init__(self) -> None:
        self.layers = _layer_infos(self.project, self._widths())

    # --- the history ---------------------------------------------------------------------------------------
    def series(self, key: str) -> np.ndarray | None:
        """The per-epoch values of `key` as floats, or None when the history does not have them."""
        values = self.history.get(key)
        if values is None or len(values) == 0:
            return None
        return np.asarray(values, dtype=np.float64)

    def layer_series(self, index: int, quantity: str) -> np.ndarray | None:
        return self.series(f"layers.{index}.{quantity}")

    def final(self, key: str) -> float | None:
        """Mean of the last FINAL_WINDOW finite values of `key` (None if there are none)."""
        values = self.series(key)
        if values is None:
            return None
        values = values[np.isfinite(values)]
        return float(np.mean(values[-FINAL_WINDOW:])) if values.size else None

    @property
    def epochs(self) -> int:
        loss = self.series("loss")
        return 0 if loss is None else int(loss.size)

    # --- the task ------------------------------------------------------------------------------------------
    @cached_property
    def task(self) -> str | None:
        if self.data is not None:
            return str(self.data.task)
        if "r2" in self.history or "mse" in self.history:
            return "regression"
        loss = self.project.training.loss
        name = get_loss(loss).name if loss is not None else None
        if name in ("categorical_crossentropy", "categorical_hinge"):
            return "multiclass"
        if name in ("binary_crossentropy", "hinge"):
            return "binary"
        output = self.layers[-1].activation if self.layers else None
        if "accuracy" in self.history:
            return "multiclass" if output == "softmax" else "binary"
        return "regression" if name in ("mse", "mae", "huber", "smooth_l1") else None

    @property
    def classification(self) -> bool:
        return self.task in ("binary", "multiclass", "multilabel")

    @cached_property
    def target(self) -> float:
        if self.target_error is not None:
            return float(self.target_error)
        return REGRESSION_TARGET_ERROR if self.task == "regression" else CLASSIFICATION_TARGET_ERROR

    def error(self, prefix: str = "") -> float | None:
        """The final training (prefix "") or validation ("val_") error: 1 - accuracy, or 1 - R^2 for regression."""
        key = f"{prefix}r2" if self.task == "regression" else f"{prefix}accuracy"
        value = self.final(key)
        return None if value is None else 1.0 - value

    @cached_property
    def n_val(self) -> int | None:
        val = self.data.val if self.data is not None else None
        return None if val is None else int(len(val.y))

    # --- reference losses ----------------------------------------------------------------------------------
    @cached_property
    def baseline_loss(self) -> float | None:
        """The loss of an uninformed output: the output activation of a zero pre-activation (uniform softmax,
        sigmoid 0.5, a zero regression output) on the training targets. It is what a well-initialised network
        starts at, and the scale the learning-rate rules measure the loss against. Without data: ln C and ln 2."""
        if self.data is not None:
            try:
                return _uninformed_loss(self.project, self.data, self.layers[-1].units)
            except (LayerLabError, ValueError):
                return None
        width = self.layers[-1].units if self.layers else None
        if self.task == "multiclass" and width:
            return math.log(width)
        if self.task == "binary":
            return math.log(2.0)
        first = self.series("loss")
        return float(first[0]) if first is not None and math.isfinite(first[0]) else None

    # --- probes --------------------------------------------------------------------------------------------
    @cached_property
    def initial_probe(self) -> ProbeResult | None:
        if not self.probe or self.data is None:
            return None
        return probe_initial(self.project, self.data)

    @cached_property
    def current_probe(self) -> ProbeResult | None:
        if not self.probe or self.data is None or self.network is None:
            return None
        return probe_current(self.network, self.project, self.data)

    def _widths(self) -> list[int] | None:
        if self.network is not None:
            return list(self.network.widths[1:])
        if self.data is not None:
            try:
                return list(Network(list(self.project.layers), int(np.asarray(self.data.train.X).shape[1]),
                                    self.project.training.dtype).widths[1:])
            except LayerLabError:
                return None
        return None


def _layer_infos(project: Any, widths: list[int] | None) -> list[LayerInfo]:
    configs = list(project.layers)
    infos = []
    last = max((i for i, c in enumerate(configs) if c.get("type") in ("dense", "activation", "prelu")), default=-1)
    for i, config in enumerate(configs):
        kind = config.get("type")
        act = None
        if kind in ("dense", "activation"):
            try:
                act = get_activation(config.get("activation", "linear"))
            except LayerLabError:
                act = None
        units = widths[i] if widths is not None else (config.get("units") if kind == "dense" else None)
        infos.append(LayerInfo(
            index=i, type=str(kind), activation=act.name if act is not None else None, config=dict(config),
            units=units, has_kernel=kind == "dense", can_die=bool(act is not None and act.can_die),
            saturates=bool(act is not None and act.saturation_bounds is not None), is_output=i == last))
    return infos


def _uninformed_loss(project: Any, data: Any, width: int | None) -> float | None:
    if not width:
        return None
    loss = project_loss(project, data.task)
    last = list(project.layers)[-1]
    act = get_activation(last.get("activation", "linear")) if last.get("type") in ("dense", "activation") else None
    targets = loss.prepare_targets(np.asarray(data.train.y), width, np.float64)
    zeros = np.zeros((targets.shape[0], width))
    output = act.forward(zeros) if act is not None else zeros
    with np.errstate(all="ignore"):
        return float(loss.value(output, targets))
