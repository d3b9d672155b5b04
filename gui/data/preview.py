"""What a loaded dataset looks like: a scatter for 2-D (and 1-D regression) data, image tiles for image data, and
tables of rows and per-column statistics for everything (gui/data/tables.py).

Everything shown comes from core's `PreparedData` and `core.data.summarize`; this module only draws. Plot items
are created once and refilled with `setData` when new data arrives.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.data import DataSummary, PreparedData

from .style import BLUE, ORANGE, class_colors, fmt, pretty_name
from .tables import RowsModel, StatsTable, is_predefined

AXIS = "#444444"
HELD_OUT = "#3a3a3a"
HELD_OUT_PEN = (40, 40, 40, 150)
MAX_POINTS = 20_000        # more points than this are drawn as evenly spaced rows (and the legend says so)
MAX_TILES = 24
LUT_SIZE = 64
VALUE_MAP = pg.ColorMap([0.0, 0.5, 1.0], [ORANGE, "#e8eaeb", BLUE])   # the playground's regression colours


def _style_axes(plot: pg.PlotItem) -> None:
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(AXIS))
        axis.setTextPen(pg.mkPen(AXIS))
        axis.enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=0.12)
    plot.hideButtons()


class ScatterView(QWidget):
    """Raw x1/x2 coloured by class (or by target value), held-out rows ringed; 1-D regression as x against y."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setObjectName("dataScatter")
        self.canvas.setBackground("w")
        self.canvas.setMinimumHeight(170)
        # built without a context menu rather than making one and dropping it (setMenuEnabled(False)): less to build,
        # and one QMenu fewer for Python to delete (a drop was on the stack of a PySide crash: README, "Development")
        self.plot = self.canvas.addPlot(row=0, col=0, enableMenu=False)
        _style_axes(self.plot)
        self.held_out = pg.ScatterPlotItem(size=9, pen=pg.mkPen(HELD_OUT_PEN, width=1), brush=None)
        self.held_out.setZValue(-1)
        self.plot.addItem(self.held_out)
        self.class_items: list[pg.ScatterPlotItem] = []     # grown on demand, never shrunk; unused ones emptied
        self.value_item = pg.ScatterPlotItem(size=6, pen=None)
        self.plot.addItem(self.value_item)
        self._brushes = np.array([pg.mkBrush(c) for c in VALUE_MAP.getLookupTable(nPts=LUT_SIZE, mode="qcolor")],
                                 dtype=object)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=VALUE_MAP, width=12, interactive=False,
                                        colorMapMenu=False)
        self.colorbar.axis.setPen(pg.mkPen(AXIS))
        self.colorbar.axis.setTextPen(pg.mkPen(AXIS))
        self.colorbar.axis.enableAutoSIPrefix(False)
        self._bar_shown = False
        self.output_combo = QComboBox()
        self.output_combo.setObjectName("previewOutputCombo")
        self.output_combo.currentIndexChanged.connect(self._draw_values)
        self.legend = QLabel()
        self.legend.setObjectName("previewLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(QLabel("Colour by"))
        top.addWidget(self.output_combo, 1)
        self._top = QWidget()
        self._top.setLayout(top)
        top.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self._top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)
        self._data: tuple[np.ndarray, np.ndarray] | None = None
        self._shown_rows = np.zeros(0, dtype=np.int64)

    @staticmethod
    def supports(prepared: PreparedData) -> bool:
        d = prepared.dataset.input_width
        return d == 2 or (d == 1 and prepared.task == "regression")

    def _class_item(self, k: int) -> pg.ScatterPlotItem:
        while len(self.class_items) <= k:
            item = pg.ScatterPlotItem(size=6, pen=None)
            self.plot.addItem(item)
            self.class_items.append(item)
        return self.class_items[k]

    def _show_bar(self, show: bool) -> None:
        if show != self._bar_shown:
            layout = self.canvas.ci.layout
            if show:
                self.canvas.ci.addItem(self.colorbar, row=0, col=1)
            else:
                self.canvas.ci.removeItem(self.colorbar)
                self.colorbar.setParentItem(None)
            self._bar_shown = show
            layout.activate()

    def show_data(self, prepared: PreparedData) -> None:
        dataset = prepared.dataset
        n = dataset.n_samples
        rows = np.arange(n) if n <= MAX_POINTS else np.linspace(0, n - 1, MAX_POINTS).astype(np.int64)
        self._shown_rows = rows
        held = [s.rows for s in (prepared.val, prepared.test) if s is not None and not is_predefined(prepared, s)]
        held_rows = np.intersect1d(np.concatenate(held), rows) if held else np.zeros(0, dtype=np.int64)
        X, y = dataset.X, dataset.y
        one_d = dataset.input_width == 1
        self.plot.setAspectLocked(not one_d)
        names = dataset.feature_names
        self.plot.setLabel("bottom", names[0], color=AXIS)
        self.plot.setLabel("left", dataset.target_names[0] if one_d else names[1], color=AXIS)
        classes = dataset.task in ("binary", "multiclass")
        legend: list[str] = []
        for item in self.class_items:
            item.setData(x=[], y=[])
        self.value_item.setData(x=[], y=[])
        if classes:
            colors = class_colors(dataset.n_classes)
            yr = y[rows]
            for k, name in enumerate(dataset.class_names):
                pick = rows[yr == k]
                self._class_item(k).setData(x=X[pick, 0], y=X[pick, 1], brush=pg.mkBrush(colors[k]))
                legend.append(f'<span style="color:{colors[k]}">\u25cf</span>&nbsp;{pretty_name(name)}')
            self._data = None
        else:
            self._data = (X, y)
        self._show_bar(not classes and not one_d)
        self.output_combo.blockSignals(True)
        self.output_combo.clear()
        self.output_combo.addItems([str(t) for t in dataset.target_names])
        self.output_combo.blockSignals(False)
        self._top.setVisible(not classes and len(dataset.target_names) > 1)
        if not classes:
            self._draw_values()
            legend.append("colour: target value" if not one_d else
                          f'<span style="color:{BLUE}">\u25cf</span>&nbsp;{dataset.target_names[0]}')
        hx = X[held_rows, 0]
        hy = y[held_rows, 0] if one_d else X[held_rows, 1]
        self.held_out.setData(x=hx, y=hy)
        if len(held_rows):
            which = " + ".join(w for w, s in (("validation", prepared.val), ("test", prepared.test))
                               if s is not None and not is_predefined(prepared, s))
            legend.append(f'<span style="color:{HELD_OUT}">\u25ef</span>&nbsp;held out ({which})')
        if len(rows) < n:
            legend.append(f"<i>showing {len(rows):,} of {n:,} points (evenly spaced rows)</i>")
        self.legend.setText("&nbsp;&nbsp; ".join(legend))
        self.plot.enableAutoRange()

    def _draw_values(self) -> None:
        if self._data is None:
            return
        X, y = self._data
        rows = self._shown_rows
        k = max(0, self.output_combo.currentIndex())
        values = y[rows, k]
        if X.shape[1] == 1:
            self.value_item.setData(x=X[rows, 0], y=values, brush=pg.mkBrush(BLUE))
            self.plot.setLabel("left", self.output_combo.currentText(), color=AXIS)
            return
        # Symmetric around 0 when the targets change sign, so white means zero as in the playground.
        lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        if lo < 0 < hi:
            lo, hi = -max(-lo, hi), max(-lo, hi)
        span = hi - lo if hi > lo else 1.0
        index = np.clip(((values - lo) / span * (LUT_SIZE - 1)).round().astype(np.int64), 0, LUT_SIZE - 1)
        self.value_item.setData(x=X[rows, 0], y=X[rows, 1], brush=self._brushes[index])
        self.colorbar.setLevels((lo, lo + span))
        self.colorbar.setLabel("right", self.output_combo.currentText())

    def arrays(self) -> dict:
        """What is drawn, per class name (or "values"): (x, y) arrays; for tests and automation."""
        out = {}
        for k, item in enumerate(self.class_items):
            x, y = item.getData()
            if len(x):
                out[k] = (np.asarray(x), np.asarray(y))
        x, y = self.value_item.getData()
        if len(x):
            out["values"] = (np.asarray(x), np.asarray(y))
        return out


