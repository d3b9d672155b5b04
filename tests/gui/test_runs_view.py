"""The run store in the app: every run recorded (from the training thread) with the trainer's history, the Runs tab
listing them with a column per differing setting, Compare overlaying curves and naming what differs, Open, rename,
delete (asking first), CSV export, the live run's row, a store that cannot be used, and Cross-validate."""
from __future__ import annotations

import csv
import gc
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QTableWidget, QWidget

from core.runs import ENV_VAR, RunStore
from gui import app_settings

ROOT = Path(__file__).resolve().parents[2]


def runs_view(window):
    window.actions_["show_runs"].trigger()
    view = window.findChild(QWidget, "runsView")
    assert view is not None and view.isVisible()
    return view


def train_with_lr(window, ui, lr: str, epochs: str = "4"):
    ui.set_field(window, "training_epochs", epochs)
    ui.set_field(window, "training_optimizer_lr", lr)
    window.reset_weights()
    return ui.train(window)


def header(view) -> list[str]:
    model = view.model
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def column(view, title: str) -> list[str]:
    model = view.model
    c = header(view).index(title)
    return [model.index(r, c).data() for r in range(model.rowCount())]


def test_two_learning_rates_recorded_listed_and_compared(window, ui, qtbot):
    train_with_lr(window, ui, "0.1")
    first = window.session.trainer.history
    first = {k: list(v) for k, v in first.items()}
    train_with_lr(window, ui, "0.01")
    second = {k: list(v) for k, v in window.session.trainer.history.items()}

    view = runs_view(window)
    assert view.model.rowCount() == 2
    assert "optimizer.lr" in header(view)                   # a column for the one setting that differs
    assert sorted(column(view, "optimizer.lr")) == ["0.01", "0.1"]
    assert column(view, "Status") == ["finished", "finished"]

    with RunStore(Path(os.environ[ENV_VAR])) as store:      # recorded with the trainer's history, bit for bit
        runs = sorted(store.list_runs(), key=lambda r: r.id)
        recorded = [store.get_run(r.id) for r in runs]
    for run, history in zip(recorded, (first, second)):
        for key, values in history.items():
            np.testing.assert_array_equal(run.history[key], values, err_msg=key)   # nan (auc) where nan
        assert Path(run.weights_path).exists()             # the app keeps each run's weights beside the store

    view.table.selectAll()
    ui.click(window, "compareRunsButton")
    plot = window.findChild(QWidget, "runsComparePlot")
    for run in recorded:
        for key in ("loss", "val_loss"):
            np.testing.assert_array_equal(plot.curves[(run.id, key)].yData, run.history[key])
    assert [name for name, _ in plot.legend_entries] == [r.name for r in recorded]
    assert recorded[0].name in plot.legend.text() and "validation" in plot.legend.text()
    plot.metric_selector.setCurrentText("auc")          # computed now and then: the epochs that have a value
    auc = recorded[0].history["auc"]
    assert np.isnan(auc).any()
    np.testing.assert_array_equal(plot.curves[(recorded[0].id, "auc")].yData, [v for v in auc if not np.isnan(v)])
    diff = window.findChild(QTableWidget, "runsDiffView")
    assert diff.paths == ["training.optimizer.lr"]
    assert diff.verticalHeaderItem(0).text() == "training.optimizer.lr"
    values = sorted(diff.item(0, c).text() for c in range(2))
    assert values == ["0.01", "0.1"]
    for c, run in enumerate(recorded):                     # each run's column headed in its curves' colour
        title = diff.horizontalHeaderItem(c)
        assert title.text() == title.toolTip() == run.name
        assert title.foreground().color() == plot.curves[(run.id, "loss")].opts["pen"].color()


