"""What the network graph view draws: every unit as a node in a column per dense layer, every weight as a link, and
what each unit computes.

Computed from the live network on the thread that trains it (between steps, like the evaluation views) and handed
out as frozen snapshots:
- per column: each node's mean bias, incoming-weight norm, the share of its units that are dead or saturated on a
  fixed sample of training rows, a histogram of its outputs on those rows, and, for 2-D data, its output over a
  grid of the input plane (the playground's thumbnails; the output column's is the decision function);
- per pair of neighbouring columns: the links, each a kernel entry with its gradient at the last step.

Big layers stay readable: a column of more than MAX_NODES units shows them as MAX_NODES groups of neighbouring
units (a group's link is its block's strongest kernel entry), and between such columns only the MAX_LINKS
strongest links are kept. Layers that keep the width (batch norm, dropout, a separate activation, ...) are the
*stages* of the column before them; a column's values are those after its stages, what the next layer receives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .events import frozen_array
from .network import Network
from .live_evaluation import grid_bounds

MAX_NODES = 32                 # units shown one by one in a column; more are shown as this many groups
MAX_LINKS = 128                # links kept between two columns when either is grouped (the strongest)
THUMBNAIL_RESOLUTION = 24      # grid points per side of each node's thumbnail
HISTOGRAM_BINS = 16
PROBE_ROWS = 256               # training rows the dead / saturated / histogram figures come from
SATURATION_MARGIN = 0.01       # an output within 1% of the activation's range from a bound is at that bound
SATURATED_SHARE = 0.9          # a unit whose outputs sit at a bound on this share of the rows is saturated


@dataclass(frozen=True)
class GraphColumn:
    """One column of nodes: the inputs, or a dense layer with the width-keeping layers after it."""

    kind: str                          # "input" | "dense"
    layer: int                         # model layer index of the dense layer; -1 for the inputs
    label: str                         # "inputs", "1: dense 16, relu"
    units: int
    bounds: tuple[int, ...]            # node k holds units bounds[k]:bounds[k + 1]
    names: tuple[str, ...]             # one per node: feature names (inputs), output names (last column), or ""
    stages: tuple[tuple[int, str, str], ...]   # (layer index, type, description) of the layers after it
    value_layer: int                   # model layer whose output is the column's value (-1: the network's inputs)
    activation_layer: int | None       # the layer whose activation can die or saturate (None: none)

    @property
    def nodes(self) -> int:
        return len(self.bounds) - 1

    @property
    def grouped(self) -> bool:
        return self.nodes < self.units


@dataclass(frozen=True)
class GraphLayout:
    columns: tuple[GraphColumn, ...]

    def column_of_layer(self, layer: int) -> int | None:
        """The column showing model layer `layer` (a dense layer or one of its stages)."""
        for c, column in enumerate(self.columns):
            if column.layer == layer or any(stage[0] == layer for stage in column.stages):
                return c
        return None


@dataclass(frozen=True)
class GraphLinks:
    """The links into one column, from the column before it; arrays of one entry per link."""

    source: np.ndarray         # node index in the previous column
    target: np.ndarray         # node index in this column
    weight: np.ndarray         # the kernel entry drawn (for a pair of groups: the block's strongest entry)
    gradient: np.ndarray       # that entry's gradient at the last step
    source_unit: np.ndarray    # kernel row of the entry (the unit of the previous column)
    target_unit: np.ndarray    # kernel column (the unit of this column)
    total: int                 # kernel entries between the two columns (the links there would be without limits)

    def __len__(self) -> int:
        return int(self.weight.shape[0])


@dataclass(frozen=True)
class ColumnState:
    """Per node of one column."""

    bias: np.ndarray           # mean bias of the node's units (nan: no bias)
    weight_norm: np.ndarray    # L2 norm of the node's incoming weights (nan for the inputs)
    dead: np.ndarray           # share of the node's units dead on the probe rows (output <= 0 on every row)
    saturated: np.ndarray      # share of the node's units saturated on the probe rows
    histogram: np.ndarray      # (nodes, HISTOGRAM_BINS) counts of the node's outputs on the probe rows
    histogram_edges: np.ndarray   # (nodes, HISTOGRAM_BINS + 1)
    thumbnails: np.ndarray | None  # (nodes, R, R) output over the input grid (rows follow y), 2-D data only


@dataclass(frozen=True)
class GraphSnapshot:
    epoch: int
    step: int
    layout: GraphLayout
    columns: tuple[ColumnState, ...]
    links: tuple[GraphLinks | None, ...]    # links[c]: into column c (None for the inputs)
    grid_x: np.ndarray | None               # (R,) raw x1 of the thumbnails' columns, 2-D data only
    grid_y: np.ndarray | None               # (R,) raw x2 of their rows
    probe_rows: int


def node_bounds(units: int, max_nodes: int = MAX_NODES) -> tuple[int, ...]:
    """Boundaries of the nodes of a column: one per unit up to `max_nodes`, else `max_nodes` near-equal groups."""
    nodes = min(units, max_nodes)
    return tuple(int(b) for b in np.linspace(0, units, nodes + 1).round().astype(int))


def graph_layout(network: Network, feature_names: tuple[str, ...], output_names: tuple[str, ...]) -> GraphLayout:
    """The columns of a network: its inputs, then one per dense layer; other layers are stages of the column
    before them."""
    columns: list[dict[str, Any]] = [{"kind": "input", "layer": -1, "label": "inputs", "units": network.input_width,
                                      "stages": [], "value_layer": -1, "activation_layer": None}]
    for i, layer in enumerate(network.layers):
        if layer.type == "dense":
            columns.append({"kind": "dense", "layer": i, "label": f"{i}: {layer.describe()}",
                            "units": network.widths[i + 1], "stages": [], "value_layer": i,
                            "activation_layer": i if layer.activation is not None else None})
            continue
        column = columns[-1]
        column["stages"].append((i, layer.type, layer.describe()))
        column["value_layer"] = i
        if layer.activation is not None and column["kind"] == "dense":
            column["activation_layer"] = i
    out = []
    for c, column in enumerate(columns):
        bounds = node_bounds(column["units"])
        names: tuple[str, ...] = ("",) * (len(bounds) - 1)
        source = feature_names if c == 0 else (output_names if c == len(columns) - 1 else ())
        if len(source) == column["units"]:
            names = tuple(_group_name(source, s, e) for s, e in zip(bounds[:-1], bounds[1:]))
        out.append(GraphColumn(column["kind"], column["layer"], column["label"], column["units"], bounds, names,
                               tuple(column["stages"]), column["value_layer"], column["activation_layer"]))
    return GraphLayout(tuple(out))


def _group_name(names: tuple[str, ...], start: int, stop: int) -> str:
    return names[start] if stop - start == 1 else f"{names[start]}…{names[stop - 1]}"


def layer_outputs(network: Network, X: np.ndarray) -> list[np.ndarray]:
    """Each layer's evaluation-mode output for inputs X (n, input_width), as the network's own forward computes
    them; entry i is model layer i's."""
    x = np.asarray(X, dtype=network.dtype)
    outputs = []
    for layer in network.layers:
        x = np.array(layer.forward(x, False, None), copy=True)
        outputs.append(x)
    return outputs


