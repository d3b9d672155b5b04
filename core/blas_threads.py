"""How many threads NumPy's BLAS may use, one process-wide setting.

OpenBLAS starts a helper thread per core for any product it finds big enough. Next to the app's GUI thread that is
a loss: on two cores a decision-boundary grid (6,400 rows through 2-16-16-1) took 52 ms with two BLAS threads and
7 ms with one (the helpers spin for the core the GUI thread needs, and a view's cost, measured in the calling
thread's CPU time, never sees theirs). So the app leaves one core to its GUI thread, and a search trial or an
experiment variant (one worker per core) uses one thread.

The app fixes its count before NumPy is loaded (`app_environment`, through the variables BLAS libraries read at
start-up): changing OpenBLAS's thread count while another thread runs a BLAS call can corrupt its memory, and the
app always has a thread that might (a diagnosis, a data load). `limit_blas_threads` changes it at run time, for a
process that runs one trial at a time on one thread.
"""
from __future__ import annotations

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
_limit: int | None = None


def app_blas_threads() -> int:
    """What the app allows: every core but the one its GUI thread needs (at least one)."""
    return max(1, (os.cpu_count() or 2) - 1)


def app_environment(environ: dict | None = None) -> None:
    """Before NumPy is imported: BLAS threads for the app (a count the user set in the environment is kept)."""
    environ = os.environ if environ is None else environ
    for name in THREAD_VARIABLES:
        environ.setdefault(name, str(app_blas_threads()))


def limit_blas_threads(threads: int) -> None:
    """Let BLAS and OpenMP use at most `threads` threads from now on, in the whole process (call it only while no
    other thread of the process runs NumPy)."""
    global _limit
    if _limit == threads:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    _limit = threads
