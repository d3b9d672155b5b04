"""The network as a list of layers from input to output, with add, insert, duplicate, remove and reorder.

The list never edits a project itself: every action computes the new list of layer configs and emits
`layersEdited(layers, description, selection)`; the window records it as one undoable edit and calls `show()`
with the result, so undo, redo and reopening all go through the same path.
"""
from __future__ import annotations

import copy

from PySide6.QtCore import QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import LayerLabError
from core.layers import LAYERS, build_layer
from gui.theme import icon, layer_color
from gui.widgets.elided_label import ElidedLabel

from .layer_delegate import ROW_ROLE, LayerDelegate, RowInfo

INDEX_ROLE = Qt.ItemDataRole.UserRole
# What "add" creates for each layer type: a sensible start the property editor can change.
NEW_LAYERS = {
    "dense": {"type": "dense", "units": 8, "activation": "relu"},
    "activation": {"type": "activation", "activation": "relu"},
    "prelu": {"type": "prelu"},
    "dropout": {"type": "dropout", "rate": 0.2},
    "gaussian_noise": {"type": "gaussian_noise", "stddev": 0.1},
    "batch_norm": {"type": "batch_norm"},
    "layer_norm": {"type": "layer_norm"},
}
TYPE_LABELS = {
    "dense": "Dense (fully connected)", "activation": "Activation", "prelu": "PReLU (learned slopes)",
    "dropout": "Dropout", "gaussian_noise": "Gaussian noise", "batch_norm": "Batch normalization",
    "layer_norm": "Layer normalization",
}


def new_layer(kind: str) -> dict:
    return copy.deepcopy(NEW_LAYERS.get(kind, {"type": kind}))


def layer_types() -> list[str]:
    """Registered layer types that can be created with defaults, in a teaching order."""
    known = [k for k in NEW_LAYERS if k in LAYERS.names()]
    extra = []
    for name in LAYERS.names():
        if name not in known:
            try:
                build_layer({"type": name}, "layer")
                extra.append(name)
            except LayerLabError:
                pass
    return known + extra


def describe(layer: dict) -> str:
    try:
        return build_layer(layer, "layer").describe().replace(", ", " · ")
    except LayerLabError:
        return str(layer.get("type", "?"))


