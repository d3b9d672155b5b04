"""The dashboard for other tasks and situations, driven by hand-made events: multi-class and regression views,
RunInfo from core objects, hover readouts, frames of a visible dashboard, and a 100,000-step run's memory."""
from __future__ import annotations

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from core.events import BatchEnd, EpochEnd
from core.live_evaluation import DecisionGrid, ViewsSnapshot
from core.network import Network
from gui.dashboard import Dashboard, RunInfo
from gui.dashboard.boundary import CLASS_TINT
from gui.dashboard.store import SERIES_CAPACITY
from gui.dashboard.style import class_color


def make_info(task: str, n_classes: int = 0, points=None, layers=(0, 1)) -> RunInfo:
    return RunInfo(
        layer_labels={i: f"{i}: dense 4, relu" for i in layers}, diag_layers=tuple(layers),
        relu_layers=tuple(layers), saturating_layers=(), layer_units={i: 4 for i in layers}, task=task,
        n_classes=n_classes, class_names=tuple(f"c{k}" for k in range(n_classes)) if n_classes else None,
        target_names=("price",) if task == "regression" else ("label",),
        metric="r2" if task == "regression" else "accuracy", has_validation=True, points=points,
        feature_names=("width", "height") if points is not None else None)


def epoch(e: int, loss: float, step: int, improved: bool = False, **logs) -> EpochEnd:
    return EpochEnd(e, {"loss": loss, "val_loss": loss * 1.1, "lr": 0.01, **logs}, step, 0.0, {0: 1, 1: 0},
                    improved)


@pytest.fixture(scope="module")
def shared_dashboard(qapp):
    widget = Dashboard()
    yield widget
    widget.close()
    widget.deleteLater()       # and delete it now: a pyqtgraph tree left for interpreter exit may crash it
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


@pytest.fixture
def dash(shared_dashboard):
    shared_dashboard.hide()
    return shared_dashboard


def test_multiclass_boundary_confusion_and_curves(dash):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    y = rng.integers(0, 3, 30)
    dash.reset(make_info("multiclass", 3, points=(X, y, X[:5], y[:5], "test")))
    classes = np.zeros((4, 4))
    classes[:, 2:] = 2
    classes[1, 1] = 1
    confidence = np.full((4, 4), 1.0)
    confidence[0, 0] = 1 / 3                           # a cell where the network cannot decide at all
    grid = DecisionGrid(np.linspace(-2, 2, 4), np.linspace(-1, 1, 4), classes, confidence, "class", 3)
    confusion = np.array([[5, 1, 0], [2, 7, 1], [0, 3, 9]])
    fpr = np.array([0.0, 0.0, 0.5, 1.0])
    tpr = np.array([0.0, 0.5, 1.0, 1.0])
    roc = {k: (fpr, tpr) for k in range(3)}
    pr = {k: (np.array([1.0, 0.5, 0.0]), np.array([0.5, 1.0, 1.0])) for k in range(3)}
    dash.add_views(ViewsSnapshot(4, 40, "validation", grid, confusion, roc, pr, {"accuracy": 0.75}))
    dash.redraw()
    image = dash.findChild(QtWidgets.QWidget, "decisionBoundaryView").image.image
    assert image.shape == (4, 4, 3)
    np.testing.assert_array_equal(image[0, 0], [255, 255, 255])                    # unsure: white
    blue = np.array([8, 119, 189])                                                  # class 1 = "#0877bd"
    np.testing.assert_array_equal(image[1, 1], (255 * (1 - CLASS_TINT) + blue * CLASS_TINT).astype(np.uint8))
    green = np.array([0x2C, 0xA0, 0x2C])
    assert class_color(2, 3) == "#2ca02c"
    np.testing.assert_array_equal(image[3, 3], (255 * (1 - CLASS_TINT) + green * CLASS_TINT).astype(np.uint8))
    matrix = dash.findChild(QtWidgets.QWidget, "confusionMatrixView")
    assert [[matrix.cell_text(r, c) for c in range(3)] for r in range(3)] == confusion.astype(str).tolist()
    assert "true <b>c2</b>, predicted <b>c1</b><br>3 samples (25.0% of true c2)" == matrix.describe(1.5, 2.5)
    curves = dash.findChild(QtWidgets.QWidget, "rocPrView")
    # By hand: ROC trapezoids 0.5 * (0.5 + 1) / 2 + 0.5 * (1 + 1) / 2 = 0.875; AP = (1 - 0.5) * 0.5 + 0.5 * 1 = 0.75.
    assert curves.areas[2] == (pytest.approx(0.875), pytest.approx(0.75))
    assert sorted(label.text for _, label in curves.roc_legend.items) == [f"c{k}  AUC 0.875" for k in range(3)]
    assert not dash.findChild(QtWidgets.QWidget, "predictedVsTrueView").applicable


