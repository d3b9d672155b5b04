"""`python main.py [PROJECT.json]`: create the application, style it, show the main window, run the event loop."""
from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.errors import LayerLabError
from gui.runtime import gc_guard

from . import app_settings
from .theme import apply_style, icon

# While a worker thread trains, each paint of a plot hands the GIL back and forth between the threads; a thread
# waiting for it waits up to the switch interval (5 ms by default). Measured here: a plot repaint next to a busy
# Python thread took 19 ms at 5 ms and 7 ms at 0.5 ms (2 ms alone).
SWITCH_INTERVAL = 0.001
FREEZE_AFTER_MS = 1000


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with LayerLab's names, style and thread switch interval (reuses an existing one)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = QApplication.instance() or QApplication(list(sys.argv if argv is None else argv))
    QCoreApplication.setOrganizationName(app_settings.ORGANIZATION)
    QCoreApplication.setApplicationName(app_settings.APPLICATION)
    app.setApplicationDisplayName("LayerLab")
    app.setWindowIcon(icon("train"))
    apply_style(app)
    return app


def run(project_path: str | None = None) -> int:
    """Open the app on `project_path` (or the built-in spiral project) and return the exit code."""
    app = make_app()
    from .main_window import create_window

    try:
        window = create_window(project_path)
    except LayerLabError as exc:
        QMessageBox.critical(None, "Cannot open project", f"{exc}\n\nOpening the built-in spiral project instead.")
        window = create_window(None)
    window.show()
    # Once the first frames are on screen (the collection before freezing takes ~0.1 s).
    QTimer.singleShot(FREEZE_AFTER_MS, gc_guard.freeze_startup)
    code = app.exec()
    window.stop_training()
    window.deleteLater()                 # destroy the widgets while the application still exists
    app.processEvents()
    return code
