"""The data panel: pick or import a dataset, set its parameters, and see what was loaded.

The panel edits the project's `data` section and nothing else: every edit is validated by
`core.data.validate_data_spec` and, when valid and different, announced once through `specChanged`; the main window
loads the data off the GUI thread and hands the result back through `show_prepared` / `show_error`.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QScrollArea, QSizePolicy, QSpinBox, QStyledItemDelegate,
                               QStyleOptionViewItem, QToolButton, QVBoxLayout, QWidget)

from core.data import (CROSSES, builtin_datasets, output_advice, summarize, validate_data_spec)
from core.data.preprocess import apply_crosses, build_crosses
from core.errors import LayerLabError, SpecError

from .data_import import CsvImportDialog, ask_csv_file, ask_idx, ask_npz, resolve_path
from .data_preview import BLUE, ORANGE, DataHeader, DataPreview

GROUPS = (("Playground", ("circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss")),
          ("More toys", ("moons", "blobs", "spirals", "checkerboard", "sine", "reg-multi")),
          ("Real datasets", ("iris", "wine", "breast_cancer", "digits", "diabetes", "linnerud")))
LABELS = {"circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian", "spiral": "Spiral",
          "reg-plane": "Plane (regression)", "reg-gauss": "Gaussian bumps (regression)", "moons": "Two moons",
          "blobs": "Blobs (k classes)", "spirals": "Spiral arms (k classes)", "checkerboard": "Checkerboard",
          "sine": "Sine (1-D regression)", "reg-multi": "Wave + bowl (2 outputs)", "iris": "Iris",
          "wine": "Wine", "breast_cancer": "Breast cancer", "digits": "Digits (8\u00d78 images)",
          "diabetes": "Diabetes (regression)", "linnerud": "Linnerud (3 outputs)"}
IMPORTS = (("csv", "Import CSV / TSV\u2026"), ("npz", "Import NPZ\u2026"), ("idx", "Import IDX (MNIST-style)\u2026"))
EXTRA_LABELS = {"classes": "Classes", "arms": "Arms", "cells": "Cells per side"}
SCALINGS = (("None", "none"), ("Standard (z-score)", "standard"), ("Min-max to [0, 1]", "minmax"))
DEBOUNCE_MS = 300
SYNC_SUMMARY_CELLS = 2_000_000     # bigger data get their summary computed on a worker thread
INVALID = "border: 1px solid #c62828; border-radius: 3px; background: #fff5f5;"
TOGGLES_QSS = ("#featureToggles QToolButton { border: 1px solid #d5d9de; border-radius: 4px; background: #fafafa;"
               " color: #80868b; padding: 2px 0px; font-size: 11px; }"
               "#featureToggles QToolButton:checked { border: 2px solid #0877bd; background: #eaf3fa;"
               " color: #0b3d66; font-weight: 600; }"
               "#featureToggles QToolButton:hover { border-color: #5a9fd4; }")
TOGGLES_INVALID = "#featureToggles { border: 1px solid #c62828; border-radius: 4px; background: #fff5f5; }"
FIELD_OF = {"samples": "samples", "noise": "noise", "classes": "extra", "arms": "extra", "cells": "extra",
            "seed": "seed", "split": "split", "features": "features", "scaling": "scaling"}


class _SoftSpin:
    """Arrows and the wheel stay inside the valid range; typed values may leave it, so core's validation (not
    the widget silently clamping) tells the user what is accepted."""

    def set_soft_range(self, lo: float, hi: float) -> None:
        self._soft = (lo, hi)

    def stepBy(self, steps: int) -> None:  # noqa: N802 (Qt's name)
        lo, hi = getattr(self, "_soft", (self.minimum(), self.maximum()))
        self.setValue(min(hi, max(lo, self.value() + steps * self.singleStep())))

    def stepEnabled(self):  # noqa: N802
        lo, hi = getattr(self, "_soft", (self.minimum(), self.maximum()))
        flags = QSpinBox.StepEnabledFlag.StepNone
        if self.value() > lo:
            flags |= QSpinBox.StepEnabledFlag.StepDownEnabled
        if self.value() < hi:
            flags |= QSpinBox.StepEnabledFlag.StepUpEnabled
        return flags

    def wheelEvent(self, event) -> None:  # noqa: N802
        """Scrolling the side column over a field must not change it: the wheel edits a focused field only."""
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def sizeHint(self) -> QSize:  # noqa: N802  (the wide typing range must not widen the field)
        return QSize(96, super().sizeHint().height())

    minimumSizeHint = sizeHint


class IntSpin(_SoftSpin, QSpinBox):
    def __init__(self, name: str, step: int = 1) -> None:
        QSpinBox.__init__(self)
        self.setObjectName(name)
        self.setRange(-2 ** 31 + 1, 2 ** 31 - 1)
        self.setSingleStep(step)
        self.setKeyboardTracking(False)
        self.setGroupSeparatorShown(True)
        self.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class FloatSpin(_SoftSpin, QDoubleSpinBox):
    def __init__(self, name: str, step: float, decimals: int, suffix: str = "") -> None:
        QDoubleSpinBox.__init__(self)
        self.setObjectName(name)
        self.setRange(-1e9, 1e9)
        self.setDecimals(decimals)
        self.setSingleStep(step)
        self.setSuffix(suffix)
        self.setKeyboardTracking(False)
        self.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def _feature_icon(token: str) -> QIcon:
    """A small heat map of one feature cross over the playground's [-6, 6] square (orange < 0 < blue)."""
    n = 28
    axis = np.linspace(-6, 6, n)
    grid = np.stack(np.meshgrid(axis, -axis), axis=-1).reshape(-1, 2)
    values = apply_crosses(grid, build_crosses([token], ("x1", "x2"))).reshape(n, n)
    t = values / (np.abs(values).max() or 1.0)
    lo, hi, mid = (np.array(_rgb(c)) for c in (ORANGE, BLUE, "#f4f4f4"))
    rgb = np.where(t[..., None] < 0, mid + (lo - mid) * -t[..., None], mid + (hi - mid) * t[..., None])
    icon = QIcon()
    for pixels, state in ((rgb, QIcon.State.On), (255 - (255 - rgb) * 0.4, QIcon.State.Off)):  # off: faded
        data = np.ascontiguousarray(pixels.astype(np.uint8))
        image = QImage(data.data, n, n, 3 * n, QImage.Format.Format_RGB888).copy()
        icon.addPixmap(QPixmap.fromImage(image), QIcon.Mode.Normal, state)
    return icon


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


