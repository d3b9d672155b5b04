"""The run store: runs and their history round-trip exactly; listing, filters, sorting, editing, deleting; groups;
the settings that differ between runs; where the store lives."""
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from core.events import EpochEnd, Finished, TrainingStarted
from core.runs import ENV_VAR, RunRecorder, RunStore, UnknownRunError, default_store_path, store_path
from runs_support import private_store, small_project, trainer_for  # noqa: F401  (private_store: a fixture)


def bits(values):
    """Floats as their IEEE-754 bit patterns: equality here is bit for bit (NaN payloads and -0.0 included)."""
    return [struct.pack("<d", v) for v in values]


def test_history_read_back_equals_what_the_trainer_logged_bit_for_bit(private_store):
    project = small_project(epochs=12)
    trainer = trainer_for(project)
    store = RunStore()
    recorder = RunRecorder(store, project, flush_interval=0.0)   # a write after every epoch: many chunks to merge
    result = trainer.fit(listener=recorder)
    assert isinstance(result, Finished) and recorder.status == "finished"
    run = store.get_run(recorder.run_id)
    assert store.path == private_store
    for key, values in trainer.history.items():
        assert bits(run.history[key]) == bits(values), key
        assert run.history_epochs[key] == list(range(12))
    assert list(run.history)[: len(trainer.history)] == list(trainer.history)     # the trainer's key order
    # Dead units per layer arrive beside the logs and are stored under the shared per-layer key.
    assert run.history["layers.0.dead"] and all(v >= 0 for v in run.history["layers.0.dead"])
    assert run.final["val_loss"] == trainer.history["val_loss"][-1]
    best = int(np.argmin(trainer.history["val_loss"]))
    assert run.best["val_loss"] == trainer.history["val_loss"][best] and run.best_epoch["val_loss"] == best
    best_acc = int(np.argmax(trainer.history["val_accuracy"]))
    assert run.best["val_accuracy"] == trainer.history["val_accuracy"][best_acc]
    assert "lr" not in run.best and run.epochs == 12 and run.target_epochs == 12
    assert run.project == project.to_dict() and run.seed == 0 and run.name == f"Moons #{run.id}"
    assert run.finished is not None and run.finished >= run.started and run.status == "finished"
    # A finished run's chunks are merged: one row per key.
    rows = store._conn.execute("SELECT key, count(*) FROM run_history WHERE run_id = ? GROUP BY key",
                               (run.id,)).fetchall()
    assert rows and all(count == 1 for _, count in rows)


def test_any_keys_nan_values_and_a_key_that_starts_late_round_trip():
    store = RunStore()
    recorder = RunRecorder(store, small_project(epochs=4), flush_interval=0.0)
    recorder(TrainingStarted(0, 4, 1, 10, 0))
    special = [float("nan"), -0.0, 5e-324, 1.7976931348623157e308]
    for epoch in range(4):
        logs = {"loss": special[epoch], "layers.2.grad_norm": 0.1 * epoch, "layers.11.update_ratio": 1e-3}
        if epoch >= 2:
            logs["val_loss"] = 1.0 / (epoch + 1)
        recorder(EpochEnd(epoch, logs, epoch + 1, 0.1, {3: epoch}))
    recorder(Finished("completed", 4, 4, None, False, 0.4))
    run = store.get_run(recorder.run_id)
    assert bits(run.history["loss"]) == bits(special)
    assert run.history["val_loss"] == [1 / 3, 1 / 4] and run.history_epochs["val_loss"] == [2, 3]
    assert run.history["layers.3.dead"] == [0.0, 1.0, 2.0, 3.0]
    assert run.history["layers.11.update_ratio"] == [1e-3] * 4
    assert run.best["loss"] == -0.0 and run.best_epoch["loss"] == 1    # NaN never best
    assert "layers.2.grad_norm" not in run.best
    assert run.to_json()["history"]["loss"][0] is None                 # strict JSON for scripts


