"""The run readouts (epoch counters, status bar) change text many times a second without relaying out the window."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

from gui.theme import stylesheet
from gui.training.run_controls import RunStatus, RunToolBar, set_readout


class LayoutRequests(QObject):
    def __init__(self):
        super().__init__()
        self.seen: list[str] = []          # which widget was asked to lay out again (for the failure message)

    @property
    def count(self) -> int:
        return len(self.seen)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.LayoutRequest:
            self.seen.append(obj.objectName() or type(obj).__name__)
        return False


def settle_layout() -> None:
    """Deliver the layout requests the window's first texts posted (on a loaded machine a short wait may not)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()


def shown_readouts(qtbot) -> tuple[QMainWindow, RunToolBar, RunStatus]:
    """A window with the run toolbar and the status readouts, shown as the app shows them."""
    window = QMainWindow()
    qtbot.addWidget(window)
    bar = RunToolBar(window)
    window.addToolBar(bar)
    status = RunStatus(window.statusBar())
    window.show()
    qtbot.waitExposed(window)
    return window, bar, status


def test_readouts_update_without_relayout_and_widen_only_when_the_text_no_longer_fits(qtbot):
    window, bar, status = shown_readouts(qtbot)
    bar.set_epoch(1000, 5000)
    status.show_idle(1000, 123_456, 5000)
    qtbot.wait(50)
    settle_layout()
    label = status.labels["step"]
    width = label.width()
    requests = LayoutRequests()
    for widget in (window, window.statusBar(), bar):
        widget.installEventFilter(requests)
    for i in range(100):                                  # what a run does: same width or narrower text
        bar.set_epoch(1000 + i, 5000)
        status.show_epoch(1000 + i, 5000)
        set_readout(label, f"step {100_000 + i:,}")
        qtbot.wait(1)
    assert requests.seen == []
    assert label.width() == width and label.text() == "step 100,099"

    set_readout(label, "step 123,456,789,012")            # longer: the label widens once, to fit
    qtbot.wait(50)
    assert label.width() > width
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    set_readout(label, "step 1")                          # and never narrows again
    qtbot.wait(20)
    assert label.width() > width


@pytest.fixture
def app_style(qapp):
    """The app's stylesheet (the epoch label's big font and padding), as `main.py` applies it."""
    qapp.setStyleSheet(stylesheet())
    yield
    qapp.setStyleSheet("")


def fits(label) -> bool:
    margins = label.contentsMargins()
    return label.width() >= label.fontMetrics().horizontalAdvance(label.text()) + margins.left() + margins.right()


def test_readouts_show_their_whole_text_in_the_app_style(qtbot, app_style):
    _, bar, status = shown_readouts(qtbot)
    labels = [bar.epoch_label, *status.labels.values()]
    assert bar.epoch_label.text() == "Epoch 0 / 0" and fits(bar.epoch_label)     # before any update, too
    bar.set_epoch(200, 200)
    status.show_idle(200, 8_000, 200)
    set_readout(status.labels["elapsed"], "elapsed 1:23:45")
    qtbot.wait(20)
    assert bar.epoch_label.contentsMargins().left() > 0                           # the stylesheet's padding
    shown = [label for label in labels if label.text()]
    assert len(shown) == 4                                                        # epoch x2, step, elapsed
    assert [label.objectName() for label in shown if not fits(label)] == []
