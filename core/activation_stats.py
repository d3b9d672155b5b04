"""Statistics of a layer's outputs shared by the diagnostics snapshots and the per-epoch layer history: mean and
standard deviation, and the fraction of outputs pinned near the bounds of a saturating activation."""
from __future__ import annotations

import math

import numpy as np

# An output is saturated when it is within 1% of the activation's range from either bound.
SATURATION_MARGIN = 0.01


def layer_output(layer) -> np.ndarray | None:
    """The layer's activation output of the latest forward pass (n, units); for an output layer whose activation
    a loss fused away in training, that activation applied to the pre-activation. None for layers without one."""
    output = layer.output
    if output is None and layer.activation is not None and layer.pre_activation is not None:
        output = layer.activation.forward(layer.pre_activation)
    return output


def mean_and_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and (population) standard deviation, accumulated in float64: `np.mean` + `np.std` for a tenth of
    their Python overhead."""
    flat = values.reshape(-1)
    mean = float(np.add.reduce(flat, dtype=np.float64)) / flat.size
    dev = flat - flat.dtype.type(mean)
    return mean, math.sqrt(float(np.einsum("i,i->", dev, dev, dtype=np.float64)) / flat.size)


def saturated_fraction(output: np.ndarray, bounds: tuple[float, float]) -> float:
    """Fraction of `output` within SATURATION_MARGIN of the range `bounds` (lo, hi) from either bound."""
    lo, hi = bounds
    margin = SATURATION_MARGIN * (hi - lo)
    saturated = np.count_nonzero(output <= lo + margin) + np.count_nonzero(output >= hi - margin)
    return saturated / output.size
