"""Problems found before training (core.checks), each with its one-click fix, plus data and build errors.

An error means training cannot start (the Train button says why); a warning means it will run but probably not as
meant (a softmax output trained with MSE). The fix button applies core's own fix as one undoable edit; with more
than one fix on offer, Fix all applies every one of them as one edit.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.checks import Problem
from gui.theme import icon


class ProblemsView(QFrame):
    fixRequested = Signal(object)     # the Problem whose fix the user clicked
    fixAllRequested = Signal()        # every fix at once

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("problemsView")
        self.problems: list[Problem] = []
        self.messages: list[str] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.hide()

    def show_problems(self, problems: list[Problem], errors: list[str] = ()) -> None:
        """`errors` are messages without a fix (the data failed to load, the trainer could not be built)."""
        self.problems = list(problems)
        self.messages = list(errors)
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        if sum(p.fix is not None for p in self.problems) > 1:
            self._add(self._fix_all_row())
        for message in errors:
            self._add(self._card("error", message, None, len(self._cards())))
        for problem in self.problems:
            self._add(self._card(problem.level, f"{problem.where}: {problem.message}", problem, len(self._cards())))
        self.setVisible(bool(self.problems or self.messages))

    def _add(self, card: QFrame) -> None:
        self._layout.addWidget(card)
        card.show()   # now, not on the next event-loop pass (what a layout does for a visible parent)

    def _cards(self) -> list[QWidget]:
        return [w for w in (self._layout.itemAt(i).widget() for i in range(self._layout.count()))
                if w.objectName().startswith("problem_")]

    def _fix_all_row(self) -> QWidget:
        row = QWidget()
        row.setObjectName("fixAllRow")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        fixable = sum(p.fix is not None for p in self.problems)
        label = QLabel(f"{fixable} problems have a fix")
        label.setProperty("role", "hint")
        button = QPushButton("Fix all")
        button.setObjectName("fixAllButton")
        button.setProperty("role", "fix")
        button.setToolTip("Apply every fix below as one edit (undo with Ctrl+Z)")
        button.clicked.connect(self.fixAllRequested)
        layout.addWidget(label, 1)
        layout.addWidget(button)
        return row

    def _card(self, level: str, text: str, problem: Problem | None, n: int) -> QFrame:
        card = QFrame()
        card.setObjectName(f"problem_{n}")
        card.setProperty("problem", "error" if level == "error" else "warning")
        row = QHBoxLayout(card)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(8)
        mark = QLabel()
        mark.setPixmap(icon("error" if level == "error" else "warning").pixmap(16, 16))
        mark.setAlignment(Qt.AlignmentFlag.AlignTop)
        label = QLabel(text)
        label.setObjectName("problemText")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(label, 1)
        if problem is not None and problem.fix is not None:
            button = QPushButton(problem.fix_label or "Fix")
            button.setObjectName("fixButton")
            button.setProperty("role", "fix")
            button.setToolTip("Apply this fix (undo with Ctrl+Z)")
            button.clicked.connect(lambda _=False, p=problem: self.fixRequested.emit(p))
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return card
