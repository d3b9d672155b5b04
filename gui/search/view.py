"""The Search tab of the dashboard (`searchView`): the trials table on top, the four plots below, all live while a
search runs. It takes the search's events on the GUI thread (from gui/search/runner.py) and redraws its plots at
most every REDRAW_MS: trials finish at most a few times a second, and a plot of every trial is cheap to redraw.
"""
from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.widgets.splitters import splitter

from .parallel_plot import ParallelCoordinatesPlot
from .plots import HistoryPlot, ImportancePlot, SlicePlot
from .trials_table import TrialsTable

REDRAW_MS = 250
TICK_MS = 1000          # running trials' times count up


class SearchView(QWidget):
    """Its plots are built when first needed (the tab shown, or a search started): four pyqtgraph figures cost the
    app's launch about 75 ms, and most sessions never search."""

    runsSelected = Signal(object)       # the runs of the trials selected in the table (list[int])

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchView")
        self.title = QLabel("No search yet: add parameters in the Search panel (right-click any field of the "
                            "Network or Training panel: “Search over this…”) and press Start.")
        self.title.setObjectName("searchViewTitle")
        self.title.setWordWrap(True)
        self.title.setContentsMargins(8, 6, 8, 4)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._layout.addWidget(self.title)
        self.table = TrialsTable()
        self.table.runsSelected.connect(self.runsSelected)
        self.plots: list = []
        self.trials: dict[int, Any] = {}     # number -> TrialResult of every finished trial
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.table.trials.tick)

    def ensure_built(self) -> None:
        """The plots, made once, and the table above them."""
        if self.plots:
            return
        self.history_plot = HistoryPlot()
        self.parallel_plot = ParallelCoordinatesPlot()
        self.slice_plot = SlicePlot()
        self.importance_plot = ImportancePlot()
        self.plots = [self.history_plot, self.parallel_plot, self.slice_plot, self.importance_plot]
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        left = splitter(vertical, [self.history_plot, self.importance_plot], [3, 2])
        right = splitter(vertical, [self.parallel_plot, self.slice_plot], [1, 1])
        plots = splitter(horizontal, [left, right], [2, 3])
        self.table.setMinimumHeight(120)
        self.splitter = splitter(vertical, [self.table, plots], [1, 2])
        self.splitter.setSizes([260, 560])
        self._layout.addWidget(self.splitter, 1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.ensure_built()
        super().showEvent(event)

    # --- what the search controller calls -----------------------------------------------------------------------
    def start(self, spec: Any, metric: str, direction: str) -> None:
        """A search begins: empty table and plots over its space."""
        self.ensure_built()
        self.trials = {}
        self.table.start(list(spec.paths), metric)
        for plot in self.plots:
            plot.set_search(spec, metric, direction)
        self._tick.start()

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def add_events(self, events: Iterable[Any]) -> None:
        from core.search import RoundStarted, TrialFinished, TrialProgress, TrialStarted

        model = self.table.trials
        finished = False
        for event in events:
            if isinstance(event, TrialStarted):
                model.started(event.number, event.params, event.worker)
            elif isinstance(event, TrialProgress):
                model.progress(event.number, event.epoch, event.value)
            elif isinstance(event, TrialFinished):
                model.finished(event.trial, event.best)
                self.trials[event.trial.number] = event.trial
                finished = True
            elif isinstance(event, RoundStarted) and event.round > 0:
                title = self.title.text().split(" · round")[0]
                self.set_title(f"{title} · round {event.round + 1}: a narrower space")
        if finished and not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def show_importance(self, shares: dict) -> None:
        self.ensure_built()
        self.importance_plot.show_importance(shares)

    def finish(self, result: Any) -> None:
        """The search ended (finished, or stopped): its trials as the study has them, the importance, no ticking."""
        self.ensure_built()
        self._tick.stop()
        for trial in result.trials:
            if trial.state != "running":
                self.trials[trial.number] = trial
                self.table.trials.finished(trial, result.best)
        self.table.trials.set_best(None if result.best is None else result.best.number)
        self.table.trials.tick()
        if result.importance:
            self.importance_plot.show_importance(dict(result.importance))
        self.redraw()

    def stop_ticking(self) -> None:
        self._tick.stop()

    def redraw(self) -> None:
        self._redraw_timer.stop()
        self.ensure_built()
        trials = sorted(self.trials.values(), key=lambda t: t.number)
        for plot in (self.history_plot, self.parallel_plot, self.slice_plot):
            plot.show_trials(trials)
