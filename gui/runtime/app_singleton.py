"""One object of a kind per application: a named child of the QApplication, made on first use.

Whatever the interpreter has only one of (its garbage collector, PySide's wrapper map) is looked after by one
object, found through the application rather than a module-level global, so a test's fresh QApplication gets a
fresh one.
"""
from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Qt

T = TypeVar("T", bound=QObject)


def app_singleton(cls: type[T], name: str, app: QCoreApplication | None = None) -> T:
    """The application's `cls` named `name` (made as its child on first use)."""
    app = app or QCoreApplication.instance()
    if app is None:
        raise RuntimeError(f"{cls.__name__}.of needs a QApplication; create one first")
    found = app.findChild(cls, name, Qt.FindChildOption.FindDirectChildrenOnly)
    if found is None:
        found = cls(app)
        found.setObjectName(name)
    return found
