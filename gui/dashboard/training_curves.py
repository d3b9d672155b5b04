"""Per-epoch training curves: the loss (with the batch loss underneath), the task's metric and the learning rate.

x is in epochs for all three (batch values at fractional epochs), so their axes can be linked and read together.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from core.bounded_series import DecimatingSeries

from .hover import HoverReadout, curve_readout
from .plot_panel import PlotPanel, combo
from .ranges import RangeAnchor
from .run_info import RunInfo
from .store import RunData
from .style import (
    BATCH_COLOR,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    add_legend,
    format_value,
    set_legend_text,
    solid_pen,
    style_plot,
)

METRIC_NAMES = {
    "accuracy": "Accuracy", "precision": "Precision", "recall": "Recall", "f1": "F1 score",
    "specificity": "Specificity", "mcc": "Matthews corr.", "auc": "ROC AUC", "subset_accuracy": "Subset accuracy",
    "mae": "MAE", "mse": "MSE", "rmse": "RMSE", "r2": "R²",
}


def metric_name(key: str) -> str:
    return METRIC_NAMES.get(key, key.replace("_", " "))


def long_curve(plot: pg.PlotItem, name: str, pen, z: float = 0) -> pg.PlotDataItem:
    """A curve that may hold thousands of points: peak downsampling and clipping keep each frame cheap."""
    item = plot.plot([], [], pen=pen, name=name)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    item.setZValue(z)
    return item


AUTO_LOG_DECADES = 3.0   # a loss spanning more than this many decades flattens on a linear axis: switch it to log
THIN_ABOVE = 600     # points: past this, a wide curve is drawn 1 pixel wide (Qt strokes those several times faster)


def set_series(item: pg.PlotDataItem, series: DecimatingSeries | None) -> None:
    if series is None or len(series) == 0:
        item.setData([], [])
        return
    pen = item.opts["pen"]
    wide = getattr(item, "_wide_pen", None)
    if wide is None and isinstance(pen, QtGui.QPen) and pen.widthF() > 1:
        wide = item._wide_pen = QtGui.QPen(pen)
    if wide is not None:
        thin = len(series) > THIN_ABOVE
        if thin != (pen.widthF() <= 1):
            new = QtGui.QPen(wide)
            if thin:
                new.setWidthF(1.0)
            item.setPen(new)
    item.setData(series.x(), series.y())


class CurvePanel(PlotPanel):
    """A single plot of named curves with a hover readout and (optionally) latest values in the legend."""

    x_name = "epoch"

    def __init__(self, object_name: str, title: str, y_label: str, parent=None):
        super().__init__(object_name, title, parent)
        self.plot = style_plot(self.add_plot(0, 0), "epoch", y_label)
        self.legend = add_legend(self.plot)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.legend.follow(self.plot, lambda: self.curves.values())
        self.anchor = RangeAnchor(self.plot)
        self.hover = HoverReadout(self.plot, curve_readout(lambda: self.curves.items(), self.x_name))

    def curve(self, name: str) -> pg.PlotDataItem:
        """The curve drawn under `name` (its `xData` / `yData` hold the plotted values)."""
        return self.curves[name]

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.legend.release()

    def show_latest(self, name: str, label: str) -> None:
        item = self.curves[name]
        value = item.yData[-1] if item.yData is not None and len(item.yData) else None
        set_legend_text(self.legend, item, label if value is None else f"{label}  {format_value(float(value))}")


class LossPanel(CurvePanel):
    """Train and validation loss per epoch, the raw batch loss as a faint line, and the best epoch. The axis turns
    logarithmic by itself when the loss spans more than AUTO_LOG_DECADES (a diverging 3e18 next to 0.7 leaves a
    linear axis one flat line), unless the user chose linear or log with the toggle during this run."""

    topics = ("batch", "epoch", "info")
    priority = 0.3                  # the curve people watch: drawn first unless another view waited 0.3 s longer

    def __init__(self, parent=None):
        super().__init__("lossPlot", "Loss", "loss", parent)
        self.curves["batch"] = long_curve(self.plot, "batch", solid_pen(BATCH_COLOR, 1.0), z=-1)
        self.curves["train"] = long_curve(self.plot, "train", solid_pen(TRAIN_COLOR, 2.0))
        self.curves["validation"] = long_curve(self.plot, "validation", solid_pen(VALIDATION_COLOR, 2.0))
        self.best_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#2ca02c", width=1,
                                                                                  style=QtCore.Qt.PenStyle.DashLine),
                                         label="best", labelOpts={"position": 0.92, "color": "#2ca02c"})
        self.best_line.hide()
        self.plot.addItem(self.best_line, ignoreBounds=True)
        self.log_toggle = self.toggle("Log", "Logarithmic loss axis (it turns on by itself when the loss spans more "
                                      "than three decades)", "lossLogToggle")
        self.log_toggle.toggled.connect(self._toggled)
        self.user_chose_axis = False     # the toggle was clicked during this run: no automatic switch any more
        self._switching = False

    def _toggled(self, on: bool) -> None:
        if not self._switching:
            self.user_chose_axis = True
        self.set_log(on)

    def set_log(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        if self.log_toggle.isChecked() != on:
            self._switching = True
            self.log_toggle.setChecked(on)
            self._switching = False
        self.anchor.fit(self.curves.values())

    def _auto_log(self) -> None:
        """Log axis once the curves' positive values span more than AUTO_LOG_DECADES."""
        if self.user_chose_axis or self.log_toggle.isChecked():
            return
        values = [item.yData for item in self.curves.values() if item.yData is not None and len(item.yData)]
        if not values:
            return
        y = np.concatenate(values)
        y = y[np.isfinite(y) & (y > 0)]
        if y.size and np.log10(y.max() / y.min()) > AUTO_LOG_DECADES:
            self.set_log(True)

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.curves["validation"].setVisible(info.has_validation)
        self.best_line.hide()
        self.user_chose_axis = False
        self.set_log(False)

    def draw(self, data: RunData) -> None:
        set_series(self.curves["batch"], data.batch_loss)
        set_series(self.curves["train"], data.epoch_series("loss"))
        set_series(self.curves["validation"], data.epoch_series("val_loss"))
        self._auto_log()
        self.show_latest("train", "train")
        self.show_latest("validation", "validation")
        if data.best_epoch is not None:
            self.best_line.setPos(data.best_epoch)
            self.best_line.show()
        else:
            self.best_line.hide()
        self.set_title("Loss", f"epoch {data.epochs_seen}" if data.epochs_seen else "")
        self.anchor.fit(self.curves.values())
        self.legend.schedule()


