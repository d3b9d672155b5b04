"""The Runs table's model: one row per run (name, start, status, duration, epochs, final and best losses and main
metric) and one column per setting that differs between the listed runs, found by diffing their project JSON.

A Qt item model rather than a table of widgets, so 1,000 runs cost what the visible rows cost; cells are formatted
when first shown. Sorting puts missing values last either way, as the store does. Editing a name asks the view to
rename the run (`renameRequested`); the model changes only once the store has.
"""
from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from core.project_paths import differences
from core.runs import RunSummary, main_metric

MAX_SETTING_COLUMNS = 24            # more differing settings than this: the first ones (filter to narrow down)
STATUS_COLORS = {"running": "#0877bd", "paused": "#8c564b", "diverged": "#d62728", "failed": "#d62728",
                 "interrupted": "#b35900", "stopped": "#555555"}
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    key: str                              # "name", "final.val_loss", "setting:training.optimizer.lr", ...
    title: str
    tip: str
    value: Callable[[RunSummary], Any]    # what sorts (None: missing)
    text: Callable[[Any], str]


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def _setting(value: Any) -> str:
    if value is None:
        return "–"
    return value if isinstance(value, str) else json.dumps(value)


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def setting_title(path: str) -> str:
    """`training.optimizer.lr` -> `optimizer.lr`, `model.layers[0].units` -> `layers[0].units`: the section is the
    tooltip's (full path), the header stays short."""
    head, _, rest = path.partition(".")
    return rest if head in ("training", "model", "data") and rest else path


def value_columns(metric: str | None) -> list[Column]:
    """Validation before training values, each final then best: what a comparison reads first."""
    keys = [("val_loss", "Val loss"), ("loss", "Loss")]
    if metric is not None:
        title = metric.replace("_", " ")
        keys = [("val_loss", "Val loss"), (f"val_{metric}", f"Val {title}"), ("loss", "Loss"),
                (metric, title[0].upper() + title[1:])]
    cols = []
    for key, title in keys:
        cols.append(Column(f"final.{key}", title, f"Final {key}", _getter("final", key), _number))
        cols.append(Column(f"best.{key}", f"Best {title[0].lower() + title[1:]}", f"Best {key} (and the "
                           "epoch it was reached at, in the run's details)", _getter("best", key), _number))
    return cols


def run_columns() -> tuple[Column, Column, list[Column]]:
    """(name, status, [epochs, duration, started])."""
    name = Column("name", "Name", "The run's name (double-click to rename)", lambda r: r.name, str)
    status = Column("status", "Status", "finished, early_stopped, stopped, paused, diverged, failed, interrupted "
                    "or running", lambda r: r.status, str)
    rest = [
        Column("epochs", "Epochs", "Epochs trained (counting a resumed checkpoint's)",
               lambda r: r.start_epoch + r.epochs, str),
        Column("duration", "Duration", "From start to end (or to its last write)", lambda r: r.duration,
               duration_text),
        Column("started", "Started", "When the run started", lambda r: r.started,
               lambda v: time.strftime("%Y-%m-%d %H:%M", time.localtime(v))),
    ]
    return name, status, rest


def _getter(where: str, key: str) -> Callable[[RunSummary], Any]:
    return lambda r: getattr(r, where).get(key)


