"""The dialog that adds one setting to the search (or changes it): which values to try, as a range (on a log scale
or not, whole numbers or not, with a number of grid points) or as a list of choices.

It opens from a field's right-click "Search over this…" with the field's setting and the values it offers, or from
the search panel's Add button with a setting to pick. It starts from a guess around the setting's current value
(a learning rate of 0.01 suggests 0.001 to 0.1 on a log scale) and checks what it returns the way a project file is
checked: the section by core's parser, and every value at the range's ends and between them against the project.
"""
from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QVBoxLayout, QWidget)

from core.errors import LayerLabError
from core.project import Project
from gui.widgets.fields import format_number, parse_number
from gui.widgets.param_forms import configure_form

KINDS = (("Range on a log scale", "log_uniform"), ("Range", "uniform"), ("Whole numbers", "int"),
         ("Choices", "choice"))
SEARCHABLE_DATA = ("noise", "samples")      # data settings the Add button lists (besides every model/training one)


def current_value(project: Project, path: str) -> Any:
    """The setting's value in `project` (the number of hidden layers for the depth), None when it is not set."""
    from core.project_paths import get_value
    from core.search import HIDDEN_LAYERS
    from core.search.space import base_object, hidden_block

    obj = base_object(project)
    if path == HIDDEN_LAYERS:
        try:
            start, _end, output = hidden_block(obj["model"]["layers"])
        except LayerLabError:
            return None
        return sum(layer.get("type") == "dense" for layer in obj["model"]["layers"][start:output])
    try:
        return get_value(obj, path)
    except LayerLabError:
        return None


def searchable_paths(project: Project) -> list[str]:
    """What the Add button offers: the depth, then every model and training setting of the project by path."""
    from core.project_paths import flatten
    from core.search import HIDDEN_LAYERS
    from core.search.space import base_object

    obj = base_object(project)
    paths = [HIDDEN_LAYERS]
    for path, value in flatten({k: obj[k] for k in ("model", "training")}).items():
        if not path.endswith(".type") and not isinstance(value, (dict, list)):
            paths.append(path)
    paths += [f"data.{key}" for key in SEARCHABLE_DATA if isinstance(obj["data"].get(key), (int, float))]
    return paths


