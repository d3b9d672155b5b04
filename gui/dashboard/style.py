"""Colours, colour maps and plot styling shared by every dashboard view.

Layer and class colours come from gui/palette.py, so layer 2 is the same green in the gradient-norm curves, the
histograms and the dead-unit bars, and class "+1" is the same blue in the data preview, the decision boundary, the
confusion matrix and the ROC curves.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gui.palette import BLUE, ORANGE, TAB10, class_color, layer_color  # noqa: F401  (one palette: gui/palette.py)

from .legends import PlotLegend, readable_log_axis

TRAIN_COLOR = "#1f77b4"
VALIDATION_COLOR = "#e8710a"
BATCH_COLOR = (31, 119, 180, 70)     # the raw batch loss: a faint version of the train colour
ZERO_BIN_COLOR = "#d62728"           # units that received no gradient at all
AXIS_COLOR = "#444444"
GRID_ALPHA = 0.12
TEXT_COLOR = "#222222"
MUTED_COLOR = "#777777"
FONT_SIZE = 9                         # points, for axis tick labels


def lighter(color: str, alpha: int) -> QtGui.QColor:
    c = QtGui.QColor(color)
    c.setAlpha(alpha)
    return c


def diverging_map() -> pg.ColorMap:
    """Orange (0) - white (0.5) - blue (1): P(class 1) on the decision boundary, or a regression output."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(245, 147, 34), (255, 255, 255), (8, 119, 189)], name="orange-white-blue")


def background_map() -> pg.ColorMap:
    """The diverging map softened, so train and validation points stay readable on top of it."""
    return pg.ColorMap([0.0, 0.5, 1.0], [(249, 190, 122), (250, 250, 250), (117, 178, 219)], name="boundary")


def sequential_map() -> pg.ColorMap:
    """White (nothing) to dark blue (everything): histograms over time and confusion counts."""
    return pg.ColorMap([0.0, 0.15, 0.5, 1.0], [(255, 255, 255), (198, 219, 239), (66, 146, 198), (8, 48, 107)],
                       name="white-blue")


def zero_bin_map() -> pg.ColorMap:
    """White to red: the 'exactly zero' row of a histogram heat map stands out from the blue bins."""
    return pg.ColorMap([0.0, 1.0], [(255, 255, 255), (214, 39, 40)], name="white-red")


def style_plot(plot: pg.PlotItem, x_label: str = "", y_label: str = "", x_units: str | None = None,
               y_units: str | None = None, grid: bool | str = "y") -> pg.PlotItem:
    """Dark grey axes with readable labels on a white background (the background is the view's).

    `grid`: "y" (horizontal lines only, the default: enough to read values, and each grid direction costs a few
    milliseconds per repaint of a live plot), "xy" / True, or "" / False.
    """
    font = QtGui.QFont()
    font.setPointSize(FONT_SIZE)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR, width=1))
        axis.setTextPen(pg.mkPen(AXIS_COLOR))
        axis.setStyle(tickFont=font, tickTextOffset=4, maxTickLevel=1)   # no sub-minor ticks: cheaper frames
        axis.enableAutoSIPrefix(False)   # "loss (x0.001)" reads worse than plain tick values
        # Kept as a pixmap between changes of its range: an axis (with its grid lines) is repainted whenever a
        # curve under it changes, and replaying its ticks and labels was a third of a live plot's repaint.
        axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if x_label:
        plot.setLabel("bottom", x_label, units=x_units, **{"color": AXIS_COLOR, "font-size": "9pt"})
    if y_label:
        plot.setLabel("left", y_label, units=y_units, **{"color": AXIS_COLOR, "font-size": "9pt"})
    grid = "xy" if grid is True else (grid or "")
    if grid:
        plot.showGrid(x="x" in grid, y="y" in grid, alpha=GRID_ALPHA)
    for name in ("left", "bottom"):
        readable_log_axis(plot.getAxis(name))      # decades only, should the axis go to log mode
    plot.getViewBox().setBackgroundColor(None)
    plot.hideButtons()
    return plot


