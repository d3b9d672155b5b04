"""Loads a project's data off the GUI thread (a CSV of a million rows must not freeze the window).

Each request gets a number; only the newest request's result is delivered, and an older load still running is
told to give up through its progress callback (core's loaders abort when the callback raises).
"""
from __future__ import annotations

import traceback

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.errors import LayerLabError
from core.model_io import load_data
from core.project import Project
from gui.runtime.gc_guard import GcGuard
from gui.runtime.mailbox import Mailbox


class _Cancelled(Exception):
    pass


class _LoadTask(QRunnable):
    """Runs on a pool thread; results go back through the loader's mailbox as (kind, token, value)."""

    def __init__(self, token: int, project: Project, post, latest: "DataLoader"):
        super().__init__()
        self.token, self.project, self.post, self.latest = token, project, post, latest

    def run(self) -> None:
        def progress(fraction: float) -> None:
            if self.latest.token != self.token:
                raise _Cancelled()
            self.post(("progress", self.token, float(fraction)))

        try:
            self._load(progress)
        finally:
            self.post(("end", self.token, None))

    def _load(self, progress) -> None:
        try:
            prepared = load_data(self.project, progress=progress)
        except _Cancelled:
            return
        except LayerLabError as exc:
            self.post(("failed", self.token, str(exc)))
        except MemoryError:
            self.post(("failed", self.token, "not enough memory to load this dataset"))
        except Exception as exc:  # a bug or an unexpected file problem: say what happened, keep the app alive
            traceback.print_exc()
            self.post(("failed", self.token, f"{type(exc).__name__}: {exc}"))
        else:
            self.post(("done", self.token, prepared))


class DataLoader(QObject):
    loaded = Signal(object, object)     # (Project it was loaded for, PreparedData)
    failed = Signal(object, str)        # (Project, one-line message)
    progress = Signal(float)            # 0..1 while a large file loads

    def __init__(self, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        """`gc_guard`: the application's (default `GcGuard.of()`); it counts the load threads."""
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.token = 0
        self._projects: dict[int, Project] = {}
        self.mailbox = Mailbox(self._deliver, self)

    def load(self, project: Project) -> int:
        """Start loading `project`'s data; any earlier request is abandoned."""
        self.token += 1
        self._projects = {self.token: project}
        task = _LoadTask(self.token, project, self.mailbox.post, self)
        self.gc_guard.hold()
        self.pool.start(task)
        return self.token

    def cancel(self) -> None:
        self.token += 1
        self._projects = {}

    @property
    def busy(self) -> bool:
        return bool(self._projects)

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for running loads (closing the window), then take in what they posted."""
        done = self.pool.waitForDone(msecs)
        self.mailbox.drain()
        return done

    def _deliver(self, items: list) -> None:
        for item in items:
            self._deliver_one(*item)

    def _deliver_one(self, kind: str, token: int, value) -> None:
        if kind == "end":
            self.gc_guard.release()
            return
        if kind == "progress":
            if token == self.token:
                self.progress.emit(value)
            return
        project = self._projects.pop(token, None)
        if project is None:
            return
        if kind == "done":
            self.loaded.emit(project, value)
        else:
            self.failed.emit(project, value)
