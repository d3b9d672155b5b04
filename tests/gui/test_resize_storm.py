"""A window dragged by its corner (issue 14 item 13): the window shows a picture of itself and lays out once the
sizes pause, instead of laying out and repainting every widget and plot at every size; afterwards each plot is
exactly what a freshly laid-out window shows at that size, and the views catch up with what a run logged meanwhile.

Counted, not timed: axis tick regenerations (the costly part of a plot's lay-out) and widget geometry during a burst
of sizes, and the figures' geometry and pixels after the burst against a fresh lay-out.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from core.events import EpochEnd
from gui.dashboard.plot_panel import Figure
from gui.widgets import resize_storm
from gui.widgets.resize_storm import ResizeStorm, StormCover


@pytest.fixture
def ticks(monkeypatch):
    """How many times each axis regenerated its ticks and labels (by axis)."""
    counts: dict[int, int] = {}
    generate = pg.AxisItem.generateDrawSpecs

    def counted(axis, painter):
        counts[id(axis)] = counts.get(id(axis), 0) + 1
        return generate(axis, painter)

    monkeypatch.setattr(pg.AxisItem, "generateDrawSpecs", counted)
    return counts


@pytest.fixture
def trained(window, qtbot):
    """The window on its Training tab with 40 epochs of curves and the boundary drawn, at 1600 x 1000."""
    window.dashboard.show_tab("Training")
    window.resize(1600, 1000)
    window.flush_dashboard()
    rng = np.random.default_rng(0)
    window.dashboard.add_epochs([EpochEnd(e, {"loss": 1.0 / (e + 1) + rng.normal(0, 0.01), "val_loss": 1.1 / (e + 1),
                                              "lr": 0.01, "accuracy": 0.5 + e / 100, "val_accuracy": 0.49 + e / 100},
                                          10 * e, 0.0) for e in range(40)])
    window.dashboard.redraw()
    # whatever resized it so far has settled, and it has been up long enough for sizes to be a drag
    qtbot.wait(max(resize_storm.SETTLE_MS + 100, int(1000 * resize_storm.SHOWN_S) + 50))
    QApplication.processEvents()
    return window


def figures(window) -> list[Figure]:
    return [f for f in window.findChildren(pg.GraphicsLayoutWidget) if f.isVisible()]


def drag(window, sizes: list[tuple[int, int]]) -> None:
    """New sizes in quick succession, each laid out and painted at once, as a window system asks during a drag."""
    for width, height in sizes:
        window.resize(width, height)
        window.repaint()
        QApplication.processEvents()


def sweep(start: tuple[int, int], end: tuple[int, int], steps: int) -> list[tuple[int, int]]:
    return [(round(start[0] + (end[0] - start[0]) * i / steps), round(start[1] + (end[1] - start[1]) * i / steps))
            for i in range(1, steps + 1)]


def snapshot(view: pg.GraphicsLayoutWidget) -> tuple:
    """What a view shows: its scene's layout (every plot's view box and axes, in scene coordinates) and its pixels."""
    boxes = []
    for item in view.scene().items():
        if isinstance(item, (pg.ViewBox, pg.AxisItem)) and item.isVisible():
            rect = item.sceneBoundingRect()
            boxes.append((type(item).__name__, round(rect.x(), 3), round(rect.y(), 3), round(rect.width(), 3),
                          round(rect.height(), 3)))
    image = view.viewport().grab().toImage()
    return sorted(boxes), image


def laid_out_for_its_size(view: pg.GraphicsLayoutWidget) -> bool:
    """Whether the view's scene was laid out for the view's current size, and shows what laying it out again
    shows. (A figure whose minimum size is larger than its view, such as the decision boundary with its colour bar
    in a 250 px column, takes two lay-outs to reach its final geometry after any resize, drag or not: for those
    only the size they were laid out for is compared.)"""
    if view.range != QRectF(0, 0, view.width(), view.height()):
        return False
    ci = view.ci.geometry()
    if ci.width() > view.width() or ci.height() > view.height():
        return True
    before = snapshot(view)
    after = relaid(view)
    return before[0] == after[0] and before[1] == after[1]


def relaid(view: pg.GraphicsLayoutWidget) -> tuple:
    """The same view laid out again at its current size, as a resize outside a drag does."""
    pg.GraphicsView.resizeEvent(view, None)
    QApplication.processEvents()
    return snapshot(view)


def epochs(first: int, count: int) -> list[EpochEnd]:
    return [EpochEnd(e, {"loss": 1.0 / (e + 1), "val_loss": 1.1 / (e + 1), "lr": 0.01, "accuracy": 0.5 + e / 100,
                         "val_accuracy": 0.49 + e / 100}, 10 * e, 0.0) for e in range(first, first + count)]


def test_a_drag_covers_the_window_and_lays_nothing_out_until_the_sizes_pause(trained, ticks, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)       # a slow machine's sizes still count as one drag
    monkeypatch.setattr(resize_storm, "REFRESH_S", 1e9)
    window = trained
    views = figures(window)
    assert len(views) >= 5                       # loss, metric, learning rate, boundary; the data scatter
    sizes = sweep((1600, 1000), (1300, 800), 25)
    storm = ResizeStorm.of(window)
    started = watch_start(storm)
    drag(window, sizes[:2])                      # a size soon after the one before starts the storm
    assert storm.active and storm.covered
    cover = window.findChild(StormCover)
    assert cover.picture.deviceIndependentSize().toSize().toTuple() == started[0]
    laid_out = {w.objectName(): w.geometry() for w in [window.centralWidget(), *window.docks.values(), *views]}
    ticks.clear()
    drag(window, sizes[2:])
    assert sum(ticks.values()) == 0, "an axis re-laid out its ticks during the drag"
    assert {w.objectName(): w.geometry() for w in [window.centralWidget(), *window.docks.values(), *views]} == \
        laid_out, "a widget was laid out again during the drag"
    assert cover.geometry() == window.rect()     # the picture fills the window at each size
    storm.end()                                  # the sizes paused
    QApplication.processEvents()
    window.repaint()
    assert not storm.covered
    assert window.centralWidget().geometry() != laid_out[window.centralWidget().objectName()]
    # The final size, laid out once (its ticks made at most twice: the lay-out, then the legends and titles fitting
    # in), whatever the number of sizes; every view as a fresh lay-out has it.
    assert ticks and max(ticks.values()) <= 2
    for view in views:
        assert laid_out_for_its_size(view), view.objectName()


def test_a_long_drag_lays_out_and_takes_a_new_picture_every_refresh(trained, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)
    monkeypatch.setattr(resize_storm, "REFRESH_S", 0.0)          # every size is a refresh
    window = trained
    sizes = sweep((1600, 1000), (1400, 880), 5)
    layouts = ResizeStorm.layouts
    storm = ResizeStorm.of(window)
    started = watch_start(storm)
    drag(window, sizes)
    assert storm.covered
    assert ResizeStorm.layouts - layouts == len(sizes) - 1 - sizes.index(started[0])   # each size after the start
    cover = window.findChild(StormCover)
    assert cover.picture.deviceIndependentSize().toSize().toTuple() == sizes[-1]
    refreshed = window.centralWidget().geometry()
    storm.end()                                  # lays out the same size: the last refresh had laid it out
    assert window.centralWidget().geometry() == refreshed


def test_views_skip_frames_while_covered_and_catch_up_when_the_drag_ends(trained, qtbot, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)
    window = trained
    curve = window.dashboard.loss_plot
    drawn = len(curve_points(curve))
    drag(window, sweep((1600, 1000), (1500, 940), 4))
    assert ResizeStorm.of(window).covered
    window.dashboard.add_epochs(epochs(40, 20))
    window.dashboard.frame()
    assert len(curve_points(curve)) == drawn, "a covered window drew its views"
    ResizeStorm.of(window).end()                 # the drag's end draws what it held back, at once
    assert len(curve_points(curve)) == drawn + 20


def watch_start(storm: ResizeStorm) -> list[tuple[int, int]]:
    """The window's size when the storm starts (filled in then)."""
    sizes: list[tuple[int, int]] = []
    storm.started.connect(lambda: sizes.append(storm.window.size().toTuple()))
    return sizes


