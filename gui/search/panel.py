"""The Search panel: what a hyperparameter search varies and how it runs, and the buttons that run it.

The search is the project's `search` section, so it is saved with the project and every change is one undoable
edit. Parameters come from the right-click "Search over this…" of any field of the Network and Training panels, or
from Add; each shows its values in the table. Every other field builds the candidate section and checks it with
core's parser, exactly as a project file is checked: a refusal shows core's message under the field and nothing
is applied. While the project has no parameter yet, the settings wait here (a section needs a parameter).
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
                               QPushButton, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from core.errors import LayerLabError
from gui.theme import set_state
from gui.widgets.fields import ChoiceField, Field, NumberField, TextField, format_number
from gui.widgets.param_forms import add_section, form_label

from .param_dialog import choice_text

CHECK_PARAMS = {"training.seed": {"choice": [0]}}    # stands in for the parameters while there are none
METHODS = [("random (log-uniform where log)", "random"), ("Bayesian (TPE)", "bayesian"), ("grid", "grid")]
PRUNINGS = [("none", "none"), ("median", "median"), ("Hyperband", "hyperband")]
DIRECTIONS = [("auto", "auto"), ("minimize", "minimize"), ("maximize", "maximize")]


def describe_values(item: dict) -> str:
    """'0.0001 – 0.1, log scale', '4 – 64 whole, log', 'relu, tanh, elu' (a parameter's spec JSON in words)."""
    if "choice" in item:
        return ", ".join(choice_text(v) for v in item["choice"])
    kind = next(k for k in ("log_uniform", "uniform", "int") if k in item)
    low, high = item[kind]
    text = f"{format_number(low)} – {format_number(high)}"
    notes = (["whole"] if kind == "int" else []) + (["log"] if kind == "log_uniform" or item.get("log") else [])
    if item.get("steps"):
        notes.append(f"{item['steps']} grid points")
    return text + (f"  ({', '.join(notes)})" if notes else "")


class SearchPanel(QWidget):
    specEdited = Signal(object, str)        # (SearchSpec, or None when the last parameter went; undo text)
    addRequested = Signal()                 # Add…: pick a setting
    editRequested = Signal(str)             # Edit… (or a double click): the parameter at that path
    startRequested = Signal()
    cancelRequested = Signal()
    useBestRequested = Signal()
    revalidateRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchPanel")
        scroll = QScrollArea()                 # the settings scroll; the run controls below them stay in view
        scroll.setObjectName("panelScroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("searchSettings")
        scroll.setWidget(body)
        footer = QWidget()
        footer.setObjectName("panel")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        outer.addWidget(footer)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(10, 4, 10, 10)
        self._layout.setSpacing(4)
        self.draft: dict = {"method": "random", "params": {}}     # the section's JSON, shown and edited here
        self.task: str | None = None

        self._section("Parameters")
        self.params_hint = self._label("searchParamsHint", "Right-click a field of the Network or Training panel and "
                                       "choose “Search over this…”, or add a setting here.", "hint")
        self.params_table = QTableWidget(0, 2)
        self.params_table.setObjectName("searchParamsTable")
        self.params_table.setHorizontalHeaderLabels(["Setting", "Values"])
        self.params_table.verticalHeader().hide()
        self.params_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.params_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.params_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.params_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.params_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.params_table.setWordWrap(False)
        self.params_table.setMinimumHeight(96)
        self.params_table.setMaximumHeight(150)
        self.params_table.cellDoubleClicked.connect(lambda row, _col: self.editRequested.emit(self._path(row)))
        self.params_table.itemSelectionChanged.connect(self._update_buttons)
        self._layout.addWidget(self.params_table)
        tools = QHBoxLayout()
        self.add_button = self._button("searchAddParamButton", "Add…", self.addRequested.emit, tools)
        self.edit_button = self._button("searchEditParamButton", "Edit…", self._edit_selected, tools)
        self.remove_button = self._button("searchRemoveParamButton", "Remove", self._remove_selected, tools)
        tools.addStretch(1)
        self._layout.addLayout(tools)
        self.params_error = self._label("searchParamsError", "", "error")

        form = self._section("Method")
        self.method_field = self._field(form, "Method", ChoiceField(
            "search_method", METHODS, "Random draws each parameter on its scale; Bayesian (Optuna's TPE) tries "
            "where good trials were; grid tries every combination."), "method")
        self.trials_field = self._field(form, "Trials", NumberField(
            "search_trials", "int", optional=True, placeholder="20 (grid: every combination)"), "trials")
        self.seed_field = self._field(form, "Seed", NumberField(
            "search_seed", "int", tooltip="The same seed draws the same trials again."), "seed")
        self.timeout_field = self._field(form, "Time limit (s)", NumberField(
            "search_timeout_s", "float", optional=True, placeholder="none"), "timeout_s")
        self.refine_field = self._field(form, "Refine rounds", NumberField(
            "search_refine_rounds", "int", tooltip="Coarse to fine: after the search, search again over the span "
            "of the best quarter of the trials, this many times."), "refine.rounds")

        form = self._section("Objective")
        self.metric_field = self._field(form, "Metric", ChoiceField("search_metric", [("auto", None)]), "metric")
        self.direction_field = self._field(form, "Direction", ChoiceField(
            "search_direction", DIRECTIONS, "auto: minimise losses and errors, maximise accuracy, AUC, F1, R²…"),
            "direction")
        self.pruning_field = self._field(form, "Pruning", ChoiceField(
            "search_pruning", PRUNINGS, "Stop hopeless trials early from their epochs' metric (Optuna's "
            "pruners)."), "pruning")
        self.folds_field = self._field(form, "CV folds", NumberField(
            "search_folds", "int", optional=True, placeholder="none: the validation rows",
            tooltip="Each trial's value is the mean over k cross-validation folds."), "folds")

        form = self._section("Where")
        self.workers_field = self._field(form, "Workers", NumberField(
            "search_workers", "int", optional=True, placeholder="auto: every core",
            tooltip="Trials that run at once, each in a process of its own."), "workers")
        self.scheduler_field = self._field(form, "Scheduler", TextField(
            "search_scheduler", "this computer", "A Dask cluster's scheduler address (tcp://host:8786) to run the "
            "trials there; empty: a local cluster."), "scheduler")

        self._layout.addStretch(1)
        self._layout = QVBoxLayout(footer)
        self._layout.setContentsMargins(10, 0, 10, 8)
        self._layout.setSpacing(4)
        self._section("Run")
        buttons = QHBoxLayout()
        self.start_button = self._button("searchStartButton", "Start search", self.startRequested.emit, buttons)
        self.start_button.setProperty("role", "primary")
        self.cancel_button = self._button("searchCancelButton", "Cancel", self.cancelRequested.emit, buttons)
        buttons.addStretch(1)
        self._layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setObjectName("searchProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self._layout.addWidget(self.progress)
        self.message = self._label("searchMessage", "", "hint")
        self.best = self._label("searchBestLabel", "", "")
        best_buttons = QHBoxLayout()
        self.use_best_button = self._button("searchUseBestButton", "Use best", self.useBestRequested.emit,
                                            best_buttons, "Apply the best trial's settings to the project (one "
                                            "undoable edit)")
        self.revalidate_button = self._button("searchRevalidateButton", "Revalidate", self.revalidateRequested.emit,
                                              best_buttons, "Retrain the best settings on the training and "
                                              "validation rows, then measure the test rows (a normal run)")
        best_buttons.addStretch(1)
        self._layout.addLayout(best_buttons)
        self.revalidation = self._label("searchRevalidationLabel", "", "")
        self.running = self.revalidating = False
        self.has_best = False
        self._show_draft()

    # --- layout helpers -----------------------------------------------------------------------------------------
    def _section(self, title: str) -> QFormLayout:
        return add_section(self._layout, title)

    def _label(self, name: str, text: str, role: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if role:
            label.setProperty("role", role)
        label.setVisible(bool(text))
        self._layout.addWidget(label)
        return label

    def _button(self, name: str, text: str, slot: Callable[[], Any], row: QHBoxLayout, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        if tip:
            button.setToolTip(tip)
        button.clicked.connect(lambda _=False: slot())
        row.addWidget(button)
        return button

    def _field(self, form: QFormLayout, label: str, field: Field, key: str) -> Field:
        field.committed.connect(lambda value: self._edit(field, key, value))
        form.addRow(form_label(label, field), field)
        return field

    # --- showing ------------------------------------------------------------------------------------------------
    def show_spec(self, spec: Any, task: str | None = None, has_validation: bool | None = None) -> None:
        """Show the project's search section (None: no parameter yet; the other settings stay as they were)."""
        if task is not None:
            from core.monitors import logged_names

            self.task = task
            names = logged_names(task, bool(has_validation))
            auto = "val_loss" if has_validation else "loss"
            self.metric_field.set_choices([(f"auto ({auto})", None), ("-", None)] + [(n, n) for n in names])
        if spec is not None:
            self.draft = spec.to_dict()
        else:
            self.draft = {**self.draft, "params": {}}
        self._show_draft()

    def _show_draft(self) -> None:
        d = self.draft
        self.method_field.set_value(d.get("method", "random"))
        self.trials_field.set_value(d.get("trials"))
        self.seed_field.set_value(d.get("seed", 0))
        self.timeout_field.set_value(d.get("timeout_s"))
        self.refine_field.set_value((d.get("refine") or {}).get("rounds", 0))
        self.metric_field.set_value(d.get("metric"))
        self.direction_field.set_value(d.get("direction", "auto"))
        self.pruning_field.set_value(d.get("pruning", "none"))
        self.folds_field.set_value(d.get("folds"))
        self.workers_field.set_value(None if d.get("workers", "auto") == "auto" else d["workers"])
        self.scheduler_field.set_value(d.get("scheduler"))
        params = d.get("params") or {}
        selected = self.selected_path()
        self.params_table.setRowCount(len(params))
        for row, (path, item) in enumerate(params.items()):
            for col, text in enumerate((path, describe_values(item))):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.params_table.setItem(row, col, cell)
            if path == selected:
                self.params_table.selectRow(row)
        self.params_hint.setVisible(not params)
        self._params_message(None)
        self._update_buttons()

    def _path(self, row: int) -> str:
        return self.params_table.item(row, 0).text()

    def selected_path(self) -> str | None:
        rows = self.params_table.selectionModel().selectedRows() if self.params_table.selectionModel() else []
        return self._path(rows[0].row()) if rows and self.params_table.item(rows[0].row(), 0) else None

    def params(self) -> dict:
        return dict(self.draft.get("params") or {})

    def set_running(self, running: bool) -> None:
        self.running = running
        self._update_buttons()

    def set_revalidating(self, busy: bool) -> None:
        self.revalidating = busy
        self._update_buttons()

    def set_best(self, text: str, available: bool) -> None:
        self.has_best = available
        self.best.setText(text)
        self.best.setVisible(bool(text))
        self._update_buttons()

    def show_message(self, text: str, role: str = "hint") -> None:
        set_state(self.message, "role", role)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_revalidation(self, text: str, role: str = "") -> None:
        set_state(self.revalidation, "role", role)
        self.revalidation.setText(text)
        self.revalidation.setVisible(bool(text))

    def _update_buttons(self) -> None:
        has_params = bool(self.draft.get("params"))
        self.start_button.setEnabled(not self.running and has_params)
        self.cancel_button.setEnabled(self.running or self.revalidating)
        selected = self.selected_path() is not None
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        self.use_best_button.setEnabled(self.has_best)
        self.revalidate_button.setEnabled(self.has_best and not self.revalidating)

    def _params_message(self, text: str | None) -> None:
        self.params_error.setText(text or "")
        self.params_error.setVisible(bool(text))

    # --- editing ------------------------------------------------------------------------------------------------
    def put_param(self, param: Any) -> bool:
        """Add a checked core ParamSpec, or replace the one at its path; True when the edit was applied."""
        params = self.params()
        text = f"Search over {param.path}" if param.path not in params else f"Change the search over {param.path}"
        params[param.path] = param.to_dict()
        return self._apply({**copy.deepcopy(self.draft), "params": params}, text, None)

    def remove_param(self, path: str) -> bool:
        params = self.params()
        if path not in params:
            return False
        del params[path]
        return self._apply({**copy.deepcopy(self.draft), "params": params}, f"Stop searching over {path}", None)

    def _edit_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.editRequested.emit(path)

    def _remove_selected(self) -> None:
        path = self.selected_path()
        if path is not None:
            self.remove_param(path)

    def _edit(self, field: Field, key: str, value: Any) -> None:
        candidate = copy.deepcopy(self.draft)
        if key == "refine.rounds":
            if value:
                candidate["refine"] = {**(candidate.get("refine") or {"keep": 0.25}), "rounds": value}
            else:
                candidate.pop("refine", None)
        elif key == "workers":
            candidate["workers"] = "auto" if value is None else value
        elif value is None or (key == "scheduler" and value == ""):
            candidate.pop(key, None)
        else:
            candidate[key] = value
        self._apply(candidate, f"Change search {field.name.removeprefix('search_').replace('_', ' ')}", field)

    def _apply(self, candidate: dict, text: str, field: Field | None) -> bool:
        """Check the candidate section; apply it (emit) when core accepts it, else show core's message."""
        from core.search.spec import parse_section

        params = candidate.get("params") or {}
        try:
            spec = parse_section({**candidate, "params": params or CHECK_PARAMS})
        except LayerLabError as exc:
            message = str(exc)
            if field is not None and not message.startswith("search.params"):
                field.set_error(message)
            else:
                self._params_message(message)
            return False
        if field is not None:
            field.set_error(None)
        self._params_message(None)
        self.draft = candidate
        if params:
            self.specEdited.emit(spec, text)
        else:
            self._show_draft()
            self.specEdited.emit(None, text)
        return True