def test_regression_views(dash, tmp_path):
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    y = np.array([[10.0], [20.0], [30.0]])
    dash.reset(make_info("regression", points=(X, y, X[:1], y[:1], "validation")))
    true = np.array([[1.0], [2.0], [3.0], [4.0]])
    predicted = np.array([[1.5], [1.5], [3.5], [5.0]])
    grid = DecisionGrid(np.linspace(0, 4, 3), np.linspace(1, 5, 3), np.full((3, 3), 15.0), np.empty((0, 0)),
                        "value", 0)
    dash.add_views(ViewsSnapshot(2, 10, "validation", grid, None, {}, {}, {"r2": 0.5, "mae": 0.5}, true,
                                 predicted))
    dash.add_epochs([epoch(0, 1.0, 5, r2=0.2, val_r2=0.1, mae=0.9, val_mae=1.0)])
    dash.redraw()
    view = dash.findChild(QtWidgets.QWidget, "predictedVsTrueView")
    x_points, y_points = view.points.getData()
    np.testing.assert_array_equal(x_points, true[:, 0])
    np.testing.assert_array_equal(y_points, predicted[:, 0])
    np.testing.assert_array_equal(view.identity.getData()[0], [1.0, 5.0])          # y = x over every value shown
    assert "R² 0.5" in view.title_item.text and view.plot.getAxis("bottom").labelText == "true price"
    boundary = dash.findChild(QtWidgets.QWidget, "decisionBoundaryView")
    assert boundary.image.levels is not None and tuple(boundary.image.levels) == (10.0, 30.0)   # targets' range
    metric = dash.findChild(QtWidgets.QWidget, "metricPlot")
    assert metric.plot.getAxis("left").labelText == "R²"
    np.testing.assert_allclose(metric.curve("validation").yData, [0.1])
    names = {p.rsplit("/", 1)[-1] for p in dash.save_all(str(tmp_path), "svg")}
    assert "predictedVsTrueView.svg" in names
    assert not names & {"confusionMatrixView.svg", "rocPrView.svg"}


def test_per_layer_history_keys_stay_out_of_the_metric_curves_and_an_unlogged_auc_is_a_gap(dash):
    dash.reset(make_info("binary", 2))
    layer_keys = {"layers.0.grad_norm": 0.3, "layers.0.dead": 1.0, "layers.1.saturation": 0.2}
    dash.add_epochs([epoch(e, 1.0 / (e + 1), 10 * (e + 1), accuracy=0.5 + e / 10,
                           auc=0.7 + e / 100 if e in (0, 3) else float("nan"), **layer_keys) for e in range(4)])
    dash.redraw()
    metric = dash.findChild(QtWidgets.QWidget, "metricPlot")
    keys = [metric.selector.itemData(i) for i in range(metric.selector.count())]
    assert keys == ["accuracy", "auc"]
    metric.selector.setCurrentIndex(keys.index("auc"))
    dash.redraw()
    np.testing.assert_allclose(metric.curve("train").xData, [1, 4])
    np.testing.assert_allclose(metric.curve("train").yData, [0.70, 0.73])


