"""Short probes on a copy of a network: one forward/backward pass over a sample of training rows.

`probe_initial` measures the network as training starts (the project's seed gives the trainer's exact initial
weights): the loss at step 0, each layer's gradient norm, output statistics and saturation, and whether a layer's
units are identical (a symmetric initialisation). `probe_current` measures a trained network in evaluation
mode: dead units over the sampled rows and saturation, for runs whose history lacks those keys. Neither touches
the network or optimizer it was given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activation_stats import SATURATION_MARGIN
from ..losses import Loss, get_loss
from ..network import Network
from ..network_clone import clone_network
from ..tasks import default_loss_for
from ..training_data import seed_generators

# Rows a probe passes through the network: enough for stable statistics, few enough to take milliseconds.
PROBE_ROWS = 512
# Rows the current-state probe checks for dead units: "dead" means silent on every one of them.
DEAD_PROBE_ROWS = 4096


@dataclass(frozen=True)
class LayerProbe:
    index: int
    units: int
    grad_norm: float            # L2 norm of all the layer's parameter gradients (nan: no parameters or no pass)
    weight_std: float           # standard deviation of the kernel's entries (nan: no kernel)
    weight_norm: float          # L2 norm of the kernel (nan: no kernel)
    output_std: float           # of the layer's outputs over the probe rows
    saturation: float | None    # fraction of outputs within SATURATION_MARGIN of a bound (saturating activations)
    dead: int | None            # units whose pre-activation is <= 0 on every probe row (activations that can die)
    identical_units: bool       # more than one unit, all with the same incoming weights and bias


@dataclass(frozen=True)
class ProbeResult:
    loss: float                 # mean loss over the probe rows (nan without targets)
    rows: int
    input_std: float            # standard deviation of all the inputs' entries
    layers: tuple[LayerProbe, ...]

    def layer(self, index: int) -> LayerProbe:
        return self.layers[index]


def initial_network(project: Any, input_width: int) -> Network:
    """The network exactly as `Trainer` initialises it for `project` (same seed, same generator)."""
    network = Network(list(project.layers), input_width, project.training.dtype)
    init_rng, _, _ = seed_generators(project.training.seed)
    network.initialize(init_rng)
    return network


def project_loss(project: Any, task: str) -> Loss:
    return get_loss(project.training.loss or default_loss_for(task))


def sample_rows(n: int, limit: int, seed: int) -> np.ndarray:
    """Up to `limit` row indices out of n, a seeded sample in increasing order (all rows when n <= limit)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def probe_initial(project: Any, data: Any, rows: int = PROBE_ROWS) -> ProbeResult:
    """One training-mode forward/backward pass of the project's initial network on a sample of training rows."""
    network = initial_network(project, int(np.asarray(data.train.X).shape[1]))
    loss = project_loss(project, data.task)
    return run_probe(network, loss, data, rows, training=True, seed=project.training.seed, own_copy=True)


def probe_current(network: Network, project: Any, data: Any, rows: int = DEAD_PROBE_ROWS) -> ProbeResult:
    """An evaluation-mode forward pass of a copy of `network` (its current weights) on a sample of training rows
    (dead units and saturation need no gradients: `grad_norm` is nan)."""
    loss = project_loss(project, data.task)
    return run_probe(network, loss, data, rows, training=False, seed=project.training.seed, backward=False)


def run_probe(network: Network, loss: Loss, data: Any, rows: int, training: bool, seed: int,
              own_copy: bool = False, backward: bool = True) -> ProbeResult:
    net = network if own_copy else clone_network(network)
    X_all = np.asarray(data.train.X)
    picked = sample_rows(X_all.shape[0], rows, seed)
    X = np.ascontiguousarray(X_all[picked], dtype=net.dtype)
    y = np.asarray(data.train.y)[picked]
    targets = loss.prepare_targets(y, net.output_width, net.dtype)
    _, _, noise_rng = seed_generators(seed)
    fused = net.can_fuse(loss.fused_activation)
    with np.errstate(all="ignore"):
        out = net.forward(X, training, noise_rng, logits=fused)
        if fused:
            value, grad = loss.value_and_grad_logits(out, targets)
        else:
            value, grad = loss.value_and_grad(out, targets)
        net.grads[...] = 0
        if backward:
            net.backward(grad, from_logits=fused)
        layers = tuple(_layer_probe(net, i, backward) for i in range(len(net.layers)))
    return ProbeResult(float(value), int(X.shape[0]), float(np.std(X)) if X.size else math.nan, layers)


def _layer_probe(net: Network, i: int, with_gradients: bool = True) -> LayerProbe:
    layer = net.layers[i]
    units = net.widths[i + 1]
    entries = [e for e in net.entries if e.layer == i and e.trainable]
    grad_norm = math.nan
    if entries and with_gradients:
        grad_norm = math.sqrt(sum(float(np.dot(g, g)) for g in
                                  (net.grads[e.offset:e.offset + e.size].astype(np.float64) for e in entries)))
    params = {e.key: net.params[e.offset:e.offset + e.size].reshape(e.shape) for e in entries}
    kernel = params.get("weight")
    weight_std = float(np.std(kernel)) if kernel is not None and kernel.size else math.nan
    weight_norm = float(np.linalg.norm(kernel.astype(np.float64))) if kernel is not None else math.nan
    identical = False
    if kernel is not None and kernel.ndim == 2 and kernel.shape[1] > 1:
        identical = bool(np.all(kernel == kernel[:, :1]))
        if identical and "bias" in params:
            identical = bool(np.all(params["bias"] == params["bias"][0]))
    act = layer.activation
    output, z = layer.output, layer.pre_activation
    if output is None and act is not None and z is not None:
        output = act.forward(z)          # a loss fused with the output activation skipped it
    output_std = float(np.std(output)) if output is not None and output.size else math.nan
    saturation = dead = None
    if act is not None and act.saturation_bounds is not None and output is not None and output.size:
        lo, hi = act.saturation_bounds
        margin = SATURATION_MARGIN * (hi - lo)
        saturation = float(np.count_nonzero((output <= lo + margin) | (output >= hi - margin)) / output.size)
    if act is not None and act.can_die and z is not None:
        dead = int(np.count_nonzero(np.max(z, axis=0) <= 0))
    return LayerProbe(i, units, grad_norm, weight_std, weight_norm, output_std, saturation, dead, identical)
