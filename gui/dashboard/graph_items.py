"""The graphics items of the network graph view: every link in a handful of paths, every node in one item, and the
card that hovering shows.

A view with a thousand links must repaint in a few milliseconds, so nothing here is one Qt item per link or per
node: links are bucketed by sign and strength into at most 2 x LEVELS painter paths (one pen each), nodes and their
thumbnails are painted by a single item from one atlas image. Geometry is in the graph's own units (a node is
NODE_SIZE wide); pens are cosmetic, so line widths stay in pixels whatever the zoom.

Qt's raster engine strokes a wide antialiased path of many curves a hundred times slower than a one-pixel one (300
links: 130 ms against 5 ms), so only one-pixel links are antialiased; wider ones are drawn without antialiasing,
and every link is opaque, its colour fading to the neutral grey as it weakens (the playground's scale), so no
alpha blending is needed either: 300 links paint in about 9 ms, a thousand in 30 ms.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .style import BLUE, ORANGE, TEXT_COLOR

NODE_SIZE = 1.0
LEVELS = 8                      # strength levels of the links (each a pen width and a colour)
WIDTHS = (1, 1, 1, 2, 2, 3, 3, 4)   # pixels, per level
NEUTRAL = "#e8eaeb"            # the playground's zero colour, between orange (< 0) and blue (> 0)
DEAD_COLOR = "#b0b0b0"
SATURATED_COLOR = "#c62828"
NODE_BORDER = "#555555"
HIGHLIGHT = "#222222"


def value_lut(size: int = 64) -> np.ndarray:
    """(size, 4) uint8 RGBA: orange for -1, the neutral grey for 0, blue for +1 (the playground's heat maps)."""
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [ORANGE, NEUTRAL, BLUE])
    return cmap.getLookupTable(0.0, 1.0, size, alpha=True).astype(np.uint8)


LUT = value_lut()


def colorize(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped) -> RGBA uint8 through the heat-map colours."""
    index = np.clip(np.rint((np.asarray(values) + 1.0) * 0.5 * (len(LUT) - 1)), 0, len(LUT) - 1).astype(np.int64)
    return LUT[index]


def link_levels(weights: np.ndarray, scale: float) -> np.ndarray:
    """Strength level 1..LEVELS of each weight on one scale for the whole network (|w| >= scale is full)."""
    t = np.abs(np.asarray(weights, dtype=np.float64)) / max(scale, 1e-12)
    return np.clip(np.ceil(t * LEVELS), 1, LEVELS).astype(np.int64)


def link_color(sign: int, level: int) -> QtGui.QColor:
    """Opaque: the sign's colour, faded towards the neutral grey as the link weakens."""
    full = np.array(QtGui.QColor(BLUE if sign > 0 else ORANGE).getRgb()[:3], dtype=np.float64)
    neutral = np.array(QtGui.QColor(NEUTRAL).getRgb()[:3], dtype=np.float64)
    rgb = neutral + (full - neutral) * (0.3 + 0.7 * level / LEVELS)
    return QtGui.QColor(*(int(round(v)) for v in rgb))


def link_pen(sign: int, level: int) -> QtGui.QPen:
    pen = QtGui.QPen(link_color(sign, level))
    pen.setWidthF(WIDTHS[level - 1])
    pen.setCosmetic(True)
    return pen


def bezier_polylines(start: np.ndarray, end: np.ndarray, points: int = 12) -> np.ndarray:
    """(m, points, 2) cubic curves from start (m, 2) to end (m, 2), leaving and arriving horizontally."""
    t = np.linspace(0.0, 1.0, points)[None, :, None]
    middle = (start[:, 0] + end[:, 0]) / 2
    c1 = np.column_stack([middle, start[:, 1]])[:, None, :]
    c2 = np.column_stack([middle, end[:, 1]])[:, None, :]
    p0, p3 = start[:, None, :], end[:, None, :]
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t ** 2 * c2 + t ** 3 * p3


