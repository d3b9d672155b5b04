"""Several processes on one run store: writers at the same moment lose nothing, and a training process killed
with SIGKILL leaves a readable store in which its run is `interrupted` on the next open."""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.runs import RunStore
from runs_support import private_store  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}

WRITER = textwrap.dedent("""
    import os, sys, time
    from core.runs import RunStore
    from runs_support import small_project
    path, worker, runs, appends, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    store = RunStore(path)
    project = small_project(f"worker {worker}")
    while not os.path.exists(go):
        time.sleep(0.001)
    for r in range(runs):
        run = store.create_run(project, name=f"w{worker} r{r}", kind="search-trial", group_index=r)
        while r == 0 and len(store.list_runs()) < 2:      # both are under way before either goes on
            time.sleep(0.001)
        for epoch in range(appends):
            value = worker * 1e6 + r * 1e3 + epoch
            store.append_history(run, {"loss": [(epoch, [value])], "val_loss": [(epoch, [-value])]},
                                 epochs=epoch + 1, final={"loss": value})
        store.finish_run(run, "finished", epochs=appends)
    print("done", flush=True)
""")


def test_two_processes_writing_at_once_lose_nothing(private_store):
    RunStore(private_store).close()
    go = private_store.parent / "go"
    runs, appends = 30, 12
    workers = [subprocess.Popen([sys.executable, "-c", WRITER, str(private_store), str(w), str(runs), str(appends),
                                 str(go)], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for w in (1, 2)]
    go.touch()
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == "done"
    with RunStore(private_store) as store:
        listed = store.list_runs()
        assert len(listed) == 2 * runs and {r.status for r in listed} == {"finished"}
        for summary in listed:
            worker, r = (int(part[1:]) for part in summary.name.split())
            run = store.get_run(summary.id)
            expected = [worker * 1e6 + r * 1e3 + e for e in range(appends)]
            assert run.history["loss"] == expected and run.history["val_loss"] == [-v for v in expected]
            assert run.epochs == appends and run.final == {"loss": expected[-1]}


TRAINER = textwrap.dedent("""
    import sys
    from core.runs import RunRecorder, RunStore
    from runs_support import small_project, trainer_for
    project = small_project("Killed", epochs=1_000_000)
    recorder = RunRecorder(RunStore(sys.argv[1]), project, flush_interval=0.05)
    trainer_for(project).fit(listener=recorder)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_training_process_killed_mid_run_leaves_its_run_interrupted(private_store):
    child = subprocess.Popen([sys.executable, "-c", TRAINER, str(private_store)], env=ENV, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        epochs = 0
        while epochs < 20:
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline, "the child recorded no epochs"
            time.sleep(0.05)
            if private_store.exists():
                with RunStore(private_store) as store:
                    runs = store.list_runs()
                    epochs = runs[0].epochs if runs else 0
                    assert not runs or runs[0].status == "running"     # alive: left alone by our opens
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with RunStore(private_store) as store:
        (summary,) = store.list_runs()
        run = store.get_run(summary.id)
    assert run.status == "interrupted" and run.finished == run.updated and run.pid == child.pid
    assert run.epochs >= epochs and run.target_epochs == 1_000_000
    assert len(run.history["loss"]) == run.epochs and run.history_epochs["loss"] == list(range(run.epochs))
    assert run.final["loss"] == run.history["loss"][-1]
