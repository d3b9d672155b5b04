"""A window dragged by its corner (issue 14 item 13): the plots follow with the picture they had and lay out once the
sizes pause, instead of laying out and repainting every plot at every size; afterwards each plot is exactly what a
freshly laid-out window shows at that size.

Counted, not timed: axis tick regenerations (the costly part of a plot's lay-out) during a burst of sizes, and the
figures' geometry and pixels after the burst against a fresh lay-out.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from core.events import EpochEnd
from gui.dashboard.plot_panel import Figure
from gui.widgets import settling_view
from gui.widgets.settling_view import ResizeStorm, SettlingView


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
    qtbot.wait(settling_view.SETTLE_MS + 100)       # whatever resized it so far has settled
    QApplication.processEvents()
    return window


def figures(window) -> list[Figure]:
    return [f for f in window.findChildren(SettlingView) if f.isVisible()]


def drag(window, sizes: list[tuple[int, int]]) -> None:
    """New sizes in quick succession, each laid out and painted at once, as a window system asks during a drag."""
    for width, height in sizes:
        window.resize(width, height)
        window.repaint()
        QApplication.processEvents()


def sweep(start: tuple[int, int], end: tuple[int, int], steps: int) -> list[tuple[int, int]]:
    return [(round(start[0] + (end[0] - start[0]) * i / steps), round(start[1] + (end[1] - start[1]) * i / steps))
            for i in range(1, steps + 1)]


def snapshot(view: SettlingView) -> tuple:
    """What a view shows: its scene's layout (every plot's view box and axes, in scene coordinates) and its pixels."""
    boxes = []
    for item in view.scene().items():
        if isinstance(item, (pg.ViewBox, pg.AxisItem)) and item.isVisible():
            rect = item.sceneBoundingRect()
            boxes.append((type(item).__name__, round(rect.x(), 3), round(rect.y(), 3), round(rect.width(), 3),
                          round(rect.height(), 3)))
    image = view.viewport().grab().toImage()
    return sorted(boxes), image


def laid_out_for_its_size(view: SettlingView) -> bool:
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


def relaid(view: SettlingView) -> tuple:
    """The same view laid out again at its current size, as a resize outside a drag does."""
    pg.GraphicsView.resizeEvent(view, None)
    QApplication.processEvents()
    return snapshot(view)


def test_a_drag_regenerates_no_axis_until_the_sizes_pause_then_lays_out_the_final_size_once(trained, ticks, qtbot,
                                                                                           monkeypatch):
    monkeypatch.setattr(settling_view, "SETTLE_MS", 2000)       # a slow machine's sizes still count as one drag
    monkeypatch.setattr(settling_view, "REFRESH_S", 1e9)
    window = trained
    views = figures(window)
    assert len(views) >= 5                       # loss, metric, learning rate, boundary; the data scatter
    sizes = sweep((1600, 1000), (1300, 800), 25)
    drag(window, sizes[:2])                      # the first size lays out at once; the second keeps its picture
    storm = ResizeStorm.of(window)
    assert storm.active
    assert all(view.settling for view in views)
    ticks.clear()
    drag(window, sizes[2:])
    assert sum(ticks.values()) == 0, "an axis re-laid out its ticks during the drag"
    storm.end()                                  # the sizes paused
    QApplication.processEvents()
    window.repaint()
    assert not any(view.settling for view in views)
    # The final size, laid out once (its ticks made at most twice: the lay-out, then the legends and titles fitting
    # in), whatever the number of sizes; every view as a fresh lay-out has it.
    assert ticks and max(ticks.values()) <= 2
    for view in views:
        assert laid_out_for_its_size(view), view.objectName()


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_after_a_drag_each_plot_is_what_a_fresh_layout_shows(trained, size, qtbot):
    window = trained
    drag(window, sweep((1600, 1000), size, 12))
    assert window.size().toTuple() == size
    qtbot.waitUntil(lambda: not ResizeStorm.of(window).active, timeout=3000)
    QApplication.processEvents()
    for view in figures(window):
        assert not view.settling
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
    assert ticks                                 # the resized plots drew their new axes at once
    for view in figures(window):
        assert not view.settling
        assert laid_out_for_its_size(view), view.objectName()


def test_saving_a_plot_during_a_drag_writes_the_final_layout(trained, tmp_path, monkeypatch):
    monkeypatch.setattr(settling_view, "SETTLE_MS", 2000)
    window = trained
    drag(window, sweep((1600, 1000), (1400, 900), 6))
    panel = window.dashboard.loss_plot
    assert panel.graphics.settling
    panel.save(str(tmp_path / "loss.svg"))
    assert not panel.graphics.settling
    assert laid_out_for_its_size(panel.graphics)
