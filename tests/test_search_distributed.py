"""The distributed path for real: `dask scheduler` and two `dask worker` processes on 127.0.0.1 (free ports, torn
down at the end even on failure), and a search run against the scheduler's address; an unreachable scheduler is a
clear error within 10 seconds."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.search import Search, SearchError, SearchStarted, parse_search
from search_support import Events, tiny_project

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_command() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.exists() else [shutil.which("dask") or "dask"]


@pytest.fixture
def dask_cluster(tmp_path):
    """A scheduler and two single-threaded workers, as a user would start them by hand."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("scheduler", "worker0", "worker1")]
    procs = []
    try:
        procs.append(subprocess.Popen(dask_command() + ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                                        "--no-dashboard"], stdout=logs[0], stderr=subprocess.STDOUT,
                                      env=env, cwd=tmp_path, start_new_session=True))
        for i in (1, 2):
            procs.append(subprocess.Popen(dask_command() + ["worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                                                            "--nworkers", "1", "--no-dashboard", "--name", f"w{i}"],
                                          stdout=logs[i], stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
                                          start_new_session=True))
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in logs:
            log.close()


def wait_for_workers(address: str, count: int, timeout: float = 60.0) -> None:
    from distributed import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Client(address, timeout=5, set_as_default=False) as client:
                client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise


def test_a_search_runs_on_an_existing_cluster_by_its_scheduler_address(dask_cluster):
    wait_for_workers(dask_cluster, 2)
    events = Events()
    spec = parse_search({"method": "random", "trials": 4, "seed": 3, "pruning": "median",
                         "params": {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]}},
                         "scheduler": dask_cluster})
    engine = Search(tiny_project(epochs=6), spec, on_event=events)
    result = engine.run()
    started = events.of(SearchStarted)[0]
    assert not started.local and started.scheduler == dask_cluster and started.workers == 2
    assert result.status == "finished" and result.count("complete") + result.count("pruned") == 4
    assert result.count("complete") >= 2 and len({t.worker for t in result.trials}) == 2
    group = engine.store.get_group(result.group_id)
    assert [r.status for r in group.runs] == ["finished" if t.state == "complete" else "stopped"
                                              for t in result.trials]
    import optuna
    study = optuna.load_study(study_name=result.study, storage=engine.storage_url)
    assert all(len(t.intermediate_values) >= 1 for t in study.trials)    # the workers reported their epochs
    assert all(r.pid != os.getpid() for r in group.runs)        # the workers recorded their own runs
    assert {t.run for t in result.trials} == {r.id for r in group.runs}


def test_an_unreachable_scheduler_is_a_clear_error_within_ten_seconds():
    address = f"tcp://127.0.0.1:{free_port()}"
    spec = parse_search({"params": {"training.optimizer.lr": {"log_uniform": [1e-3, 1e-1]}}, "scheduler": address})
    engine = Search(tiny_project(), spec)
    began = time.monotonic()
    with pytest.raises(SearchError, match=rf"cannot reach the Dask scheduler at {address}"):
        engine.run()
    assert time.monotonic() - began < 10
    assert engine.store.get_group(engine.group_id).status == "failed"
