"""The menu bar: File, Edit, Train, Export, View, Help. Every action has a stable object name for scripts.

The menus are declared in `MENU_BAR` below, one line an action; `build_menus` makes them and connects each action to
the slot the window gives under its key. Adding a menu action is a line here and a slot where the window lists its
commands (`MainWindow._commands`); an action marked `idle_only` is disabled while a run is in progress.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from gui.project.examples import examples


@dataclass(frozen=True)
class Act:
    """One menu action: `key` names its slot (and its entry in `Menus.actions`)."""

    key: str
    name: str                      # object name (docs/automation.md)
    text: str
    shortcut: str | None = None
    tip: str = ""
    idle_only: bool = False        # disabled while a run is in progress


SEPARATOR = "-"
# Besides actions and separators, a menu lists groups the window fills in: "recent" (File > Open recent),
# "examples" (File > Examples), and the actions of "layer_tools", "run_controls" and "docks" (View's dock toggles).
Entry = Union[Act, str]

MENU_BAR: tuple[tuple[str, tuple[Entry, ...]], ...] = (
    ("&File", (
        Act("new", "actionNewProject", "&New project", "Ctrl+N", "Start from the built-in spiral project", True),
        Act("open", "actionOpenProject", "&Open project…", "Ctrl+O",
            "Open a project (.json) or a trained model (.npz weights file, JSON export)", True),
        "recent", "examples",
        Act("import_weights", "actionImportWeights", "&Import weights…",
            tip="Start the network from weights in a file: a LayerLab model, or a PyTorch state_dict (.npz, "
                ".safetensors) matched by name and shape", idle_only=True),
        SEPARATOR,
        Act("save", "actionSaveProject", "&Save", "Ctrl+S", "Save the project and its weights", True),
        Act("save_as", "actionSaveProjectAs", "Save &as…", "Ctrl+Shift+S",
            "Save the project and its weights under a new name", True),
        SEPARATOR,
        Act("quit", "actionQuit", "&Quit", "Ctrl+Q"),
    )),
    ("&Edit", (
        Act("undo", "actionUndo", "&Undo", "Ctrl+Z"),
        Act("redo", "actionRedo", "&Redo", "Ctrl+Shift+Z"),
        SEPARATOR, "layer_tools",
    )),
    ("&Train", ("run_controls", SEPARATOR,
                Act("evaluate_test", "actionEvaluateTest", "Evaluate on &test rows", "Ctrl+T",
                    "The network now on the held-out test rows (never used for training, early stopping or "
                    "choosing weights): the Test tab", True),
                Act("cross_validate", "actionCrossValidate", "&Cross-validate…", "Ctrl+Shift+K",
                    "k-fold cross-validation of this project: K models, each fold and the mean ± std of every metric",
                    True),
                Act("run_experiment", "actionRunExperiment", "Run e&xperiment",
                    tip="A lesson's variants (File > Examples) trained over its seeds, recorded and overlaid in the "
                    "Runs tab", idle_only=True),
                Act("run_store", "actionRunStore", "Run &store…",
                    tip="Choose the file every run is recorded in (the Runs tab lists it)", idle_only=True),
                Act("search", "actionSearch", "Searc&h hyperparameters…", "Ctrl+Shift+H",
                    "The Search panel: try many settings at once (grid, random, Bayesian) and keep the best"),
                Act("find_lr", "actionFindLearningRate", "Find &learning rate…",
                    tip="A learning-rate range test on a copy of the network: the loss against the rate, and a "
                        "suggestion to use", idle_only=True))),
    ("E&xport", (
        Act("export_weights", "actionExportWeights", "&Weights…", "Ctrl+E",
            "Write the weights file (.npz) that `layerlab predict` reads", True),
        Act("export_checkpoint", "actionExportCheckpoint", "&Checkpoint…",
            tip="Weights plus optimizer and trainer state, to continue training later", idle_only=True),
        Act("export_history", "actionExportHistory", "Training &history (CSV)…", tip="Per-epoch losses and metrics",
            idle_only=True),
        Act("export_plots", "actionExportPlots", "&Plots…", tip="Every dashboard plot as PNG, into a folder"),
        SEPARATOR,
        Act("export_model", "actionExportModel", "&Model as…",
            tip="ONNX, JSON, safetensors, or a PyTorch / Keras script", idle_only=True),
    )),
    ("&View", ("docks", SEPARATOR,
               Act("focus_training", "actionFocusTraining", "&Focus on training", "Ctrl+Shift+F",
                   "Hide the side panels: the dashboard takes the whole window (again: bring them back)"),
               Act("show_runs", "actionShowRuns", "&Runs", "Ctrl+Shift+R", "Every recorded run: compare, open, "
                   "delete"),
               Act("reset_layout", "actionResetLayout", "Reset &layout"))),
    ("&Help", (
        Act("shortcuts", "actionShortcuts", "&Keyboard shortcuts", "F1"),
        Act("about", "actionAbout", "&About LayerLab"),
    )),
)


@dataclass
class Menus:
    actions: dict[str, QAction] = field(default_factory=dict)
    recent: QMenu | None = None
    examples: QMenu | None = None          # File > Examples (the window disables it while a run is in progress)
    idle_only: list[QAction] = field(default_factory=list)


def build_menus(window: QMainWindow, slots: dict[str, Callable[[], object]], groups: dict[str, list[QAction]],
                open_example: Callable[[Path], object]) -> Menus:
    """The window's menu bar from `MENU_BAR`: `slots` by action key (Help's own are built in), `groups` of actions
    made elsewhere (the layer tools, the run controls, the dock toggles), `open_example(path)` for File > Examples."""
    slots = {"shortcuts": lambda: show_shortcuts(window), "about": lambda: show_about(window), **slots}
    menus = Menus()
    for title, entries in MENU_BAR:
        menu = window.menuBar().addMenu(title)
        for entry in entries:
            if isinstance(entry, Act):
                action = _action(window, menu, entry, slots[entry.key])
                menus.actions[entry.key] = action
                if entry.idle_only:
                    menus.idle_only.append(action)
            elif entry == SEPARATOR:
                menu.addSeparator()
            elif entry == "recent":
                menus.recent = menu.addMenu("Open &recent")
                menus.recent.setObjectName("recentMenu")
            elif entry == "examples":
                menus.examples = menu.addMenu("&Examples")
                _examples_menu(menus.examples, open_example)
            else:
                menu.addActions(groups[entry])
    for action in menus.actions.values():
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    return menus


def _action(parent: QWidget, menu: QMenu, spec: Act, slot: Callable[[], object]) -> QAction:
    action = QAction(spec.text, parent)
    action.setObjectName(spec.name)
    if spec.shortcut:
        action.setShortcut(QKeySequence(spec.shortcut))
    if spec.tip:
        action.setStatusTip(spec.tip)
        action.setToolTip(spec.tip)
    action.triggered.connect(lambda _=False: slot())
    menu.addAction(action)
    return action


def _examples_menu(menu: QMenu, open_example: Callable[[Path], object]) -> None:
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
        action.triggered.connect(lambda _=False, path=example.path: open_example(path))
        previous = example
    menu.setEnabled(not menu.isEmpty())


def fill_recent(menu: QMenu, paths: list[str], open_path: Callable[[str], object]) -> None:
    """File > Open recent: one entry per path (its file name; the full path as tip)."""
    menu.clear()
    for path in paths:
        action = menu.addAction(Path(path).name)
        action.setToolTip(path)
        action.setStatusTip(path)
        action.triggered.connect(lambda _=False, p=path: open_path(p))
    menu.setEnabled(not menu.isEmpty())


def show_shortcuts(window: QWidget) -> None:
    rows = []
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.text():
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            rows.append(f"<tr><td>{action.text().replace('&', '')}</td><td><b>{key}</b></td></tr>")
    QMessageBox.information(window, "Keyboard shortcuts", "<table cellspacing=6>" + "".join(sorted(set(rows))) +
                            "</table>")


def show_about(window: QWidget) -> None:
    QMessageBox.about(window, "About LayerLab", "<b>LayerLab</b><br>Build a neural network layer by layer, train it "
                      "and watch it learn: losses, gradients, dead units and decision boundaries, live.")
