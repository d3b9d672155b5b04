"""The examples' notes keep their promises (issue 13): they name topics, not "Course notes 000"; opening an example
shows the tab its note talks about; what the vanishing-gradients note says is what the plots show; the loss axis
turns logarithmic by itself when the loss spans more than three decades; and "Unsaved changes?" is asked only when
the user's edits or the trained weights of their saved project are at stake."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.events import EpochEnd
from gui.project.examples import EXAMPLES_DIR, EXPERIMENTS, examples, note_tab


def test_notes_name_topics_and_the_tab_to_watch():
    found = examples()
    assert {e.path.stem for e in found} >= set(EXPERIMENTS)
    for example in found:
        assert not re.search(r"notes? \d{3}", example.description, re.IGNORECASE), example.path.name
    for example in found:
        if example.experiment:
            assert example.tab is not None, f"{example.path.name}: its note names no tab to watch"
    assert note_tab("Dying ReLU (...). Gradients tab: watch the dead-ReLU plot.") == "Gradients"
    assert note_tab("no tab named here") is None


@pytest.mark.parametrize("stem, tab", [("dying_relu", "Gradients"), ("l1_regularization", "Weights"),
                                       ("overfitting", "Training")])
def test_opening_an_example_shows_the_tab_its_note_talks_about(window, qtbot, stem, tab):
    window.dashboard.show_tab("Evaluation")
    window.files.open_example(EXAMPLES_DIR / f"{stem}.json")
    assert window.dashboard.tabs.tabText(window.dashboard.tabs.currentIndex()) == tab
    assert window.note.isVisible() and tab in window.note.label.text()


def test_the_vanishing_gradients_note_says_what_the_plots_show(window, ui, qtbot):
    window.files.open_example(EXAMPLES_DIR / "vanishing_gradients_sigmoid.json")
    qtbot.waitUntil(lambda: window.session.network is not None and len(window.session.network.layers) == 7
                    and window.session.trainer is not None, timeout=10_000)
    ui.set_field(window, "training_epochs", "20")
    ui.train(window)
    layers = window.dashboard.data.layers
    first, last = layers[0].grad_norm.y()[-1], layers[6].grad_norm.y()[-1]
    assert first / last < 1e-2                                   # "decades below the output layer's"
    hidden_saturation = max(float(layers[i].saturation.y().max()) for i in range(6))
    assert hidden_saturation < 0.05                              # "the saturation plot stays near 0"


def test_the_loss_axis_turns_logarithmic_when_the_loss_spans_more_than_three_decades(window, qtbot):
    window.flush_dashboard()
    loss = window.dashboard.loss_plot
    def epochs(values, start=0):
        return [EpochEnd(start + e, {"loss": float(v), "val_loss": float(v), "lr": 0.5}, 10 * (start + e), 0.0)
                for e, v in enumerate(values)]
    window.dashboard.add_epochs(epochs([0.7, 0.6, 0.5, 0.45, 0.3]))         # one decade: linear stays
    window.dashboard.redraw()
    assert not loss.log_toggle.isChecked() and not loss.plot.getAxis("left").logMode
    window.dashboard.add_epochs(epochs([5.0, 3e3, 4e9, 3e18], start=5))     # diverging: 19 decades
    window.dashboard.redraw()
    assert loss.log_toggle.isChecked() and loss.plot.getAxis("left").logMode
    loss.log_toggle.click()                                                 # the user still decides
    window.dashboard.add_epochs(epochs([1e19, 1e20], start=9))
    window.dashboard.redraw()
    assert not loss.log_toggle.isChecked() and not loss.plot.getAxis("left").logMode
    window.reset_weights()                                                  # a new run: automatic again
    window.flush_dashboard()
    assert not loss.log_toggle.isChecked() and not loss.user_chose_axis


def test_unsaved_changes_are_asked_about_only_when_the_users_work_is_at_stake(window, ui, dialogs, qtbot, tmp_path):
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    ui.set_field(window, "training_epochs", "2")                            # an edit of the new project
    window.files.open_example(EXAMPLES_DIR / "spiral.json")
    assert len(dialogs.of("question")) == 1
    qtbot.waitUntil(lambda: window.session.trainer is not None and not window.session.loader.busy, timeout=10_000)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.step()                                                       # trained, never edited: no question
    qtbot.waitUntil(lambda: not window.controller.threads_alive, timeout=5000)
    assert window.document.is_modified()                                    # the title still says unsaved
    assert window.files.open_example(EXAMPLES_DIR / "dying_relu.json")
    assert len(dialogs.of("question")) == 1
    qtbot.waitUntil(lambda: window.session.trainer is not None and not window.session.loader.busy, timeout=10_000)
    ui.set_field(window, "training_epochs", "2")
    dialogs.save_path = str(tmp_path / "mine.json")
    assert window.files.save_as()
    ui.train(window)                                                        # the user's saved project, trained
    window.files.open_example(EXAMPLES_DIR / "spiral.json")
    assert len(dialogs.of("question")) == 2 and "unsaved changes" in dialogs.of("question")[-1][2]
