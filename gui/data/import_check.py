"""Checking a CSV import choice off the GUI thread: core's loader reads the file as the project would, and the
dialog shows either the loader's own message or a summary of what would be trained on."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from core.data import load_dataset
from core.errors import LayerLabError


class _Cancelled(Exception):
    pass


class CheckSignals(QObject):
    progress = Signal(int, float)          # generation, fraction read
    done = Signal(int, bool, str)          # generation, ok, summary text or the loader's message


class CheckJob(QRunnable):
    """Loads the file as the project would, reporting back through signals owned by the GUI thread."""

    def __init__(self, generation: int, spec: dict, signals: CheckSignals) -> None:
        super().__init__()
        self.generation, self.spec, self.signals = generation, spec, signals
        self.cancelled = False

    def _progress(self, fraction: float) -> None:
        if self.cancelled:
            raise _Cancelled
        self.signals.progress.emit(self.generation, float(fraction))

    def run(self) -> None:
        try:
            dataset = load_dataset(self.spec, ".", progress=self._progress)
        except _Cancelled:
            return
        except LayerLabError as exc:
            self.signals.done.emit(self.generation, False, str(exc))
            return
        except Exception as exc:  # a loader bug must not take the dialog down; show it like a data error
            self.signals.done.emit(self.generation, False, f"unexpected error while reading the file: {exc!r}")
            return
        if not self.cancelled:
            self.signals.done.emit(self.generation, True, describe_dataset(dataset))


def describe_dataset(dataset: Any) -> str:
    """One or two lines: what would be trained on, and what happened to missing values."""
    task = {"binary": "binary classification", "multiclass": "multi-class classification",
            "multilabel": "multi-label classification", "regression": "regression"}[dataset.task]
    what = f"{dataset.n_samples:,} rows \u00d7 {dataset.input_width} input{'s' if dataset.input_width != 1 else ''}"
    if dataset.class_names and dataset.task != "regression":
        names = ", ".join(dataset.class_names[:6]) + (", \u2026" if len(dataset.class_names) > 6 else "")
        what += f" \u2192 {task}, {dataset.n_classes} classes ({names})"
    else:
        what += f" \u2192 {task} of {', '.join(dataset.target_names)}"
    missing = (dataset.encoder or {}).get("missing") or {}
    if missing.get("counts"):
        counts = ", ".join(f"{name!r} {n}" for name, n in missing["counts"].items())
        action = (f"{missing['rows_dropped']:,} rows dropped" if missing.get("rows_dropped")
                  else "filled with the column mean / most frequent value")
        what += f"\nMissing values: {counts}; {action}."
    return what
