"""The window's run-store commands: show the Runs tab, choose the store file, open a recorded run, cross-validate
the open project, and keep the Runs view told which run trains now. They take what they use (the project context,
the files, the training controller, the recording and the view), not the window."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from core.errors import LayerLabError
from core.project import parse_project
from gui import app_settings
from gui.project.context import ProjectContext
from gui.project.files import ProjectFiles
from gui.widgets.fields import commit_typing

from .cross_validation import CrossValidationDialog
from .experiment import ExperimentRun
from .recording import RunRecording
from .view import RunsView

STORE_FILTER = "Run stores (*.sqlite *.db);;All files (*)"


class RunsCommands(QObject):
    def __init__(self, context: ProjectContext, files: ProjectFiles, open_project: Callable, controller,
                 recording: RunRecording, view: RunsView, show_tab: Callable[[], None]):
        """`open_project(project, path, weights)` shows a project (the window's)."""
        super().__init__(context.parent)
        self.context, self.files, self.controller = context, files, controller
        self._open_project = open_project
        self.recording, self.view, self._show_tab = recording, view, show_tab
        self.cross_validation: CrossValidationDialog | None = None
        self.experiment: ExperimentRun | None = None
        controller.started.connect(lambda _event: view.set_live(recording.run_id))
        controller.finished.connect(lambda _event: view.set_live(None))
        recording.warning.connect(self._recording_failed)
        view.openRequested.connect(self.open_run)
        view.storeChangeRequested.connect(self.choose_store)
        view.storeDefaultRequested.connect(lambda: self.set_store(None))

    def listener(self):
        """What the training thread hands every event of the run about to start (the run recorder)."""
        session = self.context.session
        return self.recording.listener_for(session.trainer, self.context.document.project, session.prepared)

    def show(self) -> None:
        self._show_tab()

    def _recording_failed(self, message: str) -> None:
        self.context.show_message(f"Run not recorded: {message}", 15000)
        self.view.reload()
        self.view.show_warning(f"The last run was not recorded: {message}")

    # --- the store file ---------------------------------------------------------------------------------------------
    def choose_store(self) -> None:
        """Pick the run store file: an existing store, or a new file name."""
        if self.controller.busy:
            return
        path, _ = QFileDialog.getSaveFileName(self.context.parent, "Run store", str(self.recording.store_path),
                                              STORE_FILTER, options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.set_store(path)

    def set_store(self, path: str | Path | None) -> None:
        """Record runs in `path` from now on (None: the default store) and list it."""
        if self.controller.busy:
            return
        app_settings.set_run_store_preference(path)
        self.recording.close()
        self.view.reload()
        self.context.show_message(f"Runs are recorded in {self.recording.store_path}", 8000)

    # --- opening a run ----------------------------------------------------------------------------------------------
    def open_run(self, run) -> bool:
        """Load a recorded run: its weights file (with its project and training state) when it still exists, else
        its project alone (untitled; data paths relative to the open project's folder)."""
        if self.controller.busy:
            self.context.show_message("Stop training before opening a run", 5000)
            return False
        weights = Path(run.weights_path) if run.weights_path else None
        if weights is not None and weights.exists():
            if not self.files.open(weights):
                return False
            self.context.show_message(f"Opened run {run.id} ({run.name}) with its weights", 8000)
            return True
        if not self.files.maybe_save():
            return False
        try:
            project = parse_project(run.project, self.context.document.project.base_dir)
        except LayerLabError as exc:
            QMessageBox.critical(self.context.parent, "Cannot open run", str(exc))
            return False
        self._open_project(project, None, None)
        self.context.show_message(f"Opened the project of run {run.id} ({run.name}); its weights were not kept",
                                  8000)
        return True

    # --- cross-validation -------------------------------------------------------------------------------------------
    def cross_validate(self) -> CrossValidationDialog | None:
        """Train > Cross-validate: the dialog (one at a time) on the open project; its Start trains the folds."""
        if self.controller.busy:
            return None
        commit_typing()
        dialog = self.cross_validation
        if dialog is not None and dialog.running:
            dialog.raise_()
            return dialog
        if dialog is not None:
            dialog.deleteLater()
        dialog = self.cross_validation = CrossValidationDialog(self.context.document.project,
                                                               str(self.recording.store_path), self.context.parent)
        dialog.finished_run.connect(lambda result: self.view.show_group(result.group_id))
        dialog.warning.connect(lambda message: self.context.show_message(f"Not recorded: {message}", 15000))
        dialog.show()
        return dialog

    # --- an example's experiment ---------------------------------------------------------------------------------
    def run_experiment(self) -> ExperimentRun | None:
        """Train > Run experiment: train every variant of the open project's experiment over its seeds off the GUI
        thread, each recorded as a run; then the Runs tab lists and overlays them (`experiment_done`)."""
        project = self.context.document.project
        if self.controller.busy or (self.experiment is not None and self.experiment.running):
            self.context.show_message("Wait for the training in progress to end before running an experiment", 5000)
            return None
        if project.experiment is None:
            self.context.show_message("This project has no experiment: open one of File > Examples (a lesson) "
                                      "to train its variants side by side", 8000)
            return None
        commit_typing()
        run = self.experiment = ExperimentRun(project, str(self.recording.store_path), self.context.parent)
        count = len(project.experiment.variants) * len(project.experiment.seeds)
        run.progress.connect(lambda done, total, last: self.context.show_message(
            f"Experiment: {done}/{total} runs trained (last: {last})", 0))
        run.finished_run.connect(self.experiment_done)
        run.failed.connect(lambda message: QMessageBox.critical(self.context.parent, "Cannot run the experiment",
                                                                message))
        self.context.show_message(f"Experiment: training {count} runs ({len(project.experiment.variants)} "
                                  f"variants x {len(project.experiment.seeds)} seeds)…", 0)
        run.start()
        return run

    def experiment_done(self, result) -> list:
        """List every run of the experiment, overlay them in the comparison and show the Runs tab."""
        self.view.reload()
        self.view.show_group(None)
        ids = list(result.run_ids.values())
        self.view.select_runs(ids)
        compared = self.view.compare_selected()
        self._show_tab()
        watch = ", ".join(result.spec.watch)
        self.context.show_message(f"Experiment done: {len(ids)} runs overlaid in the Runs tab"
                                  + (f"; train a variant to watch {watch}" if watch else ""), 15000)
        return compared

    def close(self) -> None:
        """The window closes: stop a cross-validation or an experiment, close the stores."""
        if self.experiment is not None:
            self.experiment.wait()
        if self.cross_validation is not None:
            self.cross_validation.wait()
        self.recording.close()
        self.view.close_store()
