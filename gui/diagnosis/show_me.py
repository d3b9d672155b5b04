"""*Show me*: the view that shows a finding's evidence, brought to the front with its layers and epochs marked.

Each code has its view (`TARGETS`): the loss or metric curves for the learning rate and bias/variance, the
gradient norms, dead units or saturation for per-layer findings, the update ratios and weights for a learning rate
too low or a bad initialisation, the data or network dock for findings about the inputs or the model. The marks
(a shaded span of epochs, a line at an epoch, the finding's layers drawn over the others faded) stay until the next
*Show me*, a new run or a new network (`Highlighter.clear`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import pyqtgraph as pg
from PySide6 import QtCore

from core.diagnosis import Finding

MARK_BRUSH = (255, 193, 7, 55)         # amber: the epochs a finding points at
MARK_PEN = pg.mkPen("#b26a00", width=1.5, style=QtCore.Qt.PenStyle.DashLine)
FADED = 0.18                           # opacity of the curves of other layers


@dataclass(frozen=True)
class Target:
    tab: str | None        # dashboard tab title (None: a dock)
    view: str              # the view's objectName, or the dock's key ("data", "network")
    curves: str = ""       # which of the view's per-layer curves to emphasise ("curves", "ratio_curves", ...)
    plot: str = "plot"     # the view's plot that gets the marks


TARGETS = {
    "lr_too_high": Target("Training", "lossPlot"),
    "initial_loss": Target("Training", "lossPlot"),
    "high_variance": Target("Training", "lossPlot"),
    "high_bias": Target("Training", "metricPlot"),
    "high_bias_and_variance": Target("Training", "metricPlot"),
    "good_fit": Target("Training", "metricPlot"),
    "lr_too_low": Target("Weights", "weightHistogramView", "ratio_curves", "ratio_plot"),
    "bad_initialization": Target("Weights", "weightHistogramView", "norm_curves", "norm_plot"),
    "vanishing_gradients": Target("Gradients", "gradientNormPlot", "curves"),
    "exploding_gradients": Target("Gradients", "gradientNormPlot", "curves"),
    "dead_units": Target("Gradients", "deadReluPlot", "curves"),
    "saturation": Target("Gradients", "saturationPlot", "curves"),
    "unscaled_inputs": Target(None, "data"),
    "output_mismatch": Target(None, "network"),
    "model_check": Target(None, "network"),
}


def can_show(finding: Finding) -> bool:
    return finding.code in TARGETS


class Highlighter:
    """Marks added to dashboard plots, and curves faded, until `clear()`."""

    def __init__(self):
        self._items: list[tuple[Any, Any]] = []        # (plot, item) added
        self._faded: list[Any] = []                     # curve items whose opacity was changed

    @property
    def marks(self) -> list[Any]:
        return [item for _plot, item in self._items]

    def clear(self) -> None:
        for plot, item in self._items:
            plot.removeItem(item)
        for curve in self._faded:
            curve.setOpacity(1.0)
            curve.setZValue(0)
        self._items, self._faded = [], []

    def span(self, plot: Any, start: float, end: float) -> None:
        region = pg.LinearRegionItem((start, end), movable=False, brush=pg.mkBrush(*MARK_BRUSH),
                                     pen=pg.mkPen(None))
        region.setZValue(-50)
        self._add(plot, region)

    def line(self, plot: Any, x: float, text: str) -> None:
        line = pg.InfiniteLine(x, angle=90, movable=False, pen=MARK_PEN, label=text,
                               labelOpts={"position": 0.55, "color": "#8a5200", "fill": (255, 255, 255, 220),
                                          "anchors": [(0, 0.5), (0, 0.5)]})
        self._add(plot, line)

    def emphasize(self, curves: dict[int, Any], layers: Iterable[int]) -> None:
        chosen = set(layers)
        if not chosen or not chosen & set(curves):
            return
        for index, curve in curves.items():
            curve.setOpacity(1.0 if index in chosen else FADED)
            curve.setZValue(10 if index in chosen else 0)
            self._faded.append(curve)

    def _add(self, plot: Any, item: Any) -> None:
        plot.addItem(item, ignoreBounds=True)
        self._items.append((plot, item))


def show(finding: Finding, dashboard: Any, highlighter: Highlighter, epochs_run: int, steps_per_epoch: float | None,
         show_dock: Callable[[str], None], select_layer: Callable[[int], None]) -> bool:
    """Bring the finding's view to the front and mark it (`epochs_run` and `steps_per_epoch` of the diagnosed run
    place its epochs); False when the finding has no view."""
    target = TARGETS.get(finding.code)
    if target is None:
        return False
    highlighter.clear()
    if target.tab is None:
        show_dock(target.view)
        if target.view == "network" and finding.layers:
            select_layer(finding.layers[0])
        return True
    titles = [dashboard.tabs.tabText(i) for i in range(dashboard.tabs.count())]
    dashboard.tabs.setCurrentIndex(titles.index(target.tab))
    view = dashboard.panel(target.view)
    plot = getattr(view, target.plot)
    if target.curves:
        highlighter.emphasize(getattr(view, target.curves), finding.layers)
        if target.view == "deadReluPlot":
            highlighter.emphasize(view.batch_curves, finding.layers)
    scale = 1.0 if target.view in ("lossPlot", "metricPlot") else steps_per_epoch
    if scale:
        _mark_epochs(finding, plot, highlighter, epochs_run, scale)
    return True


def _mark_epochs(finding: Finding, plot: Any, highlighter: Highlighter, epochs_run: int, scale: float) -> None:
    """The finding's epochs (0-based) on the plot's x axis: epochs completed (epoch e ends at e + 1) times `scale`
    (1, or the steps per epoch on a plot over optimizer steps). One epoch is a line; several, a span. After the
    best validation loss, the epochs that overfit are shaded up to the end of the run."""
    epochs = sorted(finding.epochs)
    if not epochs:
        return
    if len(epochs) > 1:
        highlighter.span(plot, epochs[0] * scale, (epochs[-1] + 1) * scale)
        return
    at = epochs[0] + 1
    if finding.code == "dead_units":
        text = f"dead since epoch {at}"
    elif finding.code in ("high_variance", "high_bias_and_variance", "high_bias", "good_fit"):
        text = f"lowest validation loss (epoch {at})"
        if finding.code in ("high_variance", "high_bias_and_variance") and epochs_run > at:
            highlighter.span(plot, at * scale, epochs_run * scale)
    else:
        text = f"epoch {at}"
    highlighter.line(plot, at * scale, text)
