"""The search in the app: parameters picked from the Network and Training panels' fields (right-click "Search over
this…"), the Search panel's settings checked like a project file, a 6-trial search run live (the trials table fills,
the plots get data, the status bar counts), Cancel, *Use best* as one undoable edit, *Revalidate*, and the trials a
user selects handed on for comparison. The launch imports neither Optuna nor Dask."""
from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QWidget

from core.project import parse_project
from core.runs import RunStore
from core.search.cluster import Cluster
from core.search.spec import parse_section
from gui.search.parallel_plot import axis_position
from gui.widgets.fields import SEARCH_OVER, Field
from search_support import TINY

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def tiny(**training):
    obj = copy.deepcopy(TINY)
    obj["training"].update(training)
    return parse_project(obj)


@pytest.fixture(scope="module")
def cluster(qapp):
    """Two worker processes the module's shorter tests share (the first test starts its own, as the app does).
    Dask's client thread runs Python for as long as the cluster lives, between tests too, so the cluster holds the
    application's GcGuard as the app's own does (a collection on that thread deadlocked a later test: GcGuard)."""
    from gui.runtime.gc_guard import GcGuard

    guard = GcGuard.of()
    guard.hold()
    started = Cluster.start_local(2)
    yield started
    started.close()
    guard.release()


def search_over(window, field_name: str) -> QDialog:
    """Right-click field `field_name` and choose "Search over this…": the dialog it opens."""
    field = window.findChild(Field, f"{field_name}Field")
    menu = field.context_menu()
    entries = [a for a in menu.actions() if a.text() == SEARCH_OVER]
    assert len(entries) == 1, [a.text() for a in menu.actions()]
    entries[0].trigger()
    dialog = window.search.dialog
    assert isinstance(dialog, QDialog) and dialog.objectName() == "searchParamDialog" and dialog.isVisible()
    return dialog


def fill(dialog, low: str, high: str) -> None:
    dialog.findChild(QWidget, "searchParamLow").setText(low)
    dialog.findChild(QWidget, "searchParamHigh").setText(high)


def wait_search(qtbot, window, timeout: int = 90_000):
    qtbot.waitUntil(lambda: not window.search.runner.busy, timeout=timeout)
    return window.search.result


def test_a_six_trial_search_defined_from_the_panels_runs_live_and_its_best_is_used(make_window, ui, qtbot):
    window = make_window(tiny())
    search = window.search
    window.builder.select(0)
    dialog = search_over(window, "layer_units")
    assert dialog.findChild(QWidget, "searchParamPath").currentText() == "model.layers[0].units"
    assert dialog.kind.currentData() == "int"                    # the field holds a whole number
    assert dialog.log.isChecked()                                # 6 units: 1 to 24, on a log scale
    fill(dialog, "2", "12")
    dialog.log.setChecked(False)
    ui.click(dialog, "searchParamOk")
    assert not dialog.isVisible()
    dialog = search_over(window, "training_optimizer_lr")
    assert dialog.kind.currentData() == "log_uniform"            # a learning rate of 0.02: a log range around it
    assert (dialog.low.text(), dialog.high.text()) == ("0.002", "0.2")
    fill(dialog, "0.001", "0.1")
    ui.click(dialog, "searchParamOk")
    ui.set_field(window, "search_trials", "6")
    ui.set_field(window, "search_workers", "2")
    project = window.document.project
    assert project.search == parse_section({"method": "random", "trials": 6, "workers": 2, "params": {
        "model.layers[0].units": {"int": [2, 12]}, "training.optimizer.lr": {"log_uniform": [0.001, 0.1]}}})
    table = ui.find(window, "searchParamsTable")
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["model.layers[0].units",
                                                                          "training.optimizer.lr"]

    with qtbot.waitSignal(search.runner.started, timeout=60_000):
        ui.click(window, "searchStartButton")
    assert not ui.find(window, "searchStartButton").isEnabled() and ui.find(window, "searchCancelButton").isEnabled()
    status = window.findChild(QLabel, "statusSearchLabel")
    assert status.isVisible() and status.text().startswith("search 0/6 trials")
    result = wait_search(qtbot, window)
    assert result.status == "finished" and [t.state for t in result.trials] == ["complete"] * 6

    model = search.view.table.trials
    assert [row.number for row in model.rows] and sorted(r.number for r in model.rows) == list(range(6))
    for t in result.trials:
        row = model.rows[model._index[t.number]]
        assert (row.state, row.value, row.run) == ("complete", t.value, t.run)
        assert search.view.table.visible_text(t.number, 2) == f"{t.value:.5g}"
        assert row.worker.startswith("127.0.0.1:")
    values = [t.value for t in result.trials]
    history = search.view.history_plot
    np.testing.assert_allclose(history.points.yData, values)
    np.testing.assert_allclose(history.best_values(), np.minimum.accumulate(values))
    parallel = search.view.parallel_plot
    assert parallel.axes == [("model.layers[0].units", False), ("training.optimizer.lr", True)]
    assert sorted(parallel.lines) == list(range(6))
    lr_param = window.document.project.search.param("training.optimizer.lr")
    for t in result.trials:
        expected = math.log(t.params["training.optimizer.lr"] / 0.001) / math.log(100)
        assert parallel.lines[t.number][1] == pytest.approx(expected)
        assert axis_position(lr_param, t.params["training.optimizer.lr"]) == pytest.approx(expected)
    slices = search.view.slice_plot
    assert slices.is_log("training.optimizer.lr") and not slices.is_log("model.layers[0].units")
    assert len(slices.scatters["training.optimizer.lr"].xData) == 6
    importance = search.view.importance_plot.shares
    assert set(importance) == {"model.layers[0].units", "training.optimizer.lr"}
    assert sum(importance.values()) == pytest.approx(1.0)
    assert not status.isVisible() and ui.find(window, "searchStartButton").isEnabled()
    assert ui.find(window, "searchBestLabel", QLabel).text().startswith(f"Best: trial {result.best.number}")

    steps = window.document.undo_stack.count()
    ui.click(window, "searchUseBestButton")
    project = window.document.project
    assert project.layers[0]["units"] == result.best.params["model.layers[0].units"]
    assert project.training.optimizer["lr"] == result.best.params["training.optimizer.lr"]
    assert project.search is not None and window.document.undo_stack.count() == steps + 1
    window.document.undo()
    assert window.document.project.layers[0]["units"] == 6
    assert window.document.project.training.optimizer["lr"] == 0.02


