"""The dashboard reads at a laptop's size (issue 13): legends keep out of the data and can be dragged, log axes do
not print labels on top of each other, small multiples of a seven-layer network read at 1280 x 720 with the
zero-gradient count inside its plot, and the decision boundary fits the data with a small margin.

Checked from geometry (scene rectangles, tick positions, view ranges), not by eye.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from core.events import EpochEnd
from gui.dashboard.legends import PlotLegend, screen_points
from gui.project.examples import EXAMPLES_DIR


def settle(qtbot, window) -> None:
    window.flush_dashboard()
    window.dashboard.redraw()
    QApplication.processEvents()
    qtbot.wait(30)
    window.dashboard.redraw()           # legends place themselves against the final ranges
    QApplication.processEvents()


def hidden_points(legend: PlotLegend, items) -> int:
    points = screen_points(legend.parentItem(), items)
    rect = legend.sceneBoundingRect()
    inside = ((points[:, 0] >= rect.left()) & (points[:, 0] <= rect.right()) &
              (points[:, 1] >= rect.top()) & (points[:, 1] <= rect.bottom()))
    return int(np.count_nonzero(inside))


def test_the_accuracy_legend_keeps_off_the_curves_and_stays_where_it_is_dragged(window, qtbot):
    settle(qtbot, window)
    rng = np.random.default_rng(0)
    accuracy = np.minimum(0.5 + 0.1 * np.arange(60), 0.97) + rng.normal(0, 0.005, 60)   # the 0.9-1.0 band
    window.dashboard.add_epochs([EpochEnd(e, {"loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1), "lr": 0.01,
                                              "accuracy": float(a), "val_accuracy": float(a) - 0.01}, 10 * e, 0.0)
                                 for e, a in enumerate(accuracy)])
    settle(qtbot, window)
    metric = window.dashboard.metric_plot
    assert metric.legend.isVisible() and metric.legend.corner == (1, 1)       # bottom right: under the plateau
    assert hidden_points(metric.legend, metric.curves.values()) == 0
    loss = window.dashboard.loss_plot
    assert hidden_points(loss.legend, [loss.curve("train"), loss.curve("validation")]) == 0

    class Drag:                                                              # what pyqtgraph hands a drag
        def __init__(self, dx, dy):
            self._pos, self._last = QPointF(dx, dy), QPointF(0, 0)

        def button(self):
            return Qt.MouseButton.LeftButton

        def pos(self):
            return self._pos

        def lastPos(self):  # noqa: N802
            return self._last

        def accept(self):
            pass

    before = metric.legend.pos()
    metric.legend.mouseDragEvent(Drag(-120, -80))
    moved = metric.legend.pos()
    assert (moved.x(), moved.y()) == (before.x() - 120, before.y() - 80)
    window.dashboard.add_epochs([EpochEnd(60, {"loss": 0.01, "accuracy": 0.2, "val_accuracy": 0.2}, 600, 0.0)])
    settle(qtbot, window)
    assert metric.legend.pos() == moved                                      # the user's place is kept
    window.reset_weights()                                                   # a new run: it finds a corner again
    settle(qtbot, window)
    assert not metric.legend.user_placed


def test_a_short_log_axis_labels_decades_and_does_not_overlap(window, qtbot):
    plot = window.dashboard.weight_view.ratio_plot
    window.dashboard.tabs.setCurrentWidget(window.dashboard.weight_view)
    plot.setYRange(np.log10(5e-4), np.log10(3e-2), padding=0)                 # 1.8 decades, as iris showed
    QApplication.processEvents()
    axis = plot.getAxis("left")
    lo, hi = axis.range
    height = axis.size().height()
    labelled = []
    for spacing, values in axis.tickValues(lo, hi, height):
        strings = axis.tickStrings(values, axis.autoSIPrefixScale, spacing)
        labelled += [(v, s) for v, s in zip(values, strings) if s]
    texts = [s for _, s in labelled]
    assert {"0.001", "0.01"} <= set(texts) and not {"0.003", "0.004", "0.006", "0.007", "0.008", "0.009"} & set(texts)
    pixels = sorted(height * (v - lo) / (hi - lo) for v, _ in labelled)
    line = axis.fontMetrics().height() if hasattr(axis, "fontMetrics") else 12
    assert all(b - a >= 0.9 * line for a, b in zip(pixels, pixels[1:])), (texts, pixels)


@pytest.fixture
def deep_window(make_window, screen, qtbot, ui):
    screen(1280, 720)
    window = make_window()
    window.files.open_example(EXAMPLES_DIR / "deep_relu.json")
    qtbot.waitUntil(lambda: window.session.network is not None and len(window.session.network.layers) == 7
                    and window.session.trainer is not None, timeout=10_000)
    ui.set_field(window, "training_epochs", "3")
    ui.train(window)
    return window


def test_small_multiples_of_seven_layers_read_at_1280_by_720(deep_window, qtbot):
    window = deep_window
    histograms = window.dashboard.histogram_view
    window.dashboard.tabs.setCurrentWidget(histograms)
    settle(qtbot, window)
    assert len(histograms.rows) == 7
    for row in histograms.rows:
        assert row.heat_plot.vb.height() >= 70, row.layer                   # each row keeps room for its bins
        axis = row.heat_plot.getAxis("left")
        lo, hi = axis.range
        labelled = [v for spacing, values in axis.tickValues(lo, hi, axis.size().height())
                    for v, s in zip(values, axis.tickStrings(values, 1, spacing)) if s]
        ticks = sorted(axis.size().height() * (v - lo) / (hi - lo) for v in labelled)
        assert all(b - a >= 10 for a, b in zip(ticks, ticks[1:])), row.layer   # labels do not overprint
        bars = row.bars
        label, view = bars.zero_label.sceneBoundingRect(), bars.plot.vb.sceneBoundingRect()
        text = bars.zero_text()
        assert text.endswith("at 0")
        assert view.left() - 1 <= label.left() and label.right() <= view.right() + 1, (row.layer, text)
        assert view.top() - 1 <= label.top() and label.bottom() <= view.bottom() + 1, (row.layer, text)
    assert histograms.scroll.verticalScrollBar().maximum() > 0               # it scrolls instead of squeezing
    weights = window.dashboard.weight_view
    window.dashboard.tabs.setCurrentWidget(weights)
    settle(qtbot, window)
    for layer, histogram in weights.histograms.items():
        assert histogram.plot.vb.width() >= 100 and histogram.plot.vb.height() >= 50, layer


def test_the_decision_boundary_fits_the_data_with_a_small_margin(window, qtbot):
    settle(qtbot, window)
    boundary = window.dashboard.boundary_view
    X = np.vstack([boundary.info.points[0], boundary.info.points[2]])
    (x0, x1), (y0, y1) = boundary.plot.vb.viewRange()
    for (lo, hi), data in (((x0, x1), X[:, 0]), ((y0, y1), X[:, 1])):
        span = data.max() - data.min()
        assert lo <= data.min() and data.max() <= hi                          # every point is in view
        assert hi - lo <= 1.15 * span                                         # and little else
    grid = window.dashboard.data.views.grid
    assert grid.x[0] <= X[:, 0].min() and X[:, 0].max() <= grid.x[-1]       # the boundary covers the data


def test_a_long_title_elides_before_the_toolbar_with_the_whole_of_it_in_the_tooltip(make_window, screen, ui, qtbot):
    screen(1280, 720)
    window = make_window()
    window.files.open_example(EXAMPLES_DIR / "iris.json")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "multiclass"
                    and window.session.trainer is not None, timeout=10_000)
    ui.set_field(window, "training_epochs", "3")
    ui.train(window)
    window.dashboard.show_tab("Evaluation")
    settle(qtbot, window)
    for panel in (window.dashboard.confusion_view, window.dashboard.roc_pr_view):
        title = panel.title_item.item.boundingRect().width()
        room = panel.graphics.width() - panel.toolbar.width()
        assert title <= room, (panel.objectName(), title, room)
        if panel.title_item.toolTip():                        # elided: the tooltip holds the whole detail
            assert panel.title_item.toolTip() in panel._title_text
