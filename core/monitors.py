"""What a monitor (early stopping's, reduce_on_plateau's) may watch, and which way is better for it.

A leaf module: early stopping and the schedules both read `monitor_mode`, and the checks read `check_monitor`,
without importing each other.
"""
from __future__ import annotations

import difflib

from .errors import SpecError
from .metrics import CLASSIFICATION_KEYS, REGRESSION_KEYS

# Names Keras users write for values LayerLab logs under another name.
MONITOR_ALIASES = {"acc": "accuracy"}


def monitor_mode(monitor: str, mode: str) -> str:
    """'min' or 'max': Keras' 'auto' maximises accuracy-like metrics and minimises everything else."""
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if name in {"accuracy", "acc", "auc", "f1", "precision", "recall", "specificity", "mcc", "r2"} else "min"


def logged_names(task: str, has_validation: bool) -> list[str]:
    """What a run logs each epoch that a monitor may watch: the loss and the task's metrics (core.metrics' keys),
    and the same with a `val_` prefix only when there is a validation split."""
    names = ["loss", *(REGRESSION_KEYS if task == "regression" else CLASSIFICATION_KEYS)]
    return names + ([f"val_{name}" for name in names] if has_validation else [])


def check_monitor(monitor: str, where: str, task: str, has_validation: bool) -> None:
    """SpecError naming `where` and the accepted names when `monitor` is something this run will never log, so
    the mistake shows before training rather than after its first epoch."""
    names = logged_names(task, has_validation)
    if monitor in names:
        return
    base = monitor.removeprefix("val_")
    if monitor.startswith("val_") and not has_validation and base in logged_names(task, False) + ["acc"]:
        raise SpecError(f"{where} is {monitor!r}, but the data has no validation rows (data.split.val), so "
                        f"nothing is logged with a val_ prefix; give data.split.val a fraction, or monitor one of "
                        f"{', '.join(names)}")
    guess = MONITOR_ALIASES.get(base)
    guess = (monitor[: len(monitor) - len(base)] + guess) if guess else None
    near = [guess] if guess in names else difflib.get_close_matches(monitor, names, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise SpecError(f"{where} is {monitor!r}, which a {task} run never logs{hint}; accepted: {', '.join(names)}")
