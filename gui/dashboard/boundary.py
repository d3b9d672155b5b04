"""The decision boundary of 2-D data, the playground's signature view, updated live.

The network's output over a grid of the two raw features (computed in core, arriving in ViewsSnapshot.grid) is an
image under the train points (white edge) and the validation/test points (dark edge), in raw feature units:
- binary (and multilabel, first label): P(class 1) on an orange-white-blue scale;
- multi-class: the winning class's colour, faded towards white where the network is unsure;
- 1-output regression: the prediction on the same diverging scale, spanning the targets' range.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from core.live_evaluation import DecisionGrid, grid_bounds

from .hover import HoverReadout
from .plot_panel import PlotPanel, message_item
from .run_info import RunInfo
from .store import RunData
from .style import (
    add_legend,
    background_map,
    class_color,
    colorbar,
    diverging_map,
    format_value,
    set_colorbar_label,
    style_plot,
)

MAX_POINTS = 3000        # points drawn per split (a fixed subset beyond that keeps the view fluid)
CLASS_TINT = 0.6         # how strongly a fully confident multi-class cell takes its class colour
MARGIN = 0.05            # around the data, as a share of its span on each axis


def _subset(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(X) <= MAX_POINTS:
        return X, y
    rows = np.sort(np.random.default_rng(0).choice(len(X), MAX_POINTS, replace=False))
    return X[rows], y[rows]


def class_image(grid: DecisionGrid) -> np.ndarray:
    """(res, res, 3) uint8: each cell in its winning class's colour, blended with white by confidence."""
    k = max(grid.n_classes, 2)
    palette = np.array([pg.mkColor(class_color(c, k)).getRgb()[:3] for c in range(k)], dtype=np.float64)
    classes = np.clip(grid.values.astype(np.int64), 0, k - 1)
    confidence = grid.confidence if grid.confidence.size else np.ones(classes.shape)
    strength = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None] * CLASS_TINT
    return (255.0 * (1.0 - strength) + palette[classes] * strength).astype(np.uint8)


