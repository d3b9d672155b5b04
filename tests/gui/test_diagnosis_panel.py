"""The Diagnosis tab, clicked through: it follows a run from copies taken off the GUI thread, ends with the finished
run, badges its tab, *Show me* brings the evidence forward with the layer marked, *Apply* makes one undoable edit
(refused while training), and Train > Find learning rate runs the range test off the GUI thread and *Use this
rate* is an undoable edit too. Also the healthy band on the update-ratio plot."""
from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest
from PySide6.QtWidgets import QPushButton, QWidget

from core.diagnosis.fixes import current_lr, nice
from core.diagnosis.live import COPY_INTERVAL
from core.diagnosis.thresholds import UPDATE_RATIO_HEALTHY
from core.project import load_project
from core.project_paths import apply_edits
from gui.diagnosis import advisor as advisor_module
from gui.diagnosis.show_me import FADED
from gui.project.examples import EXAMPLES_DIR


def example(name: str, **edits):
    project = load_project(EXAMPLES_DIR / f"{name}.json")
    return apply_edits(project, edits) if edits else project


def wait_diagnosis(qtbot, window, when: str, timeout: int = 20_000):
    qtbot.waitUntil(lambda: window.advisor.request is not None and window.advisor.request.when == when
                    and not window.advisor.jobs.busy, timeout=timeout)
    return window.advisor.panel


@pytest.fixture
def diagnose_threads(monkeypatch):
    """The threads `diagnose` ran on."""
    threads = []
    original = advisor_module.diagnose

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(advisor_module, "diagnose", recording)
    return threads


def test_the_diagnosis_follows_a_run_off_the_gui_thread_and_ends_with_the_finished_run(
        make_window, ui, qtbot, diagnose_threads, monkeypatch):
    probes = []
    original_probe = advisor_module.probe_initial
    monkeypatch.setattr(advisor_module, "probe_initial", lambda *a: probes.append(1) or original_probe(*a))
    window = make_window(example("dying_relu"))
    tab_bar_height = window.dashboard.tabs.tabBar().sizeHint().height()     # before any finding
    copies = []
    window.controller.runCopied.connect(copies.append)
    panel = wait_diagnosis(qtbot, window, "idle")
    assert "Before training" in panel.status.text()
    ui.train(window)
    panel = wait_diagnosis(qtbot, window, "end")
    assert copies and copies[0].epoch == 1                       # the first epoch is always copied
    assert all(c.network is not window.session.network for c in copies)
    assert diagnose_threads and threading.main_thread() not in diagnose_threads
    assert len(probes) == 1              # the initial network's probe, made once for every diagnosis of the run
    assert [c.finding.code for c in panel.cards][:1] == ["dead_units"]
    assert panel.cards[0].finding.severity == "problem" and panel.cards[0].finding.layers == (1,)
    assert panel.status.text().startswith("After the run: 60 epochs, finished. 2 problems, 0 warnings.")
    card = panel.card("dead_units")
    assert "32 of the 32 relu units of layer 1" in card.message.text()
    assert card.evidence.text().startswith("Evidence: dead 32 · units 32 · fraction 1 · threshold 0.4")
    assert "Rectified Linear Unit (ReLU)" in card.sources.text()
    tabs = window.dashboard.tabs
    index = tabs.indexOf(panel)
    assert tabs.tabText(index) == "Diagnosis (2)"
    assert tabs.tabIcon(index).cacheKey() != window.advisor._no_icon.cacheKey()      # the problem icon
    # the badge never resizes the views above it (a resize repaints them all, mid-run)
    assert tabs.tabBar().sizeHint().height() == tab_bar_height


