"""The network builder: building from scratch, the property editor, one-click fixes, reordering and undo/redo.

Parameter counts are checked against hand computation: a dense layer from d inputs to u units has d*u + u
parameters; batch norm has 2 trainable values per feature plus 2 running statistics.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton, QWidget


def layer_list(window) -> QListWidget:
    return window.findChild(QListWidget, "layerList")


def fix_buttons(window) -> dict[str, QPushButton]:
    return {b.text(): b for b in window.findChildren(QPushButton, "fixButton") if b.isVisibleTo(window)}


def test_build_a_network_from_scratch(window, ui, qtbot):
    lst = layer_list(window)
    assert ui.layer_rows(window)[1] == "1  dense 16 · relu    (None, 16)   272 params"
    while lst.count():
        lst.setCurrentRow(0)
        ui.click(window, "removeLayerButton")
    assert window.document.project.layers == ()
    assert "no layers" in window.findChild(QLabel, "outputSummaryLabel").text()
    problems = window.findChild(QWidget, "problemsView")
    assert problems.isVisibleTo(window) and "the network has no layers" in problems.problems[0].message
    assert not ui.find(window, "trainButton").isEnabled()

    ui.click(window, "addLayerButton")                       # dense 8 relu after the (empty) selection
    assert ui.layer_rows(window) == ["0  dense 8 · relu    (None, 8)   24 params"]     # 2*8 + 8
    ui.click(window, "addLayerButton")                       # a second one below the selected first layer
    assert lst.count() == 2 and lst.currentRow() == 1

    lst.setCurrentRow(0)
    ui.set_field(window, "layer_units", "32")
    ui.choose(ui.find(window, "layer_activation", QComboBox), "tanh")
    assert ui.layer_rows(window)[0] == "0  dense 32 · tanh    (None, 32)   96 params"     # 2*32 + 32
    assert ui.layer_rows(window)[1] == "1  dense 8 · relu    (None, 8)   264 params"     # 32*8 + 8

    # The output layer does not fit the binary spiral yet: 8 units, relu. Both problems offer a fix.
    fixes = fix_buttons(window)
    assert set(fixes) >= {"Set units to 1", "Use sigmoid"}
    assert not ui.find(window, "trainButton").isEnabled()
    qtbot.mouseClick(fixes["Set units to 1"], Qt.MouseButton.LeftButton)
    assert window.document.project.layers[1]["units"] == 1
    qtbot.mouseClick(fix_buttons(window)["Use sigmoid"], Qt.MouseButton.LeftButton)
    assert window.document.project.layers[1]["activation"] == "sigmoid"
    assert ui.layer_rows(window)[1] == "1  dense 1 · sigmoid    (None, 1)   33 params"    # 32*1 + 1
    assert not fix_buttons(window)
    assert window.findChild(QLabel, "outputSummaryLabel").text().startswith("output  (None, 1)  ·  129 parameters")
    assert ui.find(window, "trainButton").isEnabled()
    # the session built exactly this network
    assert window.session.network.param_count == 129
    assert [r.output_width for r in window.session.network.summary()] == [32, 1]


def test_layer_types_and_their_shapes(window, ui):
    lst = layer_list(window)
    lst.setCurrentRow(1)
    ui.choose(ui.find(window, "layer_type", QComboBox), "batch_norm")
    assert ui.layer_rows(window)[1] == "1  batch norm    (None, 16)   32 + 32 fixed"     # gamma, beta + 2 running
    ui.choose(ui.find(window, "layer_type", QComboBox), "dropout")
    assert ui.layer_rows(window)[1] == "1  dropout 0.2    (None, 16)   0 params"
    ui.set_field(window, "layer_rate", "0.5")
    assert window.document.project.layers[1] == {"type": "dropout", "rate": 0.5}
    # insert above the selection, from the type menu
    window.findChild(QWidget, "networkBuilder").findChild(object, "insertLayer_gaussian_noise").trigger()
    assert [row.split("    ")[0] for row in ui.layer_rows(window)] == [
        "0  dense 16 · relu", "1  gaussian noise 0.1", "2  dropout 0.5", "3  dense 1 · sigmoid"]
    assert lst.currentRow() == 1


def test_reorder_by_buttons_and_drag_and_drop_with_undo_redo(window, ui, qtbot):
    lst = layer_list(window)
    original = window.document.project.layers
    lst.setCurrentRow(0)
    ui.click(window, "duplicateLayerButton")
    assert len(window.document.project.layers) == 4 and lst.currentRow() == 1
    ui.set_field(window, "layer_units", "5")                # tell the copy apart
    ui.click(window, "moveLayerUpButton")
    assert [layer["units"] for layer in window.document.project.layers] == [5, 16, 16, 1]
    assert lst.currentRow() == 0
    ui.click(window, "moveLayerDownButton")
    ui.click(window, "moveLayerDownButton")
    assert [layer["units"] for layer in window.document.project.layers] == [16, 16, 5, 1]
    # drag and drop: Qt moves the row in the model (QListWidget.dropEvent calls moveRow); the builder follows
    lst.model().moveRow(QModelIndex(), 2, QModelIndex(), 0)
    qtbot.waitUntil(lambda: [layer["units"] for layer in window.document.project.layers] == [5, 16, 16, 1])
    assert ui.layer_rows(window)[0].startswith("0  dense 5 · relu")

    stack = window.document.undo_stack
    for _ in range(stack.count()):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.project.layers == original
    assert ui.layer_rows(window)[0] == "0  dense 16 · relu    (None, 16)   48 params"
    for _ in range(stack.count()):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [layer["units"] for layer in window.document.project.layers] == [5, 16, 16, 1]
    assert window.session.network.param_count == 2 * 5 + 5 + 5 * 16 + 16 + 16 * 16 + 16 + 16 + 1


def test_bad_layer_input_is_refused_inline(window, ui):
    lst = layer_list(window)
    lst.setCurrentRow(0)
    before = window.document.project
    undo_count = window.document.undo_stack.count()
    cases = [
        ("layer_units", "-3", "model.layers[0].units must be a positive integer, got -3"),
        ("layer_units", "abc", "model.layers[0].units must be an integer, got 'abc'"),
        ("layer_units", "2.5", "model.layers[0].units must be an integer, got 2.5"),
        ("layer_units", "", "model.layers[0].units must be an integer, got ''"),
        ("layer_l2", "-1", "model.layers[0].l2 must be >= 0, got -1"),
        ("layer_l1", "lots", "model.layers[0].l1 must be a number, got 'lots'"),
        ("layer_max_norm", "0", "model.layers[0].max_norm must be > 0, got 0"),
    ]
    for name, text, message in cases:
        ui.set_field(window, name, text)
        assert ui.error(window, name) == message, name
        edit = ui.find(window, name, QLineEdit)
        assert edit.property("invalid") is True
        assert window.document.project == before
        assert window.document.undo_stack.count() == undo_count
    # a good value clears the message and is applied
    ui.set_field(window, "layer_units", "12")
    assert ui.error(window, "layer_units") == ""
    assert window.document.project.layers[0]["units"] == 12

    ui.choose(ui.find(window, "layer_activation", QComboBox), "leaky_relu")
    ui.set_field(window, "layer_activation_negative_slope", "x")
    assert "negative_slope" in ui.error(window, "layer_activation_negative_slope")
    assert window.document.project.layers[0]["activation"] == "leaky_relu"
    ui.set_field(window, "layer_activation_negative_slope", "0.2")
    assert window.document.project.layers[0]["activation"] == {"name": "leaky_relu", "negative_slope": 0.2}

    ui.choose(ui.find(window, "layer_kernel_initializer", QComboBox), "normal")
    ui.set_field(window, "layer_kernel_initializer_stddev", "-1")
    assert ui.error(window, "layer_kernel_initializer_stddev") == "initializer normal.stddev must be >= 0, got -1"
    assert window.document.project.layers[0]["kernel_initializer"] == "normal"

    lst.setCurrentRow(1)
    for kind, name, text, message in (
            ("dropout", "layer_rate", "1.5", "model.layers[1].rate must be < 1, got 1.5"),
            ("gaussian_noise", "layer_stddev", "-1", "model.layers[1].stddev must be >= 0, got -1"),
            ("batch_norm", "layer_momentum", "2", "model.layers[1].momentum must be <= 1, got 2"),
            ("batch_norm", "layer_eps", "0", "model.layers[1].eps must be > 0, got 0"),
            ("prelu", "layer_init", "steep", "model.layers[1].init must be a number, got 'steep'")):
        ui.choose(ui.find(window, "layer_type", QComboBox), kind)
        applied = window.document.project.layers[1]
        ui.set_field(window, name, text)
        assert ui.error(window, name) == message
        assert window.document.project.layers[1] == applied


def test_binary_step_warns_and_the_fix_restores_learning(window, ui, qtbot):
    layer_list(window).setCurrentRow(0)
    ui.choose(ui.find(window, "layer_activation", QComboBox), "binary_step")
    warning = ui.error(window, "layer_activation")
    assert "zero derivative" in warning
    assert ui.find(window, "layer_activationError", QLabel).property("role") == "warning"
    fixes = fix_buttons(window)
    assert "Use ReLU" in fixes
    assert ui.layer_rows(window)[0].startswith("0  dense 16 · binary_step")
    qtbot.mouseClick(fixes["Use ReLU"], Qt.MouseButton.LeftButton)
    assert window.document.project.layers[0]["activation"] == "relu"
    assert ui.error(window, "layer_activation") == ""
