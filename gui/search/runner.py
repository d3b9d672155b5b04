"""Runs a hyperparameter search off the GUI thread and hands what it reports to the GUI thread.

    search thread ("searchThread", a QThread per search)        GUI thread
    ----------------------------------------------------        ------------------------------------------------
    Search(project, spec): the checks, the data                  SearchRunner: signals, oldest first
    the local Dask cluster: started once, kept for the next  <-    planned, started, eventsArrived(list),
    Search.run(): asks Optuna, waits for Dask; on_event -->       importanceReady, finished | failed
      Mailbox (a deque): a trial's start and end wake the GUI
      thread at once; epoch progress waits for the clock         clock: every DRAIN_INTERVAL_MS while busy
    importance pool thread: fANOVA over the trials so far -->    importanceReady

The trials themselves train in Dask's worker processes, so the search thread mostly sleeps, waiting for them; the
window stays as responsive as when idle. Nothing here touches a widget off the GUI thread. The local cluster lives
until `shutdown()` (the window closes), so a second search starts at once; Dask's client runs a thread of its own
all that time, so the application's GcGuard is held while a search runs or a cluster lives. Optuna and Dask are
imported on the search thread, never at the app's launch.
"""
from __future__ import annotations

import threading
import time
import traceback
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThread, QThreadPool, QTimer, Signal, Slot

from core.errors import LayerLabError
from gui.runtime.gc_guard import GcGuard
from gui.runtime.mailbox import Mailbox

DRAIN_INTERVAL_MS = 200         # how often progress (not starts and ends) reaches the GUI thread
IMPORTANCE_INTERVAL = 3.0       # seconds between two live importance measurements at least
QUIET_KINDS = frozenset({"progress"})      # posted without waking the GUI thread


