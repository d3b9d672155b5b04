"""What a checkpoint keeps of a trainer besides the weights and the optimizer arrays, and putting it back.

A mixin of `Trainer`, kept apart so the training loop reads on its own. It reads and sets the trainer's epoch and
step counts, history, best weights, generators, optimizer, schedule and early stopping.
"""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .config import describe
from .errors import LayerLabError, TrainingError
from .training_setup import new_optimizer

# History entries that are always defined, so must be finite; a metric may be nan (undefined on a split, such as
# the ROC-AUC of a class with no rows in it).
ALWAYS_FINITE = ("loss", "val_loss", "lr")
FLOAT_TYPES = {float, np.float64, np.float32}


class TrainerCheckpoint:
    """`checkpoint_state` / `checkpoint_arrays` and their inverse `load_checkpoint`."""

    def checkpoint_state(self) -> dict:
        """JSON-able state that, with the weights and the optimizer arrays, continues training exactly. A state that
        could not be loaded back (non-finite learning rate or loss history) is a TrainingError: never written."""
        state = self._checkpoint_state()
        try:
            check_trainer_state(state)
        except TrainingError as exc:
            raise TrainingError(f"refusing to write the training state: {exc}") from None
        return state

    def _checkpoint_state(self) -> dict:
        state = {
            "epoch": self.epoch,
            "step": self.step,
            "lr": float(self.optimizer.lr),
            "rng": {name: getattr(self, f"{name}_rng").bit_generator.state for name in ("init", "shuffle", "noise")},
            "history": self.history,
            "best_epoch": self.best_epoch,
        }
        if self.schedule is not None:
            state["schedule"] = self.schedule.state_dict()
        if self.early_stopping is not None:
            state["early_stopping"] = self.early_stopping.state_dict()
        return state

    def checkpoint_arrays(self) -> dict[str, np.ndarray]:
        if self.best_state is None:
            return {}
        return {"best_params": self.best_state[0], "best_buffers": self.best_state[1]}

    def load_checkpoint(self, state: dict, optimizer_state: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what `checkpoint_state`/`checkpoint_arrays` and the optimizer's state_dict saved. Everything is
        read and checked into new objects first, so a corrupt checkpoint changes nothing."""
        try:
            optimizer = new_optimizer(self.network, self.config)
            optimizer.load_state_dict(optimizer_state)
            check_trainer_state(state)
            optimizer.lr = float(state["lr"])
            rngs = {}
            for name in ("init", "shuffle", "noise"):
                rng = np.random.Generator(type(getattr(self, f"{name}_rng").bit_generator)())
                rng.bit_generator.state = state["rng"][name]
                rngs[name] = rng
            epoch, step = int(state["epoch"]), int(state["step"])
            history = {str(k): [float(v) for v in vs] for k, vs in state["history"].items()}
            best_epoch = state.get("best_epoch")
            best_epoch = None if best_epoch is None else int(best_epoch)
            schedule_state = state.get("schedule") if self.schedule is not None else None
            stopping_state = state.get("early_stopping") if self.early_stopping is not None else None
            if schedule_state is not None:
                copy.deepcopy(self.schedule).load_state_dict(schedule_state)          # a dry run: raises if bad
            if stopping_state is not None:
                copy.deepcopy(self.early_stopping).load_state_dict(stopping_state)
        except LayerLabError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TrainingError(f"the checkpoint's trainer state is incomplete or corrupt ({exc})") from None
        best_state = None
        if "best_params" in arrays:
            params, buffers = arrays["best_params"], arrays.get("best_buffers", np.empty(0))
            if params.shape != self.network.params.shape or buffers.shape != self.network.buffers.shape:
                raise TrainingError("the checkpoint's best weights do not match the network")
            best_state = (params.astype(self.network.dtype), buffers.astype(self.network.dtype))
            if not (np.all(np.isfinite(best_state[0])) and np.all(np.isfinite(best_state[1]))):
                raise TrainingError(f"the checkpoint's best weights are not finite as {self.network.dtype}")
        # Every part is good: now change the trainer.
        self.optimizer = optimizer
        for name, rng in rngs.items():
            setattr(self, f"{name}_rng", rng)
        self.epoch, self.step, self.history, self.best_epoch = epoch, step, history, best_epoch
        if schedule_state is not None:
            self.schedule.load_state_dict(schedule_state)
        if stopping_state is not None:
            self.early_stopping.load_state_dict(stopping_state)
        if best_state is not None:
            self.best_state = best_state


def check_trainer_state(state: Any) -> None:
    """TrainingError naming the first value of a checkpoint's trainer state that training could not continue from:
    counters that are not whole non-negative numbers, a learning rate that is not finite and >= 0, a history whose
    losses are not finite or that is longer than the epochs trained, a best epoch outside them."""
    if not isinstance(state, dict):
        raise TrainingError(f"the checkpoint's trainer state must be an object, got {describe(state)}")
    for key in ("epoch", "step", "lr", "rng", "history"):
        if key not in state:
            raise TrainingError(f"the checkpoint's trainer state is incomplete or corrupt (no {key!r})")
    epoch = _count(state["epoch"], "epoch")
    _count(state["step"], "step")
    lr = _number(state["lr"], "lr")
    if not (math.isfinite(lr) and lr >= 0):
        raise TrainingError(f"the checkpoint's lr must be a finite number >= 0, got {lr}")
    best_epoch = state.get("best_epoch")
    if best_epoch is not None and _count(best_epoch, "best_epoch") >= max(epoch, 1):
        raise TrainingError(f"the checkpoint's best_epoch is {best_epoch}, but it trained {epoch} epochs")
    history = state["history"]
    if not isinstance(history, dict):
        raise TrainingError(f"the checkpoint's history must be an object of lists, got {describe(history)}")
    for key, values in history.items():
        if not isinstance(values, list):
            raise TrainingError(f"the checkpoint's history[{key!r}] must be a list, got {describe(values)}")
        if len(values) > epoch:
            raise TrainingError(f"the checkpoint's history[{key!r}] has {len(values)} values for {epoch} epochs")
        _check_history_values(key, values)


def _check_history_values(key: str, values: list) -> None:
    """No value that is not a number, no infinity, no NaN where it must be finite. A list of floats (every history
    the trainer writes) is checked in one NumPy pass: value by value, a 2,000-epoch history took most of the time a
    run's end spends writing its checkpoint."""
    if set(map(type, values)) <= FLOAT_TYPES:
        numbers = np.array(values, dtype=np.float64)
        bad = np.isinf(numbers) | (np.isnan(numbers) if key in ALWAYS_FINITE else False)
        if not bad.any():
            return
        first = int(np.argmax(bad))
        values = values[first:first + 1]
        offset = first
    else:
        offset = 0
    for i, value in enumerate(values, offset):
        number = _number(value, f"history[{key!r}][{i}]")
        if math.isinf(number) or (math.isnan(number) and key in ALWAYS_FINITE):
            raise TrainingError(f"the checkpoint's history[{key!r}][{i}] is {number}, not a finite number")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TrainingError(f"the checkpoint's {where} must be a number, got {describe(value)}")
    try:
        return float(value)
    except OverflowError:
        raise TrainingError(f"the checkpoint's {where} is too large, got {describe(value)}") from None


def _count(value: Any, where: str) -> int:
    number = _number(value, where)
    if not (number.is_integer() and number >= 0):
        raise TrainingError(f"the checkpoint's {where} must be a whole number >= 0, got {describe(value)}")
    return int(value)