def test_live_copies_come_at_most_once_a_second_from_epoch_boundaries(make_window, qtbot):
    window = make_window(example("spiral", **{"training.epochs": 100_000}))
    copies = []
    window.controller.runCopied.connect(copies.append)
    start = time.monotonic()
    window.train()
    qtbot.waitUntil(lambda: len(copies) >= 3, timeout=20_000)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controller.stop()
    elapsed = time.monotonic() - start
    assert len(copies) <= 1 + elapsed / COPY_INTERVAL
    epochs = [copy.epoch for copy in copies]
    assert epochs == sorted(set(epochs))
    for copy in copies:           # each copy holds whole epochs, as many as it says
        assert all(len(values) == copy.epoch for values in copy.history.values())
        assert copy.step == copy.epoch * window.session.trainer.batches_per_epoch
    panel = wait_diagnosis(qtbot, window, "end")
    assert panel.status.text().startswith("After the run:")


def test_apply_fix_is_one_undoable_edit(make_window, ui, qtbot):
    window = make_window(example("dying_relu"))
    ui.train(window)
    panel = wait_diagnosis(qtbot, window, "end")
    button = panel.card("dead_units").fix_buttons[0]
    assert button.objectName() == "applyFixButton" and button.isEnabled()
    assert button.text() == "Lower the learning rate from 0.5 to 0.05"
    assert "training.optimizer.lr: 0.5 -> 0.05" in button.toolTip()
    depth = window.document.undo_stack.count()
    ui.qtbot.mouseClick(button, ui_left())
    assert current_lr(window.document.project) == 0.05
    assert window.document.undo_stack.count() == depth + 1
    assert window.document.undo_stack.undoText() == "Fix: Lower the learning rate from 0.5 to 0.05"
    assert not button.isEnabled() and button.toolTip().startswith("Applied")
    assert "The project has changed since" in panel.status.text()
    window.document.undo()
    assert current_lr(window.document.project) == 0.5 and button.isEnabled()


def test_a_fix_that_changes_the_layers_rebuilds_and_the_panel_starts_over(make_window, ui, qtbot):
    window = make_window(example("dying_relu"))
    ui.train(window)
    panel = wait_diagnosis(qtbot, window, "end")
    leaky = panel.card("dead_units").fix_buttons[1]
    ui.qtbot.mouseClick(leaky, ui_left())
    assert window.document.project.layers[0]["activation"] == {"name": "leaky_relu", "negative_slope": 0.1}
    panel = wait_diagnosis(qtbot, window, "idle")
    assert "Before training" in panel.status.text() and window.session.trainer.epoch == 0


def test_fixes_are_locked_while_a_run_trains(make_window, qtbot):
    window = make_window(example("vanishing_gradients_sigmoid", **{"training.epochs": 100_000}))
    panel = wait_diagnosis(qtbot, window, "idle")
    card = panel.card("vanishing_gradients")                     # the step-0 probe sees it before training
    assert card.fix_buttons and all(b.isEnabled() for b in card.fix_buttons)
    window.dashboard.tabs.setCurrentWidget(window.advisor.panel)     # live diagnoses: while its tab is shown
    window.train()
    panel = wait_diagnosis(qtbot, window, "live")
    assert panel.status.text().startswith("Live: the run so far")
    card = panel.card("vanishing_gradients")
    assert card.fix_buttons and not any(b.isEnabled() for b in card.fix_buttons)
    assert card.fix_buttons[0].toolTip().startswith("Stop the run")
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controller.stop()
    panel = wait_diagnosis(qtbot, window, "end")
    assert panel.status.text().startswith("After the run:") and "stopped" in panel.status.text()
    assert all(b.isEnabled() for b in panel.card("vanishing_gradients").fix_buttons)


def test_show_me_brings_the_plot_forward_with_the_layers_marked(make_window, ui, qtbot):
    window = make_window(example("vanishing_gradients_sigmoid", **{"training.epochs": 5}))
    ui.train(window)
    panel = wait_diagnosis(qtbot, window, "end")
    card = panel.card("vanishing_gradients")
    ui.qtbot.mouseClick(card.show_button, ui_left())
    tabs = window.dashboard.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Gradients"
    view = window.dashboard.panel("gradientNormPlot")
    weak = set(card.finding.layers)
    assert weak and 0 in weak
    for index, curve in view.curves.items():
        assert curve.opacity() == (1.0 if index in weak else pytest.approx(FADED))
    window.reset_weights()                                        # a new start clears the marks
    assert all(curve.opacity() == 1.0 for curve in view.curves.values())


