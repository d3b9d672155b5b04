"""A one-line label that shortens its text to the room it gets, with the full text in its tooltip.

A plain QLabel asks for the width of its whole text: a list of feature names or a long file name then sets the
minimum width of the panel it sits in, and with it the window's. This label asks for almost nothing and elides
instead ("sepal length (cm), sepal wid…"), so no panel's minimum width depends on the data shown in it.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_WIDTH = 40


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_text = ""
        self._own_tip = ""
        self.set_full_text(text)

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        """Show `text`, elided to fit; the tooltip holds `tooltip` (default: the full text, when it is cut)."""
        self.full_text = text
        self._own_tip = tooltip if tooltip is not None else ""
        self._elide()

    def is_elided(self) -> bool:
        return self.text() != self.full_text

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(MIN_WIDTH, super().sizeHint().height())

    def _elide(self) -> None:
        margins = self.contentsMargins()
        room = max(self.width() - margins.left() - margins.right() - 2 * self.margin() - self.indent() - 2, 0)
        shown = self.fontMetrics().elidedText(self.full_text, self.mode, room) if self.full_text else ""
        if shown != self.text():
            self.setText(shown)
        self.setToolTip(self._own_tip or (self.full_text if shown != self.full_text else ""))
