"""Leslie Smith's learning-rate range test, as fastai's `lr_find` runs it.

On a copy of the network (or the project's initial network) with a fresh optimizer of the project's kind, the
learning rate grows exponentially from START_LR to END_LR over NUM_ITERATIONS mini-batches while the training loss
is recorded, smoothed as fastai does (an exponential moving average with bias correction). The test stops early
once the smoothed loss exceeds DIVERGENCE times the best so far or stops being finite. Two suggestions are read
from the smoothed curve, after fastai's trim (the first tenth and the last five points): *steepest*, where the
loss falls fastest per decade of learning rate, and *valley*, halfway along the longest stretch of falling loss
(fastai's default, and ours). The user's network and optimizer are never touched.

Smith, "Cyclical Learning Rates for Training Neural Networks" (2017); fastai `LRFinder`, `steep`, `valley`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import TrainingError
from .gradient_clipping import clip_gradient
from .network import Network
from .network_clone import clone_network
from .optimizers import get_optimizer
from .training_data import TrainerData, sample_weights, seed_generators

START_LR = 1e-7
END_LR = 10.0
NUM_ITERATIONS = 100
SMOOTHING = 0.98          # fastai's AvgSmoothLoss beta
DIVERGENCE = 4.0          # fastai: stop when the smoothed loss exceeds 4x the best
SKIP_START = 0.1          # fastai trims the first num_it // 10 points ...
SKIP_END = 5              # ... and the last 5 before suggesting


@dataclass(frozen=True)
class LRFinderResult:
    lrs: tuple[float, ...]            # the learning rate of each step taken
    losses: tuple[float, ...]         # smoothed training loss after each step
    raw_losses: tuple[float, ...]     # each step's mini-batch loss
    suggestion: float                 # the valley rule's rate
    steepest: float
    valley: float
    diverged: bool                    # stopped early on divergence rather than after NUM_ITERATIONS

    def to_dict(self) -> dict[str, Any]:
        return {"suggestion": self.suggestion, "steepest": self.steepest, "valley": self.valley,
                "lrs": list(self.lrs), "losses": [_json_number(v) for v in self.losses]}


def find_lr(project: Any, data: TrainerData, *, network: Network | None = None, start_lr: float = START_LR,
            end_lr: float = END_LR, num_iterations: int = NUM_ITERATIONS) -> LRFinderResult:
    """Run the range test for `project` on `data` (what a trainer reads: a PreparedData or a TrainingData).

    With `network`, a copy of it (its current weights) is trained; without, the project's initial network (its
    seed). The optimizer is a fresh one from `training.optimizer`; batch size, shuffling, loss, class weights,
    L1/L2 penalties and gradient clipping are the project's, so the curve is the one its training would see."""
    from .diagnosis.probe import initial_network, project_loss

    if not (0 < start_lr < end_lr) or num_iterations < 2:
        raise TrainingError(f"the learning-rate range needs 0 < start ({start_lr:g}) < end ({end_lr:g}) and at least "
                            f"2 iterations, got {num_iterations}")
    config = project.training
    X = np.asarray(data.train.X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise TrainingError("the training split is empty")
    net = clone_network(network) if network is not None else initial_network(project, int(X.shape[1]))
    X = np.ascontiguousarray(X, dtype=net.dtype)
    if not np.all(np.isfinite(X)):
        raise TrainingError("training inputs contain NaN or Inf")
    loss = project_loss(project, data.task)
    T = loss.prepare_targets(data.train.y, net.output_width, net.dtype)
    W = sample_weights(config.class_weight, data, data.task, int(data.n_classes), None, X.shape[0], net.dtype)
    optimizer = get_optimizer(config.optimizer, "training.optimizer")
    optimizer.build(net.params.size, net.dtype)
    _, shuffle_rng, noise_rng = seed_generators(config.seed)
    fused = net.can_fuse(loss.fused_activation)
    n, bs = X.shape[0], min(config.batch_size, X.shape[0])
    P, G = net.params, net.grads
    lrs: list[float] = []
    raw: list[float] = []
    smooth: list[float] = []
    average, best, diverged = 0.0, math.inf, False
    order = np.arange(n)
    cursor = n
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for i in range(num_iterations):
            if cursor + bs > n:           # a new pass over the data; a short last batch is skipped
                order = shuffle_rng.permutation(n) if config.shuffle else np.arange(n)
                cursor = 0
            rows = order[cursor:cursor + bs]
            cursor += bs
            lr = start_lr * (end_lr / start_lr) ** (i / (num_iterations - 1))
            out = net.forward(X[rows], True, noise_rng, logits=fused)
            weights = None if W is None else W[rows]
            value, grad = (loss.value_and_grad_logits(out, T[rows], weights) if fused
                           else loss.value_and_grad(out, T[rows], weights))
            if net.has_penalty:
                value += net.penalty()
            net.backward(grad, from_logits=fused)
            if net.has_penalty:
                net.add_penalty_gradient()
            average = SMOOTHING * average + (1 - SMOOTHING) * value
            smoothed = average / (1 - SMOOTHING ** (i + 1))
            lrs.append(lr)
            raw.append(float(value))
            smooth.append(float(smoothed))
            if not math.isfinite(smoothed) or not np.all(np.isfinite(G)):
                diverged = True
                break
            best = min(best, smoothed)
            if smoothed > DIVERGENCE * best:
                diverged = True
                break
            clip_gradient(G, config.clip_value, config.clip_norm)
            optimizer.lr = lr
            optimizer.step(P, G)
            if not np.all(np.isfinite(P)):
                diverged = True
                break
            net.apply_constraints()
    steepest, valley = suggestions(lrs, smooth, num_iterations)
    return LRFinderResult(tuple(lrs), tuple(smooth), tuple(raw), valley, steepest, valley, diverged)


def suggestions(lrs: list[float], losses: list[float], num_iterations: int) -> tuple[float, float]:
    """(steepest, valley) from the smoothed curve, trimmed as fastai trims it; with too few points left (an early
    divergence) the untrimmed finite part is used."""
    start, end = num_iterations // round(1 / SKIP_START), len(losses) - SKIP_END
    lr, loss = np.asarray(lrs[start:end]), np.asarray(losses[start:end])
    if lr.size < 3:
        lr, loss = np.asarray(lrs), np.asarray(losses)
    bad = np.flatnonzero(~np.isfinite(loss))
    if bad.size:
        lr, loss = lr[:bad[0]], loss[:bad[0]]
    if lr.size < 2:
        raise TrainingError("the learning-rate range test diverged at once; lower its start rate")
    return steepest_rate(lr, loss), valley_rate(lr, loss)


def steepest_rate(lrs: np.ndarray, losses: np.ndarray) -> float:
    """fastai's `steep`: the rate where the loss falls fastest per unit of log learning rate."""
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    return float(lrs[int(np.argmin(slopes))])


def valley_rate(lrs: np.ndarray, losses: np.ndarray) -> float:
    """fastai's `valley`: the longest run of decreasing loss (a longest decreasing subsequence, ending at its
    lowest point), and the rate halfway along it (a third plus a sixth, as fastai indexes it)."""
    n = len(losses)
    length = [1] * n
    start = end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and length[i] < length[j] + 1:
                length[i] = length[j] + 1
            if length[end] < length[i]:
                end = i
                start = end - length[end]
    sections = (end - start) / 3
    # fastai's start is one before the run's first point, so a short run at the very beginning (or a curve that
    # never falls) would index -1, the largest rate: clamp it to the first.
    return float(lrs[max(0, start + int(sections) + int(sections / 2))])


def _json_number(value: float) -> float | str:
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))
