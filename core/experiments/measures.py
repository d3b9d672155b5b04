"""The numbers an experiment's effect is stated in, computed from one finished run.

A measure is named in the experiment section (`"measure": "grad_ratio"`, `"measure": "last:val_loss"`) and read
from what every run already has: the per-epoch history (`Trainer.history`, with the per-layer diagnostics
`layers.{i}.*`) and the final weights. History keys that a run lacks give NaN rather than an error, because older
or smaller runs may not record every diagnostic.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from ..errors import SpecError
from ..experiment_spec import MEASURE_HELP, MEASURE_NAMES, REDUCTIONS, is_measure

# Per-history-key reductions: "last:val_loss", "min:loss", ...
_REDUCTIONS: dict[str, Callable[[Sequence[float]], float]] = {
    "last": lambda v: float(v[-1]),
    "first": lambda v: float(v[0]),
    "min": lambda v: float(np.nanmin(v)),
    "max": lambda v: float(np.nanmax(v)),
    "mean": lambda v: float(np.nanmean(v)),
}
NEAR_ZERO = 1e-3      # |w| below this counts as a near-zero weight


@dataclass(frozen=True)
class RunResult:
    """What a measure may read: the history, each dense layer's kernel (by layer index) and how the run ended."""
    history: Mapping[str, list[float]]
    kernels: Mapping[int, np.ndarray]
    status: str
    best_epoch: int | None = None
    val_confidence: float = math.nan      # mean probability of the predicted class on the validation rows
    findings: tuple[str, ...] = ()        # the diagnosis advisor's finding codes (problems and warnings)


def _layer_keys(history: Mapping[str, list[float]], quantity: str) -> list[int]:
    found = [int(m.group(1)) for k in history if (m := re.fullmatch(rf"layers\.(\d+)\.{quantity}", k))]
    return sorted(found)


def grad_ratio(run: RunResult) -> float:
    """Mean over epochs of the first layer's gradient norm over the last layer's: ~1 when gradients reach the
    input, orders of magnitude below 1 when they vanish on the way."""
    layers = _layer_keys(run.history, "grad_norm")
    if len(layers) < 2:
        return math.nan
    first = np.asarray(run.history[f"layers.{layers[0]}.grad_norm"], float)
    last = np.asarray(run.history[f"layers.{layers[-1]}.grad_norm"], float)
    return float(np.nanmean(first / np.maximum(last, 1e-300)))


def dead_units(run: RunResult) -> float:
    """Units dead for the whole last epoch, summed over the ReLU-family layers."""
    layers = _layer_keys(run.history, "dead")
    return float(sum(run.history[f"layers.{i}.dead"][-1] for i in layers)) if layers else math.nan


def hidden_saturation(run: RunResult) -> float:
    """The largest saturated fraction any hidden sigmoid/tanh-family layer reached in any epoch (the output layer
    is left out: a confident output sits near 0 or 1 by design)."""
    layers = [i for i in _layer_keys(run.history, "saturation") if i < max(run.kernels, default=0)]
    return float(max(np.nanmax(run.history[f"layers.{i}.saturation"]) for i in layers)) if layers else math.nan


def _hidden_kernels(run: RunResult) -> np.ndarray:
    """Every kernel weight but the output layer's (the layers a regularizer is meant to thin out)."""
    keys = sorted(run.kernels)[:-1] or sorted(run.kernels)
    return np.concatenate([run.kernels[i].ravel() for i in keys]) if keys else np.zeros(0)


def zero_weights(run: RunResult) -> float:
    """Share of hidden kernel weights that are exactly 0."""
    w = _hidden_kernels(run)
    return float(np.mean(w == 0.0)) if w.size else math.nan


def near_zero_weights(run: RunResult) -> float:
    """Share of hidden kernel weights with |w| < NEAR_ZERO."""
    w = _hidden_kernels(run)
    return float(np.mean(np.abs(w) < NEAR_ZERO)) if w.size else math.nan


def weight_norm(run: RunResult) -> float:
    """L2 norm of the hidden-layer kernel weights at the end (what weight decay shrinks)."""
    w = _hidden_kernels(run)
    return float(np.linalg.norm(w)) if w.size else math.nan


def val_gap(run: RunResult) -> float:
    """Last epoch's validation loss minus its training loss: the variance side of the bias/variance trade-off."""
    return _get(run, "val_loss", -1) - _get(run, "loss", -1)


def val_rise(run: RunResult) -> float:
    """How far the validation loss ends above its minimum: ~0 when it stays down, large when it climbs back."""
    return _get(run, "val_loss", -1) - float(np.nanmin(run.history.get("val_loss", [math.nan])))


def val_confidence(run: RunResult) -> float:
    """How sure the final model is on the validation rows: the mean probability of the class it predicts."""
    return run.val_confidence


def diverged(run: RunResult) -> float:
    return 1.0 if run.status == "diverged" else 0.0


def _get(run: RunResult, key: str, index: int) -> float:
    values = run.history.get(key)
    return float(values[index]) if values else math.nan


MEASURES: dict[str, Callable[[RunResult], float]] = {
    "grad_ratio": grad_ratio, "dead_units": dead_units, "hidden_saturation": hidden_saturation,
    "zero_weights": zero_weights, "near_zero_weights": near_zero_weights, "weight_norm": weight_norm,
    "val_gap": val_gap,
    "val_rise": val_rise, "diverged": diverged, "val_confidence": val_confidence,
}
assert tuple(MEASURES) == MEASURE_NAMES and tuple(_REDUCTIONS) + ("final", "finding") == REDUCTIONS


def measure(name: str, run: RunResult) -> float:
    """The value of measure `name` for `run` (NaN when the run lacks what it reads)."""
    if not is_measure(name):
        raise SpecError(f"{name!r} is not a measure; measures: {MEASURE_HELP}")
    if name in MEASURES:
        return MEASURES[name](run)
    reduction, _, key = name.partition(":")
    if reduction == "finding":
        return 1.0 if key in run.findings else 0.0
    if reduction == "final":        # the epoch whose weights the run ends with: the restored one, else the last
        values = run.history.get(key)
        index = run.best_epoch if run.best_epoch is not None else -1
        return float(values[index]) if values else math.nan
    values = run.history.get(key)
    if not values:
        return math.nan
    return _REDUCTIONS[reduction](values)
