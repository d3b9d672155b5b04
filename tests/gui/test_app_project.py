"""Project files and exports: save and reopen (weights and training state restored), the unsaved-changes prompt,
recent files, the remembered window layout, weights that the command line predicts with, history and plots."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QMessageBox, QWidget

from core.cli import main as cli_main
from core.model_files import load_model, load_weights
from core.project import load_project
from gui import app_settings
from history_support import assert_same_history

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def test_save_and_reopen_restores_the_project_and_its_training(make_window, ui, dialogs, tmp_path):
    window = make_window()
    ui.set_field(window, "training_epochs", "3")
    ui.set_field(window, "training_optimizer_lr", "0.02")
    ui.train(window)
    trained = window.session.network.params.copy()
    history = {k: list(v) for k, v in window.session.trainer.history.items()}

    dialogs.save_path = str(tmp_path / "spiral run.json")
    action(window, "actionSaveProject").trigger()            # no file yet: asks where (Save As)
    assert [c[0] for c in dialogs.calls] == ["save"]
    project_file, weights_file = tmp_path / "spiral run.json", tmp_path / "spiral run.weights.npz"
    assert project_file.exists() and weights_file.exists()
    assert not window.isWindowModified() and "spiral run.json" in window.windowTitle()
    saved = json.loads(project_file.read_text())
    assert saved["training"]["optimizer"] == {"name": "adam", "lr": 0.02} and saved["training"]["epochs"] == 3
    assert load_project(project_file).layers == window.document.project.layers
    np.testing.assert_array_equal(load_weights(weights_file).arrays["layers.0.weight"],
                                  trained[:2 * 16].reshape(2, 16))

    reopened = make_window(project_file)
    assert reopened.document.path == project_file and not reopened.isWindowModified()
    np.testing.assert_array_equal(reopened.session.network.params, trained)
    assert reopened.session.trainer.epoch == 3
    assert_same_history(reopened.session.trainer.history, history)
    assert reopened.findChild(QLabel, "epochLabel").text() == "Epoch 3 / 3"
    reopened.flush_dashboard()
    reopened.dashboard.redraw()
    np.testing.assert_allclose(reopened.dashboard.findChild(QWidget, "lossPlot").curve("train").yData,
                               history["loss"])
    assert ui.train(reopened).reason == "completed"          # and training continues from there
    assert reopened.session.trainer.epoch == 6


def test_weights_that_no_longer_fit_are_not_restored(make_window, ui, dialogs, tmp_path):
    window = make_window()
    dialogs.save_path = str(tmp_path / "p.json")
    action(window, "actionSaveProjectAs").trigger()
    project = json.loads((tmp_path / "p.json").read_text())
    project["model"]["layers"][0]["units"] = 5                 # edited by hand: the weights are now stale
    (tmp_path / "p.json").write_text(json.dumps(project))
    reopened = make_window(tmp_path / "p.json")
    assert reopened.session.network.param_count == 2 * 5 + 5 + 5 * 16 + 16 + 17
    assert reopened.session.trainer.epoch == 0


def test_unsaved_changes_prompt_save_discard_cancel(make_window, ui, dialogs, tmp_path):
    window = make_window()
    ui.set_field(window, "training_batch_size", "16")
    assert window.isWindowModified()

    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    action(window, "actionNewProject").trigger()
    assert len(dialogs.of("question")) == 1 and "unsaved changes" in dialogs.of("question")[0][2]
    assert window.document.project.training.batch_size == 16            # cancelled: nothing lost

    window.close()                                                       # closing asks too; cancel keeps it open
    assert window.isVisible() and len(dialogs.of("question")) == 2

    dialogs.question_answer = QMessageBox.StandardButton.Save
    dialogs.save_path = str(tmp_path / "kept.json")
    action(window, "actionNewProject").trigger()
    assert load_project(tmp_path / "kept.json").training.batch_size == 16
    assert window.document.project.training.batch_size == 10 and window.document.path is None

    ui.set_field(window, "training_batch_size", "12")
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    dialogs.open_path = str(tmp_path / "kept.json")
    action(window, "actionOpenProject").trigger()
    assert window.document.path == tmp_path / "kept.json"
    assert window.document.project.training.batch_size == 16 and not window.isWindowModified()


def test_recent_files_and_the_window_layout_are_remembered(make_window, ui, dialogs, tmp_path, qtbot):
    window = make_window()
    dialogs.save_path = str(tmp_path / "a.json")
    action(window, "actionSaveProjectAs").trigger()
    assert app_settings.recent_files() == [str((tmp_path / "a.json").resolve())]
    recent = [a.text() for a in window.recent_menu.actions()]
    assert recent == ["a.json"]

    window.findChild(QDockWidget, "trainingDock").hide()
    window.network_panel.setSizes([200, 700])
    sizes = window.network_panel.sizes()
    window.close()
    geometry = window.saveGeometry()
    assert app_settings.settings().value("window/geometry") == geometry
    second = make_window()
    assert not second.findChild(QDockWidget, "trainingDock").isVisible()   # the dock layout came back
    assert second.findChild(QDockWidget, "networkDock").isVisible()
    assert second.network_panel.sizes()[0] == sizes[0]                    # and where the network panel splits
    assert [a.text() for a in second.recent_menu.actions()] == ["a.json"]
    second.recent_menu.actions()[0].trigger()                            # opening from the recent menu
    qtbot.waitUntil(lambda: second.session.trainer is not None)
    assert second.document.path == tmp_path / "a.json"


def test_exported_weights_predict_from_the_command_line(window, ui, dialogs, tmp_path):
    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    dialogs.save_path = str(tmp_path / "model.npz")
    action(window, "actionExportWeights").trigger()
    weights = load_weights(tmp_path / "model.npz")
    assert weights.meta["epoch"] == 2 and not weights.is_checkpoint

    points = np.array([[0.5, 1.0], [-2.0, 3.0], [4.0, -4.5]])
    inputs = tmp_path / "points.csv"
    inputs.write_text("x1,x2\n" + "".join(f"{a},{b}\n" for a, b in points))
    out = tmp_path / "pred.csv"
    assert cli_main(["predict", str(tmp_path / "model.npz"), str(inputs), "--out", str(out)]) == 0

    # the expected probabilities, by hand: standard scaling, then relu, relu, sigmoid with the exported arrays
    pre = weights.meta["preprocessing"]
    h = (points - np.array(pre["offset"])) * np.array(pre["scale"])     # x' = (x - offset) * scale
    a = weights.arrays
    for i in (0, 1):
        h = np.maximum(h @ a[f"layers.{i}.weight"] + a[f"layers.{i}.bias"], 0.0)
    p1 = 1.0 / (1.0 + np.exp(-(h @ a["layers.2.weight"] + a["layers.2.bias"])[:, 0]))
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["class", "p_-1", "p_+1"]
    for row, p in zip(rows[1:], p1):
        assert row[0] == ("+1" if p >= 0.5 else "-1")
        np.testing.assert_allclose([float(row[1]), float(row[2])], [1 - p, p], rtol=1e-4, atol=1e-6)

    dialogs.save_path = str(tmp_path / "model.checkpoint.npz")
    action(window, "actionExportCheckpoint").trigger()
    assert load_weights(tmp_path / "model.checkpoint.npz").is_checkpoint


def test_export_history_and_plots(window, ui, dialogs, tmp_path):
    ui.set_field(window, "training_epochs", "3")
    ui.train(window)
    dialogs.save_path = str(tmp_path / "history.csv")
    action(window, "actionExportHistory").trigger()
    rows = list(csv.DictReader((tmp_path / "history.csv").open()))
    history = window.session.trainer.history
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    np.testing.assert_array_equal([float(r["loss"]) for r in rows], history["loss"])
    np.testing.assert_array_equal([float(r["val_accuracy"]) for r in rows], history["val_accuracy"])

    dialogs.folder = str(tmp_path / "plots")
    (tmp_path / "plots").mkdir()
    action(window, "actionExportPlots").trigger()
    written = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert "lossPlot.png" in written and "decisionBoundaryView.png" in written
    assert all((tmp_path / "plots" / name).stat().st_size > 1000 for name in written)


def test_export_model_as_onnx_runs_in_onnxruntime_like_the_window(window, ui, dialogs, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from gui.project.exporting import format_filter

    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    dialogs.save_path = str(tmp_path / "spiral.onnx")
    dialogs.save_filter = format_filter("onnx")
    action(window, "actionExportModel").trigger()
    session_ort = ort.InferenceSession(str(tmp_path / "spiral.onnx"), providers=["CPUExecutionProvider"])
    points = np.array([[0.5, 1.0], [-2.0, 3.0], [4.0, -4.0]], dtype=np.float64)
    outputs = session_ort.run(None, {session_ort.get_inputs()[0].name: points})
    session = window.session
    expected = session.network.predict(session.prepared.preprocessor.transform(points))   # raw inputs in both
    # A binary model's ONNX output holds both class probabilities; LayerLab's holds P(class 1).
    np.testing.assert_allclose(outputs[0][:, 1], expected[:, 0], atol=1e-5)
    np.testing.assert_allclose(outputs[0].sum(axis=1), 1.0, atol=1e-6)


def test_export_model_as_json_predicts_like_the_window(window, ui, dialogs, tmp_path):
    from core import export
    from core.model_files import load_model
    from gui.project.exporting import format_filter

    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    dialogs.save_path = str(tmp_path / "spiral")                         # no suffix: the format's is added
    dialogs.save_filter = format_filter("json")
    action(window, "actionExportModel").trigger()
    exported = tmp_path / "spiral.json"
    assert exported.exists() and json.loads(exported.read_text())["format"] == export.JSON_FORMAT
    points = np.array([[0.5, 1.0], [-2.0, 3.0]])
    session = window.session
    expected = session.network.predict(session.prepared.preprocessor.transform(points))
    np.testing.assert_allclose(load_model(exported).predict_raw(points), expected, rtol=1e-5, atol=1e-7)


def test_a_model_trained_on_the_command_line_opens_and_continues_training(make_window, ui, dialogs, tmp_path,
                                                                          qtbot):
    """Open takes a weights file on its own: the embedded project opens untitled, weights and training state
    restored, and training continues as if it had never stopped; Save As then keeps it as a project."""
    model = tmp_path / "trained.npz"
    assert cli_main(["train", str(_spiral_copy(tmp_path, epochs=4)), "--out", str(model), "--checkpoint"]) == 0
    trained = load_model(model)

    window = make_window()
    dialogs.open_path = str(model)
    action(window, "actionOpenProject").trigger()
    qtbot.waitUntil(lambda: window.session.trainer is not None and window.session.trainer.epoch == 4,
                    timeout=10_000)
    assert window.document.path is None and window.document.project.layers == trained.project.layers
    np.testing.assert_array_equal(window.session.network.params, trained.network.params)
    assert window.findChild(QLabel, "epochLabel").text() == "Epoch 4 / 4"
    ui.set_field(window, "training_epochs", "6")
    assert ui.train(window).reason == "completed" and window.session.trainer.epoch == 6

    dialogs.save_path = str(tmp_path / "kept.json")
    action(window, "actionSaveProject").trigger()
    assert load_project(tmp_path / "kept.json").layers == trained.project.layers
    assert load_weights(tmp_path / "kept.weights.npz").meta["checkpoint"]["epoch"] == 6


def test_a_json_export_opens_and_a_broken_model_file_is_refused(make_window, ui, dialogs, tmp_path, qtbot):
    window = make_window()
    ui.set_field(window, "training_epochs", "2")
    ui.train(window)
    trained = window.session.network.params.copy()
    exported = tmp_path / "model.json"
    assert cli_main(["train", str(_spiral_copy(tmp_path)), "--epochs", "2", "--out", str(tmp_path / "m.npz")]) == 0
    assert cli_main(["export", str(tmp_path / "m.npz"), "--format", "json", "--out", str(exported)]) == 0

    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    dialogs.open_path = str(broken)
    action(window, "actionOpenProject").trigger()
    kind, title, text = dialogs.calls[-1]
    assert kind == "critical" and title == "Cannot open model" and "broken.npz" in text
    np.testing.assert_array_equal(window.session.network.params, trained)     # nothing changed

    dialogs.open_path = str(exported)
    dialogs.question_answer = QMessageBox.StandardButton.Discard             # the unsaved trained weights
    action(window, "actionOpenProject").trigger()
    expected = load_model(exported).network.params
    qtbot.waitUntil(lambda: window.session.network is not None
                    and np.array_equal(window.session.network.params, expected), timeout=10_000)
    assert window.document.path is None


def _spiral_copy(folder: Path, **training) -> Path:
    """The spiral example project, copied into `folder` with these training settings."""
    project = json.loads((EXAMPLES / "spiral.json").read_text())
    project["training"].update(training)
    target = folder / "spiral.json"
    target.write_text(json.dumps(project))
    return target


def test_every_example_is_in_the_examples_menu_and_opens_untitled_with_its_note(make_window, ui, dialogs,
                                                                                   tmp_path, qtbot):
    from PySide6.QtWidgets import QMenu

    window = make_window()
    menu = window.findChild(QMenu, "examplesMenu")
    entries = [a for a in menu.actions() if not a.isSeparator()]
    assert sorted(a.objectName() for a in entries) == sorted(f"actionExample_{p.stem}"
                                                             for p in EXAMPLES.glob("*.json"))
    names = [a.text() for a in entries]
    assert names.index("Dying ReLU") < names.index("Iris")            # the course experiments come first

    shipped = (EXAMPLES / "dying_relu.json").read_text()
    action(window, "actionExample_dying_relu").trigger()
    project = load_project(EXAMPLES / "dying_relu.json")
    assert window.document.path is None and window.document.project.layers == project.layers
    note = window.findChild(QLabel, "projectNoteText")
    assert note.isVisibleTo(window) and "Dying ReLU" in note.text() and "dead-ReLU plot" in note.text()
    qtbot.waitUntil(lambda: window.session.trainer is not None, timeout=10_000)
    assert window.session.trainer.config.optimizer == project.training.optimizer
    ui.set_field(window, "training_epochs", "3")
    assert ui.train(window).reason == "completed" and window.session.trainer.epoch == 3

    dialogs.save_path = str(tmp_path / "mine.json")
    action(window, "actionSaveProject").trigger()                      # untitled: Save asks where
    assert dialogs.calls[-1][0] == "save" and (tmp_path / "mine.json").exists()
    assert (EXAMPLES / "dying_relu.json").read_text() == shipped      # the shipped example is untouched
    action(window, "actionNewProject").trigger()
    assert not note.isVisibleTo(window)
