"""The menu bar: File, Edit, Train, Export, View, Help. Every action has a stable object name for scripts."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from gui.project.examples import examples

if TYPE_CHECKING:
    from .main_window import MainWindow


def _action(window: "MainWindow", menu: QMenu, name: str, text: str, slot: Callable, shortcut: str | None = None,
            tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    return action


def build_menus(window: "MainWindow") -> dict[str, QAction]:
    bar = window.menuBar()
    a: dict[str, QAction] = {}

    file = bar.addMenu("&File")
    a["new"] = _action(window, file, "actionNewProject", "&New project", window.files.new, "Ctrl+N",
                       "Start from the built-in spiral project")
    a["open"] = _action(window, file, "actionOpenProject", "&Open project…", window.files.open, "Ctrl+O",
                        "Open a project (.json) or a trained model (.npz weights file, JSON export)")
    window.recent_menu = file.addMenu("Open &recent")
    window.recent_menu.setObjectName("recentMenu")
    _examples_menu(window, file.addMenu("&Examples"))
    file.addSeparator()
    a["save"] = _action(window, file, "actionSaveProject", "&Save", window.files.save, "Ctrl+S",
                        "Save the project and its weights")
    a["save_as"] = _action(window, file, "actionSaveProjectAs", "Save &as…", window.files.save_as, "Ctrl+Shift+S",
                           "Save the project and its weights under a new name")
    file.addSeparator()
    a["quit"] = _action(window, file, "actionQuit", "&Quit", window.close, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    a["undo"] = _action(window, edit, "actionUndo", "&Undo", window.document.undo, "Ctrl+Z")
    a["redo"] = _action(window, edit, "actionRedo", "&Redo", window.document.redo, "Ctrl+Shift+Z")
    edit.addSeparator()
    for key in ("add", "insert", "duplicate", "remove", "up", "down"):
        edit.addAction(window.builder.actions_[key])

    train = bar.addMenu("&Train")
    for key in ("train", "pause", "step", "stop", "reset"):
        train.addAction(window.run_bar.action(key))

    export = bar.addMenu("E&xport")
    a["export_weights"] = _action(window, export, "actionExportWeights", "&Weights…", window.exporter.weights,
                                  "Ctrl+E", "Write the weights file (.npz) that `layerlab predict` reads")
    a["export_checkpoint"] = _action(window, export, "actionExportCheckpoint", "&Checkpoint…",
                                     lambda: window.exporter.weights(checkpoint=True),
                                     tip="Weights plus optimizer and trainer state, to continue training later")
    a["export_history"] = _action(window, export, "actionExportHistory", "Training &history (CSV)…",
                                  window.exporter.history, tip="Per-epoch losses and metrics")
    a["export_plots"] = _action(window, export, "actionExportPlots", "&Plots…", window.exporter.plots,
                                tip="Every dashboard plot as PNG, into a folder")
    export.addSeparator()
    a["export_model"] = _action(window, export, "actionExportModel", "&Model as…", window.exporter.model,
                                tip="ONNX, JSON, safetensors, or a PyTorch / Keras script")

    view = bar.addMenu("&View")
    for dock in window.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    a["reset_layout"] = _action(window, view, "actionResetLayout", "Reset &layout", window.reset_layout)

    help_menu = bar.addMenu("&Help")
    a["shortcuts"] = _action(window, help_menu, "actionShortcuts", "&Keyboard shortcuts",
                             lambda: show_shortcuts(window), "F1")
    a["about"] = _action(window, help_menu, "actionAbout", "&About LayerLab", lambda: QMessageBox.about(
        window, "About LayerLab", "<b>LayerLab</b><br>Build a neural network layer by layer, train it and "
        "watch it learn: losses, gradients, dead units and decision boundaries, live."))
    for action in a.values():
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    return a


def _examples_menu(window: "MainWindow", menu: QMenu) -> None:
    """One entry per example project: the course experiments, then the real datasets."""
    menu.setObjectName("examplesMenu")
    menu.setToolTipsVisible(True)
    previous = None
    for example in examples():
        if previous is not None and previous.experiment != example.experiment:
            menu.addSeparator()
        action = menu.addAction(example.name)
        action.setObjectName(f"actionExample_{example.path.stem}")
        action.setToolTip(example.description)
        action.setStatusTip(example.description)
        action.triggered.connect(lambda _=False, path=example.path: window.files.open_example(path))
        previous = example
    menu.setEnabled(not menu.isEmpty())


def show_shortcuts(window: "MainWindow") -> None:
    rows = []
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.text():
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            rows.append(f"<tr><td>{action.text().replace('&', '')}</td><td><b>{key}</b></td></tr>")
    QMessageBox.information(window, "Keyboard shortcuts", "<table cellspacing=6>" + "".join(sorted(set(rows))) +
                            "</table>")
