"""The output layer and loss follow the data: choosing iris after the spiral makes the output 3 softmax units with
categorical cross-entropy at once, instead of disabling Train behind three fixes that appear one after another.

When data chosen in the data panel has loaded, core's `follow_task` says what the output layer and loss must become
for its task; that change is folded into the data change (one undo takes both back) and announced in the status
bar. It is left alone when the user set the output layer or loss by hand for data of this shape (same task, same
number of outputs: after undoing the follow, say), and when a project is opened as saved; then the problems view
offers one Fix all for every fix. The fixes themselves (one, or all) are applied here too, each one undoable edit.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from core.checks import apply_fix, fix_all, follow_task
from core.project import Project

from .context import ProjectContext

LOSS_NAMES = {None: "the task's loss", "binary_crossentropy": "binary cross-entropy",
              "categorical_crossentropy": "categorical cross-entropy", "mse": "mean squared error"}


def output_part(project: Project) -> tuple:
    """What `follow_task` may change: the layers from the last dense one on, and the loss."""
    layers = list(project.layers)
    last = max((i for i, layer in enumerate(layers) if layer.get("type") == "dense"), default=len(layers))
    return tuple(repr(layer) for layer in layers[last:]), repr(project.training.loss)


def describe_output(layers: list[dict], loss: Any) -> str:
    """"3 softmax units, categorical cross-entropy"."""
    last = max(i for i, layer in enumerate(layers) if layer.get("type") == "dense")
    units = layers[last].get("units")
    activation = next((layer.get("activation") for layer in reversed(layers[last:])
                       if layer.get("type") in ("dense", "activation")), "linear")
    loss_name = loss if isinstance(loss, str) or loss is None else loss.get("name")
    return (f"{units} {activation} unit{'s' if units != 1 else ''}, "
            f"{LOSS_NAMES.get(loss_name, str(loss_name).replace('_', ' '))}")


class OutputFollower(QObject):
    def __init__(self, context: ProjectContext, select_layer=lambda index: None):
        """`select_layer(index)`: which layer row the network panel selects after a fix that adds one."""
        super().__init__(context.parent)
        self.context = context
        self.document = context.document
        self.session = context.session
        self._select_layer = select_layer
        self._pending: int | None = None            # undo index of a data change whose data is loading
        self._by_hand: tuple | None = None          # (task, outputs) the user set the output layer or loss for
        self._amending = False
        self.document.projectChanged.connect(self._project_changed)

    # --- following the data -----------------------------------------------------------------------------------
    def data_edited(self) -> None:
        """The user chose other data (an undoable edit just made): follow its task once it has loaded."""
        self._pending = self.document.undo_stack.index()

    def _project_changed(self, old: Project | None, new: Project) -> None:
        if old is None:                              # a project opened as saved: its output is its author's
            self._pending = self._by_hand = None
            return
        prepared = self.session.prepared
        if not self._amending and old.data == new.data and prepared is not None and \
                output_part(old) != output_part(new):
            self._by_hand = (prepared.task, prepared.n_outputs)

    def data_loaded(self, prepared) -> None:
        """Connected to the session's dataLoaded after the window's own slot (whose status message this one
        follows)."""
        pending, self._pending = self._pending, None
        key = (prepared.task, prepared.n_outputs)
        if pending is None or self._by_hand == key:
            return
        project = self.document.project
        followed = follow_task(list(project.layers), project.training.loss, prepared.task, prepared.n_outputs)
        if followed is None:
            return
        layers, loss = followed
        text = f"Output follows the data: {describe_output(layers, loss)}"
        self._amending = True
        try:
            done = self.document.amend(project.with_changes(layers=tuple(layers), training=project.training
                                                            .with_changes(loss=loss)), text, pending)
        finally:
            self._amending = False
        if done:
            self._by_hand = None
            self.context.show_message(f"{text} (Ctrl+Z undoes it with the data change)", 8000)

    # --- fixes --------------------------------------------------------------------------------------------------
    def apply_fix(self, problem) -> None:
        """One problem's fix, as one undoable edit."""
        project = self.document.project
        layers, loss = apply_fix(list(project.layers), project.training.loss, problem.fix)
        if problem.fix.get("action") == "add_output_layer":
            self._select_layer(len(layers) - 1)
        self.document.edit(project.with_changes(layers=tuple(layers), training=project.training.with_changes(
            loss=loss)), f"Fix: {problem.fix_label or problem.message}")

    def fix_all(self) -> None:
        """Every fix the checks offer, re-checked after each, as one undoable edit."""
        project, prepared = self.document.project, self.session.prepared
        task, outputs = (None, None) if prepared is None else (prepared.task, prepared.n_outputs)
        layers, loss, fixed = fix_all(list(project.layers), project.training.loss, task, outputs)
        if fixed:
            self.document.edit(project.with_changes(layers=tuple(layers), training=project.training.with_changes(
                loss=loss)), f"Fix all ({len(fixed)} problem{'s' if len(fixed) != 1 else ''})")
            self.context.show_message(f"Applied {len(fixed)} fix{'es' if len(fixed) != 1 else ''}: "
                                      + "; ".join(p.fix_label or p.message for p in fixed), 8000)
