"""A run's state for a diagnosis made on another thread while it trains: copies of the per-epoch history and of
the network, taken together at an epoch boundary (where the two agree: the history's last epoch is the network's
last update), at most once per `interval`.

The training thread calls `RunCopier.take_if_due(trainer)` when an epoch ends; the copy is then the diagnosis'
own, so the trainer goes on updating its history and weights while the copy is read. A copy costs a list copy per
history key and one of the parameter vector: microseconds for the course's networks, once a second.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from ..network import Network
from ..network_clone import clone_network

# At most one copy a second: the pace for a diagnosis that follows a live run.
COPY_INTERVAL = 1.0


@dataclass(frozen=True)
class RunCopy:
    history: dict[str, list[float]]
    network: Network
    epoch: int          # epochs completed when the copy was taken
    step: int           # optimizer steps taken


def copy_run(trainer: Any) -> RunCopy:
    """The trainer's history and network now (call it between steps, on the thread that trains)."""
    history = {key: list(values) for key, values in trainer.history.items()}
    return RunCopy(history, clone_network(trainer.network), int(trainer.epoch), int(trainer.step))


class RunCopier:
    """`take_if_due(trainer)`: a RunCopy when `interval` seconds have passed since the last one (the first epoch
    of a run is always copied), else None."""

    def __init__(self, interval: float = COPY_INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._last: float | None = None

    def take_if_due(self, trainer: Any) -> RunCopy | None:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            return None
        self._last = now
        return copy_run(trainer)
