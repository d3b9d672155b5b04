"""Shared fixtures for the GUI tests: private settings, recorded dialogs, and a main window ready to train.

Every test gets its own QSettings location (never the user's real settings) and patched static dialogs
(QMessageBox.question/critical/warning/information, QFileDialog.get*), so nothing modal ever blocks a test run;
tests read what was shown from the `dialogs` fixture and choose the answers there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QMessageBox, QWidget


@dataclass
class Dialogs:
    """What the app showed, and what the (patched) user answers."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)   # (kind, title, text)
    question_answer: Any = QMessageBox.StandardButton.Discard
    open_path: str = ""
    save_path: str = ""
    save_filter: str = ""
    folder: str = ""

    def of(self, kind: str) -> list[tuple[str, str, str]]:
        return [c for c in self.calls if c[0] == kind]


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture(autouse=True)
def screen(monkeypatch):
    """The screen windows open on: a 1920 x 1080 desktop, whatever the test platform's (offscreen: 800 x 800).
    A test of another screen calls `screen(width, height)`."""
    from PySide6.QtCore import QRect

    from gui import window_layout

    def use(width: int, height: int) -> QRect:
        rect = QRect(0, 0, width, height)
        monkeypatch.setattr(window_layout, "available_geometry", lambda widget=None: rect)
        return rect

    use(1920, 1080)
    return use


@pytest.fixture(autouse=True)
def dialogs(monkeypatch) -> Dialogs:
    record = Dialogs()

    def message(kind, answer=QMessageBox.StandardButton.Ok):
        def show(parent, title, text, *args, **kwargs):
            record.calls.append((kind, title, text))
            return record.question_answer if kind == "question" else answer
        return show

    for kind in ("critical", "warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, message(kind))
    monkeypatch.setattr(QMessageBox, "about", lambda *a, **k: record.calls.append(("about", "", "")))

    def open_name(parent, caption="", folder="", filters="", *args, **kwargs):
        record.calls.append(("open", caption, folder))
        return record.open_path, ""

    def save_name(parent, caption="", folder="", filters="", *args, **kwargs):
        record.calls.append(("save", caption, folder))
        return record.save_path, record.save_filter

    def existing(parent, caption="", folder="", *args, **kwargs):
        record.calls.append(("folder", caption, folder))
        return record.folder

    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_name)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", existing)
    return record


def wait_ready(qtbot, window, timeout: int = 10_000) -> None:
    """Until the data is loaded and a trainer is built (data loads off the GUI thread)."""
    qtbot.waitUntil(lambda: window.session.trainer is not None and not window.session.loader.busy, timeout=timeout)


def close_window(qtbot, window) -> None:
    window.stop_training()
    qtbot.waitUntil(lambda: not window.controller.threads_alive, timeout=5000)
    window.document.undo_stack.setClean()
    window.close()


@pytest.fixture
def make_window(qtbot, dialogs):
    """make_window(project=None) -> a shown main window whose data is loaded; closed cleanly afterwards."""
    from gui.main_window import create_window

    windows = []

    def make(project=None, ready: bool = True):
        window = create_window(project)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if ready:
            wait_ready(qtbot, window)
        return window

    yield make
    for window in windows:
        close_window(qtbot, window)


@pytest.fixture
def window(make_window):
    return make_window()


# --- helpers the test modules share (as a fixture: test files cannot import a conftest) -----------------------
class UI:
    """Drive the window as a user would: find widgets by object name, type, pick, click Train."""

    def __init__(self, qtbot):
        self.qtbot = qtbot

    @staticmethod
    def find(window, name: str, kind=QWidget):
        widget = window.findChild(kind, name)
        assert widget is not None, f"no {kind.__name__} named {name!r}"
        return widget

    def click(self, window, name: str) -> None:
        self.qtbot.mouseClick(self.find(window, name), Qt.MouseButton.LeftButton)

    def type_into(self, edit, text: str) -> None:
        """Replace a line edit's text as a user would, then press Enter (which commits it)."""
        edit.setFocus()
        edit.selectAll()
        if text:
            self.qtbot.keyClicks(edit, text)
        else:
            self.qtbot.keyClick(edit, Qt.Key.Key_Delete)
        self.qtbot.keyClick(edit, Qt.Key.Key_Return)

    @staticmethod
    def choose(combo: QComboBox, value) -> None:
        """Pick the entry whose data is `value` (what clicking it in the popup does)."""
        for i in range(combo.count()):
            if combo.itemData(i) == value and combo.itemText(i):
                combo.setCurrentIndex(i)
                combo.activated.emit(i)
                return
        raise AssertionError(f"{combo.objectName()} has no entry {value!r}")

    def set_field(self, window, name: str, text: str) -> None:
        self.type_into(self.find(window, name), text)

    def error(self, window, name: str) -> str:
        """The inline message under field `name` ('' when hidden)."""
        label = self.find(window, f"{name}Error", QLabel)
        return label.text() if label.isVisibleTo(window) else ""

    def train(self, window, timeout: int = 20_000):
        """Click Train and wait for the run's last event (returned)."""
        with self.qtbot.waitSignal(window.controller.finished, timeout=timeout) as blocker:
            self.click(window, "trainButton")
        self.qtbot.waitUntil(lambda: not window.controller.threads_alive, timeout=5000)
        return blocker.args[0]

    @staticmethod
    def layer_rows(window) -> list[str]:
        lst = window.findChild(QWidget, "layerList")
        return [lst.item(i).text() for i in range(lst.count())]


@pytest.fixture
def ui(qtbot) -> UI:
    return UI(qtbot)