class SearchRunner(QObject):
    planned = Signal(object)            # core.search.setup.SearchPlan: the metric and its direction, checks passed
    started = Signal(object)            # SearchStarted: the cluster is up
    eventsArrived = Signal(object)      # [RoundStarted | TrialStarted | TrialProgress | TrialFinished], oldest first
    importanceReady = Signal(object)    # {path: share}: over the complete trials so far, and at the end
    finished = Signal(object)           # SearchResult (status finished, or stopped after Cancel or a timeout)
    failed = Signal(str)                # one line: the search could not start or broke off
    busyChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, gc_guard: GcGuard | None = None):
        super().__init__(parent)
        self.gc_guard = gc_guard or GcGuard.of()
        self.mailbox = Mailbox(self._deliver, self)
        self._clock = QTimer(self)
        self._clock.setInterval(DRAIN_INTERVAL_MS)
        self._clock.timeout.connect(self.mailbox.drain)
        self.cluster: Any = None            # core.search.cluster.Cluster kept between searches (local only)
        self._owns_cluster = True
        self._holding = False
        self._thread: QThread | None = None
        self._worker: _SearchWorker | None = None
        self._importance = _ImportanceJobs(self._post, self.gc_guard, self)
        self.plan: Any = None
        self.spec: Any = None
        self.trials: dict[int, Any] = {}    # number -> TrialResult, this search's finished trials

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def use_cluster(self, cluster: Any, owned: bool = False) -> None:
        """Run local searches on `cluster` (a core.search.cluster.Cluster); `owned`: close it at shutdown. Its
        client thread runs Python while the runner keeps it, so the GcGuard is held from now on."""
        self.cluster, self._owns_cluster = cluster, owned
        if cluster is not None:
            self._hold(True)

    # --- commands (GUI thread) ------------------------------------------------------------------------------------
    def start(self, project: Any, spec: Any, runs: Any = None) -> bool:
        """Start searching `spec` over `project` (a snapshot: later edits do not reach it); False while busy."""
        if self.busy:
            return False
        self.spec, self.plan, self.trials = spec, None, {}
        self._importance.reset()
        worker = _SearchWorker(project, spec, runs, self.cluster, self._post)
        thread = QThread(self)
        thread.setObjectName("searchThread")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        thread.finished.connect(self._thread_finished)
        self._worker, self._thread = worker, thread
        self._hold(True)
        self._clock.start()
        thread.start()
        self.busyChanged.emit(True)
        return True

    def cancel(self) -> None:
        """No new trials; running ones stop within about a second; finished ones are kept."""
        if self._worker is not None:
            self._worker.cancel()

    def wait(self, msecs: int = 15_000) -> bool:
        """Wait for the search thread to end, then take in what it posted (and be idle at once, not when Qt
        delivers the thread's `finished`)."""
        thread = self._thread
        ok = thread is None or thread.wait(msecs)
        self.mailbox.drain()
        if thread is not None and ok:
            self._ended(thread)
        return ok

    def shutdown(self, msecs: int = 15_000) -> None:
        """Cancel any search, wait for it, and close the cluster this runner started (the window closes)."""
        self.cancel()
        self.wait(msecs)
        self._importance.wait()
        self.mailbox.drain()
        if self.cluster is not None and self._owns_cluster:
            try:
                self.cluster.close()
            except Exception:                    # closing a cluster that already went away
                traceback.print_exc()
        self.cluster = None
        self._hold(False)

    # --- delivery (GUI thread) ------------------------------------------------------------------------------------
    def _post(self, item: tuple[str, Any]) -> None:
        """From any thread: epoch progress waits for the clock; everything else wakes the GUI thread."""
        self.mailbox.post(item, wake=item[0] not in QUIET_KINDS)

    def _deliver(self, items: list) -> None:
        from core.search import SearchFinished, SearchStarted, TrialFinished

        events: list = []
        finished = False
        for kind, payload in items:
            if kind == "event":
                if isinstance(payload, SearchStarted):
                    self._flush(events)
                    self.started.emit(payload)
                elif isinstance(payload, SearchFinished):
                    continue                     # the worker posts the result as "done"
                else:
                    events.append(payload)
                    if isinstance(payload, TrialFinished):
                        self.trials[payload.trial.number] = payload.trial
                        finished = True
            elif kind == "progress":
                events.append(payload)
            else:
                self._flush(events)
                self._one(kind, payload)
        self._flush(events)
        if finished and self.busy and self.plan is not None:
            self._importance.request(self.spec, list(self.trials.values()), self.plan.direction)

    def _flush(self, events: list) -> None:
        if events:
            self.eventsArrived.emit(list(events))
            events.clear()

    def _one(self, kind: str, payload: Any) -> None:
        if kind == "planned":
            self.plan = payload
            self.planned.emit(payload)
        elif kind == "cluster":
            if payload is not self.cluster:
                self.cluster, self._owns_cluster = payload, True
        elif kind == "done":
            self._importance.reset()
            self.finished.emit(payload)
            if payload.importance:
                self.importanceReady.emit(dict(payload.importance))
        elif kind == "failed":
            self._importance.reset()
            self.failed.emit(payload)
        elif kind == "importance":
            token, shares = payload
            if self._importance.take(token) and self.busy and shares:
                self.importanceReady.emit(shares)
            self._importance.ended()

    def _thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread):
            self._ended(thread)

    def _ended(self, thread: QThread) -> None:
        """The search thread has finished: deliver what it posted, then idle (called once per thread)."""
        if thread is not self._thread:
            return
        self.mailbox.drain()
        self._thread = self._worker = None
        self._clock.stop()
        if self.cluster is None:
            self._hold(False)
        self.busyChanged.emit(False)
        thread.deleteLater()

    def _hold(self, on: bool) -> None:
        """The GcGuard counts this runner once while its thread runs or its cluster (Dask's client thread) lives."""
        if on and not self._holding:
            self.gc_guard.hold()
        elif not on and self._holding:
            self.gc_guard.release()
        self._holding = on


