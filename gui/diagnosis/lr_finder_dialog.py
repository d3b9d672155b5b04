"""Train > Find learning rate: the range test's curve (loss against learning rate, log x) with the suggestion
marked, and *Use this rate*, which sets `training.optimizer.lr` as one undoable edit.

The dialog only shows; the advisor runs the test off the GUI thread (core/lr_finder.py on a copy of the network)
and makes the edit when `useRate` is emitted.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.diagnosis.fixes import nice
from core.lr_finder import END_LR, NUM_ITERATIONS, START_LR
from gui.dashboard.style import add_legend, solid_pen, style_plot

SUGGESTED, STEEPEST, CURRENT = "#d62728", "#2ca02c", "#6b7280"
ABOUT = (f"Leslie Smith's range test, as fastai's lr_find: on a copy of the network, the learning rate grows from "
         f"{START_LR:g} to {END_LR:g} over {NUM_ITERATIONS} mini-batches while the loss is recorded (smoothed), "
         "until it diverges. The suggestion is the valley rule's: halfway along the longest fall of the loss. "
         "Your network and optimizer are not touched.")


class LrFinderDialog(QDialog):
    """objectName "lrFinderDialog"; the plot is "lrFinderPlot", the button "useLearningRateButton"."""

    useRate = Signal(float)
    runAgain = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle("Find a learning rate")
        self.resize(720, 520)
        self.result = None
        self.suggestion: float | None = None
        layout = QVBoxLayout(self)
        about = QLabel(ABOUT)
        about.setWordWrap(True)
        about.setProperty("role", "hint")
        layout.addWidget(about)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setObjectName("lrFinderPlot")
        self.plot = style_plot(self.plot_widget.getPlotItem(), "learning rate", "training loss", grid="xy")
        self.plot.setLogMode(x=True, y=False)
        add_legend(self.plot, offset=(-10, 8))
        self.raw_curve = self.plot.plot([], [], pen=pg.mkPen((31, 119, 180, 45), width=1), name="batch loss")
        self.curve = self.plot.plot([], [], pen=solid_pen("#1f77b4", 2.0), name="smoothed loss")
        self.lines: dict[str, pg.InfiniteLine] = {}
        layout.addWidget(self.plot_widget, 1)
        self.result_label = QLabel("")
        self.result_label.setObjectName("lrFinderResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.use_button = QPushButton("Use this rate")
        self.use_button.setObjectName("useLearningRateButton")
        self.use_button.setEnabled(False)
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(lambda: self.suggestion is not None and self.useRate.emit(self.suggestion))
        self.again_button = QPushButton("Run again")
        self.again_button.setObjectName("lrFinderRunAgainButton")
        self.again_button.clicked.connect(self.runAgain.emit)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def show_running(self) -> None:
        self.result = self.suggestion = None
        self.use_button.setEnabled(False)
        self.use_button.setText("Use this rate")
        self.again_button.setEnabled(False)
        self.result_label.setText("Running the range test…")

    def show_result(self, result, current_lr: float) -> None:
        """Draw the curve, mark the valley (suggested), the steepest descent and the project's current rate."""
        self.result = result
        self.suggestion = nice(result.suggestion)
        lrs = np.asarray(result.lrs)
        losses = np.asarray(result.losses, dtype=float)
        raw = np.asarray(result.raw_losses, dtype=float)
        ok = np.isfinite(losses)
        self.curve.setData(lrs[ok], losses[ok])
        ok_raw = np.isfinite(raw)
        self.raw_curve.setData(lrs[ok_raw], raw[ok_raw])
        for line in self.lines.values():
            self.plot.removeItem(line)
        self.lines = {
            "current": self._line(current_lr, CURRENT, f"yours {current_lr:.2g}", 0.15, Qt.PenStyle.DotLine),
            "steepest": self._line(result.steepest, STEEPEST, f"steepest {result.steepest:.2g}", 0.55),
            "suggestion": self._line(result.suggestion, SUGGESTED, f"suggested {self.suggestion:g}", 0.85),
        }
        if ok.any():         # the divergence at the end would squash the useful part of the curve
            low = float(losses[ok].min())
            high = min(float(losses[ok].max()), 4 * low + 1e-12)
            pad = 0.05 * (high - low or 1.0)
            self.plot.setYRange(low - pad, high + pad, padding=0)
        self.plot.setXRange(math.log10(lrs[0]), math.log10(lrs[-1]), padding=0.02)
        end = "stopped when the loss diverged" if result.diverged else f"up to {lrs[-1]:.3g} without diverging"
        self.result_label.setText(
            f'Suggested learning rate: <b style="color:{SUGGESTED}">{self.suggestion:g}</b> (valley) · steepest '
            f'descent at <span style="color:{STEEPEST}">{result.steepest:.2g}</span> · your rate: {current_lr:g}'
            f'<br><span style="color:{CURRENT}">{len(lrs)} mini-batches from {lrs[0]:.0e}, {end}.</span>')
        self.use_button.setText(f"Use this rate ({self.suggestion:g})")
        self.use_button.setEnabled(True)
        self.again_button.setEnabled(True)

    def show_error(self, message: str) -> None:
        self.result_label.setText(f'<span style="color:#c62828">The range test failed: {message}</span>')
        self.again_button.setEnabled(True)

    def set_can_use(self, enabled: bool, why: str = "") -> None:
        """*Use this rate* edits the project: not while a run trains."""
        self.use_button.setEnabled(enabled and self.suggestion is not None)
        self.use_button.setToolTip(why or "Set training.optimizer.lr to the suggestion (undo with Ctrl+Z)")

    def _line(self, lr: float, color: str, text: str, position: float,
              style: Qt.PenStyle = Qt.PenStyle.DashLine) -> pg.InfiniteLine:
        line = pg.InfiniteLine(math.log10(lr), angle=90, movable=False, pen=pg.mkPen(color, width=1.5, style=style),
                               label=text, labelOpts={"position": position, "color": color,
                                                      "fill": (255, 255, 255, 210)})
        self.plot.addItem(line, ignoreBounds=True)
        return line
