"""Epoch-based learning-rate schedules: torch's closed forms and Keras' ReduceLROnPlateau.

The trainer asks for the learning rate at the start of every epoch (epochs counted from 0) and reports the epoch's
logs at its end:

    optimizer.lr = schedule.lr_at(epoch, optimizer.base_lr, total_epochs)
    ... train one epoch ...
    optimizer.lr = schedule.on_epoch_end(epoch, logs, optimizer.lr)

Closed-form schedules depend only on (epoch, base_lr); reduce_on_plateau keeps its counters and the reduced rate,
all in `state_dict()` so a resumed run continues exactly.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .config import check_float, check_int, describe
from .errors import SpecError, TrainingError, WeightsError
from .monitors import monitor_mode
from .registry import Registry

SCHEDULES = Registry("schedule")


class Schedule:
    """Base class: a closed-form schedule implements `lr_at`; `on_epoch_end` returns the rate unchanged."""

    name: str = ""
    config_keys: tuple[str, ...] = ()
    monitor: str | None = None      # the logged value a schedule that reacts to the logs watches (e.g. "val_loss")

    def __init__(self, path: str = "schedule"):
        self.path = path

    def lr_at(self, epoch: int, base_lr: float, total_epochs: int | None = None) -> float:
        """The learning rate for epoch `epoch` (0-based); `total_epochs` is the planned number of epochs."""
        raise NotImplementedError

    def on_epoch_end(self, epoch: int, logs: dict[str, float], current_lr: float) -> float:
        """The learning rate for the next epoch, given this epoch's logs ("loss", "val_loss", ...)."""
        return current_lr

    def reset(self) -> None:
        """Forget everything learned during a run (called when training starts from scratch)."""

    def state_dict(self) -> dict[str, float | int]:
        return {}

    def load_state_dict(self, state: dict) -> None:
        _check_state_keys(state, (), f"{self.path} state ({self.name})")

    def get_config(self) -> dict[str, Any]:
        """`{"name": ..., **arguments}`; `get_schedule(config)` rebuilds an equal schedule."""
        return {"name": self.name, **{key: getattr(self, key) for key in self.config_keys}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def get_schedule(identifier: Any, where: str = "schedule") -> Schedule:
    """Build a schedule from `"cosine"`, `{"name": "step", "step_size": 10, "gamma": 0.5}`, an instance or None
    (constant)."""
    if identifier is None:
        identifier = "constant"
    schedule = SCHEDULES.get(identifier, where, path=where)
    if not isinstance(schedule, Schedule):
        raise SpecError(f"{SCHEDULES.place(where)}could not interpret schedule identifier {describe(identifier)}")
    return schedule


@SCHEDULES.register("constant", "none", "fixed")
class Constant(Schedule):
    name = "constant"

    def __init__(self, *, path: str = "schedule"):
        super().__init__(path)

    def lr_at(self, epoch, base_lr, total_epochs=None):
        return float(base_lr)


@SCHEDULES.register("step", "step_lr", "steplr", "step_decay")
class Step(Schedule):
    """torch StepLR: base_lr * gamma ** (epoch // step_size)."""

    name = "step"
    config_keys = ("step_size", "gamma")

    def __init__(self, step_size: int | None = None, gamma: float = 0.1, *, path: str = "schedule"):
        super().__init__(path)
        if step_size is None:
            raise SpecError(f"{path}.step_size is required for the step schedule (epochs between decays, e.g. 10)")
        self.step_size = check_int(step_size, f"{path}.step_size", minimum=1)
        self.gamma = check_float(gamma, f"{path}.gamma", minimum=0.0, exclusive_minimum=True)

    def lr_at(self, epoch, base_lr, total_epochs=None):
        return base_lr * self.gamma ** (epoch // self.step_size)


@SCHEDULES.register("exponential", "exponential_lr", "exponentiallr", "exponential_decay")
class Exponential(Schedule):
    """torch ExponentialLR: base_lr * gamma ** epoch."""

    name = "exponential"
    config_keys = ("gamma",)

    def __init__(self, gamma: float | None = None, *, path: str = "schedule"):
        super().__init__(path)
        if gamma is None:
            raise SpecError(f"{path}.gamma is required for the exponential schedule (decay per epoch, e.g. 0.95)")
        self.gamma = check_float(gamma, f"{path}.gamma", minimum=0.0, exclusive_minimum=True)

    def lr_at(self, epoch, base_lr, total_epochs=None):
        return base_lr * self.gamma**epoch


@SCHEDULES.register("cosine", "cosine_annealing", "cosine_annealing_lr", "cosineannealinglr", "cosine_decay")
class Cosine(Schedule):
    """torch CosineAnnealingLR's closed form, optionally after a linear warm-up (torch LinearLR then
    CosineAnnealingLR in a SequentialLR):

        epoch <  w: base_lr * (f + (1 - f) * epoch / w)                  (w = warmup_epochs, f = warmup_start_factor)
        epoch >= w: eta_min + (base_lr - eta_min) * (1 + cos(pi * (epoch - w) / (t_max - w))) / 2

    `t_max` (default: the run's total epochs) counts the warm-up, so the rate reaches eta_min at epoch t_max. Past
    t_max the cosine continues, as torch's closed form does (it rises again).
    """

    name = "cosine"
    config_keys = ("t_max", "eta_min", "warmup_epochs", "warmup_start_factor")

    def __init__(self, t_max: int | None = None, eta_min: float = 0.0, warmup_epochs: int = 0,
                 warmup_start_factor: float = 1.0 / 3, *, path: str = "schedule"):
        super().__init__(path)
        self.t_max = None if t_max is None else check_int(t_max, f"{path}.t_max", minimum=1)
        self.eta_min = check_float(eta_min, f"{path}.eta_min", minimum=0.0)
        self.warmup_epochs = check_int(warmup_epochs, f"{path}.warmup_epochs", minimum=0)
        self.warmup_start_factor = check_float(warmup_start_factor, f"{path}.warmup_start_factor", minimum=0.0,
                                               maximum=1.0, exclusive_minimum=True)
        if self.t_max is not None and self.t_max <= self.warmup_epochs:
            raise SpecError(f"{path}.t_max must be greater than warmup_epochs ({self.warmup_epochs}), got {t_max}")

    def lr_at(self, epoch, base_lr, total_epochs=None):
        t_max = self.t_max if self.t_max is not None else total_epochs
        if t_max is None:
            raise TrainingError(f"{self.path}: cosine needs t_max or the number of epochs of the run; neither is known")
        w = self.warmup_epochs
        if epoch < w:
            return base_lr * (self.warmup_start_factor + (1.0 - self.warmup_start_factor) * epoch / w)
        if t_max <= w:
            raise TrainingError(f"{self.path}: the run has {t_max} epochs, not more than warmup_epochs ({w})")
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * (epoch - w) / (t_max - w))) / 2


