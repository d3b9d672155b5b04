"""Per-layer, per-epoch diagnostics as history keys: `layers.{i}.grad_norm`, `.update_ratio`, `.saturation`,
`.act_mean`, `.act_std` and `.dead`, the series the diagnosis (and headless experiments) read.

Each value is the mean over the epoch's optimizer steps of a per-step figure computed right after the step:
- `grad_norm`: L2 norm of all the layer's parameter gradients (after clipping, as the step used them);
- `update_ratio`: ||W_after - W_before|| / ||W_after|| of the layer's kernel for that step (dense layers);
- `saturation`: fraction of the layer's outputs within SATURATION_MARGIN of a bound (sigmoid/tanh family);
- `act_mean`, `act_std`: mean and standard deviation of the layer's outputs over the batch (layers with an
  activation; a loss fused with the output activation skips it in training, so it is applied here);
and `dead` is the trainer's own count of units silent for the whole epoch (`EpochEnd.dead_units`, ReLU family).

`fit_with_layer_history(trainer)` trains while recording them into `trainer.history`, by watching every step's
event; the trainer itself may later compute the same sums in its loop.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from .diagnostics import SATURATION_MARGIN
from .events import BatchEnd, EpochEnd, TrainingStarted
from .network import Network

QUANTITIES = ("grad_norm", "update_ratio", "saturation", "act_mean", "act_std", "dead")


class LayerHistory:
    """Sums of per-step figures over an epoch; `end_epoch` turns them into that epoch's history values."""

    def __init__(self, network: Network):
        self.network = network
        self._grad_slices = {}
        self._kernels = {}
        for i in range(len(network.layers)):
            entries = [e for e in network.entries if e.layer == i and e.trainable]
            if entries:
                self._grad_slices[i] = [slice(e.offset, e.offset + e.size) for e in entries]
            for e in entries:
                if e.key == "weight":
                    self._kernels[i] = slice(e.offset, e.offset + e.size)
        self._outputs = [i for i, layer in enumerate(network.layers) if layer.activation is not None]
        self._before = network.params.copy()
        self._sums: dict[str, float] = {}
        self._steps = 0

    def start(self) -> None:
        """Call before a run's first step: the weights the first update is measured against."""
        np.copyto(self._before, self.network.params)
        self._sums.clear()
        self._steps = 0

    def after_step(self) -> None:
        net, sums = self.network, self._sums
        grads, params = net.grads, net.params
        for i, slices in self._grad_slices.items():
            total = sum(float(np.dot(grads[s], grads[s])) for s in slices)
            _add(sums, f"layers.{i}.grad_norm", math.sqrt(total))
        for i, s in self._kernels.items():
            w = params[s]
            delta = w - self._before[s]
            norm = math.sqrt(float(np.dot(w, w)))
            if norm > 0:
                _add(sums, f"layers.{i}.update_ratio", math.sqrt(float(np.dot(delta, delta))) / norm)
        np.copyto(self._before, params)
        for i in self._outputs:
            layer = net.layers[i]
            act, out = layer.activation, layer.output
            if out is None and layer.pre_activation is not None:
                out = act.forward(layer.pre_activation)
            if out is None or out.size == 0:
                continue
            _add(sums, f"layers.{i}.act_mean", float(np.mean(out, dtype=np.float64)))
            _add(sums, f"layers.{i}.act_std", float(np.std(out, dtype=np.float64)))
            if act.saturation_bounds is not None:
                lo, hi = act.saturation_bounds
                margin = SATURATION_MARGIN * (hi - lo)
                saturated = np.count_nonzero(out <= lo + margin) + np.count_nonzero(out >= hi - margin)
                _add(sums, f"layers.{i}.saturation", saturated / out.size)
        self._steps += 1

    def end_epoch(self, dead: Mapping[int, int] | None = None) -> dict[str, float]:
        """The epoch's values (means over its steps, plus the dead counts) and a fresh start for the next one."""
        steps = max(self._steps, 1)
        values = {key: total / steps for key, total in self._sums.items()}
        for i, count in (dead or {}).items():
            values[f"layers.{i}.dead"] = float(count)
        self._sums.clear()
        self._steps = 0
        return values


def _add(sums: dict[str, float], key: str, value: float) -> None:
    sums[key] = sums.get(key, 0.0) + value


def fit_with_layer_history(trainer: Any, epochs: int | None = None,
                           listener: Callable[[Any], None] | None = None) -> Any:
    """`trainer.fit(epochs, listener)` that also appends the `layers.{i}.*` keys to `trainer.history` each epoch.
    Returns the last event, as `fit` does."""
    stats = LayerHistory(trainer.network)
    interval = trainer.batch_event_interval
    trainer.batch_event_interval = 0.0          # an event after every step, so every step is measured
    last = None
    try:
        for event in trainer.run(epochs):
            if isinstance(event, TrainingStarted):
                stats.start()
            elif isinstance(event, BatchEnd):
                stats.after_step()
            elif isinstance(event, EpochEnd):
                for key, value in stats.end_epoch(event.dead_units).items():
                    trainer.history.setdefault(key, []).append(value)
            if listener is not None:
                listener(event)
            last = event
    finally:
        trainer.batch_event_interval = interval
    return last
