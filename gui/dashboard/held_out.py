"""The Test tab: the network on the held-out test rows, after a run ends or on demand (Evaluate on test rows).

Labelled test everywhere, because it is not the validation split the other views show: test rows are never used
for early stopping or for choosing the best weights (core/holdout.py), so these numbers are the honest estimate of
how the network does on data it has not seen. Classification shows the test confusion matrix, regression the test
predictions against their targets; the title carries the test metrics and loss.
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from .evaluation import ConfusionMatrixPanel, PredictedVsTruePanel
from .plot_panel import PlotPanel, message_item
from .run_info import RunInfo
from .store import RunData
from .style import format_value

NOTE = "test rows: held out from training, early stopping and model selection"
EMPTY = ('<div style="color:#777777; font-size:9pt; text-align:center">No test evaluation yet: it runs when training '
         'ends,<br>or now with Train &gt; Evaluate on test rows (Ctrl+T).</div>')
NO_TEST_ROWS = "This data set holds no test rows: give the test split a share in the data panel."
METRICS = (("accuracy", "accuracy"), ("f1", "F1"), ("auc", "AUC"), ("r2", "R²"), ("mae", "MAE"), ("loss", "loss"))


def _rows(views) -> int | None:
    """How many test rows the evaluation covers (None when it says nothing about them)."""
    if views.confusion is not None and views.confusion.ndim == 2:
        return int(views.confusion.sum())
    return len(views.true_values) if views.true_values is not None else None


def held_out_summary(views) -> str:
    """"epoch 100 · 30 rows · accuracy 0.9667 · F1 0.9667 · AUC 1 · loss 0.0812"."""
    rows = _rows(views)
    parts = [f"epoch {views.epoch}"] + ([f"{rows} rows"] if rows is not None else [])
    parts += [f"{name} {format_value(views.metrics[key])}" for key, name in METRICS if key in views.metrics]
    return " · ".join(parts)


def held_out_headline(views) -> str:
    """The status bar's short form: "test accuracy 0.9667 on 30 rows" (R² for regression)."""
    key, name = ("r2", "R²") if "r2" in views.metrics else ("accuracy", "accuracy")
    rows = _rows(views) or 0
    value = format_value(views.metrics[key]) if key in views.metrics else "–"
    return f"test {name} {value} on {rows} rows"


class _HeldOutSource:
    """Mixin: read the test rows' snapshot, say so in the title, and say what to do while there is none."""

    topics = ("test", "info")
    object_name = ""

    def __init__(self, parent=None):
        super().__init__(parent, self.object_name)
        self.empty = message_item("")
        self.plot.addItem(self.empty, ignoreBounds=True)

    @staticmethod
    def source(data: RunData):
        return data.test_views

    def draw(self, data: RunData) -> None:
        """The test rows' view titled with their metrics, or EMPTY (and a blank plot) while no evaluation exists."""
        views = data.test_views
        self.empty.setVisible(views is None)
        if views is None:
            self.empty.setHtml(EMPTY)
            self.set_title(self.heading, NOTE)
            self._blank()
        else:
            super().draw(data)
            self.set_title(self.heading, held_out_summary(views))

    def _blank(self) -> None:
        raise NotImplementedError


class HeldOutConfusionPanel(_HeldOutSource, ConfusionMatrixPanel):
    """objectName "testConfusionMatrixView": the confusion matrix of the test rows."""

    heading = "Test confusion matrix"
    object_name = "testConfusionMatrixView"

    def _blank(self) -> None:
        self.empty.setPos(max(len(self.col_names), 1) / 2, max(len(self.row_names), 1) / 2)


class HeldOutPredictedPanel(_HeldOutSource, PredictedVsTruePanel):
    """objectName "testPredictedVsTrueView": regression predictions of the test rows against their targets."""

    heading = "Test predictions vs true"
    object_name = "testPredictedVsTrueView"
    selector_name = "testPredictedTargetSelector"

    def _blank(self) -> None:
        self.points.setData([], [])
        self.identity.setData([], [])
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1))
        self.empty.setPos(0.5, 0.5)


class HeldOutTab(QtWidgets.QWidget):
    """The tab: the view that fits the task, or a line saying the data hold no test rows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("testTab")
        self.confusion = HeldOutConfusionPanel()
        self.predicted = HeldOutPredictedPanel()
        self.predicted.hide()
        self.no_rows = QtWidgets.QLabel(NO_TEST_ROWS)
        self.no_rows.setObjectName("noTestRowsLabel")
        self.no_rows.setProperty("role", "hint")
        self.no_rows.setWordWrap(True)
        self.no_rows.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.no_rows.hide()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.no_rows)
        layout.addWidget(self.confusion, 1)
        layout.addWidget(self.predicted, 1)

    @property
    def panels(self) -> list[PlotPanel]:
        return [self.confusion, self.predicted]

    def add_action(self, action) -> None:
        """A button for `action` (Evaluate on test rows) in each view's toolbar."""
        for panel in self.panels:
            button = QtWidgets.QToolButton()
            button.setDefaultAction(action)
            button.setText("Evaluate now")
            button.setObjectName(f"{panel.objectName()}EvaluateButton")
            panel.add_tool(button)

    def reset(self, info: RunInfo) -> None:
        """After the views' own reset: show the one that fits the task, if there are test rows to show."""
        rows, regression = info.test_rows, info.task == "regression"
        self.no_rows.setVisible(rows == 0)
        self.confusion.applicable = self.confusion.applicable and rows > 0
        self.predicted.applicable = self.predicted.applicable and rows > 0
        self.confusion.setVisible(not regression and rows > 0)
        self.predicted.setVisible(regression and rows > 0)