def test_open_rename_export_and_delete_a_run(window, ui, qtbot, dialogs, tmp_path):
    train_with_lr(window, ui, "0.05", epochs="3")
    trained = window.session.network.params.copy()
    train_with_lr(window, ui, "0.02", epochs="3")
    view = runs_view(window)
    first = max(view.model.runs, key=lambda r: -r.id)       # the older run (lr 0.05)

    # Rename: typed into the name cell
    row = view.model.row_of(first.id)
    view.model.setData(view.model.index(row, view.model.column_of("name")), "big steps")
    assert any(r.name == "big steps" for r in view.model.runs)

    # Open: its project and weights load
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    view.select_runs([first.id])
    ui.click(window, "openRunButton")
    wait = lambda: window.session.trainer is not None and not window.session.loader.busy  # noqa: E731
    qtbot.waitUntil(lambda: wait() and window.document.project.training.optimizer["lr"] == 0.05, timeout=10_000)
    qtbot.waitUntil(lambda: np.array_equal(window.session.network.params, trained), timeout=10_000)
    assert window.session.trainer.epoch == 3                 # its training state came back: training can go on

    # Export the table as CSV
    dialogs.save_path = str(tmp_path / "runs.csv")
    ui.click(window, "exportRunsButton")
    rows = list(csv.reader(open(tmp_path / "runs.csv")))
    assert rows[0][:4] == ["id", "Name", "training.optimizer.lr", "Status"] and "Started" in rows[0]
    assert sorted(r[1] for r in rows[1:]) == sorted(r.name for r in view.model.runs)

    # Delete: asks first; the weights file stays unless asked
    weights = Path(first.weights_path)
    view.select_runs([first.id])
    click_in_dialog(qtbot, "deleteRunsDialog", "deleteRunsOnly")
    ui.click(window, "deleteRunsButton")
    assert [r.id for r in view.model.runs] != [] and first.id not in [r.id for r in view.model.runs]
    assert weights.exists()
    other = view.model.runs[0]
    view.select_runs([other.id])
    click_in_dialog(qtbot, "deleteRunsDialog", "deleteRunsAndWeights")
    ui.click(window, "deleteRunsButton")
    assert view.model.rowCount() == 0 and not Path(other.weights_path).exists()


def test_cancelling_delete_keeps_the_run(window, ui, qtbot):
    train_with_lr(window, ui, "0.05", epochs="2")
    view = runs_view(window)
    view.table.selectAll()
    click_in_dialog(qtbot, "deleteRunsDialog", None)
    ui.click(window, "deleteRunsButton")
    assert view.model.rowCount() == 1


def click_in_dialog(qtbot, dialog_name: str, button_name: str | None) -> None:
    """Answer the next modal box by clicking its button `button_name` (None: Cancel), as a user would."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != dialog_name:
            QTimer.singleShot(20, answer)
            return
        if button_name is None:
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            qtbot.mouseClick(box.findChild(QPushButton, button_name), Qt.MouseButton.LeftButton)
    QTimer.singleShot(0, answer)


def test_the_current_run_is_listed_live_with_its_status(window, ui, qtbot):
    ui.set_field(window, "training_epochs", "100000")
    view = runs_view(window)
    ui.click(window, "trainButton")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1 and column(view, "Status") == ["running"], timeout=10_000)
    live = view.model.runs[0].id
    assert view.model.live_id == live
    epochs = view.model.runs[0].epochs
    qtbot.waitUntil(lambda: view.model.runs[0].epochs > epochs, timeout=10_000)   # its row follows the run
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        ui.click(window, "stopButton")
    qtbot.waitUntil(lambda: column(view, "Status") == ["stopped"], timeout=5000)
    assert view.model.live_id is None


def test_a_run_writes_its_weights_file_once(window, ui, monkeypatch):
    """The run's end reaches the recorder twice (from fit() and from the worker after it); the weights file, with
    its whole history the slowest part of a Stop, is written for the first only."""
    from core import model_io

    saved: list[str] = []
    real = model_io.save_model
    monkeypatch.setattr(model_io, "save_model", lambda path, *a, **k: saved.append(str(path)) or real(path, *a, **k))
    ui.set_field(window, "training_epochs", "5")
    assert ui.train(window).reason == "completed"
    run = RunStore(os.environ[ENV_VAR]).list_runs()[0]
    assert saved == [run.weights_path] and Path(run.weights_path).is_file()


def test_a_store_that_cannot_be_used_warns_and_training_goes_on(window, ui, qtbot, tmp_path):
    foreign = tmp_path / "notes.sqlite"
    foreign.write_text("not a database")
    window.runs.set_store(foreign)
    assert app_settings.run_store_preference() == str(foreign)
    view = runs_view(window)
    message = window.findChild(QWidget, "runsMessage")
    assert message.isVisible() and "not a LayerLab run store" in message.text()
    ui.set_field(window, "training_epochs", "2")
    event = ui.train(window)
    assert type(event).__name__ == "Finished" and window.session.trainer.epoch == 2
    qtbot.waitUntil(lambda: "The last run was not recorded" in message.text(), timeout=5000)
    assert "not a LayerLab run store" in message.text() and message.isVisible()
    assert foreign.read_text() == "not a database"
    window.runs.set_store(None)                              # back to the default store
    assert view.error is None and app_settings.run_store_preference() == ""


def test_runs_of_the_cli_show_up_in_the_app_and_groups_filter(window, ui, qtbot):
    from cli_support import run

    project = ROOT / "resources" / "examples" / "spiral.json"
    out = Path(os.environ[ENV_VAR]).with_name("cli.npz")
    assert run("train", project, "--epochs", "2", "--out", out)[0] == 0
    view = runs_view(window)
    view.reload()
    assert [r.name for r in view.model.runs] == ["Spiral #1"]
    assert view.model.runs[0].weights_path == str(out.resolve())


def test_cross_validate_the_iris_example_with_three_folds(make_window, ui, qtbot):
    window = make_window(ROOT / "resources" / "examples" / "iris.json")
    ui.set_field(window, "training_epochs", "20")
    window.actions_["cross_validate"].trigger()
    dialog = window.findChild(QWidget, "crossValidationDialog")
    assert dialog.isVisible() and dialog.folds.value() == 5         # the project has no cross_validation section
    dialog.folds.setValue(3)
    ui.click(dialog, "crossValidationStartButton")
    assert dialog.running and not gc.isenabled()      # no cycle collection on the worker (gui/runtime/gc_guard.py)
    qtbot.waitUntil(lambda: dialog.result is not None and not dialog.running, timeout=60_000)
    # Collection comes back once no worker runs: the Diagnosis tab's probe of the edited project may still hold
    # the guard for a moment after the folds end, but a hold the cross-validation kept would keep it off.
    qtbot.waitUntil(gc.isenabled, timeout=10_000)
    assert dialog.result.settings.folds == 3
    table = window.findChild(QTableWidget, "crossValidationTable")
    assert table.rowCount() == 5                                   # three folds, mean, std
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    c = headers.index("val_accuracy")
    values = [float(table.item(r, c).text()) for r in range(3)]
    assert float(table.item(3, c).text()) == float(f"{dialog.result.mean['val_accuracy']:.4g}")
    assert dialog.result.mean["val_accuracy"] == np.mean([f.metrics["val_accuracy"] for f in dialog.result.folds])
    assert abs(np.mean(values) - dialog.result.mean["val_accuracy"]) < 1e-3
    assert set(dialog.curves) == {"fold 1", "fold 2", "fold 3", "mean"}
    view = runs_view(window)                                        # lists the folds of this cross-validation
    assert view.filters.group.currentData() == dialog.result.group_id
    assert [r.kind for r in view.model.runs] == ["cv-fold"] * 3
    assert sorted(r.group_index for r in view.model.runs) == [0, 1, 2]


def test_steps_continue_one_paused_run_and_an_edit_starts_a_new_one(window, ui, qtbot):
    ui.set_field(window, "training_epochs", "5")
    for _ in range(2):
        with qtbot.waitSignal(window.controller.finished, timeout=20_000):
            ui.click(window, "stepButton")
        qtbot.waitUntil(lambda: not window.controller.threads_alive, timeout=5000)
    with RunStore(Path(os.environ[ENV_VAR])) as store:
        runs = store.list_runs()
        assert [(r.status, r.epochs) for r in runs] == [("paused", 2)]
        assert store.get_run(runs[0].id).history["loss"] == list(window.session.trainer.history["loss"])
    ui.set_field(window, "training_optimizer_lr", "0.003")      # a different project from here on: a new run
    ui.train(window)
    with RunStore(Path(os.environ[ENV_VAR])) as store:
        newest, older = store.list_runs()
        assert (older.status, older.epochs) == ("paused", 2)
        assert (newest.status, newest.start_epoch, newest.epochs) == ("finished", 2, 3)
        assert newest.project["training"]["optimizer"]["lr"] == 0.003


def test_table_sorts_with_missing_values_last_and_lists_differing_settings():
    from gui.runs.table import RunsTableModel
    from runs_support import small_project

    with RunStore(Path(os.environ[ENV_VAR])) as store:
        ids = []
        for lr, val in ((0.1, 0.5), (0.01, None), (0.001, 0.2)):
            run = store.create_run(small_project(lr=lr))
            final = {"loss": 1.0} if val is None else {"loss": 1.0, "val_loss": val}
            store.finish_run(run, "finished", final=final, epochs=1)
            ids.append(run)
        runs = store.list_runs()
    model = RunsTableModel()
    model.set_runs(runs)
    assert model.settings == {"training.optimizer.lr": [0.001, 0.01, 0.1]}     # newest first, as listed
    column = model.column_of("final.val_loss")
    for order, expected in ((Qt.SortOrder.AscendingOrder, [ids[2], ids[0], ids[1]]),
                            (Qt.SortOrder.DescendingOrder, [ids[0], ids[2], ids[1]])):
        model.sort(column, order)
        assert [r.id for r in model.runs] == expected
        assert model.text(2, column) == ""
    model.sort(model.column_of("setting:training.optimizer.lr"), Qt.SortOrder.AscendingOrder)
    assert [model.text(r, model.column_of("setting:training.optimizer.lr")) for r in range(3)] == \
        ["0.001", "0.01", "0.1"]
