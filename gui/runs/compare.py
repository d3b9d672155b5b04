"""Runs side by side: their loss and metric curves overlaid (`runsComparePlot`) and the settings that differ
(`runsDiffView`).

One colour per run (tab10, as the command line's `runs compare --plot`), the legend names the runs; training is
solid and validation dashed. The log toggle applies to the loss plot (losses span decades; scores do not).
"""
from __future__ import annotations

import html
import math
import json
from typing import Any, Sequence

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from core.runs import Run, main_metric
from gui.dashboard.style import style_plot
from gui.palette import TAB10

DASHED = QtCore.Qt.PenStyle.DashLine


def run_color(i: int, n: int) -> str:
    """Distinct colours: tab10 (the palette's) for up to ten runs, then evenly spaced hues. A run's colour means
    only "this run" within one comparison, so it is not a class or layer colour."""
    if n <= len(TAB10):
        return TAB10[i]
    color = pg.intColor(i, hues=n, values=1, maxValue=220)
    return color.name()


class RunsComparePlot(QtWidgets.QWidget):
    """objectName "runsComparePlot". `.curves[(run_id, key)]` is the PlotDataItem of `key` ("loss", "val_loss",
    "accuracy", ...) for that run; `.runs` the runs shown."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsComparePlot")
        self.runs: list[Run] = []
        self.curves: dict[tuple[int, str], pg.PlotDataItem] = {}
        self.log_toggle = QtWidgets.QCheckBox("Log loss")
        self.log_toggle.setObjectName("runsCompareLogToggle")
        self.log_toggle.setToolTip("Logarithmic loss axis")
        self.metric_selector = QtWidgets.QComboBox()
        self.metric_selector.setObjectName("runsCompareMetric")
        self.metric_selector.setToolTip("The metric plotted on the right")
        self.metric_selector.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.title = QtWidgets.QLabel("Select two or more runs and press Compare")
        self.title.setObjectName("runsCompareTitle")
        self.title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.loss_plot = self.graphics.addPlot(row=0, col=0)
        self.metric_plot = self.graphics.addPlot(row=0, col=1)
        style_plot(self.loss_plot, "epoch", "loss")
        style_plot(self.metric_plot, "epoch", "metric")
        self.metric_plot.setXLink(self.loss_plot)
        self.legend = QtWidgets.QLabel()        # beside the plots, never over a curve
        self.legend.setObjectName("runsCompareLegend")
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.legend.setStyleSheet("background: white; padding: 6px;")
        self.legend_entries: list[tuple[str, str]] = []     # (run name, colour), in the plots' order
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.title, 1)
        bar.addWidget(QtWidgets.QLabel("Metric"))
        bar.addWidget(self.metric_selector)
        bar.addWidget(self.log_toggle)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        plots = QtWidgets.QHBoxLayout()
        plots.setSpacing(0)
        plots.addWidget(self.graphics, 1)
        plots.addWidget(self.legend)
        layout.addLayout(plots, 1)
        self.log_toggle.toggled.connect(lambda on: self.loss_plot.setLogMode(y=on))
        self.metric_selector.currentTextChanged.connect(lambda _t: self._draw())

    @property
    def metric(self) -> str | None:
        return self.metric_selector.currentText() or None

    def show_runs(self, runs: Sequence[Run]) -> None:
        """Overlay these runs' curves (their full history, as `RunStore.get_run` reads it)."""
        self.runs = list(runs)
        keys = [k for r in self.runs for k in r.history if k != "lr" and not k.startswith("layers.")]
        metrics = list(dict.fromkeys(k[4:] if k.startswith("val_") else k for k in keys))
        metrics = [m for m in metrics if m != "loss"]
        chosen = self.metric if self.metric in metrics else main_metric(metrics)
        with QtCore.QSignalBlocker(self.metric_selector):
            self.metric_selector.clear()
            self.metric_selector.addItems(metrics)
            if chosen is not None:
                self.metric_selector.setCurrentText(chosen)
        names = ", ".join(r.name for r in self.runs[:4]) + (f" and {len(self.runs) - 4} more" if len(self.runs) > 4
                                                           else "")
        self.title.setText(f"{len(self.runs)} runs: {names}" if self.runs else "Select two or more runs and press "
                           "Compare")
        self._draw()

    def _draw(self) -> None:
        for plot in (self.loss_plot, self.metric_plot):
            plot.clear()
        self.curves.clear()
        self.legend_entries = []
        metric = self.metric
        self.metric_plot.setLabel("left", metric or "metric")
        n = len(self.runs)
        for i, run in enumerate(self.runs):
            color = run_color(i, n)
            for plot, key in ((self.loss_plot, "loss"), (self.metric_plot, metric)):
                if key is None:
                    continue
                for name, style in ((key, QtCore.Qt.PenStyle.SolidLine), (f"val_{key}", DASHED)):
                    values = run.history.get(name)
                    if not values:
                        continue
                    epochs = run.history_epochs.get(name) or range(len(values))
                    known = [(e + 1, v) for e, v in zip(epochs, values) if math.isfinite(v)]  # nan: not computed
                    item = plot.plot([e for e, _ in known], [v for _, v in known],
                                     pen=pg.mkPen(color, width=2, style=style))
                    self.curves[(run.id, name)] = item
            self.legend_entries.append((run.name, color))
        self._legend()

    def _legend(self) -> None:
        """Run names in their colours, then what solid and dashed mean."""
        if not self.legend_entries:
            self.legend.setText("")
            self.legend.setVisible(False)
            return
        rows = [f"<tr><td style='color:{color}; font-weight:bold'>━━</td><td>&nbsp;{html.escape(name)}</td></tr>"
                for name, color in self.legend_entries]
        rows.append("<tr><td style='color:#555555'>━━</td><td>&nbsp;training</td></tr>")
        rows.append("<tr><td style='color:#555555'>╌╌</td><td>&nbsp;validation</td></tr>")
        self.legend.setText("<table cellspacing=2>" + "".join(rows) + "</table>")
        self.legend.setVisible(True)


