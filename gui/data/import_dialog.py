"""Importing the user's own CSV/TSV file: the dialog that turns it into the project's `data` section.

The dialog shows the file's first rows as core sniffs them, lets the user pick the target column(s), fix the
delimiter or header if the guess was wrong, choose what to do with missing values and force the task. Each choice
is checked by loading the file with core's loader on a worker thread, so the user sees the loader's own message
(or a summary of what will be trained on) before accepting, and the GUI never blocks on a big file (the check:
gui/data/import_check.py). Asking for files and storing their paths live in gui/data/files.py.
"""
from __future__ import annotations

import csv
import os
from itertools import islice
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.data import CsvLayout, is_number, sniff_layout
from core.errors import LayerLabError

from .files import stored_path
from .import_check import CheckJob, CheckSignals

PREVIEW_ROWS = 20
ROLES = ("Feature", "Target", "Ignore")
DELIMITERS = (("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Pipe  |", "|"), ("Space", " "))
MISSING = (("Error: stop and report them", "error"), ("Drop the rows", "drop"),
           ("Fill (column mean / most frequent)", "fill"))
TASKS = (("Auto (from the target)", "auto"), ("Classification", "classification"), ("Regression", "regression"))
TARGET_TINT = QColor("#dcebf7")


# --- the dialog -------------------------------------------------------------------------------------------------
def _combo(items: tuple[tuple[str, Any], ...], name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    for text, value in items:
        box.addItem(text, value)
    return box


class CsvImportDialog(QDialog):
    """Choose how a CSV/TSV file becomes a dataset; `data_spec()` is the csv data section after Import."""

    def __init__(self, path: str | os.PathLike, base_dir: str | os.PathLike | None,
                 initial: dict | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("csvImportDialog")
        self.path = Path(path).expanduser().resolve()
        self.base_dir = base_dir
        self.layout_info: CsvLayout | None = None
        self.check_state = "idle"           # "idle" | "running" | "ok" | "error"
        self._generation = 0
        self._job: CheckJob | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = CheckSignals(self)
        self._signals.progress.connect(self._on_progress)
        self._signals.done.connect(self._on_done)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._start_check)
        self.setWindowTitle(f"Import {self.path.name}")
        self._build()
        self._apply_initial(initial or {})
        self.resize(760, 620)

    # --- construction ---
    def _build(self) -> None:
        title = QLabel(f"<b>{self.path.name}</b>")
        title.setStyleSheet("font-size: 14px;")
        where = QLabel(f"{self.path.parent}  \u00b7  {_size(self.path)}")
        where.setStyleSheet("color: #6b6b6b;")
        self.delimiter = _combo((("Auto", "auto"),) + DELIMITERS, "csvDelimiterCombo")
        self.header = _combo((("Auto", "auto"), ("First row holds the column names", True),
                              ("No header row (columns col0, col1, \u2026)", False)), "csvHeaderCombo")
        parse = QFormLayout()
        parse.addRow("Delimiter", self.delimiter)
        parse.addRow("Header", self.header)
        self.preview = QTableWidget()
        self.preview.setObjectName("csvPreviewTable")
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().setDefaultSectionSize(20)
        self.preview.horizontalHeader().sectionClicked.connect(self._toggle_target)
        self.preview.horizontalHeader().setToolTip("Click a column's name to make it (or stop it being) a target")
        self.roles = QTableWidget(0, 3)
        self.roles.setObjectName("csvColumnsTable")
        self.roles.setHorizontalHeaderLabels(("column", "use as", "values"))
        self.roles.verticalHeader().hide()
        self.roles.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.roles.verticalHeader().setDefaultSectionSize(26)
        self.missing = _combo(MISSING, "csvMissingCombo")
        self.task = _combo(TASKS, "csvTaskCombo")
        options = QFormLayout()
        options.addRow("Missing values", self.missing)
        options.addRow("Task", self.task)
        hint = QLabel("Text columns become one-hot features; a text target means classification. Targets are "
                      "never filled in: rows with a missing target need \u201cDrop\u201d.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #6b6b6b;")
        options.addRow(hint)
        columns_box = QGroupBox("Columns")
        QVBoxLayout(columns_box).addWidget(self.roles)
        options_box = QGroupBox("Options")
        options_box.setLayout(options)
        lower = QHBoxLayout()
        lower.addWidget(columns_box, 3)
        lower.addWidget(options_box, 2)
        self.status = QLabel()
        self.status.setObjectName("csvStatusLabel")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.progress.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("csvImportButton")
        self.import_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(where)
        layout.addLayout(parse)
        layout.addWidget(QLabel(f"First rows (up to {PREVIEW_ROWS}); target columns are shaded"))
        layout.addWidget(self.preview, 3)
        layout.addLayout(lower, 2)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.delimiter.currentIndexChanged.connect(self._reparse)
        self.header.currentIndexChanged.connect(self._reparse)
        self.missing.currentIndexChanged.connect(self._schedule_check)
        self.task.currentIndexChanged.connect(self._schedule_check)

    def _apply_initial(self, initial: dict) -> None:
        for box, key in ((self.delimiter, "delimiter"), (self.header, "header"), (self.missing, "missing"),
                         (self.task, "task")):
            if key in initial:
                i = box.findData(initial[key])
                box.blockSignals(True)
                box.setCurrentIndex(max(i, 0))
                box.blockSignals(False)
        self._reparse(initial=initial)

    # --- parsing and roles ---
    def _reparse(self, *_args: Any, initial: dict | None = None) -> None:
        """Sniff again with the forced delimiter/header and refill the preview and the column roles."""
        old = {} if initial is not None else self.roles_by_name()
        delimiter, header = self.delimiter.currentData(), self.header.currentData()
        try:
            layout = sniff_layout(self.path, None if delimiter == "auto" else delimiter,
                                  None if header == "auto" else header)
        except LayerLabError as exc:
            self.layout_info = None
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            self.roles.setRowCount(0)
            self._set_status("error", str(exc))
            return
        self.layout_info = layout
        shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}
        self.delimiter.setItemText(0, f"Auto (found: {shown.get(layout.delimiter, repr(layout.delimiter))})")
        self.header.setItemText(0, f"Auto (found: {'a header row' if layout.has_header else 'no header'})")
        rows = _head_rows(layout)
        names = list(layout.names)
        self.preview.setColumnCount(len(names))
        self.preview.setHorizontalHeaderLabels(names)
        self.preview.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, cell in enumerate(row[:len(names)]):
                item = QTableWidgetItem(cell)
                if is_number(cell):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.preview.setItem(i, j, item)
        roles = old if old and set(old) == set(names) else self._initial_roles(names, initial or {})
        self.roles.setRowCount(len(names))
        for j, name in enumerate(names):
            self.roles.setItem(j, 0, QTableWidgetItem(name))
            combo = QComboBox()
            combo.setObjectName(f"role:{name}")
            combo.addItems(ROLES)
            combo.setCurrentText(roles.get(name, "Feature"))
            combo.currentIndexChanged.connect(self._roles_changed)
            self.roles.setCellWidget(j, 1, combo)
            cells = [r[j] for r in rows if j < len(r) and r[j].strip()]
            kind = "numbers" if cells and all(is_number(c) for c in cells) else ("text" if cells else "\u2014")
            kind_item = QTableWidgetItem(kind)
            kind_item.setForeground(QColor("#6b6b6b"))
            self.roles.setItem(j, 2, kind_item)
        self.roles.resizeColumnToContents(1)
        self._roles_changed()

    def _initial_roles(self, names: list[str], initial: dict) -> dict[str, str]:
        def name_of(ref: Any) -> str | None:
            if isinstance(ref, int) and -len(names) <= ref < len(names):
                return names[ref]
            return ref if ref in names else None

        target = initial.get("target", -1)
        targets = {name_of(t) for t in (target if isinstance(target, list) else [target])} - {None}
        roles = {name: "Target" if name in targets else "Feature" for name in names}
        if initial.get("columns") is not None:
            keep = {name_of(c) for c in initial["columns"]}
            for name in names:
                if name not in keep and name not in targets:
                    roles[name] = "Ignore"
        if not targets and names:
            roles[names[-1]] = "Target"
        return roles

    def role_combo(self, name: str) -> QComboBox:
        return self.findChild(QComboBox, f"role:{name}")

    def roles_by_name(self) -> dict[str, str]:
        out = {}
        for j in range(self.roles.rowCount()):
            combo = self.roles.cellWidget(j, 1)
            if combo is not None:
                out[self.roles.item(j, 0).text()] = combo.currentText()
        return out

    def _toggle_target(self, column: int) -> None:
        combo = self.roles.cellWidget(column, 1)
        if combo is not None:
            combo.setCurrentText("Feature" if combo.currentText() == "Target" else "Target")

    def _roles_changed(self, *_args: Any) -> None:
        roles = self.roles_by_name()
        for j, name in enumerate(roles):
            header = self.preview.horizontalHeaderItem(j)
            if header is not None:
                font = header.font()
                font.setBold(roles[name] == "Target")
                header.setFont(font)
                header.setText(name + ("  \u25ce" if roles[name] == "Target" else ""))
            tint = TARGET_TINT if roles[name] == "Target" else (QColor("#f2f2f2") if roles[name] == "Ignore" else None)
            for i in range(self.preview.rowCount()):
                item = self.preview.item(i, j)
                if item is not None:
                    item.setBackground(tint if tint is not None else QColor(0, 0, 0, 0))
                    item.setForeground(QColor("#a0a0a0") if roles[name] == "Ignore" else QColor("#202020"))
        self._schedule_check()

    # --- the spec ---
    def data_spec(self) -> dict | None:
        """The csv data section for the current choices (paths as the project stores them); None if no target
        or no feature is chosen."""
        roles = self.roles_by_name()
        targets = [n for n, r in roles.items() if r == "Target"]
        features = [n for n, r in roles.items() if r == "Feature"]
        if not targets or not features or self.layout_info is None:
            return None
        spec: dict[str, Any] = {"source": "csv", "path": stored_path(self.path, self.base_dir),
                                "target": targets[0] if len(targets) == 1 else targets,
                                "delimiter": self.delimiter.currentData(), "header": self.header.currentData(),
                                "missing": self.missing.currentData(), "task": self.task.currentData()}
        if len(features) + len(targets) < len(roles):
            spec["columns"] = features
        return spec

    # --- checking ---
    def _schedule_check(self, *_args: Any) -> None:
        self._cancel_job()
        spec = self.data_spec()
        if self.layout_info is None:
            return
        if spec is None:
            roles = self.roles_by_name().values()
            self._set_status("error", "Choose a target column." if "Target" not in roles
                             else "Keep at least one feature column.")
            return
        self._set_status("running", "Checking the file\u2026")
        self._timer.start()

    def _start_check(self) -> None:
        spec = self.data_spec()
        if spec is None:
            return
        spec["path"] = str(self.path)
        self._generation += 1
        self._job = CheckJob(self._generation, spec, self._signals)
        self._pool.start(self._job)

    def _cancel_job(self) -> None:
        self._timer.stop()
        if self._job is not None:
            self._job.cancelled = True
            self._job = None
        self._generation += 1

    def _on_progress(self, generation: int, fraction: float) -> None:
        if generation == self._generation and fraction < 1.0:
            self.progress.show()
            self.progress.setValue(int(fraction * 1000))

    def _on_done(self, generation: int, ok: bool, text: str) -> None:
        if generation != self._generation:
            return                               # the answer to a choice the user has since changed
        self._job = None
        if not ok and "data.missing" in text:     # core speaks of the project key; point at this dialog's control
            text += "\nChoose \u201cDrop the rows\u201d or \u201cFill\u201d under Missing values."
        self._set_status("ok" if ok else "error", text)

    def _set_status(self, state: str, text: str) -> None:
        self.check_state = state
        self.progress.setVisible(state == "running" and self.progress.value() > 0)
        if state != "running":
            self.progress.setValue(0)
        color = {"ok": "#2e7d32", "error": "#c62828"}.get(state, "#6b6b6b")
        mark = {"ok": "\u2713 ", "error": "\u2717 "}.get(state, "")
        self.status.setStyleSheet(f"color: {color};")
        self.status.setText(mark + text)
        self.import_button.setEnabled(state != "error")

    def done(self, result: int) -> None:  # noqa: D401 (Qt's name)
        """Close: stop a running check first so no worker outlives the dialog."""
        self._cancel_job()
        self._pool.clear()
        self._pool.waitForDone(5000)
        super().done(result)


def _size(path: Path) -> str:
    try:
        size = float(path.stat().st_size)
    except OSError:
        return "unreadable"
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return ""


def _head_rows(layout: CsvLayout) -> list[list[str]]:
    """The first data rows as text, for display only (the real parse is core's, on the worker thread)."""
    try:
        with open(layout.path, encoding="utf-8", errors="replace", newline="") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return []
    lines = head.removeprefix("\ufeff").splitlines(keepends=True)[layout.header_lines:]
    reader = csv.reader(lines, delimiter=layout.delimiter, skipinitialspace=True)
    try:
        return [row for row in islice((r for r in reader if r and any(c.strip() for c in r)), PREVIEW_ROWS)]
    except csv.Error:
        return []
