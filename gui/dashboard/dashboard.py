"""The live dashboard of a training run: tabs of pyqtgraph views fed by the trainer's events.

Events only append to bounded histories (`add_*` never draws); frames then redraw only the views whose inputs
changed, within a share of the time. Frames come from the dashboard's own timer, or, while a run is live, from the
window (`set_paced(True)`, then `frame()` once per frame of the training pipeline), so that delivering events and
drawing them take one wake of the GUI thread (gui/training/pipeline.py). While a run trains, the GUI thread holds
the draw gate for all of that work, so the trainer waits meanwhile and the views draw at idle speed. The window
embeds one `Dashboard`, calls `reset(RunInfo)` for every new network or data set, and forwards events from its
training controller (on the GUI thread). Only the Training tab is built at launch; the others make their views when
first shown or asked for (gui/dashboard/lazy_tabs.py), and then catch up from the run's data like any hidden view.
"""
from __future__ import annotations

import time
import weakref
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from core.diagnostics import DiagnosticsSnapshot
from core.events import BatchEnd, EpochEnd
from core.live_evaluation import ViewsSnapshot
from gui.runtime import FRAME_INTERVAL
from gui.widgets.resize_storm import ResizeStorm
from gui.widgets.splitters import splitter

from .boundary import DecisionBoundaryPanel
from .evaluation import ConfusionMatrixPanel, PredictedVsTruePanel, RocPrPanel
from .gradient_histograms import GradientHistogramView
from .held_out import HeldOutTab
from .layer_plots import DeadReluPanel, GradientNormPanel, SaturationPanel
from .lazy_tabs import LazyTabWidget
from .network_graph import NetworkGraphView
from .plot_panel import FORMATS, PlotPanel
from .projection import ProjectionView
from .run_info import RunInfo
from .store import RunData
from .training_curves import LearningRatePanel, LossPanel, MetricPanel
from .weight_histograms import WeightHistogramView

# The dashboard's minimum size, whatever the task: every tab fits it (two views side by side at most), so the
# window's minimum width never depends on the data.
MIN_SIZE = QtCore.QSize(450, 360)
DRAW_SHARE = 0.08           # drawing (updating views, Qt painting them) may take this share of the time; training waits
MAX_CREDIT = 0.012          # seconds of drawing saved up at most (after a quiet spell: one full tab, not a burst)
# Seconds of debt at most: painting the views costs the credit whoever asked for it; unbounded, a burst of repaints
# (a few seconds of window drag, before a drag showed a picture of the window) froze the views for half a minute after
# (1.25 s at most now, at DRAW_SHARE; a single slow paint of up to 100 ms is still paid back in full).
MAX_DEBT = 0.1


def _record(times: list[float], seconds: float) -> None:
    times.append(seconds)
    del times[:-200]


