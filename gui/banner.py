"""Inline, non-modal messages above the dashboard: training diverged (and what to do about it), and the note of
an example project (what it shows, where to look)."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from .theme import icon


class DivergedBanner(QFrame):
    resetRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("divergedBanner")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(10)
        mark = QLabel()
        mark.setPixmap(icon("error").pixmap(18, 18))
        self.label = QLabel()
        self.label.setObjectName("divergedMessage")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        reset = QPushButton("Reset weights")
        reset.setObjectName("bannerResetButton")
        reset.setProperty("role", "fix")
        reset.clicked.connect(self.resetRequested)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Hide this message")
        close.clicked.connect(self.hide)
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        row.addWidget(reset, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, message: str) -> None:
        text = html.escape(message[:1].upper() + message[1:])
        self.label.setText(f"<b>{text}.</b> Lower the learning rate (or clip the gradients), then reset the "
                           "weights to train again.")
        self.show()


class NoteBanner(QFrame):
    """What an opened example is about, until the user closes it or opens another project."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("projectNote")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 8, 8)
        row.setSpacing(10)
        self.label = QLabel()
        self.label.setObjectName("projectNoteText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setIcon(icon("close"))
        close.setAutoRaise(True)
        close.setToolTip("Hide this note")
        close.clicked.connect(self.hide)
        row.addWidget(self.label, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_note(self, title: str, text: str) -> None:
        self.label.setText(f"<b>{html.escape(title)}.</b> {html.escape(text)}")
        self.show()
