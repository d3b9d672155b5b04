"""What a trainer derives from its training settings and its data, built and checked in one go: the loss, the
optimizer, the schedule and early stopping, the targets and loss weights prepared for the loss, and the batch
size. Nothing here changes a trainer: it takes a `TrainingSetup` only once all of it was built, so settings that
do not fit the data leave the trainer as it was."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .early_stopping import EarlyStopping, check_monitors
from .errors import TrainingError
from .losses import Loss, get_loss
from .network import Network
from .optimizers import Optimizer, get_optimizer
from .schedules import Schedule, get_schedule
from .tasks import default_loss_for
from .training_config import TrainingConfig
from .training_data import TrainerData, has_validation, sample_weights

# Up to this many batches an epoch, their array views are made once (`batch_views`) instead of sliced every step:
# three slices cost about 1% of a spiral-sized step. Beyond it (batches of a few rows from a large set) the views
# would take megabytes, and the batches are sliced as they come (`batch_slices`).
MAX_BATCH_VIEWS = 16_384

Batch = tuple[np.ndarray, np.ndarray, "np.ndarray | None", int]      # inputs, targets, loss weights, rows


@dataclass(frozen=True, eq=False)
class TrainingSetup:
    config: TrainingConfig
    loss: Loss
    fused: bool                      # the loss works from the output layer's pre-activation (logits)
    optimizer: Optimizer
    base_lr: float                   # training.optimizer's own rate, before any schedule
    schedule: Schedule | None
    early_stopping: EarlyStopping | None
    targets: np.ndarray              # (n, k) training targets as the loss wants them
    weights: np.ndarray | None       # (n,) per-row loss weights, or None when nothing is weighted
    val: tuple[np.ndarray, np.ndarray, np.ndarray] | None   # validation inputs, prepared targets, targets as given
    batch_size: int                  # training.batch_size, at most the number of training rows


def build_setup(network: Network, data: TrainerData, X: np.ndarray, config: TrainingConfig,
                sample_weight: np.ndarray | None = None, keep_state_from: Optimizer | None = None) -> TrainingSetup:
    """The setup for training `network` on `data` (whose training inputs, checked, are `X`) with `config`.
    `keep_state_from`: an optimizer whose state (moments, step count) carries over when it is of the same kind."""
    if np.dtype(config.dtype) != network.dtype:
        raise TrainingError(f"training.dtype is {config.dtype} but the network holds {network.dtype} weights; "
                            "rebuild the network to change it")
    task = data.task
    loss: Loss = get_loss(config.loss or default_loss_for(task))
    base_lr = float(get_optimizer(config.optimizer).lr)
    optimizer = new_optimizer(network, config)
    if (keep_state_from is not None and type(keep_state_from) is type(optimizer)
            and set(keep_state_from.state_keys()) == set(optimizer.state_keys())):
        optimizer.load_state_dict(keep_state_from.state_dict())
        optimizer.lr = base_lr
    schedule = get_schedule(config.schedule, "training.schedule") if config.schedule else None
    early_stopping = EarlyStopping.from_config(config.early_stopping) if config.early_stopping else None
    check_monitors(config, task, has_validation(data))
    dtype, width, n = network.dtype, network.output_width, X.shape[0]
    targets = loss.prepare_targets(data.train.y, width, dtype)
    weights = sample_weights(config.class_weight, data, task, int(data.n_classes), sample_weight, n, dtype)
    val = None
    if has_validation(data):
        val = (checked_inputs(network, data.val.X, "validation"), loss.prepare_targets(data.val.y, width, dtype),
               np.asarray(data.val.y))
    return TrainingSetup(config, loss, network.can_fuse(loss.fused_activation), optimizer, base_lr, schedule,
                         early_stopping, targets, weights, val, min(config.batch_size, n))


def new_optimizer(network: Network, config: TrainingConfig) -> Optimizer:
    """A fresh optimizer of `config`, with its state built for `network`."""
    optimizer: Optimizer = get_optimizer(config.optimizer, "training.optimizer")
    optimizer.build(network.params.size, network.dtype)
    return optimizer


def checked_inputs(network: Network, X, what: str) -> np.ndarray:
    """`X` as a contiguous (n, input_width) array of the network's dtype, or a TrainingError naming `what`."""
    given = np.asarray(X)
    with np.errstate(over="ignore", invalid="ignore"):
        X = np.ascontiguousarray(given, dtype=network.dtype)
    if X.ndim != 2 or X.shape[1] != network.input_width:
        raise TrainingError(f"{what} inputs have shape {X.shape}, the network expects (n, {network.input_width})")
    if not np.all(np.isfinite(X)):
        row, column = (int(i) for i in np.argwhere(~np.isfinite(X))[0])
        value = given[row, column]
        if np.isfinite(value):
            raise TrainingError(f"{what} inputs hold values beyond the {network.dtype.name} range (e.g. {value:.3g} "
                                f"in input {column + 1} of row {row + 1}, after preprocessing); scale the data "
                                f"(data.scaling \"standard\") or train in float64")
        raise TrainingError(f"{what} inputs contain NaN or Inf")
    return X


def batch_slices(X: np.ndarray, T: np.ndarray, W: np.ndarray | None, batch_size: int) -> Iterator[Batch]:
    """Consecutive batches of `batch_size` rows (the last may be shorter): views of X, T and W."""
    n = X.shape[0]
    for s in range(0, n, batch_size):
        e = min(s + batch_size, n)
        yield X[s:e], T[s:e], None if W is None else W[s:e], e - s


def batch_views(X: np.ndarray, T: np.ndarray, W: np.ndarray | None, batch_size: int) -> list[Batch] | None:
    """`batch_slices` made once, for arrays whose contents change between epochs but not their place; None when
    there would be more than MAX_BATCH_VIEWS of them."""
    if -(-X.shape[0] // batch_size) > MAX_BATCH_VIEWS:
        return None
    return list(batch_slices(X, T, W, batch_size))
