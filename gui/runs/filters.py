"""The Runs tab's filter bar: text (name, project, tag, notes), status, tag, project and group (one
cross-validation's folds or one search's trials), and Refresh. It only says what is asked (`query()`, `changed`);
the view lists the store with it."""
from __future__ import annotations

from typing import Any, Sequence

from PySide6 import QtWidgets
from PySide6.QtCore import QSignalBlocker, Signal

from core.runs import STATUSES

ALL = ""


def push_button(text: str, name: str, tip: str) -> QtWidgets.QPushButton:
    widget = QtWidgets.QPushButton(text)
    widget.setObjectName(name)
    widget.setToolTip(tip)
    return widget


def button_bar(name: str, widgets) -> QtWidgets.QToolBar:
    """`widgets` in a row that, when the tab is narrow, keeps what does not fit behind its » button instead of
    widening the window (a toolbar's minimum width is its first widget and that button)."""
    bar = QtWidgets.QToolBar()
    bar.setObjectName(name)
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.setStyleSheet("QToolBar { border: none; background: transparent; spacing: 4px; }")
    for widget in widgets:
        bar.addWidget(widget)
    return bar


def _combo(name: str, tip: str, first: str) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox()
    combo.setObjectName(name)
    combo.setToolTip(tip)
    combo.addItem(first, ALL)
    combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


class RunFilters(QtWidgets.QWidget):
    """`runsFilterText`, then `runsStatusFilter`, `runsTagFilter`, `runsProjectFilter`, `runsGroupFilter` and
    `refreshRunsButton` in a bar (`runsFilterBar`) that tucks away what a narrow tab has no room for."""

    changed = Signal()          # a filter changed: list again
    refreshRequested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.text = QtWidgets.QLineEdit()
        self.text.setObjectName("runsFilterText")
        self.text.setPlaceholderText("Filter: name, project, tag, notes")
        self.text.setClearButtonEnabled(True)
        self.status = _combo("runsStatusFilter", "Only runs with this status", "Any status")
        for status in STATUSES:
            self.status.addItem(status, status)
        self.tag = _combo("runsTagFilter", "Only runs with this tag", "Any tag")
        self.project = _combo("runsProjectFilter", "Only runs of this project", "Any project")
        self.group = _combo("runsGroupFilter", "Only the folds of one cross-validation or the trials of one search",
                            "All runs")
        self.refresh_button = push_button("Refresh", "refreshRunsButton", "Read the run store again")
        self.text.setMinimumWidth(120)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 2)
        layout.addWidget(button_bar("runsFilterBar", (*self.combos, self.refresh_button)), 5)
        for combo in self.combos:
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.text.textChanged.connect(lambda _t: self.changed.emit())
        self.refresh_button.clicked.connect(self.refreshRequested)

    @property
    def combos(self) -> tuple[QtWidgets.QComboBox, ...]:
        return self.status, self.tag, self.project, self.group

    def query(self) -> dict[str, Any]:
        """`RunStore.list_runs` filters (None: any)."""
        return dict(status=self.status.currentData() or None, tag=self.tag.currentData() or None,
                    project=self.project.currentData() or None, group_id=self.group.currentData() or None,
                    text=self.text.text().strip() or None)

    def set_choices(self, groups: Sequence, runs: Sequence | None = None) -> None:
        """The entries: `groups` (the store's, newest first); tags and projects from `runs` (an unfiltered
        listing; None keeps them). The current choices stay when they still exist."""
        lists = [(self.group, [(f"#{g.id} {g.name}", g.id) for g in groups])]
        if runs is not None:
            lists.append((self.tag, [(t, t) for t in sorted({t for r in runs for t in r.tags})]))
            lists.append((self.project, [(p, p) for p in sorted({r.project_name for r in runs}, key=str.casefold)]))
        for combo, entries in lists:
            current = combo.currentData()
            with QSignalBlocker(combo):
                while combo.count() > 1:
                    combo.removeItem(1)
                for text, data in entries:
                    combo.addItem(text, data)
                combo.setCurrentIndex(max(0, combo.findData(current)))

    def show_group(self, group_id: int | None) -> None:
        """Select one group (None: all runs) without announcing it."""
        with QSignalBlocker(self.group):
            self.group.setCurrentIndex(max(0, self.group.findData(group_id if group_id else ALL)))
