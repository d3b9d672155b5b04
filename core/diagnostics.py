"""Per-layer training diagnostics: gradient norms and their histograms, weight norms, update ratios, dead ReLU
units, saturation and activation statistics.

Three cadences, by cost. Every step: whether each ReLU-family unit has fired yet this epoch (one matrix-vector
product per layer, which is what "dead for every sample of the epoch" needs). Up to 200 times a second (fewer
when a record is costly): a *trace* of the per-layer gradient norms and per-batch dead counts (a few dot
products), so their curves have a point every few milliseconds even when a whole run takes one second. Everything else is computed in snapshots whose schedule
is driven by their measured cost: after each snapshot the next one waits long enough that snapshots use at most
`budget` of the training time (and come at most `max_rate` times a second); each snapshot carries the trace
recorded since the previous one. Histograms over fixed bins are computed only in snapshots, never every step.
The per-epoch layer history (core/layer_history.py: the `layers.{i}.*` keys) is sampled on its own cadence, a
fixed one in steps (`sample_history`), so the same seed gives the same history.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .activation_stats import layer_output, mean_and_std, saturated_fraction
from .events import frozen_array
from .histograms import histogram_fixed, histogram_uniform, log_bins, symlog_bins
from .layer_history import LayerHistory, layer_span
from .network import Network
from .training_config import DIAGNOSTICS_BUDGET, DIAGNOSTICS_RATE

# Fixed bins shared by every snapshot, so histograms from different steps line up in a heat map.
UNIT_NORM_EDGES = frozen_array(log_bins(1e-10, 1e2, 4))
GRAD_VALUE_EDGES = frozen_array(symlog_bins(1e-10, 1e1, 2))
WEIGHT_BINS = 40
# Trace records per second between snapshots, at most: 5-30 us each on small nets, but 60-85 us on an MNIST-sized
# one (two reductions over 128 x 256 pre-activations, dot products over 270,000 gradients), so the rate also
# follows the record's measured cost and keeps the trace within TRACE_BUDGET of the training time.
TRACE_RATE = 200.0
TRACE_BUDGET = 0.005
# What a layer without a kernel reports (shared, read-only).
EMPTY_NORMS = frozen_array(np.empty(0))
NO_UNIT_COUNTS = frozen_array(np.zeros(len(UNIT_NORM_EDGES) - 1, dtype=np.int64))
NO_GRAD_COUNTS = frozen_array(np.zeros(len(GRAD_VALUE_EDGES) - 1, dtype=np.int64))
NO_WEIGHT_COUNTS = frozen_array(np.zeros(WEIGHT_BINS, dtype=np.int64))
NO_WEIGHT_EDGES = frozen_array(np.linspace(-1, 1, WEIGHT_BINS + 1))


@dataclass(frozen=True)
class LayerDiagnostics:
    index: int                       # position in model.layers
    label: str                       # "0: dense 16, relu"
    units: int
    grad_norm: float                 # L2 norm of all this layer's parameter gradients
    kernel_grad_norm: float          # nan for layers without a kernel
    bias_grad_norm: float            # nan for layers without a bias
    weight_norm: float               # L2 norm of the kernel (or of all parameters if no kernel)
    update_ratio: float              # ||update|| / ||weights|| of the last step
    unit_grad_norms: np.ndarray      # (units,) norm of each unit's incoming-weight gradient (dense only, else empty)
    unit_grad_norm_counts: np.ndarray  # histogram of unit_grad_norms over UNIT_NORM_EDGES
    grad_value_counts: np.ndarray    # histogram of the kernel's gradient values over GRAD_VALUE_EDGES
    weight_counts: np.ndarray        # histogram of the kernel's values over weight_edges
    weight_edges: np.ndarray
    dead_batch: int | None           # ReLU-family units with pre-activation <= 0 for every sample of this batch
    dead_epoch_so_far: int | None    # ... for every sample seen so far this epoch
    saturation: float | None         # fraction of outputs near the bounds of a saturating activation
    activation_mean: float
    activation_std: float


@dataclass(frozen=True)
class StepTrace:
    """Per-layer figures recorded between two snapshots, one row per recorded step (read-only arrays)."""

    steps: np.ndarray                # (k,) optimizer steps, increasing
    grad_layers: tuple[int, ...]     # layer index of each column of grad_norms
    grad_norms: np.ndarray           # (k, len(grad_layers)) L2 norm of each layer's parameter gradients
    dead_layers: tuple[int, ...]     # layer index of each column of dead_batch
    dead_batch: np.ndarray           # (k, len(dead_layers)) units with pre-activation <= 0 for the whole batch

    def __len__(self) -> int:
        return int(self.steps.shape[0])


@dataclass(frozen=True)
class DiagnosticsSnapshot:
    step: int
    epoch: int
    batch: int
    global_grad_norm: float
    layers: tuple[LayerDiagnostics, ...]
    cost_seconds: float              # CPU seconds computing this snapshot took (its thread's)
    trace: StepTrace | None = None   # the steps recorded since the previous snapshot, this one's included

    def layer(self, index: int) -> LayerDiagnostics:
        for entry in self.layers:
            if entry.index == index:
                return entry
        raise KeyError(index)


class DeadUnitTracker:
    """Per unit, over an epoch, whether it ever fired, for layers whose activation can die: `maxima[i] <= 0` marks
    the units of layer i that have not fired yet (each entry is the unit's largest batch sum of outputs).

    Every step, so it must be cheap: one matrix-vector product per layer (every activation that can die outputs
    > 0 exactly where z > 0, so a unit fired in a batch iff its column of outputs sums to more than 0) and one
    maximum over all layers at once. Once every unit of every layer has fired, none can be dead for the whole
    epoch and the tracker rests until the epoch ends (checked every CHECK_EVERY steps).
    """

    CHECK_EVERY = 16

    def __init__(self, network: Network):
        self.network = network
        self.layers = [i for i, layer in enumerate(network.layers)
                       if layer.activation is not None and layer.activation.can_die]
        widths = [network.widths[i + 1] for i in self.layers]
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int) if widths else np.zeros(1, dtype=int)
        self._all = np.full(int(offsets[-1]), -np.inf, dtype=network.dtype)
        self._batch = np.empty_like(self._all)
        self.maxima = {i: self._all[offsets[k]:offsets[k + 1]] for k, i in enumerate(self.layers)}
        self._plan = [(network.layers[i], self._batch[offsets[k]:offsets[k + 1]]) for k, i in enumerate(self.layers)]
        self._ones = np.ones(0, dtype=network.dtype)
        self._resting = False
        self._steps = 0

    def update(self) -> None:
        if self._resting or not self._plan:
            return
        for layer, part in self._plan:
            a = layer.output
            if a is not None:
                ones = self._ones
                if ones.shape[0] != a.shape[0] or ones.dtype != a.dtype:   # the first batch, or a short last one
                    ones = self._ones = np.ones(a.shape[0], dtype=a.dtype)
                np.matmul(ones, a, out=part)
            elif layer.pre_activation is not None:
                np.maximum.reduce(layer.pre_activation, axis=0, out=part)
            else:
                part.fill(-np.inf)
        np.maximum(self._all, self._batch, out=self._all)
        self._steps += 1
        if self._steps % self.CHECK_EVERY == 0 and self._all.min() > 0:
            self._resting = True

    def dead_in_batch(self, index: int) -> int:
        """Units of layer `index` whose pre-activation was <= 0 for every sample of the latest batch."""
        z = self.network.layers[index].pre_activation
        return 0 if z is None else int(np.count_nonzero(np.max(z, axis=0) <= 0))

    def dead_so_far(self, index: int) -> int:
        return int(np.count_nonzero(self.maxima[index] <= 0))

    def end_epoch(self) -> dict[int, int]:
        counts = {i: int(np.count_nonzero(m <= 0)) for i, m in self.maxima.items()}
        self._all.fill(-np.inf)
        self._resting = False
        return counts


class DiagnosticsCollector:
    """Decides when a snapshot is due and computes it from the network's current state.

    `previous`: the weights before the latest step (the trainer keeps them for divergence anyway), from which
    snapshots and the layer history measure the size of each update; without it update ratios are nan."""

    def __init__(self, network: Network, budget: float = DIAGNOSTICS_BUDGET, max_rate: float = DIAGNOSTICS_RATE,
                 every_steps: int | None = None, clock=time.perf_counter, trace_rate: float = TRACE_RATE,
                 cost_clock=time.thread_time, previous: np.ndarray | None = None):
        self.network = network
        self.previous = previous
        self.budget = budget
        self.min_interval = 1.0 / max_rate if max_rate > 0 else math.inf
        self.every_steps = every_steps
        self.clock = clock
        # A snapshot's cost is its thread's CPU time: while the GUI thread holds the GIL to paint, wall time
        # would inflate the cost and space the snapshots out just when someone is watching them.
        self.cost_clock = cost_clock
        self.dead = DeadUnitTracker(network)
        self.enabled = budget > 0 or every_steps is not None
        self._next_time = 0.0
        # The trace: with a fixed step cadence (tests) every step is recorded; otherwise `trace_rate` per second.
        self.trace_interval = 0.0 if every_steps is not None else 1.0 / trace_rate
        self.next_trace = 0.0
        self._grad_layers = tuple(i for i in range(len(network.layers))
                                  if any(e.layer == i and e.trainable for e in network.entries))
        # A layer's trainable parameters are one stretch of the flat vector: one view, one dot product.
        self._grad_views = [network.grads[layer_span(network, i)] for i in self._grad_layers]
        self._trace_steps: list[int] = []
        self._trace_norms: list[list[float]] = []
        self._trace_dead: list[list[int]] = []
        self.layer_history = LayerHistory(network, previous, self._grad_layers, self.dead.layers)
        self._snapshots = 0
        # Per layer that has something to report: its label and its trainable parameters by key, as
        # (offset, size, shape); fixed for the network's life, so a snapshot does not look them up again.
        self._plan = []
        for i, layer in enumerate(network.layers):
            entries = {e.key: (e.offset, e.size, e.shape) for e in network.entries if e.layer == i and e.trainable}
            act = layer.activation
            if entries or (act is not None and (act.can_die or act.saturation_bounds is not None)):
                self._plan.append((i, layer, f"{i}: {layer.describe()}", entries))

    def due(self, step: int) -> bool:
        """Whether to take a snapshot after optimizer step number `step` (counted from 1)."""
        if not self.enabled:
            return False
        if self.every_steps is not None:
            return step % self.every_steps == 0
        return self.clock() >= self._next_time

    def grad_norms(self) -> list[float]:
        """The L2 norm of each layer's parameter gradients (layers with trainable parameters, in order)."""
        dot, sqrt = np.dot, math.sqrt
        return [sqrt(float(dot(g, g))) for g in self._grad_views]

    def sample_history(self) -> None:
        """Add the step just taken to the epoch's layer history."""
        self.layer_history.sample(self.grad_norms())

    def record(self, step: int) -> None:
        """Add the current per-layer gradient norms and per-batch dead counts to the trace (after step `step`)."""
        start = self.cost_clock() if self.trace_interval > 0 else 0.0
        self._trace_steps.append(step)
        self._trace_norms.append(self.grad_norms())
        self._trace_dead.append([self.dead.dead_in_batch(i) for i in self.dead.layers])
        if self.trace_interval > 0:
            cost = self.cost_clock() - start
            self.next_trace = self.clock() + max(self.trace_interval, cost / TRACE_BUDGET)

    def take_trace(self) -> StepTrace:
        """The trace recorded so far, emptied."""
        k = len(self._trace_steps)
        trace = StepTrace(
            steps=frozen_array(self._trace_steps, dtype=np.int64),
            grad_layers=self._grad_layers,
            grad_norms=frozen_array(np.reshape(self._trace_norms, (k, len(self._grad_layers))), dtype=np.float64),
            dead_layers=tuple(self.dead.layers),
            dead_batch=frozen_array(np.reshape(self._trace_dead, (k, len(self.dead.layers))), dtype=np.int64),
        )
        self._trace_steps, self._trace_norms, self._trace_dead = [], [], []
        return trace

    def end_epoch(self, dead: dict[int, int]) -> dict[str, float]:
        """The epoch's `layers.{i}.*` history values (`dead`: units dead for the whole epoch, by layer)."""
        return self.layer_history.end_epoch(dead)

    def snapshot(self, step: int, epoch: int, batch: int) -> DiagnosticsSnapshot:
        start = self.cost_clock()
        grads = self.network.grads
        layers = tuple(self._layer(i, layer, label, entries) for i, layer, label, entries in self._plan)
        global_norm = math.sqrt(float(np.dot(grads, grads))) if grads.size else 0.0
        if not self._trace_steps or self._trace_steps[-1] != step:
            self.record(step)
        trace = self.take_trace()
        cost = self.cost_clock() - start
        if self.every_steps is None:
            # The first snapshot pays for warm-up (first allocations, histogram tables): its cost is no measure.
            paced = cost / self.budget if self.budget > 0 else math.inf
            wait = self.min_interval if self._snapshots == 0 else max(self.min_interval, paced)
            self._next_time = self.clock() + wait
        self._snapshots += 1
        return DiagnosticsSnapshot(step, epoch, batch, global_norm, layers, cost, trace)

    def _layer(self, i: int, layer, label: str, entries: dict) -> LayerDiagnostics:
        net = self.network
        params, grads = net.params, net.grads
        views = {key: (params[o:o + n], grads[o:o + n], shape) for key, (o, n, shape) in entries.items()}
        grad_sq = sum(float(np.dot(g, g)) for _, g, _ in views.values())
        nan = float("nan")
        kernel_grad_norm = bias_grad_norm = nan
        unit_norms = EMPTY_NORMS
        unit_counts = NO_UNIT_COUNTS
        grad_counts = NO_GRAD_COUNTS
        weight_counts, weight_edges = NO_WEIGHT_COUNTS, NO_WEIGHT_EDGES
        if "weight" in views:
            w, g, shape = views["weight"]
            kernel_grad_norm = math.sqrt(float(np.dot(g, g)))
            g2 = g.reshape(shape)
            unit_norms = frozen_array(np.sqrt(np.einsum("ij,ij->j", g2, g2, dtype=np.float64)))
            unit_counts = frozen_array(histogram_fixed(unit_norms, UNIT_NORM_EDGES))
            grad_counts = frozen_array(histogram_fixed(g, GRAD_VALUE_EDGES))
            counts, edges = histogram_uniform(w, WEIGHT_BINS)
            weight_counts, weight_edges = frozen_array(counts), frozen_array(edges)
            weight_ref = w
        else:
            weight_ref = np.concatenate([p for p, _, _ in views.values()]) if views else np.empty(0)
        if "bias" in views:
            _, g, _ = views["bias"]
            bias_grad_norm = math.sqrt(float(np.dot(g, g)))
        weight_norm = math.sqrt(float(np.dot(weight_ref, weight_ref))) if weight_ref.size else nan
        update_ratio = nan
        if self.previous is not None and "weight" in views:
            w = views["weight"][0]
            o, n, _ = entries["weight"]
            delta = w - self.previous[o:o + n]
            update_ratio = math.sqrt(float(np.dot(delta, delta))) / weight_norm if weight_norm > 0 else nan
        act = layer.activation
        dead_batch = dead_epoch = None
        saturation = None
        act_mean = act_std = nan
        # A loss fused with the output activation skips it in training; layer_output applies it here.
        output = layer_output(layer) if act is not None else None
        if act is not None and act.can_die and layer.pre_activation is not None:
            dead_batch = self.dead.dead_in_batch(i)
            dead_epoch = self.dead.dead_so_far(i)
        if output is not None and output.size:
            act_mean, act_std = mean_and_std(output)
            if act.saturation_bounds is not None:
                saturation = saturated_fraction(output, act.saturation_bounds)
        return LayerDiagnostics(
            index=i, label=label, units=net.widths[i + 1],
            grad_norm=math.sqrt(grad_sq), kernel_grad_norm=kernel_grad_norm, bias_grad_norm=bias_grad_norm,
            weight_norm=weight_norm, update_ratio=update_ratio,
            unit_grad_norms=unit_norms, unit_grad_norm_counts=unit_counts,
            grad_value_counts=grad_counts, weight_counts=weight_counts, weight_edges=weight_edges,
            dead_batch=dead_batch, dead_epoch_so_far=dead_epoch,
            saturation=saturation, activation_mean=act_mean, activation_std=act_std,
        )

