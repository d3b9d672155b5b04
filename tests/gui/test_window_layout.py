"""The window fits the screen (issue 13): it opens within the available geometry, works down to 1280 x 720, no
panel's minimum width depends on the data it shows, nothing in a side panel is cut off, a saved layout comes back
only when it fits, and Focus on training gives the dashboard the whole window.

Measured from widget geometry and size hints, not from pixels.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QScrollArea, QWidget

from core.project import Project, default_project, parse_project
from gui import app_settings, window_layout
from gui.project.examples import EXAMPLES_DIR

DOCKS = ("dataDock", "networkDock", "trainingDock")


def min_widths(window) -> dict[str, int]:
    out = {name: window.findChild(QDockWidget, name).minimumSizeHint().width() for name in DOCKS}
    out["dashboard"] = window.dashboard.minimumSizeHint().width()
    out["window"] = window.minimumSizeHint().width()
    return out


def long_named_csv(tmp_path) -> Project:
    names = [f"a rather long measurement name number {i} (in centimetres)" for i in range(6)]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    y = (X[:, 0] > 0).astype(int)
    path = tmp_path / "long.csv"
    lines = [",".join(names + ["label"])] + [",".join(f"{v:.3f}" for v in row) + f",{t}" for row, t in zip(X, y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = default_project().to_dict()
    spec["data"] = {"source": "csv", "path": str(path), "target": "label"}
    spec["model"]["layers"] = [{"type": "dense", "units": 8, "activation": "relu"},
                               {"type": "dense", "units": 1, "activation": "sigmoid"}]
    return parse_project(spec, tmp_path)


def test_no_panel_minimum_width_depends_on_the_data(make_window, qtbot, tmp_path):
    window = make_window()
    first = min_widths(window)
    assert first["window"] <= 1280 - window_layout.FRAME.width()
    for example, task in (("iris", "multiclass"), ("diabetes", "regression"), ("three_spirals", "multiclass")):
        window.files.open_example(EXAMPLES_DIR / f"{example}.json")
        qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == task
                        and window.session.trainer is not None, timeout=10_000)
        window.flush_dashboard()
        qtbot.wait(50)
        assert min_widths(window) == first, example
        window.dashboard.build_all()                              # tabs not shown yet make their views now
        for tab in range(window.dashboard.tabs.count()):        # every view still fits the dashboard's minimum
            needed = window.dashboard.tabs.widget(tab).minimumSizeHint()
            assert needed.width() <= first["dashboard"], (example, window.dashboard.tabs.tabText(tab))
    window.open_project(long_named_csv(tmp_path), None)
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.input_width == 6
                    and window.session.trainer is not None, timeout=10_000)
    qtbot.wait(50)
    assert min_widths(window) == first
    label = window.findChild(QLabel, "inputShapeLabel")
    assert "a rather long measurement name number 5" in label.toolTip()         # the full names stay one hover away


def test_every_side_panel_fits_its_dock_at_its_narrowest(make_window, qtbot):
    """A scrolling panel without a horizontal scroll bar cuts off whatever is wider than the dock."""
    window = make_window()
    window.files.open_example(EXAMPLES_DIR / "iris.json")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "multiclass",
                    timeout=10_000)
    for name in DOCKS:
        dock = window.findChild(QDockWidget, name)
        narrowest = dock.minimumSizeHint().width()
        for scroll in dock.findChildren(QScrollArea):
            if scroll.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff or scroll.widget() is None:
                continue
            room = narrowest - 2 * scroll.frameWidth() - scroll.verticalScrollBar().sizeHint().width()
            needed = scroll.widget().minimumSizeHint().width()
            assert needed <= room, f"{name}: {scroll.widget().objectName()} needs {needed} px, the dock gives {room}"


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1920, 1080), (2560, 1440)])
def test_the_window_opens_within_the_available_screen(make_window, screen, size):
    available = screen(*size)
    window = make_window(ready=False)
    frame = window.geometry().size() + window_layout.FRAME
    assert frame.width() <= available.width() and frame.height() <= available.height()
    assert window.size() == window_layout.DEFAULT_SIZE.boundedTo(available.size() - window_layout.FRAME)
    assert window.minimumSizeHint().width() <= window.width()
    data, network = (window.findChild(QDockWidget, n) for n in ("dataDock", "networkDock"))
    compact = size[0] < window_layout.COMPACT_BELOW
    assert (network in window.tabifiedDockWidgets(data)) == compact      # small screens: Network as a tab


def test_at_1280_by_720_the_dashboard_keeps_most_of_the_width(make_window, screen, qtbot):
    screen(1280, 720)
    window = make_window()
    qtbot.waitUntil(lambda: window.dashboard.width() > 0, timeout=2000)
    qtbot.wait(50)
    assert window.dashboard.width() >= 0.6 * window.width()
    window.dashboard.build_all()                                  # every tab's views, not only those shown yet
    for tab in range(window.dashboard.tabs.count()):
        page = window.dashboard.tabs.widget(tab)
        assert page.minimumSizeHint().width() <= window.dashboard.width()
        assert page.minimumSizeHint().height() <= window.dashboard.tabs.height()


def test_a_saved_layout_is_restored_only_if_it_fits_the_screen(make_window, screen, qtbot):
    first = make_window()
    first.resize(1800, 1040)
    first.findChild(QDockWidget, "trainingDock").close()
    first.close()                                           # saves the layout (a big monitor's)
    assert app_settings.settings().value("window/size") == QSize(1800, 1040)
    screen(1366, 768)
    laptop = make_window(ready=False)
    assert laptop.width() <= 1366 and laptop.height() <= 768
    assert not laptop.findChild(QDockWidget, "trainingDock").isHidden()      # the default layout, not the saved one
    screen(1920, 1200)
    desktop = make_window(ready=False)
    assert desktop.findChild(QDockWidget, "trainingDock").isHidden()         # it fits: the saved layout is back


def test_focus_on_training_gives_the_dashboard_the_whole_window(make_window, ui, qtbot):
    window = make_window()
    action = window.actions_["focus_training"]
    assert action.objectName() == "actionFocusTraining" and not action.shortcut().isEmpty()
    window.findChild(QDockWidget, "trainingDock").close()
    shown = [name for name in DOCKS if not window.findChild(QDockWidget, name).isHidden()]
    before = window.dashboard.width()
    action.trigger()
    qtbot.waitUntil(lambda: window.dashboard.width() > before, timeout=2000)
    assert action.isChecked()
    assert all(window.findChild(QDockWidget, name).isHidden() for name in DOCKS)
    assert window.dashboard.width() >= window.width() - 4
    with qtbot.waitSignal(window.controller.finished, timeout=20_000):
        window.train()                                      # training goes on as usual
    action.trigger()
    assert not action.isChecked()
    assert [name for name in DOCKS if not window.findChild(QDockWidget, name).isHidden()] == shown
    action.trigger()                                        # showing a dock by hand leaves the mode
    window.findChild(QDockWidget, "dataDock").show()
    assert not action.isChecked()


def test_long_texts_elide_with_the_full_text_in_the_tooltip(make_window, qtbot, tmp_path):
    window = make_window()
    window.open_project(long_named_csv(tmp_path), None)
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.input_width == 6,
                    timeout=10_000)
    label = window.findChild(QWidget, "inputShapeLabel")
    assert label.is_elided()
    assert label.text().endswith("…") and label.width() < label.fontMetrics().horizontalAdvance(label.full_text)
    assert "(in centimetres)" in label.toolTip()
