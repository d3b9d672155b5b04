"""What the app remembers between runs (QSettings, INI format everywhere): recent projects, the window layout and
the run store's location.

Tests point the INI location at a temporary folder with `QSettings.setPath(IniFormat, UserScope, folder)`, so they
never read or write a user's real settings.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize
from PySide6.QtWidgets import QMainWindow, QSplitter

from . import window_layout

ORGANIZATION = "LayerLab"
APPLICATION = "LayerLab"
MAX_RECENT = 8


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def recent_files() -> list[str]:
    value = settings().value("recentFiles", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or []) if v]


def add_recent(path: str | Path) -> list[str]:
    path = str(Path(path).resolve())
    files = [path] + [p for p in recent_files() if p != path]
    files = files[:MAX_RECENT]
    settings().setValue("recentFiles", files)
    return files


def remove_recent(path: str | Path) -> list[str]:
    files = [p for p in recent_files() if p != str(path)]
    settings().setValue("recentFiles", files)
    return files


def run_store_preference() -> str:
    """The run store file chosen in the app ('' = the default: LAYERLAB_RUNS, else the per-user store)."""
    value = settings().value("runs/store", "")
    return str(value) if value else ""


def set_run_store_preference(path: str | Path | None) -> None:
    settings().setValue("runs/store", str(path) if path else "")


def save_window(window: QMainWindow, splitters: dict[str, QSplitter] | None = None) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/size", window.size())
    s.setValue("window/state", window.saveState())
    for name, splitter in (splitters or {}).items():
        s.setValue(f"window/{name}", splitter.saveState())


def restore_window(window: QMainWindow, splitters: dict[str, QSplitter] | None = None) -> bool:
    """Geometry, dock layout and splitter positions from the last session, if that window fits this screen (a
    layout saved on a big monitor would run off a laptop's); False on a first start or when it does not fit."""
    s = settings()
    geometry, state, size = s.value("window/geometry"), s.value("window/state"), s.value("window/size")
    if not isinstance(geometry, QByteArray) or geometry.isEmpty():
        return False
    if not isinstance(size, QSize) or not window_layout.fits(size, window_layout.available_geometry(window)):
        return False
    window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    for name, splitter in (splitters or {}).items():
        value = s.value(f"window/{name}")
        if isinstance(value, QByteArray) and not value.isEmpty():
            splitter.restoreState(value)
    return True