class _SummaryJob(QRunnable):
    """core.data.summarize on a worker thread, for data too big to summarise between two frames."""

    class Signals(QObject):
        done = Signal(int, object)

    def __init__(self, generation: int, dataset: Any, signals: "_SummaryJob.Signals") -> None:
        super().__init__()
        self.generation, self.dataset, self.signals = generation, dataset, signals

    def run(self) -> None:
        try:
            self.signals.done.emit(self.generation, summarize(self.dataset))
        except Exception:  # the summary is decoration; the header just keeps its placeholder
            pass


class _ElidedLabel(QLabel):
    """One line that shortens long file names in the middle instead of widening the side column."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(40, super().minimumSizeHint().height())

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, self.width()))


class _PickerDelegate(QStyledItemDelegate):
    """Indents the datasets under their group titles in the picker's list."""

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        if index.data(Qt.ItemDataRole.UserRole) is not None:
            opt.rect.adjust(14, 0, 0, 0)
        else:
            opt.palette.setColor(opt.palette.ColorRole.Text, QColor("#5f6b7a"))
        super().paint(painter, opt, index)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        return QSize(size.width() + 14, max(size.height(), 22))


def _section(text: str) -> QLabel:
    """A section title, styled by the app's stylesheet (role "section") like the other panels'."""
    label = QLabel(text)
    label.setProperty("role", "section")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


