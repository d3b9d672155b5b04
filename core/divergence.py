"""When a run has diverged: a loss or weights that stopped being finite, and also ones that exploded while staying
finite (an adaptive optimizer at lr 1e6 takes steps of about the learning rate whatever the gradient, so its loss
reaches 1e12 with weights near 1e7 without ever overflowing).

An explosion is growth by orders of magnitude against where the training started: a batch loss above LOSS_GROWTH
times the first loss (at least LOSS_FLOOR: a network that starts almost perfect may still see a batch of loss 1
later), or weights whose L2 norm is above WEIGHT_GROWTH times the starting norm (at least WEIGHT_FLOOR per
parameter, for a zero initialisation). The limits are wide on purpose: across the example projects over three
seeds, the largest batch loss is 6.4x the first and the largest weight norm 14x the starting one, while a learning
rate 1,000x too high gives 1e7-1e20x within an epoch.

The loss is checked every step (a comparison), the weights whenever someone may look at them (before an event,
a diagnostics snapshot or trace record, and at the end of each epoch: one dot product), so diagnostics and views
never meet Inf and the weights kept are the last ones that passed.
"""
from __future__ import annotations

import math

import numpy as np

LOSS_GROWTH = 1e3          # a batch loss this many times the first one has exploded
LOSS_FLOOR = 1.0           # ... or this many times LOSS_FLOOR, when the first loss was smaller
WEIGHT_GROWTH = 1e3        # weights whose norm grew this many times have exploded
WEIGHT_FLOOR = 0.01        # the starting norm counts as at least this per parameter (RMS), for zero inits


class DivergenceGuard:
    """The references a trainer's divergence checks compare against, set when training starts (and after a
    reset): the first batch loss (or the history's first epoch loss, for a trainer restored from a checkpoint) and
    the weights' norm at the start of the first run."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.loss_reference: float | None = None
        self.loss_limit = math.inf                 # a batch loss above this (or NaN) has diverged
        self.weight_reference: float | None = None
        self._weight_limit2 = math.inf             # a squared weight norm above this has diverged

    def start_run(self, params: np.ndarray, first_epoch_loss: float | None) -> None:
        """Before a run: references still missing are taken from the history and the current weights."""
        if self.loss_reference is None and first_epoch_loss is not None and math.isfinite(first_epoch_loss):
            self.set_loss_reference(first_epoch_loss)
        if self.weight_reference is None:
            norm = math.sqrt(float(np.dot(params.astype(np.float64), params.astype(np.float64))))
            if math.isfinite(norm):
                self.weight_reference = norm
                floor = WEIGHT_FLOOR * math.sqrt(max(params.size, 1))
                self._weight_limit2 = (WEIGHT_GROWTH * max(norm, floor)) ** 2

    def set_loss_reference(self, loss: float) -> None:
        if math.isfinite(loss):
            self.loss_reference = float(loss)
            self.loss_limit = LOSS_GROWTH * max(abs(loss), LOSS_FLOOR)

    def weights_norm_if_bad(self, params: np.ndarray) -> float | None:
        """None when the weights are finite and within their limit; otherwise their norm (inf or nan if they are
        not finite), for the message."""
        w2 = float(np.dot(params, params))
        if w2 <= self._weight_limit2:              # False for NaN
            return None
        if not np.all(np.isfinite(params)):
            return float("nan") if np.isnan(params).any() else math.inf
        return math.sqrt(float(np.dot(params.astype(np.float64), params.astype(np.float64))))

    def explanation(self, what: str, value: float) -> str:
        """What went wrong, for a Diverged message: "the loss became nan", "the loss grew to 3.2e+07, over 1000
        times its first value 0.69", "the weights grew to a norm of 5e+06, over 1000 times ..."."""
        if what == "loss" and math.isfinite(value) and self.loss_reference is not None:
            return (f"the loss grew to {value:.3g}, over {LOSS_GROWTH:g} times its first value "
                    f"{self.loss_reference:.3g}")
        if what == "weights" and math.isfinite(value) and self.weight_reference is not None:
            return (f"the weights grew to a norm of {value:.3g}, over {WEIGHT_GROWTH:g} times their starting "
                    f"{self.weight_reference:.3g}")
        if what == "weights":
            return f"the weights became {value}"
        return f"the {what} became {value}"
