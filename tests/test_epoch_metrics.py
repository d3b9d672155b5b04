"""What each epoch logs besides the loss (core/epoch_metrics.py): training metrics from the epoch's own batch
outputs (as Keras reports them), the ranking metric at most once every CURVE_INTERVAL seconds, the last epoch of the
training exact over every row, and nothing of it touching the random generators."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.activations import get_activation
from core.epoch_metrics import CURVE_INTERVAL, RANKING_KEYS
from core.events import BatchEnd, EpochEnd
from core.metrics import evaluate
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData


def make_trainer(task="binary", dropout=False, **training):
    rng = np.random.default_rng(3)
    X = rng.normal(0, 1, (120, 3))
    if task == "binary":
        y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
        out = {"type": "dense", "units": 1, "activation": "sigmoid"}
        loss, k = "binary_crossentropy", 2
    else:
        y = np.digitize(X[:, 0] + X[:, 1], [-0.6, 0.6])
        out = {"type": "dense", "units": 3, "activation": "softmax"}
        loss, k = "categorical_crossentropy", 3
    data = TrainingData.from_arrays(X[:90], y[:90], X[90:], y[90:], task=task, n_classes=k)
    layers = [{"type": "dense", "units": 8, "activation": "tanh"}]
    layers += [{"type": "dropout", "rate": 0.3}] if dropout else []
    config = parse_training({"loss": loss, "optimizer": {"name": "adam", "lr": 0.02}, "batch_size": 16,
                             "epochs": 6, **training})
    return Trainer(Network(layers + [out], 3, config.dtype), data, config, batch_event_interval=0.0)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_training_metrics_come_from_the_epochs_batch_outputs(task):
    trainer = make_trainer(task, dropout=True, shuffle=False)           # batches in row order: targets known
    y = np.asarray(trainer.data.train.y)
    activation = get_activation("sigmoid" if task == "binary" else "softmax")
    outputs = []
    for event in trainer.run():
        if isinstance(event, BatchEnd):
            outputs.append(activation.forward(trainer._out))          # the step's training outputs
        elif isinstance(event, EpochEnd):
            if event.epoch < 5:                                # (the last epoch is exact instead: below)
                expected = evaluate(task, y, np.concatenate(outputs), trainer.n_classes)
                for key in ("accuracy", "precision", "recall", "f1", "specificity", "mcc"):
                    assert event.logs[key] == pytest.approx(expected[key], abs=1e-12), key
            outputs = []


def test_the_last_epoch_of_the_training_is_exact_over_every_row():
    trainer = make_trainer(dropout=True)
    events = [e for e in trainer.run() if isinstance(e, EpochEnd)]
    exact = evaluate("binary", trainer.data.train.y, trainer.network.predict(trainer._X), 2)
    assert dict(events[-1].logs.items() & exact.items()) == exact          # every metric, auc included
    assert all(math.isfinite(events[-1].logs[key]) for key in RANKING_KEYS)
    val = evaluate("binary", trainer.data.val.y, trainer.network.predict(trainer.data.val.X), 2)
    assert {f"val_{k}": v for k, v in val.items()}.items() <= events[-1].logs.items()


def test_early_stopping_makes_its_last_epoch_exact_too():
    trainer = make_trainer(epochs=200, early_stopping={"monitor": "val_loss", "patience": 1,
                                                       "restore_best_weights": False})
    end = trainer.fit()
    assert end.reason == "early_stopping" and trainer.epoch < 200
    exact = evaluate("binary", trainer.data.train.y, trainer.network.predict(trainer._X), 2)
    assert {k: trainer.history[k][-1] for k in exact} == exact


def test_a_shorter_run_logs_its_last_epoch_like_any_other():
    """fit(n) short of training.epochs only pauses training: its last epoch is not recomputed, so a paused and
    resumed training logs what an uninterrupted one does."""
    paused, whole = make_trainer(), make_trainer()
    paused.fit(2)
    whole.fit()
    assert paused.history["accuracy"] == whole.history["accuracy"][:2]


def test_the_ranking_metric_is_logged_at_most_once_an_interval_and_at_the_end():
    trainer = make_trainer(epochs=12)
    now = [0.0]

    def clock():
        now[0] += CURVE_INTERVAL / 3.5          # each epoch end looks at the clock once: ~a third of an interval
        return now[0]

    trainer.metrics.clock = clock
    trainer.fit()
    logged = [i for i, v in enumerate(trainer.history["auc"]) if not math.isnan(v)]
    assert logged == [0, 4, 8, 11]             # the first, then once per interval, and the last
    assert [i for i, v in enumerate(trainer.history["val_auc"]) if not math.isnan(v)] == logged
    assert all(not math.isnan(v) for v in trainer.history["accuracy"])


def test_a_monitored_ranking_metric_is_logged_every_epoch():
    trainer = make_trainer(epochs=6, early_stopping={"monitor": "val_auc", "patience": 100})
    trainer.metrics.clock = lambda: 0.0        # the interval never passes
    trainer.fit()
    assert all(not math.isnan(v) for v in trainer.history["val_auc"])


def test_what_is_logged_draws_no_random_numbers():
    """The same seed gives the same weights and generator states however often the ranking metric is computed."""
    always, never = make_trainer(dropout=True), make_trainer(dropout=True)
    ticks = iter(range(0, 10_000, 10))
    always.metrics.clock = lambda: next(ticks)          # ten intervals pass between two epochs
    never.metrics.clock = lambda: 0.0                   # none ever passes: only the first epoch ranks
    always.fit(5)                              # a pause: no exact last epoch either
    never.fit(5)
    np.testing.assert_array_equal(always.network.params, never.network.params)
    assert always.noise_rng.bit_generator.state == never.noise_rng.bit_generator.state
    assert always.shuffle_rng.bit_generator.state == never.shuffle_rng.bit_generator.state
    assert not math.isnan(always.history["auc"][3]) and math.isnan(never.history["auc"][3])