def polylines_path(lines: np.ndarray) -> QtGui.QPainterPath:
    """One path through many polylines (m, points, 2), not joined to each other."""
    m, points, _ = lines.shape
    connect = np.ones((m, points), dtype=bool)
    connect[:, -1] = False
    return pg.arrayToQPath(lines[..., 0].ravel(), lines[..., 1].ravel(), connect=connect.ravel())


def distance_to_polylines(lines: np.ndarray, x: float, y: float) -> np.ndarray:
    """(m,) distance from (x, y) to each polyline of (m, points, 2)."""
    a, b = lines[:, :-1, :], lines[:, 1:, :]
    ab = b - a
    ap = np.array([x, y])[None, None, :] - a
    length2 = np.maximum(np.einsum("mki,mki->mk", ab, ab), 1e-18)
    t = np.clip(np.einsum("mki,mki->mk", ap, ab) / length2, 0.0, 1.0)
    nearest = a + t[..., None] * ab
    d = np.hypot(nearest[..., 0] - x, nearest[..., 1] - y)
    return d.min(axis=1)


class LinksItem(pg.GraphicsObject):
    """Every link, as at most 2 x LEVELS paths (sign x strength), the strong ones painted last."""

    def __init__(self):
        super().__init__()
        self.paths: list[tuple[QtGui.QPainterPath, QtGui.QPen]] = []
        self._rect = QtCore.QRectF()
        self._pens = {(s, level): link_pen(s, level) for s in (-1, 1) for level in range(1, LEVELS + 1)}
        # Repainted when the links change, not when the hover card moves over them.
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_links(self, lines: np.ndarray, weights: np.ndarray, scale: float) -> None:
        """`lines` (m, points, 2) and their weights: one path per (sign, level) bucket."""
        self.prepareGeometryChange()
        self.paths = []
        if len(weights):
            levels = link_levels(weights, scale)
            signs = np.where(np.asarray(weights) >= 0, 1, -1)
            for level in range(1, LEVELS + 1):
                for sign in (-1, 1):
                    pick = (levels == level) & (signs == sign)
                    if pick.any():
                        self.paths.append((polylines_path(lines[pick]), self._pens[(sign, level)]))
            lo, hi = lines.reshape(-1, 2).min(axis=0), lines.reshape(-1, 2).max(axis=0)
            self._rect = QtCore.QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._rect = QtCore.QRectF()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt's name)
        return self._rect.adjusted(-0.1, -0.1, 0.1, 0.1)

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        for path, pen in self.paths:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, pen.widthF() <= 1.0)
            painter.setPen(pen)
            painter.drawPath(path)


@dataclass
class NodeLook:
    """How each node is drawn (arrays of one entry per node, in drawing order)."""

    rects: np.ndarray            # (n, 4) x, y (bottom-left), width, height in graph units
    dead: np.ndarray             # (n,) share of the node's units that are dead
    saturated: np.ndarray        # (n,) share saturated
    bias: np.ndarray             # (n,) bias colour value in [-1, 1], nan for none
    fill: np.ndarray | None      # (n, R, R, 4) uint8 thumbnails (top row first), or None
    histograms: np.ndarray | None  # (n, bins) heights in [0, 1] drawn inside nodes without a thumbnail


