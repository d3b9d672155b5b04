"""Hover readouts: a crosshair and a small label with the values under the mouse, for any plot.

A readout only asks a `describe(x, y)` callback for text (in view coordinates), so line plots, heat maps and
images share one implementation. Line plots use `curve_readout`, which reports each curve's nearest stored point
(the real value, not the log-mapped display value).
"""
from __future__ import annotations

import html
from typing import Callable, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from .style import AXIS_COLOR, TEXT_COLOR, format_value

Describe = Callable[[float, float], "str | None"]


class HoverReadout(QtCore.QObject):
    """Shows a vertical (and optionally horizontal) line and a label wherever the mouse is over `plot`'s view."""

    def __init__(self, plot: pg.PlotItem, describe: Describe, vertical: bool = True, horizontal: bool = False):
        super().__init__()
        self.plot = plot
        self.describe = describe
        pen = pg.mkPen(AXIS_COLOR, width=1, style=QtCore.Qt.PenStyle.DashLine)
        self.lines = []
        if vertical:
            self.lines.append(pg.InfiniteLine(angle=90, movable=False, pen=pen))
        if horizontal:
            self.lines.append(pg.InfiniteLine(angle=0, movable=False, pen=pen))
        self.label = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 235), border=pg.mkPen(190, 190, 190))
        self.label.setZValue(1000)
        for item in (*self.lines, self.label):
            item.setZValue(1000)
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self.text = ""
        scene = plot.scene()
        if scene is None:
            raise ValueError("HoverReadout: add the plot to a GraphicsLayoutWidget before attaching a readout")
        scene.sigMouseMoved.connect(self._moved)

    def _moved(self, scene_pos) -> None:
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos) or not self.plot.isVisible():
            self.hide()
            return
        point = view.mapSceneToView(scene_pos)
        self.show_at(point.x(), point.y())

    def show_at(self, x: float, y: float) -> str | None:
        """Place the readout at view coordinates (x, y); returns the text shown (None hides it)."""
        text = self.describe(x, y)
        if not text:
            self.hide()
            return None
        for line in self.lines:
            line.setPos(x if line.angle == 90 else y)
            line.show()
        if text != self.text:
            self.label.setHtml(f'<div style="color:{TEXT_COLOR}; font-size:8pt">{text}</div>')
            self.text = text
        # The anchor flips so the label always grows towards the middle of the plot and stays readable.
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        inverted = self.plot.getViewBox().yInverted()
        low_half = (y < (y0 + y1) / 2) != inverted
        self.label.setAnchor((1.0 if x > (x0 + x1) / 2 else 0.0, 1.0 if low_half else 0.0))
        self.label.setPos(x, y)
        self.label.show()
        return text

    def hide(self) -> None:
        for item in (*self.lines, self.label):
            item.hide()


def nearest_index(xs: np.ndarray, x: float) -> int | None:
    """Index of the entry of increasing `xs` closest to x (None if empty)."""
    n = len(xs)
    if n == 0:
        return None
    i = int(np.searchsorted(xs, x))
    if i <= 0:
        return 0
    if i >= n:
        return n - 1
    return i if xs[i] - x < x - xs[i - 1] else i - 1


def curve_readout(curves: Callable[[], Iterable[tuple[str, pg.PlotDataItem]]], x_name: str,
                  x_format: Callable[[float], str] = lambda v: format_value(v, 5),
                  y_format: Callable[[float], str] = format_value) -> Describe:
    """A describe() for line plots: the x under the mouse, then each visible curve's nearest value."""

    def describe(x: float, _y: float) -> str | None:
        rows = []
        x_shown = None
        for name, item in curves():
            if not item.isVisible() or item.xData is None or len(item.xData) == 0:
                continue
            i = nearest_index(item.xData, x)
            if i is None:
                continue
            if x_shown is None:
                x_shown = item.xData[i]
            color = item.opts["pen"].color().name() if hasattr(item.opts.get("pen"), "color") else TEXT_COLOR
            rows.append(f'<span style="color:{color}">■</span> {html.escape(name)}: '
                        f"<b>{y_format(float(item.yData[i]))}</b>")
        if not rows:
            return None
        return f"{html.escape(x_name)} {x_format(float(x_shown))}<br>" + "<br>".join(rows)

    return describe
