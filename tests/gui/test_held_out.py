"""The test rows are shown (issue 13): after a run the Test tab holds the test metrics and confusion matrix, clearly
labelled test; Train > Evaluate on test rows evaluates on demand; test rows never feed training (nothing test_ is
logged, early stopping cannot watch them), and a new run clears the stale evaluation."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel

from core.early_stopping import check_monitors
from core.errors import LayerLabError
from core.metrics import evaluate
from core.training_config import parse_training
from gui.project.examples import EXAMPLES_DIR


def open_iris(window, qtbot, ui, epochs: int = 20) -> None:
    window.files.open_example(EXAMPLES_DIR / "iris.json")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "multiclass"
                    and window.session.trainer is not None, timeout=10_000)
    ui.set_field(window, "training_epochs", str(epochs))


def test_after_a_run_the_test_rows_are_evaluated_and_labelled_test(window, ui, qtbot):
    open_iris(window, qtbot, ui)
    finished = ui.train(window)
    trainer, prepared = window.session.trainer, window.session.prepared
    views = window.dashboard.data.test_views
    assert views is not None and views.split == "test" and views.epoch == 20
    out = trainer.network.predict(prepared.test.X)
    expected = evaluate("multiclass", np.asarray(prepared.test.y), out, 3, curves=True)
    np.testing.assert_array_equal(views.confusion, expected["confusion"])
    assert views.confusion.sum() == len(prepared.test.y) == 30
    assert views.metrics["accuracy"] == finished.test_metrics["accuracy"]
    assert views.metrics["loss"] == finished.test_metrics["loss"]
    message = window.statusBar().currentMessage()
    assert message.startswith("Finished at epoch 20") and "· test accuracy " in message and "on 30 rows" in message
    window.dashboard.tabs.setCurrentWidget(window.dashboard.test_tab)
    window.dashboard.redraw()
    panel = window.dashboard.panel("testConfusionMatrixView")
    assert panel.isVisible() and "Test confusion matrix" in panel._title_text
    assert [[int(panel.cell_text(r, c)) for c in range(3)] for r in range(3)] == views.confusion.tolist()
    assert not any(key.startswith("test") for key in trainer.history)             # never logged during training
    config = parse_training({"early_stopping": {"monitor": "test_loss"}})
    try:
        check_monitors(config, "multiclass", True)
        raise AssertionError("early stopping accepted the test rows")
    except LayerLabError as exc:
        assert "never logs" in str(exc)
    with qtbot.waitSignal(window.controller.started, timeout=5000):
        window.train()                                                             # a new run: the old one is stale
    assert window.dashboard.data.test_views is None
    qtbot.waitUntil(lambda: not window.controller.busy and not window.controller.threads_alive, timeout=20_000)


def test_evaluate_on_test_rows_on_demand(window, ui, qtbot):
    action = window.actions_["evaluate_test"]
    assert action.objectName() == "actionEvaluateTest" and not action.shortcut().isEmpty()
    assert not action.isEnabled()                                   # the spiral example holds no test rows
    window.flush_dashboard()
    window.dashboard.tabs.setCurrentWidget(window.dashboard.test_tab)
    assert window.findChild(QLabel, "noTestRowsLabel").isVisible()
    open_iris(window, qtbot, ui)
    assert action.isEnabled() and window.dashboard.data.test_views is None
    window.dashboard.tabs.setCurrentIndex(0)
    action.trigger()
    views = window.dashboard.data.test_views
    assert views.split == "test" and views.epoch == 0                 # the untrained network, as it is now
    assert window.dashboard.tabs.currentWidget() is window.dashboard.test_tab
    assert window.statusBar().currentMessage().startswith("Evaluated at epoch 0: test accuracy ")
    assert not window.findChild(QLabel, "noTestRowsLabel").isVisible()
