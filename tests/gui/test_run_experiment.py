"""Train > Run experiment (`actionRunExperiment`): an example's variants trained over its seeds off the GUI thread,
each recorded, then overlaid in the Runs tab's comparison; a project without an experiment says so."""
from __future__ import annotations

import gc
import json
from pathlib import Path

from PySide6.QtWidgets import QWidget

ROOT = Path(__file__).resolve().parents[2]


def small_experiment(tmp_path) -> Path:
    """dying_relu.json cut to 3 epochs and 1 seed: its three variants, quickly."""
    obj = json.loads((ROOT / "resources" / "examples" / "dying_relu.json").read_text())
    obj["training"]["epochs"] = 3
    obj["experiment"]["seeds"] = [0]
    path = tmp_path / "lesson.json"
    path.write_text(json.dumps(obj))
    return path


def test_run_experiment_trains_every_variant_and_overlays_them_in_runs(make_window, qtbot, tmp_path):
    window = make_window(small_experiment(tmp_path))
    action = window.actions_["run_experiment"]
    assert action.objectName() == "actionRunExperiment" and action.isEnabled()
    trainer = window.session.trainer
    action.trigger()
    run = window.runs.experiment
    assert run.running and not gc.isenabled()             # the worker thread holds the gc guard
    qtbot.waitUntil(lambda: run.result is not None and not run.running, timeout=60_000)
    assert run.error is None
    # Collection comes back once no worker runs (the Diagnosis tab's probe may hold the guard a moment longer);
    # a hold the experiment kept would keep it off.
    qtbot.waitUntil(gc.isenabled, timeout=10_000)
    result = run.result
    assert sorted(result.run_ids) == [("leaky_relu, lr 0.5", 0), ("relu, lr 0.05", 0), ("relu, lr 0.5", 0)]
    view = window.findChild(QWidget, "runsView")
    assert view.isVisible()                                # the Runs tab is open
    assert sorted(view.selected_ids()) == sorted(result.run_ids.values())
    plot = window.findChild(QWidget, "runsComparePlot")
    assert plot is not None and plot.isVisible()
    assert {run_id for run_id, _key in plot.curves} == set(result.run_ids.values())
    assert window.session.trainer is trainer and trainer.epoch == 0      # the open project was not trained


def test_a_project_without_an_experiment_is_told_so(make_window):
    window = make_window()
    assert window.runs.run_experiment() is None and window.runs.experiment is None
    assert "no experiment" in window.statusBar().currentMessage()