def test_list_filter_sort_rename_notes_tags_and_delete(tmp_path):
    store = RunStore()
    a = store.create_run(small_project("Spiral", lr=0.1), tags=["baseline", " lr "])
    b = store.create_run(small_project("Spiral", lr=0.01), name="lower lr")
    c = store.create_run(small_project("Moons"), kind="search-trial")
    store.finish_run(a, "finished", final={"val_loss": 0.5}, best={"val_loss": (0.4, 3)}, epochs=4)
    store.finish_run(b, "diverged", detail="the loss became nan", final={"val_loss": 0.2})
    assert [r.id for r in store.list_runs()] == [c, b, a]                      # newest first
    assert [r.id for r in store.list_runs(descending=False)] == [a, b, c]
    assert [r.id for r in store.list_runs(status="finished")] == [a]
    assert [r.id for r in store.list_runs(status=["finished", "running"])] == [c, a]
    assert [r.id for r in store.list_runs(tag="lr")] == [a]
    assert [r.id for r in store.list_runs(project="Spiral")] == [b, a]
    assert [r.id for r in store.list_runs(kind="search-trial")] == [c]
    assert [r.id for r in store.list_runs(text="LOWER")] == [b]                # name, any case
    assert [r.id for r in store.list_runs(text="basel")] == [a]                # a tag
    assert [r.id for r in store.list_runs(text="100%")] == []                  # % taken literally
    assert [r.id for r in store.list_runs(sort="final.val_loss", descending=False)] == [b, a, c]  # missing last
    assert [r.id for r in store.list_runs(sort="final.val_loss")] == [a, b, c]
    assert [r.id for r in store.list_runs(sort="name", descending=False)] == [b, c, a]
    assert store.list_runs(limit=1)[0].id == c
    with pytest.raises(ValueError, match="cannot sort runs by 'colour'"):
        store.list_runs(sort="colour")
    summary = store.list_runs(status="diverged")[0]
    assert summary.detail == "the loss became nan" and summary.best == {}
    assert store.list_runs(status="finished")[0].best == {"val_loss": 0.4}
    assert store.list_runs(status="finished")[0].best_epoch == {"val_loss": 3}
    assert store.get_run(a).tags == ("baseline", "lr")

    store.rename_run(a, "  first try ")
    store.set_notes(a, "too fast?")
    store.set_tags(a, ["keep", "keep", ""])
    weights = tmp_path / "a.weights.npz"
    store.set_weights_path(a, weights)
    run = store.get_run(a)
    assert (run.name, run.notes, run.tags, run.weights_path) == ("first try", "too fast?", ("keep",), str(weights))
    with pytest.raises(ValueError, match="empty"):
        store.rename_run(a, " ")
    assert store.delete_run(a) == str(weights)
    assert store.delete_run(b) is None
    assert [r.id for r in store.list_runs()] == [c]
    for call in (lambda: store.get_run(a), lambda: store.rename_run(a, "x"), lambda: store.delete_run(a),
                 lambda: store.set_tags(a, ["x"])):
        with pytest.raises(UnknownRunError, match=f"no run {a} in"):
            call()
    assert store._conn.execute("SELECT count(*) FROM run_tags WHERE run_id = ?", (a,)).fetchone()[0] == 0
    d = store.create_run(small_project())
    assert d > c                                                               # ids are never reused


def test_differing_settings_name_the_paths_that_differ():
    store = RunStore()
    ids = [store.create_run(small_project(lr=lr)) for lr in (0.1, 0.01)]
    ids.append(store.create_run(small_project(lr=0.001, layers=[
        {"type": "dense", "units": 32, "activation": "relu"}, {"type": "dense", "units": 1, "activation": "sigmoid"}])))
    diff = store.differing_settings(store.list_runs(descending=False))
    assert diff == {"model.layers[0].units": [8, 8, 32], "training.optimizer.lr": [0.1, 0.01, 0.001]}
    assert store.differing_settings(ids[:2]) == {"training.optimizer.lr": [0.1, 0.01]}


def test_groups_hold_their_runs_in_order():
    store = RunStore()
    project = small_project()
    group = store.create_group("cv", project, settings={"folds": 3})
    runs = [store.create_run(project, kind="cv-fold", group_id=group, group_index=i) for i in (2, 0, 1)]
    store.finish_group(group, "finished", {"mean": {"val_loss": 0.3}})
    loaded = store.get_group(group)
    assert [r.group_index for r in loaded.runs] == [0, 1, 2] and loaded.status == "finished"
    assert loaded.summary == {"mean": {"val_loss": 0.3}} and loaded.settings == {"folds": 3}
    assert loaded.name == "Moons (cross-validation)" and loaded.project == project.to_dict()
    assert [g.id for g in store.list_groups("cv")] == [group] and store.list_groups("search") == []
    assert [r.id for r in store.list_runs(group_id=group, sort="group_index", descending=False)] == \
        [runs[1], runs[2], runs[0]]
    store.set_weights_path(runs[0], "fold.npz")
    assert store.delete_group(group) == [str(Path("fold.npz").resolve())]
    assert store.list_runs() == []
    with pytest.raises(UnknownRunError):
        store.get_group(group)


def test_default_location_env_variable_and_explicit_path(tmp_path, monkeypatch, private_store):
    assert store_path() == private_store                       # LAYERLAB_RUNS (set for every test here)
    assert store_path(tmp_path / "x.sqlite") == tmp_path / "x.sqlite"
    monkeypatch.delenv(ENV_VAR)
    assert store_path() == default_store_path()
    assert default_store_path().name == "runs.sqlite" and "layerlab" in str(default_store_path()).lower()
    assert not private_store.exists()
    with RunStore(tmp_path / "explicit.sqlite") as store:
        store.create_run(small_project())
    assert (tmp_path / "explicit.sqlite").exists()
    from core.runs import RunStoreError
    with pytest.raises(RunStoreError, match="does not exist"):
        RunStore(tmp_path / "no such folder" / "runs.sqlite")


def test_listing_a_thousand_runs_needs_no_history_or_json_parsing():
    """The listing carries the project as text; parsing waits until a view asks for it."""
    store = RunStore()
    project = small_project()
    for _ in range(30):
        store.create_run(project)
    runs = store.list_runs()
    assert len(runs) == 30 and all("project" not in r.__dict__ for r in runs)
    assert runs[0].project["name"] == "Moons" and "project" in runs[0].__dict__
    assert math.isfinite(runs[0].duration)
