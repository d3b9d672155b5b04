"""The property editor of the selected layer, built from the layer's constructor arguments.

Activations and initializers are chosen from core's registries (every registered one), with a sub-form for their
own arguments (leaky ReLU's slope, a normal initializer's stddev). A candidate config is checked with core's
`build_layer` before it is applied; a refusal shows core's message under the field and changes nothing.
"""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QVBoxLayout, QWidget

from core.activations import ACTIVATIONS, get_activation
from core.errors import LayerLabError
from core.initializers import INITIALIZERS, default_kernel_initializer
from core.layers import LAYERS, build_layer
from gui.theme import set_state
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.fields import SEARCH_OVER, ChoiceField, Field, choices_from
from gui.widgets.param_forms import (
    ParamSpec,
    add_row,
    configure_form,
    form_label,
    join_component,
    make_field,
    registered,
    signature_specs,
    split_component,
)

from .layer_list import TYPE_LABELS, layer_types, new_layer

COMMON_ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax")
COMMON_INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "zeros")
DEFAULT = "__default__"


class LayerEditor(QWidget):
    layerEdited = Signal(int, object, str)    # (layer index, new config, undo text)
    searchRequested = Signal(str, object)     # (setting path, its possible values or None): "Search over this…"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("layerEditor")
        self.index = -1
        self.config: dict = {}
        self.fields: dict[tuple, Field] = {}
        self._shape: tuple = ()
        self.title = ElidedLabel("Select a layer to edit its properties.")
        self.title.setObjectName("layerEditorTitle")
        self.title.setProperty("role", "hint")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        configure_form(self.form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.form_host)
        layout.addStretch(1)
        self.form_host.hide()

    # --- showing ------------------------------------------------------------------------------------------------
    def show_layer(self, index: int, config: dict | None) -> None:
        self.index = index
        if config is None or index < 0:
            self.config = {}
            self.title.set_full_text("Select a layer to edit its properties.")
            set_state(self.title, "role", "hint")
            self.form_host.hide()
            self._shape = ()
            return
        self.config = copy.deepcopy(config)
        kind = LAYERS.canonical(config["type"])
        self.title.set_full_text(f"Layer {index}  ·  {TYPE_LABELS.get(kind, kind)}")
        set_state(self.title, "role", "section")
        rows = self._rows(kind)
        shape = tuple((path, spec.kind) for path, spec in rows)
        if shape != self._shape:
            self._build(rows)
            self._shape = shape
        self._fill(kind, rows)
        self.form_host.show()

    def _rows(self, kind: str) -> list[tuple[tuple, ParamSpec]]:
        """(key path, spec) for every field: the layer's arguments, then each component's own arguments."""
        rows: list[tuple[tuple, ParamSpec]] = [(("type",), ParamSpec("type", "choice"))]
        for spec in signature_specs(registered(LAYERS, kind)):
            if spec.key == "activation" or spec.key.endswith("_initializer"):
                rows.append(((spec.key,), ParamSpec(spec.key, "component", spec.default, spec.optional)))
                registry = ACTIVATIONS if spec.key == "activation" else INITIALIZERS
                name, _ = split_component(self.config.get(spec.key, spec.default))
                if name is not None:
                    for sub in signature_specs(registered(registry, name)):
                        rows.append(((spec.key, sub.key), sub))
            else:
                rows.append(((spec.key,), spec))
        return rows

    def _build(self, rows) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        for path, spec in rows:
            name = "layer_" + "_".join(path)
            if path == ("type",):
                field = ChoiceField(name, [(TYPE_LABELS.get(k, k), k) for k in layer_types()],
                                    "The kind of layer; changing it replaces the layer with a new one of that kind.")
                label = "Type"
            elif spec.kind == "component":
                field = ChoiceField(name, self._component_choices(spec.key))
                label = spec.label
            else:
                field = make_field(spec, "layer_" + "_".join(path[:-1]) if len(path) > 1 else "layer")
                label = ("   " if len(path) > 1 else "") + spec.label
            field.committed.connect(lambda value, p=path: self._edited(p, value))
            if len(path) == 1 and path != ("type",):
                field.add_menu_entry(SEARCH_OVER, lambda p=path: self._search_requested(p))
            self.fields[path] = field
            add_row(self.form, form_label(label, field), field)

    def _component_choices(self, key: str) -> list[tuple[str, Any]]:
        if key == "activation":
            return choices_from(ACTIVATIONS.names(), COMMON_ACTIVATIONS)
        choices = choices_from(INITIALIZERS.names(), COMMON_INITIALIZERS)
        if key == "kernel_initializer":
            return [("default for the activation", DEFAULT), ("-", None)] + choices
        return choices

    def _fill(self, kind: str, rows) -> None:
        for path, spec in rows:
            field = self.fields[path]
            if path == ("type",):
                field.set_value(kind)
                continue
            if len(path) == 1:
                value = self.config.get(path[0], spec.default)
                if spec.kind == "component":
                    name, _ = split_component(value)
                    field.set_value(DEFAULT if name is None else self._canonical(path[0], name))
                    if path[0] == "kernel_initializer":
                        field.editor.setItemText(0, f"default ({self._default_init()})")
                    if path[0] == "activation":
                        self._warn_activation(field, name)
                else:
                    field.set_value(value)
            else:
                _, args = split_component(self.config.get(path[0]))
                field.set_value(args.get(path[1], spec.default))

    def _canonical(self, key: str, name: str) -> str:
        registry = ACTIVATIONS if key == "activation" else INITIALIZERS
        try:
            return registry.canonical(name)
        except LayerLabError:
            return name

    def _default_init(self) -> str:
        name, _ = split_component(self.config.get("activation", "linear"))
        try:
            return default_kernel_initializer(get_activation(name).name)
        except LayerLabError:
            return "glorot_uniform"

    def _warn_activation(self, field: Field, name: str | None) -> None:
        try:
            learns = get_activation(name or "linear").learns
        except LayerLabError:
            learns = True
        field.set_warning(None if learns else
                          f"{name} has a zero derivative almost everywhere: no gradient flows back through it, "
                          "so the layers before it cannot learn.")

    def _search_requested(self, path: tuple) -> None:
        """A layer argument's right-click "Search over this…": its path in the project and, for a choice, the values
        it may take. (An activation's or initializer's own arguments are not offered: a component given by its name
        alone has no place for them in the project.)"""
        choices = self.fields[path].known_values()
        if choices is not None:
            choices = [v for v in choices if v != DEFAULT]
        self.searchRequested.emit(f"model.layers[{self.index}].{path[0]}", choices)

    # --- editing ------------------------------------------------------------------------------------------------
    def _edited(self, path: tuple, value: Any) -> None:
        candidate, text = self._candidate(path, value)
        try:
            build_layer(candidate, f"model.layers[{self.index}]")
        except LayerLabError as exc:
            self.fields[path].set_error(str(exc))
            return
        self.fields[path].set_error(None)
        if candidate != self.config:
            self.layerEdited.emit(self.index, candidate, text)

    def _candidate(self, path: tuple, value: Any) -> tuple[dict, str]:
        config = copy.deepcopy(self.config)
        key = path[0]
        label = key.replace("_", " ")
        if key == "type":
            new = new_layer(value)
            for keep in ("activation", "units"):
                if keep in config and keep in new:
                    new[keep] = config[keep]
            return new, f"Change layer {self.index} to {value.replace('_', ' ')}"
        if len(path) == 2:
            name, args = split_component(config.get(key))
            args[path[1]] = value
            config[key] = join_component(name, args)
            return config, f"Set {path[1].replace('_', ' ')} of layer {self.index}"
        spec = next(s for s in signature_specs(registered(LAYERS, config["type"])) if s.key == key)
        if value == DEFAULT or (value is None and spec.optional):
            config.pop(key, None)
        else:
            config[key] = value
        shown = value if value != DEFAULT else "default"
        return config, f"Set {label} of layer {self.index} to {shown}"