def test_show_me_marks_where_overfitting_starts_on_the_loss(make_window, ui, qtbot):
    window = make_window(example("overfitting"))
    epochs = window.document.project.training.epochs
    ui.train(window)
    panel = wait_diagnosis(qtbot, window, "end")
    finding = panel.card("high_variance").finding
    ui.qtbot.mouseClick(panel.card("high_variance").show_button, ui_left())
    tabs = window.dashboard.tabs
    assert tabs.tabText(tabs.currentIndex()) == "Training"
    best = finding.evidence["best_val_loss_epoch"] + 1
    marks = window.advisor.highlighter.marks
    region = next(m for m in marks if hasattr(m, "getRegion"))
    line = next(m for m in marks if not hasattr(m, "getRegion"))
    assert region.getRegion() == pytest.approx((best, epochs)) and line.value() == best
    loss_box = window.dashboard.panel("lossPlot").plot.getViewBox()
    assert region.getViewBox() is loss_box and line.getViewBox() is loss_box


def test_show_me_for_an_input_problem_opens_the_data_dock(make_window, qtbot):
    window = make_window(example("breast_cancer", **{"data.scaling": "none"}))
    panel = wait_diagnosis(qtbot, window, "idle")
    window.docks["network"].raise_()
    card = panel.card("unscaled_inputs")
    card.show_button.click()
    assert not window.docks["data"].visibleRegion().isEmpty()


def test_find_learning_rate_runs_off_the_gui_thread_and_use_this_rate_is_undoable(make_window, qtbot, monkeypatch):
    window = make_window(example("spiral"))
    threads = []
    original = advisor_module.find_lr

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(advisor_module, "find_lr", recording)
    params = window.session.network.params.copy()
    window.findChild(type(window.actions_["find_lr"]), "actionFindLearningRate").trigger()
    dialog = window.advisor.dialog
    assert dialog.objectName() == "lrFinderDialog" and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    assert threads and threading.main_thread() not in threads
    np.testing.assert_array_equal(window.session.network.params, params)    # the user's network is untouched
    plot = dialog.findChild(QWidget, "lrFinderPlot")
    assert plot is dialog.plot_widget
    assert len(dialog.curve.xData) > 10
    suggestion = nice(dialog.result.suggestion)
    assert dialog.lines["suggestion"].value() == pytest.approx(math.log10(dialog.result.suggestion))
    use = dialog.findChild(QPushButton, "useLearningRateButton")
    assert use.isEnabled() and use.text() == f"Use this rate ({suggestion:g})"
    use.click()
    assert current_lr(window.document.project) == suggestion
    assert window.document.undo_stack.undoText().endswith("(range test)")
    window.document.undo()
    assert current_lr(window.document.project) == 0.01
    dialog.close()


def test_the_update_ratio_plot_shades_the_healthy_band(make_window, ui, qtbot):
    window = make_window(example("learning_rate_too_low", **{"training.epochs": 3}))
    ui.train(window)
    view = window.dashboard.panel("weightHistogramView")
    tabs = window.dashboard.tabs
    tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("Weights"))
    low, high = view.ratio_band.getRegion()
    assert (10 ** low, 10 ** high) == pytest.approx((UPDATE_RATIO_HEALTHY / 10, UPDATE_RATIO_HEALTHY * 10))
    assert view.ratio_reference.value() == pytest.approx(-3)
    ratios = np.concatenate([c.yData for c in view.ratio_curves.values()])
    assert ratios.max() < UPDATE_RATIO_HEALTHY          # this run's steps are small: nothing near the band's top ...

    def framed():
        y_low, y_high = view.ratio_plot.getViewBox().viewRange()[1]
        return y_low <= low and y_high >= high
    qtbot.waitUntil(framed, timeout=5000)               # ... and the plot frames the whole band


def ui_left():
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton
