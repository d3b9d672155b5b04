"""The training loop: reproducibility, pause/resume/stop, early stopping, divergence, events and diagnostics."""
import math
import threading
import time

import numpy as np
import pytest

from core.diagnostics import DiagnosticsSnapshot
from core.errors import LayerLabError, TrainingError
from core.events import BatchEnd, Diverged, EpochEnd, Failed, Finished, TrainingStarted
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData
from history_support import assert_same_history


def blobs(n=200, seed=0, d=2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 1, (n, d)) + (2 * y[:, None] - 1) * 1.2
    return X, y


def make_trainer(layers=None, n=200, **training):
    X, y = blobs(n)
    data = TrainingData.from_arrays(X[: n * 3 // 4], y[: n * 3 // 4], X[n * 3 // 4:], y[n * 3 // 4:],
                                    task="binary", n_classes=2)
    layers = layers or [{"type": "dense", "units": 8, "activation": "relu"},
                        {"type": "dense", "units": 1, "activation": "sigmoid"}]
    config = parse_training({"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.01},
                             "batch_size": 16, "epochs": 5, **training})
    net = Network(layers, 2, config.dtype)
    return Trainer(net, data, config)


def test_same_seed_gives_bit_identical_weights():
    layers = [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dropout", "rate": 0.3},
              {"type": "gaussian_noise", "stddev": 0.1}, {"type": "dense", "units": 1, "activation": "sigmoid"}]
    a, b = make_trainer(layers, seed=3), make_trainer(layers, seed=3)
    a.fit()
    b.fit()
    assert np.array_equal(a.network.params, b.network.params)
    c = make_trainer(layers, seed=4)
    c.fit()
    assert not np.array_equal(a.network.params, c.network.params)


def test_training_in_pieces_equals_one_run():
    """fit(2) + fit(3) continues the same generators, so it equals fit(5)."""
    a, b = make_trainer(seed=1), make_trainer(seed=1)
    a.fit()
    b.fit(2)
    assert b.epoch == 2
    b.fit(3)
    assert np.array_equal(a.network.params, b.network.params)
    assert a.history["loss"] == b.history["loss"]


def test_reset_reproduces_the_same_start():
    t = make_trainer(seed=5)
    start = t.network.params.copy()
    t.fit(2)
    assert not np.array_equal(start, t.network.params)
    t.reset()
    assert np.array_equal(start, t.network.params)
    assert t.epoch == 0 and t.step == 0 and t.history == {}


def test_learns_and_logs_metrics_each_epoch():
    t = make_trainer(epochs=20)
    result = t.fit()
    assert isinstance(result, Finished) and result.reason == "completed" and result.epochs == 20
    assert len(t.history["loss"]) == 20
    assert t.history["loss"][-1] < t.history["loss"][0]
    assert t.history["val_accuracy"][-1] > 0.85
    for key in ("accuracy", "auc", "f1", "val_loss", "lr"):
        assert key in t.history


def test_event_order_and_contents():
    t = make_trainer(epochs=3)
    events = list(t.run())
    assert isinstance(events[0], TrainingStarted) and isinstance(events[-1], Finished)
    epoch_ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epoch_ends] == [0, 1, 2]
    batches = [e for e in events if isinstance(e, BatchEnd)]
    # The last batch of every epoch is always reported.
    for epoch in range(3):
        assert any(e.epoch == epoch and e.batch == e.batches_per_epoch - 1 for e in batches)
    assert events[0].batches_per_epoch == int(np.ceil(150 / 16))
    assert t.step == 3 * events[0].batches_per_epoch


def test_stop_from_another_thread_takes_effect_within_one_batch():
    t = make_trainer(epochs=10_000)
    seen = []

    def listener(event):
        if isinstance(event, BatchEnd):
            seen.append(event.step)
            if len(seen) == 3:
                t.stop()

    result = t.fit(listener=listener)
    assert isinstance(result, Finished) and result.reason == "stopped"
    # The stop is checked before every batch: at most one more step after the request.
    assert t.step <= seen[2] + 1


def test_a_held_gate_makes_the_loop_wait_between_batches():
    t = make_trainer(epochs=100_000)
    t.gate = threading.Lock()
    worker = threading.Thread(target=t.fit)
    with t.gate:
        worker.start()
        time.sleep(0.3)
        assert t.step == 0                 # waiting at the gate before the first batch
    deadline = time.perf_counter() + 10
    while t.step == 0 and time.perf_counter() < deadline:
        time.sleep(0.01)
    t.stop()
    worker.join(10)
    assert t.step > 0 and not worker.is_alive()


def test_pause_and_resume():
    t = make_trainer(epochs=200, n=400)
    steps = []
    t.pause()
    thread = threading.Thread(target=t.fit)
    thread.start()
    time.sleep(0.3)
    steps.append(t.step)
    assert t.paused
    t.resume()
    time.sleep(0.2)
    t.pause()
    time.sleep(0.1)
    frozen = t.step
    time.sleep(0.2)
    assert t.step == frozen  # nothing moves while paused
    t.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert steps[0] == 0 and frozen > 0


def test_early_stopping_keras_semantics_and_best_weights_restored():
    t = make_trainer(epochs=200, early_stopping={"monitor": "val_loss", "patience": 3, "min_delta": 1e-3})
    kept = {}

    def listener(event):
        if isinstance(event, EpochEnd) and event.improved:
            kept[event.epoch] = t.network.params.copy()

    result = t.fit(listener=listener)
    assert result.reason == "early_stopping"
    val = t.history["val_loss"]
    best = int(np.argmin(val))
    # Keras: stop once `patience` epochs pass without an improvement larger than min_delta.
    last_improvement = max(kept)
    assert result.epochs == last_improvement + 1 + 3
    assert result.best_epoch == last_improvement and result.restored_best
    assert np.array_equal(t.network.params, kept[last_improvement])
    assert val[last_improvement] <= min(val) + 1e-3
    assert best >= 0


def _keras_stop_epoch(values, patience, start=0, baseline_unreachable=True):
    """Keras' rule, replayed by hand: the wait never resets (unreachable baseline), an improvement returns early,
    and training stops at the first non-improving epoch once wait >= patience."""
    wait, best = 0, None
    for epoch, value in enumerate(values):
        if epoch < start:
            continue
        wait += 1
        if best is None or value < best:
            best = value
            continue
        if wait >= patience and epoch > 0:
            return epoch
    return None


def test_early_stopping_baseline_and_start_from_epoch():
    for start in (0, 4):
        t = make_trainer(epochs=60, early_stopping={"monitor": "val_loss", "patience": 2, "baseline": -1.0,
                                                    "start_from_epoch": start})
        result = t.fit()
        assert result.reason == "early_stopping"
        stop = _keras_stop_epoch(t.history["val_loss"], 2, start)
        assert result.epochs == stop + 1
        # Without the baseline, the wait resets on each improvement, so it runs at least as long.
        u = make_trainer(epochs=60, early_stopping={"monitor": "val_loss", "patience": 2, "start_from_epoch": start})
        assert u.fit().epochs >= result.epochs


def test_early_stopping_on_missing_metric_is_a_clear_error_before_training():
    with pytest.raises(LayerLabError, match="training.early_stopping.monitor is 'val_f2'"):
        make_trainer(epochs=5, early_stopping={"monitor": "val_f2"})


def test_best_weights_restored_when_the_user_stops():
    t = make_trainer(epochs=10_000, early_stopping={"monitor": "val_loss", "patience": 1000})

    def listener(event):
        if isinstance(event, EpochEnd) and event.epoch == 6:
            t.stop()

    result = t.fit(listener=listener)
    assert result.reason == "stopped" and result.restored_best


def test_divergence_stops_and_keeps_the_last_good_weights():
    t = make_trainer(epochs=50, optimizer={"name": "sgd", "lr": 1e30})
    start = t.network.params.copy()
    result = t.fit()
    assert isinstance(result, Diverged)
    assert result.what == "weights" and result.step == 1      # the first step's weights exploded: the start is kept
    np.testing.assert_array_equal(t.network.params, start)
    assert "diverged" in result.message and f"batch {result.batch + 1}" in result.message
    assert np.all(np.isfinite(t.network.params))
    with pytest.raises(TrainingError, match="diverged"):
        t.fit()


def test_nan_inputs_are_refused_before_training():
    X, y = blobs(50)
    X[3, 1] = np.nan
    data = TrainingData.from_arrays(X, y, task="binary", n_classes=2)
    net = Network([{"type": "dense", "units": 1, "activation": "sigmoid"}], 2)
    with pytest.raises(TrainingError, match="NaN"):
        Trainer(net, data, parse_training({}))


def test_unexpected_exception_becomes_a_failed_event(monkeypatch):
    t = make_trainer(epochs=2)

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(t.optimizer, "step", boom)
    result = t.fit()
    assert isinstance(result, Failed) and "kaboom" in result.message and "Traceback" in result.traceback


