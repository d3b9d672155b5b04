"""Where trials run: a Dask `LocalCluster` started in this process (worker processes, one thread each, BLAS and
OpenMP held to one thread), or an existing Dask cluster reached by its scheduler's address. Dask is imported here
only, when a search starts.
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from typing import Any, Iterator

from ..errors import LayerLabError

CONNECT_TIMEOUT = 5.0       # seconds to reach a scheduler (an unreachable one is an error well within 10 s)
WORKER_WAIT = 3.0           # seconds a reachable scheduler may take to show its first worker
CAPACITY_REFRESH = 2.0      # seconds between looks at how many workers a cluster has
LOCAL_NICENESS = 10         # how much a local worker process lowers its priority (Unix nice)
# What each local worker process starts with: one thread for every BLAS and OpenMP library.
ONE_THREAD_ENV = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS")}


class SearchError(LayerLabError):
    """A search cannot start or go on: a bad setting, an unreachable scheduler, a study that cannot be resumed."""


def machine_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # macOS, Windows
        return max(1, os.cpu_count() or 1)


class Cluster:
    """A Dask client and, for a local cluster, the cluster it started. `capacity()` is how many trials may run at
    once: the requested workers, at most the cluster's threads."""

    def __init__(self, client: Any, local_cluster: Any = None, limit: int | None = None, started_in: float = 0.0):
        self.client = client
        self.local_cluster = local_cluster
        self.limit = limit
        self.started_in = started_in          # seconds to start (local) or connect
        self._capacity = 0
        self._checked = -float("inf")

    @property
    def local(self) -> bool:
        return self.local_cluster is not None

    @property
    def address(self) -> str:
        return self.client.scheduler.address

    @classmethod
    def start_local(cls, workers: int) -> "Cluster":
        """`workers` worker processes on 127.0.0.1 with one thread each; a worker that dies mid-trial gets its
        trial retried once on another (the scheduler's allowed failures is 1)."""
        import dask
        from distributed import Client, LocalCluster

        began = time.perf_counter()
        with _interrupts_ignored(), dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.scheduler.worker-saturation": 1.0,
                              "distributed.worker.daemon": False}):
            # No dashboard, and the scheduler's small HTTP server on a free port: `dashboard_address=None` still
            # serves both on port 8787 when it is free (taking it from a user's own Dask cluster started later) and
            # warns when it is not.
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=":0", scheduler_kwargs={"dashboard": False},
                                   silence_logs=logging.ERROR, env=dict(ONE_THREAD_ENV))
            try:
                client = Client(cluster, set_as_default=False)
                client.run(_yield_priority)
            except BaseException:
                cluster.close()
                raise
        return cls(client, cluster, workers, time.perf_counter() - began)

    @classmethod
    def connect(cls, address: str, workers: int | None, timeout: float = CONNECT_TIMEOUT) -> "Cluster":
        """The cluster whose scheduler is at `address`; SearchError within `timeout` + WORKER_WAIT seconds when it
        cannot be reached or has no worker."""
        from distributed import Client

        began = time.perf_counter()
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SearchError(f"cannot reach the Dask scheduler at {address} (waited {timeout:g} s): "
                              f"{_reason(exc)}; start it with `dask scheduler`, or check the address and the "
                              "firewall") from None
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT)
        except (OSError, TimeoutError):
            client.close()
            raise SearchError(f"the Dask scheduler at {address} has no worker; start some with "
                              f"`dask worker {address}`") from None
        return cls(client, None, workers, time.perf_counter() - began)

    def capacity(self) -> int:
        """Trials to run at once (looked up at most every CAPACITY_REFRESH seconds: workers come and go)."""
        now = time.monotonic()
        if now - self._checked >= CAPACITY_REFRESH:
            self._checked = now
            try:
                threads = sum(self.client.nthreads().values())
            except (OSError, TimeoutError):
                threads = self._capacity
            self._capacity = threads if self.limit is None else min(self.limit, threads)
        return self._capacity

    def run_on_workers(self, fn: Any, *args: Any) -> dict[str, Any]:
        """`fn(*args)` on every worker (plain functions only): {worker address: result}."""
        return self.client.run(fn, *args)

    def close(self) -> None:
        """Close the client, and the local cluster with its worker processes (an external cluster keeps going)."""
        try:
            self.client.close()
        finally:
            if self.local_cluster is not None:
                self.local_cluster.close()


def _yield_priority() -> None:
    """In a local worker process: a lower scheduling priority, so that the trials, which keep every core busy, leave
    the process that started them (the app's window, the driver) the CPU whenever it needs it."""
    tasks = "/proc/self/task"
    try:
        if os.path.isdir(tasks):            # Linux: a priority belongs to a thread; threads made later inherit it
            for tid in map(int, os.listdir(tasks)):
                with contextlib.suppress(OSError):      # a thread that has just ended
                    os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + LOCAL_NICENESS)
        else:
            os.nice(LOCAL_NICENESS)
    except (AttributeError, OSError):       # Windows has no nice; a lower priority is never refused elsewhere
        pass


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Worker processes started meanwhile inherit an ignored SIGINT: a Ctrl+C in the terminal (sent to the whole
    process group) then reaches only this process, which cancels the search and keeps the finished trials, instead
    of killing every worker mid-trial. Python can change signal handling on its main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
