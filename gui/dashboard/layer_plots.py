"""Per-layer curves over optimizer steps: gradient norms (log scale), dead ReLU units and saturation.

Every per-layer curve takes its layer's colour (style.layer_color), so a layer is recognisable across views. These
are the plots for the course's vanishing-gradient and dying-ReLU experiments: a layer whose gradient norm sinks
decades below the others, a dead-unit count that climbs and never comes back, a sigmoid layer stuck at its bounds.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from .hover import HoverReadout, curve_readout
from .plot_panel import PlotPanel, message_item
from .ranges import RangeAnchor
from .run_info import RunInfo
from .store import RunData
from .style import (
    MUTED_COLOR,
    STEP_CURVE_WIDTH,
    TEXT_COLOR,
    ZERO_BIN_COLOR,
    add_legend,
    layer_color,
    lighter,
    set_legend_text,
    solid_pen,
    style_plot,
)
from .training_curves import long_curve, set_series


def step_format(value: float) -> str:
    return f"{value:,.0f}"


class LayerCurvesPanel(PlotPanel):
    """One curve per layer of `layers_of(info)`, rebuilt on reset."""

    topics = ("snapshot", "info")
    empty_message = ""

    def __init__(self, object_name: str, title: str, y_label: str, parent=None):
        super().__init__(object_name, title, parent)
        self.plot = style_plot(self.add_plot(0, 0), "step", y_label)
        self.legend = add_legend(self.plot, offset=(-8, 6))
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.extra: dict[int, pg.PlotDataItem] = {}
        self.legend.follow(self.plot, lambda: [*self.curves.values(), *self.extra.values()])
        self.message = message_item(self.empty_message)
        self.message.hide()
        self.plot.addItem(self.message, ignoreBounds=True)
        self.anchor = RangeAnchor(self.plot)
        self.hover = HoverReadout(self.plot, curve_readout(self.named_curves, "step", step_format))

    def layers_of(self, info: RunInfo) -> tuple[int, ...]:
        return info.diag_layers

    def named_curves(self):
        labels = self.info.layer_labels if self.info else {}
        for index, item in self.curves.items():
            yield labels.get(index, str(index)), item
        for index, item in self.extra.items():
            yield f"{labels.get(index, str(index))} (batch)", item

    def curve(self, layer: int) -> pg.PlotDataItem:
        return self.curves[layer]

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.legend.release()
        for item in [*self.curves.values(), *self.extra.values()]:
            self.plot.removeItem(item)
        self.curves, self.extra = {}, {}
        for index in self.layers_of(info):
            self.curves[index] = long_curve(self.plot, info.layer_labels.get(index, str(index)),
                                            solid_pen(layer_color(index), STEP_CURVE_WIDTH))
        self.applicable = bool(self.curves)
        self.message.setVisible(not self.curves)
        if not self.curves:
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
            self.message.setPos(0.5, 0.5)


class GradientNormPanel(LayerCurvesPanel):
    """L2 norm of each layer's parameter gradient per diagnostics snapshot, on a log axis."""

    min_interval = 0.1

    def __init__(self, parent=None):
        super().__init__("gradientNormPlot", "Gradient norm per layer", "‖gradient‖ (L2)", parent)
        self.plot.setLogMode(y=True)

    def draw(self, data: RunData) -> None:
        labels = self.info.layer_labels if self.info else {}
        for index, item in self.curves.items():
            series = data.layers[index].grad_norm
            set_series(item, series)
            # A zero norm has no place on a log axis: say so instead of leaving the curve silently missing.
            silent = len(series) > 0 and series.y()[-1] == 0
            set_legend_text(self.legend, item, labels.get(index, str(index)) + (" — no gradient (0)" if silent else ""))
        self.anchor.fit(self.curves.values())
        self.legend.schedule()
        snapshot = data.snapshot
        self.set_title("Gradient norm per layer",
                       f"step {snapshot.step:,}, all layers {snapshot.global_grad_norm:.3g}" if snapshot else "")


