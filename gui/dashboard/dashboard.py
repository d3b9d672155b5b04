"""The live dashboard of a training run: tabs of pyqtgraph views fed by the trainer's events.

Events only append to bounded histories (`add_*` never draws); a single-shot timer then redraws at most ~30 times
a second, and only the views whose inputs changed. The window embeds one `Dashboard`, calls `reset(RunInfo)` for
every new network or data set, and forwards events from its training controller (on the GUI thread).
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from core.diagnostics import DiagnosticsSnapshot
from core.events import BatchEnd, EpochEnd
from core.views import ViewsSnapshot

from ..draw_gate import DRAW_GATE
from .boundary import DecisionBoundaryPanel
from .curves import LearningRatePanel, LossPanel, MetricPanel
from .evaluation import ConfusionMatrixPanel, PredictedVsTruePanel, RocPrPanel
from .gradient_histograms import GradientHistogramView
from .layer_plots import DeadReluPanel, GradientNormPanel, SaturationPanel
from .panel import FORMATS, PlotPanel
from .run_info import RunInfo
from .store import RunData
from .weights import WeightHistogramView

TICK_MS = 15                # a visible dashboard redraws one view per tick (each view at most ~30 times a second)
MAX_TICK_MS = 250           # however slow the machine, a tick at least 4 times a second
DRAW_SHARE = 0.06           # drawing may take at most this share of the time (training waits while it draws)


def _splitter(orientation: QtCore.Qt.Orientation, widgets: list[QtWidgets.QWidget],
              stretch: list[int]) -> QtWidgets.QSplitter:
    splitter = QtWidgets.QSplitter(orientation)
    splitter.setChildrenCollapsible(False)
    splitter.setHandleWidth(5)
    for widget, factor in zip(widgets, stretch):
        splitter.addWidget(widget)
        splitter.setStretchFactor(splitter.count() - 1, factor)
    return splitter


class Dashboard(QtWidgets.QWidget):
    """objectName "dashboard". Views are found by objectName (see gui/dashboard/README.md)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.data = RunData()
        self.info: RunInfo | None = None
        self.loss_plot = LossPanel()
        self.metric_plot = MetricPanel()
        self.lr_plot = LearningRatePanel()
        self.boundary_view = DecisionBoundaryPanel()
        self.grad_norm_plot = GradientNormPanel()
        self.dead_plot = DeadReluPanel()
        self.saturation_plot = SaturationPanel()
        self.histogram_view = GradientHistogramView()
        self.weight_view = WeightHistogramView()
        self.confusion_view = ConfusionMatrixPanel()
        self.roc_pr_view = RocPrPanel()
        self.predicted_view = PredictedVsTruePanel()
        self.panels: list[PlotPanel] = [self.loss_plot, self.metric_plot, self.lr_plot, self.boundary_view,
                                        self.grad_norm_plot, self.dead_plot, self.saturation_plot, self.histogram_view,
                                        self.weight_view, self.confusion_view, self.roc_pr_view, self.predicted_view]
        self._build_tabs()
        # Stacked epoch plots share their x range; equal axis widths keep their epochs vertically aligned.
        self.metric_plot.plot.setXLink(self.loss_plot.plot)
        for panel in (self.loss_plot, self.metric_plot):
            panel.plot.getAxis("left").setWidth(62)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._frame)
        self.tabs.currentChanged.connect(self._tab_shown)
        self.frame_times: list[float] = []     # seconds each live frame spent updating views (the latest 200)
        self.paint_times: list[float] = []     # seconds Qt spent painting views since the frame before it

    def _build_tabs(self) -> None:
        vertical, horizontal = QtCore.Qt.Orientation.Vertical, QtCore.Qt.Orientation.Horizontal
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setObjectName("dashboardTabs")
        self.tabs.setDocumentMode(True)
        self._curves = _splitter(vertical, [self.loss_plot, self.metric_plot], [5, 4])
        self._boundary_column = _splitter(vertical, [self.boundary_view, self.lr_plot], [3, 1])
        self.training_tab = _splitter(horizontal, [self._curves, self._boundary_column], [1, 1])
        bottom = _splitter(horizontal, [self.dead_plot, self.saturation_plot], [3, 2])
        self.gradients_tab = _splitter(vertical, [self.grad_norm_plot, bottom], [1, 1])
        self.evaluation_tab = _splitter(horizontal, [self.confusion_view, self.roc_pr_view, self.predicted_view],
                                        [3, 2, 3])
        for widget, title, tip in (
                (self.training_tab, "Training", "Loss, metric, learning rate and the decision boundary"),
                (self.gradients_tab, "Gradients", "Gradient norms, dead ReLU units and saturation per layer"),
                (self.histogram_view, "Histograms", "Per-layer gradient histograms, latest and over time"),
                (self.weight_view, "Weights", "Weight histograms, norms and update ratios per layer"),
                (self.evaluation_tab, "Evaluation", "Confusion matrix, ROC / PR curves or predicted vs true")):
            index = self.tabs.addTab(widget, title)
            self.tabs.setTabToolTip(index, tip)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(1180, 900)

    def panel(self, object_name: str) -> PlotPanel:
        for panel in self.panels:
            if panel.objectName() == object_name:
                return panel
        raise KeyError(object_name)

    # --- the interface the main window calls --------------------------------------------------------------------
    def reset(self, info: RunInfo) -> None:
        """New network, data or run: clear every series and rebuild the per-layer items."""
        self.info = info
        self.data.reset(info)
        for panel in self.panels:
            panel.reset(info)
        self._place_learning_rate(info.points is not None)
        classification = info.task in ("binary", "multiclass", "multilabel")
        self.confusion_view.setVisible(classification)
        self.roc_pr_view.setVisible(classification)
        self.predicted_view.setVisible(info.task == "regression")
        if self.isVisible():
            self._tab_shown()          # the views on screen start over now; hidden tabs when they are shown
        else:
            self.redraw()

    def _place_learning_rate(self, with_boundary: bool) -> None:
        """2-D data: the learning rate sits under the decision boundary; otherwise under the metric, full width."""
        column = self._boundary_column if with_boundary else self._curves
        if self.lr_plot.parent() is not column:
            column.addWidget(self.lr_plot)
            column.setStretchFactor(column.count() - 1, 1)
        self._boundary_column.setVisible(with_boundary)

    def add_batch(self, event: BatchEnd) -> None:
        self.data.add_batch(event)
        self._schedule()

    def add_epochs(self, events: list[EpochEnd]) -> None:
        self.data.add_epochs(events)
        self._schedule()

    def add_snapshot(self, snapshot: DiagnosticsSnapshot) -> None:
        self.data.add_snapshot(snapshot)
        self._schedule()

    def add_views(self, views: ViewsSnapshot) -> None:
        self.data.add_views(views)
        self._schedule()

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def redraw(self) -> int:
        """Bring every view up to date (visible or not); returns how many views drew. The live timer calls
        `_frame`, which skips views on hidden tabs until their tab is shown."""
        if self.info is None:
            return 0
        return sum(panel.refresh(self.data) for panel in self.panels if panel.applicable)

    def _tab_shown(self, _index: int = -1) -> None:
        """A tab just came into view: its views catch up at once, whatever their pace."""
        if self.info is not None:
            for panel in self.panels:
                if panel.applicable and panel.isVisible():
                    panel.refresh(self.data, force=panel.needs(self.data.versions))

    def _frame(self, *_args) -> None:
        with DRAW_GATE:                  # the bookkeeping too, not only the drawing: it is Python as well
            self._draw_frame()

    def _draw_frame(self) -> None:
        """One timer tick. Shown on screen: redraw the one visible view that waited longest (Qt then repaints only
        that view, so the event loop is never blocked by a whole tab's painting). Not shown (a script, a test):
        bring every view up to date, so reading a view's data never depends on which tab is open."""
        if self.info is None:
            return
        versions = self.data.versions
        if not self.isVisible():
            start = time.perf_counter()
            if sum(panel.refresh(self.data) for panel in self.panels if panel.applicable):
                self._record(time.perf_counter() - start, 0.0)
            return
        painted = sum(panel.graphics.take_paint_seconds() for panel in self.panels)
        now = time.perf_counter()
        waiting = [panel for panel in self.panels
                   if panel.applicable and panel.isVisible() and panel.needs(versions)]
        due = [panel for panel in waiting if panel.due(now)]
        if due:
            panel = min(due, key=lambda p: p.drawn_at - p.priority)
            panel.refresh(self.data, force=True)
            seconds = time.perf_counter() - now
            self._record(seconds, painted)
            # Pace the ticks on what the last one cost (updating + painting): a slow machine gets fewer frames,
            # never a sluggish window.
            interval = 1000.0 * (seconds + painted) * (1.0 - DRAW_SHARE) / DRAW_SHARE
            self._timer.setInterval(int(min(max(interval, TICK_MS), MAX_TICK_MS)))
        if waiting:
            self._schedule()           # more views (or a view waiting for its pace) still have news to show

    def _record(self, update: float, paint: float) -> None:
        self.frame_times.append(update)
        self.paint_times.append(paint)
        del self.frame_times[:-200], self.paint_times[:-200]

    def save_all(self, folder: str, fmt: str = "png") -> list[str]:
        """Write every view that applies to this run into `folder` as `<objectName>.<fmt>`; returns the paths."""
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"cannot save plots as {fmt!r}; expected one of {', '.join(FORMATS)}")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        self.redraw()
        paths = []
        for panel in self.panels:
            if panel.applicable and self.info is not None:
                paths.append(panel.save(str(target / f"{panel.objectName()}.{fmt}"), fmt))
        return paths
