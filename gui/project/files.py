"""New, Open, Save, Save As, recent files and the unsaved-changes prompt.

A saved project is two files side by side: `name.json` (core.project) and `name.weights.npz` (core.model_io, with
the trainer's state, so reopening continues where training stopped). Reopening restores the weights when the file
is there and fits the project's network and data. Open also takes a trained model on its own (a weights file from
`layerlab train --out`, or a JSON export): its embedded project opens untitled, with its weights (and, from a
checkpoint, its training state) restored.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerLabError
from core.fileio import FileWriteError
from core.model_files import load_model
from core.model_files.json_reader import JSON_FORMAT
from core.model_io import save_model
from core.project import default_project, load_project, save_project
from gui import app_settings

from .paths import rebase

if TYPE_CHECKING:
    from gui.main_window import MainWindow

PROJECT_FILTER = "LayerLab projects (*.json);;All files (*)"
OPEN_FILTER = ("Projects and trained models (*.json *.npz *.safetensors);;LayerLab projects (*.json);;"
               "Trained models (*.npz *.safetensors *.json);;All files (*)")
MODEL_SUFFIXES = (".npz", ".safetensors")


def is_model_file(path: Path) -> bool:
    """A trained model rather than a project: a weights file, or a JSON export (its "format" comes first)."""
    suffix = path.suffix.lower()
    if suffix in MODEL_SUFFIXES:
        return True
    if suffix != ".json":
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


class ProjectFiles:
    def __init__(self, window: "MainWindow"):
        self.window = window

    @property
    def document(self):
        return self.window.document

    def start_folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        recent = app_settings.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.cwd())

    # --- opening ------------------------------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.window.open_project(default_project(), None)
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Open project or trained model", self.start_folder(),
                                                  OPEN_FILTER)
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
            QMessageBox.critical(self.window, "Cannot open model" if model else "Cannot open project", str(exc))
            if not path.exists():
                app_settings.remove_recent(path)
                self.window.refresh_recent()
            return False
        if model:
            self.window.open_project(project, None, weights=path)
            self.window.statusBar().showMessage(f"Opened the model in {path.name}; Save As keeps it as a project",
                                                8000)
        else:
            self.window.open_project(project, path)
        app_settings.add_recent(path)
        self.window.refresh_recent()
        return True

    def open_example(self, path: Path) -> bool:
        """An example project, untitled (Save asks where: the shipped file stays as it is), with its note shown."""
        if not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except LayerLabError as exc:
            QMessageBox.critical(self.window, "Cannot open example", str(exc))
            return False
        self.window.open_project(project, None)
        if project.description:
            self.window.note.show_note(project.name, project.description)
        return True

    # --- saving -------------------------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        suggestion = self.document.path or Path(self.start_folder()) / f"{self.document.project.name.lower()}.json"
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", str(suggestion), PROJECT_FILTER)
        if not path:
            return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        """Write the project (data paths re-expressed from its new folder) and, if there is a network, its weights."""
        path = Path(path)
        self.window.stop_training()        # the weights are read here: no run may be writing them
        project = rebase(self.document.project, path.parent)
        session = self.window.session
        try:
            save_project(project, path)
            if session.network is not None and session.prepared is not None:
                save_model(weights_path(path), project, session.prepared, session.network, session.trainer,
                           checkpoint=session.trainer is not None)
        except (LayerLabError, FileWriteError, OSError) as exc:
            QMessageBox.critical(self.window, "Cannot save project", str(exc))
            return False
        self.document.mark_saved(path, project)
        app_settings.add_recent(path)
        self.window.refresh_recent()
        self.window.statusBar().showMessage(f"Saved {path.name} and {weights_path(path).name}", 5000)
        return True

    def maybe_save(self) -> bool:
        """Ask before unsaved changes are lost; False means the user cancelled."""
        if not self.document.is_modified():
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, "Unsaved changes",
            f"{self.document.title} has unsaved changes (project or trained weights). Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        if answer == buttons.Save:
            self.window.stop_training()
            return self.save()
        return answer == buttons.Discard
