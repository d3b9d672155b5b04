"""The data panel's background job: per-column statistics and class counts of a big dataset, off the GUI thread.

Each job carries the panel's request number; the panel drops an answer to an older request, so a slow summary
never overwrites the one for newer data.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRunnable, Signal

from core.data import summarize


class SummaryJob(QRunnable):
    """core.data.summarize on a worker thread, for data too big to summarise between two frames."""

    class Signals(QObject):
        done = Signal(int, object)

    def __init__(self, generation: int, dataset: Any, signals: "SummaryJob.Signals") -> None:
        super().__init__()
        self.generation, self.dataset, self.signals = generation, dataset, signals

    def run(self) -> None:
        try:
            self.signals.done.emit(self.generation, summarize(self.dataset))
        except Exception:  # the summary is decoration; the header just keeps its placeholder
            pass
