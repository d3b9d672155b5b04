"""The Diagnosis tab: what is wrong with the run, most severe first, each finding a card with its explanation, its
evidence (the numbers and the thresholds they crossed), the course-note sections, a *Show me* button and one
*Apply* button per fix.

The panel only shows and reports clicks (`showRequested`, `fixRequested`); the advisor (advisor.py) computes the
findings, decides which fixes still apply to the project, and makes the edits.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from core.diagnosis import Finding, Fix
from core.diagnosis.text import explanation, format_evidence, format_sources, title
from gui.theme import icon

ICONS = {"problem": "error", "warning": "warning", "info": "info"}
SEVERITY_TEXT = {"problem": ("PROBLEM", "#c62828"), "warning": ("WARNING", "#a15c00"), "info": ("OK", "#2e7d32")}
EMPTY = "No findings yet. Train the network: the diagnosis follows the run and names what goes wrong."

# What an Apply button may be: (enabled, tooltip). The advisor decides from the project and the run state.
FixState = Callable[[Fix], tuple[bool, str]]


def _label(text: str = "", role: str | None = None, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    return label


class FindingCard(QFrame):
    """One finding (objectName "diagnosisFinding", properties `finding` = severity and `code`)."""

    def __init__(self, finding: Finding, can_show: bool, show: Callable[[Finding], None],
                 apply: Callable[[Finding, Fix], None]):
        super().__init__()
        self.setObjectName("diagnosisFinding")
        self._show, self._apply = show, apply
        self.finding = finding
        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(4)
        head = QHBoxLayout()
        head.setSpacing(6)
        self.mark = QLabel()
        self.severity = _label(role="severity", wrap=False)
        self.title = _label(role="findingTitle")
        self.title.setObjectName("findingTitle")
        self.show_button = QPushButton("Show me")
        self.show_button.setObjectName("showMeButton")
        self.show_button.setProperty("role", "showMe")
        self.show_button.setToolTip("Switch to the plot that shows this, with the layers and epochs marked")
        self.show_button.clicked.connect(lambda: self._show(self.finding))
        head.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.severity, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        head.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(head)
        self.message = _label()
        self.message.setObjectName("findingMessage")
        self.evidence = _label(role="evidence")
        self.evidence.setObjectName("findingEvidence")
        self.sources = _label(role="sources")
        self.sources.setObjectName("findingSources")
        for label in (self.message, self.evidence, self.sources):
            column.addWidget(label)
        self.fix_column = QVBoxLayout()
        self.fix_column.setSpacing(3)
        column.addLayout(self.fix_column)
        self.fix_buttons: list[QPushButton] = []
        self.set_finding(finding, can_show)

    @property
    def key(self) -> tuple:
        return self.finding.code, self.finding.layers

    def set_finding(self, finding: Finding, can_show: bool) -> None:
        """Show `finding` (the same code and layers as before: a later epoch's numbers)."""
        self.finding = finding
        self.show_button.setEnabled(can_show)
        self.setProperty("finding", finding.severity)
        self.setProperty("code", finding.code)
        self.style().unpolish(self)
        self.style().polish(self)
        self.mark.setPixmap(icon(ICONS[finding.severity]).pixmap(18, 18))
        text, color = SEVERITY_TEXT[finding.severity]
        self.severity.setText(text)
        self.severity.setStyleSheet(f"color: {color}")
        self.title.setText(title(finding))
        self.message.setText(explanation(finding.message))
        self.evidence.setText("Evidence: " + format_evidence(finding.evidence, " · "))
        self.sources.setText("Course notes: " + format_sources(finding.sources))
        self.sources.setVisible(bool(finding.sources))
        if [b.text() for b in self.fix_buttons] != [f.label for f in finding.fixes]:
            for button in self.fix_buttons:
                button.hide()
                button.setParent(None)
                button.deleteLater()
            self.fix_buttons = []
            for fix in finding.fixes:
                button = QPushButton(fix.label)
                button.setObjectName("applyFixButton")
                button.setProperty("role", "fix")
                button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
                button.clicked.connect(lambda _=False, b=button: self._apply(self.finding, self._fix_of(b)))
                self.fix_column.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
                self.fix_buttons.append(button)

    def _fix_of(self, button: QPushButton) -> Fix:
        return self.finding.fixes[self.fix_buttons.index(button)]

    def set_fix_states(self, state: FixState) -> None:
        for button, fix in zip(self.fix_buttons, self.finding.fixes):
            enabled, tip = state(fix)
            button.setEnabled(enabled)
            button.setToolTip(tip)


class DiagnosisPanel(QWidget):
    """objectName "diagnosisPanel": a status line, then one card per finding (problems, warnings, then the rest)."""

    showRequested = Signal(object)         # Finding
    fixRequested = Signal(object, object)  # Finding, Fix

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("diagnosisPanel")
        self.findings: list[Finding] = []
        self.cards: list[FindingCard] = []
        self._fix_state: FixState = lambda fix: (True, "")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(4)
        head = QHBoxLayout()
        self.status = _label(role=None)
        self.status.setObjectName("diagnosisStatus")
        head.addWidget(self.status, 1)
        self.find_lr_button = QPushButton("Find learning rate…")
        self.find_lr_button.setObjectName("diagnosisFindLearningRateButton")
        self.find_lr_button.setProperty("role", "fix")
        self.find_lr_button.setToolTip("Run a learning-rate range test on a copy of the network")
        head.addWidget(self.find_lr_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("diagnosisScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("diagnosisFindings")
        self.column = QVBoxLayout(body)
        self.column.setContentsMargins(0, 0, 4, 0)
        self.column.setSpacing(8)
        self.empty = _label(EMPTY, role="hint")
        self.empty.setObjectName("diagnosisEmpty")
        self.column.addWidget(self.empty)
        self.column.addStretch(1)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        self.can_show: Callable[[Finding], bool] = lambda finding: False

    def show_findings(self, findings: list[Finding], status: str) -> None:
        """Replace the cards (a card whose code and layers stay is updated in place: live runs refresh every
        second, and a card that jumps around cannot be read or clicked)."""
        self.findings = list(findings)
        old = {card.key: card for card in self.cards}
        cards = []
        for finding in findings:
            card = old.pop((finding.code, finding.layers), None)
            if card is None:
                card = FindingCard(finding, self.can_show(finding), self.showRequested.emit,
                                   lambda f, fix: self.fixRequested.emit(f, fix))
            else:
                card.set_finding(finding, self.can_show(finding))
            cards.append(card)
        for card in old.values():
            card.hide()
            card.setParent(None)
            card.deleteLater()
        for card in cards:
            self.column.removeWidget(card)
        for index, card in enumerate(cards):
            self.column.insertWidget(index, card)        # before the empty note and the stretch, in order
            card.show()
        self.cards = cards
        self.empty.setVisible(not cards)
        self.set_status(status)
        self.set_fix_state(self._fix_state)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def set_fix_state(self, state: FixState) -> None:
        """Enable each Apply button by `state(fix)` -> (enabled, tooltip)."""
        self._fix_state = state
        for card in self.cards:
            card.set_fix_states(state)

    def counts(self) -> dict[str, int]:
        return {severity: sum(f.severity == severity for f in self.findings) for severity in SEVERITY_TEXT}

    def card(self, code: str) -> FindingCard:
        """The first card of `code` (tests, scripts)."""
        for card in self.cards:
            if card.finding.code == code:
                return card
        raise KeyError(code)
