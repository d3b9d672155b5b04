"""The network drawn as the playground draws it: a column of nodes per layer, every weight a link coloured by its
sign and as wide and opaque as it is strong, every node showing what it computes, all live while it trains.

Everything drawn comes from `core.network_graph.GraphSnapshot`s, computed on the training thread while this view is
on screen (`request.graph`); this module only lays out and paints them (gui/dashboard/graph_items.py). Hovering a
link shows its weight and gradient, hovering a node its output histogram and incoming-weight norm; clicking a node
reports its layer (`layerClicked`), which the window selects in the network builder.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from core.network_graph import MAX_NODES, GraphLayout, GraphSnapshot

from .graph_hover import describe_link, describe_node, describe_stage, stage_text
from .graph_items import NODE_SIZE, HoverCard, LinksItem, NodeLook, NodesItem, StagesItem, bezier_polylines, \
    colorize, distance_to_polylines, link_levels
from .plot_panel import PlotPanel, message_item
from .run_info import RunInfo
from .store import RunData
from .style import BLUE, MUTED_COLOR, ORANGE, TEXT_COLOR

PITCH = 1.45 * NODE_SIZE        # vertical distance between node centres
CURVE_POINTS = 12
HOVER_PIXELS = 5.0              # a link this close to the mouse (in pixels) is the one hovered
MAX_DRAWN_LINKS = 1500          # links painted at most (the strongest): ~45 ms of painting on a slow machine
STAGE_WIDTH = 0.2 * NODE_SIZE
STAGE_STEP = 0.42 * NODE_SIZE
PROBABILITY_TASKS = ("binary", "multiclass", "multilabel")


def label_font() -> QtGui.QFont:
    """The font of the view's labels (8 pt), to measure them."""
    font = QtGui.QFont()
    font.setPointSizeF(8)
    return font


