"""Train > Run experiment: every variant of the open example's experiment (its `experiment` section) trained over
its seeds on a worker thread, each recorded in the run store, then overlaid in the Runs tab's comparison.

The work is `core.experiments.run_experiment` (the same as `layerlab experiment`), on a QThread of its own that
holds the application's gc guard while it runs (gui/runtime/gc_guard.py), like cross-validation's. Nothing of it
touches the GUI thread; the open project and its trainer are left as they are.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from core.errors import LayerLabError
from gui.runtime.gc_guard import GcGuard


class ExperimentWorker(QObject):
    progress = Signal(int, int, str)           # runs done, runs in all, the last run ("variant (seed s): status")
    done = Signal(object)                      # ExperimentResult
    failed = Signal(str)

    def __init__(self, project, store: str):
        super().__init__()
        self.project, self.store = project, store
        self._stopped = False
        self._done = 0

    def stop(self) -> None:
        """From the GUI thread: train no further run (the one in progress finishes)."""
        self._stopped = True

    @Slot()
    def run(self) -> None:
        from core.experiments import expand, run_experiment

        try:
            total = len(expand(self.project))

            def progress(planned, run) -> None:
                self._done += 1
                self.progress.emit(self._done, total, f"{planned.variant} (seed {planned.seed}): {run.status}")

            result = run_experiment(self.project, progress=progress, store=self.store, stop=lambda: self._stopped)
        except LayerLabError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:           # a bug: say so, keep the app alive
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        QThread.currentThread().quit()


class ExperimentRun(QObject):
    """One experiment in flight (the thread "experimentThread"); `finished_run(result)` on the GUI thread."""

    finished_run = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int, str)

    def __init__(self, project, store: str, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.result = None
        self.error: str | None = None
        self._worker = ExperimentWorker(project, store)
        self._thread = QThread(self)
        self._thread.setObjectName("experimentThread")
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.done.connect(self._done)
        self._worker.failed.connect(self._failed)
        self._thread.finished.connect(self._thread_finished)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self.gc_guard.hold()
        self._thread.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()

    def wait(self, msecs: int = 30_000) -> bool:
        if self._thread is None:
            return True
        self.stop()
        ok = self._thread.wait(msecs)
        QCoreApplication.sendPostedEvents(self)
        return ok

    def _done(self, result) -> None:
        self.result = result
        self.finished_run.emit(result)

    def _failed(self, message: str) -> None:
        self.error = message
        self.failed.emit(message)

    def _thread_finished(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
            self.gc_guard.release()
        self._thread = self._worker = None
