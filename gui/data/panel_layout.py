"""The data panel's widgets and their layout, without behaviour.

`DataPanel` (gui/data/panel.py) inherits them and wires them to the project's `data` section; keeping the
construction here lets that module read as what the panel does. Object names are the ones tests and automation use.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.data import CROSSES, BuiltinInfo
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.flow_layout import FlowLayout

from .catalog import GROUPS, IMPORTS, LABELS, SCALINGS
from .controls import FloatSpin, IntSpin, PickerDelegate, feature_icon, section_title
from .header import DataHeader
from .preview import DataPreview

INVALID = "border: 1px solid #c62828; border-radius: 3px; background: #fff5f5;"
TOGGLES_QSS = ("#featureToggles QToolButton { border: 1px solid #d5d9de; border-radius: 4px; background: #fafafa;"
               " color: #80868b; padding: 2px 0px; font-size: 11px; }"
               "#featureToggles QToolButton:checked { border: 2px solid #0877bd; background: #eaf3fa;"
               " color: #0b3d66; font-weight: 600; }"
               "#featureToggles QToolButton:hover { border-color: #5a9fd4; }")
TOGGLES_INVALID = "#featureToggles { border: 1px solid #c62828; border-radius: 4px; background: #fff5f5; }"


class DataPanelLayout(QWidget):
    """Builds the panel: picker, parameter form, feature toggles, messages, header and preview, in one scrolling
    column. Signals are connected by the subclass."""

    def __init__(self, infos: dict[str, BuiltinInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        # Number fields are typed (as everywhere in the app); zero-width step buttons keep the edit field full
        # width under any app stylesheet. Up/Down keys and a focused wheel still step within the valid range.
        self.setStyleSheet("QAbstractSpinBox::up-button, QAbstractSpinBox::down-button"
                           " { subcontrol-origin: border; width: 0px; border: none; }")
        self._infos = infos          # the built-in datasets the picker lists, by name
        self._build()

    def _build(self) -> None:
        self.combo = QComboBox()
        self.combo.setObjectName("datasetCombo")
        self.combo.setMaxVisibleItems(30)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(16)
        self.combo.setItemDelegate(PickerDelegate(self.combo))
        self._fill_combo()
        self.description = QLabel()
        self.description.setObjectName("datasetDescription")
        self.description.setWordWrap(True)
        self.description.setProperty("role", "hint")
        self.file_label = ElidedLabel(mode=Qt.TextElideMode.ElideMiddle)
        self.file_label.setObjectName("dataFileLabel")
        self.options_button = QPushButton("Options\u2026")
        self.options_button.setObjectName("csvOptionsButton")
        self.options_button.setToolTip("Target column(s), delimiter, header, missing values, task")
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
        split = QGridLayout()             # one line a share: side by side they set the panel's minimum width
        split.setHorizontalSpacing(6)
        split.setVerticalSpacing(4)
        for row, (text, box) in enumerate((("validation", self.val), ("test", self.test))):
            split.addWidget(box, row, 0)
            label = QLabel(text)
            label.setProperty("role", "hint")
            split.addWidget(label, row, 1)
        split.setColumnStretch(2, 1)
        self.scaling = QComboBox()
        self.scaling.setObjectName("scalingCombo")
        for text, value in SCALINGS:
            self.scaling.addItem(text, value)
        self.scaling.setToolTip("Fitted on the training rows only and saved with the model")
        self.toggles: dict[str, QToolButton] = {}
        strip = FlowLayout(spacing=2)        # wraps in a narrow panel instead of setting its minimum width
        for token in CROSSES:
            button = QToolButton()
            button.setObjectName(f"feature:{token}")
            button.setCheckable(True)
            button.setText(token)
            button.setIcon(feature_icon(token))
            button.setIconSize(QSize(26, 26))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setFixedWidth(44)
            button.setToolTip(f"Feed {token} to the network")
            strip.addWidget(button)
            self.toggles[token] = button
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
        layout.addWidget(section_title("Dataset"))
        layout.addWidget(self.combo)
        layout.addWidget(self.description)
        layout.addLayout(self.form)
        self._features_title = section_title("Features")
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
