"""The dashboard builds only its Training tab at launch; every other tab makes its views when first shown (or asked
for), then shows everything the run produced before it existed: nothing a user sees depends on when a tab was
built."""
from __future__ import annotations

from PySide6.QtWidgets import QToolButton, QWidget

from core.project import load_project

from gui.project.examples import EXAMPLES_DIR

LAZY = ("Gradients", "Histograms", "Weights", "Evaluation", "Test", "Network", "Projection")


def tab_index(dash, title: str) -> int:
    return next(i for i in range(dash.tabs.count()) if dash.tabs.tabText(i) == title)


def test_only_the_training_tab_is_built_at_launch(window):
    dash = window.dashboard
    assert dash.tabs.is_built(tab_index(dash, "Training"))
    assert [t for t in LAZY if dash.tabs.is_built(tab_index(dash, t))] == []
    assert window.findChild(QWidget, "lossPlot") is not None
    for name in ("gradientNormPlot", "deadReluPlot", "confusionMatrixView", "networkGraphView", "projectionView"):
        assert window.findChild(QWidget, name) is None, name
    assert {p.objectName() for p in dash.panels} == {"lossPlot", "metricPlot", "learningRatePlot",
                                                     "decisionBoundaryView"}


def test_a_tab_shown_after_training_catches_up_with_the_whole_run(window, ui, qtbot):
    dash = window.dashboard
    ui.set_field(window, "training_epochs", "12")
    ui.train(window)
    assert not dash.tabs.is_built(tab_index(dash, "Gradients"))
    dash.show_tab("Gradients")                              # what clicking the tab does
    assert dash.tabs.is_built(tab_index(dash, "Gradients"))
    dead, norms = window.findChild(QWidget, "deadReluPlot"), window.findChild(QWidget, "gradientNormPlot")
    assert dead is dash.dead_plot and norms is dash.grad_norm_plot and dead in dash.panels
    assert dead.isVisible() and norms.isVisible()           # shown at once, not a round of the event loop later
    history = window.session.trainer.history
    expected_steps = len(dash.data.layers[0].grad_norm)
    assert expected_steps > 0
    for index, curve in norms.curves.items():               # every snapshot of the run, drawn when the tab came up
        assert len(curve.yData) == len(dash.data.layers[index].grad_norm) == expected_steps
    assert len(history["loss"]) == 12
    assert dash.tabs.currentWidget() is dash.gradients_tab
    assert dash.tabs.indexOf(dash.gradients_tab) == tab_index(dash, "Gradients")


def test_reading_a_view_builds_its_tab_with_the_tasks_views(window, qtbot):
    dash = window.dashboard
    confusion = dash.confusion_view                          # the spiral: a classification task
    assert dash.tabs.is_built(tab_index(dash, "Evaluation")) and not confusion.isHidden()
    assert dash.predicted_view.isHidden()
    assert dash.tabs.currentWidget() is dash.training_tab   # built, not shown

    assert window.files.open_example(EXAMPLES_DIR / "sine.json")
    qtbot.waitUntil(lambda: dash.info is not None and dash.info.task == "regression", timeout=10_000)
    assert dash.confusion_view.isHidden() and not dash.predicted_view.isHidden()


def test_a_regression_project_builds_its_evaluation_tab_for_regression(make_window, qtbot):
    window = make_window(load_project(EXAMPLES_DIR / "sine.json"))
    dash = window.dashboard
    qtbot.waitUntil(lambda: dash.info is not None, timeout=10_000)
    assert not dash.tabs.is_built(tab_index(dash, "Evaluation"))
    dash.show_tab("Evaluation")
    assert dash.confusion_view.isHidden() and dash.roc_pr_view.isHidden() and dash.predicted_view.isVisible()


def test_the_test_tab_gets_its_evaluate_button_and_the_graph_reports_clicks(window):
    dash = window.dashboard
    dash.show_tab("Test")
    buttons = dash.test_tab.findChildren(QToolButton, "testConfusionMatrixViewEvaluateButton")
    assert len(buttons) == 1 and buttons[0].defaultAction() is window.actions_["evaluate_test"]
    clicked = []
    dash.layerClicked.connect(clicked.append)
    dash.network_graph.layerClicked.emit(1)
    assert clicked == [1]


def test_redraw_and_save_all_build_every_view(window, tmp_path):
    dash = window.dashboard
    dash.redraw()
    assert all(dash.tabs.is_built(i) for i in range(dash.tabs.count()))
    assert window.findChild(QWidget, "weightHistogramView") is not None
    names = {p.objectName() for p in dash.panels}
    assert {"gradientHistogramView", "rocPrView", "networkGraphView", "projectionView"} <= names

