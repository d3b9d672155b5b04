"""Early stopping with Keras' `EarlyStopping` semantics (monitor, min_delta, patience, baseline, start_from_epoch).

The differences from Keras are deliberate and documented: `restore_best_weights` defaults to true, and the trainer
restores the best weights whenever training ends, for whatever reason (Keras 3 also restores at train end); a run
that stops short of training.epochs (a Step, `--stop-after`) only pauses training and restores nothing.
"""
from __future__ import annotations

from .config import ConfigReader
from .errors import TrainingError
from .monitors import check_monitor, monitor_mode
from .schedules import get_schedule


def check_monitors(training, task: str, has_validation: bool) -> None:
    """Check every monitor of a training config (early stopping, a reduce_on_plateau schedule) against the data."""
    if training.early_stopping is not None:
        monitor = EarlyStopping.from_config(training.early_stopping).monitor
        check_monitor(monitor, "training.early_stopping.monitor", task, has_validation)
    if training.schedule is not None:
        monitor = get_schedule(training.schedule, "training.schedule").monitor
        if monitor is not None:
            check_monitor(monitor, "training.schedule.monitor", task, has_validation)


class EarlyStopping:
    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, mode: str = "auto",
                 baseline: float | None = None, start_from_epoch: int = 0, restore_best_weights: bool = True):
        self.monitor = monitor
        self.mode = monitor_mode(monitor, mode)
        self.requested_mode = mode
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.baseline = baseline
        self.start_from_epoch = start_from_epoch
        self.restore_best_weights = restore_best_weights
        self.reset()

    @classmethod
    def from_config(cls, config: dict, path: str = "training.early_stopping") -> "EarlyStopping":
        r = ConfigReader(config, path)
        obj = cls(
            monitor=r.str("monitor", "val_loss"),
            min_delta=r.float("min_delta", 0.0),
            patience=r.int("patience", 0, minimum=0),
            mode=r.str("mode", "auto", choices=("auto", "min", "max")),
            baseline=r.float("baseline", None),
            start_from_epoch=r.int("start_from_epoch", 0, minimum=0),
            restore_best_weights=r.bool("restore_best_weights", True),
        )
        r.finish()
        return obj

    def get_config(self) -> dict:
        return {"monitor": self.monitor, "min_delta": self.min_delta, "patience": self.patience,
                "mode": self.requested_mode, "baseline": self.baseline, "start_from_epoch": self.start_from_epoch,
                "restore_best_weights": self.restore_best_weights}

    def reset(self) -> None:
        """Keras' on_train_begin."""
        self.wait = 0
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch = 0

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> tuple[bool, bool]:
        """Returns (improved, stop). `improved` means the trainer should remember these weights as the best."""
        if self.monitor not in logs:
            raise TrainingError(
                f"early stopping monitors {self.monitor!r}, which is not logged; available: {', '.join(sorted(logs))}"
            )
        value = float(logs[self.monitor])
        if epoch < self.start_from_epoch:
            return False, False
        self.wait += 1
        if self._is_improvement(value, self.best):
            self.best = value
            self.best_epoch = epoch
            if self.baseline is None or self._is_improvement(value, self.baseline):
                self.wait = 0
            return True, False
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            return False, True
        return False, False

    def state_dict(self) -> dict:
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch, "stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state: dict) -> None:
        self.wait = int(state["wait"])
        self.best = None if state["best"] is None else float(state["best"])
        self.best_epoch = None if state["best_epoch"] is None else int(state["best_epoch"])
        self.stopped_epoch = int(state["stopped_epoch"])