class DecisionBoundaryPanel(PlotPanel):
    """objectName "decisionBoundaryView".

    `regionChanged(x_min, x_max, y_min, y_max)` reports the raw region on screen (after a resize, zoom or pan), so
    the owner can have the grid computed over exactly that region and the boundary fill the plot.
    """

    topics = ("views", "info")
    regionChanged = QtCore.Signal(float, float, float, float)

    def __init__(self, parent=None):
        super().__init__("decisionBoundaryView", "Decision boundary", parent)
        self.plot = style_plot(self.add_plot(0, 0), "x1", "x2", grid=False)
        # The grid is coarse (80 x 80): scale it smoothly, as the playground does, instead of in blocks.
        self.graphics.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colorbar = colorbar(background_map(), "P(class 1)")
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.9), name="train")
        self.eval_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#222222", width=1.3), name="validation")
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.eval_points)
        self.legend = add_legend(self.plot, offset=(6, 6))
        self.legend.follow(self.plot, lambda: (self.train_points, self.eval_points))
        self.message = message_item("The decision boundary needs data<br>with exactly two input features.")
        self.plot.addItem(self.message, ignoreBounds=True)
        self.message.hide()
        self.grid: DecisionGrid | None = None
        self.value_levels = (0.0, 1.0)
        self.hover = HoverReadout(self.plot, self.describe, vertical=True, horizontal=True)
        self.plot.vb.sigRangeChanged.connect(self._range_changed)

    def _range_changed(self, *_args) -> None:
        size = self.plot.vb.size()
        if self.info is None or not self.applicable or size.width() < 20 or size.height() < 20:
            return                       # hidden or not laid out yet: its range means nothing
        (x0, x1), (y0, y1) = self.plot.vb.viewRange()
        if x1 > x0 and y1 > y0:
            self.regionChanged.emit(x0, x1, y0, y1)

    # --- per run ------------------------------------------------------------------------------------------------
    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.grid = None
        self.image.clear()
        self.legend.clear()
        self.legend.release()
        self.applicable = info.points is not None
        self.message.setVisible(not self.applicable)
        self.train_points.setData([], [])
        self.eval_points.setData([], [])
        if not self.applicable:
            self.colorbar.hide()
            self.plot.setLabel("bottom", "")
            self.plot.setLabel("left", "")
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
            self.message.setPos(0.5, 0.5)
            return
        names = info.feature_names or ("x1", "x2")
        self.plot.setLabel("bottom", names[0])
        self.plot.setLabel("left", names[1])
        X_train, y_train, X_eval, y_eval, eval_name = info.points
        X_train, y_train = _subset(np.asarray(X_train, dtype=float), np.asarray(y_train))
        X_eval, y_eval = _subset(np.asarray(X_eval, dtype=float).reshape(-1, 2), np.asarray(y_eval))
        regression = info.task == "regression"
        if regression:
            targets = np.asarray(y_train, dtype=float).reshape(len(y_train), -1)[:, 0]
            lo, hi = (float(targets.min()), float(targets.max())) if targets.size else (0.0, 1.0)
            self.value_levels = (lo, hi if hi > lo else lo + 1.0)
        self.train_points.setData(X_train[:, 0], X_train[:, 1], brush=self._brushes(y_train))
        self.eval_points.setData(X_eval[:, 0], X_eval[:, 1], brush=self._brushes(y_eval))
        self.eval_points.opts["name"] = eval_name
        self._fill_legend(eval_name)
        self.colorbar.setVisible(info.task != "multiclass")
        if regression:
            self.colorbar.setColorMap(diverging_map())
            self.colorbar.setLevels(self.value_levels)
            set_colorbar_label(self.colorbar, info.target_names[0] if info.target_names else "prediction")
        elif info.task != "multiclass":       # (a multi-class image is colours: the bar must not map or level it)
            self.colorbar.setColorMap(background_map())
            self.colorbar.setLevels((0.0, 1.0))
            set_colorbar_label(self.colorbar, f"P({info.class_name(1)})")
        everything = np.vstack([X_train, X_eval]) if len(X_eval) else X_train
        if len(everything):
            # The data and a small margin fill the plot. (Locking equal units on both axes made a tall panel show
            # -12..12 for data in -5..5: most of the view was boundary far from any point.)
            x0, x1, y0, y1 = grid_bounds(everything, margin=MARGIN)
            self.plot.setAspectLocked(False)
            self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _brushes(self, y: np.ndarray) -> list:
        info = self.info
        if info.task == "regression":
            values = np.asarray(y, dtype=float).reshape(len(y), -1)[:, 0] if len(y) else np.zeros(0)
            lo, hi = self.value_levels
            colors = diverging_map().map(np.clip((values - lo) / (hi - lo), 0, 1), mode="qcolor")
            return [pg.mkBrush(c) for c in colors]
        labels = np.asarray(y)
        if labels.ndim == 2:          # multilabel: colour by the first label
            labels = labels[:, 0]
        cache, k = {}, 2 if info.task == "multilabel" else max(info.n_classes, 2)
        return [cache.setdefault(int(c), pg.mkBrush(class_color(int(c), k))) for c in labels]

    def _fill_legend(self, eval_name: str) -> None:
        sample_train = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#999999", width=1.5), brush=pg.mkBrush("#dddddd"))
        sample_eval = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#222222", width=1.5), brush=pg.mkBrush("#dddddd"))
        self.legend.addItem(sample_train, "train")
        self.legend.addItem(sample_eval, eval_name)
        if self.info.is_classification or self.info.task == "multilabel":
            k = max(self.info.n_classes, 2) if self.info.task != "multilabel" else 2
            for c in range(k):
                dot = pg.ScatterPlotItem(size=7, pen=pg.mkPen(None), brush=pg.mkBrush(class_color(c, k)))
                name = self.info.class_name(c) if self.info.task != "multilabel" else ("off", "on")[c]
                self.legend.addItem(dot, html.escape(name))

    # --- per frame ----------------------------------------------------------------------------------------------
    def draw(self, data: RunData) -> None:
        views = data.views
        if not self.applicable or views is None or views.grid is None:
            return
        grid = self.grid = views.grid
        if grid.kind == "class":
            # Colours already: no look-up table and the full 0-255 range. The colour bar (hidden for classes) sets
            # its map and its 0-1 levels on this image, deferred while the image is empty and applied by setImage
            # after our levels: every class colour came out white.
            self.image.setLookupTable(None)
            self.image.setImage(class_image(grid), autoLevels=False, levels=(0, 255))
            self.image.setLevels((0, 255))
        else:
            levels = (0.0, 1.0) if grid.kind == "probability" else self.value_levels
            self.image.setImage(np.asarray(grid.values), autoLevels=False, levels=levels)
            self.colorbar.setLevels(levels)
        xs, ys = np.asarray(grid.x), np.asarray(grid.y)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        self.image.setRect(QtCore.QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        metric = views.metrics.get("accuracy", views.metrics.get("r2"))
        name = "accuracy" if "accuracy" in views.metrics else "R²"
        detail = f"epoch {views.epoch}"
        if metric is not None:
            split = "val" if views.split == "validation" else views.split        # short: the panel is narrow
            detail += f" · {split} {name} {format_value(metric)}"
        self.set_title("Decision boundary", detail)

    def describe(self, x: float, y: float) -> str | None:
        grid, info = self.grid, self.info
        if grid is None or info is None:
            return None
        xs, ys = np.asarray(grid.x), np.asarray(grid.y)
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        if not (xs[0] - dx / 2 <= x <= xs[-1] + dx / 2 and ys[0] - dy / 2 <= y <= ys[-1] + dy / 2):
            return None
        col = int(np.clip(np.rint((x - xs[0]) / dx), 0, len(xs) - 1)) if dx else 0
        row = int(np.clip(np.rint((y - ys[0]) / dy), 0, len(ys) - 1)) if dy else 0
        names = info.feature_names or ("x1", "x2")
        where = f"{html.escape(names[0])} = {format_value(x)}, {html.escape(names[1])} = {format_value(y)}"
        value = float(grid.values[row, col])
        if grid.kind == "probability":
            what = f"P({html.escape(info.class_name(1))}) = <b>{value:.3f}</b>"
        elif grid.kind == "class":
            confidence = float(grid.confidence[row, col]) if grid.confidence.size else float("nan")
            what = f"class <b>{html.escape(info.class_name(int(value)))}</b> (p = {confidence:.3f})"
        else:
            what = f"prediction <b>{format_value(value)}</b>"
        return f"{where}<br>{what}"
