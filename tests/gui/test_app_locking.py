"""While a run trains, nothing may replace the project or the weights under it: File > New, Open and Examples are
disabled, and the same commands called from a script (files.new/open/open_example, open_project,
session.reset_weights) are refused with a status-bar message, leaving the run, the project and the trainer as they
were. Once the run ends they work again."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox

from core.project import default_project, load_project
from gui.project.examples import EXAMPLES_DIR


def test_while_training_other_projects_and_a_reset_are_refused(window, ui, dialogs, qtbot):
    ui.set_field(window, "training_epochs", "100000")
    window.train()
    trainer, project, network = window.session.trainer, window.document.project, window.session.network
    qtbot.waitUntil(lambda: trainer.step > 50, timeout=10_000)
    examples = window.findChild(QMenu, "examplesMenu")
    assert not examples.isEnabled()
    for name in ("actionNewProject", "actionOpenProject"):
        assert not window.findChild(QAction, name).isEnabled(), name
    iris = EXAMPLES_DIR / "iris.json"
    dialogs.question_answer = None                          # no "Unsaved changes" prompt may even be shown
    assert window.files.new() is False
    assert window.files.open(iris) is False
    assert window.files.open_example(iris) is False
    assert window.open_project(default_project(), None) is False
    assert "stop it" in window.statusBar().currentMessage()
    before = network.params.copy()
    assert window.session.reset_weights() is False
    assert not dialogs.of("question") and not dialogs.of("critical")
    assert window.session.trainer is trainer and window.session.network is network
    assert window.document.project == project and window.controller.busy
    at = trainer.step
    qtbot.waitUntil(lambda: trainer.step > at + 50, timeout=10_000)      # the run goes on, on the same weights
    assert not np.array_equal(network.params, before)
    window.stop_training()
    assert examples.isEnabled() and window.findChild(QAction, "actionOpenProject").isEnabled()
    dialogs.question_answer = QMessageBox.StandardButton.Discard           # the trained weights: discard them
    assert window.files.open_example(iris) is True
    assert window.document.project.name == load_project(iris).name