class RunsTableModel(QAbstractTableModel):
    renameRequested = Signal(int, str)      # run id, new name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runs: list[RunSummary] = []
        name, status, rest = run_columns()
        self.columns: list[Column] = [name, status, *value_columns(None), *rest]
        self.settings: dict[str, list[Any]] = {}     # differing settings shown: path -> value per run (list order)
        self.hidden_settings = 0                     # differing settings beyond MAX_SETTING_COLUMNS
        self.live_id: int | None = None
        self._cells: dict[tuple[int, int], str] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # --- contents -------------------------------------------------------------------------------------------------
    def set_runs(self, runs: Sequence[RunSummary]) -> None:
        """Show `runs` (a listing of the store): the settings columns are the settings that differ between them."""
        self.beginResetModel()
        self.runs = list(runs)
        # Runs that trained the same project share its text: parse and diff each distinct project once.
        texts = list(dict.fromkeys(r.project_json for r in self.runs))
        diff = differences([json.loads(t) for t in texts]) if len(texts) > 1 else {}
        self.hidden_settings = max(0, len(diff) - MAX_SETTING_COLUMNS)
        paths = list(diff)[:MAX_SETTING_COLUMNS]
        index = {t: i for i, t in enumerate(texts)}
        self.settings = {p: [diff[p][index[r.project_json]] for r in self.runs] for p in paths}
        name, status, rest = run_columns()
        settings = [Column(f"setting:{path}", setting_title(path), path,
                           lambda r, v=diff[path]: v[index[r.project_json]], _setting) for path in paths]
        metric = main_metric(k for r in self.runs for k in r.final)
        # Name, what differs, then how it went: the columns a comparison reads first come first.
        self.columns = [name, *settings, status, *value_columns(metric), *rest]
        self._cells.clear()
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def update_run(self, run: RunSummary) -> bool:
        """Replace one run's row in place (the live run, as it trains); False if it is not listed."""
        for row, old in enumerate(self.runs):
            if old.id == run.id:
                if run.project_json != old.project_json:
                    return False            # its settings changed: the columns must be found again
                self.runs[row] = run
                for column in range(len(self.columns)):
                    self._cells.pop((row, column), None)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
                return True
        return False

    def set_live(self, run_id: int | None) -> None:
        self.live_id = run_id
        if self.runs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.runs) - 1, len(self.columns) - 1))

    def column_of(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def row_of(self, run_id: int) -> int:
        return next(i for i, r in enumerate(self.runs) if r.id == run_id)

    def csv_text(self) -> str:
        """The table as shown (its columns and order) as CSV; setting columns are headed by their full path."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id"] + [c.tip if c.key.startswith("setting:") else c.title for c in self.columns])
        for row, run in enumerate(self.runs):
            writer.writerow([run.id] + [self.text(row, col) for col in range(len(self.columns))])
        return buffer.getvalue()

    def text(self, row: int, column: int) -> str:
        cell = self._cells.get((row, column))
        if cell is None:
            col = self.columns[column]
            value = col.value(self.runs[row])
            cell = self._cells[(row, column)] = "" if value is None and not col.key.startswith("setting:") \
                else col.text(value)
        return cell

    # --- Qt's model interface -------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt's name)
        return 0 if parent.isValid() else len(self.runs)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.text(row, column)
        run = self.runs[row]
        key = self.columns[column].key
        if role == Qt.ItemDataRole.ForegroundRole and key == "status" and run.status in STATUS_COLORS:
            return QColor(STATUS_COLORS[run.status])
        if role == Qt.ItemDataRole.FontRole and run.id == self.live_id:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "status" and run.detail:
                return run.detail
            if key == "name":
                return f"Run {run.id} of {run.project_name}" + (f"\nTags: {', '.join(run.tags)}" if run.tags else "") \
                    + (f"\n{run.notes}" if run.notes else "")
        if role == Qt.ItemDataRole.TextAlignmentRole and key not in ("name", "status", "started"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return self.columns[column].value(run)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section >= len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.columns[index.column()].key == "name":
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or self.columns[index.column()].key != "name":
            return False
        name = str(value).strip()
        run = self.runs[index.row()]
        if name and name != run.name:
            self.renameRequested.emit(run.id, name)
        return False        # the view renames in the store, then shows the stored name

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._sort_rows(column, order)
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        """Missing (and NaN) values last in either order; ties keep the listing's order."""
        value = self.columns[column].value
        keyed = [(value(r), r) for r in self.runs]
        present = [(v.casefold() if isinstance(v, str) else v, r) for v, r in keyed
                   if v is not None and not (isinstance(v, float) and math.isnan(v))]
        comparable = all(isinstance(v, (int, float)) for v, _ in present) or \
            all(isinstance(v, str) for v, _ in present)
        if not comparable:
            present = [(json.dumps(v) if not isinstance(v, str) else v, r) for v, r in present]
        present.sort(key=lambda vr: vr[0], reverse=order == Qt.SortOrder.DescendingOrder)
        missing = [r for v, r in keyed if v is None or (isinstance(v, float) and math.isnan(v))]
        self.runs = [r for _, r in present] + missing
        self._cells.clear()
