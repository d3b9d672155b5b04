"""How many threads NumPy's BLAS may use, one process-wide setting applied once (threadpoolctl).

OpenBLAS starts a helper thread per core for any product it finds big enough. Next to the app's GUI thread that is
a loss: on two cores a decision-boundary grid (6,400 rows through 2-16-16-1) took 52 ms with two BLAS threads and
7 ms with one (the helpers spin for the core the GUI thread needs, and a view's cost, measured in the calling
thread's CPU time, never sees theirs). So the app leaves one core to its GUI thread, and a search trial or an
experiment variant (one worker per core) uses one thread.
"""
from __future__ import annotations

import os

_limit: int | None = None


def limit_blas_threads(threads: int) -> None:
    """Let BLAS and OpenMP use at most `threads` threads from now on, in the whole process."""
    global _limit
    if _limit == threads:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    _limit = threads


def app_blas_threads() -> int:
    """What the app allows: every core but the one its GUI thread needs (at least one)."""
    return max(1, (os.cpu_count() or 2) - 1)
