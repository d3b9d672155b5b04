"""Form fields that show their own validation message.

A field only collects what the user typed and emits `committed(value)`; the owner validates the candidate through
core (the same checks a project file gets) and calls `set_error(message)` when core refuses it, so the message a
user sees is core's one-line message and nothing invalid is ever applied. Numbers are typed into line edits, not
spin boxes, so any input (even "abc" or "-3") gets a clear answer instead of being silently clamped.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QMenu, QVBoxLayout, QWidget

from gui.theme import set_state


SEARCH_OVER = "Search over this…"     # the right-click entry that adds a field's setting to the search


def format_number(value: Any) -> str:
    """Shortest text that reads back to the same number: 0.001, 1e-08, 16."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def parse_number(text: str, kind: str) -> Any:
    """An int or float when the text is one; otherwise the text itself, for core to reject with its message."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if kind == "int" and number.is_integer() else number


def commit_typing() -> None:
    """A line edit being typed into applies its text when it loses focus: do that now (before a run starts)."""
    focus = QApplication.focusWidget()
    if isinstance(focus, QLineEdit):
        focus.clearFocus()


class Field(QWidget):
    """An editor with an inline message below it (hidden until there is something to say)."""

    committed = Signal(object)

    def __init__(self, name: str, editor: QWidget, tooltip: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.editor = editor
        self.setObjectName(f"{name}Field")
        editor.setObjectName(name)
        if tooltip:
            editor.setToolTip(tooltip)
        self.message = QLabel()
        self.message.setObjectName(f"{name}Error")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.message)
        self._value: Any = None
        self._error = ""
        self._menu_entries: list[tuple[str, Callable[[], None]]] = []

    # --- what the owner calls ---------------------------------------------------------------------------------
    def set_value(self, value: Any) -> None:
        """Show `value` (from the model); clears any error. Never emits."""
        self._value = value
        self._show(value)
        self.set_error(None)

    def value(self) -> Any:
        return self._value

    def set_error(self, message: str | None) -> None:
        self._error = message or ""
        set_state(self.editor, "invalid", bool(message))
        self._set_message(message, "error")

    def set_warning(self, message: str | None) -> None:
        if not self._error:
            self._set_message(message, "warning")

    @property
    def error(self) -> str:
        return self._error

    def known_values(self) -> list | None:
        """Every value the editor offers (a combo's entries, true and false), or None when it takes any typed."""
        return None

    def add_menu_entry(self, text: str, callback: Callable[[], None]) -> None:
        """An entry of the editor's right-click menu, after the editor's own (a line edit's Cut, Copy, Paste)."""
        if not self._menu_entries:
            self.editor.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            self.editor.customContextMenuRequested.connect(self._show_menu)
        self._menu_entries.append((text, callback))

    def context_menu(self) -> QMenu:
        """The editor's right-click menu (built anew each time; the caller shows or discards it)."""
        editor = self.editor
        menu = editor.createStandardContextMenu() if isinstance(editor, QLineEdit) else QMenu(editor)
        if not menu.isEmpty():
            menu.addSeparator()
        for text, callback in self._menu_entries:
            action = menu.addAction(text)
            action.triggered.connect(lambda _=False, c=callback: c())
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        menu = self.context_menu()
        menu.exec(self.editor.mapToGlobal(pos))
        menu.deleteLater()

    # --- for subclasses ---------------------------------------------------------------------------------------
    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _set_message(self, message: str | None, role: str) -> None:
        set_state(self.message, "role", role)
        self.message.setText(message or "")
        self.message.setVisible(bool(message))

    def _commit(self, value: Any) -> None:
        if value == self._value and type(value) is type(self._value) and not self._error:
            return
        self.committed.emit(value)


class NumberField(Field):
    """An int or float typed as text; empty means "not set" (None) for optional settings."""

    def __init__(self, name: str, kind: str = "float", optional: bool = False, placeholder: str = "",
                 tooltip: str = "", parent: QWidget | None = None):
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder or ("none" if optional else ""))
        super().__init__(name, edit, tooltip, parent)
        self.kind = kind
        self.optional = optional
        edit.editingFinished.connect(self._finished)

    def _show(self, value: Any) -> None:
        self.editor.setText(format_number(value))

    def _finished(self) -> None:
        text = self.editor.text()
        value = parse_number(text, self.kind)
        if value is None and not self.optional:
            value = text.strip()
        self._commit(value)