class NodesItem(pg.GraphicsObject):
    """Every node: its thumbnail (or its output histogram), its bias square, and the marks of dead and saturated
    units, painted in one pass."""

    def __init__(self):
        super().__init__()
        self.look: NodeLook | None = None
        self.atlas: QtGui.QImage | None = None
        self.highlighted: int | None = None
        self._rect = QtCore.QRectF()

    def set_look(self, look: NodeLook) -> None:
        self.prepareGeometryChange()
        self.look = look
        self.atlas = None
        if look.fill is not None and len(look.fill):
            n, r = look.fill.shape[0], look.fill.shape[1]
            strip = np.ascontiguousarray(look.fill.transpose(1, 0, 2, 3).reshape(r, n * r, 4))
            self.atlas = QtGui.QImage(strip.data, n * r, r, 4 * n * r, QtGui.QImage.Format.Format_RGBA8888).copy()
        rects = look.rects
        if len(rects):
            x0, y0 = rects[:, 0].min() - 0.3, rects[:, 1].min() - 0.3
            x1, y1 = (rects[:, 0] + rects[:, 2]).max() + 0.3, (rects[:, 1] + rects[:, 3]).max() + 0.3
            self._rect = QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)
        self.update()

    def set_highlight(self, index: int | None) -> None:
        if index != self.highlighted:
            self.highlighted = index
            self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        look = self.look
        if look is None:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        border = QtGui.QPen(QtGui.QColor(NODE_BORDER))
        border.setCosmetic(True)
        border.setWidthF(1.0)
        dead_pen = QtGui.QPen(QtGui.QColor(DEAD_COLOR))
        dead_pen.setCosmetic(True)
        dead_pen.setWidthF(1.5)
        dead_pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        saturated_pen = QtGui.QPen(QtGui.QColor(SATURATED_COLOR))
        saturated_pen.setCosmetic(True)
        saturated_pen.setWidthF(3.0)
        highlight = QtGui.QPen(QtGui.QColor(HIGHLIGHT))
        highlight.setCosmetic(True)
        highlight.setWidthF(2.5)
        white = QtGui.QBrush(QtGui.QColor("white"))
        grey = QtGui.QBrush(QtGui.QColor(DEAD_COLOR))
        bar_brush = QtGui.QBrush(QtGui.QColor(BLUE))
        r = look.fill.shape[1] if look.fill is not None else 0
        bias_size = 0.18 * NODE_SIZE
        for k, (x, y, w, h) in enumerate(look.rects):
            rect = QtCore.QRectF(x, y, w, h)
            dead = look.dead[k] >= 1.0
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(white)
            painter.drawRect(rect)
            if not dead:
                if self.atlas is not None:
                    # The image's top row is drawn at the rect's top: y grows upwards in the graph.
                    painter.save()
                    painter.translate(x, y + h)
                    painter.scale(1, -1)
                    painter.drawImage(QtCore.QRectF(0, 0, w, h), self.atlas, QtCore.QRectF(k * r, 0, r, r))
                    painter.restore()
                elif look.histograms is not None:
                    heights = look.histograms[k]
                    bins = len(heights)
                    painter.setBrush(bar_brush)
                    for b, height in enumerate(heights):
                        if height > 0:
                            painter.drawRect(QtCore.QRectF(x + w * b / bins, y, w / bins * 0.9, h * 0.92 * height))
                if 0 < look.dead[k]:        # some of a group's units are dead: a grey band of that share
                    painter.setBrush(grey)
                    painter.drawRect(QtCore.QRectF(x, y, w, h * look.dead[k]))
            painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
            painter.setPen(dead_pen if dead else border)
            painter.drawRect(rect)
            if dead:                        # hollow, crossed out
                painter.drawLine(QtCore.QPointF(x, y), QtCore.QPointF(x + w, y + h))
            if look.saturated[k] > 0:
                painter.setPen(saturated_pen)
                inset = 0.04 * w
                painter.drawRect(rect.adjusted(inset, inset, -inset, -inset))
            if np.isfinite(look.bias[k]):
                painter.setPen(border)
                painter.setBrush(QtGui.QBrush(QtGui.QColor(*colorize(look.bias[k])[:3])))
                painter.drawRect(QtCore.QRectF(x - bias_size - 0.05, y, bias_size, bias_size))
            if k == self.highlighted:
                painter.setPen(highlight)
                painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(-0.06, -0.06, 0.06, 0.06))


