"""What the trainer tells its listeners. Every event is frozen and holds copies, so another thread may keep it."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np


# Why a run finished (`Finished.reason`), and how people are told.
COMPLETED = "completed"            # the epochs asked for are done
STOPPED = "stopped"                # the user stopped it
EARLY_STOPPING = "early_stopping"  # early stopping ended it
OUTCOMES = {COMPLETED: "finished", STOPPED: "stopped", EARLY_STOPPING: "stopped early"}
# A run's status, as the run store records it (the project's conventions); `run_status` gives the one a run's
# last event means. "running", "paused" and "interrupted" describe runs that have not ended that way.
RUN_STATUSES = ("running", "finished", "early_stopped", "stopped", "paused", "diverged", "failed", "interrupted")
STATUS_OF_REASON = {COMPLETED: "finished", EARLY_STOPPING: "early_stopped", STOPPED: "stopped"}


def frozen_array(values: Any, dtype=None) -> np.ndarray:
    """A read-only copy: safe to hand to another thread."""
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def _freeze_mappings(event: Any, *names: str) -> None:
    """Replace dict fields by read-only views of copies (a frozen dataclass still lets a listener edit a dict)."""
    for name in names:
        object.__setattr__(event, name, MappingProxyType(dict(getattr(event, name))))


@dataclass(frozen=True)
class TrainingStarted:
    epoch: int                 # epochs completed before this run (0 for a fresh network)
    target_epochs: int         # epoch count at which this run will stop
    batches_per_epoch: int
    train_samples: int
    val_samples: int


@dataclass(frozen=True)
class BatchEnd:
    """Sent at most every `batch_event_interval` seconds and after the last batch of each epoch."""

    epoch: int                 # 0-based epoch in progress
    batch: int                 # 0-based batch index within the epoch
    batches_per_epoch: int
    step: int                  # optimizer steps taken since the network was initialised
    loss: float                # mean batch loss since the previous BatchEnd
    lr: float
    samples_per_second: float
    elapsed: float             # seconds of training (pauses excluded) in this run


@dataclass(frozen=True)
class EpochEnd:
    epoch: int                 # 0-based index of the epoch just completed
    logs: Mapping[str, float]  # "loss", "val_loss", metrics ("accuracy", "val_accuracy", ...), "lr"
    step: int
    elapsed: float
    dead_units: Mapping[int, int] = field(default_factory=dict)   # layer index -> units dead for the whole epoch
    improved: bool = False     # early stopping saw an improvement (or best so far)

    def __post_init__(self) -> None:
        _freeze_mappings(self, "logs", "dead_units")


@dataclass(frozen=True)
class Finished:
    reason: str                # COMPLETED | STOPPED | EARLY_STOPPING
    epochs: int                # epochs completed in total
    step: int
    best_epoch: int | None     # epoch whose weights were restored, if any
    restored_best: bool
    elapsed: float
    test_metrics: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze_mappings(self, "test_metrics")

    @property
    def outcome(self) -> str:
        """How the run ended, in words for a status line: "finished", "stopped" or "stopped early"."""
        return OUTCOMES[self.reason]

    @property
    def status(self) -> str:
        """The run status this end means: "finished", "early_stopped" or "stopped"."""
        return STATUS_OF_REASON[self.reason]

    @property
    def restored_note(self) -> str:
        """"best epoch 7 restored" (1-based) when the best weights came back at the end, else ""."""
        if self.restored_best and self.best_epoch is not None:
            return f"best epoch {self.best_epoch + 1} restored"
        return ""


@dataclass(frozen=True)
class Diverged:
    """A NaN or Inf appeared; training stopped and the weights are those before the bad step."""

    epoch: int
    batch: int
    step: int
    what: str                  # "loss" | "gradient" | "weights"
    value: float
    message: str


@dataclass(frozen=True)
class Failed:
    """An unexpected exception inside the training loop; the message is for a dialog, the traceback for a log."""

    message: str
    traceback: str


Event = TrainingStarted | BatchEnd | EpochEnd | Finished | Diverged | Failed


def run_status(end: Finished | Diverged | Failed) -> str:
    """The run status of a run whose last event is `end` (what `Trainer.fit` returns)."""
    if isinstance(end, Finished):
        return end.status
    return "diverged" if isinstance(end, Diverged) else "failed"
