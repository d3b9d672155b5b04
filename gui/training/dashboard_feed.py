"""Holds a run's events for the dashboard until the window's next frame, then hands them over in arrival order.

While a run is live the training controller paces the window: once per frame it delivers what the worker posted
(the events land here), and the window then calls `flush()` and lets the dashboard draw, all in one wake of the
GUI thread. A run's last events are flushed when it finishes, so the final state is always what the user sees.
"""
from __future__ import annotations

from typing import Any

from gui.runtime.draw_gate import DRAW_GATE


class DashboardFeed:
    def __init__(self, dashboard):
        self.dashboard = dashboard
        self._pending: list[tuple[str, Any]] = []

    def add_batches(self, events: list) -> None:
        self._pending.append(("batches", events))

    def add_epochs(self, events: list) -> None:
        self._pending.append(("epochs", events))

    def add_snapshot(self, snapshot) -> None:
        self._pending.append(("snapshot", snapshot))

    def add_views(self, views) -> None:
        self._pending.append(("views", views))

    def clear(self) -> None:
        """Drop what has not been delivered (the dashboard is starting over)."""
        self._pending.clear()

    def flush(self) -> None:
        """Deliver everything now, in arrival order."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        dash = self.dashboard
        with DRAW_GATE:
            for kind, payload in pending:
                if kind == "batches":
                    for event in payload:
                        dash.add_batch(event)
                elif kind == "epochs":
                    dash.add_epochs(payload)
                elif kind == "snapshot":
                    dash.add_snapshot(payload)
                else:
                    dash.add_views(payload)
