"""Changing the data never strands the user (issue 13): the output layer and loss follow the new task in the same
undoable edit as the data change, announced in the status bar; an output set by hand for this data stays, and one
Fix all applies every fix; a binary task trains with two softmax units and categorical cross-entropy too."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidget, QPushButton

from gui.project.examples import EXAMPLES_DIR


def choose_dataset(window, ui, qtbot, name: str, task: str) -> None:
    ui.choose(ui.find(window, "datasetCombo", QComboBox), ("builtin", name))
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == task
                    and window.session.trainer is not None and not window.session.loader.busy, timeout=10_000)


def errors(window) -> list[str]:
    return [p.message for p in window.problems_list if p.level == "error"]


def test_the_output_layer_and_loss_follow_a_change_of_data(window, ui, qtbot):
    spiral = window.document.project
    edits = window.document.undo_stack.count()
    choose_dataset(window, ui, qtbot, "iris", "multiclass")
    project = window.document.project
    assert project.layers[-1] == {"type": "dense", "units": 3, "activation": "softmax"}
    assert project.training.loss == "categorical_crossentropy"
    assert project.layers[:-1] == spiral.layers[:-1]                      # hidden layers untouched
    assert errors(window) == [] and window.can_train() == (True, "")
    assert window.session.network.output_width == 3
    assert "Output follows the data: 3 softmax units, categorical cross-entropy" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == edits + 1                # one edit: the data and its output
    window.actions_["undo"].trigger()
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "binary"
                    and window.session.trainer is not None, timeout=10_000)
    assert window.document.project == spiral and errors(window) == []
    window.actions_["redo"].trigger()
    assert window.document.project == project
    choose_dataset(window, ui, qtbot, "diabetes", "regression")
    assert window.document.project.layers[-1] == {"type": "dense", "units": 1, "activation": "linear"}
    assert window.document.project.training.loss == "mse" and window.can_train()[0]
    choose_dataset(window, ui, qtbot, "spiral", "binary")
    assert window.document.project.layers[-1] == {"type": "dense", "units": 1, "activation": "sigmoid"}
    assert window.document.project.training.loss == "binary_crossentropy" and window.can_train()[0]


def test_an_output_set_by_hand_for_this_data_stays_and_fix_all_applies_every_fix(window, ui, qtbot):
    choose_dataset(window, ui, qtbot, "iris", "multiclass")
    layers = window.findChild(QListWidget, "layerList")
    layers.setCurrentRow(layers.count() - 1)
    ui.choose(ui.find(window, "layer_activation", QComboBox), "sigmoid")         # by hand, for iris
    ui.set_field(window, "layer_units", "1")
    assert errors(window)
    ui.set_field(window, "seedSpin", "7")                                         # iris again, another split
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.document.project.data["seed"] == 7
                    and not window.session.loader.busy, timeout=10_000)
    qtbot.wait(50)
    assert window.document.project.layers[-1]["units"] == 1                       # the user's choice stays
    fix_all = window.findChild(QPushButton, "fixAllButton")
    assert fix_all is not None and fix_all.isVisibleTo(window)
    edits = window.document.undo_stack.count()
    qtbot.mouseClick(fix_all, Qt.MouseButton.LeftButton)
    assert window.document.project.layers[-1] == {"type": "dense", "units": 3, "activation": "softmax"}
    assert [p for p in window.problems_list if p.fix is not None] == [] and window.can_train()[0]
    assert window.document.undo_stack.count() == edits + 1
    assert window.findChild(QPushButton, "fixAllButton") is None or \
        not window.findChild(QPushButton, "fixAllButton").isVisibleTo(window)


def test_a_project_opened_as_saved_keeps_its_output(make_window, tmp_path, qtbot):
    doc = json.loads((EXAMPLES_DIR / "iris.json").read_text(encoding="utf-8"))
    doc["model"]["layers"][-1] = {"type": "dense", "units": 1, "activation": "sigmoid"}
    doc.pop("description", None)
    path = tmp_path / "iris_by_hand.json"
    path.write_text(json.dumps(doc))
    window = make_window(path, ready=False)
    qtbot.waitUntil(lambda: window.session.prepared is not None and not window.session.loader.busy, timeout=10_000)
    qtbot.wait(50)
    assert window.document.project.layers[-1]["units"] == 1 and errors(window)
    assert window.findChild(QPushButton, "fixAllButton").isVisibleTo(window)


def test_a_binary_task_trains_with_two_softmax_units(window, ui, qtbot):
    layers = window.findChild(QListWidget, "layerList")
    layers.setCurrentRow(layers.count() - 1)
    ui.choose(ui.find(window, "layer_activation", QComboBox), "softmax")
    ui.set_field(window, "layer_units", "2")
    ui.choose(ui.find(window, "training_loss", QComboBox), "categorical_crossentropy")
    assert window.problems_list == [] and window.can_train()[0]
    ui.set_field(window, "training_epochs", "15")
    ui.train(window)
    history = window.session.trainer.history
    assert len(history["val_accuracy"]) == 15 and history["val_accuracy"][-1] > 0.6
    grid = window.dashboard.data.views.grid
    assert grid.kind == "probability" and 0 <= grid.values.min() and grid.values.max() <= 1
