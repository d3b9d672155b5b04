"""The open project as one immutable value, with undo/redo and an unsaved-changes flag.

Every edit (a layer, a property, the data section, a training setting) replaces the whole `core.project.Project`
through one undo command that holds the project before and after. Undo therefore works the same for every kind of
edit, and whoever listens to `projectChanged(old, new)` decides from the difference what to rebuild.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from core.project import Project


class ProjectEdit(QUndoCommand):
    def __init__(self, document: "Document", before: Project, after: Project, text: str):
        super().__init__(text)
        self.document = document
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.document._set(self.after)

    def undo(self) -> None:
        self.document._set(self.before)


class UndoStack(QUndoStack):
    """The document's undo stack: `setClean()` also declares the trained weights saved.

    A script that saved everything itself (docs/automation.md) marks the document clean with
    `undo_stack.setClean()`; the weights a run changed are part of what a save writes, so they are clean too.
    Without this the window would still ask about unsaved changes when it closes, in a dialog a script never sees.
    """

    declaredClean = Signal()     # setClean() was called (the stack's own cleanChanged fires only on a change)

    def setClean(self) -> None:  # noqa: N802 (Qt's name)
        super().setClean()
        self.declaredClean.emit()


class Document(QObject):
    projectChanged = Signal(object, object)   # (old Project | None, new Project)
    pathChanged = Signal(object)              # Path | None
    modifiedChanged = Signal(bool)

    def __init__(self, project: Project, path: Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.path = path
        self.undo_stack = UndoStack(self)
        self.locked = False          # true while a run uses the network: edits are refused, never raced
        self._weights_modified = False
        self._weights_imported = False     # the weights came from a file (File > Import weights), not from a seed
        self.undo_stack.cleanChanged.connect(lambda _clean: self.modifiedChanged.emit(self.is_modified()))
        self.undo_stack.declaredClean.connect(self._weights_saved)

    # --- edits --------------------------------------------------------------------------------------------------
    def edit(self, project: Project, text: str) -> bool:
        """Apply `project` as one undoable step; False when nothing changed or the document is locked."""
        if self.locked or project == self.project:
            return False
        self.undo_stack.push(ProjectEdit(self, self.project, project, text))
        return True

    def amend(self, project: Project, text: str, index: int) -> bool:
        """Fold `project` into the edit that brought the undo stack to `index` (a change of data whose data just
        loaded, say), when that edit is still the last one: one undo then takes both back. Otherwise, or after a
        save in between, it is an edit of its own. False when nothing changed or the document is locked."""
        stack = self.undo_stack
        if self.locked or project == self.project:
            return False
        command = stack.command(index - 1) if 0 < index == stack.index() == stack.count() else None
        if not isinstance(command, ProjectEdit) or command.after != self.project or stack.cleanIndex() == index:
            return self.edit(project, text)
        command.after = project
        command.setText(f"{command.text()}; {text}")
        self._set(project)
        stack.indexChanged.emit(stack.index())         # the Undo action's text names the amended edit
        return True

    def undo(self) -> None:
        if not self.locked:
            self.undo_stack.undo()

    def redo(self) -> None:
        if not self.locked:
            self.undo_stack.redo()

    def replace(self, project: Project, path: Path | None) -> None:
        """A different project (New, Open): a fresh undo history, nothing unsaved."""
        self.undo_stack.clear()
        self.path = Path(path) if path is not None else None
        self._weights_modified = self._weights_imported = False
        self.project = project
        self.undo_stack.setClean()
        self.pathChanged.emit(self.path)
        self.projectChanged.emit(None, project)
        self.modifiedChanged.emit(False)

    def _set(self, project: Project) -> None:
        old, self.project = self.project, project
        self.projectChanged.emit(old, project)

    # --- saving -------------------------------------------------------------------------------------------------
    def mark_saved(self, path: Path, project: Project) -> None:
        """After a save: the file holds `project` (its base_dir may have changed with Save As)."""
        self.path = Path(path)
        if project != self.project:
            old, self.project = self.project, project
            self.projectChanged.emit(old, project)
        self._weights_modified = self._weights_imported = False
        self.undo_stack.setClean()
        self.pathChanged.emit(self.path)
        self.modifiedChanged.emit(False)

    def _weights_saved(self) -> None:
        self._weights_imported = False
        if self._weights_modified:
            self._weights_modified = False
            self.modifiedChanged.emit(self.is_modified())

    def mark_weights_modified(self, imported: bool = False) -> None:
        """Training, a reset or an import changed the weights, which a save also writes. `imported`: they came from
        a file, which no seed reproduces, so closing asks about them even in a project never saved."""
        self._weights_imported = self._weights_imported or imported
        if not self._weights_modified:
            self._weights_modified = True
            self.modifiedChanged.emit(True)

    def is_modified(self) -> bool:
        return self._weights_modified or not self.undo_stack.isClean()

    def has_work_at_stake(self) -> bool:
        """Whether closing would lose something the user would miss: edits to the project, or trained weights of a
        project they saved, or weights imported from a file. An example or the new project trained but never edited is
        not: the same seed and settings train the very same weights again."""
        return not self.undo_stack.isClean() or \
            (self._weights_modified and (self.path is not None or self._weights_imported))

    @property
    def title(self) -> str:
        return self.path.name if self.path is not None else f"{self.project.name} (not saved)"