class DeadReluPanel(PlotPanel):
    """Dead units per ReLU-family layer over time (solid: dead for a whole epoch; faint: dead in one batch) and
    bars with the latest per-epoch count ("layer 0: 7 / 16")."""

    topics = ("snapshot", "epoch", "info")
    min_interval = 0.25

    def __init__(self, parent=None):
        super().__init__("deadReluPlot", "Dead ReLU units", parent)
        self.plot = style_plot(self.add_plot(0, 0), "step", "dead units")
        self.legend = add_legend(self.plot, offset=(8, 6))
        self.legend.follow(self.plot, lambda: [*self.curves.values(), *self.batch_curves.values()])
        self.bars = style_plot(self.add_plot(0, 1), "fraction dead", grid=False)
        self.bars.hideAxis("left")
        self.bars.setMouseEnabled(x=False, y=False)
        self.bars.setXRange(0, 1, padding=0.1)
        self.bars.getAxis("bottom").setTicks([[(0, "0"), (0.5, "50%"), (1, "100%")], [(0.25, ""), (0.75, "")]])
        self.bars.getViewBox().invertY(True)
        self.body.layout.setColumnStretchFactor(0, 5)
        self.body.layout.setColumnStretchFactor(1, 2)
        self.curves: dict[int, pg.PlotDataItem] = {}
        self.batch_curves: dict[int, pg.PlotDataItem] = {}
        self.bar_items: list = []
        self.bar_labels: dict[int, pg.TextItem] = {}
        self.fill: pg.BarGraphItem | None = None
        self.message = message_item("No ReLU-family layer in this network:<br>no unit can die.")
        self.plot.addItem(self.message, ignoreBounds=True)
        self.message.hide()
        self.anchor = RangeAnchor(self.plot, y_floor=0.0)
        self.hover = HoverReadout(self.plot, curve_readout(self._named, "step", step_format))

    def _named(self):
        labels = self.info.layer_labels if self.info else {}
        for index, item in self.curves.items():
            yield f"{labels.get(index, index)} (epoch)", item
        for index, item in self.batch_curves.items():
            yield f"{labels.get(index, index)} (batch)", item

    def curve(self, layer: int) -> pg.PlotDataItem:
        """The per-epoch dead count of `layer` (EpochEnd.dead_units)."""
        return self.curves[layer]

    def batch_curve(self, layer: int) -> pg.PlotDataItem:
        """The per-batch dead count of `layer` (snapshots' dead_batch)."""
        return self.batch_curves[layer]

    def bar_text(self, layer: int) -> str:
        return self.bar_labels[layer].textItem.toPlainText()

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.legend.release()
        for item in [*self.curves.values(), *self.batch_curves.values()]:
            self.plot.removeItem(item)
        for item in self.bar_items:
            self.bars.removeItem(item)
        self.curves, self.batch_curves, self.bar_items, self.bar_labels = {}, {}, [], {}
        self.fill = None
        for index in info.relu_layers:
            color = layer_color(index)
            self.batch_curves[index] = long_curve(self.plot, None, pg.mkPen(lighter(color, 110), width=1), z=-1)
            self.curves[index] = long_curve(self.plot, info.layer_labels.get(index, str(index)),
                                            solid_pen(color, 2.0))
        rows = list(info.relu_layers)
        if rows:
            ys = np.arange(len(rows), dtype=float)
            background = pg.BarGraphItem(x0=np.zeros(len(rows)), y=ys, height=0.42, width=np.ones(len(rows)),
                                         brush=pg.mkBrush(232, 232, 232), pen=pg.mkPen(None))
            self.fill = pg.BarGraphItem(x0=np.zeros(len(rows)), y=ys, height=0.42, width=np.zeros(len(rows)),
                                        brushes=[pg.mkBrush(layer_color(i)) for i in rows], pen=pg.mkPen(None))
            self.bar_items = [background, self.fill]
            for r, index in enumerate(rows):
                label = pg.TextItem(anchor=(0, 1))
                label.setPos(0.0, r - 0.2)          # just above its bar (the y axis points down)
                self.bar_labels[index] = label
                self.bar_items.append(label)
            for item in self.bar_items:
                self.bars.addItem(item)
            self.bars.setYRange(-0.75, max(len(rows), 4) - 0.5, padding=0.02)   # bars keep a modest height
            self._set_bars({})
        self.applicable = bool(rows)
        self.bars.setVisible(bool(rows))
        self.message.setVisible(not rows)
        if not rows:
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
            self.message.setPos(0.5, 0.5)

    def _set_bars(self, counts: dict[int, int | None]) -> None:
        info = self.info
        if self.fill is None:
            return
        widths = []
        for index in info.relu_layers:
            units = max(info.layer_units.get(index, 1), 1)
            dead = counts.get(index)
            widths.append(0.0 if dead is None else dead / units)
            name = f"layer {index}"
            if dead is None:
                count = f'<span style="color:{MUTED_COLOR}">waiting for the first epoch</span>'
            else:
                color = ZERO_BIN_COLOR if dead else TEXT_COLOR
                count = f'<b style="color:{color}">{dead}</b> / {units}'
            text = f'<span style="color:{TEXT_COLOR}; font-size:8pt">{name}: {count}</span>'
            label = self.bar_labels[index]
            if getattr(label, "_html", None) != text:
                label._html = text
                label.setHtml(text)
        self.fill.setOpts(width=np.array(widths))

    def draw(self, data: RunData) -> None:
        if self.info is None or not self.curves:
            return
        counts = {}
        for index, item in self.curves.items():
            history = data.layers[index]
            set_series(item, history.dead_epoch)
            set_series(self.batch_curves[index], history.dead_batch)
            counts[index] = history.dead_now
        self._set_bars(counts)
        self.anchor.fit([*self.curves.values(), *self.batch_curves.values()])
        self.legend.schedule()
        total = sum(c for c in counts.values() if c is not None)
        units = sum(self.info.layer_units[i] for i in self.curves)
        self.set_title("Dead ReLU units", f"{total} / {units} dead · solid: epoch, faint: batch"
                       if any(c is not None for c in counts.values()) else "solid: epoch, faint: batch")


