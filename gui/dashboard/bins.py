"""Drawing histograms over core's fixed bins: the latest one as bars, and all of them over time as a heat map.

Bins are drawn at integer positions (bin i spans [i, i+1)), so log-spaced bins get equal room and the "exactly
zero" bin sits next to them in its own colour. Heat-map columns come from core.bounded_series.HistogramHistory, which
merges old columns instead of dropping them: the first column always starts at the run's first snapshot. Columns
are placed on the step axis at the steps they cover (they need not be evenly spaced in steps).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from core.bounded_series import HistogramHistory
from core.diagnostics import GRAD_VALUE_EDGES, UNIT_NORM_EDGES

from .hover import HoverReadout
from .ranges import RangeAnchor, nice_ceiling
from .style import (
    MUTED_COLOR,
    ZERO_BIN_COLOR,
    bin_ticks,
    colorbar,
    lighter,
    sequential_map,
    set_colorbar_label,
    style_plot,
    zero_bin_map,
)

IMAGE_WIDTH_PER_COLUMN = 2       # pixels per heat-map column: enough to place unevenly spaced columns exactly
MAX_IMAGE_WIDTH = 1024


@dataclass(frozen=True)
class BinSpec:
    edges: np.ndarray        # (n_bins + 1,) increasing
    zero_bin: int            # index of the bin holding exact zeros
    quantity: str            # axis label: "per-unit gradient norm"
    noun: str                # what is counted: "units", "weights"
    key: str                 # "unit_norms" | "grad_values" (LayerHistory attribute and snapshot field)

    @property
    def n_bins(self) -> int:
        return len(self.edges) - 1

    def range_text(self, i: int) -> str:
        lo, hi = float(self.edges[i]), float(self.edges[i + 1])
        if i == self.zero_bin:
            return f"exactly 0 (|value| &lt; {max(abs(lo), abs(hi)):.0e})"
        close = "]" if i == self.n_bins - 1 else ")"
        return f"[{lo:.3g}, {hi:.3g}{close}"


def _zero_bin(edges: np.ndarray) -> int:
    return int(np.searchsorted(edges, 0.0, side="right") - 1)


UNIT_NORMS = BinSpec(np.asarray(UNIT_NORM_EDGES), _zero_bin(np.asarray(UNIT_NORM_EDGES)),
                     "per-unit gradient norm", "units", "unit_norms")
GRAD_VALUES = BinSpec(np.asarray(GRAD_VALUE_EDGES), _zero_bin(np.asarray(GRAD_VALUE_EDGES)),
                      "gradient value", "weights", "grad_values")


def bins_axis(plot: pg.PlotItem, spec: BinSpec, side: str) -> None:
    axis = plot.getAxis(side)
    axis.setTicks(bin_ticks(spec.edges, spec.zero_bin, every=2 if spec is UNIT_NORMS else 3))


class LatestBars:
    """The newest histogram as horizontal bars (bins on y, shared with the heat map beside it); the zero bin is
    red and labelled with its count, so units that received no gradient at all stand out.

    Created once per plot and re-targeted with `configure` (a new run, another layer or quantity): building
    pyqtgraph plots is what costs time, so a reset only swaps the cheap items inside them.
    """

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        style_plot(plot, "", grid=False)
        plot.hideAxis("left")
        plot.showGrid(x=True, y=False, alpha=0.12)
        plot.setMouseEnabled(x=False, y=False)
        self.spec: BinSpec | None = None
        self.bars: pg.BarGraphItem | None = None
        self.counts = np.zeros(0)
        self.zero_label = pg.TextItem(anchor=(0, 1))
        plot.addItem(self.zero_label, ignoreBounds=True)
        self.zero_count: int | None = None
        self.hover = HoverReadout(plot, self.describe, vertical=False, horizontal=True)
        plot.vb.sigResized.connect(lambda *_: self._place_zero_label())

    def configure(self, spec: BinSpec, color: str, axis_label: bool) -> None:
        self.spec = spec
        self.plot.setLabel("bottom", spec.noun if axis_label else "")
        if self.bars is not None:
            self.plot.removeItem(self.bars)
        n = spec.n_bins
        brushes = [pg.mkBrush(lighter(color, 200)) for _ in range(n)]
        brushes[spec.zero_bin] = pg.mkBrush(ZERO_BIN_COLOR)
        self.bars = pg.BarGraphItem(x0=np.zeros(n), y0=np.arange(n, dtype=float), height=np.ones(n),
                                    width=np.zeros(n), brushes=brushes, pen=pg.mkPen(None))
        self.plot.addItem(self.bars)
        self.zero_count = -1
        self.set_counts(None)

    def set_counts(self, counts: np.ndarray | None) -> None:
        """Counts per bin (n_bins,) of the latest snapshot, or None before the first one."""
        spec = self.spec
        self.counts = np.zeros(spec.n_bins) if counts is None else np.asarray(counts, dtype=float)
        self.bars.setOpts(width=self.counts)
        top = float(self.counts.max()) if self.counts.size else 0.0
        self.plot.setXRange(0, max(top, 1.0) * 1.3, padding=0)
        self.plot.setYRange(0, spec.n_bins, padding=0)
        zero = None if counts is None else int(self.counts[spec.zero_bin])
        if zero != self.zero_count:
            self.zero_count = zero
            if zero is None:
                self.zero_label.setHtml("")
            else:
                color = ZERO_BIN_COLOR if zero else MUTED_COLOR
                self.zero_label.setHtml(f'<span style="color:{color}; font-size:8pt; font-weight:600">'
                                        f"{zero} at 0</span>")
        self._place_zero_label()

    def _place_zero_label(self) -> None:
        """Just above the zero bin's bar: after its end when the label fits there, else from the plot's left edge
        (a narrow column used to cut it to "4 a…", and a label centred on a bin one pixel high ran off the plot)."""
        spec = self.spec
        if spec is None:
            return
        count = float(self.counts[spec.zero_bin]) if self.counts.size else 0.0
        (x0, x1), _ = self.plot.vb.viewRange()
        width_px = self.plot.vb.width()
        label_px = self.zero_label.textItem.boundingRect().width()
        after = width_px > 0 and (count - x0) / max(x1 - x0, 1e-12) * width_px + label_px <= width_px
        self.zero_label.setAnchor((0, 1))
        self.zero_label.setPos(count if after else x0, spec.zero_bin + 1)

    def zero_text(self) -> str:
        return self.zero_label.textItem.toPlainText()

    def describe(self, _x: float, y: float) -> str | None:
        i = int(np.floor(y))
        if self.spec is None or not 0 <= i < self.spec.n_bins:
            return None
        total = self.counts.sum()
        share = f" ({100 * self.counts[i] / total:.1f}%)" if total else ""
        return (f"{self.spec.quantity} {self.spec.range_text(i)}<br>"
                f"<b>{int(self.counts[i])}</b> {self.spec.noun}{share} at the latest snapshot")


class HeatMap:
    """Histograms over time: steps on x, bins on y, colour = fraction of the layer's units (or weights) per bin.

    The zero-bin row is drawn by a second image in red, on a fixed 0..1 scale, so "all units got no gradient" is
    unmistakable; the other rows share a colour bar scaled to the largest fraction present.
    """

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        style_plot(plot, "", "", grid=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(sequential_map())
        self.zero = pg.ImageItem(axisOrder="row-major")
        self.zero.setColorMap(zero_bin_map())
        self.zero.setZValue(1)
        plot.addItem(self.image)
        plot.addItem(self.zero)
        self.colorbar = colorbar(sequential_map(), "fraction")
        self.colorbar.setImageItem(self.image, insert_in=plot)
        # The step axis and the colour scale move in coarse steps as the run grows, so their axes are re-laid
        # out now and then instead of at every frame (that re-layout was most of a frame's cost).
        self.anchor = RangeAnchor(plot)
        self.spec: BinSpec | None = None
        self.clear()
        self.hover = HoverReadout(plot, self.describe, vertical=True, horizontal=True)

    def clear(self) -> None:
        n_bins = self.spec.n_bins if self.spec is not None else 0
        self.matrix = np.zeros((0, n_bins))
        self.spans = np.zeros((0, 2), dtype=np.int64)
        self.snapshots = np.zeros(0, dtype=np.int64)
        self.x_range = (0.0, 1.0)
        self.image.clear()
        self.zero.clear()
        self.anchor.clear()

    def configure(self, spec: BinSpec, x_label: bool, bar_label: bool = True) -> None:
        """`x_label`: the bottom row of small multiples (the rows above share its axis); `bar_label`: name the
        colour bar (the top row: the rows below use the same scale's name). Tick values stay on every row: the bars
        beside a row are linked to its height, so both must keep the same axes."""
        self.spec = spec
        self.plot.setLabel("bottom", "step" if x_label else "")
        self.plot.setLabel("left", "")            # the row's title names the quantity: no rotated label per row
        bins_axis(self.plot, spec, "left")
        set_colorbar_label(self.colorbar, f"fraction of {spec.noun}" if bar_label else "")
        self.plot.getViewBox().setLimits(yMin=-1, yMax=spec.n_bins + 1)
        self.plot.setYRange(0, spec.n_bins, padding=0)
        self.clear()

    def set_history(self, history: HistogramHistory) -> None:
        n = len(history)
        self.matrix = history.matrix()
        self.spans = history.spans()
        self.snapshots = history.snapshot_counts()
        if n == 0:
            self.image.clear()
            self.zero.clear()
            return
        firsts = self.spans[:, 0].astype(np.float64)
        x0, x1 = firsts[0], float(self.spans[-1, 1]) + 1.0
        width = int(min(MAX_IMAGE_WIDTH, max(n * IMAGE_WIDTH_PER_COLUMN, 1)))
        centres = x0 + (np.arange(width) + 0.5) * (x1 - x0) / width
        columns = np.clip(np.searchsorted(firsts, centres, side="right") - 1, 0, n - 1)
        picture = self.matrix[columns].T                     # (n_bins, width), rows follow bins upwards
        zb = self.spec.zero_bin
        zero_row = picture[zb:zb + 1].copy()
        picture[zb] = 0.0
        top = float(picture.max()) if picture.size else 0.0
        levels = (0.0, nice_ceiling(top) if top > 0 else 1.0)
        self.image.setImage(picture, autoLevels=False, levels=levels)
        self.image.setRect(QtCore.QRectF(x0, 0.0, x1 - x0, self.spec.n_bins))
        self.zero.setImage(zero_row, autoLevels=False, levels=(0.0, 1.0))
        self.zero.setRect(QtCore.QRectF(x0, float(zb), x1 - x0, 1.0))
        if tuple(self.colorbar.levels()) != levels:
            self.colorbar.setLevels(levels)
        self.anchor.set_box(x0, x0 + nice_ceiling(x1 - x0), 0.0, float(self.spec.n_bins))
        self.x_range = (x0, x1)

    def column_at(self, x: float) -> int | None:
        n = len(self.spans)
        if n == 0 or not self.x_range[0] <= x < self.x_range[1]:
            return None
        return int(np.clip(np.searchsorted(self.spans[:, 0], x, side="right") - 1, 0, n - 1))

    def describe(self, x: float, y: float) -> str | None:
        j = self.column_at(x)
        i = int(np.floor(y))
        if j is None or self.spec is None or not 0 <= i < self.spec.n_bins:
            return None
        first, last = (int(v) for v in self.spans[j])
        steps = f"step {first:,}" if first == last else f"steps {first:,}–{last:,}"
        count = int(self.snapshots[j])
        merged = f" ({count} snapshots averaged)" if count > 1 else ""
        return (f"{steps}{merged}<br>{self.spec.quantity} {self.spec.range_text(i)}<br>"
                f"<b>{100 * self.matrix[j, i]:.1f}%</b> of the {self.spec.noun}")