def colorbar(color_map: pg.ColorMap, label: str) -> pg.ColorBarItem:
    """A slim, non-interactive colour bar: values on its right, `label` on its left."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=color_map, width=10, interactive=False, colorMapMenu=False)
    font = QtGui.QFont()
    font.setPointSize(FONT_SIZE - 1)
    for name in ("left", "right", "top", "bottom"):
        axis = bar.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(AXIS_COLOR))
        axis.setStyle(tickFont=font)
    bar.axis.setWidth(38)
    set_colorbar_label(bar, label)
    return bar


def set_colorbar_label(bar: pg.ColorBarItem, label: str) -> None:
    bar.getAxis("left").setLabel(label, **{"color": AXIS_COLOR, "font-size": "8pt"})


def add_legend(plot: pg.PlotItem, columns: int = 1, offset=(8, 6)) -> PlotLegend:
    """A legend that moves to the plot's emptiest corner (call its `follow` with what it must keep clear of) and
    stays where the user drags it (gui/dashboard/legends.py)."""
    legend = PlotLegend(offset=offset, colCount=columns, labelTextColor=TEXT_COLOR, labelTextSize="8pt",
                        brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen(210, 210, 210), verSpacing=-4)
    legend.setParentItem(plot.vb)
    plot.legend = legend
    return legend


def set_legend_text(legend: pg.LegendItem | None, item, text: str) -> None:
    """Change the legend label of `item` (used to show the latest value next to a curve's name)."""
    if legend is None:
        return
    for sample, label in legend.items:
        if sample.item is item:
            if label.text != text:
                label.setText(text)
            return


def superscript(n: int) -> str:
    table = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return str(n).translate(table)


def pow10_label(exponent: int, sign: str = "") -> str:
    if exponent == 0:
        return f"{sign}1"
    if exponent == 1:
        return f"{sign}10"
    return f"{sign}10{superscript(exponent)}"


def format_value(value: float, digits: int = 4) -> str:
    """Compact, honest number formatting for readouts: 0.01234, 3.2e-07, 1.25e+04, nan."""
    if value is None or not math.isfinite(value):
        return "nan" if value is None or math.isnan(value) else ("∞" if value > 0 else "-∞")
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        text = f"{value:.{digits}g}"
        return text
    return f"{value:.{max(digits - 2, 1)}e}"


def bin_ticks(edges: np.ndarray, zero_bin: int, every: int = 2) -> list[list[tuple[float, str]]]:
    """Major/minor ticks for an axis that shows fixed log-spaced (or symlog) bins at integer positions.

    Bin i spans [i, i+1) on the axis, so edge k sits at position k. Edges that are (signed) powers of ten get a
    tick; every `every`-th decade is labelled. The zero bin gets the label "0" at its centre.
    """
    major: list[tuple[float, str]] = [(zero_bin + 0.5, "0")]
    minor: list[tuple[float, str]] = []
    for k, edge in enumerate(np.asarray(edges, dtype=np.float64)):
        if edge == 0 or not math.isfinite(edge):
            continue
        exponent = math.log10(abs(edge))
        if abs(exponent - round(exponent)) > 1e-9:
            continue
        exponent = round(exponent)
        if abs(edge) <= 1e-10 * 1.0000001:   # the zero bin's own boundary is shown by the "0" label instead
            minor.append((float(k), ""))
            continue
        label = pow10_label(exponent, "-" if edge < 0 else "")
        (major if exponent % every == 0 else minor).append((float(k), label if exponent % every == 0 else ""))
    return [major, minor]


# Per-step curves hold up to thousands of points: Qt strokes 1-pixel lines several times faster than wider ones.
STEP_CURVE_WIDTH = 1.0


def solid_pen(color, width: float = 1.5, style=QtCore.Qt.PenStyle.SolidLine) -> QtGui.QPen:
    pen = pg.mkPen(color, width=width, style=style)
    pen.setCosmetic(True)
    return pen
