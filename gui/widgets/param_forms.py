"""Forms built from what core declares: a component's constructor signature or its `get_config()`.

A new activation, initializer, schedule or optimizer registered in core shows up in the app with a form for its
arguments and no GUI change: each argument's kind comes from its annotation (or default), its label from its name.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from .fields import CheckField, ChoiceField, Field, NumberField, NumberListField, TextField

LABELS = {
    "lr": "Learning rate", "l1": "L1", "l2": "L2", "eps": "Epsilon", "use_bias": "Use bias", "units": "Units",
    "max_norm": "Max norm", "rate": "Dropout rate", "stddev": "Noise stddev", "affine": "Learn scale/shift",
    "init": "Initial slope", "kernel_initializer": "Kernel init", "bias_initializer": "Bias init",
    "betas": "Betas (β1, β2)", "t_max": "Period (epochs)", "eta_min": "Minimum lr", "min_lr": "Minimum lr",
    "amsgrad": "AMSGrad", "nesterov": "Nesterov", "rho": "Rho", "min_delta": "Min delta",
    "start_from_epoch": "Start from epoch", "restore_best_weights": "Restore best weights",
    "warmup_epochs": "Warm-up epochs", "warmup_start_factor": "Warm-up start factor", "step_size": "Step (epochs)",
    "total_iters": "Epochs", "lr_decay": "Lr decay", "momentum_decay": "Momentum decay",
    "decoupled_weight_decay": "Decoupled decay", "initial_accumulator_value": "Initial accumulator",
}
TOOLTIPS = {
    "units": "Number of neurons (the layer's output width).",
    "l1": "L1 penalty on the kernel: l1 * sum(|w|) is added to the loss (drives weights to exactly zero).",
    "l2": "L2 penalty on the kernel: l2 * sum(w²) is added to the loss (weight decay).",
    "max_norm": "Rescale each unit's incoming weights so their L2 norm stays at most this value (empty: off).",
    "rate": "Fraction of units zeroed at random during training (inverted dropout; nothing at evaluation).",
    "stddev": "Standard deviation of the Gaussian noise added during training.",
    "momentum": "Batch norm: running = (1 - momentum) * running + momentum * batch (PyTorch's convention).",
    "lr": "Step size of the optimizer.",
    "weight_decay": "Penalty on the weights applied by the optimizer.",
}
# String arguments with a fixed set of values.
STRING_CHOICES = {"approximate": ("none", "tanh"), "mode": ("auto", "min", "max")}


@dataclass(frozen=True)
class ParamSpec:
    key: str
    kind: str                  # "int" | "float" | "bool" | "list" | "choice" | "text"
    default: Any = None
    optional: bool = False     # None is an accepted value (empty field)
    choices: tuple = ()

    @property
    def label(self) -> str:
        return LABELS.get(self.key, self.key.replace("_", " ").capitalize())

    @property
    def tooltip(self) -> str:
        return TOOLTIPS.get(self.key, "")


def _kind(annotation: Any, default: Any) -> tuple[str, bool]:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    optional = "None" in text or default is None
    if isinstance(default, bool) or text == "bool":
        return "bool", optional
    if isinstance(default, (list, tuple)):
        return "list", optional
    if "float" in text or isinstance(default, float):
        return "float", optional
    if "int" in text or isinstance(default, int):
        return "int", optional
    return "text", optional


def registered(registry, name: str) -> Callable:
    """The class or factory a core registry holds for `name` (aliases resolved)."""
    return dict(registry.items())[registry.canonical(name)]


def split_component(value: Any) -> tuple[str | None, dict]:
    """"relu" -> ("relu", {}); {"name": "leaky_relu", "negative_slope": 0.2} -> ("leaky_relu", {...})."""
    if value is None:
        return None, {}
    if isinstance(value, dict):
        return value.get("name"), {k: v for k, v in value.items() if k != "name"}
    return str(value), {}


def join_component(name: str, args: dict) -> Any:
    """The inverse of `split_component`: a bare name when there are no arguments."""
    return {"name": name, **args} if args else name


def signature_specs(factory: Callable, skip: Iterable[str] = ("path",)) -> list[ParamSpec]:
    """One spec per keyword argument of `factory` (a registered class or function)."""
    skip = set(skip)
    specs = []
    for name, p in inspect.signature(factory).parameters.items():
        if name in skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = None if p.default is inspect.Parameter.empty else p.default
        kind, optional = _kind(p.annotation, default)
        if p.default is inspect.Parameter.empty:
            optional = False
        if name in STRING_CHOICES:
            specs.append(ParamSpec(name, "choice", default, False, STRING_CHOICES[name]))
        else:
            specs.append(ParamSpec(name, kind, default, optional))
    return specs


def config_specs(config: dict, skip: Iterable[str] = ("name",)) -> list[ParamSpec]:
    """Specs from a full `get_config()` (every hyperparameter with its value): the optimizer form."""
    skip = set(skip)
    out = []
    for key, value in config.items():
        if key in skip:
            continue
        kind, _ = _kind("", value)
        out.append(ParamSpec(key, kind, value, value is None))
    return out


def make_field(spec: ParamSpec, prefix: str) -> Field:
    name = f"{prefix}_{spec.key}"
    if spec.kind == "bool":
        return CheckField(name, tooltip=spec.tooltip)
    if spec.kind in ("int", "float"):
        return NumberField(name, spec.kind, spec.optional, tooltip=spec.tooltip)
    if spec.kind == "list":
        return NumberListField(name, tooltip=spec.tooltip)
    if spec.kind == "choice":
        return ChoiceField(name, [(c, c) for c in spec.choices], tooltip=spec.tooltip)
    return TextField(name, tooltip=spec.tooltip)


class ParamForm(QWidget):
    """Label/field rows for a list of specs; `edited(key, value)` when the user commits one."""

    edited = Signal(str, object)

    def __init__(self, prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.prefix = prefix
        self.layout_ = QFormLayout(self)
        configure_form(self.layout_)
        self.fields: dict[str, Field] = {}
        self.specs: list[ParamSpec] = []
        self.menu_entry: tuple[str, Callable[[str], None]] | None = None   # (text, callback(key)) on every field

    def set_specs(self, specs: list[ParamSpec]) -> None:
        if [(s.key, s.kind) for s in specs] == [(s.key, s.kind) for s in self.specs]:
            self.specs = specs
            return
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.fields = {}
        self.specs = specs
        for spec in specs:
            field = make_field(spec, self.prefix)
            field.committed.connect(lambda value, key=spec.key: self.edited.emit(key, value))
            if self.menu_entry is not None:
                text, callback = self.menu_entry
                field.add_menu_entry(text, lambda key=spec.key: callback(key))
            self.fields[spec.key] = field
            add_row(self.layout_, form_label(spec.label, field), field)
        self.setVisible(bool(specs))

    def set_values(self, values: dict) -> None:
        for spec in self.specs:
            self.fields[spec.key].set_value(values.get(spec.key, spec.default))

    def set_error(self, key: str, message: str | None) -> None:
        if key in self.fields:
            self.fields[key].set_error(message)


def configure_form(layout: QFormLayout) -> None:
    """The same form geometry everywhere: right-aligned labels on top of their field, rows 6 px apart."""
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setHorizontalSpacing(10)
    layout.setVerticalSpacing(6)
    layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)


def add_section(layout, title: str) -> QFormLayout:
    """A titled section of a side panel (its title styled by role "section") with its form, added to `layout`."""
    label = QLabel(title)
    label.setProperty("role", "section")
    layout.addWidget(label)
    host = QWidget()
    form = QFormLayout(host)
    configure_form(form)
    form.setContentsMargins(0, 4, 0, 4)
    layout.addWidget(host)
    return form


def add_row(form: QFormLayout, label: QWidget, field: QWidget) -> None:
    """Add a row and show it now: a layout shows new children of a visible parent only on the next event-loop
    pass, and a message set before then would not be visible yet."""
    form.addRow(label, field)
    label.show()
    field.show()


LABEL_WIDTH = 100   # one label column width for every form, so stacked forms line up


def form_label(text: str, field: Field) -> QLabel:
    label = QLabel(text)
    label.setBuddy(field.editor)
    label.setMinimumHeight(26)
    label.setMinimumWidth(LABEL_WIDTH)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if field.editor.toolTip():
        label.setToolTip(field.editor.toolTip())
    return label