class DataPanel(QWidget):
    """Dataset picker, parameters, import and preview. See the module docstring for the protocol."""

    specChanged = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        # Number fields are typed (as everywhere in the app); zero-width step buttons keep the edit field full
        # width under any app stylesheet. Up/Down keys and a focused wheel still step within the valid range.
        self.setStyleSheet("QAbstractSpinBox::up-button, QAbstractSpinBox::down-button"
                           " { subcontrol-origin: border; width: 0px; border: none; }")
        self._infos = {info.name: info for info in builtin_datasets()}
        self._spec = validate_data_spec({"source": "builtin", "name": "spiral"})
        self._last_file_spec: dict | None = None
        self._base_dir: Path | None = None
        self._raw_width: int | None = None       # raw columns of the loaded file (feature crosses need <= 2)
        self._raw_names: tuple[str, ...] = ()
        self._shown: dict[str, tuple[float, Any]] = {}
        self._syncing = False
        self._summary_generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._summary_signals = _SummaryJob.Signals(self)
        self._summary_signals.done.connect(self._on_summary)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._commit_widgets)
        self._build()
        self._sync_widgets()

    # --- construction -------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.combo = QComboBox()
        self.combo.setObjectName("datasetCombo")
        self.combo.setMaxVisibleItems(30)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.setItemDelegate(_PickerDelegate(self.combo))
        self._fill_combo()
        self.combo.activated.connect(self._on_combo)
        self.description = QLabel()
        self.description.setObjectName("datasetDescription")
        self.description.setWordWrap(True)
        self.description.setProperty("role", "hint")
        self.file_label = _ElidedLabel()
        self.file_label.setObjectName("dataFileLabel")
        self.options_button = QPushButton("Options\u2026")
        self.options_button.setObjectName("csvOptionsButton")
        self.options_button.setToolTip("Target column(s), delimiter, header, missing values, task")
        self.options_button.clicked.connect(self._reopen_csv)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(self.options_button)
        self.samples = IntSpin("samplesSpin", 100)
        self.noise = FloatSpin("noiseSpin", 0.05, 2)
        self.extra = IntSpin("extraSpin")
        self.seed = IntSpin("seedSpin")
        self.seed.set_soft_range(0, 2 ** 31 - 1)
        self.seed.setToolTip("Seeds the data generation and the split: the same seed gives the same data")
        self.val = FloatSpin("valSpin", 5, 0, " %")
        self.test = FloatSpin("testSpin", 5, 0, " %")
        for box in (self.val, self.test):
            box.set_soft_range(0, 90)
        split = QHBoxLayout()
        split.setSpacing(6)
        for text, box in (("validation", self.val), ("test", self.test)):
            split.addWidget(box)
            label = QLabel(text)
            label.setProperty("role", "hint")
            split.addWidget(label)
        split.addStretch(1)
        self.scaling = QComboBox()
        self.scaling.setObjectName("scalingCombo")
        for text, value in SCALINGS:
            self.scaling.addItem(text, value)
        self.scaling.setToolTip("Fitted on the training rows only and saved with the model")
        self.toggles: dict[str, QToolButton] = {}
        strip = QHBoxLayout()
        strip.setSpacing(2)
        for token in CROSSES:
            button = QToolButton()
            button.setObjectName(f"feature:{token}")
            button.setCheckable(True)
            button.setText(token)
            button.setIcon(_feature_icon(token))
            button.setIconSize(QSize(26, 26))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setFixedWidth(44)
            button.setToolTip(f"Feed {token} to the network")
            button.toggled.connect(self._commit_widgets)
            strip.addWidget(button)
            self.toggles[token] = button
        strip.addStretch(1)
        self.features = QFrame()
        self.features.setObjectName("featureToggles")
        self.features.setStyleSheet(TOGGLES_QSS)
        self.features.setLayout(strip)
        strip.setContentsMargins(2, 2, 2, 2)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(6)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._file_row = QWidget()
        self._file_row.setLayout(file_row)
        file_row.setContentsMargins(0, 0, 0, 0)
        self.extra_label = QLabel("Classes")
        self.form.addRow("File", self._file_row)
        self.form.addRow("Samples", self._left(self.samples))
        self.form.addRow("Noise", self._left(self.noise))
        self.form.addRow(self.extra_label, self._left(self.extra))
        self.form.addRow("Seed", self._left(self.seed))
        self.form.addRow("Split", split)
        self.form.addRow("Scaling", self.scaling)
        self.spec_error = QLabel()
        self.spec_error.setObjectName("specErrorLabel")
        self.spec_error.setWordWrap(True)
        self.spec_error.setProperty("role", "error")
        self.spec_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.spec_error.hide()
        for box in (self.samples, self.noise, self.extra, self.seed, self.val, self.test):
            box.valueChanged.connect(self._value_changed)
            box.editingFinished.connect(self._commit_widgets)
        self.scaling.currentIndexChanged.connect(self._commit_widgets)
        self.header = DataHeader()
        self.header.hide()                       # until there is loaded data to describe
        self.progress = QProgressBar()
        self.progress.setObjectName("dataLoadingBar")
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(6)
        self.progress.hide()
        self.data_error = QLabel()
        self.data_error.setObjectName("dataErrorLabel")
        self.data_error.setWordWrap(True)
        self.data_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.data_error.setStyleSheet("color: #b71c1c; background: #fdecea; border: 1px solid #f5c2c0;"
                                      " border-radius: 3px; padding: 5px;")
        self.data_error.hide()
        self.preview = DataPreview()
        # Everything scrolls as one page when the dock is short; when it is tall the preview takes the room.
        scroll = QScrollArea()
        scroll.setObjectName("panelScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("dataPanelBody")
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 4, 10, 10)
        layout.setSpacing(5)
        layout.addWidget(_section("Dataset"))
        layout.addWidget(self.combo)
        layout.addWidget(self.description)
        layout.addLayout(self.form)
        self._features_title = _section("Features")
        layout.addWidget(self._features_title)
        layout.addWidget(self.features)
        layout.addWidget(self.spec_error)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #e0e0e0;")
        layout.addWidget(line)
        layout.addWidget(self.header)
        layout.addWidget(self.progress)
        layout.addWidget(self.data_error)
        layout.addWidget(self.preview, 1)

    @staticmethod
    def _left(widget: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(widget)
        row.addStretch(1)
        return row

    def _fill_combo(self) -> None:
        model = QStandardItemModel(self.combo)
        listed = {name for _, names in GROUPS for name in names}
        extra_toys = [n for n, i in self._infos.items() if n not in listed and i.generated]
        extra_real = [n for n, i in self._infos.items() if n not in listed and not i.generated]
        groups = [(title, [n for n in names if n in self._infos]) for title, names in GROUPS]
        groups[1][1].extend(extra_toys)
        groups[2][1].extend(extra_real)
        bold = QFont()
        bold.setBold(True)
        for title, names in groups + [("Your data", [])]:
            header = QStandardItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setFont(bold)
            model.appendRow(header)
            for name in names:
                item = QStandardItem(LABELS.get(name, name))
                item.setData(("builtin", name), Qt.ItemDataRole.UserRole)
                item.setToolTip(self._infos[name].description)
                model.appendRow(item)
        self._file_item = QStandardItem()
        self._file_item.setData(("file", None), Qt.ItemDataRole.UserRole)
        model.appendRow(self._file_item)
        for kind, text in IMPORTS:
            item = QStandardItem(text)
            item.setData(("import", kind), Qt.ItemDataRole.UserRole)
            model.appendRow(item)
        self.combo.setModel(model)
        self._model = model

    # --- the public interface -----------------------------------------------------------------------------------
    def set_spec(self, spec: dict, base_dir: str | os.PathLike | None) -> None:
        """Show a project's data section (e.g. after opening a project, or undo); emits nothing."""
        self._debounce.stop()
        new_base = Path(base_dir) if base_dir is not None else None
        if new_base != self._base_dir:
            self._last_file_spec = None          # another project's file, relative to another folder
        self._base_dir = new_base
        try:
            normalized = validate_data_spec(copy.deepcopy(spec))
        except SpecError as exc:
            self._show_spec_error(str(exc))
            return
        if _file_key(normalized) != _file_key(self._spec):
            self._raw_width = None
        self._spec = normalized
        if normalized["source"] != "builtin":
            self._last_file_spec = copy.deepcopy(normalized)
        self._sync_widgets()

    def spec(self) -> dict:
        """The current (last valid) data section; a field showing an error is not part of it."""
        return copy.deepcopy(self._spec)

    def show_prepared(self, prepared: Any) -> None:
        """Preview and summary of loaded, prepared data (core.data.PreparedData)."""
        dataset = prepared.dataset
        self._summary_generation += 1
        summary = summarize(dataset) if dataset.X.size <= SYNC_SUMMARY_CELLS else None
        if summary is None:
            self._pool.start(_SummaryJob(self._summary_generation, dataset, self._summary_signals))
        self.header.show_prepared(prepared, output_advice(prepared.task, prepared.n_outputs))
        self.header.show()
        if summary is not None:
            self.header.show_summary(summary)
        self.preview.show_prepared(prepared, summary)
        self.progress.hide()
        self.data_error.hide()
        self.preview.set_dimmed(False)
        if self._spec["source"] != "builtin" and self._raw_width != dataset.input_width:
            self._raw_width, self._raw_names = dataset.input_width, dataset.feature_names
            self._sync_widgets()

    def show_error(self, message: str) -> None:
        """A loading problem, inline; the old preview stays, greyed out, until the input is fixed."""
        self.progress.hide()
        self.data_error.setText(message)
        self.data_error.show()
        self.preview.set_dimmed(True)

    def show_loading(self, fraction: float | None) -> None:
        """A progress bar while data loads: `fraction` in [0, 1], or None when the progress is unknown (a busy
        bar). show_prepared or show_error ends it."""
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(round(min(max(fraction, 0.0), 1.0) * 1000)))
        self.progress.show()
        self.data_error.hide()
        self.preview.set_dimmed(True)

    def set_editable(self, editable: bool) -> None:
        """Off while training runs: the data a run trains on must not change under it."""
        if not editable and self._debounce.isActive():
            self._commit_widgets()
        for widget in (self.combo, self.samples, self.noise, self.extra, self.seed, self.val, self.test,
                       self.scaling, self.features, self.options_button):
            widget.setEnabled(editable)

    # --- widgets <-> spec ---------------------------------------------------------------------------------------
    def _info(self):
        return self._infos.get(self._spec.get("name")) if self._spec["source"] == "builtin" else None

    def _feature_tokens(self) -> list[str]:
        """The toggles that apply: all seven for 2-D data, the x1 ones for 1-D data, none otherwise."""
        info = self._info()
        width = (2 if info.two_d else info.n_features) if info is not None else self._raw_width
        if width not in (1, 2):
            return []
        return [t for t, (_, inputs) in CROSSES.items() if max(inputs) < width]

    def _sync_widgets(self) -> None:
        """Show self._spec in every widget (no signals), and only the rows that apply to it."""
        self._syncing = True
        spec, info = self._spec, self._info()
        source = spec["source"]
        self._clear_invalid()
        self._select_combo_item()
        rows = {"File": source != "builtin", "Samples": False, "Noise": False, "Extra": False}
        self._shown = {}
        if info is not None:
            self.description.setText(info.description)
            for p in info.params:
                key = "Extra" if p.name not in ("samples", "noise") else p.name.capitalize()
                box = self.extra if key == "Extra" else getattr(self, p.name)
                rows[key] = True
                box.set_soft_range(p.minimum, p.maximum)
                box.setToolTip(f"{p.description} ({p.minimum}\u2013{p.maximum:,})")
                self._show_value(p.name, box, spec[p.name])
                if key == "Extra":
                    self.extra_label.setText(EXTRA_LABELS.get(p.name, p.name.capitalize()))
        else:
            self.description.setText(_file_description(spec))
            self.file_label.set_full_text(_file_text(spec))
            self.file_label.setToolTip("\n".join(str(spec[k]) for k in ("path", "images", "labels") if k in spec))
            self.options_button.setVisible(source == "csv")
        for row, key in enumerate(("File", "Samples", "Noise", "Extra")):   # the form's first four rows
            self.form.setRowVisible(row, rows[key])
        self._show_value("seed", self.seed, spec["seed"])
        self._show_value("val", self.val, spec["split"]["val"], 100)
        self._show_value("test", self.test, spec["split"]["test"], 100)
        self.scaling.setCurrentIndex(max(0, self.scaling.findData(spec["scaling"])))
        tokens = self._feature_tokens()
        checked = spec["features"] if spec["features"] is not None else [t for t in tokens if CROSSES[t][0] ==
                                                                          "identity"]
        names = self._raw_names if info is None and self._raw_names else ("x1", "x2")
        for token, button in self.toggles.items():
            button.setVisible(token in tokens)
            button.setChecked(token in checked)
            if token in tokens:               # a two-column file shows its own names: "u*v" rather than "x1*x2"
                label = build_crosses([token], names)[0]["name"]
                button.setText(label if len(label) <= 8 else token)
                button.setToolTip(f"Feed {label} to the network")
        self.features.setVisible(bool(tokens))
        self._features_title.setVisible(bool(tokens))
        self._syncing = False

    def _show_value(self, key: str, box: QSpinBox | QDoubleSpinBox, value: Any, factor: float = 1) -> None:
        box.setValue(value * factor)
        self._shown[key] = (box.value(), value)

    def _read(self, key: str, box: QSpinBox | QDoubleSpinBox, factor: float = 1) -> Any:
        """The spec value of a field: the exact value from the spec while the field still shows it (so 1/3 or a
        64-bit seed survive a round trip through the widget), else what the user entered."""
        shown = self._shown.get(key)
        if shown is not None and shown[0] == box.value():
            return shown[1]
        value = box.value() / factor
        return int(value) if isinstance(box, QSpinBox) else round(value, 6)

    def _select_combo_item(self) -> None:
        if self._spec["source"] == "builtin":
            wanted = ("builtin", self._spec["name"])
        else:
            wanted = ("file", None)
        file_spec = self._last_file_spec
        self._file_item.setText(_file_text(file_spec) if file_spec else "")
        self._file_item.setEnabled(file_spec is not None)
        row = self.combo.view()
        if hasattr(row, "setRowHidden"):
            row.setRowHidden(self._file_item.row(), file_spec is None)
        for i in range(self.combo.count()):
            if self.combo.itemData(i, Qt.ItemDataRole.UserRole) == wanted:
                self.combo.setCurrentIndex(i)
                return

    def _spec_from_widgets(self) -> dict:
        spec: dict[str, Any]
        info = self._info()
        if info is not None:
            spec = {"source": "builtin", "name": info.name}
            for p in info.params:
                box = self.extra if p.name not in ("samples", "noise") else getattr(self, p.name)
                spec[p.name] = self._read(p.name, box)
        else:
            spec = {k: copy.deepcopy(v) for k, v in self._spec.items()
                    if k not in ("seed", "split", "scaling", "features")}
        spec["seed"] = self._read("seed", self.seed)
        spec["split"] = {"val": self._read("val", self.val, 100), "test": self._read("test", self.test, 100)}
        spec["scaling"] = self.scaling.currentData()
        tokens = self._feature_tokens()
        if tokens:
            chosen = [t for t in tokens if self.toggles[t].isChecked()]
            untouched = self._spec["features"] is None and chosen == [t for t in tokens if CROSSES[t][0] == "identity"]
            spec["features"] = None if untouched else chosen
        else:
            spec["features"] = self._spec["features"]
        return spec

    # --- edits ---------------------------------------------------------------------------------------------------
    def _value_changed(self, *_args: Any) -> None:
        """Arrow keys and wheel steps arrive one by one: wait for a pause before announcing the edit."""
        if not self._syncing:
            self._debounce.start()

    def _commit_widgets(self, *_args: Any) -> None:
        """Validate what the widgets show; emit it if it is valid and new."""
        self._debounce.stop()
        if self._syncing:
            return
        self._commit(self._spec_from_widgets(), resync=False)

    def _commit(self, candidate: dict, resync: bool = True) -> bool:
        try:
            spec = validate_data_spec(candidate)
        except LayerLabError as exc:
            self._show_spec_error(str(exc))
            return False
        self._clear_invalid()
        if spec == self._spec:
            if resync:
                self._sync_widgets()
            return True
        if _file_key(spec) != _file_key(self._spec):
            self._raw_width = None
        self._spec = spec
        if spec["source"] != "builtin":
            self._last_file_spec = copy.deepcopy(spec)
        if resync:
            self._sync_widgets()
        else:
            self._refresh_shown()
        self.specChanged.emit(copy.deepcopy(spec))
        return True

    def _refresh_shown(self) -> None:
        """After a committed edit the widgets already show the spec: remember their values as 'unchanged'."""
        info = self._info()
        for p in info.params if info is not None else ():
            box = self.extra if p.name not in ("samples", "noise") else getattr(self, p.name)
            self._shown[p.name] = (box.value(), self._spec[p.name])
        self._shown["seed"] = (self.seed.value(), self._spec["seed"])
        self._shown["val"] = (self.val.value(), self._spec["split"]["val"])
        self._shown["test"] = (self.test.value(), self._spec["split"]["test"])

    def _show_spec_error(self, message: str) -> None:
        self._clear_invalid()
        match = re.match(r"data\.(\w+)", message)
        field = FIELD_OF.get(match.group(1)) if match else None
        widgets = {"samples": [self.samples], "noise": [self.noise], "extra": [self.extra], "seed": [self.seed],
                   "split": [self.val, self.test], "features": [self.features], "scaling": [self.scaling]}
        if match and match.group(1) == "split":
            sub = re.match(r"data\.split\.(val|test)", message)
            widgets["split"] = [self.val] if sub and sub.group(1) == "val" else \
                [self.test] if sub else [self.val, self.test]
        for widget in widgets.get(field, []):
            widget.setProperty("invalid", True)
            widget.setStyleSheet(INVALID if widget is not self.features else TOGGLES_QSS + TOGGLES_INVALID)
        self.spec_error.setText(message)
        self.spec_error.show()

    def _clear_invalid(self) -> None:
        for widget in (self.samples, self.noise, self.extra, self.seed, self.val, self.test, self.scaling):
            widget.setProperty("invalid", False)
            widget.setStyleSheet("")
        self.features.setStyleSheet(TOGGLES_QSS)
        self.spec_error.hide()

    def _on_combo(self, index: int) -> None:
        kind, value = self.combo.itemData(index, Qt.ItemDataRole.UserRole) or (None, None)
        current = self._spec
        if kind == "builtin":
            info = self._infos[value]
            candidate: dict[str, Any] = {"source": "builtin", "name": value, "seed": current["seed"],
                                         "split": current["split"]}
            old = self._info()
            if info.two_d and old is not None and old.two_d and current["features"] is not None:
                candidate["features"] = current["features"]
            self._commit(candidate)
        elif kind == "file" and self._last_file_spec is not None:
            self._commit(copy.deepcopy(self._last_file_spec))
        elif kind == "import":
            self._select_combo_item()        # the picker keeps showing the current data until an import succeeds
            {"csv": self.import_csv, "npz": self.import_npz, "idx": self.import_idx}[value]()
        else:
            self._select_combo_item()

    # --- imports -------------------------------------------------------------------------------------------------
    def _start_dir(self) -> str:
        return str(self._base_dir) if self._base_dir is not None else ""

    def _file_spec(self, keys: dict) -> dict:
        """A file source keeps the user's seed and split; scaling defaults to standard for files."""
        keep = self._spec
        spec = dict(keys)
        spec["seed"] = keep["seed"]
        spec["split"] = keep["split"]
        spec["scaling"] = keep["scaling"] if keep["source"] != "builtin" else "standard"
        if _file_key(spec) == _file_key(keep):   # new options for the same file keep its feature crosses
            spec["features"] = keep["features"]
        return spec

    def import_csv(self) -> None:
        """Ask for a CSV/TSV file, then show the import dialog (non-modal to the event loop: tests drive it)."""
        path = ask_csv_file(self, self._start_dir())
        if path is not None:
            self._open_csv_dialog(path, None)

    def import_npz(self) -> None:
        keys = ask_npz(self, self._start_dir(), self._base_dir)
        if keys is not None:
            self._commit(self._file_spec(keys))

    def import_idx(self) -> None:
        keys = ask_idx(self, self._start_dir(), self._base_dir)
        if keys is not None:
            self._commit(self._file_spec(keys))

    def _reopen_csv(self) -> None:
        if self._spec["source"] == "csv":
            self._open_csv_dialog(resolve_path(self._spec["path"], self._base_dir), self._spec)

    def _open_csv_dialog(self, path: Path, initial: dict | None) -> None:
        dialog = CsvImportDialog(path, self._base_dir, initial, self)
        if dialog.layout_info is None:       # not even readable as text: say why, here, in one line
            self.show_spec_message(dialog.status.text().lstrip("\u2717 "))
            dialog.deleteLater()
            return
        dialog.accepted.connect(lambda: self._csv_accepted(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _csv_accepted(self, dialog: CsvImportDialog) -> None:
        keys = dialog.data_spec()
        if keys is not None:
            self._commit(self._file_spec(keys))

    def show_spec_message(self, message: str) -> None:
        """An inline problem with the user's input that is not one field's (e.g. an unreadable file)."""
        self._clear_invalid()
        self.spec_error.setText(message)
        self.spec_error.show()

    def _on_summary(self, generation: int, summary: Any) -> None:
        if generation == self._summary_generation:
            self.header.show_summary(summary)
            self.preview.show_summary(summary)


def _file_key(spec: dict) -> tuple:
    return tuple(spec.get(k) for k in ("source", "path", "images", "labels"))


def _file_text(spec: dict) -> str:
    if spec["source"] == "idx":
        return f"{Path(spec['images']).name} + {Path(spec['labels']).name}"
    return Path(spec["path"]).name


def _file_description(spec: dict) -> str:
    if spec["source"] == "csv":
        target = spec["target"]
        shown = ", ".join(map(str, target)) if isinstance(target, list) else str(target)
        return f"Your CSV file; target: {shown if target != -1 else 'the last column'}"
    if spec["source"] == "npz":
        return "Your NumPy archive (X, y; optional X_val/y_val, X_test/y_test)"
    return "Your IDX image files (MNIST format)"
