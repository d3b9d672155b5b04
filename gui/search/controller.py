"""The app's hyperparameter search: the Search panel, the Search tab, the threads that run a search and a
revalidation, and the edits they make to the project.

It works through a `ProjectContext` (the document, a parent for dialogs, the status bar), as the app's other
commands do: a change to the search is one undoable edit of the project's `search` section, *Use best* one undoable
edit of the settings it searched. A search runs on a snapshot of the project taken at Start; editing the project
meanwhile is fine (the next search sees the edits), and *Use best* applies the best values to the project as it is
then. Long work (checks that load data, the cluster, the trials, importance, revalidation) never runs on the GUI
thread (gui/search/runner.py).
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from core.errors import LayerLabError
from gui.project.context import ProjectContext
from gui.runtime.gc_guard import GcGuard
from gui.widgets.fields import commit_typing

from .panel import SearchPanel
from .param_dialog import SearchParamDialog, choice_text
from .plots import short_path
from .revalidation import Revalidation
from .runner import SearchRunner
from .view import SearchView

STATUS_TICK_MS = 1000       # the status bar's time left counts down between trials


class SearchStatus(QWidget):
    """The status bar's part while a search runs: 'search 3/6 · 2 running · best … · 0:12 left' and a bar."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("statusSearchLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("statusSearchProgress")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def show_progress(self, text: str, fraction: float) -> None:
        self.label.setText(text)
        self.bar.setValue(round(1000 * fraction))
        self.show()


