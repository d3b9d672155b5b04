"""The Runs view (`runsView`): every recorded run of the run store in a table, filtered, sorted, renamed, tagged,
deleted, exported as CSV, opened, and compared (curves overlaid, the settings that differ side by side).

It reads the store on the GUI thread through a connection of its own (SQLite's WAL lets it read while a run
writes on the training thread); listing 1,000 runs takes well under the 300 ms budget (benchmarks/bench_runs_view.py).
While a run trains, its row is re-read about once a second, only while the view is on screen. A group filter
lists one cross-validation's folds or one search's trials (`show_group`); `select_runs` + `compare_selected` is
how another view (the search's trials) compares runs here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from core.runs import Run, RunStore, RunStoreError, UnknownRunError

from .compare import RunsComparePlot, RunsDiffView
from .delete_dialog import ask_delete
from .filters import RunFilters, button_bar, push_button
from .table import RunsTableModel

LIVE_REFRESH_MS = 1000
READ_TIMEOUT = 2.0           # seconds the GUI thread waits for a busy store before it says so


class RunsView(QtWidgets.QWidget):
    """objectName "runsView". `.filters` (the filter bar), `.table` (`runsTable`, a QTableView over `.model`);
    `.compare_plot` and `.diff_view` exist from the first Compare on (built then: the plots cost the app's start-up
    nothing)."""

    openRequested = Signal(object)          # Run: load its project and weights
    storeChangeRequested = Signal()         # the user wants to choose another store file
    storeDefaultRequested = Signal()        # ... or go back to the default one

    def __init__(self, store_path, parent: QtWidgets.QWidget | None = None):
        """`store_path()` is the store file to show (it may change: the app's preference)."""
        super().__init__(parent)
        self.setObjectName("runsView")
        self._store_path = store_path
        self.store: RunStore | None = None
        self.error: str | None = None          # the store cannot be read
        self.warning: str | None = None        # the last run was not recorded
        self.model = RunsTableModel(self)
        self._dirty = True
        self._build()
        self._live_timer = QtCore.QTimer(self)
        self._live_timer.setInterval(LIVE_REFRESH_MS)
        self._live_timer.timeout.connect(self.refresh_live)
        self.model.renameRequested.connect(self.rename_run)

    # --- construction -----------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.filters = RunFilters()

        self.table = QtWidgets.QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.DoubleClicked |
                                   QtWidgets.QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setDefaultSectionSize(90)
        self.table.horizontalHeader().setResizeContentsPrecision(40)     # widths from the first rows: cheap
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as listed: newest first
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)

        self.compare_button = push_button("Compare", "compareRunsButton", "Overlay the selected runs' curves and "
                                          "list the settings that differ")
        self.open_button = push_button("Open", "openRunButton", "Load the run's project and weights (to look, "
                                       "continue training or export)")
        self.rename_button = push_button("Rename…", "renameRunButton", "Rename the selected run")
        self.tags_button = push_button("Tags…", "tagRunsButton", "Set the tags of the selected runs")
        self.delete_button = push_button("Delete…", "deleteRunsButton", "Delete the selected runs (asks first)")
        self.export_button = push_button("Export CSV…", "exportRunsButton", "Save the table as CSV")
        self.store_label = QtWidgets.QLabel()
        self.store_label.setObjectName("runsStoreLabel")
        self.store_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.store_button = QtWidgets.QToolButton()
        self.store_button.setObjectName("runsStoreButton")
        self.store_button.setText("Store…")
        self.store_button.setToolTip("Choose the run store file (e.g. one beside a course's projects); the arrow "
                                     "goes back to the default store")
        self.store_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QtWidgets.QMenu(self.store_button)
        self.default_store_action = menu.addAction("Use the default store")
        self.default_store_action.setObjectName("actionRunsDefaultStore")
        self.store_button.setMenu(menu)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(button_bar("runsActions", (self.compare_button, self.open_button, self.rename_button,
                                                     self.tags_button, self.delete_button, self.export_button)), 3)
        actions.addWidget(self.store_label, 1)
        actions.addWidget(self.store_button)
        self.message = QtWidgets.QLabel()
        self.message.setObjectName("runsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()

        self.compare_plot: RunsComparePlot | None = None
        self.diff_view: RunsDiffView | None = None
        hint = QtWidgets.QLabel("Select two or more runs and press Compare: their curves overlaid, and the settings "
                                "that differ side by side.")
        hint.setObjectName("runsCompareHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #666666;")
        lower = self._lower = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        lower.setChildrenCollapsible(False)
        lower.addWidget(hint)
        upper = QtWidgets.QWidget()
        upper_layout = QtWidgets.QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.filters)
        upper_layout.addWidget(self.message)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addLayout(actions)
        self.splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.filters.changed.connect(self.refresh)
        self.filters.refreshRequested.connect(self.reload)
        self.compare_button.clicked.connect(self.compare_selected)
        self.open_button.clicked.connect(self.open_selected)
        self.rename_button.clicked.connect(self.rename_selected)
        self.tags_button.clicked.connect(self.tag_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.store_button.clicked.connect(self.storeChangeRequested)
        self.default_store_action.triggered.connect(self.storeDefaultRequested)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(self._double_clicked)
        self._update_buttons()

    # --- the store --------------------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Open the store again (another file chosen, or to retry after an error) and list its runs."""
        self.close_store()
        self.refresh()

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def _open_store(self) -> RunStore | None:
        path = Path(self._store_path())
        if self.store is not None and self.store.path == path:
            return self.store
        self.close_store()
        self.store_label.setText(f"Store: {path.name}")
        self.store_label.setToolTip(str(path))
        self.store_button.setToolTip(f"Runs are recorded in {path}. Choose another file (e.g. one beside a "
                                     "course's projects); the arrow goes back to the default store")
        try:
            self.store = RunStore(path, timeout=READ_TIMEOUT)
        except RunStoreError as exc:
            self.show_error(str(exc))
            return None
        return self.store

    def show_error(self, message: str | None) -> None:
        """The store's problem (None: it reads fine)."""
        self.error = message
        self._show_message()

    def show_warning(self, message: str | None) -> None:
        """A run that was not recorded: shown until the next run starts."""
        self.warning = message
        self._show_message()

    def _show_message(self) -> None:
        hidden = self.model.hidden_settings
        note = (f"{hidden} more settings differ between these runs than the table shows: filter by project to "
                "narrow it down") if hidden and not (self.error or self.warning) else ""
        text = "\n".join(m for m in (self.warning, self.error) if m) or note
        self.message.setStyleSheet("color: #555555;" if note else "color: #b00020;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- listing ----------------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the runs that pass the filters (now if shown, else when next shown)."""
        if not self.isVisible() and self.store is not None:
            self._dirty = True
            return
        self._dirty = False
        store = self._open_store()
        if store is None:
            self.model.set_runs([])
            return
        query = self.filters.query()
        try:
            runs = store.list_runs(**query)
            self.filters.set_choices(store.list_groups(), runs if not any(query.values()) else None)
        except RunStoreError as exc:
            self.show_error(str(exc))
            return
        selected = set(self.selected_ids())
        self.model.set_runs(runs)
        self.table.resizeColumnsToContents()
        self.show_error(None)
        self.select_runs(selected)
        self._update_buttons()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._dirty or self.store is None:
            self.refresh()
        if self.model.live_id is not None:
            self._live_timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self._live_timer.stop()

    # --- the live run -----------------------------------------------------------------------------------------------
    def set_live(self, run_id: int | None) -> None:
        """The app's run in progress (None: no run trains): listed now, re-read while it trains."""
        self.model.set_live(run_id)
        if run_id is not None:
            self.show_warning(None)
        self.refresh()
        if run_id is not None and self.isVisible():
            self._live_timer.start()
        else:
            self._live_timer.stop()

    def refresh_live(self) -> None:
        run_id = self.model.live_id
        if run_id is None or self.store is None:
            return
        try:
            summary = self.store.get_summary(run_id)
        except (RunStoreError, UnknownRunError):
            return
        if not self.model.update_run(summary):
            self.refresh()

    # --- selection --------------------------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.runs[row].id for row in rows if row < len(self.model.runs)]

    def select_runs(self, run_ids) -> None:
        """Select these runs (those listed) in the table."""
        selection = QtCore.QItemSelection()
        wanted = set(run_ids)
        last = self.model.columnCount() - 1
        for row, run in enumerate(self.model.runs):
            if run.id in wanted:
                selection.select(self.model.index(row, 0), self.model.index(row, last))
        self.table.selectionModel().select(selection, QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._update_buttons()

    def show_group(self, group_id: int | None) -> None:
        """List one cross-validation's folds or one search's trials (None: every run)."""
        store = self._open_store()
        if store is not None:
            try:
                self.filters.set_choices(store.list_groups())
            except RunStoreError as exc:
                self.show_error(str(exc))
        self.filters.show_group(group_id)
        self.refresh()

    def _update_buttons(self) -> None:
        n = len(self.selected_ids())
        self.compare_button.setEnabled(n >= 2)
        self.open_button.setEnabled(n == 1)
        self.rename_button.setEnabled(n == 1)
        self.tags_button.setEnabled(n >= 1)
        self.delete_button.setEnabled(n >= 1 and self.model.live_id not in self.selected_ids())
        self.export_button.setEnabled(bool(self.model.runs))

    def _double_clicked(self, index) -> None:
        if self.model.columns[index.column()].key != "name":
            self.open_selected()

    # --- commands ---------------------------------------------------------------------------------------------------
    def compare_selected(self) -> list[Run]:
        """Overlay the selected runs' curves and list the settings that differ; returns the runs compared."""
        ids = sorted(self.selected_ids())          # oldest first: colours follow the order the runs were made
        if len(ids) < 2 or self.store is None:
            return []
        try:
            runs = self.store.get_runs(ids)
            diff = self.store.differing_settings(runs)
        except (RunStoreError, UnknownRunError) as exc:
            self.show_error(str(exc))
            return []
        self._build_compare()
        self.compare_plot.show_runs(runs)
        self.diff_view.show_differences(runs, diff)
        total, shown = self._lower.width(), self._lower.sizes()[1]
        wanted = min(self.diff_view.needed_width(), total * 9 // 20)
        if wanted > shown:                          # room for every run's column, up to 45% of the width
            self._lower.setSizes([total - wanted, wanted])
        return runs

    def _build_compare(self) -> None:
        """The comparison's plot and settings table, in place of the hint (once)."""
        if self.compare_plot is not None:
            return
        self.compare_plot = RunsComparePlot()
        self.diff_view = RunsDiffView()
        self.diff_view.setMinimumWidth(140)
        hint = self._lower.widget(0)
        self._lower.replaceWidget(0, self.compare_plot)
        hint.deleteLater()
        self._lower.addWidget(self.diff_view)
        self._lower.setStretchFactor(0, 3)
        self._lower.setStretchFactor(1, 1)
        width = max(self._lower.width(), 400)
        self._lower.setSizes([width * 2 // 3, width - width * 2 // 3])
        height = self.splitter.height()         # the plots get the larger share (the hint needed little)
        if height > 0:
            self.splitter.setSizes([height * 2 // 5, height - height * 2 // 5])

    def open_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1 or self.store is None:
            return
        try:
            run = self.store.get_run(ids[0])
        except (RunStoreError, UnknownRunError) as exc:
            self.show_error(str(exc))
            return
        self.openRequested.emit(run)

    def rename_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.table.edit(self.model.index(self.model.row_of(ids[0]), self.model.column_of("name")))

    def rename_run(self, run_id: int, name: str) -> None:
        if self._write(lambda store: store.rename_run(run_id, name)):
            self.refresh()

    def tag_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        runs = [r for r in self.model.runs if r.id in ids]
        current = ", ".join(sorted({t for r in runs for t in r.tags}))
        text, ok = QtWidgets.QInputDialog.getText(self, "Tags", f"Tags of {len(ids)} run(s), separated by commas:",
                                                  text=current)
        if ok:
            tags = [t.strip() for t in text.split(",") if t.strip()]
            if self._write(lambda store: [store.set_tags(i, tags) for i in ids]):
                self.refresh()

    def delete_selected(self) -> bool:
        """Delete the selected runs after asking; their weights files only if the user says so."""
        ids = self.selected_ids()
        if not ids or self.model.live_id in ids:
            return False
        runs = [r for r in self.model.runs if r.id in ids]
        weights = [r.weights_path for r in runs if r.weights_path and Path(r.weights_path).exists()]
        answer = ask_delete(self, runs, weights)
        if answer is None:
            return False
        paths = self._write(lambda store: store.delete_runs(ids))
        if paths is None:
            return False
        if answer:
            failed = []
            for path in weights:
                try:
                    Path(path).unlink()
                except OSError as exc:
                    failed.append(f"{path}: {exc.strerror or exc}")
            if failed:
                QtWidgets.QMessageBox.warning(self, "Weights files not deleted", "\n".join(failed))
        self.refresh()
        return True

    def export_csv(self, path: str | None = None) -> bool:
        """The table as shown (its columns and order) as CSV; asks where when no path is given."""
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export runs as CSV", "runs.csv",
                                                            "CSV files (*.csv);;All files (*)")
            if not path:
                return False
        from core.fileio import FileWriteError, atomic_write_text

        try:
            atomic_write_text(Path(path), self.model.csv_text(), "runs table")
        except (FileWriteError, OSError) as exc:
            QtWidgets.QMessageBox.critical(self, "Cannot export runs", str(exc))
            return False
        return True

    def _write(self, fn) -> Any:
        """A user's edit written on the GUI thread (short; a store busy past READ_TIMEOUT says so)."""
        if self.store is None:
            return None
        try:
            result = fn(self.store)
        except (RunStoreError, UnknownRunError, ValueError) as exc:
            QtWidgets.QMessageBox.warning(self, "Run store", str(exc))
            return None
        return True if result is None else result