def strongest_per_block(magnitude: np.ndarray, rows: tuple[int, ...], cols: tuple[int, ...]) \
        -> tuple[np.ndarray, np.ndarray]:
    """(row, col) index of the largest entry of each block of `magnitude` (blocks: rows[a]:rows[a+1] x
    cols[b]:cols[b+1]), as two (len(rows) - 1, len(cols) - 1) arrays; ties go to the first entry."""
    n_cols = magnitude.shape[1]
    starts = np.asarray(cols[:-1])
    sizes = np.diff(cols)
    col_group = np.repeat(np.arange(len(sizes)), sizes)
    best_r = np.empty((len(rows) - 1, len(sizes)), dtype=np.int64)
    best_c = np.empty_like(best_r)
    for a in range(len(rows) - 1):
        block = magnitude[rows[a]:rows[a + 1]]
        r = np.argmax(block, axis=0)
        values = block[r, np.arange(n_cols)]
        top = np.maximum.reduceat(values, starts)
        candidates = np.flatnonzero(values == np.repeat(top, sizes))
        first = candidates[np.unique(col_group[candidates], return_index=True)[1]]
        best_c[a] = first
        best_r[a] = rows[a] + r[first]
    return best_r, best_c


def links_between(kernel: np.ndarray, gradient: np.ndarray, before: GraphColumn, column: GraphColumn,
                  max_links: int = MAX_LINKS) -> GraphLinks:
    """The links drawn between two columns from a dense kernel (in, out) and its gradient."""
    n_in, n_out = kernel.shape
    if not before.grouped and not column.grouped:
        source = np.repeat(np.arange(n_in), n_out)
        target = np.tile(np.arange(n_out), n_in)
        rows, cols = source, target
    else:
        best_r, best_c = strongest_per_block(np.abs(kernel), before.bounds, column.bounds)
        source = np.repeat(np.arange(before.nodes), column.nodes)
        target = np.tile(np.arange(column.nodes), before.nodes)
        rows, cols = best_r.ravel(), best_c.ravel()
        if rows.size > max_links:
            keep = np.sort(np.argpartition(-np.abs(kernel[rows, cols]), max_links - 1)[:max_links])
            source, target, rows, cols = source[keep], target[keep], rows[keep], cols[keep]
    return GraphLinks(frozen_array(source), frozen_array(target), frozen_array(kernel[rows, cols], np.float64),
                      frozen_array(gradient[rows, cols], np.float64), frozen_array(rows), frozen_array(cols),
                      int(kernel.size))