class MetricPanel(CurvePanel):
    """The task's metric for train and validation; a selector switches to any other logged metric."""

    topics = ("epoch", "info")
    priority = 0.3                  # as the loss: the two curves people read together

    def __init__(self, parent=None):
        super().__init__("metricPlot", "Accuracy", "accuracy", parent)
        self.curves["train"] = long_curve(self.plot, "train", solid_pen(TRAIN_COLOR, 2.0))
        self.curves["validation"] = long_curve(self.plot, "validation", solid_pen(VALIDATION_COLOR, 2.0))
        self.selector = self.add_tool(combo([], "metricSelector", "Which metric to plot"))
        self.selector.currentIndexChanged.connect(self._chosen)
        self.key = "accuracy"
        self._data: RunData | None = None

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.key = info.metric
        self.curves["validation"].setVisible(info.has_validation)
        self.selector.blockSignals(True)
        self.selector.clear()
        self.selector.addItem(metric_name(info.metric), info.metric)
        self.selector.blockSignals(False)
        self._label_axis()

    def _label_axis(self) -> None:
        self.plot.setLabel("left", metric_name(self.key))
        self.set_title(metric_name(self.key))

    def _chosen(self, index: int) -> None:
        key = self.selector.itemData(index)
        if key and key != self.key:
            self.key = key
            self._label_axis()
            if self._data is not None:
                self.refresh(self._data, force=True)

    def draw(self, data: RunData) -> None:
        self._data = data
        keys = data.metric_keys()
        if self.selector.count() != len(keys) and keys:
            self.selector.blockSignals(True)
            self.selector.clear()
            for key in keys:
                self.selector.addItem(metric_name(key), key)
            if self.key not in keys:
                self.selector.addItem(metric_name(self.key), self.key)
            self.selector.setCurrentIndex(self.selector.findData(self.key))
            self.selector.blockSignals(False)
        set_series(self.curves["train"], data.epoch_series(self.key))
        set_series(self.curves["validation"], data.epoch_series(f"val_{self.key}"))
        self.show_latest("train", "train")
        self.show_latest("validation", "validation")
        self.anchor.fit(self.curves.values())
        self.legend.schedule()


class LearningRatePanel(CurvePanel):
    """The learning rate actually used (from each batch event), so schedules and warm restarts are visible."""

    topics = ("batch", "epoch", "info")
    min_interval = 0.5

    def __init__(self, parent=None):
        super().__init__("learningRatePlot", "Learning rate", "learning rate", parent)
        self.curves["lr"] = long_curve(self.plot, "learning rate", solid_pen("#555555", 1.5))
        self.legend.hide()
        self.log_toggle = self.toggle("Log", "Logarithmic learning-rate axis", "learningRateLogToggle")
        self.log_toggle.toggled.connect(self._log_changed)
        self._top = 0.0

    def _log_changed(self, on: bool) -> None:
        self.plot.setLogMode(y=on)
        self._top = 0.0
        if on:
            self.plot.enableAutoRange(y=True)
        self._fit()
        self.anchor.fit(self.curves.values())

    def _fit(self) -> None:
        """Linear axis from 0: a constant rate is a flat line at its value, not a line in an arbitrary band."""
        item = self.curves["lr"]
        if self.log_toggle.isChecked() or item.yData is None or not len(item.yData):
            return
        top = float(np.nanmax(item.yData)) if np.isfinite(item.yData).any() else 0.0
        if top > 0 and top != self._top:
            self._top = top
            self.plot.setYRange(0, top * 1.15, padding=0)

    def draw(self, data: RunData) -> None:
        series = data.batch_lr if len(data.batch_lr) else data.epoch_series("lr")
        set_series(self.curves["lr"], series)
        item = self.curves["lr"]
        if item.yData is not None and len(item.yData):
            self.set_title("Learning rate", format_value(float(item.yData[-1])))
        self._fit()
        self.anchor.fit(self.curves.values())
