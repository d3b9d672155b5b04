"""BLAS threads: one process-wide limit (core/blas_threads.py), which the app sets when a run starts so that BLAS
helpers leave a core to the GUI thread, and a search trial or experiment variant sets to one."""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from core import blas_threads
from core.blas_threads import app_blas_threads, limit_blas_threads


def blas_threads_now() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_limit_reaches_numpys_blas_and_is_applied_once(monkeypatch):
    calls = []
    real = __import__("threadpoolctl").threadpool_limits
    monkeypatch.setattr("threadpoolctl.threadpool_limits", lambda n: (calls.append(n), real(n))[1])
    monkeypatch.setattr(blas_threads, "_limit", None)
    try:
        limit_blas_threads(1)
        assert blas_threads_now() == {1}
        limit_blas_threads(1)                           # already so: nothing to do
        limit_blas_threads(2)
        assert blas_threads_now() == {2}
        assert calls == [1, 2]
        a = np.random.default_rng(0).normal(size=(300, 300))
        np.testing.assert_allclose(a @ a.T, (a @ a.T).T, atol=1e-9)    # still the same BLAS, still right
    finally:
        limit_blas_threads(app_blas_threads())


def test_the_app_leaves_one_core_to_its_gui_thread(monkeypatch):
    for cores, threads in ((1, 1), (2, 1), (8, 7), (None, 1)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert app_blas_threads() == threads