class NetworkGraphView(PlotPanel):
    """objectName "networkGraphView"."""

    topics = ("views", "info")
    min_interval = 1 / 10
    priority = -0.05
    layerClicked = QtCore.Signal(int)      # a node or stage was clicked: its model layer index
    wanted = QtCore.Signal()               # shown: the graph is wanted now (between runs, compute it)

    def __init__(self, parent=None):
        super().__init__("networkGraphView", "Network graph", parent)
        self.view = self.body.addViewBox(row=0, col=0, enableMenu=False)   # never made, so never dropped
        self.view.setAspectLocked(True)
        self.view.setMouseEnabled(False, False)
        self.links_item = LinksItem()
        self.stages_item = StagesItem()
        self.nodes_item = NodesItem()
        for z, item in enumerate((self.links_item, self.stages_item, self.nodes_item)):
            item.setZValue(z)
            self.view.addItem(item)
        self.card = HoverCard()
        self.view.addItem(self.card, ignoreBounds=True)
        self.message = message_item("The network appears here<br>while this tab is open.")
        self.view.addItem(self.message, ignoreBounds=True)
        self.legend = pg.TextItem(anchor=(0, 0))
        self.view.addItem(self.legend, ignoreBounds=True)
        self.request = None                  # core.network_views.NetworkViewsRequest, given by the dashboard
        self.graph: GraphSnapshot | None = None
        self.layout_: GraphLayout | None = None
        self.weight_scale = 0.0
        self.hover_text: str | None = None
        self._labels: list[pg.TextItem] = []
        self._aspect = 0.0
        self._reset_geometry()
        scene = self.graphics.scene()
        scene.sigMouseMoved.connect(self._mouse_moved)
        scene.sigMouseClicked.connect(self._clicked)
        self.view.sigResized.connect(self._resized)

    def _reset_geometry(self) -> None:
        self.centers: list[np.ndarray] = []          # per column: (nodes, 2) node centres
        self.pair_lines: list[np.ndarray | None] = []   # per column: (prev nodes * nodes, points, 2) or None
        self.node_column = np.zeros(0, dtype=np.int64)  # per drawn node: its column, and its index there
        self.node_index = np.zeros(0, dtype=np.int64)
        self.node_rects = np.zeros((0, 4))
        self.link_lines = np.zeros((0, CURVE_POINTS, 2))
        self.link_column = np.zeros(0, dtype=np.int64)  # per drawn link: its column and its index in that column
        self.link_index = np.zeros(0, dtype=np.int64)
        self.link_levels = np.zeros(0, dtype=np.int64)
        self.link_signs = np.zeros(0, dtype=np.int64)
        self.stage_bars: list[tuple[QtCore.QRectF, int]] = []

    # --- asked for while shown ----------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.request is not None:
            self.request.graph = True
            self.wanted.emit()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        if self.request is not None:
            self.request.graph = False

    # --- per run ------------------------------------------------------------------------------------------------
    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.graph = None
        self.layout_ = None
        self.weight_scale = 0.0
        self._reset_geometry()
        self.links_item.set_links(self.link_lines, np.zeros(0), 1.0)
        self.nodes_item.set_look(NodeLook(np.zeros((0, 4)), np.zeros(0), np.zeros(0), np.zeros(0), None, None))
        self.stages_item.set_bars([])
        self._set_labels([])
        self.legend.setText("")
        self.card.hide()
        self.message.show()
        self.message.setPos(0, 0)
        self.view.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
        self.set_title("Network graph")

    # --- per frame ----------------------------------------------------------------------------------------------
    def draw(self, data: RunData) -> None:
        network = getattr(data.views, "network", None)
        graph = network.graph if network is not None else None
        if graph is None or graph is self.graph:
            return
        if graph.layout != self.layout_:
            self.layout_ = graph.layout
            self._build_geometry(graph.layout)
        self.graph = graph
        self.message.hide()
        self._draw_links(graph)
        self._draw_nodes(graph)
        self._set_title(graph)

    def _set_title(self, graph: GraphSnapshot) -> None:
        total = sum(links.total for links in graph.links if links is not None)
        drawn = len(self.link_lines)
        detail = f"epoch {graph.epoch} · {total:,} weights"
        if any(column.grouped for column in graph.layout.columns):
            detail += f" · layers over {MAX_NODES} units shown as {MAX_NODES} groups"
        if drawn < total:
            detail += f" · the {drawn:,} strongest links drawn"
        self.set_title("Network graph", detail)

    def _resized(self) -> None:
        if self.layout_ is None:
            return
        aspect = self._view_aspect()
        if abs(aspect - self._aspect) > 0.08 * max(self._aspect, 1e-9):
            self._build_geometry(self.layout_)
            if self.graph is not None:
                self._draw_links(self.graph)
                self._draw_nodes(self.graph)

    def _view_aspect(self) -> float:
        size = self.view.size()
        return size.width() / size.height() if size.height() > 20 else 1.6

    def _view_pixels(self) -> tuple[float, float]:
        size = self.view.size()
        return (size.width(), size.height()) if size.height() > 20 and size.width() > 20 else (1000.0, 640.0)

    # --- geometry -----------------------------------------------------------------------------------------------
    def _build_geometry(self, layout: GraphLayout) -> None:
        """Columns spread across the view's width (nodes stay square), each centred vertically; the labels at
        either side get the pixels they need, and column headers wrap when the columns are close."""
        self._aspect = self._view_aspect()
        columns = layout.columns
        tallest = max(column.nodes for column in columns) * PITCH
        most_stages = max(len(column.stages) for column in columns)
        gap_min = 2.4 * NODE_SIZE + most_stages * STAGE_STEP
        headroom = 2.6 if any(column.grouped for column in columns) else 1.6    # two-line column headers
        y_span = tallest + headroom + 1.3
        metrics = QtGui.QFontMetricsF(label_font())
        names_left = max((metrics.horizontalAdvance(n) for n in columns[0].names), default=0.0)
        names_right = max((metrics.horizontalAdvance(n) for n in columns[-1].names), default=0.0)
        left_px = max(names_left + 14, metrics.horizontalAdvance(columns[0].label) / 2) + 6
        right_px = max(names_right + 14, metrics.horizontalAdvance(columns[-1].label) / 2) + 6
        view_w, view_h = self._view_pixels()
        scale = view_h / y_span                                     # pixels per graph unit, if the height decides
        spans = max(len(columns) - 1, 1)
        gap = float(np.clip((view_w - left_px - right_px) / scale / spans - NODE_SIZE / spans, gap_min,
                            max(9 * NODE_SIZE, gap_min)))
        scale = min(scale, (view_w - left_px - right_px) / (gap * spans + NODE_SIZE))
        wrap = gap * scale < max(metrics.horizontalAdvance(c.label) for c in columns) + 10
        self.centers, self.pair_lines, self.stage_bars = [], [], []
        labels: list[pg.TextItem] = []
        for c, column in enumerate(columns):
            x = c * gap
            n = column.nodes
            ys = ((n - 1) / 2 - np.arange(n)) * PITCH
            self.centers.append(np.column_stack([np.full(n, x), ys]))
            top = (n - 1) / 2 * PITCH + NODE_SIZE / 2
            head = html.escape(column.label).replace(", ", ",<br>" if wrap else ", ", 1)
            if column.grouped:
                head += f'<br><span style="color:{MUTED_COLOR}">{column.units:,} units in {n} groups</span>'
            labels.append(self._label(head, x, tallest / 2 + 0.55, (0.5, 1.0)))
            for j, (layer, kind, description) in enumerate(column.stages):
                bar_x = x + NODE_SIZE / 2 + 0.35 + j * STAGE_STEP
                bar = QtCore.QRectF(bar_x, -top, STAGE_WIDTH, 2 * top)
                self.stage_bars.append((bar, layer))
                labels.append(self._label(html.escape(stage_text(kind, description)), bar_x + STAGE_WIDTH / 2,
                                          top + 0.12, (0.5, 1.0), size="7pt"))
            side = -1 if c == 0 else (1 if c == len(columns) - 1 else 0)
            if side:
                for k, name in enumerate(column.names):
                    if name:
                        labels.append(self._label(html.escape(name), x + side * (NODE_SIZE / 2 + 0.3), ys[k],
                                                  (1.0 if side < 0 else 0.0, 0.5)))
            if c == 0:
                self.pair_lines.append(None)
                continue
            before = self.centers[c - 1]
            m = len(before)
            spread = ((np.arange(m) - (m - 1) / 2) / max(m, 1)) * 0.5 * NODE_SIZE
            start = np.repeat(before + [NODE_SIZE / 2, 0.0], n, axis=0)
            end = np.tile(self.centers[c] - [NODE_SIZE / 2, 0.0], (m, 1))
            end[:, 1] += np.repeat(spread, n)
            self.pair_lines.append(bezier_polylines(start, end, CURVE_POINTS))
        self.stages_item.set_bars([bar for bar, _ in self.stage_bars])
        self._set_labels(labels)
        width = (len(columns) - 1) * gap
        self.legend.setHtml(
            f'<div style="color:{MUTED_COLOR}; font-size:8pt"><span style="color:{BLUE}">━</span> weight &gt; 0 '
            f'&nbsp;<span style="color:{ORANGE}">━</span> weight &lt; 0, wider = stronger &nbsp;·&nbsp; '
            f'<span style="color:#999">▢</span> dead &nbsp;<span style="color:#c62828">▣</span> saturated '
            f'&nbsp;▪ bias</div>')
        self.legend.setPos(-NODE_SIZE / 2 - left_px / scale * 0.5, -tallest / 2 - 0.4)
        headroom += 0.5 if wrap else 0.0
        self.view.setRange(xRange=(-NODE_SIZE / 2 - left_px / scale, width + NODE_SIZE / 2 + right_px / scale),
                           yRange=(-tallest / 2 - 1.3, tallest / 2 + headroom), padding=0)

    @staticmethod
    def _label(text: str, x: float, y: float, anchor: tuple[float, float], size: str = "8pt") -> pg.TextItem:
        item = pg.TextItem(html=f'<div style="color:{TEXT_COLOR}; font-size:{size}; text-align:center">{text}</div>',
                           anchor=anchor)
        item.setPos(x, y)
        return item

    def _set_labels(self, labels: list[pg.TextItem]) -> None:
        for item in self._labels:
            self.view.removeItem(item)
        self._labels = labels
        for item in labels:
            self.view.addItem(item, ignoreBounds=True)

    # --- drawing a snapshot -------------------------------------------------------------------------------------
    def _draw_links(self, graph: GraphSnapshot) -> None:
        lines, weights, columns, indices = [], [], [], []
        for c, links in enumerate(graph.links):
            if links is None or not len(links):
                continue
            n = len(self.centers[c])
            lines.append(self.pair_lines[c][links.source * n + links.target])
            weights.append(links.weight)
            columns.append(np.full(len(links), c))
            indices.append(np.arange(len(links)))
        if not weights:
            self._reset_links()
            return
        weights = np.concatenate(weights)
        strongest = float(np.percentile(np.abs(weights), 99)) if weights.size else 0.0
        self.weight_scale = max(self.weight_scale, strongest, 1e-6)   # one scale for the run: it only grows
        lines, columns, indices = np.concatenate(lines), np.concatenate(columns), np.concatenate(indices)
        if len(weights) > MAX_DRAWN_LINKS:
            keep = np.sort(np.argpartition(-np.abs(weights), MAX_DRAWN_LINKS - 1)[:MAX_DRAWN_LINKS])
            weights, lines, columns, indices = weights[keep], lines[keep], columns[keep], indices[keep]
        self.link_lines, self.link_column, self.link_index = lines, columns, indices
        self.link_levels = link_levels(weights, self.weight_scale)
        self.link_signs = np.where(weights >= 0, 1, -1)
        self.links_item.set_links(self.link_lines, weights, self.weight_scale)

    def _reset_links(self) -> None:
        self.link_lines = np.zeros((0, CURVE_POINTS, 2))
        self.link_column = self.link_index = self.link_levels = self.link_signs = np.zeros(0, dtype=np.int64)
        self.links_item.set_links(self.link_lines, np.zeros(0), 1.0)

    def _draw_nodes(self, graph: GraphSnapshot) -> None:
        rects, dead, saturated, bias, fills, hists, cols, idx = [], [], [], [], [], [], [], []
        last = len(graph.columns) - 1
        for c, (column, state) in enumerate(zip(graph.layout.columns, graph.columns)):
            centers = self.centers[c]
            rects.append(np.column_stack([centers - NODE_SIZE / 2, np.full((len(centers), 2), NODE_SIZE)]))
            dead.append(state.dead)
            saturated.append(state.saturated)
            bias.append(np.clip(np.asarray(state.bias) / self.weight_scale, -1, 1))
            cols.append(np.full(column.nodes, c))
            idx.append(np.arange(column.nodes))
            if state.thumbnails is not None:
                values = np.asarray(state.thumbnails, dtype=np.float64)
                if c == last and self.info is not None and self.info.task in PROBABILITY_TASKS:
                    normalised = 2.0 * values - 1.0          # a probability: 0.5 is the neutral colour
                else:                                       # each node on its own scale: its shape shows
                    top = np.max(np.abs(values), axis=(1, 2), keepdims=True)
                    normalised = values / np.where(top > 0, top, 1.0)
                fills.append(colorize(normalised[:, ::-1, :]))   # top row first: highest x2 at the top
            counts = np.asarray(state.histogram, dtype=np.float64)
            hists.append(counts / np.maximum(counts.max(axis=1, keepdims=True), 1.0))
        self.node_rects = np.concatenate(rects)
        self.node_column, self.node_index = np.concatenate(cols), np.concatenate(idx)
        fill = np.concatenate(fills) if len(fills) == len(graph.columns) else None
        self.nodes_item.set_look(NodeLook(self.node_rects, np.concatenate(dead), np.concatenate(saturated),
                                          np.concatenate(bias), fill, np.concatenate(hists)))

    # --- reading what is drawn (tests, automation) --------------------------------------------------------------
    def node_count(self) -> int:
        return int(len(self.node_rects))

    def node_center(self, column: int, node: int) -> tuple[float, float]:
        x, y = self.centers[column][node]
        return float(x), float(y)

    def node_state(self, column: int, node: int) -> str:
        """How a node is drawn: "dead" (hollow, crossed), "saturated" (red frame), "partly dead" or "alive"."""
        look = self.nodes_item.look
        k = int(np.flatnonzero((self.node_column == column) & (self.node_index == node))[0])
        if look.dead[k] >= 1.0:
            return "dead"
        if look.saturated[k] > 0:
            return "saturated"
        return "partly dead" if look.dead[k] > 0 else "alive"

    def link_midpoint(self, column: int, index: int) -> tuple[float, float]:
        """A point on the drawn curve of link `index` into `column` (the middle of the curve)."""
        k = self._drawn_link(column, index)
        x, y = self.link_lines[k, CURVE_POINTS // 2]
        return float(x), float(y)

    def link_style(self, column: int, index: int) -> tuple[int, int]:
        """(sign, strength level 1..LEVELS) link `index` into `column` is drawn with."""
        k = self._drawn_link(column, index)
        return int(self.link_signs[k]), int(self.link_levels[k])

    def _drawn_link(self, column: int, index: int) -> int:
        return int(np.flatnonzero((self.link_column == column) & (self.link_index == index))[0])

    # --- hover and click ----------------------------------------------------------------------------------------
    def _mouse_moved(self, scene_pos) -> None:
        if not self.view.sceneBoundingRect().contains(scene_pos) or self.graph is None:
            self.hide_hover()
            return
        point = self.view.mapSceneToView(scene_pos)
        self.hover_at(point.x(), point.y())

    def hover_at(self, x: float, y: float) -> str | None:
        """Show the card for whatever is at view point (x, y); returns its text (None: nothing there)."""
        found = self.item_at(x, y)
        if found is None:
            self.hide_hover()
            return None
        kind, column, index = found
        if kind == "node":
            text, histogram = describe_node(self.graph, column, index)
            k = int(np.flatnonzero((self.node_column == column) & (self.node_index == index))[0])
            self.nodes_item.set_highlight(k)
        else:
            describe = describe_stage if kind == "stage" else describe_link
            text, histogram = describe(self.graph, column, index), None
            self.nodes_item.set_highlight(None)
        self.hover_text = text
        self.card.set_content(text, histogram)
        (x0, x1), (y0, y1) = self.view.viewRange()
        anchor = (1.0 if x > (x0 + x1) / 2 else 0.0, 0.0 if y > (y0 + y1) / 2 else 1.0)
        if kind == "node":                  # beside the node, not over it
            x = self.node_center(column, index)[0] + (NODE_SIZE / 2 + 0.15) * (-1 if anchor[0] else 1)
        else:
            x += 12 * self.view.viewPixelSize()[0] * (-1 if anchor[0] else 1)
        self.card.place(x, y, anchor)
        return text

    def hide_hover(self) -> None:
        self.card.hide()
        self.hover_text = None
        self.nodes_item.set_highlight(None)

    def item_at(self, x: float, y: float) -> tuple[str, int, int] | None:
        """("node", column, node), ("link", column, link index) or ("stage", -1, layer) under (x, y)."""
        if self.graph is None:
            return None
        rects = self.node_rects
        inside = (rects[:, 0] <= x) & (x <= rects[:, 0] + rects[:, 2]) & (rects[:, 1] <= y) & \
            (y <= rects[:, 1] + rects[:, 3])
        if inside.any():
            k = int(np.flatnonzero(inside)[0])
            return "node", int(self.node_column[k]), int(self.node_index[k])
        for bar, layer in self.stage_bars:
            if bar.adjusted(-0.05, 0, 0.05, 0).contains(QtCore.QPointF(x, y)):
                return "stage", -1, layer
        if len(self.link_lines):
            distance = distance_to_polylines(self.link_lines, x, y)
            k = int(np.argmin(distance))
            pixel = max(self.view.viewPixelSize())
            if distance[k] <= HOVER_PIXELS * pixel:
                return "link", int(self.link_column[k]), int(self.link_index[k])
        return None

    def _clicked(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or self.graph is None:
            return
        point = self.view.mapSceneToView(event.scenePos())
        self.click_at(point.x(), point.y())

    def click_at(self, x: float, y: float) -> int | None:
        """Report the layer of the node or stage at (x, y) through `layerClicked`; returns it."""
        found = self.item_at(x, y)
        if found is None or found[0] == "link":
            return None
        kind, column, index = found
        layer = index if kind == "stage" else self.graph.layout.columns[column].layer
        if layer < 0:
            return None
        self.layerClicked.emit(layer)
        return layer
