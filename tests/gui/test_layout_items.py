"""The wrappers PySide keeps for Qt's own layout items are let go of before Qt deletes the items
(gui/runtime/layout_items.py): none stay in PySide's wrapper map, and the layouts work as before."""
from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLayout, QLayoutItem, QPushButton, QVBoxLayout, QWidget

from gui.runtime.layout_items import LayoutItemSweeper, release_layout_item_wrappers
from gui.widgets.flow_layout import FlowLayout


def qt_made_item_wrappers() -> list[QLayoutItem]:
    """Wrappers in PySide's map of layout items that Qt made (what a deleted item would leave behind), but for the
    items a flow layout of a window still open holds."""
    wrappers = shiboken6.getAllValidWrappers()
    held = {id(item) for w in wrappers if isinstance(w, FlowLayout) and shiboken6.isValid(w) for item in w.held_items()}
    return [w for w in wrappers if isinstance(w, QLayoutItem) and not isinstance(w, QLayout)
            and not shiboken6.createdByPython(w) and id(w) not in held]


def nested_host(qtbot) -> tuple[QWidget, QPushButton]:
    host = QWidget()
    qtbot.addWidget(host)
    row = QHBoxLayout()
    button = QPushButton("a")
    row.addWidget(button)
    row.addStretch(1)
    form = QFormLayout()
    form.addRow("name", QLabel("value"))
    outer = QVBoxLayout(host)
    outer.addLayout(row)
    outer.addLayout(form)
    host.resize(300, 120)
    host.show()
    qtbot.waitExposed(host)
    return host, button


def test_nested_layouts_leave_wrappers_of_qt_made_items_and_a_sweep_lets_them_go(qtbot):
    release_layout_item_wrappers()
    host, button = nested_host(qtbot)
    before = qt_made_item_wrappers()
    assert len(before) >= 3            # PySide's own doing: the widget items and the stretch of the nested layouts
    assert release_layout_item_wrappers() == len(before)
    assert qt_made_item_wrappers() == []
    assert not any(shiboken6.isValid(w) for w in before)
    # the layouts work as before, and asking for an item again gives a fresh wrapper of the live item
    row = host.layout().itemAt(0).layout()
    assert row.itemAt(0).widget() is button and shiboken6.isValid(row.itemAt(0))
    host.resize(500, 160)
    qtbot.waitUntil(lambda: button.width() > 0 and button.geometry().right() < 500)


def test_a_flow_layouts_own_items_are_kept_until_it_lets_them_go(qtbot):
    release_layout_item_wrappers()
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host)
    buttons = [QPushButton(f"b{i}") for i in range(4)]
    for button in buttons:
        flow.addWidget(button)
    host.resize(120, 200)
    host.show()
    qtbot.waitExposed(host)
    release_layout_item_wrappers()
    assert all(shiboken6.isValid(item) for item in flow.held_items())
    assert [item.widget() for item in flow.held_items()] == buttons
    flow.invalidate()
    qtbot.waitUntil(lambda: buttons[-1].y() > buttons[0].y())     # still lays out: a narrow host wraps the row
    gone = flow.held_items()[0]
    buttons[0].deleteLater()
    qtbot.waitUntil(lambda: len(flow.held_items()) == 3)          # Qt took its item back (and deletes it)
    release_layout_item_wrappers()                                # (unless the app's 3 s sweep already has)
    assert not shiboken6.isValid(gone) and all(shiboken6.isValid(item) for item in flow.held_items())


def test_a_main_window_leaves_no_wrapper_of_a_qt_made_layout_item(make_window, monkeypatch):
    window = make_window()
    sweeper = LayoutItemSweeper.of()
    assert any(layout.held_items() for layout in window.findChildren(FlowLayout))   # the data panel's toggles
    window.dashboard.redraw()                                      # builds every lazy tab: more nested layouts
    calls = []
    original = sweeper.sweep
    monkeypatch.setattr(sweeper, "sweep", lambda: calls.append(1) or original())
    window.close()                                                 # and the close sweeps them, before Qt deletes
    assert calls and qt_made_item_wrappers() == []
