"""What hovering the network graph says: a link's weight and gradient, a node's units, incoming-weight norm, bias,
state and output histogram, and the short labels of the stage bars."""
from __future__ import annotations

import html

import numpy as np

from core.network_graph import GraphSnapshot

from .style import format_value

STAGE_NAMES = {"batch_norm": "BN", "layer_norm": "LN", "dropout": "drop", "gaussian_noise": "noise", "prelu": "PReLU"}


def stage_text(kind: str, description: str) -> str:
    """'BN', 'drop 0.2', 'tanh': what a thin stage bar is labelled."""
    if kind == "activation":
        return description.split(" ", 1)[-1]
    if kind in ("dropout", "gaussian_noise"):
        return f"{STAGE_NAMES[kind]} {description.rsplit(' ', 1)[-1]}"
    return STAGE_NAMES.get(kind, kind)


def describe_link(graph: GraphSnapshot, column: int, index: int) -> str:
    """Link `index` into `column`: its weight, where it goes, its gradient."""
    layout, links = graph.layout, graph.links[column]
    target, before = layout.columns[column], layout.columns[column - 1]
    i, j = int(links.source_unit[index]), int(links.target_unit[index])
    w, g = float(links.weight[index]), float(links.gradient[index])
    source_name = before.names[int(links.source[index])] if not before.grouped and before.names[0] else \
        f"unit {i}"
    text = (f"<b>{html.escape(target.label)}</b><br>weight [{i}, {j}] = <b>{format_value(w)}</b>"
            f"<br>{html.escape(source_name)} → unit {j}<br>gradient {format_value(g)} (last step)")
    if before.grouped or target.grouped:
        text += "<br><i>the strongest weight between these two groups</i>"
    return text


def describe_node(graph: GraphSnapshot, column: int, index: int) -> tuple[str, tuple[np.ndarray, np.ndarray]]:
    """Node `index` of `column`: its units, incoming-weight norm, bias, whether it is dead or saturated, and the
    histogram of its outputs (counts, edges)."""
    layout, state = graph.layout, graph.columns[column]
    col = layout.columns[column]
    start, stop = col.bounds[index], col.bounds[index + 1]
    which = f"unit {start}" if stop - start == 1 else f"units {start}–{stop - 1}"
    name = col.names[index]
    lines = [f"<b>{html.escape(col.label)}</b>, {which}" + (f" ({html.escape(name)})" if name else "")]
    if col.kind == "dense":
        lines.append(f"incoming-weight norm <b>{format_value(float(state.weight_norm[index]))}</b>")
        if np.isfinite(state.bias[index]):
            lines.append(f"bias {format_value(float(state.bias[index]))}")
    if state.dead[index] > 0:
        lines.append(f'<span style="color:#b71c1c">dead on all {graph.probe_rows} sample rows</span>'
                     if state.dead[index] >= 1 else f"{state.dead[index]:.0%} of its units dead")
    if state.saturated[index] > 0:
        lines.append('<span style="color:#b71c1c">saturated (at a bound on most rows)</span>')
    lines.append(f"outputs on {graph.probe_rows} training rows:")
    return "<br>".join(lines), (np.asarray(state.histogram[index]), np.asarray(state.histogram_edges[index]))


def describe_stage(graph: GraphSnapshot, _column: int, layer: int) -> str:
    """A thin stage bar: which layer it is and what it applies to."""
    layout = graph.layout
    column = layout.columns[layout.column_of_layer(layer)]
    description = next(d for i, _, d in column.stages if i == layer)
    return (f"<b>{layer}: {html.escape(description)}</b><br>applied to each of the {column.units:,} outputs of "
            f"{html.escape(column.label)}<br>(click: select it in the builder)")