def curve_points(panel) -> np.ndarray:
    """The x values of the loss view's training curve."""
    x = panel.curve("train").xData
    return np.asarray(x if x is not None else [])


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_after_a_drag_each_plot_is_what_a_fresh_layout_shows(trained, size, qtbot):
    window = trained
    drag(window, sweep((1600, 1000), size, 12))
    assert window.size().toTuple() == size
    qtbot.waitUntil(lambda: not ResizeStorm.of(window).active, timeout=3000)
    QApplication.processEvents()
    assert not ResizeStorm.of(window).covered
    for view in figures(window):
        assert laid_out_for_its_size(view), view.objectName()
    loss = window.dashboard.loss_plot
    assert loss.title_item.text.startswith(f'<span style="color:') and "Loss" in loss.title_item.text


def test_a_single_resize_lays_out_at_once(trained, ticks):
    window = trained
    storms = ResizeStorm.storms
    window.resize(1280, 720)                     # a maximise or a restore: one size after a pause
    QApplication.processEvents()
    window.repaint()
    assert ResizeStorm.storms == storms
    assert not ResizeStorm.of(window).covered
    assert ticks                                 # the resized plots drew their new axes at once
    for view in figures(window):
        assert laid_out_for_its_size(view), view.objectName()


def test_saving_a_plot_during_a_drag_writes_the_final_layout(trained, tmp_path, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)
    window = trained
    drag(window, sweep((1600, 1000), (1400, 900), 6))
    panel = window.dashboard.loss_plot
    assert ResizeStorm.of(window).covered
    panel.save(str(tmp_path / "loss.svg"))
    assert not ResizeStorm.of(window).covered
    assert laid_out_for_its_size(panel.graphics)


