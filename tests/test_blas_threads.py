"""BLAS threads: one process-wide limit (core/blas_threads.py), which the app sets when a run starts so that BLAS
helpers leave a core to the GUI thread, and a search trial or experiment variant sets to one."""
from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info

from core import blas_threads
from core.blas_threads import app_blas_threads, app_environment, limit_blas_threads


def blas_threads_now() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_limit_reaches_numpys_blas_and_is_applied_once(monkeypatch):
    calls = []
    real = __import__("threadpoolctl").threadpool_limits
    monkeypatch.setattr("threadpoolctl.threadpool_limits", lambda n: (calls.append(n), real(n))[1])
    monkeypatch.setattr(blas_threads, "_limit", None)
    before = max(blas_threads_now())
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
        limit_blas_threads(before)


def test_the_app_leaves_one_core_to_its_gui_thread(monkeypatch):
    for cores, threads in ((1, 1), (2, 1), (8, 7), (None, 1)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert app_blas_threads() == threads


def test_the_app_fixes_its_blas_threads_before_numpy_loads_and_keeps_a_users_choice():
    """`python main.py` sets the count before NumPy starts BLAS (changing it later can crash OpenBLAS while another
    thread runs it); a count the user set stays."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import main, os; from core.blas_threads import app_environment; app_environment()\n"
            "import numpy\n"
            "from threadpoolctl import threadpool_info\n"
            "print(max(p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'), os.cpu_count())\n")
    env = {k: v for k, v in os.environ.items() if k not in blas_threads.THREAD_VARIABLES}
    root = Path(__file__).resolve().parents[1]
    threads, cores = map(int, subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True,
                                             text=True, check=True).stdout.split())
    assert threads == max(1, cores - 1)
    mine = {"OPENBLAS_NUM_THREADS": "1"}
    app_environment(mine)
    assert mine["OPENBLAS_NUM_THREADS"] == "1" and mine["OMP_NUM_THREADS"] == str(app_blas_threads())