@SCHEDULES.register("linear", "linear_lr", "linearlr", "linear_warmup", "warmup")
class Linear(Schedule):
    """torch LinearLR: base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)."""

    name = "linear"
    config_keys = ("start_factor", "end_factor", "total_iters")

    def __init__(self, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5, *,
                 path: str = "schedule"):
        super().__init__(path)
        self.start_factor = check_float(start_factor, f"{path}.start_factor", minimum=0.0, maximum=1.0,
                                        exclusive_minimum=True)
        self.end_factor = check_float(end_factor, f"{path}.end_factor", minimum=0.0, maximum=1.0)
        self.total_iters = check_int(total_iters, f"{path}.total_iters", minimum=1)

    def lr_at(self, epoch, base_lr, total_epochs=None):
        progress = min(self.total_iters, epoch) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


@SCHEDULES.register("reduce_on_plateau", "plateau", "reduce_lr_on_plateau", "reducelronplateau")
class ReduceOnPlateau(Schedule):
    """Keras' ReduceLROnPlateau: after `patience` epochs without an improvement of `monitor` by more than
    `min_delta`, multiply the rate by `factor` (not below `min_lr`), then ignore `cooldown` epochs.

    mode "auto" maximises a monitor whose name contains "acc" or that LayerLab's early stopping treats as
    higher-is-better (auc, f1, precision, ...), and minimises everything else, as Keras 3 does from each metric's
    direction.
    """

    name = "reduce_on_plateau"
    config_keys = ("monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr")

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, mode: str = "auto",
                 min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, *, path: str = "schedule"):
        super().__init__(path)
        if not isinstance(monitor, str) or not monitor:
            raise SpecError(
                f"{path}.monitor must be the name of a logged value like \"val_loss\", got {describe(monitor)}"
            )
        self.monitor = monitor
        self.factor = check_float(factor, f"{path}.factor", minimum=0.0, maximum=1.0, exclusive_maximum=True)
        self.patience = check_int(patience, f"{path}.patience", minimum=0)
        if mode not in ("auto", "min", "max"):
            raise SpecError(f"{path}.mode must be one of auto, min, max; got {describe(mode)}")
        self.mode = mode
        self.min_delta = check_float(min_delta, f"{path}.min_delta", minimum=0.0)
        self.cooldown = check_int(cooldown, f"{path}.cooldown", minimum=0)
        self.min_lr = check_float(min_lr, f"{path}.min_lr", minimum=0.0)
        self.maximizing = mode == "max" or (mode == "auto" and _higher_is_better(monitor))
        self.reset()

    def reset(self) -> None:
        self.best = -math.inf if self.maximizing else math.inf
        self.wait = 0
        self.cooldown_counter = 0
        self.lr: float | None = None  # the rate this schedule last set; None until the first epoch ends

    def lr_at(self, epoch, base_lr, total_epochs=None):
        return float(base_lr) if self.lr is None else self.lr

    def _improved(self, current: float) -> bool:
        if self.maximizing:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def on_epoch_end(self, epoch, logs, current_lr):
        if self.monitor not in logs:
            available = ", ".join(sorted(logs)) or "none"
            raise TrainingError(
                f"{self.path}: reduce_on_plateau monitors {self.monitor!r}, which this run does not log; "
                f"available: {available}"
            )
        current = float(logs[self.monitor])
        new_lr = float(current_lr)
        # Keras 3's order: leave cooldown first (it resets wait), then compare, then count and maybe reduce.
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience and new_lr > float(np.float32(self.min_lr)):
                new_lr = max(new_lr * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0
        self.lr = new_lr
        return new_lr

    def state_dict(self):
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter,
                "lr": math.nan if self.lr is None else self.lr}

    def load_state_dict(self, state):
        where = f"{self.path} state ({self.name})"
        _check_state_keys(state, ("best", "wait", "cooldown_counter", "lr"), where)
        values = {}
        for key in ("best", "wait", "cooldown_counter", "lr"):
            array = np.asarray(state[key])
            if array.shape != () or array.dtype.kind not in "fiu":
                raise WeightsError(f"{where}: {key} must be a number, got {describe(state[key])}")
            values[key] = float(array)
        self.best = values["best"]
        self.wait = int(values["wait"])
        self.cooldown_counter = int(values["cooldown_counter"])
        self.lr = None if math.isnan(values["lr"]) else values["lr"]


def _higher_is_better(monitor: str) -> bool:
    return "acc" in monitor or monitor_mode(monitor, "auto") == "max"


def _check_state_keys(state: Any, expected: tuple[str, ...], where: str) -> None:
    if not isinstance(state, dict):
        raise WeightsError(f"{where}: expected a dict, got {describe(state)}")
    missing = [k for k in expected if k not in state]
    unexpected = [str(k) for k in state if k not in expected]
    if missing or unexpected:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(unexpected)}"] if unexpected else [])
        raise WeightsError(f"{where}: {'; '.join(parts)}; expected {', '.join(expected) or 'no keys'}")
