"""Training settings and data edits: core validates every field, invalid input is refused inline, and every edit
(settings, data section from the data panel) is one undoable step."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget


def test_bad_input_in_every_training_field_is_refused(window, ui):
    ui.find(window, "training_early_stopping", QCheckBox).click()
    ui.choose(ui.find(window, "training_schedule", QComboBox), "step")
    before = window.document.project
    undo_count = window.document.undo_stack.count()
    cases = [
        ("training_batch_size", "0", "training.batch_size must be a positive integer, got 0"),
        ("training_batch_size", "ten", "training.batch_size must be an integer, got 'ten'"),
        ("training_epochs", "-1", "training.epochs must be a positive integer, got -1"),
        ("training_epochs", "", "training.epochs must be an integer, got ''"),
        ("training_seed", "-5", "training.seed must be an integer >= 0, got -5"),
        ("training_optimizer_lr", "-1", "training.optimizer.lr: Invalid learning rate: -1.0; expected lr >= 0"),
        ("training_optimizer_betas", "1.5, 0.9", "training.optimizer.betas[0]: Invalid beta parameter at index 0: "
                                                 "1.5; expected 0 <= betas[0] < 1"),
        ("training_optimizer_eps", "tiny", None),
        ("training_optimizer_weight_decay", "-0.1", None),
        ("training_schedule_step_size", "0", None),
        ("training_schedule_gamma", "x", None),
        ("training_early_stopping_patience", "-1", None),
        ("training_early_stopping_min_delta", "a lot", None),
        ("training_clip_norm", "0", "training.clip.norm must be > 0, got 0"),
        ("training_clip_value", "-2", "training.clip.value must be > 0, got -2"),
        ("training_class_weight", "heavy", None),
        ("training_class_weight", "1, -2", None),
    ]
    for name, text, message in cases:
        ui.set_field(window, name, text)
        shown = ui.error(window, name)
        assert shown, f"{name}={text!r} showed no message"
        if message is not None:
            assert shown == message
        else:   # core's message names the setting it refuses
            assert shown.startswith("training.") and name.removeprefix("training_").split("_")[0] in shown
        assert ui.find(window, name, QLineEdit).property("invalid") is True
        assert window.document.project == before, name
        assert window.document.undo_stack.count() == undo_count
    # a valid value clears the message and is applied
    ui.set_field(window, "training_batch_size", "25")
    assert ui.error(window, "training_batch_size") == ""
    assert window.document.project.training.batch_size == 25
    assert window.session.trainer.batch_size == 25


def test_the_optimizer_form_follows_the_optimizer(window, ui):
    optimizer = ui.find(window, "training_optimizer", QComboBox)
    for name, expected in (("sgd", {"lr", "momentum", "dampening", "nesterov", "weight_decay"}),
                           ("rmsprop", {"lr", "alpha", "momentum", "centered", "eps"}),
                           ("adam", {"lr", "betas", "eps", "amsgrad", "weight_decay"})):
        ui.choose(optimizer, name)
        shown = {w.objectName().removeprefix("training_optimizer_") for w in window.findChildren(QWidget)
                 if w.objectName().startswith("training_optimizer_") and not w.objectName().endswith(
                     ("Field", "Error")) and w.isVisibleTo(window)}
        assert expected <= shown, name
        assert window.session.trainer.optimizer.get_config()["name"] == name
    assert window.document.project.training.optimizer == {"name": "adam", "lr": 0.01}   # lr carried over
    ui.find(window, "training_optimizer_amsgrad", QCheckBox).click()
    assert window.session.trainer.optimizer.get_config()["amsgrad"] is True
    ui.set_field(window, "training_optimizer_betas", "0.8, 0.99")
    assert window.document.project.training.optimizer["betas"] == [0.8, 0.99]
    ui.set_field(window, "training_optimizer_betas", "")        # cleared: refused by core, about the betas
    assert "betas" in ui.error(window, "training_optimizer_betas")
    assert window.document.project.training.optimizer["betas"] == [0.8, 0.99]


def test_loss_arguments_label_smoothing_and_per_class_weights(window, ui):
    ui.choose(ui.find(window, "training_loss", QComboBox), "categorical_crossentropy")
    ui.set_field(window, "training_loss_label_smoothing", "0.1")
    ui.set_field(window, "training_loss_weight", "1, 4")
    assert window.document.project.training.loss == {"name": "categorical_crossentropy", "label_smoothing": 0.1,
                                                     "weight": [1.0, 4.0]}
    ui.set_field(window, "training_loss_weight", "")             # cleared: no class weights, not [""]
    assert ui.error(window, "training_loss_weight") == ""
    assert window.document.project.training.loss in (
        {"name": "categorical_crossentropy", "label_smoothing": 0.1},
        {"name": "categorical_crossentropy", "label_smoothing": 0.1, "weight": []})


def test_schedule_early_stopping_clipping_and_class_weights(window, ui):
    ui.choose(ui.find(window, "training_schedule", QComboBox), "cosine")
    ui.set_field(window, "training_schedule_t_max", "50")
    ui.find(window, "training_early_stopping", QCheckBox).click()
    ui.set_field(window, "training_early_stopping_patience", "7")
    ui.set_field(window, "training_clip_norm", "1.5")
    ui.set_field(window, "training_class_weight", "balanced")
    training = window.document.project.training
    assert training.schedule == {"name": "cosine", "t_max": 50}
    assert training.early_stopping == {"monitor": "val_loss", "patience": 7}
    assert training.clip_norm == 1.5 and training.class_weight == "balanced"
    trainer = window.session.trainer
    assert trainer.early_stopping.patience == 7 and trainer.config.clip_norm == 1.5
    ui.set_field(window, "training_clip_norm", "")          # empty turns clipping off again
    assert window.document.project.training.clip_norm is None
    ui.set_field(window, "training_class_weight", "1, 3")
    assert window.document.project.training.class_weight == [1.0, 3.0]


def test_undo_and_redo_training_settings(window, ui, qtbot):
    ui.set_field(window, "training_optimizer_lr", "0.05")
    ui.set_field(window, "training_batch_size", "20")
    assert window.session.trainer.optimizer.lr == 0.05 and window.session.trainer.batch_size == 20
    undo = window.findChild(type(window.actions_["undo"]), "actionUndo")
    assert undo.isEnabled() and "batch size" in undo.text()
    undo.trigger()
    assert window.document.project.training.batch_size == 10
    assert ui.find(window, "training_batch_size", QLineEdit).text() == "10"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.trainer.optimizer.lr == 0.01
    assert ui.find(window, "training_optimizer_lr", QLineEdit).text() == "0.01"
    window.findChild(type(undo), "actionRedo").trigger()
    assert window.session.trainer.optimizer.lr == 0.05


def test_data_edits_reload_and_undo(window, ui, qtbot):
    panel = window.findChild(QWidget, "dataPanel")
    old_data = window.document.project.data
    spec = dict(old_data, name="xor", samples=300)
    spec.pop("noise", None)
    with qtbot.waitSignal(window.session.networkRebuilt, timeout=10_000):
        panel.specChanged.emit(spec)          # what the panel sends after a user edit
    assert window.document.project.data["name"] == "xor"
    assert window.session.prepared.dataset.n_samples == 300 and len(window.session.prepared.train) == 240
    assert "Change data" in window.findChild(type(window.actions_["undo"]), "actionUndo").text()
    with qtbot.waitSignal(window.session.networkRebuilt, timeout=10_000):
        window.document.undo()
    assert window.document.project.data == old_data
    assert window.session.prepared.dataset.n_samples == 500
    assert window.session.trainer is not None


def test_data_that_fails_to_load_is_reported_and_blocks_training(window, ui, qtbot, tmp_path):
    spec = {"source": "csv", "path": str(tmp_path / "missing.csv"), "target": -1}
    with qtbot.waitSignal(window.session.dataFailed, timeout=10_000) as blocker:
        window.findChild(QWidget, "dataPanel").specChanged.emit(spec)
    assert "missing.csv" in blocker.args[0]
    assert not ui.find(window, "trainButton").isEnabled()
    assert "missing.csv" in ui.find(window, "trainButton").toolTip()
    messages = window.findChild(QWidget, "problemsView").messages
    assert messages and "missing.csv" in messages[0]