class Dashboard(QtWidgets.QWidget):
    """objectName "dashboard". Views are found by objectName (see gui/dashboard/README.md)."""

    viewsWanted = QtCore.Signal()        # a network view was shown or changed: compute its data now (between runs)
    layerClicked = QtCore.Signal(int)    # the network graph's node or stage of this model layer was clicked

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.data = RunData()
        self.info: RunInfo | None = None
        self.panels: list[PlotPanel] = []      # every view built so far, in tab order: what frames, resets go over
        self._tab_panels: list[list[PlotPanel]] = []       # per tab, its views (empty until a lazy tab is built)
        self._lazy_attributes: dict[str, int] = {}         # attribute -> index of the lazy tab that makes it
        self._views_request = None
        self._test_actions: list = []
        self.tabs = LazyTabWidget()
        self.tabs.setObjectName("dashboardTabs")
        self.tabs.setDocumentMode(True)
        self._build_tabs()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(round(1000 * FRAME_INTERVAL))     # its own frames, when no run paces it
        self._timer.timeout.connect(self.frame)
        self.paced = False               # frames come from outside (a live run), not from `_timer`
        self._credit = MAX_CREDIT        # seconds of drawing the frames may spend now
        self._credited_at = time.perf_counter()
        self.tabs.currentChanged.connect(self._tab_shown)
        self.frame_times: list[float] = []     # seconds each frame that drew spent updating views (the latest 200)
        self.paint_times: list[float] = []     # seconds Qt spent painting them, as charged (the latest 200)

    def _build_tabs(self) -> None:
        """The tabs, left to right. A new view is a `PlotPanel` subclass in a module of its own, plus one
        `add_tab` line here (or a place in an existing tab's layout, and in its `panels`)."""
        vertical, horizontal = QtCore.Qt.Orientation.Vertical, QtCore.Qt.Orientation.Horizontal
        self.loss_plot = LossPanel()
        self.metric_plot = MetricPanel()
        self.lr_plot = LearningRatePanel()
        self.boundary_view = DecisionBoundaryPanel()
        self._curves = splitter(vertical, [self.loss_plot, self.metric_plot], [5, 4])
        self._boundary_column = splitter(vertical, [self.boundary_view, self.lr_plot], [3, 1])
        self.training_tab = splitter(horizontal, [self._curves, self._boundary_column], [1, 1])
        # Stacked epoch plots share their x range; equal axis widths keep their epochs vertically aligned.
        self.metric_plot.plot.setXLink(self.loss_plot.plot)
        for panel in (self.loss_plot, self.metric_plot):
            panel.plot.getAxis("left").setWidth(62)
        self.add_tab("Training", "Loss, metric, learning rate and the decision boundary", self.training_tab,
                     [self.loss_plot, self.metric_plot, self.lr_plot, self.boundary_view])

        self.add_lazy_tab("Gradients", "Gradient norms, dead ReLU units and saturation per layer",
                          Dashboard._build_gradients, "grad_norm_plot", "dead_plot", "saturation_plot",
                          "gradients_tab")
        self.add_lazy_tab("Histograms", "Per-layer gradient histograms, latest and over time",
                          lambda d: d._single("histogram_view", GradientHistogramView()), "histogram_view")
        self.add_lazy_tab("Weights", "Weight histograms, norms and update ratios per layer",
                          lambda d: d._single("weight_view", WeightHistogramView()), "weight_view")
        self.add_lazy_tab("Evaluation", "Confusion matrix, ROC / PR curves or predicted vs true",
                          Dashboard._build_evaluation, "confusion_view", "roc_pr_view", "predicted_view",
                          "evaluation_tab")
        self.add_lazy_tab("Test", "The held-out test rows: metrics and confusion matrix (or predictions) after "
                                  "training", Dashboard._build_test, "test_tab", "test_confusion_view",
                          "test_predicted_view")
        self.add_lazy_tab("Network", "The network as a graph: every unit, every weight, what each unit computes",
                          Dashboard._build_network_graph, "network_graph")
        self.add_lazy_tab("Projection", "PCA (live) or t-SNE of the data or of a layer's activations",
                          lambda d: d._network_view("projection_view", ProjectionView()), "projection_view")

    # --- the tabs built when first needed ---------------------------------------------------------------------------
    def _build_gradients(self) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        vertical, horizontal = QtCore.Qt.Orientation.Vertical, QtCore.Qt.Orientation.Horizontal
        self.grad_norm_plot = GradientNormPanel()
        self.dead_plot = DeadReluPanel()
        self.saturation_plot = SaturationPanel()
        bottom = splitter(horizontal, [self.dead_plot, self.saturation_plot], [3, 2])
        self.gradients_tab = splitter(vertical, [self.grad_norm_plot, bottom], [1, 1])
        return self.gradients_tab, [self.grad_norm_plot, self.dead_plot, self.saturation_plot]

    def _build_evaluation(self) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        self.confusion_view = ConfusionMatrixPanel()
        self.roc_pr_view = RocPrPanel()
        self.predicted_view = PredictedVsTruePanel()
        self.evaluation_tab = splitter(QtCore.Qt.Orientation.Horizontal,
                                       [self.confusion_view, self.roc_pr_view, self.predicted_view], [3, 2, 3])
        self.predicted_view.hide()          # a classification task's views until a reset says otherwise
        return self.evaluation_tab, [self.confusion_view, self.roc_pr_view, self.predicted_view]

    def _build_test(self) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        self.test_tab = HeldOutTab()
        self.test_confusion_view, self.test_predicted_view = self.test_tab.confusion, self.test_tab.predicted
        for action in self._test_actions:
            self.test_tab.add_action(action)
        if self.info is not None:
            self.test_tab.reset(self.info)
        return self.test_tab, self.test_tab.panels

    def _build_network_graph(self) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        widget, panels = self._network_view("network_graph", NetworkGraphView())
        widget.layerClicked.connect(self.layerClicked)
        return widget, panels

    def _network_view(self, name: str, view: PlotPanel) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        if self._views_request is not None:
            view.request = self._views_request
        view.wanted.connect(self.viewsWanted)
        return self._single(name, view)

    def _single(self, name: str, view: PlotPanel) -> tuple[QtWidgets.QWidget, list[PlotPanel]]:
        setattr(self, name, view)
        return view, [view]

    def add_lazy_tab(self, title: str, tip: str, build, *attributes: str) -> None:
        """Add a tab whose views `build(dashboard)` makes (returning the tab's widget and its views) the first time
        the tab is shown or one of `attributes` (set by `build`) is read. The tab keeps only a weak reference to
        the dashboard, so a deleted dashboard is not kept alive by its unbuilt tabs."""
        index = len(self._tab_panels)
        self._tab_panels.append([])
        owner = weakref.ref(self)

        def make() -> QtWidgets.QWidget:
            self = owner()
            widget, panels = build(self)
            self._tab_panels[index] = list(panels)
            self._collect_panels()
            if self.info is not None:
                for panel in panels:
                    panel.reset(self.info)
                self._apply_task(self.info)
                if not self.isVisible():
                    for panel in panels:
                        if panel.applicable:
                            panel.refresh(self.data)
            return widget

        self.tabs.add_lazy_tab(make, title)
        self.tabs.setTabToolTip(index, tip)
        for name in attributes:
            self._lazy_attributes[name] = index

    def __getattr__(self, name: str):
        """A view of a tab not built yet: build that tab now (see `add_lazy_tab`)."""
        lazy = self.__dict__.get("_lazy_attributes", {})
        if name in lazy:
            content = self.tabs.build(lazy[name])
            if content is not None and content.isVisibleTo(self.tabs):
                content.show()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _built(self, name: str):
        """The attribute `name` if its tab is built, else None (never builds)."""
        return self.__dict__.get(name)

    def build_all(self) -> None:
        """Build every lazy tab (what exporting every view, or finding each by objectName, needs)."""
        self.tabs.build_all()

    def _collect_panels(self) -> None:
        self.panels[:] = [panel for panels in self._tab_panels for panel in panels]

    def add_tab(self, title: str, tip: str, widget: QtWidgets.QWidget,
                panels: list[PlotPanel] | None = None) -> QtWidgets.QWidget:
        """Add a tab showing `widget`, whose views are `panels` (default: `widget` itself, one view); returns
        `widget`. Its views are then reset, drawn in frames from the run's data and exported like every other.
        (`panels=[]`: a plain widget the dashboard only shows.)"""
        index = self.tabs.addTab(widget, title)
        self.tabs.setTabToolTip(index, tip)
        self._tab_panels.append(list(panels if panels is not None else [widget]))
        self._collect_panels()
        return widget

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(1180, 900)

    def set_views_request(self, request) -> None:
        """Share what the network views ask for (core.network_views.NetworkViewsRequest) with the views collector:
        each view sets its part while it is on screen."""
        self._views_request = request
        for name in ("network_graph", "projection_view"):
            if self._built(name) is not None:
                self._built(name).request = request

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return MIN_SIZE

    def show_tab(self, title: str) -> bool:
        """Bring the tab titled `title` to the front; False when there is none."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)
                return True
        return False

    def panel(self, object_name: str) -> PlotPanel:
        self.build_all()
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
        self._apply_task(info)
        if self._built("test_tab") is not None:
            self.test_tab.reset(info)
        if self.isVisible():
            self._tab_shown()          # the views on screen start over now; hidden tabs when they are shown
        else:
            self._refresh_built()

    def _apply_task(self, info: RunInfo) -> None:
        """The evaluation views of this task (once their tab is built)."""
        if self._built("evaluation_tab") is None:
            return
        classification = info.task in ("binary", "multiclass", "multilabel")
        self.confusion_view.setVisible(classification)
        self.roc_pr_view.setVisible(classification)
        self.predicted_view.setVisible(info.task == "regression")

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

    def set_test_views(self, views: ViewsSnapshot | None) -> None:
        """The test rows' evaluation (core.holdout), or None to clear it (a new run makes it stale)."""
        self.data.set_test_views(views)
        self._schedule()

    def _schedule(self) -> None:
        if not self.paced and not self._timer.isActive():
            self._timer.start()

    def set_paced(self, paced: bool) -> None:
        """While paced, `frame()` is called from outside (once per frame of a live run) and the timer stays off."""
        if paced != self.paced:
            self.paced = paced
            if paced:
                self._timer.stop()
            else:
                self._schedule()

    def redraw(self) -> int:
        """Bring every view up to date (visible or not, building the tabs not built yet); returns how many views
        drew. The live timer calls `frame`, which skips views on hidden tabs until their tab is shown."""
        self.build_all()
        return self._refresh_built()

    def _refresh_built(self) -> int:
        if self.info is None:
            return 0
        return sum(panel.refresh(self.data) for panel in self.panels if panel.applicable)

    def add_test_action(self, action) -> None:
        """A button for `action` on the Test tab (added when the tab is built)."""
        self._test_actions.append(action)
        if self._built("test_tab") is not None:
            self.test_tab.add_action(action)

    def _tab_shown(self, _index: int = -1) -> None:
        """A tab just came into view (built just now if it was lazy): its views catch up at once, whatever their
        pace."""
        current = self.tabs.currentWidget()
        if current is not None and self.isVisible() and not current.isVisible():
            current.show()                  # just built: Qt would show it only at the next event loop round
        if self.info is not None:
            for panel in self.panels:
                if panel.applicable and panel.isVisible():
                    panel.refresh(self.data, force=panel.needs(self.data.versions))

    def frame(self) -> None:
        """One frame: draw what changed, as far as the time share allows. Shown on screen: redraw the visible
        views that changed, the one that waited longest first, while the frames' credit lasts. Credit grows by
        DRAW_SHARE of the time that passes and pays for each view's update and, a frame later, for Qt painting it;
        so on a slow machine views redraw less often, and the window (and the training thread, which waits while
        the window draws) never falls behind. Nothing while a window drag covers the window with its picture (the views
        catch up when the drag pauses: `catch_up`). Not shown (a script, a test): bring every view up to date, so
        reading a view's data never depends on which tab is open."""
        if self.info is None:
            return
        versions = self.data.versions
        if self.isVisible() and ResizeStorm.of(self.window()).covered:
            return                      # the window shows a picture of itself: the views catch up when it goes
        if not self.isVisible():
            start = time.perf_counter()
            if sum(panel.refresh(self.data) for panel in self.panels if panel.applicable):
                _record(self.frame_times, time.perf_counter() - start)
            return
        painted = sum(panel.graphics.take_paint_seconds() for panel in self.panels)
        if painted:
            _record(self.paint_times, painted)
        now = time.perf_counter()
        self._credit = max(min(self._credit + DRAW_SHARE * (now - self._credited_at), MAX_CREDIT) - painted,
                           -MAX_DEBT)
        self._credited_at = now
        waiting = [panel for panel in self.panels
                   if panel.applicable and panel.isVisible() and panel.needs(versions)]
        due = [panel for panel in waiting if panel.due(now)]
        update = 0.0
        while due and self._credit > 0:
            panel = min(due, key=lambda p: p.drawn_at - p.priority)
            due.remove(panel)
            start = time.perf_counter()
            panel.refresh(self.data, force=True)
            seconds = time.perf_counter() - start
            self._credit -= seconds
            update += seconds
        if update:
            _record(self.frame_times, update)
        if waiting:
            self._schedule()           # more views (or a view waiting for its pace) still have news to show

    def catch_up(self) -> None:
        """A window drag ended (gui/widgets/resize_storm.py): draw what its frames held back, now. What the drag
        painted (the window's pictures) was the drag's work, not the views': it is not charged to their credit."""
        self._drop_paint_seconds()
        self._credit = max(self._credit, 0.0)
        self.frame()

    def _drop_paint_seconds(self) -> None:
        """Forget the views' painting time counted so far (already paid for, or not the views' to pay)."""
        for panel in self.panels:
            panel.graphics.take_paint_seconds()

    def paint_now(self) -> None:
        """Lay out and paint what the last frame changed now, instead of in the event loop's next rounds: the views'
        layout requests, their scenes' queued updates, then the window's repaint. One frame is then one burst of work
        for the GUI thread, and the training thread, which waits while the window is busy, is held up once per frame
        rather than once per round (gui/runtime/busy_hold.py). All of it (Qt's compositing and its copy to the screen
        included) is paid from the frames' credit. Not while a window drag covers the window with its picture
        (gui/widgets/resize_storm.py)."""
        if not self.isVisible() or ResizeStorm.of(self.window()).covered:
            return
        start = time.perf_counter()
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
        for panel in self.panels:
            if panel.applicable and panel.isVisible():
                QtCore.QCoreApplication.sendPostedEvents(panel.graphics.scene(), QtCore.QEvent.Type.MetaCall)
        QtCore.QCoreApplication.sendPostedEvents(self.window(), QtCore.QEvent.Type.UpdateRequest)
        self._drop_paint_seconds()          # counted here in full, not again at the next frame
        seconds = time.perf_counter() - start
        self._credit = max(self._credit - seconds, -MAX_DEBT)
        _record(self.paint_times, seconds)

    def save_all(self, folder: str, fmt: str = "png") -> list[str]:
        """Write every view that applies to this run into `folder` as `<objectName>.<fmt>`; returns the paths."""
        fmt = fmt.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"cannot save plots as {fmt!r}; expected one of {', '.join(FORMATS)}")
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        self.redraw()                       # builds every tab: every view is written
        paths = []
        for panel in self.panels:
            if panel.applicable and self.info is not None:
                paths.append(panel.save(str(target / f"{panel.objectName()}.{fmt}"), fmt))
        return paths
