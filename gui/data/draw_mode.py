"""Draw your own data on the data panel's scatter: click to add a point of the chosen class (or target value), drag
to paint several, right-click to delete the nearest one.

The drawn data is a `"source": "points"` data section kept inside the project (core/data/points.py): the first
stroke on a built-in or imported dataset turns it into one holding every row shown plus the new ones. Every stroke
is one project edit (`edited(spec, text)`), so undo takes it back and the split, scaling and network follow the
data like after any other data edit. Only 2-D data with classes or one target can be drawn on.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from core.data.points import MAX_POINTS, edit_points

from .controls import FloatSpin
from .style import class_colors, pretty_name

PAINT_SPACING = 14          # pixels between two points painted by dragging
DELETE_PIXELS = 12          # a right-click deletes the nearest point within this distance
BAR_QSS = ("QToolButton { border: 1px solid #d5d9de; border-radius: 3px; padding: 1px 6px; background: #fafafa; }"
           "QToolButton:checked { border: 2px solid #0877bd; background: #eaf3fa; font-weight: 600; }")


class DrawBar(QWidget):
    """The Draw toggle and what a click adds: a class (one button each) or a target value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drawBar")
        self.setStyleSheet(BAR_QSS)
        self.toggle = QToolButton()
        self.toggle.setObjectName("drawModeButton")
        self.toggle.setText("\u270e Draw")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Click to add a point, drag to paint several, right-click to delete one.\n"
                               "The data becomes your own, saved inside the project; Undo takes a stroke back.")
        self.classes = QButtonGroup(self)
        self.classes.setExclusive(True)
        self._names: tuple[str, ...] | None = ()
        self.value = FloatSpin("drawValueSpin", 0.1, 3)
        self.value.setToolTip("The target value of the points you add")
        self.value_label = QLabel("value")
        self.hint = QLabel()
        self.hint.setObjectName("drawHint")
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.row = QHBoxLayout()
        self.row.setSpacing(4)
        self.row.addWidget(self.toggle)
        self._class_row = QHBoxLayout()
        self._class_row.setSpacing(3)
        self.row.addLayout(self._class_row)
        self.row.addWidget(self.value_label)
        self.row.addWidget(self.value)
        self.row.addStretch(1)
        column.addLayout(self.row)
        column.addWidget(self.hint)

    def show_classes(self, names: tuple[str, ...] | None) -> None:
        """One button per class (None: a value field, for regression); the same classes keep the choice."""
        if names == self._names and (names is not None or not self.classes.buttons()):
            return
        self._names = names
        for button in list(self.classes.buttons()):
            self.classes.removeButton(button)
            button.deleteLater()
        if names is not None:
            colors = class_colors(len(names))
            for k, name in enumerate(names):
                button = QToolButton()
                button.setObjectName(f"drawClass:{k}")
                button.setCheckable(True)
                button.setText(f"\u25cf {pretty_name(name)}")
                button.setStyleSheet(f"QToolButton {{ color: {colors[k]}; }}")
                button.setToolTip(f"Points you add are of class {name}")
                self.classes.addButton(button, k)
                self._class_row.addWidget(button)
            self.classes.button(min(1, len(names) - 1)).setChecked(True)
        self.value.setVisible(names is None)
        self.value_label.setVisible(names is None)

    def label(self) -> int | float:
        checked = self.classes.checkedId()
        return float(self.value.value()) if not self.classes.buttons() else max(checked, 0)


