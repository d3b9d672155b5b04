"""Inline, non-modal messages above the dashboard: training diverged (and what to do about it), and the note of
an example project (what it shows, where to look)."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from gui.theme import icon


class InlineBanner(QFrame):
    """A strip above the dashboard: an optional icon, a wrapping message, optional buttons, and a close button."""

    def __init__(self, name: str, label_name: str, close_tip: str, mark: str | None = None,
                 buttons: tuple[QWidget, ...] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(10)
        if mark is not None:
            icon_label = QLabel()
            icon_label.setPixmap(icon(mark).pixmap(18, 18))
            row.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setObjectName(label_name)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip(close_tip)
        close.clicked.connect(self.hide)
        for widget in (*buttons, close):
            row.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()


class DivergedBanner(InlineBanner):
    resetRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        reset = QPushButton("Reset weights")
        reset.setObjectName("bannerResetButton")
        reset.setProperty("role", "fix")
        super().__init__("divergedBanner", "divergedMessage", "Hide this message", "error", (reset,), parent)
        reset.clicked.connect(self.resetRequested)

    def show_message(self, message: str) -> None:
        text = html.escape(message[:1].upper() + message[1:])
        self.label.setText(f"<b>{text}.</b> Lower the learning rate (or clip the gradients), then reset the "
                           "weights to train again.")
        self.show()


class NoteBanner(InlineBanner):
    """What an opened example is about, until the user closes it or opens another project."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("projectNote", "projectNoteText", "Hide this note", parent=parent)

    def show_note(self, title: str, text: str) -> None:
        self.label.setText(f"<b>{html.escape(title)}.</b> {html.escape(text)}")
        self.show()
