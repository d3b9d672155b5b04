"""Shared set-up for the search tests: tiny real projects that train in a few milliseconds a trial, and a helper
that collects a search's progress events."""
from __future__ import annotations

import copy
import threading

from core.project import Project, parse_project

TINY = {
    "format": "layerlab/1",
    "name": "Moons",
    "data": {"source": "builtin", "name": "moons", "samples": 80, "noise": 0.2,
             "split": {"val": 0.25, "test": 0.2}},
    "model": {"layers": [{"type": "dense", "units": 6, "activation": "relu"},
                         {"type": "dense", "units": 1, "activation": "sigmoid"}]},
    "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.02}, "batch_size": 16,
                 "epochs": 4, "seed": 0},
}


def tiny_project(name: str = "Moons", **training) -> Project:
    obj = copy.deepcopy(TINY)
    obj["name"] = name
    obj["training"].update(training)
    return parse_project(obj)


class Events:
    """Every event of a search, kept in order; `when(kind, predicate, action)` runs `action` on the first match
    (on every match with `once=False`)."""

    def __init__(self):
        self.events: list = []
        self._hooks: list = []
        self.lock = threading.Lock()

    def __call__(self, event) -> None:
        with self.lock:
            self.events.append(event)
        for hook in list(self._hooks):
            kind, predicate, action, once = hook
            if isinstance(event, kind) and predicate(event):
                if once:
                    self._hooks.remove(hook)
                action(event)

    def when(self, kind, predicate, action, once: bool = True) -> None:
        self._hooks.append((kind, predicate, action, once))

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]
