"""What a trainer logs at the end of each epoch besides the loss, at a cost of a few percent of an epoch.

- Training metrics come from the outputs of the epoch's own batches, as the loss does (Keras reports the same):
  each step's outputs are copied into one buffer (a fraction of a microsecond), and at the epoch's end the task's
  metrics are computed over them against the epoch's targets. They are training-mode outputs (dropout and noise
  on) of weights that moved during the epoch; a second forward pass over the training rows would cost a third of
  an epoch.
- Validation metrics and `val_loss` come from every validation row, in evaluation mode, every epoch.
- The ranking metric (`auc`, `val_auc`), which sorts every score column, is computed at most once every
  CURVE_INTERVAL seconds and is nan in between, unless early stopping or a schedule monitors it.
- The last epoch of the training (training.epochs reached, or early stopping) is exact: its training metrics are
  recomputed in evaluation mode over every training row with the final weights, with `auc`. A run shorter than
  that (a Step in the app, `--stop-after`) only pauses training, and its last epoch logs like any other, so a
  paused and resumed training logs what an uninterrupted one does.
Nothing here draws random numbers: the weights of a run do not depend on what is logged, and the history of a
seed is the same each time except for which epochs have `auc` (RANKING_KEYS).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np

from .metrics import evaluate
from .network import Network

CURVE_INTERVAL = 1.0            # seconds of wall time between two epochs that log `auc`
RANKING_KEYS = ("auc", "val_auc")   # logged only every CURVE_INTERVAL (nan in between): they depend on timing
MAX_KEPT_OUTPUTS = 1 << 24      # output values kept per epoch (64 MB in float32); later batches go unmeasured


class EpochMetrics:
    """The per-epoch logs of one trainer (see the module docstring). `train_y` are the training targets as the
    data gives them, `val` (inputs, prepared targets, targets as given) or None, `fused` whether the batch outputs
    are the output layer's logits."""

    def __init__(self, network: Network, task: str, n_classes: int, loss, fused: bool, train_X: np.ndarray,
                 train_y: np.ndarray, val: tuple | None, batch_size: int, monitors: tuple[str, ...] = (),
                 clock: Callable[[], float] = time.perf_counter):
        self.network, self.task, self.n_classes, self.loss, self.fused = network, task, n_classes, loss, fused
        self._X, self._y, self._val = train_X, np.asarray(train_y), val
        self._y_epoch = np.empty_like(self._y)
        n, width = train_X.shape[0], network.output_width
        self.kept_rows = min(n, max(1, MAX_KEPT_OUTPUTS // (width * batch_size)) * batch_size)
        self._outputs = np.empty((self.kept_rows, width), dtype=network.dtype)
        # A view of the buffer for each of the epoch's first batches (all of them, unless the buffer would pass
        # MAX_KEPT_OUTPUTS), made once like the batches' own views.
        self.batch_outputs = [self._outputs[s:s + batch_size] for s in range(0, self.kept_rows, batch_size)]
        self.ranking_every_epoch = any(m.removeprefix("val_") == "auc" for m in monitors)
        self.clock = clock
        self._next_ranking = -math.inf

    def start_epoch(self, order: np.ndarray | None) -> None:
        """The epoch's rows come in `order` (a permutation of the training rows), or as given (None)."""
        if order is None:
            np.copyto(self._y_epoch, self._y)
        else:
            np.take(self._y, order, axis=0, out=self._y_epoch, mode="clip")

    def logs(self, train_loss: float, lr: float, exact: bool = False) -> dict[str, float]:
        """The epoch's logs: `loss`, the training metrics, `val_loss` and the validation metrics, `lr`. With
        `exact`, the training metrics are those of the current weights over every training row."""
        ranking = exact or self.ranking_every_epoch or self.clock() >= self._next_ranking
        logs = {"loss": float(train_loss)}
        logs.update(self.train_metrics(exact, ranking))
        if self._val is not None:
            Xv, Tv, yv = self._val
            out = self.network.predict(Xv)
            penalty = self.network.penalty() if self.network.has_penalty else 0.0
            logs["val_loss"] = float(self.loss.value(out, Tv) + penalty)
            for key, value in evaluate(self.task, yv, out, self.n_classes, ranking=ranking).items():
                logs[f"val_{key}"] = float(value)
        logs["lr"] = float(lr)
        if ranking and not self.ranking_every_epoch:
            self._next_ranking = self.clock() + CURVE_INTERVAL
        return logs

    def train_metrics(self, exact: bool, ranking: bool = True) -> dict[str, float]:
        if exact:
            out, y = self.network.predict(self._X), self._y
        else:
            out, y = self._kept_outputs(ranking), self._y_epoch[:self.kept_rows]
        return {key: float(value) for key, value in
                evaluate(self.task, y, out, self.n_classes, ranking=ranking).items()}

    def test_logs(self, test) -> dict[str, float]:
        """The metrics and `loss` of the current weights on a test split (inputs X, targets y as given)."""
        out = self.network.predict(test.X)
        logs = {key: float(value) for key, value in evaluate(self.task, np.asarray(test.y), out, self.n_classes).items()}
        logs["loss"] = float(self.loss.value(out, self.loss.prepare_targets(test.y, self.network.output_width,
                                                                            self.network.dtype)))
        return logs

    def _kept_outputs(self, ranking: bool) -> np.ndarray:
        """The epoch's batch outputs as the network's outputs (the output activation applied to logits). Without
        the ranking metric a softmax is left out: only each row's largest output counts, and it is the largest
        logit."""
        out = self._outputs
        activation = self.network.layers[-1].activation
        if self.fused and (ranking or not activation.rowwise):
            out = activation.forward(out)
        return out


def append_to_history(history: dict[str, list[float]], logs: dict[str, float], epoch: int) -> None:
    """Append epoch `epoch`'s logs (0-based), one value per key per epoch whatever keys earlier epochs had: a key
    seen for the first time is nan in the epochs before it (a run resumed with diagnostics switched on), a key
    missing now is nan in this one."""
    for key, value in logs.items():
        values = history.get(key)
        if values is None:
            values = history[key] = [math.nan] * epoch
        elif len(values) < epoch:
            values.extend([math.nan] * (epoch - len(values)))
        values.append(value)
    for values in history.values():
        if len(values) == epoch:
            values.append(math.nan)
