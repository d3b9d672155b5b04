"""Draw your own data: clicks on the data plot add rows of the chosen class, a drag paints several, a right-click
deletes one; every stroke is an undoable edit of a points data section saved inside the project."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from core.data import validate_data_spec
from core.data.points import points_spec
from core.project import default_project, load_project


def scatter_of(window):
    panel = window.data_panel
    panel.preview.setCurrentWidget(panel.preview.scatter)
    return panel.preview.scatter


def pixel_of(scatter, x: float, y: float) -> QPoint:
    scene = scatter.plot.vb.mapViewToScene(QPointF(x, y))
    return scatter.canvas.mapFromScene(scene)


def rows(window) -> int:
    prepared = window.session.prepared
    return -1 if prepared is None else prepared.dataset.n_samples


def click(qtbot, scatter, x: float, y: float, button=Qt.MouseButton.LeftButton) -> QPoint:
    qtbot.wait(30)                          # layout and range changes settle before the pixel is worked out
    pixel = pixel_of(scatter, x, y)
    qtbot.mouseClick(scatter.canvas.viewport(), button, pos=pixel)
    return pixel


def test_three_points_drawn_undone_saved_and_reopened(make_window, ui, qtbot, dialogs, tmp_path):
    window = make_window()
    scatter = scatter_of(window)
    draw = window.data_panel.draw
    assert rows(window) == 500 and window.document.project.data["source"] == "builtin"
    ui.click(window, "drawModeButton")
    assert draw.active
    ui.click(window, "drawClass:0")
    targets = [(0.5, 0.5), (-2.0, 1.5), (3.0, -3.0)]
    expected = []
    for k, (x, y) in enumerate(targets):
        click(qtbot, scatter, x, y)
        expected.append(draw.last_added[0])
        qtbot.waitUntil(lambda: rows(window) == 501 + k, timeout=10_000)
    dataset = window.session.prepared.dataset
    np.testing.assert_allclose(dataset.X[-3:], np.array(expected))
    np.testing.assert_allclose(dataset.X[-3:], np.array(targets), atol=0.15)
    assert dataset.y[-3:].tolist() == [0, 0, 0]
    assert dataset.class_names == ("-1", "+1") and dataset.name == "spiral + drawn"
    data = window.document.project.data
    assert data["source"] == "points" and len(data["X"]) == 503 and data["split"] == {"val": 0.2, "test": 0.0}
    prepared = window.session.prepared                       # the split is recomputed over the new rows
    assert len(prepared.train) + len(prepared.val) == 503
    assert window.document.undo_stack.undoText() == "Draw 1 point"

    for k in range(3):
        window.document.undo()
        qtbot.waitUntil(lambda: rows(window) == 502 - k, timeout=10_000)
    assert window.document.project.data["source"] == "builtin"
    for k in range(3):
        window.document.redo()
    qtbot.waitUntil(lambda: rows(window) == 503, timeout=10_000)

    dialogs.save_path = str(tmp_path / "drawn.json")
    assert window.files.save_as()
    saved = load_project(tmp_path / "drawn.json")
    assert saved.data == window.document.project.data
    reopened = make_window(tmp_path / "drawn.json")
    again = reopened.session.prepared.dataset
    np.testing.assert_array_equal(again.X, dataset.X)
    np.testing.assert_array_equal(again.y, dataset.y)
    assert reopened.data_panel.combo.currentText().startswith("spiral + drawn (503 points)")


def test_a_drag_paints_several_points_and_a_right_click_deletes_one(make_window, ui, qtbot):
    window = make_window()
    scatter = scatter_of(window)
    ui.click(window, "drawModeButton")
    ui.click(window, "drawClass:1")
    viewport = scatter.canvas.viewport()
    start, end = pixel_of(scatter, -4.0, 5.0), pixel_of(scatter, 4.0, 5.0)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for t in np.linspace(0, 1, 12)[1:]:
        qtbot.wait(10)
        qtbot.mouseMove(viewport, QPoint(round(start.x() + t * (end.x() - start.x())), start.y()))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: rows(window) > 503, timeout=10_000)
    painted = rows(window) - 500
    dataset = window.session.prepared.dataset
    assert painted == len(window.document.project.data["X"]) - 500
    assert np.all(dataset.y[-painted:] == 1) and np.allclose(dataset.X[-painted:, 1], 5.0, atol=0.15)
    assert np.all(np.diff(dataset.X[-painted:, 0]) > 0)
    assert window.document.undo_stack.undoText() == f"Draw {painted} points"
    victim = dataset.X[-1]
    click(qtbot, scatter, float(victim[0]), float(victim[1]), Qt.MouseButton.RightButton)
    qtbot.waitUntil(lambda: rows(window) == 500 + painted - 1, timeout=10_000)
    assert window.document.undo_stack.undoText() == "Delete a point"
    remaining = window.session.prepared.dataset.X
    assert not np.any(np.all(remaining == victim, axis=1))
    click(qtbot, scatter, 5.9, -5.9, Qt.MouseButton.RightButton)      # nothing near: nothing deleted
    qtbot.wait(100)
    assert window.document.undo_stack.undoText() == "Delete a point" and rows(window) == 500 + painted - 1


def test_regression_points_take_the_value_field(make_window, ui, qtbot):
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, -1.0], [-1.0, 2.0], [3.0, 3.0], [-2.0, -2.0]])
    data = validate_data_spec(dict(points_spec(X, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], None, ("x1", "x2"), "height"),
                                   split={"val": 0.0, "test": 0.0}))
    project = default_project().with_changes(data=data, layers=({"type": "dense", "units": 4, "activation": "relu"},
                                                                 {"type": "dense", "units": 1}),
                                             training=default_project().training.with_changes(loss="mse"))
    window = make_window(project)
    scatter = scatter_of(window)
    draw = window.data_panel.draw
    assert draw.bar.value.isVisibleTo(window) and not draw.bar.classes.buttons()
    ui.click(window, "drawModeButton")
    draw.bar.value.setValue(7.5)
    click(qtbot, scatter, 1.0, -1.0)
    qtbot.waitUntil(lambda: rows(window) == 7, timeout=10_000)
    assert window.session.prepared.dataset.y[-1, 0] == 7.5
    assert window.document.project.data["target"] == "height"


def test_drawing_is_offered_only_where_it_can_work(make_window, ui, qtbot):
    window = make_window()
    draw = window.data_panel.draw
    assert draw.bar.toggle.isEnabled()
    window.document.edit(window.document.project.with_changes(data=validate_data_spec(
        {"source": "builtin", "name": "reg-multi"})), "two targets")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.task == "regression",
                    timeout=10_000)
    assert not draw.bar.toggle.isEnabled() and "single target" in draw.bar.hint.text()
    window.document.edit(window.document.project.with_changes(data=validate_data_spec(
        {"source": "builtin", "name": "iris"})), "iris")
    qtbot.waitUntil(lambda: window.session.prepared is not None and window.session.prepared.dataset.name == "iris",
                    timeout=10_000)
    assert not draw.bar.isVisibleTo(window)