class GraphProbe:
    """Computes GraphSnapshots of one network on one dataset (on the thread that trains it)."""

    def __init__(self, network: Network, prepared: Any, resolution: int = THUMBNAIL_RESOLUTION,
                 probe_rows: int = PROBE_ROWS):
        self.network = network
        dataset = getattr(prepared, "dataset", None)
        feature_names = tuple(getattr(prepared, "feature_names", ()) or ())
        self.layout = graph_layout(network, feature_names, _output_names(prepared, network.output_width))
        X = np.asarray(prepared.train.X)
        rows = np.arange(X.shape[0])
        if rows.size > probe_rows:
            rows = np.sort(np.random.default_rng(0).choice(rows.size, probe_rows, replace=False))
        self.probe = np.ascontiguousarray(X[rows], dtype=network.dtype)
        self.grid_x = self.grid_y = None
        self._grid_inputs = None
        preprocessor = getattr(prepared, "preprocessor", None)
        if dataset is not None and np.asarray(dataset.X).shape[1] == 2 and preprocessor is not None:
            x0, x1, y0, y1 = grid_bounds(np.asarray(dataset.X), margin=0.05)
            self.grid_x = frozen_array(np.linspace(x0, x1, resolution))
            self.grid_y = frozen_array(np.linspace(y0, y1, resolution))
            gx, gy = np.meshgrid(self.grid_x, self.grid_y)
            self._grid_inputs = preprocessor.transform(np.column_stack([gx.ravel(), gy.ravel()]))
        self.resolution = resolution

    def snapshot(self, epoch: int, step: int) -> GraphSnapshot:
        net, layout = self.network, self.layout
        probe_outputs = layer_outputs(net, self.probe)
        grid_outputs = layer_outputs(net, self._grid_inputs) if self._grid_inputs is not None else None
        arrays = net.named_arrays(trainable=True)
        grads = net.named_gradients()
        states, links = [], []
        for c, column in enumerate(layout.columns):
            values = self.probe if column.value_layer < 0 else probe_outputs[column.value_layer]
            thumbnails = None
            if grid_outputs is not None:
                grid_values = self._grid_inputs if column.value_layer < 0 else grid_outputs[column.value_layer]
                thumbnails = _per_node_mean(grid_values, column.bounds).T.reshape(
                    column.nodes, self.resolution, self.resolution)
                thumbnails = frozen_array(thumbnails, np.float32)
            bias = np.full(column.nodes, np.nan)
            weight_norm = np.full(column.nodes, np.nan)
            if column.kind == "dense":
                kernel = arrays[f"layers.{column.layer}.weight"]
                norms = np.einsum("ij,ij->j", kernel, kernel, dtype=np.float64)
                weight_norm = np.sqrt(np.add.reduceat(norms, column.bounds[:-1]))
                if f"layers.{column.layer}.bias" in arrays:
                    bias = _per_node_mean(arrays[f"layers.{column.layer}.bias"][None, :], column.bounds)[0]
                links.append(links_between(kernel, grads[f"layers.{column.layer}.weight"], layout.columns[c - 1],
                                           column))
            else:
                links.append(None)
            dead, saturated = self._unit_flags(column, probe_outputs, output=c == len(layout.columns) - 1)
            counts, edges = node_histograms(values, column.bounds)
            states.append(ColumnState(frozen_array(bias, np.float64), frozen_array(weight_norm, np.float64),
                                      frozen_array(_per_node_mean(dead[None, :], column.bounds)[0]),
                                      frozen_array(_per_node_mean(saturated[None, :], column.bounds)[0]),
                                      frozen_array(counts), frozen_array(edges), thumbnails))
        return GraphSnapshot(epoch, step, layout, tuple(states), tuple(links), self.grid_x, self.grid_y,
                             int(self.probe.shape[0]))

    def _unit_flags(self, column: GraphColumn, outputs: list[np.ndarray], output: bool) \
            -> tuple[np.ndarray, np.ndarray]:
        """Per unit: dead (its activation's output <= 0 on every probe row) and saturated (at a bound on
        SATURATED_SHARE of them), as 0/1 floats. An output unit is never called saturated: a sigmoid or softmax
        output at its bounds is a confident prediction, not a unit that stopped learning."""
        dead = np.zeros(column.units)
        saturated = np.zeros(column.units)
        if column.activation_layer is None:
            return dead, saturated
        activation = self.network.layers[column.activation_layer].activation
        out = outputs[column.activation_layer]
        if activation.can_die:
            dead = np.all(out <= 0, axis=0).astype(np.float64)
        if activation.saturation_bounds is not None and not output:
            lo, hi = activation.saturation_bounds
            margin = SATURATION_MARGIN * (hi - lo)
            at_bound = np.mean((out <= lo + margin) | (out >= hi - margin), axis=0)
            saturated = (at_bound >= SATURATED_SHARE).astype(np.float64)
        return dead, saturated


