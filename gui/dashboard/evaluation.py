"""Evaluation views from ViewsSnapshot: the confusion matrix, ROC and precision-recall curves, and predicted-vs-true.

They show the split core evaluated (validation when there is one, else train), as of the snapshot's epoch. A view
reads its snapshot through `source(data)`, so the test rows' views (gui/dashboard/held_out.py) are the same
views reading another snapshot.
"""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from .hover import HoverReadout
from .plot_panel import PlotPanel, combo
from .run_info import RunInfo
from .store import RunData
from .style import MUTED_COLOR, add_legend, class_color, colorbar, format_value, sequential_map, solid_pen, style_plot

MAX_CELL_LABELS = 20       # beyond this many classes, counts are read by hovering
CHIP = (0.06, 0.16)        # a class's colour chip beside its row and above its column: (gap, width) in cells
MULTILABEL_COLUMNS = ("TN", "FP", "FN", "TP")


def _short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


class ConfusionMatrixPanel(PlotPanel):
    """objectName "confusionMatrixView": counts (rows = true class, columns = predicted) with a colour scale."""

    topics = ("views", "info")
    heading = "Confusion matrix"

    def __init__(self, parent=None, object_name: str = "confusionMatrixView"):
        super().__init__(object_name, self.heading, parent)
        self.plot = style_plot(self.add_plot(0, 0), "predicted class", "true class", grid=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.getViewBox().invertY(True)
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = colorbar(sequential_map(), "samples")
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        # Each class's colour (gui/palette.py) beside its row and above its column, as in every other view.
        self.row_chips = pg.ImageItem(axisOrder="row-major")
        self.column_chips = pg.ImageItem(axisOrder="row-major")
        for chips in (self.row_chips, self.column_chips):
            self.plot.addItem(chips)
        self.cells: dict[tuple[int, int], pg.TextItem] = {}
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.row_names: list[str] = []
        self.col_names: list[str] = []
        self.hover = HoverReadout(self.plot, self.describe, vertical=False)

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.applicable = info.task in ("binary", "multiclass", "multilabel")
        for item in self.cells.values():
            self.plot.removeItem(item)
        self.cells = {}
        self.image.clear()
        self.row_chips.clear()
        self.column_chips.clear()
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        if not self.applicable:
            return
        if info.task == "multilabel":
            self.row_names = list(info.class_names or info.target_names)
            self.col_names = list(MULTILABEL_COLUMNS)
            self.plot.setLabel("bottom", "outcome")
            self.plot.setLabel("left", "label")
        else:
            k = max(info.n_classes, 2)
            self.row_names = self.col_names = [info.class_name(c) for c in range(k)]
            self.plot.setLabel("bottom", "predicted class")
            self.plot.setLabel("left", "true class")
        rows, cols = len(self.row_names), len(self.col_names)
        self.plot.getAxis("bottom").setTicks([[(c + 0.5, _short(n)) for c, n in enumerate(self.col_names)]])
        self.plot.getAxis("left").setTicks([[(r + 0.5, _short(n)) for r, n in enumerate(self.row_names)]])
        if rows <= MAX_CELL_LABELS and cols <= MAX_CELL_LABELS:
            for r in range(rows):
                for c in range(cols):
                    item = pg.TextItem("", anchor=(0.5, 0.5))
                    item.setPos(c + 0.5, r + 0.5)
                    self.plot.addItem(item)
                    self.cells[(r, c)] = item
        margin = 0.0
        if info.task != "multilabel":
            gap, width = CHIP
            margin = gap + width
            colors = np.array([QtGui.QColor(class_color(c, rows)).getRgb()[:3] for c in range(rows)], dtype=np.uint8)
            self.row_chips.setImage(colors[:, None, :], autoLevels=False, levels=(0, 255))
            self.row_chips.setRect(QtCore.QRectF(-margin, 0, width, rows))
            self.column_chips.setImage(colors[None, :, :], autoLevels=False, levels=(0, 255))
            self.column_chips.setRect(QtCore.QRectF(0, -margin, cols, width))
        self.plot.setRange(xRange=(-margin, cols), yRange=(-margin, rows), padding=0.02)

    def cell_text(self, row: int, col: int) -> str:
        return self.cells[(row, col)].textItem.toPlainText()

    @staticmethod
    def source(data: RunData):
        return data.views

    def draw(self, data: RunData) -> None:
        views = self.source(data)
        if not self.applicable or views is None or views.confusion is None:
            return
        matrix = np.asarray(views.confusion)
        if matrix.ndim == 3:            # multilabel (k, 2, 2) [[TN, FP], [FN, TP]] -> (k, 4)
            matrix = matrix.reshape(matrix.shape[0], 4)
        self.matrix = matrix.astype(np.int64)
        top = float(matrix.max()) if matrix.size else 0.0
        levels = (0.0, max(top, 1.0))
        self.image.setImage(matrix.astype(np.float64), autoLevels=False, levels=levels)
        self.image.setRect(QtCore.QRectF(0, 0, matrix.shape[1], matrix.shape[0]))
        self.colorbar.setLevels(levels)
        for (r, c), item in self.cells.items():
            if r < matrix.shape[0] and c < matrix.shape[1]:
                value = int(matrix[r, c])
                color = "#ffffff" if value > 0.55 * levels[1] else "#222222"
                item.setText(str(value), color=color)
        total = int(matrix.sum())
        detail = f"{views.split}, epoch {views.epoch}, {total} samples"
        for key, name in (("accuracy", "accuracy"), ("f1", "F1")):
            if key in views.metrics:
                detail += f" · {name} {format_value(views.metrics[key])}"
        self.set_title(self.heading, detail)

    def describe(self, x: float, y: float) -> str | None:
        r, c = int(np.floor(y)), int(np.floor(x))
        if not (0 <= r < self.matrix.shape[0] and 0 <= c < self.matrix.shape[1]):
            return None
        value = int(self.matrix[r, c])
        if self.info is not None and self.info.task == "multilabel":
            return f"label {html.escape(self.row_names[r])}: <b>{value}</b> {self.col_names[c]}"
        row_total = int(self.matrix[r].sum())
        share = f" ({100 * value / row_total:.1f}% of true {html.escape(self.row_names[r])})" if row_total else ""
        return (f"true <b>{html.escape(self.row_names[r])}</b>, predicted <b>{html.escape(self.col_names[c])}</b>"
                f"<br>{value} samples{share}")


def curve_areas(views, k: int) -> tuple[float, float]:
    """ROC-AUC and average precision of class k's curves, as core defines them (trapezoid under the ROC curve;
    step sum over the precision-recall curve), so the legend matches the curves drawn."""
    auc = ap = float("nan")
    if k in views.roc:
        fpr, tpr = (np.asarray(a, dtype=np.float64) for a in views.roc[k])
        if fpr.size > 1 and np.isfinite(fpr).all() and np.isfinite(tpr).all():
            auc = float(np.trapezoid(tpr, fpr))
    if k in views.pr:
        recall, precision = (np.asarray(a, dtype=np.float64) for a in views.pr[k])
        if recall.size > 1:
            ap = float(max(0.0, np.sum((recall[:-1] - recall[1:]) * precision[:-1])))
    return auc, ap


class RocPrPanel(PlotPanel):
    """objectName "rocPrView": ROC and precision-recall curves per class (one-vs-rest), AUC / AP in the legends."""

    topics = ("views", "info")

    def __init__(self, parent=None):
        super().__init__("rocPrView", "ROC and precision-recall", parent)
        self.roc_plot = style_plot(self.add_plot(0, 0), "false positive rate", "true positive rate", grid="xy")
        self.pr_plot = style_plot(self.add_plot(1, 0), "recall", "precision", grid="xy")
        for plot in (self.roc_plot, self.pr_plot):
            plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.03)
            plot.disableAutoRange()
            plot.setMouseEnabled(x=False, y=False)
        chance = pg.PlotDataItem([0, 1], [0, 1], pen=pg.mkPen(MUTED_COLOR, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.roc_plot.addItem(chance)
        self.roc_legend = add_legend(self.roc_plot, offset=(-6, -6))
        self.pr_legend = add_legend(self.pr_plot, offset=(6, -6))
        self.roc_legend.follow(self.roc_plot, lambda: [*self.roc_curves.values(), chance])
        self.pr_legend.follow(self.pr_plot, lambda: self.pr_curves.values())
        self.roc_curves: dict[int, pg.PlotDataItem] = {}
        self.pr_curves: dict[int, pg.PlotDataItem] = {}
        self.areas: dict[int, tuple[float, float]] = {}
        self.roc_hover = HoverReadout(self.roc_plot, lambda x, y: self._nearest(self.roc_curves, x, y, "FPR", "TPR"),
                                      vertical=False)
        self.pr_hover = HoverReadout(self.pr_plot, lambda x, y: self._nearest(self.pr_curves, x, y, "recall",
                                                                              "precision"), vertical=False)

    def _class_label(self, k: int) -> str:
        info = self.info
        if info is None:
            return str(k)
        if info.task == "multilabel":
            names = info.class_names or info.target_names
            return names[k] if k < len(names) else str(k)
        return info.class_name(k)

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.applicable = info.task in ("binary", "multiclass", "multilabel")
        for item in self.roc_curves.values():
            self.roc_plot.removeItem(item)
        for item in self.pr_curves.values():
            self.pr_plot.removeItem(item)
        self.roc_curves, self.pr_curves, self.areas = {}, {}, {}
        self.roc_legend.release()
        self.pr_legend.release()
        if not self.applicable:
            return
        if info.task == "binary":
            classes = [1]
        else:
            classes = list(range(info.n_classes or len(info.class_names or ())))
        n = max(len(classes), 2) if info.task != "binary" else 2
        for k in classes:
            pen = solid_pen(class_color(k, n), 1.8)
            name = html.escape(self._class_label(k))
            self.roc_curves[k] = self.roc_plot.plot([], [], pen=pen, name=name)
            self.pr_curves[k] = self.pr_plot.plot([], [], pen=pen, name=name)

    def draw(self, data: RunData) -> None:
        views = data.views
        if not self.applicable or views is None:
            return
        for k, item in self.roc_curves.items():
            auc, ap = self.areas[k] = curve_areas(views, k)
            if k in views.roc:
                item.setData(*views.roc[k])
            if k in views.pr:
                self.pr_curves[k].setData(*views.pr[k])
            name = html.escape(self._class_label(k))
            self._legend_text(self.roc_legend, item, f"{name}  AUC {auc:.3f}")
            self._legend_text(self.pr_legend, self.pr_curves[k], f"{name}  AP {ap:.3f}")
        self.set_title("ROC and precision-recall", f"{views.split}, epoch {views.epoch}")
        self.roc_legend.schedule()
        self.pr_legend.schedule()

    @staticmethod
    def _legend_text(legend: pg.LegendItem, item, text: str) -> None:
        for sample, label in legend.items:
            if sample.item is item and label.text != text:
                label.setText(text)

    def _nearest(self, curves: dict[int, pg.PlotDataItem], x: float, y: float, x_name: str, y_name: str):
        best = None
        for k, item in curves.items():
            if item.xData is None or len(item.xData) == 0:
                continue
            d = np.hypot(item.xData - x, item.yData - y)
            i = int(np.nanargmin(d)) if np.isfinite(d).any() else None
            if i is not None and (best is None or d[i] < best[0]):
                best = (d[i], k, float(item.xData[i]), float(item.yData[i]))
        if best is None or best[0] > 0.15:
            return None
        _, k, px, py = best
        return (f"{html.escape(self._class_label(k))}<br>{x_name} {px:.3f}, {y_name} <b>{py:.3f}</b>")


class PredictedVsTruePanel(PlotPanel):
    """objectName "predictedVsTrueView": regression predictions against targets, with the identity line."""

    topics = ("views", "info")
    heading = "Predicted vs true"
    selector_name = "predictedTargetSelector"

    def __init__(self, parent=None, object_name: str = "predictedVsTrueView"):
        super().__init__(object_name, self.heading, parent)
        self.plot = style_plot(self.add_plot(0, 0), "true value", "predicted value")
        self.identity = pg.PlotDataItem([], [], pen=pg.mkPen(MUTED_COLOR, width=1.2, style=QtCore.Qt.PenStyle.DashLine))
        self.plot.addItem(self.identity)
        self.points = pg.ScatterPlotItem(size=5, pen=pg.mkPen(None), brush=pg.mkBrush(8, 119, 189, 120))
        self.plot.addItem(self.points)
        self.target_selector = self.add_tool(combo([], self.selector_name, "Which output to show"))
        self.target_selector.currentIndexChanged.connect(lambda _i: self._redraw())
        self.true = self.predicted = np.zeros(0)
        self._data: RunData | None = None
        self.hover = HoverReadout(self.plot, self.describe, vertical=False)

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.applicable = info.task == "regression"
        self.points.setData([], [])
        self.identity.setData([], [])
        self.target_selector.blockSignals(True)
        self.target_selector.clear()
        for k, name in enumerate(info.target_names):
            self.target_selector.addItem(name, k)
        self.target_selector.blockSignals(False)
        self.target_selector.setVisible(len(info.target_names) > 1)

    def _redraw(self) -> None:
        if self._data is not None:
            self.refresh(self._data, force=True)

    @staticmethod
    def source(data: RunData):
        return data.views

    def draw(self, data: RunData) -> None:
        self._data = data
        views = self.source(data)
        if not self.applicable or views is None or views.true_values is None or views.predicted is None:
            return
        k = int(self.target_selector.currentData() or 0)
        true = np.asarray(views.true_values, dtype=float).reshape(len(views.true_values), -1)
        predicted = np.asarray(views.predicted, dtype=float).reshape(len(views.predicted), -1)
        k = min(k, true.shape[1] - 1)
        self.true, self.predicted = true[:, k], predicted[:, k]
        self.points.setData(self.true, self.predicted)
        finite = np.concatenate([self.true, self.predicted])
        finite = finite[np.isfinite(finite)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            self.identity.setData([lo, hi], [lo, hi])
        name = self.info.target_names[k] if self.info and k < len(self.info.target_names) else "value"
        self.plot.setLabel("bottom", f"true {name}")
        self.plot.setLabel("left", f"predicted {name}")
        parts = [f"{views.split}, epoch {views.epoch}"]
        for key, label in (("r2", "R²"), ("mae", "MAE")):
            if key in views.metrics:
                parts.append(f"{label} {format_value(views.metrics[key])}")
        self.set_title(self.heading, " · ".join(parts))

    def describe(self, x: float, y: float) -> str | None:
        if self.true.size == 0:
            return None
        (x0, x1), (y0, y1) = self.plot.getViewBox().viewRange()
        d = np.hypot((self.true - x) / max(x1 - x0, 1e-12), (self.predicted - y) / max(y1 - y0, 1e-12))
        i = int(np.nanargmin(d))
        if d[i] > 0.03:
            return None
        return f"true {format_value(self.true[i])}<br>predicted <b>{format_value(self.predicted[i])}</b>"