def test_cancel_stops_a_running_search_and_the_panel_is_ready_again(make_window, ui, qtbot, cluster):
    window = make_window(tiny(epochs=5000))
    window.search.runner.use_cluster(cluster)
    spec = parse_section({"method": "random", "trials": 4, "workers": 2,
                          "params": {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]}}})
    window.document.edit(window.document.project.with_changes(search=spec), "search")
    ui.click(window, "searchStartButton")
    model = window.search.view.table.trials
    qtbot.waitUntil(lambda: any(r.state == "running" for r in model.rows), timeout=30_000)
    ui.click(window, "searchCancelButton")
    result = wait_search(qtbot, window, 20_000)
    assert result.status == "stopped"
    assert all(r.state != "running" for r in model.rows)
    assert all(t.state == "failed" and t.detail.startswith("cancelled") for t in result.trials)
    assert ui.find(window, "searchStartButton").isEnabled() and not ui.find(window, "searchCancelButton").isEnabled()
    assert not window.findChild(QLabel, "statusSearchLabel").isVisible()
    assert ui.find(window, "searchMessage", QLabel).text().startswith("Stopped")


def test_closing_the_window_cancels_its_search_and_closes_the_cluster_it_started(make_window, ui, qtbot):
    from gui.runtime.gc_guard import GcGuard

    window = make_window(tiny(epochs=5000))
    holds_before = GcGuard.of().holds             # the module's shared cluster may hold it too
    spec = parse_section({"method": "random", "trials": 4, "workers": 1,
                          "params": {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]}}})
    window.document.edit(window.document.project.with_changes(search=spec), "search")
    ui.click(window, "searchStartButton")
    runner = window.search.runner
    qtbot.waitUntil(lambda: any(r.state == "running" for r in window.search.view.table.trials.rows), timeout=30_000)
    cluster = runner.cluster
    assert cluster is not None and GcGuard.of().holds == holds_before + 1   # Dask's client thread runs Python
    window.document.undo_stack.setClean()
    window.close()
    assert not runner.busy and runner.cluster is None and GcGuard.of().holds == holds_before
    assert cluster.client.status == "closed"
    assert RunStore().list_groups("search")[0].status == "stopped"


def test_revalidate_and_selected_trials_for_the_runs_view(make_window, ui, qtbot, cluster):
    window = make_window(tiny())
    window.search.runner.use_cluster(cluster)
    spec = parse_section({"method": "grid", "workers": 2, "params": {"model.layers[0].units": {"choice": [3, 8]}}})
    window.document.edit(window.document.project.with_changes(search=spec), "search")
    ui.click(window, "searchStartButton")
    result = wait_search(qtbot, window)
    assert sorted(t.params["model.layers[0].units"] for t in result.trials) == [3, 8]

    selected = []
    window.search.runsSelected.connect(selected.append)
    window.search.view.table.select_numbers([0, 1])
    assert sorted(selected[-1]) == sorted(t.run for t in result.trials)
    runs_view = window.runs_view                # the Runs tab selected them and compares them
    assert sorted(runs_view.selected_ids()) == sorted(t.run for t in result.trials)
    assert runs_view.compare_plot is not None and runs_view.findChild(QPushButton, "compareRunsButton").isEnabled()
    window.search.view.table.select_numbers([result.best.number])
    assert selected[-1] == [result.best.run]

    ui.click(window, "searchRevalidateButton")
    qtbot.waitUntil(lambda: not window.search.revalidation.busy, timeout=30_000)
    text = ui.find(window, "searchRevalidationLabel", QLabel).text()
    assert "test rows" in text and "accuracy" in text, text
    runs = [r for r in RunStore().list_runs() if "revalidation" in r.tags]
    assert len(runs) == 1 and runs[0].project["model"]["layers"][0]["units"] == result.best.params[
        "model.layers[0].units"]
    assert f"run {runs[0].id}" in text


