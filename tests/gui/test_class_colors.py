"""Class k is one colour in every view (issue 13): sampled from the rendered widgets, not read from their code.

On three classes the data preview and summary used to draw class 0 blue while the decision boundary drew it
orange. Here the pixels of class k's points, bars and chips are read back from the screen image of each view.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from gui.dashboard.boundary import class_image
from gui.palette import class_color
from gui.project.examples import EXAMPLES_DIR

TOLERANCE = 6       # per channel: smooth pixmap scaling and antialiasing may shift a centre pixel slightly


def close(a: QColor, b: QColor) -> bool:
    return all(abs(x - y) <= TOLERANCE for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def pixel(view, plot, x: float, y: float) -> QColor:
    """The colour the graphics view shows at data point (x, y) of `plot`."""
    image = view.grab().toImage()
    where = view.mapFromScene(plot.vb.mapViewToScene(QPointF(x, y)))
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(where.x() * ratio), round(where.y() * ratio))


def isolated_point(view, plot, X: np.ndarray, y: np.ndarray, k: int) -> tuple[float, float]:
    """A point of class k at least 9 pixels from every point of another class (rings and edges stay clear)."""
    def on_screen(points):
        return np.array([[p.x(), p.y()] for p in (view.mapFromScene(plot.vb.mapViewToScene(QPointF(*xy)))
                                                  for xy in points)])
    screen = on_screen(X)
    own = np.flatnonzero(y == k)
    for i in own:
        d = np.hypot(*(screen - screen[i]).T)
        d[i] = np.inf
        if np.min(d) > 9:
            return float(X[i, 0]), float(X[i, 1])
    raise AssertionError(f"no isolated point of class {k}")


def test_class_colours_agree_across_views(make_window, qtbot):
    window = make_window()
    window.files.open_example(EXAMPLES_DIR / "three_spirals.json")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.n_classes == 3
                    and window.session.trainer is not None, timeout=10_000)
    window.flush_dashboard()
    window.dashboard.redraw()
    qtbot.wait(100)
    expected = [QColor(class_color(k, 3)) for k in range(3)]

    # The data summary's balance bar: one segment per class, in order.
    bar = window.data_panel.header.balance
    qtbot.waitUntil(lambda: bar.isVisible() and sum(bar.counts) > 0, timeout=5000)
    image = bar.grab().toImage()
    edges = np.cumsum([0] + bar.counts) / sum(bar.counts) * image.width()
    for k in range(3):
        seen = image.pixelColor(int((edges[k] + edges[k + 1]) / 2), image.height() // 2)
        assert close(seen, expected[k]), ("balance bar", k, seen.name(), expected[k].name())

    # The data preview's scatter.
    scatter = window.data_panel.preview.scatter
    dataset = window.session.prepared.dataset
    for k in range(3):
        x, y = isolated_point(scatter.canvas, scatter.plot, dataset.X, dataset.y, k)
        seen = pixel(scatter.canvas, scatter.plot, x, y)
        assert close(seen, expected[k]), ("data preview", k, seen.name(), expected[k].name())

    # The decision boundary's training points.
    boundary = window.dashboard.boundary_view
    everything = np.vstack([boundary.info.points[0], boundary.info.points[2]])
    labels = np.concatenate([boundary.info.points[1], boundary.info.points[3]])
    for k in range(3):
        x, y = isolated_point(boundary.graphics, boundary.plot, everything, labels, k)
        seen = pixel(boundary.graphics, boundary.plot, x, y)
        assert close(seen, expected[k]), ("decision boundary", k, seen.name(), expected[k].name())

    # The decision boundary's cells: the image renders each cell in its class's tint (a colour bar's levels and
    # map, meant for probabilities, once turned every cell white).
    grid = window.dashboard.data.views.grid
    expected_cells = class_image(grid)
    boundary.image.render()
    rendered = boundary.image.qimage
    for row, col in ((0, 0), (40, 40), (79, 10), (5, 70)):
        seen = rendered.pixelColor(col, row)
        assert close(seen, QColor(*expected_cells[row, col])), ("boundary cell", row, col, seen.name())

    # The confusion matrix's class chips, and the ROC / PR curves' pens.
    window.dashboard.tabs.setCurrentWidget(window.dashboard.evaluation_tab)
    qtbot.wait(100)
    matrix = window.dashboard.confusion_view
    chip = matrix.row_chips.mapRectToView(matrix.row_chips.boundingRect())
    for k in range(3):
        seen = pixel(matrix.graphics, matrix.plot, chip.center().x(), k + 0.5)
        assert close(seen, expected[k]), ("confusion matrix", k, seen.name(), expected[k].name())
    curves = window.dashboard.roc_pr_view
    for k in range(3):
        assert curves.roc_curves[k].opts["pen"].color().name() == expected[k].name()
        assert curves.pr_curves[k].opts["pen"].color().name() == expected[k].name()


def test_every_class_of_a_task_has_its_own_colour():
    assert class_color(0, 2) == "#f59322" and class_color(1, 2) == "#0877bd"      # the playground's pair
    assert [class_color(k, 3) for k in range(2)] == [class_color(k, 2) for k in range(2)]   # a third only adds
    for n in (3, 10, 26, 47):
        colors = [class_color(k, n) for k in range(n)]
        assert len(set(colors)) == n, n
        assert all(len(c) == 7 and c.startswith("#") for c in colors)
