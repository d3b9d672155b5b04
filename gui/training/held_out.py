"""Evaluating the network on the held-out test rows: once a run has ended, and whenever the user asks (Train >
Evaluate on test rows). The numbers go to the dashboard's Test tab and the status bar, never back into training
(core/holdout.py): early stopping and the best weights only ever see the validation rows.
"""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.events import Finished
from core.holdout import count_test_rows, evaluate_test_rows
from gui.dashboard import Dashboard
from gui.dashboard.held_out import held_out_headline
from gui.project.context import ProjectContext


class HeldOutEvaluation(QObject):
    def __init__(self, context: ProjectContext, dashboard: Dashboard, flush_dashboard=lambda: None):
        """`flush_dashboard()` applies a pending reset of the dashboard (new data or network) first, so it cannot
        wipe the evaluation just shown."""
        super().__init__(context.parent)
        self.context = context
        self.dashboard = dashboard
        self._flush = flush_dashboard

    def available(self) -> bool:
        """A network to evaluate and test rows to evaluate it on."""
        session = self.context.session
        return session.trainer is not None and count_test_rows(session.prepared) > 0

    def evaluate(self, show: bool = True) -> str:
        """Evaluate now (between runs) and show it; `show`: bring the Test tab to the front. Returns the summary
        ("" when there is nothing to evaluate)."""
        if not self.available():
            return ""
        self._flush()
        views = evaluate_test_rows(self.context.session.trainer)
        self.dashboard.set_test_views(views)
        if show:
            self.dashboard.tabs.setCurrentWidget(self.dashboard.test_tab)
        summary = f"Evaluated at epoch {views.epoch}: {held_out_headline(views)} (the Test tab has the rest)"
        self.context.show_message(summary, 10000)
        return summary

    def run_started(self, _event=None) -> None:
        """The weights are about to change: a test evaluation of the old ones would mislead."""
        self.dashboard.set_test_views(None)

    def run_finished(self, event) -> str:
        """After a run that ended training (the trainer then evaluated its test rows too): the test views, and the
        summary for the status bar ("" after a pause such as Step, or without test rows)."""
        if isinstance(event, Finished) and event.test_metrics and self.available():
            views = evaluate_test_rows(self.context.session.trainer)
            self.dashboard.set_test_views(views)
            return held_out_headline(views)
        return ""
