"""The loaded data as numbers: its rows (features, target and split, formatted on demand) and core's per-column
statistics."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from core.data import DataSummary, PreparedData

from .style import BLUE, fmt, pretty_name


def is_predefined(prepared: PreparedData, split) -> bool:
    """A split the file defined itself (its rows index that split's own arrays, not the dataset)."""
    name = "val" if split is prepared.val else "test"
    return name in prepared.dataset.predefined_splits


class RowsModel(QAbstractTableModel):
    """The raw rows (features, target, split) without copying them into Qt: cells are formatted on demand."""

    SPLITS = ("train", "val", "test")

    def __init__(self) -> None:
        super().__init__()
        self._prepared: PreparedData | None = None
        self._headers: list[str] = []
        self._split = np.zeros(0, dtype=np.int8)

    def set_prepared(self, prepared: PreparedData) -> None:
        self.beginResetModel()
        dataset = prepared.dataset
        self._prepared = prepared
        self._headers = list(dataset.feature_names) + list(dataset.target_names) + ["split"]
        self._split = np.zeros(dataset.n_samples, dtype=np.int8)
        for code, split in ((1, prepared.val), (2, prepared.test)):
            if split is not None and not is_predefined(prepared, split):
                self._split[split.rows] = code
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._prepared is None else self._prepared.dataset.n_samples

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if section < len(self._headers) else None
        return str(section)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if self._prepared is None or not index.isValid():
            return None
        dataset = self._prepared.dataset
        r, c = index.row(), index.column()
        d = dataset.input_width
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if c < d else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if c < d:
            return fmt(float(dataset.X[r, c]))
        if c == len(self._headers) - 1:
            return self.SPLITS[self._split[r]]
        if dataset.task in ("binary", "multiclass"):
            return pretty_name(dataset.class_names[int(dataset.y[r])])
        return fmt(float(dataset.y[r, c - d]))


class StatsTable(QTableWidget):
    """core.data.summarize's per-column statistics: min, max, mean, std and missing cells."""

    HEADERS = ("column", "min", "max", "mean", "std", "missing")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)

    def show_summary(self, summary: DataSummary) -> None:
        stats = [(s, False) for s in summary.columns] + [(s, True) for s in summary.targets]
        self.setRowCount(len(stats))
        for i, (s, target) in enumerate(stats):
            cells = [s.name + ("  (target)" if target else ""), fmt(s.min), fmt(s.max), fmt(s.mean), fmt(s.std),
                     str(s.missing)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if target:
                    item.setForeground(QColor(BLUE))
                if j == 5 and s.missing:
                    item.setForeground(QColor("#d62728"))
                self.setItem(i, j, item)
