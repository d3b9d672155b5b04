"""The recorder: the status each way a run ends, writes batched about once a second, a busy store never losing
values, and a failing store never breaking training (one warning, training goes on, identical weights)."""
import sqlite3

import numpy as np
import pytest

from core.events import EpochEnd, Finished, TrainingStarted
from core.runs import RunRecorder, RunStore, RunStoreError, RunStoreWarning
from runs_support import private_store, small_project, trainer_for  # noqa: F401  (private_store: a fixture)


def record(project, fit=None, **recorder_args):
    """Train `project` (with `fit(trainer, recorder)` if given) while recording; returns (trainer, result, run)."""
    store = RunStore()
    trainer = trainer_for(project)
    recorder = RunRecorder(store, project, **recorder_args)
    result = fit(trainer, recorder) if fit else trainer.fit(listener=recorder)
    return trainer, result, store.get_run(recorder.run_id), recorder


def test_a_complete_run_is_finished_with_its_test_metrics():
    project = small_project(data={"split": {"val": 0.25, "test": 0.25}})
    trainer, result, run, _ = record(project)
    assert run.status == "finished" and run.detail == "" and run.epochs == 6
    assert run.test == dict(result.test_metrics) and "accuracy" in run.test and "loss" in run.test


def test_early_stopping_is_early_stopped():
    project = small_project(epochs=500, early_stopping={"monitor": "val_loss", "patience": 2})
    trainer, result, run, _ = record(project)
    assert result.reason == "early_stopping" and run.status == "early_stopped"
    assert run.epochs == result.epochs < 500 and run.history["val_loss"] == trainer.history["val_loss"]


def test_a_run_the_user_stops_is_stopped():
    def fit(trainer, recorder):
        def listener(event):
            recorder(event)
            if isinstance(event, EpochEnd) and event.epoch == 2:
                trainer.stop()
        return trainer.fit(listener=listener)
    trainer, result, run, _ = record(small_project(epochs=50), fit)
    assert result.reason == "stopped" and run.status == "stopped" and run.epochs == 3


def test_a_run_shorter_than_training_epochs_is_paused_and_continues_as_the_same_run():
    def fit(trainer, recorder):
        trainer.fit(2, listener=recorder)
        assert recorder.status == "paused"
        assert recorder.store.get_run(recorder.run_id).status == "paused"
        trainer.fit(1, listener=recorder)
        return trainer.fit(listener=recorder)
    trainer, result, run, recorder = record(small_project(epochs=6), fit)
    assert run.status == "finished" and run.epochs == 6 and len(recorder.store.list_runs()) == 1
    assert run.history["loss"] == trainer.history["loss"] and run.history_epochs["loss"] == list(range(6))


def test_a_run_after_a_reset_is_a_new_run():
    store = RunStore()
    project = small_project(epochs=3)
    trainer = trainer_for(project)
    recorder = RunRecorder(store, project)
    trainer.fit(1, listener=recorder)
    first = recorder.run_id
    trainer.reset()
    trainer.fit(listener=recorder)
    assert recorder.run_id != first
    assert {r.id: r.status for r in store.list_runs()} == {first: "paused", recorder.run_id: "finished"}


def test_a_diverging_run_is_diverged_with_the_reason():
    trainer, result, run, _ = record(small_project(epochs=50, optimizer={"name": "sgd", "lr": 1e30}))
    assert run.status == "diverged" and run.detail == result.message and "diverged" in run.detail


def test_a_run_that_raises_is_failed_with_the_message(monkeypatch):
    def fit(trainer, recorder):
        def boom(*args):
            raise RuntimeError("kaboom")
        monkeypatch.setattr(trainer.optimizer, "step", boom)
        return trainer.fit(listener=recorder)
    trainer, result, run, _ = record(small_project(), fit)
    assert run.status == "failed" and "kaboom" in run.detail


def test_writes_are_batched_about_once_per_interval():
    now = [0.0]
    store = RunStore()
    writes = []
    original = store.append_history
    store.append_history = lambda *a, **k: (writes.append(now[0]), original(*a, **k))
    recorder = RunRecorder(store, small_project(epochs=20), clock=lambda: now[0])
    recorder(TrainingStarted(0, 20, 1, 10, 0))
    for epoch in range(19):
        now[0] += 0.3
        recorder(EpochEnd(epoch, {"loss": float(epoch)}, epoch, now[0]))
    assert writes == pytest.approx([1.2, 2.4, 3.6, 4.8])
    assert store.get_run(recorder.run_id).epochs == 16          # what a kill now would keep
    recorder(Finished("completed", 19, 19, None, False, 5.7))
    run = store.get_run(recorder.run_id)
    assert run.history["loss"] == [float(e) for e in range(19)] and run.status == "paused"   # 19 of 20 epochs


def test_a_busy_store_keeps_the_values_for_the_next_write(private_store):
    store = RunStore(timeout=5)
    holder = sqlite3.connect(private_store, isolation_level=None)
    warnings_given = []

    def fit(trainer, recorder):
        def listener(event):
            recorder(event)
            if isinstance(event, EpochEnd) and event.epoch == 1:
                holder.execute("BEGIN IMMEDIATE")           # another process writes for a while
            if isinstance(event, EpochEnd) and event.epoch == 4:
                assert recorder.store.get_run(recorder.run_id).epochs <= 2     # the writes in between waited
                holder.execute("ROLLBACK")
        return trainer.fit(listener=listener)
    trainer = trainer_for(small_project(epochs=8))
    recorder = RunRecorder(store, small_project(epochs=8), flush_interval=0.0, on_warning=warnings_given.append)
    fit(trainer, recorder)
    run = store.get_run(recorder.run_id)
    assert warnings_given == [] and run.status == "finished"
    assert run.history["loss"] == trainer.history["loss"]


def test_an_unusable_store_gives_one_warning_and_training_is_unchanged(tmp_path):
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    project = small_project(epochs=4)
    plain = trainer_for(project)
    plain.fit()
    given = []
    trainer = trainer_for(project)
    recorder = RunRecorder(foreign, project, on_warning=given.append)
    result = trainer.fit(listener=recorder)
    assert isinstance(result, Finished) and np.array_equal(trainer.network.params, plain.network.params)
    assert len(given) == 1 and "is not a LayerLab run store" in given[0] and recorder.run_id is None
    assert foreign.read_text() == "not a database"
    with pytest.warns(RunStoreWarning, match="not a LayerLab run store"):
        trainer_for(project).fit(listener=RunRecorder(foreign, project))


def test_a_store_failing_mid_run_stops_recording_but_not_training():
    store = RunStore()
    project = small_project(epochs=6)
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RunStoreError("run store x is damaged (disk I/O error)", "corrupt")
    store.append_history = broken
    given = []
    trainer = trainer_for(project)
    recorder = RunRecorder(store, project, flush_interval=0.0, on_warning=given.append)
    result = trainer.fit(listener=recorder)
    assert isinstance(result, Finished) and trainer.epoch == 6
    assert len(calls) == 1 and len(given) == 1 and "damaged" in given[0] and not recorder.active
    assert store.get_run(recorder.run_id).status == "running"   # left as the last good write (a kill looks alike)


def test_a_bug_in_recording_never_reaches_the_trainer():
    store = RunStore()
    project = small_project(epochs=3)
    store.create_run = lambda *a, **k: 1 / 0
    given = []
    result = trainer_for(project).fit(listener=RunRecorder(store, project, on_warning=given.append))
    assert isinstance(result, Finished) and len(given) == 1 and "ZeroDivisionError" in given[0]