class RunsDiffView(QtWidgets.QTableWidget):
    """objectName "runsDiffView": one row per setting that differs between the compared runs, one column per run.
    `.paths` lists the rows' setting paths."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runsDiffView")
        self.paths: list[str] = []
        self._widths: list[int] = []
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.horizontalHeader().setDefaultAlignment(QtCore.Qt.AlignmentFlag.AlignLeft |
                                                    QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.setToolTip("The settings that differ between the compared runs")

    def show_differences(self, runs: Sequence[Run], diff: dict[str, list[Any]]) -> None:
        self.clear()
        self.paths = list(diff)
        rows = self.paths or ["(no setting differs)"]
        self.setRowCount(len(rows))
        self.setColumnCount(len(runs))
        for column, run in enumerate(runs):        # a run's colour as in the plot; the name in full as a tip
            header = QtWidgets.QTableWidgetItem(run.name)
            header.setForeground(QtGui.QColor(run_color(column, len(runs))))
            header.setToolTip(run.name)
            self.setHorizontalHeaderItem(column, header)
        self.setVerticalHeaderLabels(rows)
        for row, path in enumerate(self.paths):
            for column, value in enumerate(diff[path]):
                text = "–" if value is None else value if isinstance(value, str) else json.dumps(value)
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(f"{path} = {text}")
                self.setItem(row, column, item)
        self.resizeColumnsToContents()
        self._widths = []
        for column in range(len(runs)):            # as wide as the values: long run names are elided, not scrolled
            values = self.sizeHintForColumn(column) if self.paths else 0
            self._widths.append(min(self.columnWidth(column), max(values + 12, 56)))
            self.setColumnWidth(column, self._widths[-1])

    def needed_width(self) -> int:
        """The width that shows every column."""
        return (self.verticalHeader().sizeHint().width() + sum(self._widths)
                + 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width())