class DrawMode(QObject):
    """Turns mouse strokes on a `ScatterView` into edits of the project's data section."""

    edited = Signal(dict, str)        # (new data section, undo text)

    def __init__(self, scatter, spec: Callable[[], dict], parent: QObject | None = None) -> None:
        """`spec()`: the project's data section now (a copy), which strokes edit."""
        super().__init__(parent or scatter)
        self.scatter = scatter
        self.spec = spec
        self.bar = DrawBar()
        scatter.layout().insertWidget(1, self.bar)
        self.bar.toggle.toggled.connect(self._toggled)
        self.preview = pg.ScatterPlotItem(size=8, pen=pg.mkPen("#222222", width=1))
        self.preview.setZValue(10)
        scatter.plot.addItem(self.preview)
        self.dataset = None
        self.last_added = np.zeros((0, 2))          # raw coordinates of the last stroke's points
        self.why_not = "no data yet"
        self._editable = True
        self._stroke: list[tuple[float, float]] = []
        self._last_pixel: QPointF | None = None
        self._kept_range = None
        scatter.canvas.viewport().installEventFilter(self)

    # --- what the panel tells it --------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.bar.toggle.isChecked() and self.bar.toggle.isEnabled()

    def show_data(self, prepared: Any) -> None:
        """New data loaded: what can be drawn on it, and the preview of the last stroke goes."""
        dataset = prepared.dataset
        self.dataset = dataset
        self.why_not = drawable(dataset)
        classes = dataset.class_names if dataset.task in ("binary", "multiclass") else None
        self.bar.show_classes(classes)
        self.preview.setData([], [])
        self._update_enabled()
        if self.active and self._kept_range is not None:
            self.scatter.plot.setRange(xRange=self._kept_range[0], yRange=self._kept_range[1], padding=0)

    def set_editable(self, editable: bool) -> None:
        """Off while a run trains on the data."""
        self._editable = editable
        self._update_enabled()

    def _update_enabled(self) -> None:
        ok = self._editable and not self.why_not
        self.bar.toggle.setEnabled(ok)
        self.bar.setVisible(self.why_not != "not 2-D")
        hint = "Click: add a point · drag: paint · right-click: delete" if ok and self.active else \
            (self.why_not if self.why_not and self.why_not != "not 2-D" else "")
        self.bar.hint.setText(hint)
        self.bar.hint.setVisible(bool(hint))
        for button in self.bar.classes.buttons():
            button.setEnabled(ok)

    def _toggled(self, on: bool) -> None:
        self.scatter.plot.setMouseEnabled(not on, not on)     # no panning while drawing
        self.scatter.canvas.viewport().setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self._update_enabled()

    # --- strokes ------------------------------------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if not self.active or event.type() not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                                                    QEvent.Type.MouseButtonRelease):
            return False
        pixel = event.position()
        point = self._data_point(pixel)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            if point is None:
                return False
            if event.button() == Qt.MouseButton.LeftButton:
                self._stroke, self._last_pixel = [point], pixel
                self._show_stroke()
            elif event.button() == Qt.MouseButton.RightButton:
                self.delete_near(*point)
            return True
        if kind == QEvent.Type.MouseMove:
            if self._stroke and event.buttons() & Qt.MouseButton.LeftButton and point is not None:
                if (pixel - self._last_pixel).manhattanLength() >= PAINT_SPACING:
                    self._stroke.append(point)
                    self._last_pixel = pixel
                    self._show_stroke()
            return bool(self._stroke)
        if event.button() == Qt.MouseButton.LeftButton and self._stroke:
            stroke, self._stroke = self._stroke, []
            self.add_points(np.array(stroke))
            return True
        return False

    def _data_point(self, pixel: QPointF) -> tuple[float, float] | None:
        view = self.scatter.plot.vb
        scene = self.scatter.canvas.mapToScene(pixel.toPoint())
        if not view.sceneBoundingRect().contains(scene):
            return None
        point = view.mapSceneToView(scene)
        return float(point.x()), float(point.y())

    def _show_stroke(self) -> None:
        xy = np.array(self._stroke)
        label = self.bar.label()
        color = class_colors(len(self.bar.classes.buttons()))[int(label)] if self.bar.classes.buttons() else "#888888"
        self.preview.setData(xy[:, 0], xy[:, 1], brush=pg.mkBrush(color))

    # --- edits --------------------------------------------------------------------------------------------------
    def add_points(self, xy: np.ndarray) -> bool:
        """Add rows at raw coordinates xy (k, 2) with the chosen class or value; one undoable edit."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if self.why_not or self.dataset is None or not len(xy):
            return False
        self._keep_range()
        spec = edit_points(self.spec(), self.dataset, xy, np.full(len(xy), self.bar.label()))
        self.last_added = xy
        self.edited.emit(spec, f"Draw {len(xy)} point{'s' if len(xy) != 1 else ''}")
        return True

    def delete_near(self, x: float, y: float) -> bool:
        """Delete the point nearest to raw (x, y) if it is within DELETE_PIXELS on screen; one undoable edit."""
        if self.why_not or self.dataset is None:
            return False
        spec = self.spec()
        rows = np.asarray(spec["X"]) if spec.get("source") == "points" else np.asarray(self.dataset.X)
        if not len(rows):
            return False
        px, py = self.scatter.plot.vb.viewPixelSize()
        distance = np.hypot((rows[:, 0] - x) / px, (rows[:, 1] - y) / py)
        k = int(np.argmin(distance))
        if distance[k] > DELETE_PIXELS:
            return False
        self._keep_range()
        self.edited.emit(edit_points(spec, self.dataset, remove=[k]), "Delete a point")
        return True

    def _keep_range(self) -> None:
        """The plot keeps its range while drawing (a new point must not make the picture jump)."""
        self._kept_range = self.scatter.plot.vb.viewRange()


def drawable(dataset) -> str:
    """Why this dataset cannot be drawn on ('' when it can)."""
    if dataset.input_width != 2:
        return "not 2-D"
    if dataset.task == "multilabel" or (dataset.task == "regression" and dataset.y.shape[1] != 1):
        return "drawing needs classes or a single target"
    if dataset.predefined_splits:
        return "drawing keeps every row in the project: this file defines its own splits"
    if dataset.n_samples >= MAX_POINTS:
        return f"drawing keeps every row in the project: at most {MAX_POINTS:,}"
    return ""