class _SearchWorker(QObject):
    """Lives on the search thread: checks the search, brings up the cluster, runs it, posts everything."""

    def __init__(self, project: Any, spec: Any, runs: Any, cluster: Any, post):
        super().__init__()
        self.project, self.spec, self.runs, self.cluster = project, spec, runs, cluster
        self.post = post
        self._lock = threading.Lock()
        self._search: Any = None
        self._cancelled = False

    def cancel(self) -> None:
        """From the GUI thread."""
        with self._lock:
            self._cancelled = True
            search = self._search
        if search is not None:
            search.cancel()

    @Slot()
    def run(self) -> None:
        try:
            self._run()
        except LayerLabError as exc:
            self.post(("failed", str(exc)))
        except Exception as exc:     # a bug, or a cluster that would not start: say what, keep the app alive
            traceback.print_exc()
            self.post(("failed", f"{type(exc).__name__}: {exc}"))
        finally:
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            QThread.currentThread().quit()

    def _run(self) -> None:
        from core.search import Search

        search = Search(self.project, self.spec, runs=self.runs, on_event=self._on_event)
        self.post(("planned", search.plan))
        if self.spec.scheduler is None:
            self.cluster = _local_cluster(self.cluster, self.spec.workers)
            self.post(("cluster", self.cluster))
            search.use_cluster(self.cluster)
        with self._lock:
            self._search = search
            cancelled = self._cancelled
        if cancelled:
            search.cancel()
        self.post(("done", search.run()))

    def _on_event(self, event: Any) -> None:
        from core.search import TrialProgress

        self.post(("progress" if isinstance(event, TrialProgress) else "event", event))


def _local_cluster(cluster: Any, workers: int | str) -> Any:
    """The kept cluster when it has enough workers for `workers` ("auto": every core), else a new one (the old one
    closed)."""
    from core.search.cluster import Cluster, machine_cores

    wanted = machine_cores() if workers == "auto" else int(workers)
    if cluster is not None:
        try:
            if len(cluster.client.nthreads()) >= wanted:
                return cluster
        except (OSError, TimeoutError, RuntimeError):
            pass
        cluster.close()
    return Cluster.start_local(wanted)


class _ImportanceJobs(QObject):
    """Each parameter's importance over the trials so far, measured on a pool thread at most every
    IMPORTANCE_INTERVAL and one at a time (fANOVA takes a few tenths of a second, the first one a few seconds with
    its imports); a result for an older search is dropped."""

    def __init__(self, post, gc_guard: GcGuard, parent: QObject | None = None):
        super().__init__(parent)
        self.post = post
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.gc_guard = gc_guard
        self.token = 0
        self._running = False
        self._pending: tuple | None = None
        self._last = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._launch)

    def reset(self) -> None:
        """A new search, or the end of one: forget what is pending; a running job's result will be dropped."""
        self.token += 1
        self._pending = None
        self._timer.stop()

    def request(self, spec: Any, trials: list, direction: str) -> None:
        if sum(t.state == "complete" for t in trials) < 2:
            return
        self._pending = (spec, trials, direction)
        if not self._running and not self._timer.isActive():
            self._timer.start(max(0, round(1000 * (self._last + IMPORTANCE_INTERVAL - time.monotonic()))))

    def take(self, token: int) -> bool:
        return token == self.token

    def ended(self) -> None:
        self._running = False
        self.gc_guard.release()
        if self._pending is not None and not self._timer.isActive():
            self._timer.start(round(1000 * IMPORTANCE_INTERVAL))

    def wait(self) -> None:
        self.reset()
        self.pool.waitForDone(10_000)

    def _launch(self) -> None:
        if self._pending is None or self._running:
            return
        spec, trials, direction = self._pending
        self._pending = None
        self._running = True
        self._last = time.monotonic()
        self.gc_guard.hold()
        self.pool.start(_ImportanceTask(self.token, spec, trials, direction, self.post))


class _ImportanceTask(QRunnable):
    def __init__(self, token: int, spec: Any, trials: list, direction: str, post):
        super().__init__()
        self.token, self.spec, self.trials, self.direction, self.post = token, spec, trials, direction, post

    def run(self) -> None:
        shares: dict = {}
        try:
            from core.search.progress import importance_of

            shares = importance_of(self.spec, self.trials, self.direction)
        except Exception:            # importance is a view: a failure must not stop the search
            traceback.print_exc()
        finally:
            self.post(("importance", (self.token, shares)))