class SearchController(QObject):
    runsSelected = Signal(object)       # run ids of the trials selected in the table: the Runs view compares them

    def __init__(self, context: ProjectContext, gc_guard: GcGuard | None = None, parent: QObject | None = None,
                 store_path: Callable[[], Any] | None = None):
        """`store_path()`: the run store the app records in (its trials and revalidations go there too, so the Runs
        tab lists them); None: the default store."""
        super().__init__(parent)
        self.context = context
        self.store_path = store_path or (lambda: None)
        self.document = context.document
        self.panel = SearchPanel()
        self.view = SearchView()
        self.status = SearchStatus()
        self.runner = SearchRunner(self, gc_guard)
        self.revalidation = Revalidation(self, gc_guard)
        self.progress: Any = None           # core.search.progress.SearchProgress of the running (or last) search
        self.result: Any = None             # the last search's SearchResult
        self.best: Any = None               # the best TrialResult so far
        self.searched: Any = None           # the project the last search started from
        self.dialog: SearchParamDialog | None = None
        self.task: str | None = None
        self.has_validation: bool | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(STATUS_TICK_MS)
        self._tick.timeout.connect(self._show_progress)
        self._connect()

    def _connect(self) -> None:
        panel, runner = self.panel, self.runner
        panel.specEdited.connect(self._spec_edited)
        panel.addRequested.connect(lambda: self.ask_param(None))
        panel.editRequested.connect(self.edit_param)
        panel.startRequested.connect(self.start)
        panel.cancelRequested.connect(self.cancel)
        panel.useBestRequested.connect(self.use_best)
        panel.revalidateRequested.connect(self.revalidate)
        runner.planned.connect(self._planned)
        runner.started.connect(self._started)
        runner.eventsArrived.connect(self._events)
        runner.importanceReady.connect(self.view.show_importance)
        runner.finished.connect(self._finished)
        runner.failed.connect(self._failed)
        runner.busyChanged.connect(self._busy_changed)
        self.revalidation.finished.connect(self._revalidated)
        self.revalidation.failed.connect(lambda message: self.panel.show_revalidation(message, "error"))
        self.revalidation.busyChanged.connect(self.panel.set_revalidating)
        self.view.runsSelected.connect(self.runsSelected)
        self.document.projectChanged.connect(lambda _old, new: self.panel.show_spec(new.search, self.task,
                                                                                    self.has_validation))

    @property
    def busy(self) -> bool:
        return self.runner.busy

    # --- the project --------------------------------------------------------------------------------------------
    def data_ready(self, task: str | None, has_validation: bool | None) -> None:
        """The data's task is known: the metric list follows it."""
        self.task, self.has_validation = task, has_validation
        self.panel.show_spec(self.document.project.search, task, has_validation)

    def _spec_edited(self, spec: Any, text: str) -> None:
        project = self.document.project
        if spec == project.search:
            return
        if not self.document.edit(project.with_changes(search=spec), text) and self.document.locked:
            self.panel.show_spec(project.search)
            self.panel.show_message("The project cannot change while a training run is in progress or paused: "
                                    "stop it first.", "error")

    # --- parameters ---------------------------------------------------------------------------------------------
    def ask_param(self, path: str | None, choices: list | None = None) -> SearchParamDialog:
        """Open the dialog for a setting (a field's "Search over this…", or Add with `path` None)."""
        project = self.document.project
        item = None
        if path is not None and project.search is not None and path in project.search.paths:
            item = project.search.param(path).to_dict()
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = SearchParamDialog(project, path, choices, item, self.context.parent)
        self.dialog.chosen.connect(self.panel.put_param)
        self.dialog.finished.connect(self._dialog_closed)
        self.dialog.open()
        return self.dialog

    def edit_param(self, path: str) -> SearchParamDialog:
        spec = self.document.project.search
        item = spec.param(path) if spec is not None and path in spec.paths else None
        choices = list(item.choices) if item is not None and item.kind == "choice" else None
        return self.ask_param(path, choices)

    def _dialog_closed(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # --- running ------------------------------------------------------------------------------------------------
    def start(self) -> bool:
        commit_typing()
        project = self.document.project
        if self.runner.busy:
            return False
        if project.search is None:
            self.panel.show_message("Add a setting to search over first: right-click a field of the Network or "
                                    "Training panel and choose “Search over this…”.", "error")
            return False
        from core.search.progress import SearchProgress

        self.searched, self.result, self.best = project, None, None
        self.progress = SearchProgress()
        self.panel.set_best("", False)
        self.panel.show_revalidation("")
        self.panel.progress.setValue(0)
        self.panel.show_message("Checking the search and loading the data…")
        return self.runner.start(project, project.search, self.store_path())

    def cancel(self) -> None:
        if self.runner.busy:
            self.panel.show_message("Cancelling: running trials stop, finished ones are kept…")
            self.runner.cancel()
        self.revalidation.cancel()

    def shutdown(self) -> None:
        """The window closes: stop everything and close the cluster."""
        self.revalidation.wait()
        self.runner.shutdown()

    def _planned(self, plan: Any) -> None:
        spec = self.runner.spec
        self.progress.metric = plan.metric
        self.view.start(spec, plan.metric, plan.direction)
        self.view.set_title(f"{spec.method.capitalize()} search over {len(spec.params)} setting(s): "
                            f"{plan.total} trials, {plan.metric} {_verb(plan.direction)}")
        where = "the local cluster" if spec.scheduler is None else spec.scheduler
        self.panel.show_message(f"Starting {where}…")

    def _started(self, event: Any) -> None:
        self.progress.update(event)
        where = "this computer" if event.local else event.scheduler
        self.panel.show_message(f"Search {event.group_id}: running on {where}, {event.workers} trial(s) at once.")
        self.view.set_title(f"{self.view.title.text()} · search {event.group_id} on {where}, {event.workers} at "
                            "once")
        self._tick.start()
        self._show_progress()

    def _events(self, events: list) -> None:
        from core.search import TrialFinished

        for event in events:
            self.progress.update(event)
            if isinstance(event, TrialFinished):
                self._set_best(event.best)
        self.view.add_events(events)
        self._show_progress()

    def _show_progress(self) -> None:
        if self.progress is None or not self.runner.busy:
            return
        fraction = self.progress.fraction
        self.status.show_progress(f"search {self.progress.line()}", fraction)
        self.panel.progress.setValue(round(1000 * fraction))

    def _set_best(self, best: Any) -> None:
        self.best = best
        if best is None:
            self.panel.set_best("", False)
            return
        values = ", ".join(f"{short_path(p)} {_short(v)}" for p, v in best.params.items())
        metric = self.progress.metric if self.progress is not None else "value"
        self.panel.set_best(f"Best: trial {best.number}, {metric} {best.value:.4g} ({values})", True)

    def _finished(self, result: Any) -> None:
        from core.search import SearchFinished

        self.result = result
        self.progress.update(SearchFinished(result))
        self.view.finish(result)
        self._set_best(result.best)
        counts = ", ".join(f"{result.count(s)} {s}" for s in ("complete", "pruned", "failed") if result.count(s))
        how = "Finished" if result.status == "finished" else "Stopped"
        text = f"{how}: {len(result.trials)} trials ({counts or 'none'})."
        if result.best is None:
            text += " No trial completed."
        self.panel.show_message(text, "hint")
        self.panel.progress.setValue(round(1000 * self.progress.fraction))
        self.context.show_message(f"Search {result.group_id}: {text}", 8000)

    def _failed(self, message: str) -> None:
        self.view.stop_ticking()
        self.panel.show_message(message, "error")

    def _busy_changed(self, busy: bool) -> None:
        self.panel.set_running(busy)
        if not busy:
            self._tick.stop()
            self.status.hide()

    # --- the best trial -----------------------------------------------------------------------------------------
    def use_best(self) -> bool:
        """Apply the best trial's settings to the project: one undoable edit."""
        if self.best is None:
            return False
        from core.search import with_params

        project = self.document.project
        try:
            changed = with_params(project, self.best.params)
        except LayerLabError as exc:
            self.panel.show_message(f"The best settings do not fit the project as it is now: {exc}", "error")
            return False
        if changed == project:
            self.panel.show_message(f"The project already has trial {self.best.number}'s settings.")
            return False
        if not self.document.edit(changed, f"Use search trial {self.best.number}'s settings"):
            self.panel.show_message("The project cannot change while a training run is in progress or paused: "
                                    "stop it first.", "error")
            return False
        self.panel.show_message(f"The project now has trial {self.best.number}'s settings (Undo takes them back).")
        return True

    def revalidate(self) -> bool:
        """Retrain the best settings on training + validation rows and measure the test rows, off the GUI thread."""
        if self.best is None:
            return False
        project = self.searched or self.document.project
        started = self.revalidation.start(project, self.best, self.store_path())
        if started:
            self.panel.show_revalidation(f"Revalidating trial {self.best.number}: training on the training and "
                                         "validation rows…", "hint")
        return started

    def _revalidated(self, result: Any) -> None:
        where = f" · run {result.run}" if result.run is not None else ""
        if result.status not in ("finished", "early_stopped"):
            self.panel.show_revalidation(f"Revalidation {result.status}{': ' + result.detail if result.detail else ''}"
                                         f"{where}", "error" if result.status in ("diverged", "failed") else "hint")
            return
        if not result.test:
            self.panel.show_revalidation(f"Retrained on {result.train_rows:,} rows in {result.epochs} epochs{where}; "
                                         "the data has no test rows (data.split.test), so there is nothing to measure "
                                         "it on.", "hint")
            return
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in result.test.items())
        self.panel.show_revalidation(f"Revalidated on {result.train_rows:,} rows ({result.epochs} epochs); on the "
                                     f"{result.test_rows:,} test rows: {metrics}{where}", "")


def _verb(direction: str) -> str:
    return "maximised" if direction == "maximize" else "minimised"


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else choice_text(value)