class SaturationPanel(LayerCurvesPanel):
    """Fraction of a sigmoid/tanh layer's outputs within 1% of the activation's bounds (no gradient flows there)."""

    empty_message = "No saturating (sigmoid / tanh) layer in this network."
    min_interval = 0.25

    def __init__(self, parent=None):
        super().__init__("saturationPlot", "Saturation", "fraction saturated", parent)
        self.plot.setYRange(0, 1, padding=0.02)

    def layers_of(self, info: RunInfo) -> tuple[int, ...]:
        return info.saturating_layers

    def draw(self, data: RunData) -> None:
        measured = 0
        for index, item in self.curves.items():
            series = data.layers[index].saturation
            set_series(item, series)
            measured += len(series) > 0
            label = self.info.layer_labels.get(index, str(index))
            if data.snapshot is not None and not len(series):
                label += " (not measured)"
            set_legend_text(self.legend, item, label)
        self.anchor.fit(self.curves.values())
        self.legend.schedule()
        unmeasured = data.snapshot is not None and self.curves and not measured
        self.message.setVisible(bool(unmeasured))
        if unmeasured:
            self.message.setHtml(f'<div style="color:{MUTED_COLOR}; font-size:9pt; text-align:center">'
                                 "Saturation is not measured for an output layer<br>whose activation is "
                                 "computed inside the loss.</div>")
            self.plot.setXRange(0, 1)
            self.message.setPos(0.5, 0.5)
