"""Train > Cross-validate: k-fold cross-validation of the open project on a worker thread, with its progress, a
table of the folds with mean ± std of every metric, and the K curves overlaid with their mean.

The work is `core.cross_validation.CrossValidation` (the same as `layerlab cv`), run on a QThread of its own:
planning the folds (which loads the data) and training them never touch the GUI thread. Like every worker thread,
it holds the application's gc guard while it runs (gui/runtime/gc_guard.py: no cycle collection on a worker
thread). Each fold is recorded as a run of one cross-validation entry in the run store; the dialog's
`finished_run` tells the Runs view to list them.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.errors import LayerLabError
from core.events import Diverged, EpochEnd, Failed, Finished
from core.runs import main_metric
from gui.dashboard.style import add_legend, style_plot
from gui.runtime.gc_guard import GcGuard

from .compare import run_color

PROGRESS_INTERVAL = 0.1       # seconds between progress signals from the worker


class CrossValidationWorker(QObject):
    planned = Signal(int, int, int, str)       # folds, rows cross-validated, test rows held out, settings text
    progress = Signal(int, int, int)           # fold, epochs done, epochs in all
    foldEnded = Signal(int, str)               # fold, how it ended
    done = Signal(object)                      # CrossValidationResult
    failed = Signal(str)                       # one line: bad settings, data that cannot be loaded, ...
    warning = Signal(str)                      # the run store could not record

    def __init__(self, project, folds: int | None, store: str):
        super().__init__()
        self.project, self.folds, self.store = project, folds, store
        self.cv = None
        self._stopped = False
        self._sent = 0.0

    def stop(self) -> None:
        """From the GUI thread: stop the fold in progress and train no further folds."""
        self._stopped = True
        if self.cv is not None:
            self.cv.stop()

    @Slot()
    def run(self) -> None:
        from core.cross_validation import CrossValidation

        try:
            self.cv = CrossValidation(self.project, folds=self.folds, runs=self.store, on_warning=self.warning.emit)
            if self._stopped:
                self.cv.stop()
            plan, settings = self.cv.plan, self.cv.settings
            self.planned.emit(len(plan), len(plan.rows), plan.test_rows,
                              f"{'stratified, ' if settings.stratified else ''}"
                              f"{'shuffled with seed ' + str(settings.seed) if settings.shuffle else 'in order'}")
            result = self.cv.run(self._listen)
        except LayerLabError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:           # a bug: say so, keep the app alive
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)
        app = QCoreApplication.instance()
        if app is not None:             # back to the GUI thread, which drops it once the thread has finished
            self.moveToThread(app.thread())
        QThread.currentThread().quit()

    def _listen(self, fold: int, event: Any) -> None:
        if isinstance(event, EpochEnd):
            now = time.monotonic()
            if now - self._sent >= PROGRESS_INTERVAL:
                self._sent = now
                self.progress.emit(fold, event.epoch + 1, self.project.training.epochs)
        elif isinstance(event, (Finished, Diverged, Failed)):
            self.foldEnded.emit(fold, event.message if isinstance(event, (Diverged, Failed)) else event.outcome)


class CrossValidationDialog(QtWidgets.QDialog):
    """objectName "crossValidationDialog": `crossValidationFolds` (K), `crossValidationStartButton`,
    `crossValidationCancelButton`, `crossValidationProgress`, `crossValidationTable` (a row per fold, then mean and
    std) and `crossValidationPlot` (each fold's validation curve, thin, and their mean, thick). `.result` is the
    CrossValidationResult once done."""

    finished_run = Signal(object)              # CrossValidationResult (the Runs view lists its folds)
    warning = Signal(str)

    def __init__(self, project, store_path: str, parent: QtWidgets.QWidget | None = None,
                 gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.setObjectName("crossValidationDialog")
        self.setWindowTitle(f"Cross-validate {project.name}")
        self.project, self.store_path = project, store_path
        self.result = None
        self.error: str | None = None
        self._thread: QThread | None = None
        self._worker: CrossValidationWorker | None = None
        self._build(project)
        self.resize(900, 620)

    def _build(self, project) -> None:
        self.folds = QtWidgets.QSpinBox()
        self.folds.setObjectName("crossValidationFolds")
        self.folds.setRange(2, 100)
        settings = project.training.cross_validation
        self.folds.setValue(settings.folds if settings is not None else 5)
        self.folds.setToolTip("k: the training and validation rows are split into this many folds; each fold "
                              "validates once (training.cross_validation.folds)")
        self.start_button = QtWidgets.QPushButton("Start")
        self.start_button.setObjectName("crossValidationStartButton")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setObjectName("crossValidationCancelButton")
        self.cancel_button.setEnabled(False)
        self.status = QtWidgets.QLabel("The test rows stay held out; each fold is recorded as a run.")
        self.status.setObjectName("crossValidationStatus")
        self.status.setWordWrap(True)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("crossValidationProgress")
        self.table = QtWidgets.QTableWidget()
        self.table.setObjectName("crossValidationTable")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setObjectName("crossValidationPlot")
        self.plot = self.plot_widget.getPlotItem()
        style_plot(self.plot, "epoch", "val_loss")
        self.curves: dict[str, pg.PlotDataItem] = {}      # "fold 1", ..., "mean"
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Folds"))
        top.addWidget(self.folds)
        top.addWidget(self.start_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress, 1)
        split = self.splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.plot_widget)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        if self.running:
            return False
        self.result, self.error = None, None
        self.table.clear()
        self.table.setRowCount(0)
        self.plot.clear()
        self.curves.clear()
        worker = CrossValidationWorker(self.project, self.folds.value(), self.store_path)
        thread = QThread(self)
        thread.setObjectName("crossValidationThread")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.planned.connect(self._planned)
        worker.progress.connect(self._progress)
        worker.foldEnded.connect(self._fold_ended)
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        worker.warning.connect(self.warning)
        thread.finished.connect(self._thread_finished)
        self._worker, self._thread = worker, thread
        self.start_button.setEnabled(False)
        self.folds.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Loading the data and planning the folds…")
        self.progress.setRange(0, 0)
        self.gc_guard.hold()
        thread.start()
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self.status.setText("Stopping after the fold in progress is recorded…")

    def wait(self, msecs: int = 10_000) -> bool:
        """Stop and wait for the worker thread (closing the window)."""
        if self._thread is None:
            return True
        self.cancel()
        ok = self._thread.wait(msecs)
        QtCore.QCoreApplication.sendPostedEvents(self)
        return ok

    # --- from the worker -------------------------------------------------------------------------------------------
    def _planned(self, k: int, rows: int, test_rows: int, how: str) -> None:
        self._k, self._epochs = k, self.project.training.epochs
        self.progress.setRange(0, k * self._epochs)
        self.progress.setValue(0)
        self.status.setText(f"{k} folds of {rows} training and validation rows ({how}); {test_rows} test rows "
                            "held out.")

    def _progress(self, fold: int, epoch: int, epochs: int) -> None:
        self.progress.setValue(fold * epochs + epoch)
        self.progress.setFormat(f"fold {fold + 1}/{self._k}: epoch {epoch}/{epochs}")

    def _fold_ended(self, fold: int, how: str) -> None:
        self.progress.setValue((fold + 1) * self._epochs)
        self.progress.setFormat(f"fold {fold + 1}/{self._k}: {how}")

    def _done(self, result) -> None:
        self.result = result
        self._show_result(result)
        stopped = " (stopped: the mean is over the folds that finished)" if result.status == "stopped" else ""
        group = f"; recorded as cross-validation #{result.group_id}" if result.group_id is not None else ""
        metric = main_metric(result.mean)
        key = f"val_{metric}" if metric and f"val_{metric}" in result.mean else "val_loss"
        score = f" {key} {result.mean[key]:.4g} ± {result.std[key]:.2g}." if key in result.mean else ""
        self.status.setText(f"{len(result.folds)} folds {result.status}{stopped}{group}.{score}")
        self.finished_run.emit(result)

    def _failed(self, message: str) -> None:
        self.error = message
        self.status.setText(message)
        QtWidgets.QMessageBox.critical(self, "Cannot cross-validate", message)

    def _thread_finished(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
            self.gc_guard.release()
        self._thread = self._worker = None
        self.progress.setRange(0, max(1, self.progress.maximum()))
        self.start_button.setEnabled(True)
        self.folds.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _show_result(self, result) -> None:
        metrics = [k for k in result.mean if k.startswith("val_")] or list(result.mean)
        headers = ["Fold", "Train rows", "Val rows", "Status", *metrics]
        rows = [[str(f.fold + 1), str(f.train_rows), str(f.val_rows), f.status,
                 *(_number(f.metrics.get(k)) for k in metrics)] for f in result.folds]
        rows.append(["mean", "", "", "", *(_number(result.mean[k]) for k in metrics)])
        rows.append(["± std", "", "", "", *(_number(result.std[k]) for k in metrics)])
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if c >= 1 and c != 3:
                    item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        rows_height = self.table.horizontalHeader().height() + 22 * len(rows) + 2 * self.table.frameWidth() + 18
        total = sum(self.splitter.sizes())
        self.splitter.setSizes([min(rows_height, total // 2), max(total - rows_height, total // 2)])
        self._plot(result)

    def _plot(self, result) -> None:
        """Each fold's validation loss (or loss) thin, their epoch-wise mean thick and black."""
        key = "val_loss" if any("val_loss" in f.history for f in result.folds) else "loss"
        metric = main_metric(k for f in result.folds for k in f.history)
        self.plot.setLabel("left", key)
        self.plot.setTitle(f"{key} of each fold and their mean" + (f" (mean val {metric} "
                           f"{result.mean.get('val_' + metric, float('nan')):.3g})" if metric else ""))
        legend = add_legend(self.plot)
        k = len(result.folds)
        series = []
        for i, fold in enumerate(result.folds):
            values = fold.history.get(key, [])
            if values:
                item = self.plot.plot(np.arange(1, len(values) + 1), values,
                                      pen=pg.mkPen(run_color(i, k), width=1.3))
                self.curves[f"fold {fold.fold + 1}"] = item
                legend.addItem(item, f"fold {fold.fold + 1}")
                series.append(np.asarray(values, dtype=float))
        if series:
            longest = max(len(s) for s in series)
            table = np.full((len(series), longest), np.nan)
            for row, s in enumerate(series):
                table[row, :len(s)] = s
            mean = np.nanmean(table, axis=0)
            item = self.plot.plot(np.arange(1, longest + 1), mean, pen=pg.mkPen("#000000", width=3))
            self.curves["mean"] = item
            legend.addItem(item, "mean")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.wait()
        super().closeEvent(event)


def _number(value) -> str:
    return "" if value is None else f"{value:.4g}"
