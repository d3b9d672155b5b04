"""The data panel's own small controls (the shared ones are in gui/widgets/): number fields that step within the
valid range, the dataset picker's indenting delegate, section titles and the feature-cross icons (the file label that
elides in the middle is gui/widgets/elided_label.py).

None of them knows about the data spec: gui/data/panel_layout.py places them and gui/data/panel.py wires them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSpinBox, QStyledItemDelegate, QStyleOptionViewItem

from core.data import apply_crosses, build_crosses

from .style import BLUE, ORANGE


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


def feature_icon(token: str) -> QIcon:
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


class PickerDelegate(QStyledItemDelegate):
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


def section_title(text: str) -> QLabel:
    """A section title, styled by the app's stylesheet (role "section") like the other panels'."""
    label = QLabel(text)
    label.setProperty("role", "section")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