def suggestion(value: Any, choices: list | None) -> dict:
    """A starting point for the values of a setting whose current value is `value`: its JSON form in a spec."""
    if choices is not None or isinstance(value, (bool, str)):
        return {"choice": [value] if value is not None else list(choices or [])[:1]}
    if isinstance(value, int):
        if value <= 0:
            return {"int": [0, 10]}
        low, high = max(1, value // 4), max(value * 4, value + 2)
        return {"int": [low, high], "log": True} if high / low >= 8 else {"int": [low, high]}
    if isinstance(value, float):
        if value <= 0:
            return {"log_uniform": [1e-5, 1e-1]}
        if value <= 0.05:
            return {"log_uniform": [_round(value / 10), _round(value * 10)]}
        if value < 1:
            return {"uniform": [_round(value / 2), _round(min(0.95, value * 1.5))]}
        return {"uniform": [_round(value / 2), _round(value * 2)]}
    return {"log_uniform": [0.1, 10.0]}


def _round(value: float) -> float:
    return float(f"{value:.3g}")


def parse_choice(text: str) -> Any:
    """One typed choice: a number, true/false/null, a JSON object, or else the text itself."""
    text = text.strip()
    if text in ("true", "false", "null") or text[:1] in "{[":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    number = parse_number(text, "float")
    if isinstance(number, float) and number.is_integer() and "." not in text and "e" not in text.lower():
        return int(number)
    return number


def choice_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if value is None:
        return "null"
    return format_number(value)


class SearchParamDialog(QDialog):
    """objectName `searchParamDialog`; `chosen(ParamSpec)` when OK is pressed on values the project accepts."""

    chosen = Signal(object)

    def __init__(self, project: Project, path: str | None = None, choices: list | None = None,
                 item: dict | None = None, parent: QWidget | None = None):
        """`path`: the setting (None: pick one); `choices`: the values its field offers; `item`: its spec JSON
        when it is already searched."""
        super().__init__(parent)
        self.setObjectName("searchParamDialog")
        self.setWindowTitle("Search over a setting")
        self.project = project
        self.known = list(choices) if choices is not None else None
        self.path = QComboBox()
        self.path.setObjectName("searchParamPath")
        self.path.setEditable(True)
        self.path.addItems(searchable_paths(project))
        self.path.setEditText(path or "")
        self.path.setEnabled(path is None)
        self.path.setToolTip("The setting, by its place in the project (model.layers[0].units, training.optimizer.lr)")
        self.kind = QComboBox()
        self.kind.setObjectName("searchParamKind")
        for text, kind in KINDS:
            self.kind.addItem(text, kind)
        self.low, self.high = QLineEdit(), QLineEdit()
        self.low.setObjectName("searchParamLow")
        self.high.setObjectName("searchParamHigh")
        self.log = QCheckBox("Log scale (as many values per decade)")
        self.log.setObjectName("searchParamLog")
        self.steps = QLineEdit()
        self.steps.setObjectName("searchParamSteps")
        self.steps.setPlaceholderText("for a grid: how many values over the range")
        self.choice_list = QListWidget()
        self.choice_list.setObjectName("searchParamChoices")
        self.choice_list.setMaximumHeight(150)
        self.choice_text = QLineEdit()
        self.choice_text.setObjectName("searchParamChoicesText")
        self.choice_text.setPlaceholderText("values separated by commas: 16, 32, 64")
        self.message = QLabel()
        self.message.setObjectName("searchParamError")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("searchParamOk")
        self.ok_button.setText("Search over it")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        configure_form(form)
        form.addRow("Setting", self.path)
        form.addRow("Values", self.kind)
        self._rows = {"low": self._row(form, "From", self.low), "high": self._row(form, "To", self.high),
                      "log": self._row(form, "", self.log), "steps": self._row(form, "Grid points", self.steps),
                      "list": self._row(form, "Try", self.choice_list),
                      "text": self._row(form, "Try", self.choice_text)}
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.path.lineEdit().editingFinished.connect(self._path_changed)
        self._fill(item if item is not None else suggestion(current_value(project, path), self.known)
                   if path else {"log_uniform": [1e-4, 1e-1]})

    def _row(self, form: QFormLayout, label: str, widget: QWidget) -> tuple[QWidget, QWidget]:
        text = QLabel(label)
        form.addRow(text, widget)
        return text, widget

    # --- showing ------------------------------------------------------------------------------------------------
    def _fill(self, item: dict) -> None:
        kind = next(k for _text, k in KINDS if k in item)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        if kind == "choice":
            values = list(item["choice"])
            options = list(self.known or [])
            options += [v for v in values if not any(_same(v, o) for o in options)]
            self.choice_list.clear()
            for value in options:
                entry = QListWidgetItem(choice_text(value))
                entry.setData(Qt.ItemDataRole.UserRole, value)
                entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked if any(_same(value, v) for v in values)
                                    else Qt.CheckState.Unchecked)
                self.choice_list.addItem(entry)
            self.choice_text.setText(", ".join(choice_text(v) for v in values))
        else:
            low, high = item[kind]
            self.low.setText(format_number(low))
            self.high.setText(format_number(high))
            self.log.setChecked(bool(item.get("log")))
            self.steps.setText(format_number(item.get("steps")))
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        ranged = kind != "choice"
        visible = {"low": ranged, "high": ranged, "log": kind == "int", "steps": ranged,
                   "list": not ranged and self.known is not None, "text": not ranged and self.known is None}
        for key, (label, widget) in self._rows.items():
            label.setVisible(visible[key])
            widget.setVisible(visible[key])
        self.adjustSize()

    def _path_changed(self) -> None:
        """A setting picked from the list (Add): start from a guess around its value."""
        path = self.path.currentText().strip()
        if path and self.path.isEnabled():
            value = current_value(self.project, path)
            self.known = [True, False] if isinstance(value, bool) else None
            self._fill(suggestion(value, self.known))

    # --- reading ------------------------------------------------------------------------------------------------
    def item(self) -> dict:
        """The values as the spec's JSON (what the user typed, for core to check)."""
        kind = self.kind.currentData()
        if kind == "choice":
            if self.known is not None:
                values = [self.choice_list.item(i).data(Qt.ItemDataRole.UserRole)
                          for i in range(self.choice_list.count())
                          if self.choice_list.item(i).checkState() == Qt.CheckState.Checked]
            else:
                values = [parse_choice(part) for part in self.choice_text.text().split(",") if part.strip()]
            return {"choice": values}
        number = "int" if kind == "int" else "float"
        out: dict[str, Any] = {kind: [parse_number(self.low.text(), number), parse_number(self.high.text(), number)]}
        if kind == "int" and self.log.isChecked():
            out["log"] = True
        steps = parse_number(self.steps.text(), "int")
        if steps is not None:
            out["steps"] = steps
        return out

    def param(self) -> Any:
        """The checked ParamSpec; LayerLabError naming the problem."""
        from core.search import check_search
        from core.search.spec import parse_section

        path = self.path.currentText().strip()
        spec = parse_section({"params": {path: self.item()}})
        check_search(spec, self.project)
        return spec.params[0]

    def accept(self) -> None:
        try:
            param = self.param()
        except LayerLabError as exc:
            self.message.setText(str(exc))
            self.message.show()
            return
        self.message.hide()
        self.chosen.emit(param)
        super().accept()


def _same(a: Any, b: Any) -> bool:
    from core.search.spec import same_value

    return same_value(a, b)