def test_run_info_from_core_objects():
    network = Network([{"type": "dense", "units": 5, "activation": "linear"},
                       {"type": "activation", "activation": "relu"},
                       {"type": "dense", "units": 3, "activation": "tanh"},
                       {"type": "dense", "units": 2, "activation": "softmax"}], 2)
    raw = np.arange(20.0).reshape(10, 2)
    labels = np.arange(10) % 2
    split = lambda rows: SimpleNamespace(X=raw[rows] / 10, y=labels[rows], rows=np.asarray(rows))  # noqa: E731
    predefined_test = np.array([[100.0, 200.0], [300.0, 400.0]])
    prepared = SimpleNamespace(
        train=split([0, 2, 4, 6]), val=None, task="multiclass", n_classes=2, class_names=("no", "yes"),
        test=SimpleNamespace(X=predefined_test, y=np.array([0, 1]), rows=np.array([1, 0])),
        dataset=SimpleNamespace(X=raw, feature_names=("a", "b"), target_names=("label",),
                                predefined_splits={"test": (predefined_test, np.array([0, 1]))}))
    info = RunInfo.from_session(network, prepared)
    assert info.diag_layers == (0, 1, 2, 3)          # layer 1 has no parameters but a ReLU that can die
    assert info.relu_layers == (1,) and info.weight_layers == (0, 2, 3)
    assert info.saturating_layers == (2, 3)           # tanh, and softmax (bounded in [0, 1]) as core counts it
    assert info.layer_labels[1] == f"1: {network.layers[1].describe()}"
    assert info.layer_units == {0: 5, 1: 5, 2: 3, 3: 2} and info.metric == "accuracy"
    assert not info.has_validation and info.feature_names == ("a", "b")
    X_train, y_train, X_eval, y_eval, name = info.points
    np.testing.assert_array_equal(X_train, raw[[0, 2, 4, 6]])          # raw units, not the scaled inputs
    np.testing.assert_array_equal(X_eval, predefined_test[[1, 0]])      # a file's own test split
    assert name == "test" and list(y_eval) == [0, 1]


def test_hover_readouts_report_the_values_under_the_mouse(dash):
    dash.reset(make_info("binary", 2))
    dash.add_epochs([epoch(e, 1.0 / (e + 1), 10 * (e + 1)) for e in range(5)])
    dash.redraw()
    loss = dash.findChild(QtWidgets.QWidget, "lossPlot")
    text = loss.hover.show_at(3.1, 0.4)
    assert text.startswith("epoch 3<br>") and "train: <b>0.3333</b>" in text and "validation: <b>0.3667</b>" in text
    assert loss.hover.label.isVisible() and loss.hover.show_at(-50.0, 0.4).startswith("epoch 1<br>")


def test_best_epoch_marker_follows_early_stopping_improvements(dash):
    dash.reset(make_info("binary", 2))
    dash.add_epochs([epoch(0, 0.9, 10, True), epoch(1, 0.5, 20, True), epoch(2, 0.7, 30, False)])
    dash.redraw()
    loss = dash.findChild(QtWidgets.QWidget, "lossPlot")
    assert loss.best_line.isVisible() and loss.best_line.value() == 2     # epoch index 1 = 2 epochs done


def test_a_visible_dashboard_draws_hidden_tabs_when_they_are_shown(dash, qtbot):
    dash.reset(make_info("binary", 2))
    dash.tabs.setCurrentIndex(0)
    dash.resize(1000, 700)
    dash.show()
    qtbot.waitExposed(dash)
    snapshot_free = [epoch(e, 1.0, 10 * (e + 1)) for e in range(3)]
    dash.add_epochs(snapshot_free)
    loss = dash.findChild(QtWidgets.QWidget, "lossPlot")
    dead = dash.findChild(QtWidgets.QWidget, "deadReluPlot")
    qtbot.waitUntil(lambda: loss.curve("train").yData is not None and len(loss.curve("train").yData) == 3,
                    timeout=5000)
    assert dead.curve(0).yData is None or len(dead.curve(0).yData) == 0   # hidden tab: not drawn yet
    assert dash.frame_times                                               # the live frame was timed
    dash.tabs.setCurrentIndex(dash.tabs.indexOf(dash.gradients_tab))      # what clicking "Gradients" does
    np.testing.assert_array_equal(dead.curve(0).yData, [1, 1, 1])
    dash.hide()