class TextField(Field):
    """Free text (a metric name, a list of class weights); the owner parses it."""

    def __init__(self, name: str, placeholder: str = "", tooltip: str = "", parent: QWidget | None = None):
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        super().__init__(name, edit, tooltip, parent)
        edit.editingFinished.connect(lambda: self._commit(self.editor.text().strip()))

    def _show(self, value: Any) -> None:
        self.editor.setText("" if value is None else str(value))


class NumberListField(Field):
    """A short list of numbers typed as "0.9, 0.999" (Adam's betas)."""

    def __init__(self, name: str, tooltip: str = "", parent: QWidget | None = None):
        super().__init__(name, QLineEdit(), tooltip, parent)
        self.editor.editingFinished.connect(self._finished)

    def _show(self, value: Any) -> None:
        self.editor.setText(", ".join(format_number(v) for v in (value or [])))

    def _finished(self) -> None:
        text = self.editor.text().replace(";", ",")
        if not text.strip():
            self._commit([])              # a cleared field is an empty list (e.g. no class weights), not [""]
            return
        self._commit([parse_number(p, "float") if p.strip() else p.strip() for p in text.split(",")])


class ChoiceField(Field):
    """A combo box over (label, value) pairs; emits only when the user picks an entry."""

    def __init__(self, name: str, choices: Iterable[tuple[str, Any]] = (), tooltip: str = "",
                 parent: QWidget | None = None):
        super().__init__(name, QComboBox(), tooltip, parent)
        self.editor.setMaxVisibleItems(20)
        # Long entries must not widen a side panel: the combo shrinks and its popup shows them in full.
        self.editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.editor.setMinimumContentsLength(10)
        self.set_choices(choices)
        self.editor.activated.connect(lambda index: self._commit(self.editor.itemData(index)))

    def set_choices(self, choices: Iterable[tuple[str, Any]]) -> None:
        combo: QComboBox = self.editor
        combo.blockSignals(True)
        combo.clear()
        for label, value in choices:
            if label == "-":
                combo.insertSeparator(combo.count())
            else:
                combo.addItem(label, value)
        combo.blockSignals(False)

    def values(self) -> list[Any]:
        return [self.editor.itemData(i) for i in range(self.editor.count()) if self.editor.itemText(i)]

    def known_values(self) -> list | None:
        return [v for v in self.values() if v is not None]

    def select(self, value: Any) -> None:
        """Pick `value` as a user would (emits `committed` if it changes the setting)."""
        index = self._index(value)
        if index < 0:
            raise ValueError(f"{self.name}: no choice {value!r}")
        self.editor.setCurrentIndex(index)
        self._commit(value)

    def _index(self, value: Any) -> int:
        for i in range(self.editor.count()):
            if self.editor.itemText(i) and self.editor.itemData(i) == value:
                return i
        return -1

    def _show(self, value: Any) -> None:
        index = self._index(value)
        if index < 0:
            self.editor.addItem(str(value), value)
            index = self.editor.count() - 1
        self.editor.setCurrentIndex(index)


class CheckField(Field):
    def __init__(self, name: str, text: str = "", tooltip: str = "", parent: QWidget | None = None):
        super().__init__(name, QCheckBox(text), tooltip, parent)
        self.editor.clicked.connect(lambda checked: self._commit(bool(checked)))

    def known_values(self) -> list | None:
        return [True, False]

    def _show(self, value: Any) -> None:
        self.editor.setChecked(bool(value))


def choices_from(names: Sequence[str], first: Sequence[str] = ()) -> list[tuple[str, Any]]:
    """Registry names as combo entries: the common ones first, a separator, then the rest alphabetically."""
    head = [n for n in first if n in names]
    rest = [n for n in names if n not in head]
    out = [(n, n) for n in head]
    if head and rest:
        out.append(("-", None))
    return out + [(n, n) for n in rest]