class ImageTiles(QWidget):
    """A few examples as grey images with their labels: two per class for classification, else the first rows."""

    COLUMNS = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 6, 0, 0)
        self.grid.setSpacing(4)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tiles: list[tuple[np.ndarray, str]] = []   # (image (h, w), caption) as shown

    def show_data(self, prepared: PreparedData) -> None:
        dataset = prepared.dataset
        h, w = dataset.image_shape
        if dataset.task in ("binary", "multiclass"):
            per = max(1, MAX_TILES // dataset.n_classes) if dataset.n_classes <= MAX_TILES else 1
            picks = [r for k in range(dataset.n_classes) for r in np.flatnonzero(dataset.y == k)[:min(per, 2)]]
            picks = sorted(picks)[:MAX_TILES] if len(picks) > MAX_TILES else picks
            captions = [pretty_name(dataset.class_names[int(dataset.y[r])]) for r in picks]
        else:
            picks = list(range(min(MAX_TILES, dataset.n_samples)))
            captions = [fmt(float(dataset.y[r, 0])) for r in picks]
        images = [dataset.X[r].reshape(h, w) for r in picks]
        top = max((float(im.max()) for im in images), default=1.0) or 1.0
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        scale = max(1, 56 // max(h, w))
        self.tiles = list(zip(images, captions))
        for i, (image, caption) in enumerate(self.tiles):
            ink = np.clip(255.0 - image / top * 255.0, 0, 255).astype(np.uint8)   # dark ink on white
            qimage = QImage(np.ascontiguousarray(ink).data, w, h, w, QImage.Format.Format_Grayscale8).copy()
            tile = QLabel()
            tile.setPixmap(QPixmap.fromImage(qimage).scaled(w * scale, h * scale))
            tile.setStyleSheet("border: 1px solid #d0d0d0;")
            label = QLabel(caption)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setStyleSheet("color: #555; font-size: 11px;")
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(0, 0, 0, 0)
            box.setSpacing(1)
            box.addWidget(tile, 0, Qt.AlignmentFlag.AlignHCenter)
            box.addWidget(label)
            self.grid.addWidget(cell, i // self.COLUMNS, i % self.COLUMNS)


class DataPreview(QTabWidget):
    """Tabs over the loaded data; only the ones that fit the data are shown, the most telling one first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPreview")
        self.setDocumentMode(True)
        self.scatter = ScatterView()
        self.images = ImageTiles()
        self.rows_model = RowsModel()
        self.rows = QTableView()
        self.rows.setObjectName("previewRowsTable")
        self.rows.setModel(self.rows_model)
        self.rows.setAlternatingRowColors(True)
        self.rows.verticalHeader().setDefaultSectionSize(20)
        self.rows.horizontalHeader().setDefaultSectionSize(72)
        self.stats = StatsTable()
        self.stats.setObjectName("previewStatsTable")
        self._pages = {"Plot": self.scatter, "Images": self.images, "Columns": self.stats, "Rows": self.rows}
        # A translucent veil rather than a QGraphicsOpacityEffect, which garbles pyqtgraph's QGraphicsView.
        self.veil = QWidget(self)
        self.veil.setObjectName("previewVeil")
        self.veil.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.veil.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.veil.setStyleSheet("#previewVeil { background: rgba(255, 255, 255, 165); }")
        self.veil.hide()
        self.setMinimumHeight(210)

    def sizeHint(self) -> QSize:  # noqa: N802
        """Modest: in a scrolling side column the preview takes the room that is left, not the room it wants."""
        return QSize(360, 300)

    def hasHeightForWidth(self) -> bool:  # noqa: N802  (else the tab widget reports its page's full height)
        return False

    def show_prepared(self, prepared: PreparedData, summary: DataSummary | None) -> None:
        wanted = ["Columns", "Rows"]
        if prepared.dataset.image_shape is not None:
            wanted.insert(0, "Images")
            self.images.show_data(prepared)
        elif ScatterView.supports(prepared):
            wanted.insert(0, "Plot")
            self.scatter.show_data(prepared)
        self.rows_model.set_prepared(prepared)
        if summary is not None:
            self.stats.show_summary(summary)
        current = self.tabText(self.currentIndex()) if self.count() else None
        self.blockSignals(True)
        while self.count():
            self.removeTab(0)
        for name in wanted:
            self.addTab(self._pages[name], name)
        self.setCurrentIndex(0 if current not in wanted or current in ("Columns", "Rows") else wanted.index(current))
        self.blockSignals(False)

    def show_summary(self, summary: DataSummary) -> None:
        self.stats.show_summary(summary)

    def page_names(self) -> list[str]:
        return [self.tabText(i) for i in range(self.count())]

    def set_dimmed(self, dimmed: bool) -> None:
        """Grey the old preview out while it no longer matches the inputs (an error, or new data loading)."""
        self.veil.setGeometry(self.rect())
        self.veil.setVisible(dimmed)
        self.veil.raise_()

    def is_dimmed(self) -> bool:
        return not self.veil.isHidden()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.veil.setGeometry(self.rect())
