"""A 2-D picture of the data as a layer sees it: PCA of the inputs or of any layer's activations, live while the
network trains, or t-SNE of them on demand (course note 004). Watching the last hidden layer of digits separate
into ten clusters is the point.

The projections are computed in core on the training thread, on a fixed sample of train, validation and test rows
(`core.projection`), while this view is on screen (`request.projection_layer`); t-SNE runs in a child process
(gui/dashboard/tsne_runner.py) with progress and cancel. Points are coloured by class (the dashboard's class colours)
or by target (regression); their symbol says their split.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from core.projection import INPUTS, SPLIT_NAMES, Projection

from .hover import HoverReadout
from .plot_panel import PlotPanel, combo, message_item
from .run_info import RunInfo
from .store import RunData
from .style import TEXT_COLOR, add_legend, class_color, diverging_map, format_value, style_plot
from .tsne_runner import TsneRunner

SYMBOLS = ("o", "s", "t")                      # train, validation, test
SIZES = (6, 7, 8)
EDGES = ((255, 255, 255, 230), (40, 40, 40, 220), (40, 40, 40, 220))
NEAR_PIXELS = 8


class ProjectionView(PlotPanel):
    """objectName "projectionView"."""

    topics = ("views", "info")
    min_interval = 1 / 8
    wanted = QtCore.Signal()                   # shown, or another layer chosen: project it now (between runs)

    def __init__(self, parent=None):
        super().__init__("projectionView", "Projection", parent)
        self.plot = style_plot(self.add_plot(0, 0), "component 1", "component 2", grid="xy")
        self.points = [pg.ScatterPlotItem(size=s, symbol=sym, pen=pg.mkPen(edge, width=0.8), name=name)
                       for s, sym, edge, name in zip(SIZES, SYMBOLS, EDGES, SPLIT_NAMES)]
        for item in self.points:
            self.plot.addItem(item)
        self.legend = add_legend(self.plot, offset=(6, 6))           # the classes
        self.split_legend = pg.LegendItem(offset=(-6, 6), labelTextColor=TEXT_COLOR, labelTextSize="8pt",
                                          brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen(210, 210, 210),
                                          verSpacing=-4)
        self.split_legend.setParentItem(self.plot.vb)                # the splits, top right
        for name, symbol, size in zip(SPLIT_NAMES, SYMBOLS, SIZES):
            sample = pg.ScatterPlotItem(size=size, symbol=symbol, pen=pg.mkPen("#444444", width=1),
                                        brush=pg.mkBrush("#dddddd"))
            self.split_legend.addItem(sample, name)
        self.message = message_item("Shown while this tab is open.")
        self.plot.addItem(self.message, ignoreBounds=True)
        self.layer_box = self.add_tool(combo([], "projectionLayerSelector", "Which layer's activations to project"))
        self.layer_box.activated.connect(self._layer_chosen)
        self.tsne_button = self.add_tool(QtWidgets.QToolButton())
        self.tsne_button.setObjectName("tsneButton")
        self.tsne_button.setText("t-SNE")
        self.tsne_button.setToolTip("Embed these points with t-SNE (scikit-learn), in the background")
        self.tsne_button.clicked.connect(self.start_tsne)
        self.progress = self.add_tool(QtWidgets.QProgressBar())
        self.progress.setObjectName("tsneProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(90)
        self.progress.setFixedHeight(14)
        self.progress.setTextVisible(False)
        self.cancel_button = self.add_tool(QtWidgets.QToolButton())
        self.cancel_button.setObjectName("tsneCancelButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.clicked.connect(self.cancel_tsne)
        self.pca_button = self.add_tool(QtWidgets.QToolButton())
        self.pca_button.setObjectName("pcaButton")
        self.pca_button.setText("Back to PCA")
        self.pca_button.setToolTip("Show the live PCA again")
        self.pca_button.clicked.connect(self.show_pca)
        self.runner = TsneRunner(self)
        self.runner.progress.connect(lambda f: self.progress.setValue(round(1000 * f)))
        self.runner.finished.connect(self._tsne_done)
        self.runner.failed.connect(self._tsne_failed)
        self.request = None                    # core.network_views.NetworkViewsRequest, given by the dashboard
        self.projection: Projection | None = None
        self.tsne: tuple[Projection, np.ndarray] | None = None   # the projection t-SNE embedded, and the result
        self._tsne_source: Projection | None = None
        self.coords = np.zeros((0, 2))
        self.hover = HoverReadout(self.plot, self.describe, vertical=False, horizontal=False)
        self._show_tools()

    # --- asked for while shown ----------------------------------------------------------------------------------
    @property
    def layer(self) -> int:
        data = self.layer_box.currentData()
        return INPUTS if data is None else int(data)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._ask()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        if self.request is not None:
            self.request.projection_layer = None

    def _ask(self) -> None:
        if self.request is not None and self.info is not None and self.isVisible():
            self.request.projection_layer = self.layer
            self.wanted.emit()

    def select_layer(self, layer: int) -> None:
        """Project `layer` (INPUTS or a model layer index) from now on."""
        index = self.layer_box.findData(layer)
        if index >= 0:
            self.layer_box.setCurrentIndex(index)
            self._layer_chosen()

    def _layer_chosen(self, *_args) -> None:
        self.projection = None
        self.show_pca()
        self._ask()

    # --- per run ------------------------------------------------------------------------------------------------
    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.runner.cancel()
        self.projection = self.tsne = self._tsne_source = None
        self.layer_box.clear()
        self.layer_box.addItem("Inputs", INPUTS)
        for i, label in sorted(info.layer_labels.items()):
            self.layer_box.addItem(label, i)
        last_hidden = max((i for i in info.layer_labels if i < len(info.layer_labels) - 1), default=INPUTS)
        self.layer_box.setCurrentIndex(self.layer_box.findData(last_hidden))
        for item in self.points:
            item.setData([], [])
        self.coords = np.zeros((0, 2))
        self._fill_legend()
        self.message.setPos(0.5, 0.5)
        self.message.show()
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
        self.set_title("Projection")
        self._show_tools()
        if self.request is not None and self.request.projection_layer is not None:
            self.request.projection_layer = self.layer

    def _fill_legend(self) -> None:
        self.legend.clear()
        info = self.info
        if info.task in ("binary", "multiclass", "multilabel"):
            k = max(info.n_classes, 2) if info.task != "multilabel" else 2
            self.legend.setColumnCount(2 if k > 4 else 1)
            for c in range(k):
                dot = pg.ScatterPlotItem(size=7, pen=pg.mkPen(None), brush=pg.mkBrush(class_color(c, k)))
                name = info.class_name(c) if info.task != "multilabel" else ("off", "on")[c]
                self.legend.addItem(dot, html.escape(name))

    # --- per frame ----------------------------------------------------------------------------------------------
    def draw(self, data: RunData) -> None:
        network = getattr(data.views, "network", None)
        projection = network.projection if network is not None else None
        if projection is None or projection is self.projection or projection.layer != self.layer:
            return
        self.projection = projection
        if self.tsne is None:
            self._show(projection, projection.coords, "PCA")

    def _show(self, projection: Projection, coords: np.ndarray, method: str) -> None:
        self.message.hide()
        self.coords = np.asarray(coords, dtype=np.float64)
        sample = projection.sample
        brushes = self._brushes(sample.y)
        for code, item in enumerate(self.points):
            pick = np.flatnonzero(sample.split == code)
            item.setData(self.coords[pick, 0], self.coords[pick, 1], brush=[brushes[i] for i in pick])
        label = "inputs" if projection.layer == INPUTS else self.info.layer_labels.get(projection.layer, "")
        detail = f"{method} of {label} · epoch {projection.epoch} · {len(sample):,} rows"
        if method == "PCA":
            share = np.asarray(projection.explained)
            detail += f" · axes explain {share[0]:.0%} + {share[1]:.0%}"
            self.plot.setLabel("bottom", "component 1")
            self.plot.setLabel("left", "component 2")
        else:
            self.plot.setLabel("bottom", "t-SNE 1")
            self.plot.setLabel("left", "t-SNE 2")
        self.set_title("Projection", detail)
        self.plot.enableAutoRange()

    def _brushes(self, y: np.ndarray) -> list:
        info = self.info
        values = np.asarray(y)
        if info.task == "regression":
            values = values.reshape(len(values), -1)[:, 0].astype(np.float64)
            lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
            colors = diverging_map().map(np.clip((values - lo) / max(hi - lo, 1e-12), 0, 1), mode="qcolor")
            return [pg.mkBrush(c) for c in colors]
        if values.ndim == 2:                    # multilabel: the first label
            values = values[:, 0]
        cache: dict[int, object] = {}
        k = 2 if info.task == "multilabel" else max(info.n_classes, 2)
        return [cache.setdefault(int(c), pg.mkBrush(class_color(int(c), k))) for c in values]

    def describe(self, x: float, y: float) -> str | None:
        """The point under the mouse: its split, its class (or target) and its coordinates."""
        shown = self.tsne[0] if self.tsne is not None else self.projection
        if shown is None or not len(self.coords):
            return None
        px, py = self.plot.vb.viewPixelSize()
        distance = np.hypot((self.coords[:, 0] - x) / px, (self.coords[:, 1] - y) / py)
        k = int(np.argmin(distance))
        if distance[k] > NEAR_PIXELS:
            return None
        sample, info = shown.sample, self.info
        target = sample.y[k]
        what = format_value(float(np.ravel(target)[0])) if info.task == "regression" else \
            html.escape(info.class_name(int(np.ravel(target)[0])))
        return (f"{SPLIT_NAMES[int(sample.split[k])]} row {int(sample.rows[k])}: <b>{what}</b><br>"
                f"({format_value(float(self.coords[k, 0]))}, {format_value(float(self.coords[k, 1]))})")

    # --- t-SNE --------------------------------------------------------------------------------------------------
    def start_tsne(self) -> bool:
        """Embed the latest projection's rows with t-SNE in the background; False when there is nothing yet."""
        if self.projection is None:
            return False
        self._tsne_source = self.projection
        self.runner.start(self.projection.features)
        self._show_tools()
        return True

    def cancel_tsne(self) -> None:
        self.runner.cancel()
        self._tsne_source = None
        self._show_tools()

    def show_pca(self) -> None:
        self.tsne = None
        if self.projection is not None:
            self._show(self.projection, self.projection.coords, "PCA")
        self._show_tools()

    def _tsne_done(self, embedding: np.ndarray) -> None:
        source, self._tsne_source = self._tsne_source, None
        if source is not None and source.layer == self.layer and len(embedding) == len(source.sample):
            self.tsne = (source, embedding)
            self._show(source, embedding, "t-SNE")
        self._show_tools()

    def _tsne_failed(self, message: str) -> None:
        self._tsne_source = None
        self._show_tools()
        self.set_title("Projection", f"t-SNE failed: {message}")

    def _show_tools(self) -> None:
        running = self.runner.running
        self.tsne_button.setVisible(not running)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.pca_button.setVisible(self.tsne is not None and not running)
        if not running:
            self.progress.setValue(0)