def test_each_refresh_of_a_long_drag_draws_the_views_into_its_picture(trained, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)
    window = trained
    curve = window.dashboard.loss_plot
    drawn = len(curve_points(curve))
    sizes = sweep((1600, 1000), (1500, 940), 4)
    drag(window, sizes[:3])
    assert ResizeStorm.of(window).covered
    window.dashboard.add_epochs(epochs(40, 20))
    window.dashboard.frame()
    assert len(curve_points(curve)) == drawn                    # covered: no frames
    monkeypatch.setattr(resize_storm, "REFRESH_S", 0.0)
    drag(window, sizes[3:])                                     # a refresh: a new picture, the views drawn into it
    assert ResizeStorm.of(window).covered
    assert len(curve_points(curve)) == drawn + 20
    ResizeStorm.of(window).end()


def test_the_cover_stays_above_a_dock_shown_during_the_drag(trained, monkeypatch):
    monkeypatch.setattr(resize_storm, "SETTLE_MS", 2000)
    monkeypatch.setattr(resize_storm, "REFRESH_S", 1e9)
    window = trained
    dock = window.docks["search"]
    dock.hide()
    sizes = sweep((1600, 1000), (1500, 940), 4)
    drag(window, sizes[:2])
    cover = window.findChild(StormCover)
    assert ResizeStorm.of(window).covered
    window.show_search()                                        # Train > Search during a drag: shown and raised
    drag(window, sizes[2:])
    assert window.children()[-1] is cover
    ResizeStorm.of(window).end()
    assert dock.isVisible() and not ResizeStorm.of(window).covered


def test_a_storm_whose_picture_fails_still_ends_and_lays_out(trained, qtbot, monkeypatch):
    window = trained

    def broken(self, _window):
        raise RuntimeError("no picture")
    monkeypatch.setattr(StormCover, "take", broken)
    with pytest.raises(RuntimeError, match="no picture"):      # (from the event loop it would only be printed)
        drag(window, sweep((1600, 1000), (1500, 940), 3))
    storm = ResizeStorm.of(window)
    qtbot.waitUntil(lambda: not storm.active, timeout=2000)      # the storm's timer runs whatever failed
    assert not storm.covered and window.layout().isEnabled()
    for view in figures(window):
        assert laid_out_for_its_size(view), view.objectName()


def test_sizes_given_as_the_window_appears_are_not_a_drag(trained, qtbot):
    window = trained
    storms = ResizeStorm.storms
    window.hide()
    window.show()                                # a window manager places and sizes a window as it maps it
    drag(window, sweep((1600, 1000), (1500, 940), 3))
    assert ResizeStorm.storms == storms and not ResizeStorm.of(window).covered
    qtbot.wait(int(1000 * resize_storm.SHOWN_S) + 50)
    drag(window, sweep((1500, 940), (1400, 880), 3))             # a user's drag, once the window is up
    assert ResizeStorm.storms == storms + 1 and ResizeStorm.of(window).covered
    ResizeStorm.of(window).end()