class StagesItem(pg.GraphicsObject):
    """The thin bars of width-keeping layers (batch norm, dropout, an activation...) between two columns."""

    def __init__(self):
        super().__init__()
        self.bars: list[QtCore.QRectF] = []
        self._rect = QtCore.QRectF()

    def set_bars(self, bars: list[QtCore.QRectF]) -> None:
        self.prepareGeometryChange()
        self.bars = bars
        self._rect = QtCore.QRectF()
        for bar in bars:
            self._rect = self._rect.united(bar)
        self.update()

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        pen = QtGui.QPen(QtGui.QColor("#7a7f87"))
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QtGui.QBrush(QtGui.QColor(214, 219, 226, 215)))
        for bar in self.bars:
            painter.drawRect(bar)


class HoverCard(QtWidgets.QGraphicsObject):
    """A small card with a few lines of text and, for a node, a histogram of its outputs; drawn at a fixed pixel
    size wherever it is placed."""

    PAD = 6
    HIST_HEIGHT = 46

    def __init__(self):
        super().__init__()
        self.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(1000)
        self.text = QtWidgets.QGraphicsTextItem(self)
        self.text.setPos(self.PAD, self.PAD - 2)
        self.html = ""
        self.histogram: tuple[np.ndarray, np.ndarray] | None = None
        self.anchor = (0.0, 0.0)
        self.hide()

    def set_content(self, html: str, histogram: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.prepareGeometryChange()
        self.html = html
        self.text.setHtml(f'<div style="color:{TEXT_COLOR}; font-size:8pt">{html}</div>')
        self.histogram = histogram
        self.update()

    def size(self) -> QtCore.QSizeF:
        text = self.text.boundingRect()
        width = max(text.width(), 170 if self.histogram is not None else 0) + 2 * self.PAD
        height = text.height() + 2 * self.PAD + (self.HIST_HEIGHT + 16 if self.histogram is not None else 0)
        return QtCore.QSizeF(width, height)

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        size = self.size()
        return QtCore.QRectF(-self.anchor[0] * size.width(), -self.anchor[1] * size.height(), size.width(),
                             size.height())

    def place(self, x: float, y: float, anchor: tuple[float, float]) -> None:
        """Put the card's `anchor` corner ((0, 0) top-left, (1, 1) bottom-right) at view point (x, y)."""
        self.prepareGeometryChange()
        self.anchor = anchor
        size = self.size()
        self.text.setPos(self.PAD - anchor[0] * size.width(), self.PAD - 2 - anchor[1] * size.height())
        self.setPos(x, y)
        self.show()

    def paint(self, painter: QtGui.QPainter, *_args) -> None:
        rect = self.boundingRect()
        painter.setPen(QtGui.QPen(QtGui.QColor(190, 190, 190)))
        painter.setBrush(QtGui.QBrush(QtGui.QColor(255, 255, 255, 240)))
        painter.drawRoundedRect(rect, 3, 3)
        if self.histogram is None:
            return
        counts, edges = self.histogram
        text_height = self.text.boundingRect().height()
        left, bottom = rect.left() + self.PAD, rect.top() + self.PAD + text_height + self.HIST_HEIGHT
        width = rect.width() - 2 * self.PAD
        top = float(np.max(counts)) if len(counts) and np.max(counts) > 0 else 1.0
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QBrush(QtGui.QColor(BLUE)))
        n = len(counts)
        for b, count in enumerate(counts):
            h = self.HIST_HEIGHT * float(count) / top
            painter.drawRect(QtCore.QRectF(left + width * b / n, bottom - h, width / n - 1, h))
        painter.setPen(QtGui.QPen(QtGui.QColor("#888888")))
        painter.drawLine(QtCore.QPointF(left, bottom), QtCore.QPointF(left + width, bottom))
        font = painter.font()
        font.setPointSize(7)
        painter.setFont(font)
        painter.setPen(QtGui.QPen(QtGui.QColor(TEXT_COLOR)))
        lo, hi = f"{float(edges[0]):.3g}", f"{float(edges[-1]):.3g}"
        painter.drawText(QtCore.QRectF(left, bottom + 1, width, 14), QtCore.Qt.AlignmentFlag.AlignLeft, lo)
        painter.drawText(QtCore.QRectF(left, bottom + 1, width, 14), QtCore.Qt.AlignmentFlag.AlignRight, hi)
