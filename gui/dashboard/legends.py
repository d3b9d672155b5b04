"""Legends that keep out of the data, and log axes whose labels do not collide.

A legend in a fixed corner hid what a user came to read: the accuracy legend sat on the 0.9-1.0 band, the
dead-unit and saturation legends on their curves. `PlotLegend` moves to the corner of its plot where it covers the
fewest points of what the plot draws, whenever the data or the view range change; a user can drag it anywhere, and
then it stays where it was put (until the next run). `readable_log_axis` labels a log axis at decades only (with 2
and 5 between them when the axis spans less than two decades), instead of every minor tick on top of each other.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

CORNERS = ((0, 0), (1, 0), (0, 1), (1, 1))     # (x, y) of the legend's corner and the plot's: top-left, top-right, ...
MARGIN = 6                                      # pixels between the legend and the plot's edge
SWITCH_GAIN = 3                                 # move only when another corner hides this many points fewer
SAMPLES_PER_CURVE = 400                         # a curve is checked at this many points along its length


def screen_points(vb: pg.ViewBox, items: Iterable) -> np.ndarray:
    """(n, 2) scene coordinates of what `items` draw (curves resampled along their length, scatters as they are)."""
    rect = vb.sceneBoundingRect()
    (x0, x1), (y0, y1) = vb.viewRange()
    if rect.width() <= 0 or rect.height() <= 0 or x1 <= x0 or y1 <= y0:
        return np.zeros((0, 2))
    out = []
    for item in items:
        if item is None or not item.isVisible():
            continue
        x, y = item.getData()
        if x is None or len(x) == 0:
            continue
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        keep = np.isfinite(x) & np.isfinite(y)
        x, y = x[keep], y[keep]
        if isinstance(item, pg.PlotDataItem) and len(x) > 1:        # a line: check along it, not only at its points
            t = np.linspace(0.0, len(x) - 1.0, SAMPLES_PER_CURVE)
            x, y = np.interp(t, np.arange(len(x)), x), np.interp(t, np.arange(len(y)), y)
        px = rect.left() + (x - x0) / (x1 - x0) * rect.width()
        inverted = vb.state.get("yInverted", False)
        fy = (y - y0) / (y1 - y0)
        py = rect.top() + (fy if inverted else 1.0 - fy) * rect.height()
        out.append(np.column_stack([px, py]))
    return np.vstack(out) if out else np.zeros((0, 2))


class PlotLegend(pg.LegendItem):
    """A legend that finds the emptiest corner of its plot; dragged by the user, it stays put."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user_placed = False
        self.corner: tuple[int, int] | None = None
        self._items: Callable[[], Iterable] = lambda: ()
        # A view's range follows its data only when it next lays out or paints, and a legend grows with the values
        # it shows: so the check runs once those have settled, in the event loop's next round.
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.avoid)

    def follow(self, plot: pg.PlotItem, items: Callable[[], Iterable]) -> None:
        """Keep clear of what `items()` returns (curves, scatters) in `plot`: checked after its data, its range,
        its size or the legend's own size change (`schedule`)."""
        self._items = items
        plot.vb.sigRangeChanged.connect(self.schedule)
        plot.vb.sigResized.connect(self.schedule)
        self.geometryChanged.connect(self.schedule)

    def schedule(self, *_args) -> None:
        """Check the corners once the event loop has laid out and ranged the plot."""
        if not self.user_placed:
            self._timer.start()

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        super().mouseDragEvent(ev)
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:
            self.user_placed = True

    def release(self) -> None:
        """A new run: find a corner again, even if the user had placed the legend."""
        self.user_placed = False
        self.corner = None

    def covered(self, corner: tuple[int, int], points: np.ndarray) -> int:
        """How many of `points` (scene coordinates) the legend would cover at `corner`."""
        vb = self.parentItem()
        rect = vb.sceneBoundingRect()
        size = self.boundingRect().size()
        cx, cy = corner
        left = rect.left() + MARGIN if cx == 0 else rect.right() - MARGIN - size.width()
        top = rect.top() + MARGIN if cy == 0 else rect.bottom() - MARGIN - size.height()
        if not len(points):
            return 0
        inside = ((points[:, 0] >= left) & (points[:, 0] <= left + size.width()) &
                  (points[:, 1] >= top) & (points[:, 1] <= top + size.height()))
        return int(np.count_nonzero(inside))

    def avoid(self) -> tuple[int, int] | None:
        """Move to the corner that hides the fewest points (staying put unless another is clearly better)."""
        vb = self.parentItem()
        if self.user_placed or vb is None or not self.isVisible() or not self.items:
            return self.corner
        points = screen_points(vb, self._items())
        counts = {corner: self.covered(corner, points) for corner in CORNERS}
        best = min(CORNERS, key=lambda c: (counts[c], CORNERS.index(c)))
        if self.corner is None or counts[best] + SWITCH_GAIN <= counts[self.corner] or \
                (counts[self.corner] and not counts[best]):
            self.place(best)
        return self.corner

    def place(self, corner: tuple[int, int]) -> None:
        cx, cy = corner
        self.corner = corner
        self.anchor(itemPos=corner, parentPos=corner, offset=(MARGIN if cx == 0 else -MARGIN,
                                                             MARGIN if cy == 0 else -MARGIN))


def log_label(log_value: float, scale: float = 1.0) -> str:
    """0.002, 0.01, 100 near 1; 10⁻⁵ and 2·10⁶ beyond."""
    value = 10 ** log_value * scale
    exponent = math.floor(math.log10(value) + 1e-9)
    if -3 <= exponent <= 3:
        return f"{float(f'{value:.3g}'):g}"
    mantissa = round(value / 10 ** exponent)
    power = "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return power if mantissa == 1 else f"{mantissa}·{power}"


def readable_log_axis(axis: pg.AxisItem) -> None:
    """Label a log axis at decades (and at 2 and 5 when it spans less than two decades): pyqtgraph labels every
    minor tick of a short log axis, and 0.002, 0.003, ... 0.009 print on top of each other."""

    def strings(values, scale, spacing):
        values = [float(v) for v in values]
        lo, hi = (min(axis.range), max(axis.range)) if axis.range else (0.0, 1.0)
        short = hi - lo < 2.0
        out = []
        for v in values:
            mantissa = 10 ** (v - math.floor(v + 1e-9))
            wanted = abs(mantissa - 1) < 1e-6 or (short and (abs(mantissa - 2) < 1e-6 or abs(mantissa - 5) < 1e-6))
            out.append(log_label(v, scale) if wanted else "")
        return out

    axis.logTickStrings = strings
