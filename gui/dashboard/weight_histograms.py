"""Weights per layer: the latest histogram of each kernel, its L2 norm over time and the relative size of updates.

The views for the regularisation experiments (L1 piles weights up at exactly zero, L2 shrinks the norm) and for
the learning rate (updates of ~1e-3 of the weights are healthy; 1e-1 means the steps are too big). The update-ratio
plot shades the healthy band, an order of magnitude either side of 1e-3, and always frames it, so a run far below
or above it shows how far.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from core.diagnosis.thresholds import UPDATE_RATIO_HEALTHY

from .hover import HoverReadout, curve_readout
from .layer_plots import step_format
from .plot_panel import PlotPanel, collapse
from .ranges import RangeAnchor
from .run_info import RunInfo
from .store import RunData
from .style import STEP_CURVE_WIDTH, TEXT_COLOR, layer_color, lighter, solid_pen, style_plot
from .training_curves import long_curve, set_series

COLUMNS = 4     # small multiples per row
HEALTHY_BAND = (UPDATE_RATIO_HEALTHY / 10, UPDATE_RATIO_HEALTHY * 10)    # ||dW|| / ||W|| per step
BAND_COLOR = "#2e7d32"


class WeightHistogram:
    """One layer's latest kernel histogram (its bin edges follow the weights' range); pooled across runs."""

    def __init__(self, plot: pg.PlotItem):
        self.plot, self.layer = plot, -1
        style_plot(plot, "weight", "count")
        self.curve = plot.plot([0.0, 1.0], [0.0], stepMode="center", fillLevel=0)
        self.edges = np.zeros(0)
        self.counts = np.zeros(0)
        self.anchor = RangeAnchor(plot, y_floor=0.0, round_x=True)    # axes move in coarse steps, not per frame
        self.hover = HoverReadout(plot, self.describe)

    def configure(self, layer: int, label: str) -> None:
        self.layer = layer
        color = layer_color(layer)
        self.plot.setTitle(f'<span style="color:{color}">■</span> '
                           f'<span style="color:{TEXT_COLOR}">{html.escape(label)}</span>', size="8pt")
        self.curve.setPen(solid_pen(color, 1.2))
        self.curve.setBrush(pg.mkBrush(lighter(color, 120)))
        self.curve.setData([0.0, 1.0], [0.0])
        self.anchor.clear()
        self.edges, self.counts = np.zeros(0), np.zeros(0)

    def set_histogram(self, counts: np.ndarray, edges: np.ndarray) -> None:
        self.counts, self.edges = np.asarray(counts, dtype=float), np.asarray(edges, dtype=float)
        if self.counts.size and self.counts.sum() > 0:
            self.curve.setData(self.edges, self.counts)
            self.anchor.fit([self.curve])

    def describe(self, x: float, _y: float) -> str | None:
        if self.edges.size < 2 or not self.edges[0] <= x <= self.edges[-1]:
            return None
        i = int(min(np.searchsorted(self.edges, x, side="right") - 1, self.counts.size - 1))
        total = self.counts.sum()
        return (f"weights in [{self.edges[i]:.3g}, {self.edges[i + 1]:.3g})<br>"
                f"<b>{int(self.counts[i])}</b> ({100 * self.counts[i] / total:.1f}%)" if total else None)


class WeightHistogramView(PlotPanel):
    """objectName "weightHistogramView": latest kernel histograms (small multiples), weight norms and update
    ratios over steps."""

    topics = ("snapshot", "info")
    min_interval = 0.5

    def __init__(self, parent=None):
        super().__init__("weightHistogramView", "Weights", parent)
        self.top = self.body.addLayout(row=0, col=0)
        bottom = self.body.addLayout(row=1, col=0)
        self.norm_plot = style_plot(bottom.addPlot(row=0, col=0), "step", "‖W‖ (L2)")
        self.ratio_plot = style_plot(bottom.addPlot(row=0, col=1), "step", "‖ΔW‖ / ‖W‖ per step")
        # No legend on either plot: each layer has the colour of its histogram's title above (and of its row in the
        # network builder), and hovering names the curve; a legend of a 7-layer net covered the whole plot.
        self.norm_plot.setTitle(f'<span style="color:{TEXT_COLOR}">Weight norm</span>', size="8pt")
        self.ratio_plot.setTitle(f'<span style="color:{TEXT_COLOR}">Update ratio</span> <span style="color:'
                                 f'{BAND_COLOR}">(band: healthy)</span>', size="8pt")
        self.ratio_plot.setLogMode(y=True)
        self.ratio_band, self.ratio_reference, self._band_frame = _healthy_band(self.ratio_plot)
        self.ratio_plot.setXLink(self.norm_plot)
        for column in (0, 1):       # the two share the width (the longer title made the norm plot a sliver)
            bottom.layout.setColumnStretchFactor(column, 1)
        self.anchors = (RangeAnchor(self.norm_plot), RangeAnchor(self.ratio_plot))
        self.body.layout.setRowStretchFactor(0, 3)
        self.body.layout.setRowStretchFactor(1, 2)
        self.histograms: dict[int, WeightHistogram] = {}
        self.norm_curves: dict[int, pg.PlotDataItem] = {}
        self.ratio_curves: dict[int, pg.PlotDataItem] = {}
        self._pool: list[WeightHistogram] = []
        self.norm_hover = HoverReadout(self.norm_plot, curve_readout(lambda: self._named(self.norm_curves), "step",
                                                                     step_format))
        self.ratio_hover = HoverReadout(self.ratio_plot, curve_readout(lambda: self._named(self.ratio_curves),
                                                                       "step", step_format))

    def histogram(self, layer: int) -> WeightHistogram:
        return self.histograms[layer]

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        for item in self.norm_curves.values():
            self.norm_plot.removeItem(item)
        for item in self.ratio_curves.values():
            self.ratio_plot.removeItem(item)
        self.histograms, self.norm_curves, self.ratio_curves = {}, {}, {}
        layers = [i for i in info.diag_layers if info.weight_layers is None or i in info.weight_layers]
        # Cells stay in the grid for the panel's lifetime; unused ones are hidden and their rows and columns
        # collapsed (re-adding a removed pyqtgraph item confuses who owns it and can crash at exit).
        while len(self._pool) < len(layers):
            k = len(self._pool)
            self._pool.append(WeightHistogram(self.top.addPlot(row=k // COLUMNS, col=k % COLUMNS)))
        grid = self.top.layout
        used_rows = -(-len(layers) // COLUMNS)
        used_columns = min(len(layers), COLUMNS)
        for k, item in enumerate(self._pool):
            collapse(item.plot, k // COLUMNS >= used_rows or k % COLUMNS >= used_columns, keep_space=k >= len(layers))
            item.plot.getAxis("left").showLabel(k % COLUMNS == 0)    # "count" once a row: room for four columns
        for r in range(-(-len(self._pool) // COLUMNS)):
            grid.setRowStretchFactor(r, 1 if r < used_rows else 0)
            grid.setRowSpacing(r, 4 if r < used_rows else 0)
        for c in range(min(len(self._pool), COLUMNS)):
            grid.setColumnStretchFactor(c, 1 if c < used_columns else 0)
            grid.setColumnSpacing(c, 4 if c < used_columns else 0)
        for index, item in zip(layers, self._pool):
            label = info.layer_labels.get(index, str(index))
            item.configure(index, label)
            self.histograms[index] = item
            self.norm_curves[index] = long_curve(self.norm_plot, label, solid_pen(layer_color(index), STEP_CURVE_WIDTH))
            self.ratio_curves[index] = long_curve(self.ratio_plot, label, solid_pen(layer_color(index), STEP_CURVE_WIDTH))
        self.applicable = bool(layers)

    def _named(self, curves: dict[int, pg.PlotDataItem]):
        labels = self.info.layer_labels if self.info else {}
        for index, item in curves.items():
            yield labels.get(index, str(index)), item

    def draw(self, data: RunData) -> None:
        snapshot = data.snapshot
        for index, histogram in self.histograms.items():
            history = data.layers.get(index)
            if history is None:
                continue
            set_series(self.norm_curves[index], history.weight_norm)
            set_series(self.ratio_curves[index], history.update_ratio)
            if snapshot is not None:
                try:
                    entry = snapshot.layer(index)
                except KeyError:
                    continue
                histogram.set_histogram(entry.weight_counts, entry.weight_edges)
        self.anchors[0].fit(self.norm_curves.values())
        drawn = [c.xData for c in self.ratio_curves.values() if c.xData is not None and len(c.xData)]
        if drawn:
            x = np.concatenate(drawn)
            self._band_frame.setData([float(x.min()), float(x.max())], list(HEALTHY_BAND))
        else:
            self._band_frame.setData([], [])
        self.anchors[1].fit([*self.ratio_curves.values(), self._band_frame])
        self.set_title("Weights", f"latest: step {snapshot.step:,}" if snapshot else "")


def _healthy_band(plot: pg.PlotItem) -> tuple[pg.LinearRegionItem, pg.InfiniteLine, pg.PlotDataItem]:
    """The shaded healthy band and its 1e-3 line on a log-y plot (their positions are in log10 units), and an
    invisible item spanning the band that the plot's range anchor frames with the curves."""
    low, high = (math.log10(v) for v in HEALTHY_BAND)
    band = pg.LinearRegionItem((low, high), orientation="horizontal", movable=False,
                               brush=pg.mkBrush(46, 125, 50, 26), pen=pg.mkPen(None))
    band.setZValue(-60)
    plot.addItem(band, ignoreBounds=True)
    line = pg.InfiniteLine(math.log10(UPDATE_RATIO_HEALTHY), angle=0, movable=False,
                           pen=pg.mkPen(BAND_COLOR, width=1, style=QtCore.Qt.PenStyle.DashLine),
                           label="10⁻³", labelOpts={"position": 0.02, "color": BAND_COLOR, "anchors": [(0, 1), (0, 1)]})
    line.setZValue(-55)
    plot.addItem(line, ignoreBounds=True)
    frame = pg.PlotDataItem([], [], pen=QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
    plot.addItem(frame)
    return band, line, frame
