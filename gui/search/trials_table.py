"""The trials table: one row per trial of the running (or last) search, live: its number, state (running, complete,
pruned, failed), value, duration, the worker that ran it and its parameters. Click a header to sort; selecting
trials reports their runs (`runsSelected`), which the Runs view compares.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from .param_dialog import choice_text

FIXED = ("#", "State", "Value", "Time", "Worker")
STATE_COLORS = {"running": "#0877bd", "complete": "#1f2328", "pruned": "#8a8f98", "failed": "#c62828"}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class TrialRow:
    number: int
    state: str = "running"
    params: dict = field(default_factory=dict)
    value: float | None = None
    progress: str = ""                  # 'epoch 3: 0.512' while it runs
    started: float = 0.0                # time.monotonic() when it started (running rows count up from it)
    duration: float | None = None
    worker: str = ""
    run: int | None = None
    detail: str = ""


def short_worker(address: str | None) -> str:
    """'tcp://127.0.0.1:40123' -> '127.0.0.1:40123'."""
    return "" if not address else address.split("://", 1)[-1]


class TrialsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None):
        super().__init__(parent)
        self.rows: list[TrialRow] = []
        self.paths: list[str] = []
        self.metric = "value"
        self.best: int | None = None
        self._index: dict[int, int] = {}

    def clear(self, paths: list[str], metric: str = "value") -> None:
        """No rows; columns for these parameters."""
        self.beginResetModel()
        self.rows, self.paths, self.metric, self.best, self._index = [], list(paths), metric, None, {}
        self.endResetModel()

    def set_metric(self, metric: str) -> None:
        self.metric = metric
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 2, 2)

    def row(self, number: int) -> TrialRow:
        """The row of trial `number` (made when first heard of)."""
        at = self._index.get(number)
        if at is None:
            at = len(self.rows)
            self.beginInsertRows(QModelIndex(), at, at)
            self.rows.append(TrialRow(number, started=time.monotonic()))
            self._index[number] = at
            self.endInsertRows()
        return self.rows[at]

    def started(self, number: int, params: dict, worker: str | None) -> None:
        row = self.row(number)
        row.params, row.worker = dict(params), short_worker(worker)
        self._changed(number)

    def progress(self, number: int, epoch: int, value: float | None) -> None:
        row = self.row(number)
        if row.state == "running" and value is not None:
            row.progress = f"epoch {epoch + 1}: {value:.4g}"
            self._changed(number)

    def finished(self, trial: Any, best: Any) -> None:
        row = self.row(trial.number)
        row.state, row.value, row.params, row.run = trial.state, trial.value, dict(trial.params), trial.run
        row.duration, row.detail, row.progress = trial.duration, trial.detail, ""
        row.worker = short_worker(trial.worker) or row.worker
        self._changed(trial.number)
        self.set_best(None if best is None else best.number)

    def set_best(self, number: int | None) -> None:
        if number != self.best:
            old, self.best = self.best, number
            for n in (old, number):
                if n is not None and n in self._index:
                    self._changed(n)

    def tick(self) -> None:
        """Running rows' times count up."""
        running = [i for i, r in enumerate(self.rows) if r.state == "running"]
        if running:
            self.dataChanged.emit(self.index(min(running), 3), self.index(max(running), 3))

    def _changed(self, number: int) -> None:
        at = self._index[number]
        self.dataChanged.emit(self.index(at, 0), self.index(at, self.columnCount() - 1))

    # --- the model interface ------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(FIXED) + len(self.paths)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == 2:
                return self.metric
            return FIXED[section] if section < len(FIXED) else self.paths[section - len(FIXED)]
        if role == Qt.ItemDataRole.ToolTipRole and section >= len(FIXED):
            return self.paths[section - len(FIXED)]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == SORT_ROLE:
            return self._key(row, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 2 and row.state == "running":
                return QColor("#8a8f98")
            return QColor(STATE_COLORS.get(row.state, "#1f2328")) if col <= 1 or row.state != "complete" else None
        if role == Qt.ItemDataRole.FontRole and row.number == self.best:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"trial {row.number}: {row.state}" + (f" ({row.detail})" if row.detail else "")
            return tip + (f"; run {row.run}" if row.run is not None else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: TrialRow, col: int) -> str:
        if col == 0:
            return str(row.number)
        if col == 1:
            return row.state + (" ★" if row.number == self.best else "")
        if col == 2:
            return f"{row.value:.5g}" if row.value is not None else row.progress
        if col == 3:
            seconds = row.duration if row.state != "running" else time.monotonic() - row.started
            return "" if seconds is None else f"{seconds:.1f} s"
        if col == 4:
            return row.worker
        value = row.params.get(self.paths[col - len(FIXED)])
        if value is None and self.paths[col - len(FIXED)] not in row.params:
            return ""
        return f"{value:.4g}" if isinstance(value, float) else choice_text(value)

    def _key(self, row: TrialRow, col: int) -> Any:
        """Numbers sort as numbers; trials without a value sort after those with one."""
        if col == 0:
            return row.number
        if col == 2:
            return row.value if row.value is not None else float("inf")
        if col == 3:
            return row.duration if row.duration is not None else float("inf")
        if col >= len(FIXED):
            value = row.params.get(self.paths[col - len(FIXED)])
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else choice_text(value)
        return self._text(row, col)


class TrialsTable(QTableView):
    """objectName `trialsTable`. `runsSelected(list[int])`: the runs of the selected trials (those that have one)."""

    runsSelected = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trialsTable")
        self.trials = TrialsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.trials)
        self.proxy.setSortRole(SORT_ROLE)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(22)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultSectionSize(90)
        self.selection = self.selectionModel()        # kept: a temporary wrapper of it crashes PySide6 on connect
        self.selection.selectionChanged.connect(self._selection_changed)

    def _selection_changed(self, *_args) -> None:
        self.runsSelected.emit(self.selected_runs())

    def start(self, paths: list[str], metric: str = "value") -> None:
        """A new search: no rows, a column per parameter. (Not `reset`: QAbstractItemView calls its own.)"""
        self.trials.clear(paths, metric)
        widths = [44, 86, 96, 64, 130]
        for col, width in enumerate(widths):
            self.setColumnWidth(col, width)
        for col in range(len(FIXED), len(FIXED) + len(paths)):
            self.setColumnWidth(col, max(110, 7 * len(paths[col - len(FIXED)])))

    def selected_numbers(self) -> list[int]:
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.selection.selectedRows()})
        return [self.trials.rows[r].number for r in rows]

    def selected_runs(self) -> list[int]:
        chosen = set(self.selected_numbers())
        return [r.run for r in self.trials.rows if r.number in chosen and r.run is not None]

    def select_numbers(self, numbers: list[int]) -> None:
        """Select these trials as a user would (tests, scripts)."""
        self.clearSelection()
        mode = self.selectionMode()
        self.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for number in numbers:
            at = self.trials._index.get(number)
            if at is not None:
                self.selectRow(self.proxy.mapFromSource(self.trials.index(at, 0)).row())
        self.setSelectionMode(mode)

    def visible_text(self, number: int, column: int) -> str:
        at = self.trials._index[number]
        return self.trials.data(self.trials.index(at, column)) or ""

