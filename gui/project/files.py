"""New, Open, Save, Save As, recent files and the unsaved-changes prompt.

A saved project is two files side by side: `name.json` (core.project) and `name.weights.npz` (core.model_io, with
the trainer's state, so reopening continues where training stopped). Reopening restores the weights when the file
is there and fits the project's network and data. Open also takes a trained model on its own (a weights file from
`layerlab train --out`, or a JSON export): its embedded project opens untitled, with its weights (and, from a
checkpoint, its training state) restored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerLabError
from core.file_input import path_problem
from core.fileio import FileWriteError
from core.model_files import load_model
from core.model_files.json_reader import JSON_FORMAT
from core.model_io import save_model
from core.project import Project, default_project, load_project, save_project
from gui import app_settings

from .context import ProjectContext
from .document import Document
from .examples import note_tab
from .paths import rebase

PROJECT_FILTER = "LayerLab projects (*.json);;All files (*)"
OPEN_FILTER = ("Projects and trained models (*.json *.npz *.safetensors);;LayerLab projects (*.json);;"
               "Trained models (*.npz *.safetensors *.json);;All files (*)")
MODEL_SUFFIXES = (".npz", ".safetensors")
LOCKED_MESSAGE = "Training is in progress: stop it (Ctrl+.) before opening another project"


def is_model_file(path: Path) -> bool:
    """A trained model rather than a project: a weights file, or a JSON export (its "format" comes first)."""
    suffix = path.suffix.lower()
    if suffix in MODEL_SUFFIXES:
        return True
    if suffix != ".json" or path_problem(path) is not None:    # never peek into a FIFO: it would block
        return False
    try:
        with open(path, "rb") as handle:
            return f'"format":"{JSON_FORMAT}"'.encode() in handle.read(256).replace(b" ", b"")
    except OSError:
        return False


def weights_path(project_path: str | Path) -> Path:
    """spiral.json -> spiral.weights.npz, next to it."""
    path = Path(project_path)
    stem = path.name[:-len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.weights.npz")


def start_folder(document: Document) -> str:
    """Where file dialogs open: the project's folder, else the most recent file's, else the working directory."""
    if document.path is not None:
        return str(document.path.parent)
    recent = app_settings.recent_files()
    return str(Path(recent[0]).parent) if recent else str(Path.cwd())


class ProjectFiles(QObject):
    recentChanged = Signal()        # the recent-files list changed (File > Open recent follows it)

    def __init__(self, context: ProjectContext,
                 open_project: Callable[[Project, Path | None, Path | None], None],
                 show_note: Callable[[str, str], None], show_tab: Callable[[str], object] = lambda _title: None):
        """`open_project(project, path, weights)` shows a project (the window's `open_project`); `show_note(title,
        text)` shows an example's note; `show_tab(title)` brings the dashboard tab its note talks about forward."""
        super().__init__(context.parent)
        self.context = context
        self.document = context.document
        self._open_project = open_project
        self._show_note = show_note
        self._show_tab = show_tab

    def start_folder(self) -> str:
        return start_folder(self.document)

    # --- opening ------------------------------------------------------------------------------------------------
    def refused_while_training(self) -> bool:
        """True (with a status-bar message) while a run is in progress: another project cannot replace the one
        training (the menu entries are disabled then; this catches scripts and shortcuts)."""
        if not self.document.locked:
            return False
        self.context.show_message(LOCKED_MESSAGE, 6000)
        return True

    def new(self) -> bool:
        if self.refused_while_training() or not self.maybe_save():
            return False
        self._open_project(default_project(), None, None)
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if self.refused_while_training() or not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.context.parent, "Open project or trained model",
                                                  self.start_folder(), OPEN_FILTER)
            if not path:
                return False
        path = Path(path)
        model = is_model_file(path)
        try:
            if model:
                project = load_model(path).project       # checked whole here: nothing opens half-way
            else:
                project = load_project(path)
        except LayerLabError as exc:
            QMessageBox.critical(self.context.parent, "Cannot open model" if model else "Cannot open project",
                                 str(exc))
            if not path.exists():
                app_settings.remove_recent(path)
                self.recentChanged.emit()
            return False
        if model:
            self._open_project(project, None, path)
            self.context.show_message(f"Opened the model in {path.name}; Save As keeps it as a project", 8000)
        else:
            self._open_project(project, path, None)
        app_settings.add_recent(path)
        self.recentChanged.emit()
        return True

    def open_example(self, path: Path) -> bool:
        """An example project, untitled (Save asks where: the shipped file stays as it is), with its note shown."""
        if self.refused_while_training() or not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except LayerLabError as exc:
            QMessageBox.critical(self.context.parent, "Cannot open example", str(exc))
            return False
        self._open_project(project, None, None)
        if project.description:
            self._show_note(project.name, project.description)
            tab = note_tab(project.description)
            if tab is not None:
                self._show_tab(tab)
        return True

    # --- saving -------------------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        suggestion = self.document.path or Path(self.start_folder()) / f"{self.document.project.name.lower()}.json"
        path, _ = QFileDialog.getSaveFileName(self.context.parent, "Save project as", str(suggestion), PROJECT_FILTER)
        if not path:
            return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        """Write the project (data paths re-expressed from its new folder) and, if there is a network, its weights."""
        path = Path(path)
        self.context.stop_training()       # the weights are read here: no run may be writing them
        project = rebase(self.document.project, path.parent)
        session = self.context.session
        try:
            save_project(project, path)
            if session.network is not None and session.prepared is not None:
                save_model(weights_path(path), project, session.prepared, session.network, session.trainer,
                           checkpoint=session.trainer is not None)
        except (LayerLabError, FileWriteError, OSError) as exc:
            QMessageBox.critical(self.context.parent, "Cannot save project", str(exc))
            return False
        self.document.mark_saved(path, project)
        app_settings.add_recent(path)
        self.recentChanged.emit()
        self.context.show_message(f"Saved {path.name} and {weights_path(path).name}", 5000)
        return True

    def maybe_save(self) -> bool:
        """Ask before the user's work is lost (Document.has_work_at_stake); False means the user cancelled."""
        if not self.document.has_work_at_stake():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.context.parent, "Unsaved changes",
            f"{self.document.title} has unsaved changes (project or trained weights). Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            self.context.stop_training()
            return self.save()
        return answer == buttons.Discard