class NetworkBuilder(QWidget):
    layersEdited = Signal(object, str, int)   # (new layer list, undo text, row to select afterwards)
    currentChanged = Signal(int)              # selected layer index, -1 for none

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("networkBuilder")
        self.layers: list[dict] = []
        self.input_label = ElidedLabel("input")        # feature names elide: the panel's width is the user's
        self.input_label.setObjectName("inputShapeLabel")
        self.input_label.setProperty("role", "shape")
        self.output_label = QLabel("")
        self.output_label.setObjectName("outputSummaryLabel")
        self.output_label.setProperty("role", "shape")
        self.output_label.setWordWrap(True)

        self.list = QListWidget()
        self.list.setObjectName("layerList")
        self.list.setItemDelegate(LayerDelegate(self.list))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setMinimumHeight(150)
        self.list.setUniformItemSizes(True)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.list.currentRowChanged.connect(self._current_changed)

        self.actions_ = self._make_actions()
        self.add_button = self._tool_button("addLayerButton", self.actions_["add"], menu=self._type_menu("add"))
        self.insert_button = self._tool_button("insertLayerButton", self.actions_["insert"],
                                               menu=self._type_menu("insert"))
        self.duplicate_button = self._tool_button("duplicateLayerButton", self.actions_["duplicate"])
        self.remove_button = self._tool_button("removeLayerButton", self.actions_["remove"])
        self.up_button = self._tool_button("moveLayerUpButton", self.actions_["up"])
        self.down_button = self._tool_button("moveLayerDownButton", self.actions_["down"])
        tools = QHBoxLayout()
        tools.setSpacing(2)
        for button in (self.add_button, self.insert_button, self.duplicate_button, self.remove_button):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.up_button)
        tools.addWidget(self.down_button)

        stack = QVBoxLayout()           # input, layers, output read as one table
        stack.setSpacing(0)
        stack.addWidget(self.input_label)
        stack.addWidget(self.list, 1)
        stack.addWidget(self.output_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(tools)
        layout.addLayout(stack, 1)
        self._update_buttons()

    # --- actions ------------------------------------------------------------------------------------------------
    def _make_actions(self) -> dict[str, QAction]:
        specs = {
            "add": ("Add layer", "add", "Ctrl+L", "Add a dense layer below the selection (arrow: choose the type)",
                    lambda: self.add_layer("dense")),
            "insert": ("Insert layer above", "insert", "Ctrl+Shift+L", "Insert a dense layer above the selection",
                       lambda: self.insert_layer("dense")),
            "duplicate": ("Duplicate layer", "duplicate", "Ctrl+D", "Duplicate the selected layer",
                          self.duplicate_layer),
            "remove": ("Remove layer", "remove", "Delete", "Remove the selected layer", self.remove_layer),
            "up": ("Move layer up", "up", "Alt+Up", "Move the selected layer towards the input",
                   lambda: self.move_layer(-1)),
            "down": ("Move layer down", "down", "Alt+Down", "Move the selected layer towards the output",
                     lambda: self.move_layer(1)),
        }
        actions = {}
        for key, (text, icon_name, shortcut, tip, slot) in specs.items():
            action = QAction(icon(icon_name), text, self)
            action.setObjectName({"up": "actionMoveLayerUp", "down": "actionMoveLayerDown"}.get(
                key, f"action{key.capitalize()}Layer"))
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})")
            action.setIconText(text.split()[0])
            action.triggered.connect(slot)
            self.addAction(action)
            actions[key] = action
        return actions

    def _type_menu(self, where: str) -> QMenu:
        menu = QMenu(self)
        for kind in layer_types():
            action = menu.addAction(TYPE_LABELS.get(kind, kind.replace("_", " ").capitalize()))
            action.setObjectName(f"{where}Layer_{kind}")
            action.triggered.connect(lambda _=False, k=kind, w=where: self.add_layer(k) if w == "add"
                                     else self.insert_layer(k))
        return menu

    def _tool_button(self, name: str, action: QAction, menu: QMenu | None = None) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setProperty("role", "listTool")
        button.setDefaultAction(action)
        button.setIconSize(QSize(16, 16))
        icon_only = name.startswith(("move", "duplicate", "remove"))     # the row fits a narrow panel
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly if icon_only
                                  else Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        if menu is not None:
            button.setMenu(menu)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        return button

    # --- showing ------------------------------------------------------------------------------------------------
    def show_layers(self, layers: list[dict], rows=None, input_width: int | None = None,
                    problems: dict[int, str] | None = None, select: int | None = None,
                    input_names: tuple[str, ...] = ()) -> None:
        """Display `layers`; `rows` is core's Network.summary() for them when the data's width is known."""
        current = self.list.currentRow() if select is None else select
        self.layers = [dict(layer) for layer in layers]
        problems = problems or {}
        self.list.blockSignals(True)
        self.list.clear()
        for i, layer in enumerate(self.layers):
            row = rows[i] if rows is not None and i < len(rows) else None
            shape = f"(None, {row.output_width})" if row is not None else "(None, ?)"
            params = f"{row.params:,} params" if row is not None else ""
            if row is not None and row.non_trainable:
                params = f"{row.params:,} + {row.non_trainable} fixed"
            info = RowInfo(i, row.description.replace(", ", " · ") if row is not None else describe(layer),
                           shape, params, layer_color(i), problems.get(i, ""))
            item = QListWidgetItem(info.text())
            item.setData(INDEX_ROLE, i)
            item.setData(ROW_ROLE, info)
            item.setToolTip(info.text())
            self.list.addItem(item)
        self.list.blockSignals(False)
        width = "?" if input_width is None else input_width
        names = ", ".join(input_names[:4]) + (", …" if len(input_names) > 4 else "")
        self.input_label.set_full_text(f"input  (None, {width})" + (f"  ·  {names}" if names else ""),
                                       f"{width} inputs: " + ", ".join(input_names) if input_names else "")
        if rows is not None and rows:
            total = sum(r.params for r in rows)
            fixed = sum(r.non_trainable for r in rows)
            extra = f" + {fixed:,} fixed" if fixed else ""
            self.output_label.setText(f"output  (None, {rows[-1].output_width})  ·  {total:,} parameters{extra}")
            self.output_label.setToolTip(f"{total:,} trainable parameters" + (
                f" and {fixed:,} fixed values (running statistics)" if fixed else ""))
        else:
            self.output_label.setText("output  (None, ?)" if self.layers else "no layers: add one to start")
        if self.layers:
            self.list.setCurrentRow(max(0, min(current, len(self.layers) - 1)))
        self._update_buttons()
        self.currentChanged.emit(self.current_index())

    def current_index(self) -> int:
        return self.list.currentRow() if 0 <= self.list.currentRow() < len(self.layers) else -1

    def select(self, index: int) -> None:
        self.list.setCurrentRow(index)

    # --- edits (each emits one layersEdited) --------------------------------------------------------------------
    def add_layer(self, kind: str = "dense") -> None:
        at = self.current_index() + 1 if self.current_index() >= 0 else len(self.layers)
        self._insert(at, new_layer(kind), f"Add {kind.replace('_', ' ')} layer")

    def insert_layer(self, kind: str = "dense") -> None:
        at = max(self.current_index(), 0)
        self._insert(at, new_layer(kind), f"Insert {kind.replace('_', ' ')} layer")

    def duplicate_layer(self) -> None:
        i = self.current_index()
        if i >= 0:
            self._insert(i + 1, copy.deepcopy(self.layers[i]), f"Duplicate layer {i}")

    def remove_layer(self) -> None:
        i = self.current_index()
        if i >= 0:
            layers = self.layers[:i] + self.layers[i + 1:]
            self.layersEdited.emit(layers, f"Remove layer {i} ({describe(self.layers[i])})",
                                   min(i, len(layers) - 1))

    def move_layer(self, delta: int) -> None:
        i = self.current_index()
        j = i + delta
        if i < 0 or not 0 <= j < len(self.layers):
            return
        layers = list(self.layers)
        layers[i], layers[j] = layers[j], layers[i]
        self.layersEdited.emit(layers, f"Move layer {i} {'up' if delta < 0 else 'down'}", j)

    def _insert(self, at: int, layer: dict, text: str) -> None:
        layers = self.layers[:at] + [layer] + self.layers[at:]
        self.layersEdited.emit(layers, text, at)

    def _rows_moved(self, _parent: QModelIndex, start: int, _end: int, _dest: QModelIndex, row: int) -> None:
        # Drag and drop has already moved the item; read the new order once Qt has finished the drop.
        position = row if row < start else row - 1
        QTimer.singleShot(0, lambda: self._apply_drag_order(position))

    def _apply_drag_order(self, position: int) -> None:
        order = [self.list.item(r).data(INDEX_ROLE) for r in range(self.list.count())]
        if order == list(range(len(self.layers))) or sorted(order) != list(range(len(self.layers))):
            return
        position = max(0, min(position, len(order) - 1))
        layers = [self.layers[i] for i in order]
        self.layersEdited.emit(layers, f"Move layer {order[position]} to position {position}", position)

    def _current_changed(self, _row: int) -> None:
        self._update_buttons()
        self.currentChanged.emit(self.current_index())

    def _update_buttons(self) -> None:
        i, n = self.current_index(), len(self.layers)
        enabled = self.isEnabled()
        self.actions_["duplicate"].setEnabled(enabled and i >= 0)
        self.actions_["remove"].setEnabled(enabled and i >= 0)
        self.actions_["up"].setEnabled(enabled and i > 0)
        self.actions_["down"].setEnabled(enabled and 0 <= i < n - 1)
        self.actions_["add"].setEnabled(enabled)
        self.actions_["insert"].setEnabled(enabled)

    def setEnabled(self, enabled: bool) -> None:  # noqa: N802 (Qt's name)
        super().setEnabled(enabled)
        self._update_buttons()
