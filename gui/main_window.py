"""LayerLab's main window: data, network and training settings on the left, the live dashboard in the middle.

The window wires four objects together and keeps the widgets in step with them: the `Document` (the project and
its undo history), the `Session` (prepared data, network, trainer), the `TrainingController` (runs on a worker
thread) and the `Dashboard`. Editing is locked while a run is in progress or paused, so an edit never races the
training thread.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QMessageBox
from shiboken6 import isValid

from core.checks import apply_fix
from core.events import Diverged, EpochEnd, Failed
from core.project import Project, default_project, load_project
from core.training_data import has_validation
from gui.dashboard.run_info import RunInfo
from gui.data.panel import DataPanel
from gui.network.panel import NetworkPanel
from gui.project.document import Document
from gui.project.exporting import Exporter
from gui.project.files import ProjectFiles, weights_path
from gui.project.session import Session
from gui.training.controller import PAUSED, RUNNING, TrainingController
from gui.training.dashboard_feed import DashboardFeed
from gui.training.panel import TrainingPanel
from gui.training.run_controls import UPDATE_INTERVAL, RunStatus, RunToolBar
from gui.widgets.banner import DivergedBanner, NoteBanner

from . import app_settings, docks
from .dashboard import Dashboard
from .menus import build_menus


class MainWindow(QMainWindow):
    def __init__(self, project: Project, path: Path | None = None):
        super().__init__()
        self.setObjectName("mainWindow")
        self.resize(1600, 1000)
        self.document = Document(project, path, self)
        self.session = Session(self)
        self.controller = TrainingController(self)
        self.files = ProjectFiles(self)
        self.exporter = Exporter(self)
        self.problems_list: list = []
        self._epochs_to_show: tuple[int, int] | None = None     # (done, target) not shown yet
        self._epochs_shown_at = 0.0
        self._select_after: int | None = None
        # Rebuilding the dashboard's per-layer plots takes a moment: coalesce a burst of edits into one reset.
        self._dashboard_timer = QTimer(self)
        self._dashboard_timer.setSingleShot(True)
        self._dashboard_timer.setInterval(150)
        self._dashboard_timer.timeout.connect(self._reset_dashboard)
        # The decision boundary is computed over the region its plot shows; follow resizes, zooms and pans.
        self._boundary_region: tuple[float, float, float, float] | None = None
        self._region_timer = QTimer(self)
        self._region_timer.setSingleShot(True)
        self._region_timer.setInterval(120)
        self._region_timer.timeout.connect(self._apply_boundary_region)
        self._build_widgets()
        self.actions_ = build_menus(self)
        self.refresh_recent()
        self._connect()
        self._default_state = self.saveState()
        self._layout_restored = app_settings.restore_window(self, self._splitters())
        self.open_project(project, path)

    # --- construction -------------------------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.run_bar = RunToolBar(self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.run_bar)
        self.status = RunStatus(self.statusBar())

        self.data_panel = DataPanel()
        self.network_panel = NetworkPanel()
        self.builder = self.network_panel.builder
        self.layer_editor = self.network_panel.editor
        self.training_panel = TrainingPanel()
        self.dashboard = Dashboard()
        self.feed = DashboardFeed(self.dashboard)
        self.banner = DivergedBanner()
        self.note = NoteBanner()

        self.docks = docks.arrange(self, self.data_panel, self.network_panel, self.training_panel,
                                   [self.note, self.banner, self.dashboard])

    def _connect(self) -> None:
        doc, session, ctl = self.document, self.session, self.controller
        doc.projectChanged.connect(self._project_changed)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.pathChanged.connect(lambda _p: self._update_title())
        doc.undo_stack.indexChanged.connect(self._history_changed)
        doc.undo_stack.cleanChanged.connect(self._history_changed)

        session.dataLoading.connect(self._data_loading)
        session.loader.progress.connect(self.data_panel.show_loading)
        session.dataLoaded.connect(self._data_loaded)
        session.dataFailed.connect(self.data_panel.show_error)
        session.networkRebuilt.connect(self._network_rebuilt)
        session.weightsReset.connect(self._weights_reset)
        session.reconfigured.connect(self._refresh_idle)
        session.weightsRestored.connect(self._weights_restored)

        self.data_panel.specChanged.connect(self._data_edited)
        self.builder.layersEdited.connect(self._layers_edited)
        self.layer_editor.layerEdited.connect(self._layer_edited)
        self.network_panel.problems.fixRequested.connect(self._apply_fix)
        self.training_panel.trainingEdited.connect(
            lambda config, text: doc.edit(doc.project.with_changes(training=config), text))
        self.banner.resetRequested.connect(self.reset_weights)

        bar = self.run_bar
        bar.action("train").triggered.connect(self.train)
        bar.action("pause").triggered.connect(ctl.toggle_pause)
        bar.action("step").triggered.connect(self.step)
        bar.action("stop").triggered.connect(ctl.stop)
        bar.action("reset").triggered.connect(self.reset_weights)

        ctl.stateChanged.connect(self._run_state_changed)
        ctl.started.connect(self._run_started)
        ctl.batchesEnded.connect(self._batches_ended)
        ctl.epochsEnded.connect(self._epochs_ended)
        ctl.snapshotReady.connect(self.feed.add_snapshot)
        ctl.viewsReady.connect(self.feed.add_views)
        ctl.finished.connect(self._run_finished)
        ctl.frame.connect(self._frame)
        self.dashboard.boundary_view.regionChanged.connect(self._boundary_region_changed)

    # --- projects -----------------------------------------------------------------------------------------------
    def open_project(self, project: Project, path: Path | None, weights: Path | None = None) -> None:
        """Show `project` (saved at `path`, or untitled); restore `weights` (default: the project's own weights file
        next to it) once its data is loaded, if they fit."""
        self.banner.hide()
        self.note.hide()
        if weights is None and path is not None:
            weights = weights_path(path)
        self.session.restore_weights_after_load(weights)
        self.document.replace(project, path)

    def refresh_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        for path in app_settings.recent_files():
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.files.open(p))
        menu.setEnabled(not menu.isEmpty())

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
        if not self.document.edit(project.with_changes(data=spec), "Change data") and self.document.locked:
            self.data_panel.set_spec(project.data, project.base_dir)     # refused during a run: show what applies

    def _layers_edited(self, layers: list, text: str, select: int) -> None:
        self._select_after = select
        if not self.document.edit(self.document.project.with_changes(layers=tuple(layers)), text):
            self._refresh_network()

    def _layer_edited(self, index: int, config: dict, text: str) -> None:
        layers = list(self.document.project.layers)
        layers[index] = config
        self._layers_edited(layers, text, index)

    def _apply_fix(self, problem) -> None:
        project = self.document.project
        layers, loss = apply_fix(list(project.layers), project.training.loss, problem.fix)
        self._select_after = len(layers) - 1 if problem.fix.get("action") == "add_output_layer" else None
        self.document.edit(project.with_changes(layers=tuple(layers), training=project.training.with_changes(
            loss=loss)), f"Fix: {problem.fix_label or problem.message}")

    # --- session events -----------------------------------------------------------------------------------------
    def _data_loading(self) -> None:
        self.data_panel.show_loading(None)
        self.statusBar().showMessage("Loading data…")
        self._refresh_network()

    def _data_loaded(self, prepared) -> None:
        self.data_panel.show_prepared(prepared)
        self.statusBar().showMessage(f"Data ready: {len(prepared.train):,} training rows", 3000)
        self.training_panel.show_config(self.document.project.training, prepared.task, self._has_validation())

    def _network_rebuilt(self) -> None:
        self.banner.hide()
        self._dashboard_timer.start()
        self._refresh_network()

    def _reset_dashboard(self) -> None:
        """Start the dashboard over for the session's network and data, and show the untrained network's views."""
        self._dashboard_timer.stop()
        self.feed.clear()
        s = self.session
        if s.network is not None and s.prepared is not None:
            self.dashboard.reset(RunInfo.from_session(s.network, s.prepared))
            self._show_initial_views()

    def flush_dashboard(self) -> None:
        """Apply a pending dashboard reset now (before a run's events or restored history reach it)."""
        if self._dashboard_timer.isActive():
            self._reset_dashboard()

    def _weights_reset(self) -> None:
        self._network_rebuilt()
        self.document.mark_weights_modified()
        self.statusBar().showMessage("Weights re-initialised from the seed", 3000)

    def _weights_restored(self, message: str) -> None:
        self.flush_dashboard()
        trainer = self.session.trainer
        if trainer is not None and trainer.history:
            keys, n = list(trainer.history), len(next(iter(trainer.history.values())))
            steps = trainer.batches_per_epoch
            self.dashboard.add_epochs([EpochEnd(i, {k: trainer.history[k][i] for k in keys if i < len(
                trainer.history[k])}, (i + 1) * steps, 0.0) for i in range(n)])
        self._show_initial_views()
        self._refresh_idle()
        self.statusBar().showMessage(message.capitalize(), 6000)

    def _boundary_region_changed(self, x0: float, x1: float, y0: float, y1: float) -> None:
        self._boundary_region = (x0, x1, y0, y1)
        self._region_timer.start()

    def _apply_boundary_region(self) -> None:
        """Hand the region to the views collector; between runs, recompute the views at once (during a run the
        worker's next views use it)."""
        if self._boundary_region is None or self.session.collector is None:
            return
        self.session.collector.set_bounds(self._boundary_region)
        if not self.controller.busy:
            self._show_initial_views()

    def _show_initial_views(self) -> None:
        collector = self.session.collector
        if collector is not None and self._boundary_region is not None and collector.bounds == collector.data_bounds:
            collector.set_bounds(self._boundary_region)
        views = self.session.initial_views()
        if views is not None:
            self.dashboard.add_views(views)

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
            self.run_bar.set_epoch(epoch, target)
            self.status.show_idle(epoch, trainer.step if trainer is not None else 0, target)
        self._update_actions()

    # --- training -----------------------------------------------------------------------------------------------
    def can_train(self) -> tuple[bool, str]:
        s = self.session
        if s.prepared is None:
            return False, s.data_error or "the data is still loading"
        errors = [p for p in self.problems_list if p.level == "error"]
        if errors:
            return False, f"fix first: {errors[0].message}"
        if s.trainer is None:
            return False, s.build_error or "the network could not be built"
        if s.trainer.diverged is not None:
            return False, "training diverged: reset the weights (Ctrl+R) first"
        return True, ""

    def _commit_typing(self) -> None:
        """A field being typed into applies its text when it loses focus: do that before a run starts."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit):
            focus.clearFocus()

    def train(self) -> None:
        if self.controller.busy:
            return
        self._commit_typing()
        ok, _ = self.can_train()
        trainer = self.session.trainer
        if not ok:
            return
        epochs = None if trainer.epoch < trainer.config.epochs else trainer.config.epochs
        self.banner.hide()
        self.flush_dashboard()
        self.controller.start(trainer, epochs, self.session.collector)

    def step(self) -> None:
        if self.controller.state == PAUSED:
            self.controller.step()
            return
        if self.controller.busy:
            return
        self._commit_typing()
        if self.can_train()[0]:
            self.banner.hide()
            self.flush_dashboard()
            self.controller.step(self.session.trainer, self.session.collector)

    def reset_weights(self) -> None:
        if not self.controller.busy:
            self.session.reset_weights()

    def stop_training(self, msecs: int = 5000) -> None:
        """Stop any run and wait for its thread to end (before closing or saving)."""
        if self.controller.busy or self.controller.threads_alive:
            self.controller.wait(msecs)

    def _run_state_changed(self, state: str) -> None:
        busy = state != "idle"
        self.document.locked = busy
        self.data_panel.set_editable(not busy)
        self.network_panel.set_editable(not busy)
        self.training_panel.setEnabled(not busy)
        self.run_bar.set_paused(state == PAUSED)
        self.run_bar.set_state({"running": "training…", "paused": "paused"}.get(state, ""))
        self.dashboard.set_paced(busy)
        if busy:
            self.document.mark_weights_modified()
        self._update_actions()

    def _frame(self) -> None:
        """Once per frame of a live run, in the same wake as the events' delivery: hand them over and draw."""
        self.feed.flush()
        self._show_epochs()
        self.dashboard.frame()
        self.dashboard.paint_now()

    def _show_epochs(self) -> None:
        """The epoch counters, at most ~8 times a second while training (each change repaints the toolbar and the
        status bar); while paused at once, so they always end on the last epoch delivered."""
        if self._epochs_to_show is None:
            return
        now = time.perf_counter()
        if self.controller.state == RUNNING and now - self._epochs_shown_at < UPDATE_INTERVAL:
            return
        done, target = self._epochs_to_show
        self._epochs_to_show, self._epochs_shown_at = None, now
        self.run_bar.set_epoch(done, target)
        self.status.show_epoch(done, target)

    def _run_started(self, event) -> None:
        self.status.start(event.epoch, event.target_epochs)
        self.status.show_epoch(event.epoch, event.target_epochs)
        self.run_bar.set_epoch(event.epoch, event.target_epochs)

    def _batches_ended(self, events: list) -> None:
        self.feed.add_batches(events)
        self.status.show_batch(events[-1])

    def _epochs_ended(self, events: list) -> None:
        self.feed.add_epochs(events)
        self._epochs_to_show = (events[-1].epoch + 1, self.controller.target_epochs or events[-1].epoch + 1)

    def _run_finished(self, event) -> None:
        self.feed.flush()
        self._epochs_to_show = None             # the idle readouts below show the trainer's own count
        if isinstance(event, Failed):
            if event.traceback:
                print(event.traceback, flush=True)
            QMessageBox.critical(self, "Training failed", event.message)
        elif isinstance(event, Diverged):
            self.banner.show_message(event.message)
            self.statusBar().showMessage(event.message, 15000)
        else:
            best = f"; {event.restored_note}" if event.restored_note else ""
            self.statusBar().showMessage(f"{event.outcome.capitalize()} at epoch {event.epochs} (step {event.step:,})"
                                         f"{best}", 8000)
        self._refresh_idle()

    def _history_changed(self, *_args) -> None:
        if isValid(self.document.undo_stack):   # the stack emits while it is destroyed with the window
            self._update_actions()

    def _update_actions(self) -> None:
        busy = self.controller.busy
        ok, why = self.can_train()
        bar = self.run_bar
        bar.action("train").setEnabled(ok and not busy)
        bar.action("train").setToolTip(bar.action("train").toolTip().split("\n")[0] + (f"\n({why})" if why else ""))
        bar.action("pause").setEnabled(busy)
        bar.action("step").setEnabled((ok and not busy) or self.controller.state == PAUSED)
        bar.action("stop").setEnabled(busy)
        bar.action("reset").setEnabled(self.session.trainer is not None and not busy)
        stack = self.document.undo_stack
        a = self.actions_
        a["undo"].setEnabled(not busy and stack.canUndo())
        a["undo"].setText(f"&Undo {stack.undoText()}".strip())
        a["redo"].setEnabled(not busy and stack.canRedo())
        a["redo"].setText(f"&Redo {stack.redoText()}".strip())
        for key in ("new", "open", "save", "save_as", "export_weights", "export_checkpoint", "export_history",
                    "export_model"):
            a[key].setEnabled(not busy)
        self.recent_menu.setEnabled(not busy and not self.recent_menu.isEmpty())

    # --- window -------------------------------------------------------------------------------------------------
    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        self._default_widths()

    def _splitters(self) -> dict:
        return {"networkSplitter": self.network_panel}

    def _default_widths(self) -> None:
        docks.default_widths(self, self.docks)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._layout_restored:      # first start: dock widths need a shown window to stick
            self._layout_restored = True
            QTimer.singleShot(0, self._default_widths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if not self.files.maybe_save():
            event.ignore()
            return
        self.stop_training()
        self.session.loader.cancel()
        self.session.loader.wait(5000)
        app_settings.save_window(self, self._splitters())
        event.accept()


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