def test_a_failure_restores_the_best_weights_too():
    t = make_trainer(epochs=50, early_stopping={"monitor": "val_loss", "patience": 1000})
    kept = {}
    original = t.optimizer.step

    def step(params, grads):
        if t.epoch == 6:
            raise RuntimeError("kaboom")
        original(params, grads)

    def listener(event):
        if isinstance(event, EpochEnd) and event.improved:
            kept[event.epoch] = t.network.params.copy()

    t.optimizer.step = step
    result = t.fit(listener=listener)
    assert isinstance(result, Failed)
    assert t.best_epoch == max(kept) and np.array_equal(t.network.params, kept[t.best_epoch])


def test_divergence_on_the_first_batch_of_a_later_run_keeps_that_runs_starting_weights():
    t = make_trainer(epochs=2)
    t.fit()
    start = t.network.params.copy()
    t._prev_params[...] = 12345.0                 # whatever a buffer held before this run must not come back
    real = t.loss.value_and_grad_logits

    def poisoned(out, targets, weights=None):
        value, d = real(out, targets, weights)
        return float("nan"), d

    t.loss.value_and_grad_logits = poisoned
    result = t.fit(2)
    assert isinstance(result, Diverged) and result.batch == 0 and result.step == t.step
    assert np.array_equal(t.network.params, start)


def test_event_mappings_cannot_be_changed_by_a_listener():
    t = make_trainer(epochs=1, layers=[{"type": "dense", "units": 8, "activation": "relu"},
                                       {"type": "dense", "units": 1, "activation": "sigmoid"}])
    epochs = [e for e in t.run() if isinstance(e, EpochEnd)]
    logs, dead = epochs[0].logs, epochs[0].dead_units
    assert logs["loss"] == t.history["loss"][0] and 0 in dead
    with pytest.raises(TypeError):
        logs["loss"] = 0.0
    with pytest.raises(TypeError):
        dead[0] = 99
    source = {"accuracy": 0.5}
    finished = Finished("completed", 1, 1, None, False, 0.0, source)
    source["accuracy"] = 1.0                      # the event holds its own copy
    assert finished.test_metrics["accuracy"] == 0.5


def test_gradient_clipping_by_norm_and_value():
    t = make_trainer(epochs=1, clip={"norm": 1e-3})
    norms = []
    orig = t.optimizer.step

    def spy(params, grads):
        norms.append(float(np.linalg.norm(grads)))
        orig(params, grads)

    t.optimizer.step = spy
    t.fit()
    assert max(norms) <= 1e-3 * (1 + 1e-5)
    t = make_trainer(epochs=1, clip={"value": 1e-4})
    peaks = []
    orig2 = t.optimizer.step
    t.optimizer.step = lambda p, g: (peaks.append(float(np.max(np.abs(g)))), orig2(p, g))
    t.fit()
    assert max(peaks) <= 1e-4


def test_class_weights_change_the_loss_like_pytorch():
    """Balanced class weights equal PyTorch's weighted mean: sum(w_i l_i) / sum(w_i)."""
    X, y = blobs(100)
    y[:80] = 0
    data = TrainingData.from_arrays(X, y, task="binary", n_classes=2)
    net = Network([{"type": "dense", "units": 1, "activation": "sigmoid"}], 2, "float64")
    t = Trainer(net, data, parse_training({"class_weight": "balanced", "batch_size": 100, "epochs": 1,
                                           "dtype": "float64"}))
    counts = np.bincount(y)
    expected = 100 / (2 * counts)
    np.testing.assert_allclose(t._W, expected[y])


