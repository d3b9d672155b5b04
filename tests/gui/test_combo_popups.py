"""Every drop-down's highlighted entry reads: its text contrasts with its background (WCAG AA, 4.5:1).

Fusion draws a combo's popup entries as menu items through the QComboBox style-sheet rule; a rule that gives combos
a white background then painted the highlighted entry white under white highlighted text: a blank box (issue 13).
The test renders each popup with the app's palette and style sheet and measures the highlighted row's pixels.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QComboBox

from gui.theme import apply_style

MIN_CONTRAST = 4.5


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def row_colors(combo: QComboBox, row: int, qtbot) -> tuple[QColor, QColor]:
    """(background, text) of `row` highlighted in `combo`'s open popup: the row's most common pixel colour, and
    the pixel that differs most from it (the core of the glyphs)."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    index = combo.model().index(row, combo.modelColumn())
    view.setCurrentIndex(index)                   # what moving the mouse over the entry does
    view.scrollTo(index)
    rect = view.visualRect(index)
    image = view.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    counts: dict[int, int] = {}
    pixels = []
    for y in range(int(rect.top() * ratio) + 2, int(rect.bottom() * ratio) - 1):
        for x in range(int(rect.left() * ratio) + 2, min(int(rect.right() * ratio), image.width()) - 2):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
            pixels.append(rgb)
    combo.hidePopup()
    background = QColor(max(counts, key=counts.get))
    text = max((QColor(p) for p in set(pixels)), key=lambda c: contrast(c, background))
    return background, text


def highlighted_rows(combo: QComboBox) -> list[int]:
    """The current entry and the first other selectable one."""
    model = combo.model()
    selectable = [r for r in range(combo.count())
                  if model.flags(model.index(r, 0)) & Qt.ItemFlag.ItemIsSelectable and combo.itemText(r)]
    rows = [combo.currentIndex()] if combo.currentIndex() in selectable else []
    rows += [r for r in selectable if r not in rows][:1]
    return rows


@pytest.fixture
def styled_app(qapp):
    apply_style(QApplication.instance())
    yield
    QApplication.instance().setStyleSheet("")


def test_a_plain_combo_highlights_readably(styled_app, qtbot):
    combo = QComboBox()
    combo.addItems(["relu", "sigmoid", "tanh", "leaky_relu"])
    qtbot.addWidget(combo)
    combo.show()
    for focused in (False, True):
        if focused:
            combo.setFocus()
        for row in (0, 2):
            background, text = row_colors(combo, row, qtbot)
            assert contrast(background, text) >= MIN_CONTRAST, (focused, row, background.name(), text.name())
            assert background.name() != "#ffffff"       # the highlight shows as a highlight, not as a blank row


def test_every_combo_in_the_window_highlights_readably(styled_app, make_window, qtbot):
    window = make_window()
    window.layer_editor.show_layer(0, window.document.project.layers[0])
    combos = [c for c in window.findChildren(QComboBox) if c.count() > 1]
    names = {c.objectName() for c in combos}
    assert {"datasetCombo", "scalingCombo", "training_optimizer", "training_loss", "layer_activation"} <= names
    failures = []
    for combo in combos:
        for row in highlighted_rows(combo):
            background, text = row_colors(combo, row, qtbot)
            if contrast(background, text) < MIN_CONTRAST:
                failures.append(f"{combo.objectName() or type(combo).__name__} row {row} {combo.itemText(row)!r}: "
                                f"{text.name()} on {background.name()} ({contrast(background, text):.2f}:1)")
    assert not failures, "\n".join(failures)
