"""The live dashboard fed with the events of a real (tiny) training run: what a user would see in each view."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from sklearn.metrics import average_precision_score, roc_auc_score

from core.diagnostics import DiagnosticsSnapshot
from core.events import BatchEnd, EpochEnd
from core.live_evaluation import ViewsCollector
from core.network import Network
from core.trainer import Trainer
from core.training_config import TrainingConfig
from core.training_data import TrainingData
from gui.dashboard import Dashboard, RunInfo
from gui.dashboard.store import HISTOGRAM_CAPACITY

KILLED = 5          # units of layer 0 given a huge negative bias: they never fire, so they get no gradient
LAYERS = [{"type": "dense", "units": 8, "activation": "relu"},
          {"type": "dense", "units": 8, "activation": "relu"},
          {"type": "dense", "units": 1, "activation": "sigmoid"}]


def two_moons_like(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    angle = rng.uniform(0, np.pi, n)
    X = np.column_stack([np.cos(angle) + y, np.sin(angle) * (1 - 2 * y) + 0.5 * y])
    return X + rng.normal(0, 0.1, X.shape), y


@pytest.fixture(scope="module")
def run():
    """Train 6 epochs with a snapshot after every step; keep every event and the final views."""
    rng = np.random.default_rng(0)
    X, y = two_moons_like(240, rng)
    X_val, y_val = two_moons_like(60, rng)
    data = TrainingData.from_arrays(X, y, X_val, y_val, task="binary", n_classes=2)
    network = Network(LAYERS, 2)
    config = TrainingConfig(loss="binary_crossentropy", optimizer={"name": "adam", "lr": 0.02}, batch_size=16,
                            epochs=6, seed=0)
    trainer = Trainer(network, data, config, diagnostics_every_steps=1, batch_event_interval=0.0)
    network.layers[0].params["bias"][:KILLED] = -100.0
    prepared = SimpleNamespace(train=data.train, val=data.val, test=None, task="binary", n_classes=2,
                               dataset=SimpleNamespace(X=np.vstack([X, X_val])))
    collector = ViewsCollector(network, prepared)
    events, views = [], []
    for event in trainer.run():
        events.append(event)
        if isinstance(event, EpochEnd):
            views.append(collector.collect(trainer.epoch, trainer.step))
    info = RunInfo(
        layer_labels={i: f"{i}: {layer.describe()}" for i, layer in enumerate(network.layers)},
        diag_layers=(0, 1, 2), relu_layers=(0, 1), saturating_layers=(2,), layer_units={0: 8, 1: 8, 2: 1},
        task="binary", n_classes=2, class_names=("red", "blue"), target_names=("label",), metric="accuracy",
        has_validation=True, points=(X, y, X_val, y_val, "validation"), feature_names=("x1", "x2"))
    probabilities = network.predict(X_val.astype(np.float32))[:, 0]
    return SimpleNamespace(events=events, views=views, info=info, X=X, y=y, X_val=X_val, y_val=y_val,
                           probabilities=probabilities,
                           batches=[e for e in events if isinstance(e, BatchEnd)],
                           epochs=[e for e in events if isinstance(e, EpochEnd)],
                           snapshots=[e for e in events if isinstance(e, DiagnosticsSnapshot)])


def feed(dash: Dashboard, run, views: bool = True) -> None:
    """Deliver the events as the main window does: batches and snapshots one by one, epochs in groups."""
    pending = []
    for event in run.events:
        if isinstance(event, BatchEnd):
            dash.add_batch(event)
        elif isinstance(event, DiagnosticsSnapshot):
            dash.add_snapshot(event)
        elif isinstance(event, EpochEnd):
            pending.append(event)
            if len(pending) == 4:
                dash.add_epochs(pending)
                pending = []
    dash.add_epochs(pending)
    if views:
        for snapshot in run.views:
            dash.add_views(snapshot)


@pytest.fixture(scope="module")
def shared_dashboard(qapp):
    """One dashboard for the module (building pyqtgraph plots is the slow part); each test starts from reset()."""
    widget = Dashboard()
    yield widget
    widget.close()
    widget.deleteLater()       # and delete it now: a pyqtgraph tree left for interpreter exit may crash it
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


@pytest.fixture
def dash(shared_dashboard, run):
    shared_dashboard.loss_plot.set_log(False)
    shared_dashboard.reset(run.info)
    return shared_dashboard


def size(item) -> int:
    """Points a curve shows (pyqtgraph keeps None for an emptied curve)."""
    return 0 if item.yData is None else len(item.yData)


def view(dash: Dashboard, name: str):
    dash.build_all()              # tabs make their views when first needed (gui/dashboard/lazy_tabs.py)
    found = dash.findChild(QtWidgets.QWidget, name)
    assert found is not None, name
    return found


def test_object_names_are_found_by_find_child(dash):
    for name in ("lossPlot", "gradientNormPlot", "gradientHistogramView", "deadReluPlot", "decisionBoundaryView",
                 "metricPlot", "learningRatePlot", "saturationPlot", "weightHistogramView", "confusionMatrixView",
                 "rocPrView", "predictedVsTrueView"):
        assert view(dash, name).objectName() == name
    assert dash.objectName() == "dashboard"


def test_events_are_only_buffered_until_the_frame_timer_draws(dash, run, qtbot):
    feed(dash, run)
    loss = view(dash, "lossPlot")
    assert size(loss.curve("train")) == 0                 # add_* never draws
    qtbot.waitUntil(lambda: size(loss.curve("train")) == 6, timeout=2000)
    assert dash.redraw() == 0          # nothing changed since that frame: nothing is drawn again


def test_loss_curves_equal_the_logged_losses(dash, run):
    feed(dash, run)
    dash.redraw()
    loss = view(dash, "lossPlot")
    np.testing.assert_allclose(loss.curve("train").yData, [e.logs["loss"] for e in run.epochs])
    np.testing.assert_allclose(loss.curve("validation").yData, [e.logs["val_loss"] for e in run.epochs])
    np.testing.assert_array_equal(loss.curve("train").xData, np.arange(1, 7))
    batch = loss.curve("batch")
    np.testing.assert_allclose(batch.yData, [b.loss for b in run.batches])
    np.testing.assert_allclose(batch.xData, [b.epoch + (b.batch + 1) / b.batches_per_epoch for b in run.batches])
    labels = [label.text for _, label in loss.legend.items]
    assert f"train  {run.epochs[-1].logs['loss']:.4g}" in labels


def test_metric_and_learning_rate(dash, run, qtbot):
    feed(dash, run)
    dash.redraw()
    metric = view(dash, "metricPlot")
    np.testing.assert_allclose(metric.curve("validation").yData, [e.logs["val_accuracy"] for e in run.epochs])
    assert metric.plot.getAxis("left").labelText == "Accuracy"
    metric.selector.setCurrentIndex(metric.selector.findData("f1"))     # what choosing "F1 score" does
    np.testing.assert_allclose(metric.curve("train").yData, [e.logs["f1"] for e in run.epochs])
    lr = view(dash, "learningRatePlot")
    np.testing.assert_allclose(lr.curve("lr").yData, 0.02, rtol=1e-6)


def test_log_toggle_switches_the_loss_axis(dash, run, qtbot):
    feed(dash, run)
    dash.redraw()
    loss = view(dash, "lossPlot")
    toggle = loss.findChild(QtWidgets.QToolButton, "lossLogToggle")
    qtbot.mouseClick(toggle, QtGui.Qt.MouseButton.LeftButton)
    assert loss.plot.getAxis("left").logMode
    np.testing.assert_allclose(loss.curve("train").yData, [e.logs["loss"] for e in run.epochs])  # data unchanged
    qtbot.mouseClick(toggle, QtGui.Qt.MouseButton.LeftButton)
    assert not loss.plot.getAxis("left").logMode


def test_gradient_norm_plot_has_one_curve_per_diagnosed_layer(dash, run):
    feed(dash, run)
    dash.redraw()
    plot = view(dash, "gradientNormPlot")
    assert sorted(plot.curves) == list(run.info.diag_layers)
    steps = [s.step for s in run.snapshots]
    assert steps[0] == 1
    for index in run.info.diag_layers:
        np.testing.assert_array_equal(plot.curve(index).xData, steps)
        np.testing.assert_allclose(plot.curve(index).yData, [s.layer(index).grad_norm for s in run.snapshots])
    assert {label.text for _, label in plot.legend.items} == set(run.info.layer_labels.values())


def test_gradient_norms_and_batch_dead_counts_have_a_point_for_every_traced_step(dash, run):
    """Snapshots are rare on a fast run; the curves come from the trace they carry, so no step is skipped."""
    rng = np.random.default_rng(1)
    X, y = two_moons_like(160, rng)
    network = Network(LAYERS, 2)
    trainer = Trainer(network, TrainingData.from_arrays(X, y, task="binary", n_classes=2),
                      TrainingConfig(loss="binary_crossentropy", batch_size=16, epochs=3, seed=0),
                      diagnostics_every_steps=9)
    snapshots = [e for e in trainer.run() if isinstance(e, DiagnosticsSnapshot)]
    assert len(snapshots) == 4                                  # steps 9, 18, 27 and the last one, 30
    dash.reset(run.info)
    for snapshot in snapshots:
        dash.add_snapshot(snapshot)
    dash.redraw()
    traced = np.concatenate([s.trace.grad_norms for s in snapshots])
    curve = view(dash, "gradientNormPlot").curve(0)
    np.testing.assert_array_equal(curve.xData, np.arange(1, 31))
    np.testing.assert_allclose(curve.yData, traced[:, 0])
    batch_dead = view(dash, "deadReluPlot").batch_curve(1).yData
    np.testing.assert_array_equal(batch_dead, np.concatenate([s.trace.dead_batch[:, 1] for s in snapshots]))


def test_zero_bin_shows_the_units_that_got_no_gradient(dash, run):
    feed(dash, run)
    dash.redraw()
    histograms = view(dash, "gradientHistogramView")
    latest = run.snapshots[-1].layer(0)
    zero = int(np.count_nonzero(latest.unit_grad_norms == 0))       # from the raw per-unit norms
    assert zero >= KILLED
    row = histograms.row(0, "unit_norms")
    assert row.bars.zero_text() == f"{zero} at 0"
    assert row.bars.bars.opts["width"][0] == zero                    # the red zero bin's bar
    healthy = histograms.row(1, "unit_norms")
    assert healthy.bars.zero_text() == f"{int(np.count_nonzero(run.snapshots[-1].layer(1).unit_grad_norms == 0))} at 0"
    hover = row.bars.describe(0.0, 0.5)
    assert "exactly 0" in hover and f"<b>{zero}</b> units" in hover


def test_heat_map_is_bounded_and_its_first_column_starts_at_step_1(dash, run):
    snapshot = run.snapshots[0]
    for k in range(5 * HISTOGRAM_CAPACITY):          # a long run: far more snapshots than columns
        dash.add_snapshot(dataclasses.replace(snapshot, step=k + 1))
    dash.redraw()
    heat = view(dash, "gradientHistogramView").row(0, "unit_norms").heat
    assert len(heat.spans) <= HISTOGRAM_CAPACITY
    assert heat.spans[0, 0] == 1 and heat.spans[-1, 1] == 5 * HISTOGRAM_CAPACITY
    rect = heat.image.mapRectToParent(heat.image.boundingRect())
    assert rect.left() == pytest.approx(1.0) and rect.right() == pytest.approx(5 * HISTOGRAM_CAPACITY + 1)
    # Every column is the same snapshot, so every column shows its distribution (fractions of the 8 units).
    expected = snapshot.layer(0).unit_grad_norm_counts / 8
    np.testing.assert_allclose(heat.matrix, np.tile(expected, (len(heat.spans), 1)))
    text = heat.describe(2.0, 0.5)
    assert text.startswith("steps 1–") and f"{100 * expected[0]:.1f}%" in text


def test_layer_selector_shows_both_histograms_of_one_layer(dash, run, qtbot):
    feed(dash, run)
    dash.redraw()
    histograms = view(dash, "gradientHistogramView")
    assert len(histograms.rows) == 3                    # small multiples: one row per layer
    histograms.layer_selector.setCurrentIndex(histograms.layer_selector.findData(1))
    assert [(r.layer, r.spec.key) for r in histograms.rows] == [(1, "unit_norms"), (1, "grad_values")]
    values = histograms.row(1, "grad_values")
    np.testing.assert_array_equal(values.bars.counts, run.snapshots[-1].layer(1).grad_value_counts)
    assert not histograms.quantity_selector.isVisibleTo(histograms)


def test_dead_relu_curves_equal_epoch_counts_and_bars_show_the_latest(dash, run):
    feed(dash, run)
    dash.redraw()
    dead = view(dash, "deadReluPlot")
    for index in run.info.relu_layers:
        np.testing.assert_array_equal(dead.curve(index).yData, [e.dead_units[index] for e in run.epochs])
        np.testing.assert_array_equal(dead.curve(index).xData, [e.step for e in run.epochs])
        np.testing.assert_array_equal(dead.batch_curve(index).yData,
                                      [s.layer(index).dead_batch for s in run.snapshots])
        assert dead.bar_text(index) == f"layer {index}: {run.epochs[-1].dead_units[index]} / 8"
    assert run.epochs[-1].dead_units[0] >= KILLED


def test_decision_boundary_shows_the_grid_and_the_points(dash, run):
    feed(dash, run)
    dash.redraw()
    boundary = view(dash, "decisionBoundaryView")
    grid = run.views[-1].grid
    np.testing.assert_array_equal(boundary.image.image, grid.values)
    rect = boundary.image.mapRectToParent(boundary.image.boundingRect())
    step = grid.x[1] - grid.x[0]
    assert rect.left() == pytest.approx(grid.x[0] - step / 2) and rect.right() == pytest.approx(grid.x[-1] + step / 2)
    x, y = boundary.train_points.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), run.X)
    brushes = [p.brush().color().name() for p in boundary.train_points.points()]
    assert {brushes[i] for i in np.flatnonzero(run.y == 0)} == {"#f59322"}     # class 0: orange
    assert {brushes[i] for i in np.flatnonzero(run.y == 1)} == {"#0877bd"}     # class 1: blue
    assert len(boundary.eval_points.getData()[0]) == len(run.X_val)
    assert boundary.plot.getAxis("bottom").labelText == "x1"
    assert "P(blue)" in boundary.describe(float(grid.x[3]), float(grid.y[5]))


def test_confusion_matrix_and_curves_match_the_validation_predictions(dash, run):
    feed(dash, run)
    dash.redraw()
    confusion = view(dash, "confusionMatrixView")
    predicted = (run.probabilities > 0.5).astype(int)
    for r in range(2):
        for c in range(2):
            assert confusion.cell_text(r, c) == str(int(np.sum((run.y_val == r) & (predicted == c))))
    assert [t[1] for t in confusion.plot.getAxis("left")._tickLevels[0]] == ["red", "blue"]
    roc_pr = view(dash, "rocPrView")
    auc, ap = roc_pr.areas[1]
    assert auc == pytest.approx(roc_auc_score(run.y_val, run.probabilities), abs=1e-6)
    assert ap == pytest.approx(average_precision_score(run.y_val, run.probabilities), abs=1e-6)
    assert any(f"AUC {auc:.3f}" in label.text for _, label in roc_pr.roc_legend.items)
    assert not view(dash, "predictedVsTrueView").applicable


def test_saving_a_plot_through_the_dialog_writes_png_and_svg(dash, run, tmp_path, monkeypatch):
    feed(dash, run)
    dash.redraw()
    loss = view(dash, "lossPlot")
    chosen = {}

    def fake_dialog(parent, caption, start, filters):
        chosen["start"] = start
        return str(tmp_path / chosen["name"]), filters.split(";;")[0]

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    chosen["name"] = "loss.png"
    loss.save_png_action.trigger()
    image = QtGui.QImage(str(tmp_path / "loss.png"))
    assert not image.isNull() and image.width() >= 1200 and chosen["start"].endswith("lossPlot.png")
    chosen["name"] = "loss"                        # no suffix: the chosen format's is added
    loss.save_svg_action.trigger()
    text = (tmp_path / "loss.svg").read_text()
    assert "<svg" in text and "</svg>" in text and len(text) > 1000


def test_save_all_writes_every_view_of_the_run(dash, run, tmp_path):
    feed(dash, run)
    paths = dash.save_all(str(tmp_path / "plots"), "png")
    names = sorted(p.split("/")[-1] for p in paths)
    assert "predictedVsTrueView.png" not in names         # a classification run has no regression view
    assert {"lossPlot.png", "gradientNormPlot.png", "gradientHistogramView.png", "deadReluPlot.png",
            "decisionBoundaryView.png", "confusionMatrixView.png", "rocPrView.png"} <= set(names)
    for path in paths:
        assert not QtGui.QImage(path).isNull()
    svgs = dash.save_all(str(tmp_path / "svg"), "svg")
    assert len(svgs) == len(paths) and all(open(p).read().rstrip().endswith("</svg>") for p in svgs)


def test_reset_clears_every_view(dash, run):
    feed(dash, run)
    dash.redraw()
    dash.reset(run.info)
    assert size(view(dash, "lossPlot").curve("train")) == 0
    assert all(size(c) == 0 for c in view(dash, "gradientNormPlot").curves.values())
    assert all(size(c) == 0 for c in view(dash, "deadReluPlot").curves.values())
    histograms = view(dash, "gradientHistogramView")
    assert len(histograms.row(0).heat.spans) == 0 and histograms.row(0).bars.zero_text() == ""
    assert view(dash, "decisionBoundaryView").image.image is None
    assert view(dash, "confusionMatrixView").cell_text(0, 0) == ""
    assert view(dash, "deadReluPlot").bar_text(0) == "layer 0: waiting for the first epoch"


def test_a_new_run_on_the_same_dashboard_starts_the_curves_over(dash, run):
    feed(dash, run, views=False)
    feed(dash, run, views=False)       # the trainer was reset and ran again without a dashboard reset
    dash.redraw()
    np.testing.assert_allclose(view(dash, "lossPlot").curve("train").yData, [e.logs["loss"] for e in run.epochs])


def test_a_layer_without_any_gradient_is_named_in_the_legend(dash, run):
    last = run.snapshots[-1]
    norms = last.trace.grad_norms.copy()
    norms[:, list(last.trace.grad_layers).index(1)] = 0.0
    trace = dataclasses.replace(last.trace, steps=last.trace.steps + 1, grad_norms=norms)
    silent = dataclasses.replace(last, step=last.step + 1, trace=trace, layers=tuple(
        dataclasses.replace(entry, grad_norm=0.0) if entry.index == 1 else entry for entry in last.layers))
    dash.add_snapshot(last)
    dash.add_snapshot(silent)
    dash.redraw()
    plot = view(dash, "gradientNormPlot")
    labels = {label.text for _, label in plot.legend.items}
    assert f"{run.info.layer_labels[1]} — no gradient (0)" in labels      # a log axis cannot show 0
    assert run.info.layer_labels[0] in labels


def test_axes_stay_put_while_the_data_fit_their_rounded_range(qtbot):
    """Re-laying out an axis is the costliest part of a frame: a growing curve moves its range in coarse steps."""
    import pyqtgraph as pg

    from gui.dashboard.ranges import RangeAnchor

    figure = pg.GraphicsLayoutWidget()
    qtbot.addWidget(figure)
    plot = figure.addPlot()
    curve = plot.plot([], [])
    anchor = RangeAnchor(plot)
    ranges = []
    for last in (87, 90, 95, 130):
        x = np.arange(last + 1, dtype=float)
        curve.setData(x, np.sin(x / 10))
        anchor.fit([curve])
        plot.getViewBox().updateAutoRange()
        ranges.append(plot.getViewBox().viewRange()[0])
    assert ranges[0] == ranges[1] == ranges[2]                 # 87, 90 and 95 fit a 0..100 box
    assert ranges[0][0] <= 0 and 100 <= ranges[0][1] < 110
    assert ranges[3][1] >= 130 and ranges[3] != ranges[2]    # outgrown: the next round size


def test_heat_map_step_axis_moves_in_coarse_steps(dash, run):
    snapshot = run.snapshots[0]
    heat = view(dash, "gradientHistogramView").row(0, "unit_norms").heat
    shown = []
    for step in range(1, 400):
        dash.add_snapshot(dataclasses.replace(snapshot, step=step, trace=None))
        if step in (310, 350, 399):
            dash.redraw()
            heat.plot.getViewBox().updateAutoRange()
            shown.append(tuple(heat.plot.getViewBox().viewRange()[0]))
    assert shown[0] == shown[1] == shown[2]
    assert shown[0][1] >= 400