def _per_node_mean(values: np.ndarray, bounds: tuple[int, ...]) -> np.ndarray:
    """(n, units) -> (n, nodes): the mean over each node's units (the values themselves for one unit a node)."""
    values = np.asarray(values, dtype=np.float64)
    if len(bounds) - 1 == values.shape[1]:
        return values
    sums = np.add.reduceat(values, np.asarray(bounds[:-1]), axis=1)
    return sums / np.diff(bounds)[None, :]


def node_histograms(values: np.ndarray, bounds: tuple[int, ...], bins: int = HISTOGRAM_BINS) \
        -> tuple[np.ndarray, np.ndarray]:
    """Per node, a histogram of the outputs of its units over the rows of `values` (n, units): equal-width bins
    over that node's own range (counts (nodes, bins), edges (nodes, bins + 1))."""
    values = np.asarray(values, dtype=np.float64)
    starts = np.asarray(bounds[:-1])
    nodes = len(starts)
    lo = np.minimum.reduceat(values.min(axis=0), starts) if values.size else np.zeros(nodes)
    hi = np.maximum.reduceat(values.max(axis=0), starts) if values.size else np.ones(nodes)
    flat = hi <= lo
    lo, hi = np.where(flat, lo - 0.5, lo), np.where(flat, hi + 0.5, hi)
    edges = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, bins + 1)[None, :]
    node_of_unit = np.repeat(np.arange(nodes), np.diff(bounds))
    width = (hi - lo)[node_of_unit]
    index = np.floor((values - lo[node_of_unit]) / width * bins).astype(np.int64)
    np.clip(index, 0, bins - 1, out=index)
    flat_index = node_of_unit[None, :] * bins + index
    counts = np.bincount(flat_index.ravel(), minlength=nodes * bins).reshape(nodes, bins)
    return counts, edges


def _output_names(prepared: Any, width: int) -> tuple[str, ...]:
    """The name of each output unit: P(class) for classification, the target names for regression."""
    task = getattr(prepared, "task", "")
    classes = tuple(getattr(prepared, "class_names", None) or ())
    if task == "binary" and width == 1 and len(classes) == 2:
        return (f"P({classes[1]})",)
    if task in ("multiclass", "multilabel") and len(classes) == width:
        return tuple(f"P({name})" for name in classes)
    dataset = getattr(prepared, "dataset", None)
    targets = tuple(getattr(dataset, "target_names", ()) or ())
    return targets if len(targets) == width else ()
