"""The app's "why isn't it learning?" advisor: the Diagnosis tab kept up to date, *Show me*, *Apply fix*, and the
learning-rate range test.

When it diagnoses (core.diagnosis.diagnose, always on a pool thread, one at a time, the newest request winning):
- while a run trains and the Diagnosis tab is shown: a copy of the history and network the training thread takes at
  an epoch boundary, at most about once a second (`run_copier()`, core/diagnosis/live.py); the trainer goes on;
- when a run ends: the finished run (its status: a divergence is evidence of a learning rate too high);
- between runs, for a new network, reset or restored weights: the network as it is (before training, the probes
  of the initial network: initialisation, initial loss, input scale, gradient flow at step 0).
An edit of the project between runs leaves the findings of the last run, marked as such; a fix whose settings
have changed since cannot be applied. Every fix and *Use this rate* is one undoable edit of the document.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QIcon, QPixmap

from core.diagnosis import Finding, Fix, diagnose
from core.diagnosis.fixes import current_lr, nice
from core.diagnosis.headless import model_errors
from core.diagnosis.live import RunCopier, RunCopy, copy_run
from core.diagnosis.probe import probe_initial
from core.diagnosis.text import format_edits, title
from core.errors import LayerLabError
from core.events import Diverged, Failed, Finished
from core.lr_finder import find_lr
from core.network_clone import clone_network
from core.project import Project
from core.project_paths import apply_edits, get_value, has_value
from gui.project.context import ProjectContext
from gui.runtime.latest_job import LatestJob
from gui.theme import icon

from .lr_finder_dialog import LrFinderDialog
from .panel import ICONS, DiagnosisPanel
from .show_me import Highlighter, can_show, show

TAB = "Diagnosis"
IDLE_DELAY_MS = 150          # a new network, a reset and restored weights often come together: diagnose once


@dataclass(frozen=True)
class Request:
    """What one diagnosis reads (copies: the training thread never touches them)."""

    project: Project
    history: dict[str, list[float]]
    network: Any
    data: Any
    status: str | None       # "finished", "diverged", "stopped", ... or None (live, or between runs)
    epoch: int
    step: int
    when: str                # "live" | "end" | "idle"
    lr_suggestion: float | None = None
    probes: dict | None = None   # the advisor's probes of initial networks, by project (one a network)

    def run(self) -> list[Finding]:
        """On a pool thread. A model with errors (core.checks) is not probed: its findings name the errors."""
        if model_errors(self.project, self.data):
            return diagnose(self.project, self.history, data=self.data, status=self.status, probe=False)
        initial = None
        if self.probes is not None:
            key = _probe_key(self.project, self.data)
            initial = self.probes.get(key)
            if initial is None:
                initial = probe_initial(self.project, self.data)
                self.probes.clear()
                self.probes[key] = initial
        return diagnose(self.project, self.history, network=self.network, data=self.data, status=self.status,
                        lr_suggestion=self.lr_suggestion, initial_probe=initial)


class Advisor(QObject):
    def __init__(self, context: ProjectContext, dashboard: Any, controller: Any,
                 show_dock: Callable[[str], None], select_layer: Callable[[int], None]):
        super().__init__(context.parent)
        self.context, self.dashboard, self.controller = context, dashboard, controller
        self._show_dock, self._select_layer = show_dock, select_layer
        self.panel = DiagnosisPanel()
        self.panel.can_show = can_show
        dashboard.add_tab(TAB, "What is wrong with the run, the evidence and the fixes", self.panel, panels=[])
        self._no_icon = _blank_icon()
        dashboard.tabs.setTabIcon(dashboard.tabs.indexOf(self.panel), self._no_icon)
        self.highlighter = Highlighter()
        self.jobs = LatestJob(self)
        self.finder_job = LatestJob(self)
        self.dialog: LrFinderDialog | None = None
        self.request: Request | None = None          # the diagnosis on screen
        self.note = ""                                # a line above the findings (a fix just applied)
        self._lr_suggestion: tuple[str, float] | None = None
        self._probes: dict = {}       # filled and read on the pool thread, one job at a time
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_DELAY_MS)
        self._idle.timeout.connect(self.diagnose_now)
        self._connect()

    def _connect(self) -> None:
        session, document, ctl = self.context.session, self.context.document, self.controller
        self.jobs.done.connect(self._diagnosed)
        self.jobs.failed.connect(lambda message: self.panel.set_status(f"The diagnosis failed: {message}"))
        self.finder_job.done.connect(self._lr_found)
        self.finder_job.failed.connect(lambda message: self.dialog and self.dialog.show_error(message))
        for signal in (session.networkRebuilt, session.weightsReset, session.weightsRestored):
            signal.connect(self._network_changed)
        document.projectChanged.connect(lambda _old, _new: self._refresh_fixes())
        ctl.stateChanged.connect(lambda _state: self._refresh_fixes())
        ctl.started.connect(lambda _event: self._run_started())
        ctl.runCopied.connect(self.run_copied)
        ctl.finished.connect(self.run_finished)
        self.panel.showRequested.connect(self.show_me)
        self.panel.fixRequested.connect(self.apply_fix)
        self.panel.find_lr_button.clicked.connect(self.find_learning_rate)

    # --- when to diagnose ---------------------------------------------------------------------------------------
    def run_copier(self) -> RunCopier:
        """For the training worker of a run that starts now (core/diagnosis/live.py)."""
        return RunCopier()

    def run_copied(self, copy: RunCopy) -> None:
        """A copy of the running run, taken at an epoch boundary on the training thread: diagnosed while the
        Diagnosis tab is the one shown. (A diagnosis holds the interpreter for milliseconds at a time, which the
        live views' frames would pay for, measured in the tests: not for a tab nobody looks at.)"""
        if self.dashboard.tabs.currentWidget() is not self.panel:
            return
        self._submit(copy.history, copy.network, None, copy.epoch, copy.step, "live")

    def run_finished(self, event) -> None:
        """The run's last event: diagnose the finished run (the trainer is idle now)."""
        trainer = self.context.session.trainer
        if trainer is None or isinstance(event, Failed):
            return
        status = "diverged" if isinstance(event, Diverged) else (event.status if isinstance(event, Finished) else None)
        copy = copy_run(trainer)
        self._submit(copy.history, copy.network, status, copy.epoch, copy.step, "end")

    def _network_changed(self, *_args) -> None:
        self.highlighter.clear()
        if not self.controller.busy:
            self._idle.start()

    def _run_started(self) -> None:
        self._idle.stop()
        self.highlighter.clear()
        self.note = ""

    def diagnose_now(self) -> None:
        """Diagnose the network as it is (between runs)."""
        trainer = self.context.session.trainer
        if self.controller.busy:
            return
        if trainer is None:
            self.jobs.cancel()
            self.request = None
            self.panel.show_findings([], "No diagnosis: the data or the network is not ready.")
            self._badge()
            return
        self._submit({k: list(v) for k, v in trainer.history.items()}, clone_network(trainer.network), None,
                     trainer.epoch, trainer.step, "idle")

    def _submit(self, history, network, status, epoch: int, step: int, when: str) -> None:
        session = self.context.session
        if session.prepared is None:
            return
        project = self.context.document.project
        request = Request(project, history, network, session.prepared, status, epoch, step, when,
                          self._suggestion_for(project), self._probes)
        self.jobs.submit(lambda: (request, request.run()))

    def _diagnosed(self, outcome: tuple[Request, list[Finding]]) -> None:
        request, findings = outcome
        if request.data is not self.context.session.prepared:
            return                     # diagnosed for data the window has since replaced: a newer one follows
        self.request = request
        self.panel.show_findings(findings, "")
        self.panel.set_status(self._status())
        self._badge()

    # --- what the panel says --------------------------------------------------------------------------------------
    def _status(self) -> str:
        r = self.request
        if r is None:
            return ""
        if r.when == "live":
            text = f"Live: the run so far, {r.epoch} epoch{'s' if r.epoch != 1 else ''} (updated about once a second)."
        elif r.when == "end":
            ended = (r.status or "ended").replace("_", " ")
            text = f"After the run: {r.epoch} epoch{'s' if r.epoch != 1 else ''}, {ended}."
        elif r.epoch == 0:
            text = "Before training: what a probe of the initial network shows. Train to diagnose the run."
        else:
            text = f"The network as trained so far ({r.epoch} epochs)."
        counts = self.panel.counts()
        text += f" {counts['problem']} problem{'s' if counts['problem'] != 1 else ''}, " \
                f"{counts['warning']} warning{'s' if counts['warning'] != 1 else ''}."
        if r.project != self.context.document.project and not self.controller.busy:
            text += " The project has changed since: train again to update the diagnosis."
        return (self.note + "\n" + text) if self.note else text

    def _badge(self) -> None:
        """The tab's title counts the problems and warnings; its icon shows the worst."""
        tabs = self.dashboard.tabs
        index = tabs.indexOf(self.panel)
        counts = self.panel.counts()
        serious = counts["problem"] + counts["warning"]
        tabs.setTabText(index, f"{TAB} ({serious})" if serious else TAB)
        worst = next((s for s in ("problem", "warning", "info") if counts[s]), None)
        # Never no icon: a tab bar that gains an icon grows 2 px, every view above resizes and repaints mid-run.
        tabs.setTabIcon(index, icon(ICONS[worst]) if worst else self._no_icon)
        top = self.panel.findings[0] if self.panel.findings else None
        tabs.setTabToolTip(index, f"{title(top)} ({top.severity})" if top else "What is wrong with the run")

    def _refresh_fixes(self) -> None:
        self.panel.set_fix_state(self._fix_state)
        if self.request is not None:
            self.panel.set_status(self._status())
        if self.dialog is not None:
            self.dialog.set_can_use(not self.controller.busy, "Stop the run first" if self.controller.busy else "")

    def _fix_state(self, fix: Fix) -> tuple[bool, str]:
        if self.controller.busy:
            return False, "Stop the run to apply a fix: the project is locked while it trains"
        project = self.context.document.project
        now = [_current(project, edit.path) for edit in fix.edits]
        if all(value == edit.before for value, edit in zip(now, fix.edits)):
            return True, f"Apply as one undoable edit (Ctrl+Z): {format_edits(fix)}"
        if all(value == edit.after for value, edit in zip(now, fix.edits)):
            return False, "Applied: reset the weights (Ctrl+R) and train again to see its effect"
        return False, "The project has changed since this diagnosis: train again"

    # --- the user's clicks ----------------------------------------------------------------------------------------
    def show_me(self, finding: Finding) -> None:
        r = self.request
        epochs, per_epoch = (r.epoch, r.step / r.epoch) if r is not None and r.epoch else (0, None)
        show(finding, self.dashboard, self.highlighter, epochs, per_epoch, self._show_dock, self._select_layer)

    def apply_fix(self, finding: Finding, fix: Fix) -> None:
        document = self.context.document
        try:
            project = apply_edits(document.project, fix.as_edits())
        except LayerLabError as exc:
            self.context.show_message(f"Could not apply the fix: {exc}", 8000)
            return
        if document.edit(project, f"Fix: {fix.label}"):
            self.note = f"Applied: {fix.label}. Reset the weights (Ctrl+R) and train again to see its effect."
            self.context.show_message(f"Applied: {fix.label} (Ctrl+Z undoes it)", 8000)
            self._refresh_fixes()

    # --- the learning-rate range test -----------------------------------------------------------------------------
    def find_learning_rate(self) -> None:
        """Train > Find learning rate: the range test on a copy of the network as it is, off the GUI thread."""
        session = self.context.session
        if self.controller.busy:
            self.context.show_message("Stop the run first: the range test needs the network at rest", 6000)
            return
        if session.trainer is None or session.prepared is None:
            self.context.show_message("The data or the network is not ready", 6000)
            return
        if self.dialog is None:
            self.dialog = LrFinderDialog(self.context.parent)
            self.dialog.useRate.connect(self.use_rate)
            self.dialog.runAgain.connect(self.find_learning_rate)
        project, data, network = self.context.document.project, session.prepared, clone_network(session.network)
        self.dialog.show_running()
        self.dialog.show()
        self.dialog.raise_()
        self.finder_job.submit(lambda: (project, find_lr(project, data, network=network)))

    def _lr_found(self, outcome) -> None:
        project, result = outcome
        self._lr_suggestion = (_finder_key(project), nice(result.suggestion))
        if self.dialog is not None:
            self.dialog.show_result(result, current_lr(self.context.document.project))
            self._refresh_fixes()

    def use_rate(self, rate: float) -> None:
        document = self.context.document
        old = current_lr(document.project)
        try:
            project = apply_edits(document.project, {"training.optimizer.lr": float(rate)})
        except LayerLabError as exc:
            self.context.show_message(f"Could not set the learning rate: {exc}", 8000)
            return
        if document.edit(project, f"Learning rate {old:g} -> {rate:g} (range test)"):
            self.context.show_message(f"Learning rate set to {rate:g} (Ctrl+Z undoes it)", 8000)
        elif document.locked:
            self.context.show_message("Stop the run first: the project is locked while it trains", 6000)

    def _suggestion_for(self, project: Project) -> float | None:
        """The last range test's rate, if it was run for this network, data and optimizer."""
        if self._lr_suggestion is None or self._lr_suggestion[0] != _finder_key(project):
            return None
        return self._lr_suggestion[1]

    def close(self) -> None:
        """The window closes: wait for work in flight."""
        self._idle.stop()
        self.jobs.wait()
        self.finder_job.wait()
        if self.dialog is not None:
            self.dialog.close()


def _current(project: Project, path: str) -> Any:
    if path == "training.optimizer.lr":
        return current_lr(project)         # the effective rate, also when the optimizer's default is used
    obj = project.to_dict()
    return get_value(obj, path) if has_value(obj, path) else None


def _blank_icon() -> QIcon:
    """A transparent icon: the tab keeps an icon's room when it has no finding to show."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def _probe_key(project: Project, data: Any) -> tuple:
    """What the probe of a project's initial network depends on: its data (this very data), model and seed."""
    training = project.training
    return (id(data), json.dumps([project.data, list(project.layers), training.seed, training.dtype, training.loss],
                                 sort_keys=True, default=str))


def _finder_key(project: Project) -> str:
    """What a range test's result depends on: the data, the model, the optimizer (but its rate), the batches."""
    training = project.training
    optimizer = dict(training.optimizer) if isinstance(training.optimizer, dict) else {"name": training.optimizer}
    optimizer.pop("lr", None)
    return json.dumps([project.data, list(project.layers), optimizer, training.batch_size, training.seed,
                       training.loss], sort_keys=True, default=str)
