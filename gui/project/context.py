"""What the window's commands (files, exports, and whatever menu action comes next) use, instead of the window.

A command gets the open project (`document`), its live objects (`session`), a parent for its dialogs, and two
services of the window: stop any run and wait for it (before reading or writing the weights), and show a line in
the status bar. Anything else a command needs it receives by name (the dashboard for plots, a callback to open a
project), so what a command can touch is written in its constructor.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QWidget

from .document import Document
from .session import Session


@dataclass(frozen=True)
class ProjectContext:
    parent: QWidget                              # dialogs and message boxes open over it
    document: Document
    session: Session
    stop_training: Callable[[], None]            # stop a run and wait for its thread (no-op when idle)
    show_message: Callable[[str, int], None]     # a status-bar message and how long to show it (ms)
