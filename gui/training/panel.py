"""Training settings: loss, optimizer and its hyperparameters, learning-rate schedule, batches, epochs, seed, early
stopping, gradient clipping, precision and class weights.

Every edit builds the candidate `training` section and validates it with core's `parse_training`, exactly as a
project file is validated; a refusal shows core's message under the field and nothing is applied. The optimizer's
form is rebuilt from the chosen optimizer's `get_config()`, so it always lists every hyperparameter it has.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from core.early_stopping import EarlyStopping, check_monitors
from core.errors import LayerLabError
from core.losses import LOSSES
from core.optimizers import OPTIMIZERS, get_optimizer
from core.schedules import SCHEDULES
from core.tasks import default_loss_for
from core.training_config import TrainingConfig, parse_training
from gui.widgets.fields import SEARCH_OVER, CheckField, ChoiceField, Field, NumberField, TextField, choices_from
from gui.widgets.param_forms import (
    LABEL_WIDTH,
    ParamForm,
    add_section,
    config_specs,
    form_label,
    join_component,
    registered,
    signature_specs,
    split_component,
)

# Schedules whose key argument has no default: start from the value their error message suggests.
SCHEDULE_STARTERS = {"step": {"step_size": 10}, "exponential": {"gamma": 0.95}}
EARLY_STOPPING_START = {"monitor": "val_loss", "patience": 10}
COMMON_OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
# The setting each field edits, by path, for its "Search over this…" entry (fields not listed have none: a
# schedule or early stopping as a whole, class weights). Sub-forms add their argument's key to their prefix's path.
SEARCH_PATHS = {"training_loss": "training.loss", "training_optimizer": "training.optimizer.name",
                "training_batch_size": "training.batch_size", "training_epochs": "training.epochs",
                "training_seed": "training.seed", "training_shuffle": "training.shuffle",
                "training_clip_norm": "training.clip.norm", "training_clip_value": "training.clip.value",
                "training_dtype": "training.dtype"}
SEARCH_PREFIXES = {"training_optimizer": "training.optimizer", "training_schedule": "training.schedule",
                   "training_early_stopping": "training.early_stopping"}


class TrainingPanel(QScrollArea):
    trainingEdited = Signal(object, str)     # (TrainingConfig, undo text)
    searchRequested = Signal(str, object)    # (setting path, its possible values or None): "Search over this…"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("panelScroll")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.config = TrainingConfig()
        self.task: str | None = None
        self.has_validation: bool | None = None      # known with the task, once the data is loaded
        body = QWidget()
        body.setObjectName("trainingPanel")
        self.setWidget(body)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(10, 4, 10, 10)
        self._layout.setSpacing(4)

        form = self._section("Objective")
        self.loss = self._field(form, "Loss", ChoiceField("training_loss", tooltip="The function training "
                                "minimises; 'auto' follows the data's task as the course notes advise."),
                                self._set_loss)
        self.loss_args = self._subform("training_loss", self._set_loss_arg)

        form = self._section("Optimizer")
        self.optimizer = self._field(form, "Optimizer", ChoiceField(
            "training_optimizer", choices_from(OPTIMIZERS.names(), COMMON_OPTIMIZERS)), self._set_optimizer)
        self.optimizer_args = self._subform("training_optimizer", self._set_optimizer_arg)

        form = self._section("Learning-rate schedule")
        self.schedule = self._field(form, "Schedule", ChoiceField(
            "training_schedule", [("constant", None)] + [(n.replace("_", " "), n) for n in SCHEDULES.names()
                                                          if n != "constant"]), self._set_schedule)
        self.schedule_args = self._subform("training_schedule", self._set_schedule_arg)

        form = self._section("Batches")
        self.batch_size = self._field(form, "Batch size", NumberField("training_batch_size", "int"),
                                      lambda v: self._set_key("batch_size", v))
        self.epochs = self._field(form, "Epochs", NumberField(
            "training_epochs", "int", tooltip="Epochs per run; pressing Train again trains this many more."),
            lambda v: self._set_key("epochs", v))
        self.seed = self._field(form, "Seed", NumberField(
            "training_seed", "int", tooltip="Initial weights, shuffling and dropout all follow this seed: "
            "Reset with the same seed reproduces a run exactly."), lambda v: self._set_key("seed", v))
        self.shuffle = self._field(form, "", CheckField("training_shuffle", "Shuffle every epoch"),
                                   lambda v: self._set_key("shuffle", v))

        form = self._section("Early stopping")
        self.early = self._field(form, "", CheckField(
            "training_early_stopping", "Stop when stalled", "Stop the run when the monitored value stops improving "
            "(Keras' EarlyStopping)"), self._set_early)
        self.early_args = self._subform("training_early_stopping", self._set_early_arg)

        form = self._section("Gradient clipping")
        self.clip_norm = self._field(form, "Max norm", NumberField(
            "training_clip_norm", "float", optional=True, tooltip="Rescale the whole gradient when its L2 norm "
            "exceeds this (empty: off)."), lambda v: self._set_clip("norm", v))
        self.clip_value = self._field(form, "Max value", NumberField(
            "training_clip_value", "float", optional=True, tooltip="Clip each gradient entry to [-v, v] "
            "(empty: off)."), lambda v: self._set_clip("value", v))

        form = self._section("Precision and weighting")
        self.dtype = self._field(form, "Precision", ChoiceField(
            "training_dtype", [("float32", "float32"), ("float64", "float64")], tooltip="Changing the precision "
            "rebuilds the network."), lambda v: self._set_key("dtype", v))
        self.class_weight = self._field(form, "Class weights", TextField(
            "training_class_weight", "none, balanced, or 1, 2.5, ...", "Weight each class's samples in the loss: "
            "'balanced' evens out rare classes; or one weight per class."), self._set_class_weight)
        self._layout.addStretch(1)

    # --- layout helpers -----------------------------------------------------------------------------------------
    def _section(self, title: str) -> QFormLayout:
        form = self._current_form = add_section(self._layout, title)
        return form

    def _field(self, form: QFormLayout, label: str, field: Field, handler: Callable[[Any], None]) -> Field:
        field.committed.connect(lambda value, f=field: self._edit(f, handler, value))
        if field.name in SEARCH_PATHS:
            field.add_menu_entry(SEARCH_OVER, lambda f=field: self._search_requested(SEARCH_PATHS[f.name], f))
        spacer = QLabel()
        spacer.setMinimumWidth(LABEL_WIDTH)
        form.addRow(form_label(label, field) if label else spacer, field)
        return field

    def _subform(self, prefix: str, handler: Callable[[str, Any], None]) -> ParamForm:
        sub = ParamForm(prefix)
        if prefix in SEARCH_PREFIXES:
            sub.menu_entry = (SEARCH_OVER, lambda key, s=sub: self._search_requested(
                f"{SEARCH_PREFIXES[prefix]}.{key}", s.fields[key]))
        sub.edited.connect(lambda key, value, s=sub: self._edit(s.fields[key], lambda v: handler(key, v), value))
        self._current_form.addRow(sub)
        return sub

    def _search_requested(self, path: str, field: Field) -> None:
        self.searchRequested.emit(path, field.known_values())

    # --- showing ------------------------------------------------------------------------------------------------
    def show_config(self, config: TrainingConfig, task: str | None, has_validation: bool | None = None) -> None:
        """Show `config`; with the data's task (and whether it has validation rows) known, edits are also checked
        against the data (a monitor the run would never log is refused here, not after an epoch)."""
        self.config, self.task, self.has_validation = config, task, has_validation
        auto = f"auto ({default_loss_for(task).replace('_', ' ')})" if task else "auto (from the task)"
        self.loss.set_choices([(auto, None), ("-", None)] + [(n, n) for n in LOSSES.names()])
        name, args = split_component(config.loss)
        self.loss.set_value(LOSSES.canonical(name) if name else None)
        self.loss_args.set_specs(signature_specs(registered(LOSSES, name)) if name else [])
        self.loss_args.set_values(args)

        opt = get_optimizer(config.optimizer).get_config()
        self.optimizer.set_value(opt["name"])
        self.optimizer_args.set_specs(config_specs(opt))
        self.optimizer_args.set_values(opt)

        name, args = split_component(config.schedule)
        name = SCHEDULES.canonical(name) if name else None
        self.schedule.set_value(None if name == "constant" else name)
        self.schedule_args.set_specs(signature_specs(registered(SCHEDULES, name)) if name else [])
        self.schedule_args.set_values(args)

        self.batch_size.set_value(config.batch_size)
        self.epochs.set_value(config.epochs)
        self.seed.set_value(config.seed)
        self.shuffle.set_value(config.shuffle)
        early = config.early_stopping
        self.early.set_value(early is not None)
        self.early_args.set_specs(signature_specs(EarlyStopping) if early is not None else [])
        self.early_args.set_values(early or {})
        self.clip_norm.set_value(config.clip_norm)
        self.clip_value.set_value(config.clip_value)
        self.dtype.set_value(config.dtype)
        weights = config.class_weight
        self.class_weight.set_value(", ".join(f"{w:g}" for w in weights) if isinstance(weights, list) else
                                    (None if weights is None else str(weights)))

    # --- editing ------------------------------------------------------------------------------------------------
    def _edit(self, field: Field, handler: Callable[[Any], None], value: Any) -> None:
        self._candidate = copy.deepcopy(self.config.to_dict())
        self._text = f"Change {field.name.removeprefix('training_').replace('_', ' ')}"
        handler(value)
        try:
            config = parse_training(self._candidate)
            if self.has_validation is not None:
                check_monitors(config, self.task, self.has_validation)
        except LayerLabError as exc:
            field.set_error(str(exc))
            return
        field.set_error(None)
        if config != self.config:
            self.trainingEdited.emit(config, self._text)

    def _set_key(self, key: str, value: Any) -> None:
        self._candidate[key] = value

    def _set_loss(self, name: str | None) -> None:
        if name is None:
            self._candidate.pop("loss", None)
        else:
            self._candidate["loss"] = name

    def _set_loss_arg(self, key: str, value: Any) -> None:
        name, args = split_component(self._candidate.get("loss"))
        args[key] = value
        self._candidate["loss"] = join_component(name, args)

    def _set_optimizer(self, name: str) -> None:
        lr = get_optimizer(self._candidate["optimizer"]).get_config()["lr"]
        self._candidate["optimizer"] = {"name": name, "lr": lr}

    def _set_optimizer_arg(self, key: str, value: Any) -> None:
        self._candidate["optimizer"] = {**self._candidate["optimizer"], key: value}

    def _set_schedule(self, name: str | None) -> None:
        if name is None:
            self._candidate.pop("schedule", None)
        else:
            self._candidate["schedule"] = {"name": name, **SCHEDULE_STARTERS.get(name, {})}

    def _set_schedule_arg(self, key: str, value: Any) -> None:
        name, args = split_component(self._candidate.get("schedule"))
        self._candidate["schedule"] = {"name": name, **args, key: value}

    def _set_early(self, enabled: bool) -> None:
        if enabled:
            self._candidate["early_stopping"] = dict(EARLY_STOPPING_START)
        else:
            self._candidate.pop("early_stopping", None)

    def _set_early_arg(self, key: str, value: Any) -> None:
        self._candidate["early_stopping"] = {**self._candidate.get("early_stopping", {}), key: value}

    def _set_clip(self, key: str, value: float | None) -> None:
        clip = dict(self._candidate.get("clip", {}))
        if value is None:
            clip.pop(key, None)
        else:
            clip[key] = value
        if clip:
            self._candidate["clip"] = clip
        else:
            self._candidate.pop("clip", None)

    def _set_class_weight(self, text: str) -> None:
        text = text.strip()
        if not text or text.lower() == "none":
            self._candidate.pop("class_weight", None)
        elif text.lower() == "balanced":
            self._candidate["class_weight"] = "balanced"
        else:
            weights = []
            for part in text.replace(";", ",").split(","):
                try:
                    weights.append(float(part))
                except ValueError:
                    weights.append(part.strip())
            self._candidate["class_weight"] = weights
