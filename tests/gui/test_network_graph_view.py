"""The network graph view: a node per unit and a link per weight, links drawn by their weights' sign and strength on
one scale, hover cards with the real numbers, dead units drawn dead, stages, big layers grouped, and a click that
selects the layer in the builder."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, Qt

from core.model_io import build_network, load_data
from core.network_graph import MAX_NODES
from core.network_views import LiveViewsCollector, NetworkViewsRequest
from core.project import default_project, parse_project
from core.trainer import Trainer
from gui.dashboard import Dashboard, RunInfo
from gui.dashboard.graph_items import LEVELS, colorize, link_levels, link_pen
from gui.dashboard.style import format_value


class Run:
    """A network, its data and a dashboard fed by a views collector that asks for the graph."""

    def __init__(self, qtbot, project=None):
        self.project = project or default_project()
        self.prepared = load_data(self.project)
        self.network = build_network(self.project, self.prepared.input_width)
        self.trainer = Trainer(self.network, self.prepared, self.project.training)
        self.request = NetworkViewsRequest(graph=True)
        self.collector = LiveViewsCollector(self.network, self.prepared, self.request)
        self.dash = Dashboard()
        qtbot.addWidget(self.dash)
        self.dash.set_views_request(self.request)
        self.dash.reset(RunInfo.from_session(self.network, self.prepared))
        self.view = self.dash.network_graph

    def collect(self):
        views = self.collector.collect(self.trainer.epoch, self.trainer.step)
        self.dash.add_views(views)
        self.dash.redraw()
        return views.network.graph

    def close(self) -> None:
        self.dash.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def run(qtbot):
    made = Run(qtbot)
    yield made
    made.close()


def show_graph_tab(qtbot, dash: Dashboard) -> None:
    dash.resize(1100, 750)
    dash.show()
    qtbot.waitExposed(dash)
    dash.tabs.setCurrentWidget(dash.network_graph)
    qtbot.waitUntil(lambda: dash.network_graph.isVisible())


def move_mouse(qtbot, view, point: QPoint) -> None:
    qtbot.wait(20)                  # mouse events need distinct time stamps, or Qt merges them
    qtbot.mouseMove(view.graphics.viewport(), point)


def to_viewport(view, x: float, y: float) -> QPoint:
    scene = view.view.mapViewToScene(QPointF(x, y))
    return view.graphics.mapFromScene(scene)


def test_one_node_per_unit_and_one_link_per_weight_for_a_2_16_16_1_net(run):
    graph = run.collect()
    view = run.view
    assert view.node_count() == 2 + 16 + 16 + 1
    assert len(view.link_lines) == 2 * 16 + 16 * 16 + 16 * 1
    assert [int(np.sum(view.link_column == c)) for c in (1, 2, 3)] == [32, 256, 16]
    drawn = sum(path.elementCount() for path, _ in view.links_item.paths)
    assert drawn == len(view.link_lines) * view.link_lines.shape[1]       # every link is in exactly one path
    assert "304 weights" in view._title_text and "strongest" not in view._title_text
    assert view.graph is graph and not view.message.isVisible()


def test_link_colours_and_widths_follow_the_weights_after_a_training_step(run):
    run.collect()
    before = {(c, i): run.view.link_style(c, i) for c in (1, 2, 3) for i in range(len(run.view.graph.links[c]))}
    run.trainer.fit(1)                                      # one epoch of steps
    graph = run.collect()
    view = run.view
    changed = 0
    for c in (1, 2, 3):
        kernel = run.network.layers[c - 1].params["weight"]
        links = graph.links[c]
        np.testing.assert_array_equal(links.weight, kernel[links.source_unit, links.target_unit])
        expected = link_levels(links.weight, view.weight_scale)
        for i, w in enumerate(links.weight):
            sign, level = view.link_style(c, i)
            assert sign == (1 if w >= 0 else -1) and level == expected[i]
            changed += (sign, level) != before[(c, i)]
    assert changed > 0
    # Stronger weights are never drawn weaker, on one scale for the whole network.
    weights = np.concatenate([graph.links[c].weight for c in (1, 2, 3)])
    levels = np.concatenate([[view.link_style(c, i)[1] for i in range(len(graph.links[c]))] for c in (1, 2, 3)])
    order = np.argsort(np.abs(weights))
    assert np.all(np.diff(levels[order]) >= 0) and levels.max() == LEVELS
    # Each bucket is painted with its pen: the sign's colour, wider for stronger links.
    pens = [pen for _, pen in view.links_item.paths]
    for (sign, level) in {(int(s), int(v)) for s, v in zip(view.link_signs, view.link_levels)}:
        reference = link_pen(sign, level)
        assert any(p.color() == reference.color() and p.widthF() == reference.widthF() for p in pens)
    assert link_pen(1, LEVELS).widthF() > link_pen(1, 1).widthF()
    assert link_pen(1, 4).color() != link_pen(-1, 4).color()


def test_hovering_a_link_reports_its_weight_and_gradient(run, qtbot):
    graph = run.collect()
    show_graph_tab(qtbot, run.dash)
    view = run.view
    links = graph.links[3]                                  # into the output node: 16 well separated curves
    i = int(np.argmax(np.abs(links.weight)))
    x, y = view.link_midpoint(3, i)
    move_mouse(qtbot, view, to_viewport(view, x, y))
    qtbot.waitUntil(lambda: view.hover_text is not None)
    assert view.item_at(x, y) == ("link", 3, i)
    assert f"weight [{links.source_unit[i]}, 0] = <b>{format_value(float(links.weight[i]))}</b>" in view.hover_text
    assert f"gradient {format_value(float(links.gradient[i]))}" in view.hover_text
    assert view.card.isVisible()
    # A node: its incoming-weight norm, and a histogram of its outputs on the sample rows.
    nx, ny = view.node_center(2, 3)
    move_mouse(qtbot, view, to_viewport(view, nx, ny))
    qtbot.waitUntil(lambda: view.hover_text is not None and "unit 3" in view.hover_text)
    assert f"incoming-weight norm <b>{format_value(float(graph.columns[2].weight_norm[3]))}</b>" in view.hover_text
    counts, edges = view.card.histogram
    np.testing.assert_array_equal(counts, graph.columns[2].histogram[3])
    assert counts.sum() == graph.probe_rows
    move_mouse(qtbot, view, QPoint(3, 3))
    qtbot.waitUntil(lambda: view.hover_text is None)
    assert not view.card.isVisible()


def test_a_dead_unit_is_drawn_as_dead(run):
    run.network.layers[1].params["bias"][6] = -1e3           # unit 6 of layer 1 never fires
    graph = run.collect()
    assert graph.columns[2].dead[6] == 1.0
    assert run.view.node_state(2, 6) == "dead"
    assert [run.view.node_state(2, k) for k in range(16)].count("dead") == int(graph.columns[2].dead.sum())
    assert run.view.node_state(1, 0) in ("alive", "dead")
    look = run.view.nodes_item.look
    k = int(np.flatnonzero((run.view.node_column == 2) & (run.view.node_index == 6))[0])
    assert look.dead[k] == 1.0


def test_the_output_node_shows_the_decision_function(run):
    graph = run.collect()
    fill = run.view.nodes_item.look.fill
    decision = np.asarray(graph.columns[3].thumbnails[0], dtype=np.float64)
    # A probability: 0.5 is the neutral colour; the image's top row is the grid's highest x2.
    np.testing.assert_array_equal(fill[-1], colorize(2 * decision[::-1] - 1))


def test_stages_and_a_click_that_selects_the_layer(qtbot):
    project = default_project().with_changes(layers=(
        {"type": "dense", "units": 8}, {"type": "batch_norm"}, {"type": "activation", "activation": "relu"},
        {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 1, "activation": "sigmoid"}))
    run = Run(qtbot, project)
    try:
        run.collect()
        view = run.view
        assert [layer for _, layer in view.stage_bars] == [1, 2, 3]
        assert view.node_count() == 2 + 8 + 1
        clicked = []
        view.layerClicked.connect(clicked.append)
        assert view.click_at(*view.node_center(1, 2)) == 0
        assert view.click_at(*view.node_center(2, 0)) == 4
        bar = view.stage_bars[1][0]
        assert view.click_at(bar.center().x(), bar.center().y()) == 2
        assert view.hover_at(bar.center().x(), bar.center().y()).startswith("<b>2: activation relu</b>")
        assert view.click_at(*view.node_center(0, 0)) is None           # an input is no layer
        assert clicked == [0, 4, 2]
    finally:
        run.close()


def test_big_layers_are_grouped_and_say_so(qtbot):
    project = parse_project({"format": "layerlab/1", "data": {"source": "builtin", "name": "digits"},
                             "model": {"layers": [{"type": "dense", "units": 100, "activation": "relu"},
                                                  {"type": "dense", "units": 10, "activation": "softmax"}]}})
    run = Run(qtbot, project)
    try:
        graph = run.collect()
        view = run.view
        assert view.node_count() == MAX_NODES + MAX_NODES + 10
        assert len(view.link_lines) == len(graph.links[1]) + len(graph.links[2]) < 6400 + 1000
        assert "shown as 32 groups" in view._title_text and "strongest links drawn" in view._title_text
        assert view.nodes_item.look.fill is None and view.nodes_item.look.histograms is not None
        x, y = view.node_center(1, 0)
        text = view.hover_at(x, y)
        assert "units 0–2" in text or "units 0–3" in text
    finally:
        run.close()


def test_the_graph_is_asked_for_only_while_its_tab_is_shown(run, qtbot):
    run.request.graph = False
    wanted = []
    run.dash.viewsWanted.connect(lambda: wanted.append(True))
    show_graph_tab(qtbot, run.dash)
    assert run.request.graph and wanted
    run.dash.tabs.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not run.view.isVisible())
    assert not run.request.graph


def test_clicking_a_node_in_the_window_selects_its_layer(make_window, qtbot):
    window = make_window()
    dash = window.dashboard
    dash.tabs.setCurrentWidget(dash.network_graph)
    view = dash.network_graph
    qtbot.waitUntil(lambda: view.graph is not None, timeout=10_000)
    assert window.builder.current_index() != 1
    x, y = view.node_center(2, 5)
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(view, x, y))
    qtbot.waitUntil(lambda: window.builder.current_index() == 1)
    assert window.layer_editor.isVisible()
