"""LayerLab's main window: data, network and training settings on the left, the live dashboard in the middle.

The window wires four objects together and keeps the widgets in step with them: the `Document` (the project and
its undo history), the `Session` (prepared data, network, trainer), the `TrainingController` (runs on a worker
thread) and the `Dashboard`. Editing is locked while a run is in progress or paused, so an edit never races the
training thread.

Where to add things: a dashboard view or tab in `Dashboard._build_tabs` (gui/dashboard/dashboard.py); a dock in
`MainWindow._dock_specs`; a menu action in `MENU_BAR` (gui/menus.py) with its slot in `MainWindow._commands`. A
command that works on the project (like gui/project/exporting.py) takes a `ProjectContext`, not the window.
The run store (gui/runs): every run is recorded from the training thread (`self.recording`, handed to the
controller as its listener) and listed in the Runs tab (`self.runs_view`), which the window adds to the dashboard.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox
from shiboken6 import isValid

from core.events import Diverged, Failed
from core.project import Project, default_project, load_project
from core.training_data import has_validation
from gui.data.panel import DataPanel
from gui.diagnosis.advisor import Advisor
from gui.network.panel import NetworkPanel
from gui.project.context import ProjectContext
from gui.project.document import Document
from gui.project.exporting import Exporter
from gui.project.files import LOCKED_MESSAGE, ProjectFiles, weights_path
from gui.project.import_weights import WeightsImporter
from gui.project.output_follow import OutputFollower
from gui.project.session import Session
from gui.runs.commands import RunsCommands
from gui.runs.recording import RunRecording
from gui.runs.view import RunsView
from gui.runtime.exit_cleanup import delete_at_exit
from gui.runtime.gc_guard import GcGuard
from gui.runtime.layout_items import LayoutItemSweeper
from gui.search.controller import SearchController
from gui.training.controller import IDLE, PAUSED, TrainingController
from gui.training.held_out import HeldOutEvaluation
from gui.training.panel import TrainingPanel
from gui.training.run_controls import RunReadouts, RunStatus, RunToolBar, finish_message
from gui.widgets.banner import DivergedBanner, NoteBanner
from gui.widgets.fields import commit_typing
from gui.widgets.resize_storm import ResizeStorm

from . import app_settings, docks, window_layout
from .dashboard import Dashboard
from .dashboard_sync import DashboardSync
from .docks import DockSpec
from .menus import build_menus, fill_recent


class MainWindow(QMainWindow):
    def __init__(self, project: Project, path: Path | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self._compact = window_layout.fit_to_screen(self)      # a small screen: Network tabbed with Data
        self.document = Document(project, path, self)
        delete_at_exit(self)                # before PySide's own exit handler destroys it mid-finalization
        gc_guard = GcGuard.of()             # one per application: the controller and the data loader count on it
        self.session = Session(self, gc_guard)
        self.controller = TrainingController(self, gc_guard=gc_guard)
        self.recording = RunRecording(app_settings.run_store_preference, self)
        self.problems_list: list = []
        self._select_after: int | None = None
        context = ProjectContext(self, self.document, self.session, self.stop_training,
                                 self.statusBar().showMessage)
        self.search = SearchController(context, gc_guard, self, lambda: self.recording.store_path)
        self._build_widgets()
        self.files = ProjectFiles(context, self.open_project, self.note.show_note, self.dashboard.show_tab)
        self.exporter = Exporter(context, self.dashboard)
        self.importer = WeightsImporter(context, gc_guard)
        self.output_follow = OutputFollower(context, lambda index: setattr(self, "_select_after", index))
        self.held_out = HeldOutEvaluation(context, self.dashboard, self.flush_dashboard)
        self.runs = RunsCommands(context, self.files, self.open_project, self.controller, self.recording,
                                 self.runs_view, lambda: self.dashboard.show_tab("Runs"))
        self.advisor = Advisor(context, self.dashboard, self.controller, self._show_dock, self._select_layer)
        self.dashboard_sync = DashboardSync(self.dashboard, self.session, lambda: self.controller.busy, self)
        menus = build_menus(self, self._commands(), self._action_groups(), self.files.open_example)
        self.actions_, self.recent_menu, self._idle_only = menus.actions, menus.recent, menus.idle_only
        self.examples_menu = menus.examples
        self.focus_mode = window_layout.FocusMode(self.docks, self.actions_["focus_training"], self)
        self.dashboard.add_test_action(self.actions_["evaluate_test"])
        self.refresh_recent()
        self._connect()
        self._default_state = self.saveState()
        self._layout_restored = app_settings.restore_window(self, self._splitters())
        self.open_project(project, path)
        LayoutItemSweeper.of().sweep()      # the nested layouts just built (gui/runtime/layout_items.py)

    # --- construction -------------------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.run_bar = RunToolBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.run_bar)
        self.status = RunStatus(self.statusBar())
        self.readouts = RunReadouts(self.run_bar, self.status)

        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel()
        self.builder = self.network_panel.builder
        self.layer_editor = self.network_panel.editor
        self.training_panel = TrainingPanel()
        self.dashboard = Dashboard()
        storm = ResizeStorm.of(self)     # a drag shows a picture of the window: the views skip its frames,
        storm.refreshing.connect(self.dashboard.catch_up)      # and catch up for each new picture and at its end
        storm.ended.connect(self.dashboard.catch_up)
        self.runs_view = RunsView(lambda: self.recording.store_path)
        self.dashboard.add_tab("Runs", "Every recorded run: filter, compare, open, delete", self.runs_view, panels=[])
        self.dashboard.add_tab("Search", "The hyperparameter search: its trials and how the value depends on each "
                               "setting", self.search.view, [])
        self.statusBar().addPermanentWidget(self.search.status)
        self.banner = DivergedBanner()
        self.note = NoteBanner()
        self._docks = self._dock_specs()
        self.docks = docks.arrange(self, self._docks, [self.note, self.banner, self.dashboard])

    def _dock_specs(self) -> list[DockSpec]:
        """The docks, in the order View lists them."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        return [DockSpec("data", "dataDock", "Data", self.data_panel, left, width=390),
                DockSpec("training", "trainingDock", "Training", self.training_panel, tab_with="data"),
                DockSpec("search", "searchDock", "Search", self.search.panel, tab_with="data"),
                DockSpec("network", "networkDock", "Network", self.network_panel,
                         **(dict(tab_with="data") if self._compact else dict(beside="data", width=380)))]

    def show_search(self) -> None:
        """Train > Search: the Search panel and the Search tab."""
        dock = self.docks["search"]
        dock.show()
        dock.raise_()
        self.dashboard.tabs.setCurrentWidget(self.search.view)

    def _compare_trials(self, run_ids: list) -> None:
        """Trials selected in the Search tab: their runs selected in the Runs tab, two or more compared there."""
        view = self.runs_view
        if not run_ids:
            return
        if not set(run_ids) <= {run.id for run in view.model.runs}:
            view.reload()                       # trials recorded since the Runs tab last listed the store
        view.select_runs(run_ids)
        if len(run_ids) >= 2 and view.compare_selected():
            self.statusBar().showMessage(f"{len(run_ids)} trials compared in the Runs tab", 4000)

    def _commands(self) -> dict[str, Callable[[], object]]:
        """What each menu action (gui/menus.py, by key) does."""
        files, exporter = self.files, self.exporter
        return {"new": files.new, "open": files.open, "save": files.save, "save_as": files.save_as,
                "quit": self.close, "undo": self.document.undo, "redo": self.document.redo,
                "import_weights": self.importer.ask,
                "export_weights": exporter.weights, "export_checkpoint": lambda: exporter.weights(checkpoint=True),
                "export_history": exporter.history, "export_plots": exporter.plots, "export_model": exporter.model,
                "find_lr": self.advisor.find_learning_rate, "reset_layout": self.reset_layout,
                "focus_training": lambda: self.focus_mode.follow_action(),
                "evaluate_test": self.held_out.evaluate, "cross_validate": self.runs.cross_validate,
                "run_store": self.runs.choose_store, "show_runs": self.runs.show,
                "run_experiment": self.runs.run_experiment, "search": self.show_search}

    def _action_groups(self) -> dict[str, list]:
        """Actions made elsewhere that the menus list too."""
        return {"layer_tools": [self.builder.actions_[key] for key in
                                ("add", "insert", "duplicate", "remove", "up", "down")],
                "run_controls": [self.run_bar.action(key) for key in ("train", "pause", "step", "stop", "reset")],
                "docks": [dock.toggleViewAction() for dock in self.docks.values()]}

    def _connect(self) -> None:
        doc, session, ctl = self.document, self.session, self.controller
        doc.projectChanged.connect(self._project_changed)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.pathChanged.connect(lambda _p: self._update_title())
        doc.undo_stack.indexChanged.connect(self._history_changed)
        doc.undo_stack.cleanChanged.connect(self._history_changed)
        self.files.recentChanged.connect(self.refresh_recent)

        session.dataLoading.connect(self._data_loading)
        session.loader.progress.connect(self.data_panel.show_loading)
        session.dataLoaded.connect(self._data_loaded)
        session.dataLoaded.connect(self.output_follow.data_loaded)       # after the window's: its message stays
        session.dataFailed.connect(self.data_panel.show_error)
        session.networkRebuilt.connect(self._network_rebuilt)
        session.weightsReset.connect(self._weights_reset)
        session.reconfigured.connect(self._refresh_idle)
        session.weightsRestored.connect(self._weights_restored)

        self.data_panel.specChanged.connect(self._data_edited)
        self.data_panel.draw.edited.connect(lambda spec, text: doc.edit(doc.project.with_changes(data=spec), text))
        self.builder.layersEdited.connect(self._layers_edited)
        self.layer_editor.layerEdited.connect(self._layer_edited)
        self.network_panel.problems.fixRequested.connect(self.output_follow.apply_fix)
        self.network_panel.problems.fixAllRequested.connect(self.output_follow.fix_all)
        self.training_panel.trainingEdited.connect(
            lambda config, text: doc.edit(doc.project.with_changes(training=config), text))
        self.layer_editor.searchRequested.connect(self._search_over)
        self.search.runsSelected.connect(self._compare_trials)
        self.training_panel.searchRequested.connect(self._search_over)
        self.banner.resetRequested.connect(self.reset_weights)

        bar = self.run_bar
        bar.action("train").triggered.connect(self.train)
        bar.action("pause").triggered.connect(ctl.toggle_pause)
        bar.action("step").triggered.connect(self.step)
        bar.action("stop").triggered.connect(ctl.stop)
        bar.action("reset").triggered.connect(self.reset_weights)

        # A run's news, once per frame (gui/training/pipeline.py): into the dashboard's histories and the readouts,
        # then `_frame` shows it.
        ctl.stateChanged.connect(self._run_state_changed)
        ctl.started.connect(self.readouts.started)
        ctl.started.connect(self.held_out.run_started)
        ctl.batchesEnded.connect(self._batches_ended)
        ctl.epochsEnded.connect(self._epochs_ended)
        ctl.snapshotReady.connect(self.dashboard.add_snapshot)
        ctl.viewsReady.connect(self.dashboard.add_views)
        ctl.finished.connect(self._run_finished)
        ctl.frame.connect(self._frame)
        self.dashboard.layerClicked.connect(self._select_layer)

    # --- projects -----------------------------------------------------------------------------------------------
    def open_project(self, project: Project, path: Path | None, weights: Path | None = None) -> bool:
        """Show `project` (saved at `path`, or untitled); restore `weights` (default: the project's own weights file
        next to it) once its data is loaded, if they fit. Refused (False, with a status-bar message) while a run is
        in progress."""
        if self.document.locked:
            self.statusBar().showMessage(LOCKED_MESSAGE, 6000)
            return False
        self.banner.hide()
        self.note.hide()
        if weights is None and path is not None:
            weights = weights_path(path)
        self.session.restore_weights_after_load(weights)
        self.document.replace(project, path)
        return True

    def refresh_recent(self) -> None:
        fill_recent(self.recent_menu, app_settings.recent_files(), self.files.open)

    def _project_changed(self, old: Project | None, new: Project) -> None:
        if old is None or old.data != new.data:
            self.data_panel.set_spec(new.data, new.base_dir)
        self.session.apply(old, new)
        self.training_panel.show_config(new.training, self._task(), self._has_validation())
        self._refresh_network()
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — LayerLab")
        self.setWindowModified(self.document.is_modified())

    def _task(self) -> str | None:
        return None if self.session.prepared is None else self.session.prepared.task

    def _has_validation(self) -> bool | None:
        prepared = self.session.prepared
        return None if prepared is None else has_validation(prepared)

    # --- edits --------------------------------------------------------------------------------------------------
    def _data_edited(self, spec: dict) -> None:
        project = self.document.project
        if self.document.edit(project.with_changes(data=spec), "Change data"):
            self.output_follow.data_edited()                    # the output layer and loss follow its task
        elif self.document.locked:
            self.data_panel.set_spec(project.data, project.base_dir)     # refused during a run: show what applies

    def _layers_edited(self, layers: list, text: str, select: int) -> None:
        self._select_after = select
        if not self.document.edit(self.document.project.with_changes(layers=tuple(layers)), text):
            self._refresh_network()

    def _layer_edited(self, index: int, config: dict, text: str) -> None:
        layers = list(self.document.project.layers)
        layers[index] = config
        self._layers_edited(layers, text, index)

    # --- session events -----------------------------------------------------------------------------------------
    def _data_loading(self) -> None:
        self.data_panel.show_loading(None)
        self.statusBar().showMessage("Loading data…")
        self._refresh_network()

    def _data_loaded(self, prepared) -> None:
        self.data_panel.show_prepared(prepared)
        self.statusBar().showMessage(f"Data ready: {len(prepared.train):,} training rows", 3000)
        self.training_panel.show_config(self.document.project.training, prepared.task, self._has_validation())
        self.search.data_ready(prepared.task, self._has_validation())

    def _network_rebuilt(self) -> None:
        self.banner.hide()
        self.dashboard_sync.schedule_reset()
        self._refresh_network()

    def flush_dashboard(self) -> None:
        """Apply a pending dashboard reset now (before a run's events or restored history reach it)."""
        self.dashboard_sync.flush()

    def _weights_reset(self, message: str) -> None:
        """Re-initialised or imported weights (the same network): the views start over, as for a new network."""
        self._network_rebuilt()
        self.document.mark_weights_modified()
        self.statusBar().showMessage(message, 6000)

    def _weights_restored(self, message: str) -> None:
        self.dashboard_sync.show_restored()
        self._refresh_idle()
        self.statusBar().showMessage(message.capitalize(), 6000)

    def _search_over(self, path: str, choices: list | None) -> None:
        """A field's "Search over this…": the Search panel, and the dialog for that setting's values."""
        self.show_search()
        self.search.ask_param(path, choices)

    def _select_layer(self, index: int) -> None:
        """A node of the network graph (or a finding's *Show me*) asks for a layer: selected in the builder."""
        self._show_dock("network")
        self.builder.select(index)

    def _show_dock(self, key: str) -> None:
        self.docks[key].show()
        self.docks[key].raise_()

    def _refresh_network(self) -> None:
        """Layer list, output shapes, parameter counts and problems, from the project and the built network."""
        s = self.session
        select, self._select_after = self._select_after, None
        self.problems_list = self.network_panel.show_network(self.document.project, s.network, s.prepared,
                                                             s.data_error, s.build_error, select)
        self._refresh_idle()

    def _refresh_idle(self) -> None:
        trainer = self.session.trainer
        if not self.controller.busy:
            epoch = trainer.epoch if trainer is not None else 0
            configured = self.document.project.training.epochs
            target = configured if epoch < configured else epoch
            self.readouts.idle(epoch, trainer.step if trainer is not None else 0, target)
        self._update_actions()

    # --- training -----------------------------------------------------------------------------------------------
    def can_train(self) -> tuple[bool, str]:
        return self.session.can_train(self.problems_list)

    def train(self) -> None:
        if self.controller.busy:
            return
        commit_typing()
        ok, _ = self.can_train()
        trainer = self.session.trainer
        if not ok:
            return
        epochs = None if trainer.epoch < trainer.config.epochs else trainer.config.epochs
        self.banner.hide()
        self.flush_dashboard()
        self.controller.start(trainer, epochs, self.session.collector, self.runs.listener(),
                              self.advisor.run_copier())

    def step(self) -> None:
        if self.controller.state == PAUSED:
            self.controller.step()
            return
        if self.controller.busy:
            return
        commit_typing()
        if self.can_train()[0]:
            self.banner.hide()
            self.flush_dashboard()
            self.controller.step(self.session.trainer, self.session.collector, self.runs.listener())

    def reset_weights(self) -> None:
        if self.controller.busy:
            self.statusBar().showMessage("Training is in progress: stop it (Ctrl+.) before resetting the weights",
                                         6000)
            return
        self.session.reset_weights()

    def stop_training(self, msecs: int = 5000) -> None:
        """Stop any run and wait for its thread to end (before closing or saving)."""
        if self.controller.busy or self.controller.threads_alive:
            self.controller.wait(msecs)

    def _run_state_changed(self, state: str) -> None:
        busy = state != IDLE
        self.document.locked = busy
        self.data_panel.set_editable(not busy)
        self.network_panel.set_editable(not busy)
        self.training_panel.setEnabled(not busy)
        self.run_bar.show_state(state)
        self.dashboard.set_paced(busy)
        if busy:
            self.document.mark_weights_modified()
        self._update_actions()

    def _frame(self) -> None:
        """Once per frame of a live run, in the same wake as the delivery of its news: show it."""
        self.readouts.frame(self.controller.state == PAUSED)
        self.dashboard.frame()
        self.dashboard.paint_now()

    def _batches_ended(self, events: list) -> None:
        for event in events:
            self.dashboard.add_batch(event)
        self.readouts.batches(events)

    def _epochs_ended(self, events: list) -> None:
        self.dashboard.add_epochs(events)
        self.readouts.epochs(events, self.controller.target_epochs)

    def _run_finished(self, event) -> None:
        if isinstance(event, Failed):
            if event.traceback:
                print(event.traceback, flush=True)
            QMessageBox.critical(self, "Training failed", event.message)
        elif isinstance(event, Diverged):
            self.banner.show_message(event.message)
            self.statusBar().showMessage(event.message, 15000)
        else:
            test = self.held_out.run_finished(event)
            self.statusBar().showMessage(finish_message(event) + (f" · {test}" if test else ""), 15000)
        self._refresh_idle()

    def _history_changed(self, *_args) -> None:
        if isValid(self.document.undo_stack):   # the stack emits while it is destroyed with the window
            self._update_actions()

    def _update_actions(self) -> None:
        busy = self.controller.busy
        self.run_bar.enable_for(self.controller.state, *self.can_train(), self.session.trainer is not None)
        stack = self.document.undo_stack
        a = self.actions_
        a["undo"].setEnabled(not busy and stack.canUndo())
        a["undo"].setText(f"&Undo {stack.undoText()}".strip())
        a["redo"].setEnabled(not busy and stack.canRedo())
        a["redo"].setText(f"&Redo {stack.redoText()}".strip())
        for action in self._idle_only:
            action.setEnabled(not busy)
        a["evaluate_test"].setEnabled(not busy and self.held_out.available())
        self.recent_menu.setEnabled(not busy and not self.recent_menu.isEmpty())
        self.examples_menu.setEnabled(not busy and not self.examples_menu.isEmpty())

    # --- window -------------------------------------------------------------------------------------------------
    def reset_layout(self) -> None:
        self.focus_mode.set_active(False)
        self.restoreState(self._default_state)
        self._default_widths()

    def _splitters(self) -> dict:
        return {"networkSplitter": self.network_panel}

    def _default_widths(self) -> None:
        docks.default_widths(self, self._docks, self.docks)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._layout_restored:      # first start: dock widths need a shown window to stick
            self._layout_restored = True
            QTimer.singleShot(0, self._default_widths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if not self.files.maybe_save():
            event.ignore()
            return
        self.release_workers()
        app_settings.save_window(self, self._splitters())
        event.accept()
        LayoutItemSweeper.of().sweep()      # before Qt deletes this window's layout items

    def release_workers(self) -> None:
        """Stop the run and the data loading and wait for their threads (closing, or deleting the window at exit)."""
        self.stop_training()
        self.search.shutdown()
        self.runs.close()
        self.advisor.close()
        self.importer.close()
        self.session.loader.cancel()
        self.session.loader.wait(5000)


def create_window(project: Project | str | Path | None = None) -> MainWindow:
    """The main window, built but not shown (a QApplication must exist): the default project, a file, or a Project."""
    if QApplication.instance() is None:
        raise RuntimeError("create_window needs a QApplication; create one first (or use gui.app.run)")
    path = None
    if project is None:
        project = default_project()
    elif isinstance(project, (str, Path)):
        path = Path(project)
        project = load_project(path)
    return MainWindow(project, path)
