"""Per-layer, per-epoch diagnostics as history keys: `layers.{i}.grad_norm`, `.update_ratio`, `.act_mean`,
`.act_std`, `.saturation` and `.dead`, the series the diagnosis, the `--history` CSV, the run store and headless
experiments read.

Each value but `dead` is the mean, over the epoch's sampled steps, of a figure measured right after the step:
- `grad_norm`: L2 norm of all the layer's parameter gradients, after clipping (as the step used them);
- `update_ratio`: ||W_after - W_before|| / ||W_after|| of the layer's kernel for that step (dense layers);
- `act_mean`, `act_std`: mean and standard deviation of the layer's outputs over the batch (layers with an
  activation; a loss fused with the output activation skips it in training, so it is applied here);
- `saturation`: fraction of those outputs within SATURATION_MARGIN of a bound (sigmoid/tanh family).
`dead` is the count of units silent for the whole epoch (`EpochEnd.dead_units`, ReLU family), which the trainer
tracks every step.

The steps sampled are every SAMPLE_EVERY-th batch of an epoch and its last one: a fixed cadence, so the same seed
gives the same history (a resumed run, the history of an uninterrupted one), at a cost of about one step's worth
per epoch on small networks and well under 1% of the training time on large ones (benchmarks/bench_training.py).
`DiagnosticsCollector.sample_history` calls `sample` with the step's gradient norms.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from .activation_stats import SATURATION_MARGIN, layer_output
from .network import Network

QUANTITIES = ("grad_norm", "update_ratio", "act_mean", "act_std", "saturation", "dead")
SAMPLE_EVERY = 64        # batches between two sampled steps within an epoch (the epoch's last is always sampled)


def layer_span(network: Network, index: int) -> slice:
    """Where layer `index`'s trainable parameters lie in the network's flat vectors (a layer's are laid out
    together, so one view and one dot product cover them)."""
    entries = [e for e in network.entries if e.layer == index and e.trainable]
    start = min(e.offset for e in entries)
    end = max(e.offset + e.size for e in entries)
    if end - start != sum(e.size for e in entries):
        raise ValueError(f"layer {index}'s parameters are not contiguous")
    return slice(start, end)


class LayerHistory:
    """Sums of per-step figures over an epoch; `end_epoch` turns them into that epoch's history values.

    `previous` is the trainer's copy of the weights before its latest step (what the update ratio compares with);
    `grad_layers` the layers whose gradient norms `sample` receives, in that order. Every view is made here, once:
    a sample on a small network is a few dozen NumPy calls, and their Python overhead is most of its cost."""

    def __init__(self, network: Network, previous: np.ndarray | None, grad_layers: Sequence[int],
                 dead_layers: Sequence[int]):
        self.network = network
        keys: dict[tuple[int, str], int] = {}
        kernels = {e.layer: slice(e.offset, e.offset + e.size) for e in network.entries
                   if e.trainable and e.key == "weight"}
        for i, layer in enumerate(network.layers):
            act = layer.activation
            wanted = {"grad_norm": i in grad_layers, "update_ratio": i in kernels and previous is not None,
                      "act_mean": act is not None, "act_std": act is not None,
                      "saturation": act is not None and act.saturation_bounds is not None, "dead": i in dead_layers}
            for quantity in QUANTITIES:
                if wanted[quantity]:
                    keys[(i, quantity)] = len(keys)
        self.keys = [f"layers.{i}.{quantity}" for i, quantity in keys]
        self._grad_plan = [keys[(i, "grad_norm")] for i in grad_layers]
        self._delta = np.empty_like(network.params)
        self._kernel_plan = [(keys[(i, "update_ratio")], network.params[s], previous[s], self._delta[s])
                             for i, s in kernels.items() if (i, "update_ratio") in keys]
        self._output_plan = []
        for i, layer in enumerate(network.layers):
            if (i, "act_mean") in keys:
                bounds = layer.activation.saturation_bounds
                # saturated: |output - middle| >= half the range minus the margin
                band = None if bounds is None else ((bounds[0] + bounds[1]) / 2,
                                                    (bounds[1] - bounds[0]) * (0.5 - SATURATION_MARGIN))
                self._output_plan.append((keys[(i, "act_mean")], keys.get((i, "saturation")), layer, band))
        self._dead_plan = {i: keys[(i, "dead")] for i in dead_layers}
        self._sums = [0.0] * len(keys)
        self._counts = [0] * len(keys)
        self.samples = 0            # steps sampled this epoch

    def sample(self, grad_norms: Sequence[float]) -> None:
        """Add the figures of the step just taken (the network holds its gradients, weights and outputs)."""
        sums, counts = self._sums, self._counts
        dot, sqrt, add, einsum, count_nonzero = np.dot, math.sqrt, np.add.reduce, np.einsum, np.count_nonzero
        for k, norm in zip(self._grad_plan, grad_norms):
            sums[k] += norm
            counts[k] += 1
        for k, w, before, delta in self._kernel_plan:
            w2 = float(dot(w, w))
            if w2 > 0:
                np.subtract(w, before, out=delta)
                sums[k] += sqrt(float(dot(delta, delta)) / w2)
                counts[k] += 1
        for k, k_saturation, layer, band in self._output_plan:
            output = layer_output(layer)
            if output is None or output.size == 0:
                continue
            flat = output.reshape(-1)
            n = flat.size
            mean = float(add(flat, dtype=np.float64)) / n
            square = float(einsum("i,i->", flat, flat, dtype=np.float64)) / n
            sums[k] += mean
            sums[k + 1] += sqrt(max(square - mean * mean, 0.0))
            counts[k] += 1
            counts[k + 1] += 1
            if k_saturation is not None:
                middle, reach = band
                sums[k_saturation] += count_nonzero(np.abs(flat - middle) >= reach) / n
                counts[k_saturation] += 1
        self.samples += 1

    def end_epoch(self, dead: Mapping[int, int] | None = None) -> dict[str, float]:
        """The epoch's values, one per key (nan for a figure never measured this epoch), and a fresh start."""
        for i, count in (dead or {}).items():
            k = self._dead_plan.get(i)
            if k is not None:
                self._sums[k], self._counts[k] = float(count), 1
        values = {key: (total / count if count else math.nan)
                  for key, total, count in zip(self.keys, self._sums, self._counts)}
        self._sums = [0.0] * len(self.keys)
        self._counts = [0] * len(self.keys)
        self.samples = 0
        return values
