"""Keeps the dashboard in step with the session between runs: a new network or data set starts it over, restored
weights bring their history, and the evaluation views of the untrained network show before any run.

During a run the dashboard is fed by the training pipeline instead (gui/training/pipeline.py); this object only
hands the views collector the region the decision boundary plot shows, which the worker's next views then use.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer

from core.events import EpochEnd
from gui.dashboard import Dashboard, RunInfo
from gui.project.session import Session

RESET_DELAY_MS = 150      # rebuilding the per-layer plots takes a moment: a burst of edits gets one reset
REGION_DELAY_MS = 120     # a resize, zoom or pan of the boundary plot recomputes its grid once it settles


class DashboardSync(QObject):
    def __init__(self, dashboard: Dashboard, session: Session, run_in_progress: Callable[[], bool],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.dashboard = dashboard
        self.session = session
        self._run_in_progress = run_in_progress
        self._reset_timer = QTimer(self)
        self._reset_timer.setSingleShot(True)
        self._reset_timer.setInterval(RESET_DELAY_MS)
        self._reset_timer.timeout.connect(self.reset)
        # The decision boundary is computed over the region its plot shows; follow resizes, zooms and pans.
        self._boundary_region: tuple[float, float, float, float] | None = None
        self._region_timer = QTimer(self)
        self._region_timer.setSingleShot(True)
        self._region_timer.setInterval(REGION_DELAY_MS)
        self._region_timer.timeout.connect(self._apply_boundary_region)
        dashboard.boundary_view.regionChanged.connect(self._boundary_region_changed)

    def schedule_reset(self) -> None:
        """A new network or data set: start the dashboard over shortly (edits in a burst share one reset)."""
        self._reset_timer.start()

    def flush(self) -> None:
        """Apply a pending reset now (before a run's events or restored history reach the dashboard)."""
        if self._reset_timer.isActive():
            self.reset()

    def reset(self) -> None:
        """Start the dashboard over for the session's network and data, and show the untrained network's views."""
        self._reset_timer.stop()
        s = self.session
        if s.network is not None and s.prepared is not None:
            self.dashboard.reset(RunInfo.from_session(s.network, s.prepared))
            self.show_initial_views()

    def show_restored(self) -> None:
        """Weights read from a file: their trainer's per-epoch history as epoch events, then the views."""
        self.flush()
        trainer = self.session.trainer
        if trainer is not None and trainer.history:
            keys, n = list(trainer.history), len(next(iter(trainer.history.values())))
            steps = trainer.batches_per_epoch
            self.dashboard.add_epochs([EpochEnd(i, {k: trainer.history[k][i] for k in keys if i < len(
                trainer.history[k])}, (i + 1) * steps, 0.0) for i in range(n)])
        self.show_initial_views()

    def show_initial_views(self) -> None:
        """The evaluation views of the network as it is now (between runs), over the region on screen."""
        collector = self.session.collector
        if collector is not None and self._boundary_region is not None and collector.bounds == collector.data_bounds:
            collector.set_bounds(self._boundary_region)
        views = self.session.initial_views()
        if views is not None:
            self.dashboard.add_views(views)

    def _boundary_region_changed(self, x0: float, x1: float, y0: float, y1: float) -> None:
        self._boundary_region = (x0, x1, y0, y1)
        self._region_timer.start()

    def _apply_boundary_region(self) -> None:
        """Hand the region to the views collector; between runs, recompute the views at once (during a run the
        worker's next views use it)."""
        if self._boundary_region is None or self.session.collector is None:
            return
        self.session.collector.set_bounds(self._boundary_region)
        if not self._run_in_progress():
            self.show_initial_views()
