"""A new dashboard view is one `add_tab` line: the dashboard resets it, draws it from the run's data in its frames,
finds it by name and exports it, like the built-in views."""
from __future__ import annotations

from PySide6 import QtCore

from core.events import EpochEnd
from gui.dashboard import Dashboard, RunInfo
from gui.dashboard.plot_panel import PlotPanel


class EpochCount(PlotPanel):
    """A minimal view: how many epochs the run's data holds."""

    topics = ("epoch",)

    def __init__(self):
        super().__init__("epochCountView", "Epochs so far")
        self.plot = self.add_plot(0, 0)
        self.resets = 0
        self.drawn: list[int] = []

    def reset(self, info: RunInfo) -> None:
        super().reset(info)
        self.resets += 1

    def draw(self, data) -> None:
        self.drawn.append(data.epochs_seen)


def info() -> RunInfo:
    return RunInfo(layer_labels={0: "0: dense 4, relu"}, diag_layers=(0,), relu_layers=(0,), saturating_layers=(),
                   layer_units={0: 4}, task="regression", n_classes=0, class_names=None, target_names=("y",),
                   metric="r2", has_validation=False, points=None, feature_names=None)


def test_a_view_added_as_a_tab_is_reset_drawn_found_and_exported(qtbot, tmp_path):
    dash = Dashboard()
    qtbot.addWidget(dash)
    tabs = dash.tabs.count()
    view = dash.add_tab("Epochs", "How many epochs", EpochCount())
    assert dash.tabs.count() == tabs + 1 and dash.tabs.tabText(tabs) == "Epochs"
    assert dash.panel("epochCountView") is view and dash.panels[-1] is view

    dash.reset(info())
    assert view.resets == 1
    dash.add_epochs([EpochEnd(i, {"loss": 1.0 / (i + 1)}, 10 * (i + 1), 0.0) for i in range(3)])
    dash.frame()                                   # not shown: a frame brings every view up to date
    assert view.drawn[-1] == 3
    assert str(tmp_path / "epochCountView.png") in dash.save_all(str(tmp_path))
    dash.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
