"""The projection view: PCA points where core put them, coloured by class and marked by split; another layer on
request; t-SNE in the background with progress, a result, and cancel."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from core.model_io import build_network, load_data
from core.network_views import LiveViewsCollector, NetworkViewsRequest
from core.project import default_project, parse_project
from core.projection import INPUTS
from gui.dashboard import Dashboard, RunInfo
from gui.dashboard.style import class_color


class Run:
    def __init__(self, qtbot, project):
        self.project = project
        self.prepared = load_data(project)
        self.network = build_network(project, self.prepared.input_width)
        self.network.initialize(np.random.default_rng(0))
        self.request = NetworkViewsRequest()
        self.collector = LiveViewsCollector(self.network, self.prepared, self.request)
        self.dash = Dashboard()
        qtbot.addWidget(self.dash)
        self.dash.set_views_request(self.request)
        self.dash.reset(RunInfo.from_session(self.network, self.prepared))
        self.view = self.dash.projection_view

    def collect(self):
        self.request.projection_layer = self.view.layer
        views = self.collector.collect(0, 0)
        self.dash.add_views(views)
        self.dash.redraw()
        return views.network.projection

    def close(self):
        self.view.runner.cancel()
        self.dash.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def digits(qtbot):
    project = parse_project({"format": "layerlab/1",
                             "data": {"source": "builtin", "name": "digits", "split": {"val": 0.2, "test": 0.1}},
                             "model": {"layers": [{"type": "dense", "units": 32, "activation": "relu"},
                                                  {"type": "dense", "units": 16, "activation": "relu"},
                                                  {"type": "dense", "units": 10, "activation": "softmax"}]}})
    run = Run(qtbot, project)
    yield run
    run.close()


def test_points_are_the_projection_coloured_by_class_and_marked_by_split(digits):
    view = digits.view
    assert view.layer == 1                                  # the last hidden layer first
    assert [view.layer_box.itemData(i) for i in range(view.layer_box.count())] == [INPUTS, 0, 1, 2]
    projection = digits.collect()
    assert projection.layer == 1
    sample = projection.sample
    for code, item in enumerate(view.points):
        x, y = item.getData()
        pick = sample.split == code
        np.testing.assert_array_equal(x, projection.coords[pick, 0])
        np.testing.assert_array_equal(y, projection.coords[pick, 1])
        brushes = item.data["brush"]
        labels = sample.y[pick]
        assert all(b.color().name() == class_color(int(c), 10) for b, c in zip(brushes, labels))   # 10 digits
        assert item.opts["symbol"] == ("o", "s", "t")[code]
    assert sum(len(item.getData()[0]) for item in view.points) == len(sample) == 1000
    assert "PCA of 1: dense 16, relu" in view._title_text and "axes explain" in view._title_text


def test_choosing_the_inputs_projects_the_inputs(digits, qtbot):
    from sklearn.decomposition import PCA

    digits.collect()
    view = digits.view
    view.select_layer(INPUTS)
    assert digits.request.projection_layer == 1               # not on screen: nothing new is asked for
    projection = digits.collect()
    assert projection.layer == INPUTS
    reference = PCA(n_components=2).fit_transform(np.asarray(projection.sample.X, dtype=np.float64))
    x, _ = view.points[0].getData()
    train = projection.sample.split == 0
    assert abs(abs(np.corrcoef(x, reference[train, 0])[0, 1]) - 1.0) < 1e-9
    assert "PCA of inputs" in view._title_text


def test_a_stale_projection_of_another_layer_is_not_drawn(digits):
    projection = digits.collect()
    digits.view.select_layer(0)
    assert digits.view.projection is None
    digits.dash.add_views(digits.collector.collect(0, 0))     # still the old request's layer
    digits.dash.redraw()
    assert digits.view.projection is None
    assert projection.layer == 1


def test_tsne_runs_in_the_background_with_progress_and_shows_its_result(qtbot):
    data = {"source": "builtin", "name": "blobs", "samples": 90, "classes": 3, "noise": 0.05}
    project = default_project().with_changes(data=data, layers=(
        {"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 3, "activation": "softmax"}))
    run = Run(qtbot, project)
    try:
        view = run.view
        view.runner.max_iter = 250
        projection = run.collect()
        progress = []
        view.runner.progress.connect(progress.append)
        with qtbot.waitSignal(view.runner.finished, timeout=90_000):
            assert view.start_tsne()
            assert view.progress.isVisibleTo(view) and view.cancel_button.isVisibleTo(view)
            assert not view.tsne_button.isVisibleTo(view)
        assert progress[0] == 0.0 and progress[-1] == 1.0 and len(progress) >= 4
        assert progress == sorted(progress)
        source, embedding = view.tsne
        assert source is projection and embedding.shape == (len(projection.sample), 2)
        shown = np.concatenate([view.points[c].getData()[0] for c in range(3)])
        expected = np.concatenate([embedding[projection.sample.split == c, 0] for c in range(3)])
        np.testing.assert_array_equal(shown, expected)
        assert "t-SNE of 0: dense 8, relu" in view._title_text
        assert view.pca_button.isVisibleTo(view) and not view.progress.isVisibleTo(view)
        run.dash.add_views(run.collector.collect(1, 10))      # live PCA keeps arriving: the t-SNE stays shown
        run.dash.redraw()
        assert view.tsne is not None and "t-SNE" in view._title_text
        view.show_pca()
        assert view.tsne is None and "PCA of" in view._title_text
    finally:
        run.close()


def test_the_layer_on_screen_is_asked_for(digits, qtbot):
    wanted = []
    digits.dash.viewsWanted.connect(lambda: wanted.append(digits.request.projection_layer))
    digits.dash.resize(900, 600)
    digits.dash.show()
    qtbot.waitExposed(digits.dash)
    digits.dash.tabs.setCurrentWidget(digits.view)
    qtbot.waitUntil(lambda: digits.request.projection_layer == 1)
    digits.view.select_layer(0)
    assert digits.request.projection_layer == 0 and wanted[-1] == 0
    digits.dash.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: digits.request.projection_layer is None)


def test_tsne_can_be_cancelled(digits, qtbot):
    view = digits.view
    digits.collect()
    assert view.start_tsne()
    process = view.runner.process
    assert process is not None
    finished = []
    view.runner.finished.connect(finished.append)
    qtbot.wait(300)
    view.cancel_tsne()
    assert not view.runner.running and view.tsne is None
    assert process.state() == process.ProcessState.NotRunning
    assert view.tsne_button.isVisibleTo(view) and not view.cancel_button.isVisibleTo(view)
    qtbot.wait(200)
    assert finished == []