def test_diagnostics_snapshots_on_a_step_cadence():
    X, y = blobs(200)
    data = TrainingData.from_arrays(X, y, task="binary", n_classes=2)
    net = Network([{"type": "dense", "units": 6, "activation": "relu"},
                   {"type": "dense", "units": 4, "activation": "tanh"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], 2)
    t = Trainer(net, data, parse_training({"epochs": 2, "batch_size": 20}), diagnostics_every_steps=5)
    snaps = [e for e in t.run() if isinstance(e, DiagnosticsSnapshot)]
    assert [s.step for s in snaps] == list(range(5, 21, 5))
    snap = snaps[-1]
    assert [l.index for l in snap.layers] == [0, 1, 2]
    relu, tanh = snap.layer(0), snap.layer(1)
    assert relu.dead_batch is not None and 0 <= relu.dead_batch <= 6
    assert tanh.dead_batch is None and 0 <= tanh.saturation <= 1
    assert relu.unit_grad_norms.shape == (6,)
    assert relu.unit_grad_norm_counts.sum() == 6
    assert relu.grad_value_counts.sum() == 2 * 6
    assert not relu.unit_grad_norms.flags.writeable
    np.testing.assert_allclose(snap.global_grad_norm, np.linalg.norm(net.grads), rtol=1e-5)
    assert relu.update_ratio > 0


def test_snapshots_carry_a_trace_of_every_step_and_end_on_the_last_step():
    """Between snapshots the per-layer gradient norms and per-batch dead counts are traced (every step on a step
    cadence), and a run always ends with a snapshot of its last step, whatever the cadence."""
    X, y = blobs(200)
    data = TrainingData.from_arrays(X, y, task="binary", n_classes=2)
    net = Network([{"type": "dense", "units": 6, "activation": "relu"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], 2)
    t = Trainer(net, data, parse_training({"epochs": 2, "batch_size": 20}), diagnostics_every_steps=7)
    snaps = [e for e in t.run() if isinstance(e, DiagnosticsSnapshot)]
    assert [s.step for s in snaps] == [7, 14, 20]
    steps = np.concatenate([s.trace.steps for s in snaps])
    assert steps.tolist() == list(range(1, 21))
    for snap in snaps:
        trace = snap.trace
        assert trace.grad_layers == (0, 1) and trace.dead_layers == (0,)
        assert trace.grad_norms.shape == (len(trace), 2) and trace.dead_batch.shape == (len(trace), 1)
        assert not trace.grad_norms.flags.writeable
        # The trace's last row is the snapshot's own step and agrees with it.
        assert trace.steps[-1] == snap.step
        np.testing.assert_allclose(trace.grad_norms[-1], [snap.layer(0).grad_norm, snap.layer(1).grad_norm])
        assert trace.dead_batch[-1, 0] == snap.layer(0).dead_batch
    # The last row was taken from the final gradients.
    g = net.grads
    per_layer = [np.sqrt(sum(float(np.dot(g[e.offset:e.offset + e.size], g[e.offset:e.offset + e.size]))
                             for e in net.entries if e.layer == i and e.trainable)) for i in (0, 1)]
    np.testing.assert_allclose(snaps[-1].trace.grad_norms[-1], per_layer, rtol=1e-6)


def test_a_stopped_run_ends_with_a_snapshot_of_its_last_step():
    t = make_trainer(epochs=50)
    t.diagnostics.budget, t.diagnostics.min_interval = 1e-9, 3600.0   # one snapshot, then none for an hour
    last_snapshot = None
    for event in t.run():
        if isinstance(event, DiagnosticsSnapshot):
            last_snapshot = event
        if isinstance(event, BatchEnd) and event.step >= 23:
            t.stop()
    assert t.step >= 23 and last_snapshot.step == t.step
    assert last_snapshot.trace.steps[-1] == t.step


def test_dead_relu_units_are_counted_per_epoch():
    """Units whose pre-activation is <= 0 for every sample of the epoch are dead; others are not."""
    X, y = blobs(100)
    X = np.abs(X)  # all inputs positive
    data = TrainingData.from_arrays(X, y, task="binary", n_classes=2)
    net = Network([{"type": "dense", "units": 5, "activation": "relu"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], 2, "float64")
    t = Trainer(net, data, parse_training({"epochs": 1, "batch_size": 10, "dtype": "float64",
                                           "optimizer": {"name": "sgd", "lr": 0.0}}))
    w = net.named_arrays()
    w["layers.0.weight"][...] = [[1, -1, 1, -1, 0.1], [1, -1, -1, -1, 0.1]]
    w["layers.0.bias"][...] = [0, 0, 0, -5, 0]
    epoch_ends = [e for e in t.run() if isinstance(e, EpochEnd)]
    # Unit 1 (all negative weights) and unit 3 (negative weights, negative bias) never fire.
    # Unit 2 fires for some samples and not others: alive. Units 0 and 4 always fire.
    expected = int(np.sum(np.max(X @ w["layers.0.weight"] + w["layers.0.bias"], axis=0) <= 0))
    assert expected == 2
    assert epoch_ends[0].dead_units == {0: 2}


@pytest.mark.parametrize("bias", [0.0, -1.5, -50.0])
def test_dead_unit_tracker_matches_the_definition_over_many_batches(bias):
    """Dead for the epoch = pre-activation <= 0 for every sample of every batch; the tracker's cheap form (batch
    sums of outputs, resting once every unit has fired) must count exactly that."""
    from core.diagnostics import DeadUnitTracker

    rng = np.random.default_rng(3)
    net = Network([{"type": "dense", "units": 12, "activation": "relu"},
                   {"type": "dense", "units": 7, "activation": "relu6"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], 3, "float64")
    net.initialize(rng)
    net.layers[0].params["bias"][:6] = bias
    tracker = DeadUnitTracker(net)
    seen = {0: [], 1: []}
    for _ in range(3 * DeadUnitTracker.CHECK_EVERY):
        net.forward(rng.normal(size=(int(rng.integers(1, 9)), 3)), True, rng)
        tracker.update()
        for i in seen:
            seen[i].append(np.max(net.layers[i].pre_activation, axis=0))
    expected = {i: int(np.count_nonzero(np.max(seen[i], axis=0) <= 0)) for i in seen}
    resting = tracker._resting
    assert tracker.end_epoch() == expected
    assert resting == (expected == {0: 0, 1: 0})       # it rests once everyone has fired, and only then
    if bias == 0.0:
        assert expected == {0: 0, 1: 0}
    if bias == -50.0:
        assert expected[0] >= 6


def test_a_corrupt_checkpoint_changes_nothing():
    """Every part of a checkpoint is checked before any is applied: the optimizer's moments, the generators and the
    counters stay as they were when a later part turns out to be bad."""
    source = make_trainer(epochs=3, schedule={"name": "step", "step_size": 1, "gamma": 0.5})
    source.fit()
    target = make_trainer(epochs=3, schedule={"name": "step", "step_size": 1, "gamma": 0.5})
    before = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in target.optimizer.state_dict().items()}
    rng_before = target.shuffle_rng.bit_generator.state
    for corrupt in ("rng", "schedule", "history"):
        state = source.checkpoint_state()
        if corrupt == "rng":
            del state["rng"]["noise"]
        elif corrupt == "schedule":
            state["schedule"] = {"nonsense": True}
        else:
            state["history"] = {"loss": ["not a number"]}
        with pytest.raises(LayerLabError, match="checkpoint|state"):
            target.load_checkpoint(state, source.optimizer.state_dict(), {})
        assert target.epoch == 0 and target.step == 0 and target.history == {}
        assert target.shuffle_rng.bit_generator.state == rng_before
        for key, value in target.optimizer.state_dict().items():
            assert np.array_equal(value, before[key]) if isinstance(value, np.ndarray) else value == before[key]
    target.load_checkpoint(source.checkpoint_state(), source.optimizer.state_dict(), {})
    assert (target.epoch, target.step) == (source.epoch, source.step)


def test_a_shorter_run_pauses_training_and_keeps_its_last_weights():
    """fit(n) short of training.epochs (a Step, --stop-after) is a pause: the best weights come back only when
    training ends, so fit(3) + fit() gives the same weights as one uninterrupted fit()."""
    settings = dict(epochs=8, early_stopping={"monitor": "val_loss", "patience": 100},
                    schedule={"name": "cosine"})
    whole, parts = make_trainer(**settings), make_trainer(**settings)
    last = {}
    parts.fit(3, listener=lambda e: last.update(p=parts.network.params.copy()) if isinstance(e, EpochEnd) else None)
    assert np.array_equal(parts.network.params, last["p"])          # not the best epoch's weights
    end = parts.fit()
    assert end.restored_best and np.array_equal(parts.network.params, parts.best_state[0])
    whole.fit()
    assert np.array_equal(whole.network.params, parts.network.params)
    assert_same_history(whole.history, parts.history)


def test_end_after_epoch_from_another_thread_finishes_the_epoch_in_progress():
    t = make_trainer(epochs=1000, early_stopping={"monitor": "val_loss", "patience": 1000})
    t.fit(2)
    t.pause()
    done = []
    worker = threading.Thread(target=lambda: done.append(t.fit()))
    t.end_after_epoch()                               # asked before the run has even started: it still counts
    worker.start()
    t.resume()
    worker.join(10)
    assert done[0].reason == "completed" and not done[0].restored_best
    assert t.epoch == 3 and t.step == 3 * t.batches_per_epoch
    assert t.fit(1).epochs == 4                       # the request ended with its run


def test_both_data_types_provide_what_the_trainer_reads():
    """A project's PreparedData and arrays given as TrainingData both provide the declared TrainerData; the same
    rows train to the same weights either way."""
    from core.data import load_dataset, prepare
    from core.training_data import TrainerData

    spec = {"source": "builtin", "name": "xor", "samples": 120, "split": {"val": 0.25, "test": 0.0}, "seed": 0}
    prepared = prepare(load_dataset(spec), spec)
    arrays = TrainingData.from_arrays(prepared.train.X, prepared.train.y, prepared.val.X, prepared.val.y,
                                      task=prepared.task, n_classes=prepared.n_classes)
    assert isinstance(prepared, TrainerData) and isinstance(arrays, TrainerData)
    config = parse_training({"loss": "binary_crossentropy", "batch_size": 16, "epochs": 2, "seed": 1})
    layers = [{"type": "dense", "units": 4, "activation": "tanh"},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]
    weights = []
    for data in (prepared, arrays):
        trainer = Trainer(Network(layers, prepared.input_width, config.dtype), data, config)
        trainer.fit()
        weights.append(trainer.network.params.copy())
        assert "val_accuracy" in trainer.history
    np.testing.assert_array_equal(weights[0], weights[1])


def test_a_finished_event_says_how_the_run_ended():
    from core.events import COMPLETED, EARLY_STOPPING, STOPPED

    assert Finished(COMPLETED, 5, 50, None, False, 1.0).outcome == "finished"
    assert Finished(STOPPED, 5, 50, None, False, 1.0).outcome == "stopped"
    early = Finished(EARLY_STOPPING, 9, 90, 3, True, 1.0)
    assert (early.outcome, early.restored_note) == ("stopped early", "best epoch 4 restored")
    assert Finished(EARLY_STOPPING, 9, 90, 3, False, 1.0).restored_note == ""
    trainer = make_trainer(epochs=40, early_stopping={"monitor": "loss", "patience": 0, "min_delta": 10.0})
    last = trainer.fit()
    assert last.reason == EARLY_STOPPING and last.restored_note == f"best epoch {last.best_epoch + 1} restored"


def test_batches_sliced_as_they_come_train_like_batch_views_made_once(monkeypatch):
    """An epoch of more batches than MAX_BATCH_VIEWS slices them step by step instead of keeping their views: the
    same rows in the same order, so the same weights, shuffled or not."""
    import core.training_setup as setup

    for shuffle in (True, False):
        viewed = make_trainer(epochs=3, shuffle=shuffle, class_weight="balanced")
        assert viewed._batches is not None
        monkeypatch.setattr(setup, "MAX_BATCH_VIEWS", 1)
        sliced = make_trainer(epochs=3, shuffle=shuffle, class_weight="balanced")
        monkeypatch.undo()
        assert sliced._batches is None
        viewed.fit()
        sliced.fit()
        np.testing.assert_array_equal(viewed.network.params, sliced.network.params)
        assert_same_history(viewed.history, sliced.history)


def test_a_diverging_train_step_changes_nothing():
    from core.trainer import StepDiverged

    t = make_trainer()
    X = t._X[:16].copy()
    T = t.loss.prepare_targets(np.zeros(16, dtype=int), 1, t.network.dtype)
    before, step = t.network.params.copy(), t.step
    value = t.train_step(X, T)
    assert math.isfinite(value) and t.step == step + 1 and not np.array_equal(t.network.params, before)
    X[3, 0] = np.inf
    after_one = t.network.params.copy()
    with pytest.raises(StepDiverged) as info, np.errstate(invalid="ignore", over="ignore"):
        t.train_step(X, T)
    assert info.value.what in ("loss", "gradient") and t.step == step + 1
    np.testing.assert_array_equal(t.network.params, after_one)


def test_a_runs_last_event_gives_its_status_in_the_run_store():
    from core.events import COMPLETED, EARLY_STOPPING, RUN_STATUSES, STOPPED, run_status

    ends = [Finished(COMPLETED, 5, 50, None, False, 1.0), Finished(EARLY_STOPPING, 5, 50, 2, True, 1.0),
            Finished(STOPPED, 5, 50, None, False, 1.0), Diverged(0, 3, 3, "loss", float("nan"), "diverged"),
            Failed("boom", "")]
    assert [run_status(end) for end in ends] == ["finished", "early_stopped", "stopped", "diverged", "failed"]
    assert all(run_status(end) in RUN_STATUSES for end in ends)
