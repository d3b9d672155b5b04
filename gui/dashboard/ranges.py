"""Axis ranges that move in steps while a run grows, instead of every frame.

Re-laying out an axis (ticks, labels, grid) is the costliest part of repainting a live plot, and auto-range on a
growing curve changes both axes at every frame. An invisible anchor item spanning a rounded-out box around the data
keeps pyqtgraph's auto-range (and the user's zoom, pan and "View All") as it is, while the range itself only
changes when the data outgrow the box: on most frames the axes are cached and only the curves are repainted.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)   # at most 1.5x apart: data fill >= 2/3


def nice_ceiling(value: float) -> float:
    """The smallest 'round' number >= value (> 0): 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for step in NICE_STEPS:
        if step * scale >= value * (1 - 1e-12):
            return step * scale
    return 10.0 * scale


def rounded_span(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """[lo, hi] widened to a coarse grid: quarter decades on a log axis, half a power of ten of the span otherwise."""
    if log:
        a, b = math.log10(lo), math.log10(hi)
        return 10.0 ** (math.floor(a * 4) / 4), 10.0 ** (math.ceil(b * 4 + 1e-9) / 4)
    span = hi - lo
    if span <= 0:
        span = abs(hi) or 1.0
    step = 10.0 ** math.floor(math.log10(span)) / 2
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


class RangeAnchor:
    """An invisible two-point item whose box auto-range frames; `fit(curves)` updates it after new data."""

    def __init__(self, plot: pg.PlotItem, y: bool = True, y_floor: float | None = None, round_x: bool = False):
        self.plot = plot
        self.y = y                      # False: leave y to the plot (e.g. a fixed 0..1 axis)
        self.y_floor = y_floor          # always include this value (0 for counts)
        self.round_x = round_x          # round both ends of x (a histogram's bins), not only the far one (steps)
        # An invisible pen, not pen=None: pyqtgraph hides a curve without a pen, and a hidden curve has no bounds
        # for auto-range to frame.
        self.item = pg.PlotDataItem([], [], pen=QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.item.setZValue(-100)
        plot.addItem(self.item)
        self.box: tuple[float, float, float, float] | None = None

    def clear(self) -> None:
        self.box = None
        self.item.setData([], [])

    def fit(self, curves: Iterable[pg.PlotDataItem]) -> None:
        xs, ys = [], []
        for curve in curves:
            if curve.isVisible() and curve.xData is not None and len(curve.xData):
                xs.append(curve.xData)
                ys.append(curve.yData)
        if not xs:
            self.clear()
            return
        x = np.concatenate(xs)
        y = np.concatenate(ys)
        log = bool(self.plot.getAxis("left").logMode)
        keep = np.isfinite(y) & (y > 0) if log else np.isfinite(y)
        if not keep.any():
            self.clear()
            return
        x_lo = float(np.min(x))
        if self.round_x:
            x_lo, x_hi = rounded_span(x_lo, float(np.max(x)), False)
        else:
            x_hi = x_lo + nice_ceiling((float(np.max(x)) - x_lo) * 1.02 or 1.0)
        lo, hi = float(np.min(y[keep])), float(np.max(y[keep]))
        if self.y_floor is not None and not log:
            lo = min(lo, self.y_floor)
        y_lo, y_hi = rounded_span(lo, hi, log)
        if self.y:
            self.set_box(x_lo, x_hi, y_lo, y_hi)
        else:
            self.set_box(x_lo, x_hi, float(y[keep][0]))

    def set_box(self, x_lo: float, x_hi: float, y_lo: float, y_hi: float | None = None) -> None:
        """Frame exactly this box (a no-op when it is the one already framed)."""
        box = (x_lo, x_hi, y_lo, y_lo if y_hi is None else y_hi)
        if box != self.box:
            self.box = box
            self.item.setData([box[0], box[1]], [box[2], box[3]])