class FakeClock:
    """Stands in for time.perf_counter while a test steps the time by hand."""

    def __init__(self):
        import time
        self.now = time.perf_counter() + 10.0

    def __call__(self) -> float:
        return self.now


def test_a_paced_dashboard_draws_only_in_its_frames_and_within_their_credit(dash, qtbot, monkeypatch):
    """While a run paces it, the dashboard never draws on its own; each frame draws what changed while the credit
    (DRAW_SHARE of the time that passed) lasts, and painting that cost more than the credit holds later frames
    back until the time has paid for it."""
    from gui.dashboard import dashboard as module

    dash.reset(make_info("binary", 2))
    dash.tabs.setCurrentIndex(0)
    dash.resize(1000, 700)
    dash.show()
    qtbot.waitExposed(dash)
    loss = dash.findChild(QtWidgets.QWidget, "lossPlot")
    dash.set_paced(True)
    dash.add_epochs([epoch(0, 1.0, 10)])
    qtbot.wait(150)                                                      # no timer of its own while paced
    assert loss.curve("train").yData is None or len(loss.curve("train").yData) == 0

    clock = FakeClock()
    monkeypatch.setattr(module.time, "perf_counter", clock)
    for panel in dash.panels:                                            # showing it painted: paid for already
        panel.graphics.take_paint_seconds()
    dash._credit, dash._credited_at = module.MAX_CREDIT, clock.now
    dash.frame()
    assert len(loss.curve("train").yData) == 1                           # a frame draws

    for panel in dash.panels:
        panel.graphics.take_paint_seconds()
    dash._credit = 0.0                                                   # spent: the slow paint below is owed in full
    loss.graphics.paint_seconds = 0.1                                    # Qt took 100 ms to paint it
    interval = 0.05
    frames_to_pay = int(np.ceil(0.1 / (module.DRAW_SHARE * interval)))
    drawn_at = []
    for k in range(1, frames_to_pay + 5):
        clock.now += interval
        dash.add_epochs([epoch(k, 1.0 / (k + 1), 10 * (k + 1))])
        dash.frame()
        if len(loss.curve("train").yData) == k + 1:
            drawn_at.append(k)
    # the first frame after the slow paint finds the credit spent; drawing resumes once 0.1 s is paid back
    assert drawn_at and drawn_at[0] >= frames_to_pay - 1
    monkeypatch.undo()
    dash._credited_at = module.time.perf_counter()                       # back on the real clock
    for panel in dash.panels:
        panel.drawn_at = -1e9
    dash.set_paced(False)                                                # its own timer again: it catches up
    dash.add_epochs([epoch(frames_to_pay + 5, 0.01, 10_000)])
    qtbot.waitUntil(lambda: len(loss.curve("train").yData) == frames_to_pay + 6, timeout=3000)
    dash.hide()


def test_a_100000_step_run_keeps_memory_and_curves_bounded(dash):
    dash.reset(make_info("binary", 2))
    per_epoch = 50

    def batches(start: int, stop: int) -> None:
        for step in range(start, stop):
            e, b = divmod(step, per_epoch)
            dash.add_batch(BatchEnd(e, b, per_epoch, step + 1, 1.0 + np.sin(step), 0.01, 1000.0, 1.0))

    batches(0, 20_000)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    batches(20_000, 100_000)
    dash.add_epochs([epoch(e, 1.0, (e + 1) * per_epoch) for e in range(2000)])
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 2_000_000            # a few fixed-size buffers for the epoch series, not per-step growth
    dash.redraw()
    batch = dash.findChild(QtWidgets.QWidget, "lossPlot").curve("batch")
    assert len(batch.xData) <= SERIES_CAPACITY
    assert batch.xData[0] == pytest.approx(1 / per_epoch)                 # the run's first batch is still there
    assert batch.xData[-1] > 1999                                          # and so is its end
    assert -0.01 <= batch.yData.min() and batch.yData.max() <= 2.01        # means of sin values + 1
    assert dash.data.point_count() <= 20 * SERIES_CAPACITY
