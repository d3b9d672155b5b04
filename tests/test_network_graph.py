"""The network graph's numbers: one node per unit and one link per kernel entry, thumbnails that are the network's
own forward pass over the input grid, dead and saturated units, stages, and big layers grouped with their strongest
links."""
from __future__ import annotations

import numpy as np
import pytest

from core.data import load_dataset, prepare
from core.model_io import build_network, load_data
from core.network import Network
from core.network_graph import (
    MAX_LINKS,
    MAX_NODES,
    GraphProbe,
    graph_layout,
    layer_outputs,
    node_bounds,
    node_histograms,
    strongest_per_block,
)
from core.project import default_project

SPIRAL_NET = [{"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]


@pytest.fixture(scope="module")
def spiral():
    project = default_project()
    prepared = load_data(project)
    network = Network(SPIRAL_NET, prepared.input_width)
    network.initialize(np.random.default_rng(3))
    return network, prepared


def test_one_node_per_unit_and_one_link_per_weight(spiral):
    network, prepared = spiral
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    assert [c.nodes for c in snapshot.layout.columns] == [2, 16, 16, 1]
    assert [c.label for c in snapshot.layout.columns] == ["inputs", "0: dense 16, relu", "1: dense 16, relu",
                                                          "2: dense 1, sigmoid"]
    assert snapshot.layout.columns[0].names == ("x1", "x2")
    assert snapshot.layout.columns[-1].names == ("P(+1)",)
    assert snapshot.links[0] is None
    for c, links in enumerate(snapshot.links[1:], start=1):
        kernel = network.layers[c - 1].params["weight"]
        assert len(links) == links.total == kernel.size
        np.testing.assert_array_equal(links.weight, kernel[links.source_unit, links.target_unit])
        np.testing.assert_array_equal(links.source, links.source_unit)      # ungrouped: node k is unit k
        assert sorted(zip(links.source.tolist(), links.target.tolist())) == \
            [(i, j) for i in range(kernel.shape[0]) for j in range(kernel.shape[1])]


def test_links_carry_the_last_steps_gradient_and_incoming_norms(spiral):
    network, prepared = spiral
    network.grads[...] = np.arange(network.grads.size, dtype=network.dtype) / 1000.0
    try:
        snapshot = GraphProbe(network, prepared).snapshot(0, 0)
        grad = network.named_gradients()["layers.1.weight"].copy()
    finally:
        network.grads[...] = 0
    links = snapshot.links[2]
    np.testing.assert_array_equal(links.gradient, grad[links.source_unit, links.target_unit])
    kernel = network.layers[1].params["weight"]
    np.testing.assert_allclose(snapshot.columns[2].weight_norm, np.linalg.norm(kernel, axis=0), rtol=1e-6)
    np.testing.assert_allclose(snapshot.columns[2].bias, network.layers[1].params["bias"], rtol=1e-6)
    assert np.all(np.isnan(snapshot.columns[0].weight_norm))


def test_thumbnails_are_the_forward_pass_over_the_grid(spiral):
    network, prepared = spiral
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    gx, gy = np.meshgrid(snapshot.grid_x, snapshot.grid_y)
    raw = np.column_stack([gx.ravel(), gy.ravel()])
    assert raw[:, 0].min() < prepared.dataset.X[:, 0].min() and raw[:, 0].max() > prepared.dataset.X[:, 0].max()
    inputs = prepared.preprocessor.transform(raw)
    r = len(snapshot.grid_x)
    # The output node shows the decision function: the network's own predictions on the grid.
    decision = network.predict(inputs)[:, 0].reshape(r, r)
    np.testing.assert_allclose(snapshot.columns[3].thumbnails[0], decision, rtol=1e-5, atol=1e-6)
    # A hidden unit shows its own output; an input node the (scaled) feature it feeds.
    hidden = np.maximum(inputs.astype(np.float32) @ network.layers[0].params["weight"]
                        + network.layers[0].params["bias"], 0)
    np.testing.assert_allclose(snapshot.columns[1].thumbnails[5], hidden[:, 5].reshape(r, r), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(snapshot.columns[0].thumbnails[1], inputs[:, 1].reshape(r, r), rtol=1e-6)
    # Row k of a thumbnail is grid_y[k]: the top-right corner is (max x1, max x2).
    corner = prepared.preprocessor.transform(np.array([[snapshot.grid_x[-1], snapshot.grid_y[-1]]]))
    assert snapshot.columns[3].thumbnails[0][-1, -1] == pytest.approx(float(network.predict(corner)[0, 0]), rel=1e-5)


def test_a_unit_that_never_fires_is_dead(spiral):
    network, prepared = spiral
    before = network.params.copy()
    try:
        network.layers[0].params["bias"][4] = -1e3                   # unit 4 of layer 0: pre-activation < 0 always
        probe = GraphProbe(network, prepared)
        snapshot = probe.snapshot(0, 0)
        hidden = layer_outputs(network, probe.probe)[0]
    finally:
        network.params[...] = before
    dead = snapshot.columns[1].dead
    assert dead[4] == 1.0
    np.testing.assert_array_equal(dead, np.all(hidden <= 0, axis=0))  # dead: no positive output on any probe row
    assert GraphProbe(network, prepared).snapshot(0, 0).columns[1].dead[4] == 0.0


def test_a_pinned_tanh_unit_is_saturated_but_a_confident_output_is_not(spiral):
    _, prepared = spiral
    network = Network([{"type": "dense", "units": 6, "activation": "tanh"},
                       {"type": "dense", "units": 1, "activation": "sigmoid"}], prepared.input_width)
    network.initialize(np.random.default_rng(0))
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    assert not snapshot.columns[1].saturated.any()
    network.layers[0].params["weight"][:, 2] *= 1e4                  # unit 2 sits at -1 or +1 on every row
    network.layers[1].params["weight"][...] *= 1e4                   # and the output at 0 or 1
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    assert snapshot.columns[1].saturated.tolist() == [0, 0, 1, 0, 0, 0]
    assert snapshot.columns[2].saturated[0] == 0.0


def test_node_histograms_equal_numpys_per_node():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 6))
    values[:, 3] = 1.5                                                # a constant unit still gets a histogram
    counts, edges = node_histograms(values, (0, 1, 2, 3, 4, 5, 6), bins=8)
    for k in range(6):
        expected, expected_edges = np.histogram(values[:, k], bins=8) if k != 3 else \
            np.histogram(values[:, k], bins=8, range=(1.0, 2.0))
        np.testing.assert_array_equal(counts[k], expected)
        np.testing.assert_allclose(edges[k], expected_edges)
    grouped, _ = node_histograms(values, (0, 2, 6), bins=8)
    assert grouped.sum(axis=1).tolist() == [400, 800]


def test_width_keeping_layers_are_stages_of_the_column_before_them():
    layers = [{"type": "batch_norm"},
              {"type": "dense", "units": 4},
              {"type": "batch_norm"}, {"type": "activation", "activation": "tanh"}, {"type": "dropout", "rate": 0.2},
              {"type": "dense", "units": 2, "activation": "softmax"}]
    network = Network(layers, 3)
    layout = graph_layout(network, ("a", "b", "c"), ("P(x)", "P(y)"))
    inputs, hidden, out = layout.columns
    assert [s[1] for s in inputs.stages] == ["batch_norm"] and inputs.value_layer == 0
    assert [s[1] for s in hidden.stages] == ["batch_norm", "activation", "dropout"]
    assert hidden.layer == 1 and hidden.value_layer == 4 and hidden.activation_layer == 3
    assert out.names == ("P(x)", "P(y)") and out.activation_layer == 5
    assert layout.column_of_layer(3) == 1 and layout.column_of_layer(5) == 2 and layout.column_of_layer(0) == 0


def test_big_layers_are_grouped_and_keep_their_strongest_links():
    assert node_bounds(16) == tuple(range(17))
    bounds = node_bounds(100)
    assert len(bounds) == MAX_NODES + 1 and bounds[0] == 0 and bounds[-1] == 100 and min(np.diff(bounds)) >= 3
    rng = np.random.default_rng(1)
    network = Network([{"type": "dense", "units": 100, "activation": "relu"},
                       {"type": "dense", "units": 10, "activation": "softmax"}], 64)
    network.initialize(rng)
    prepared = prepare(load_dataset({"source": "builtin", "name": "digits"}),
                       {"source": "builtin", "name": "digits"})
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    inputs, hidden, out = snapshot.layout.columns
    assert (inputs.nodes, hidden.nodes, out.nodes) == (32, 32, 10) and inputs.grouped and not out.grouped
    first = snapshot.links[1]
    assert first.total == 6400 and len(first) == MAX_LINKS
    kernel = network.layers[0].params["weight"]
    # Every link is the strongest entry of its block, and the links kept are the strongest blocks.
    best_r, best_c = strongest_per_block(np.abs(kernel), inputs.bounds, hidden.bounds)
    block_strength = np.abs(kernel[best_r, best_c])
    for s, t, w, r, c in zip(first.source, first.target, first.weight, first.source_unit, first.target_unit):
        block = kernel[inputs.bounds[s]:inputs.bounds[s + 1], hidden.bounds[t]:hidden.bounds[t + 1]]
        assert inputs.bounds[s] <= r < inputs.bounds[s + 1] and hidden.bounds[t] <= c < hidden.bounds[t + 1]
        assert abs(w) == np.abs(block).max() and w == kernel[r, c]
    assert np.abs(first.weight).min() >= np.sort(block_strength.ravel())[-MAX_LINKS]
    second = snapshot.links[2]
    assert len(second) == MAX_LINKS and second.total == 1000       # 32 x 10 group pairs, the strongest kept
    assert snapshot.columns[0].thumbnails is None                  # 64 inputs: no input plane to draw


def test_strongest_per_block_matches_a_plain_search():
    rng = np.random.default_rng(2)
    magnitude = rng.random((11, 9))
    rows, cols = (0, 3, 7, 11), (0, 2, 5, 9)
    best_r, best_c = strongest_per_block(magnitude, rows, cols)
    for a in range(3):
        for b in range(3):
            block = magnitude[rows[a]:rows[a + 1], cols[b]:cols[b + 1]]
            i, j = np.unravel_index(np.argmax(block), block.shape)
            assert (best_r[a, b], best_c[a, b]) == (rows[a] + i, cols[b] + j)


def test_thumbnails_follow_feature_crosses():
    project = default_project()
    data = dict(project.data, features=["x1", "x2", "x1*x2", "sin(x1)"])
    project = project.with_changes(data=data)
    prepared = load_data(project)
    network = build_network(project, prepared.input_width)
    network.initialize(np.random.default_rng(0))
    snapshot = GraphProbe(network, prepared).snapshot(0, 0)
    assert snapshot.layout.columns[0].names == ("x1", "x2", "x1*x2", "sin(x1)")
    gx, gy = np.meshgrid(snapshot.grid_x, snapshot.grid_y)
    inputs = prepared.preprocessor.transform(np.column_stack([gx.ravel(), gy.ravel()]))
    r = len(snapshot.grid_x)
    np.testing.assert_allclose(snapshot.columns[0].thumbnails[2], inputs[:, 2].reshape(r, r), rtol=1e-6)
    np.testing.assert_allclose(snapshot.columns[-1].thumbnails[0], network.predict(inputs)[:, 0].reshape(r, r),
                               rtol=1e-5, atol=1e-6)