def test_the_panel_checks_each_setting_as_a_project_file_would(make_window, ui):
    window = make_window(tiny())
    ui.set_field(window, "search_trials", "0")
    assert "search.trials" in ui.error(window, "search_trials")
    ui.set_field(window, "search_trials", "5")
    assert ui.error(window, "search_trials") == "" and window.document.project.search is None   # no parameter yet
    ui.set_field(window, "search_scheduler", "my-laptop")
    assert "search.scheduler must be a Dask scheduler address" in ui.error(window, "search_scheduler")
    assert not ui.find(window, "searchStartButton").isEnabled()

    window.builder.select(0)
    dialog = search_over(window, "layer_activation")
    choices = dialog.findChild(QWidget, "searchParamChoices")
    checked = [choices.item(i).text() for i in range(choices.count()) if choices.item(i).checkState().value]
    assert checked == ["relu"]                                   # the current value; every activation is listed
    for i in range(choices.count()):
        if choices.item(i).text() in ("tanh", "elu"):
            choices.item(i).setCheckState(choices.item(i).checkState().Checked)
    ui.click(dialog, "searchParamOk")
    search = window.document.project.search
    assert search.trials == 5 and sorted(search.param("model.layers[0].activation").choices) == ["elu", "relu", "tanh"]

    dialog = search_over(window, "training_batch_size")
    fill(dialog, "16", "4")
    ui.click(dialog, "searchParamOk")
    assert dialog.isVisible()                                    # refused: stays open with core's message
    assert "must have low < high" in dialog.findChild(QLabel, "searchParamError").text()
    fill(dialog, "0", "16")
    ui.click(dialog, "searchParamOk")
    assert "is on a log scale, so both bounds must be > 0" in dialog.findChild(QLabel, "searchParamError").text()
    dialog.log.setChecked(False)
    ui.click(dialog, "searchParamOk")
    assert "the value 0 would be refused" in dialog.findChild(QLabel, "searchParamError").text()
    dialog.reject()

    ui.choose(ui.find(window, "search_method"), "grid")
    assert window.document.project.search.method == "grid"       # choices only: a grid is fine
    window.document.undo()
    window.document.undo()
    assert window.document.project.search is None
    assert ui.find(window, "searchParamsTable").rowCount() == 0


def test_the_search_action_shows_the_panel_and_the_search_tab(window, ui):
    window.dashboard.tabs.setCurrentIndex(0)
    window.findChild(QWidget, "searchDock").hide()
    next(a for a in window.findChildren(type(window.actions_["search"])) if a.objectName() == "actionSearch").trigger()
    assert window.findChild(QWidget, "searchDock").isVisible()
    assert window.dashboard.tabs.currentWidget() is window.findChild(QWidget, "searchView")
    assert window.findChild(QPushButton, "searchStartButton").isVisibleTo(window)


def test_the_launch_imports_neither_optuna_nor_dask():
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "import main\n"
            "window = main.create_window()\n"
            "window.show()\n"
            "app.processEvents()\n"
            "assert window.findChild(__import__('PySide6.QtWidgets').QtWidgets.QWidget, 'searchPanel') is not None\n"
            "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'optuna', 'dask', 'distributed', "
            "'sqlalchemy'})\n"
            "print(','.join(heavy) or 'none')\n"
            "window.close()\n"
            "window.deleteLater()\n"           # as gui/app.py does: widgets go before the application
            "app.processEvents()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "none"


def test_an_unreachable_scheduler_is_a_clear_message_within_ten_seconds_and_the_window_answers(make_window, ui, qtbot):
    import socket
    import time

    with socket.socket() as probe:          # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = make_window(tiny())
    spec = parse_section({"method": "random", "trials": 2, "scheduler": f"tcp://127.0.0.1:{port}",
                          "params": {"training.optimizer.lr": {"log_uniform": [0.001, 0.1]}}})
    window.document.edit(window.document.project.with_changes(search=spec), "search")
    began = time.monotonic()
    ui.click(window, "searchStartButton")
    assert window.search.runner.busy
    ui.set_field(window, "search_trials", "3")            # the window answers meanwhile
    assert window.document.project.search.trials == 3
    qtbot.waitUntil(lambda: not window.search.runner.busy, timeout=15_000)
    assert time.monotonic() - began < 10
    message = ui.find(window, "searchMessage", QLabel).text()
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in message, message
    assert ui.find(window, "searchStartButton").isEnabled() and window.search.runner.cluster is None
    assert [(g.status, g.runs) for g in RunStore().list_groups("search")] == [("failed", ())]   # no trial ran
