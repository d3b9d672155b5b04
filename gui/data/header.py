"""The facts about loaded data a user needs before building the network: task, inputs, split sizes, class balance
and the output layer the course notes advise.

Shown above the preview in the data panel; the class balance arrives later than the rest when the summary is
computed on a worker thread, hence the separate `show_prepared` and `show_summary`.
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from core.data import DataSummary, PreparedData

from .style import class_colors, fmt, pretty_name, short

LOSS_NAMES = {"binary_crossentropy": "binary cross-entropy", "categorical_crossentropy": "categorical cross-entropy",
              "mse": "mean squared error", "mae": "mean absolute error"}


class BalanceBar(QWidget):
    """One thin bar split in proportion to the class counts, in the class colours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(8)
        self.counts: list[int] = []
        self.colors: tuple[str, ...] = ()

    def set_counts(self, counts: list[int], colors: tuple[str, ...]) -> None:
        self.counts, self.colors = counts, colors
        self.setVisible(bool(counts))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        from PySide6.QtGui import QPainter
        total = sum(self.counts)
        if not total:
            return
        painter = QPainter(self)
        x, width = 0.0, self.width()
        for count, color in zip(self.counts, self.colors):
            step = width * count / total
            painter.fillRect(int(round(x)), 0, int(round(x + step)) - int(round(x)), self.height(), QColor(color))
            x += step
        painter.end()


class DataHeader(QWidget):
    """The compact facts a user needs before building the network: task, outputs, split sizes, class balance and
    the course notes' advice for the output layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataHeader")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        self.values: dict[str, QLabel] = {}
        for row, key in enumerate(("Task", "Inputs", "Split", "Classes", "Output")):
            name = QLabel(key)
            name.setStyleSheet("color: #6b6b6b;")
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            value = QLabel()
            value.setObjectName(f"header{key}Label")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(name, row, 0)
            if key == "Classes":
                box = QVBoxLayout()
                box.setSpacing(3)
                self.balance = BalanceBar()
                box.addWidget(value)
                box.addWidget(self.balance)
                grid.addLayout(box, row, 1)
                self._classes_name = name
            else:
                grid.addWidget(value, row, 1)
            self.values[key] = value

    def text(self, key: str) -> str:
        """The plain text of one line ("Task", "Inputs", "Split", "Classes", "Output")."""
        return re.sub(r"<[^>]+>", "", self.values[key].text()).replace("&nbsp;", " ")

    def show_prepared(self, prepared: PreparedData, advice) -> None:
        dataset = prepared.dataset
        task = {"binary": "binary classification", "multiclass": "multi-class classification",
                "multilabel": "multi-label classification", "regression": "regression"}[prepared.task]
        outputs = f"{prepared.n_outputs} output{'s' if prepared.n_outputs != 1 else ''}"
        if prepared.task in ("binary", "multiclass", "multilabel"):
            self.values["Task"].setText(f"{task} \u00b7 {prepared.n_classes} classes \u00b7 {outputs}"
                                        if prepared.task != "multilabel" else
                                        f"{task} \u00b7 {prepared.n_classes} labels \u00b7 {outputs}")
        else:
            self.values["Task"].setText(f"{task} \u00b7 {outputs} ({', '.join(dataset.target_names)})")
        names = prepared.feature_names
        shown = ", ".join(names[:4]) + (", \u2026" if len(names) > 4 else "")
        if dataset.image_shape:
            shown = f"{dataset.image_shape[0]}\u00d7{dataset.image_shape[1]} pixels"
        scaling = {"none": "unscaled", "standard": "standardized", "minmax": "min-max scaled"}
        self.values["Inputs"].setText(f"{prepared.input_width} ({shown}) \u00b7 "
                                      f"{scaling[prepared.preprocessor.method]}")
        sizes = [("train", prepared.train), ("validation", prepared.val), ("test", prepared.test)]
        self.values["Split"].setText(f"{dataset.n_samples:,} rows \u2192 " + " \u00b7 ".join(
            f"{len(s) if s is not None else 0:,} {name}" for name, s in sizes))
        self.values["Output"].setText(f"{advice.units} {advice.activation} unit{'s' if advice.units != 1 else ''}"
                                      f" \u00b7 {LOSS_NAMES.get(advice.loss, advice.loss)} loss")
        self.values["Output"].setToolTip(f"<p>Course notes: {advice.reason}.</p>")
        self.values["Output"].setCursor(Qt.CursorShape.WhatsThisCursor)
        self.values["Classes"].setText("\u2026")
        self.balance.set_counts([], ())

    def show_summary(self, summary: DataSummary) -> None:
        if summary.class_counts and summary.task in ("binary", "multiclass"):
            counts = [c for _, c in summary.class_counts]
            colors = class_colors(len(counts))
            self.balance.set_counts(counts, colors)
            parts = [f'<span style="color:{colors[i]}">\u25cf</span>&nbsp;{pretty_name(name)}&nbsp;{count:,}'
                     for i, (name, count) in enumerate(summary.class_counts[:10])]
            more = f" \u2026 +{len(counts) - 10}" if len(counts) > 10 else ""
            self.values["Classes"].setText("  ".join(parts) + more + f" \u00b7 balance {summary.balance:.2f}")
            self._classes_name.setText("Classes")
        elif summary.class_counts:   # multilabel: positives per label
            self.balance.set_counts([], ())
            self.values["Classes"].setText(", ".join(f"{n} {c:,}" for n, c in summary.class_counts[:8]))
            self._classes_name.setText("Labels")
        else:
            self.balance.set_counts([], ())
            shown = [f"{s.name} {short(s.min)} \u2026 {short(s.max)}" for s in summary.targets[:4]]
            more = f" \u00b7 +{len(summary.targets) - 4} more" if len(summary.targets) > 4 else ""
            self.values["Classes"].setText(" \u00b7 ".join(shown) + more)
            self.values["Classes"].setToolTip("<br>".join(
                f"{s.name}: min {fmt(s.min)}, max {fmt(s.max)}, mean {fmt(s.mean)}, std {fmt(s.std)}"
                for s in summary.targets))
            self._classes_name.setText("Targets")
