"""Divergence is also an explosion: a loss or weights grown by orders of magnitude end the run like a NaN does,
before diagnostics or views see them, with the last good weights kept. Swept over every optimizer and both
dtypes at a learning rate a million times too high."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from core.divergence import LOSS_GROWTH, WEIGHT_GROWTH, DivergenceGuard
from core.events import BatchEnd, Diverged, Finished
from core.model_io import build_network, load_data
from core.network import Network
from core.project import load_project
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData

from cli_support import run

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"
OPTIMIZERS = [{"name": "sgd"}, {"name": "sgd", "momentum": 0.9, "nesterov": True}, {"name": "adagrad"},
              {"name": "rmsprop"}, {"name": "rmsprop", "momentum": 0.9}, {"name": "adadelta"}, {"name": "adam"},
              {"name": "adam", "amsgrad": True}, {"name": "adamw"}, {"name": "adamax"}, {"name": "nadam"}]


def spiral_like(n=160, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 3 * np.pi, n)
    y = rng.integers(0, 2, n)
    X = np.c_[t * np.cos(t + np.pi * y), t * np.sin(t + np.pi * y)] / 5 + rng.normal(0, 0.1, (n, 2))
    return X, y


def make_trainer(optimizer, dtype="float32", epochs=20, every_steps=None, **training):
    X, y = spiral_like()
    data = TrainingData.from_arrays(X[:120], y[:120], X[120:], y[120:], task="binary", n_classes=2)
    config = parse_training({"loss": "binary_crossentropy", "optimizer": optimizer, "batch_size": 10,
                             "epochs": epochs, "dtype": dtype, **training})
    layers = [{"type": "dense", "units": 16, "activation": "relu"},
              {"type": "dense", "units": 16, "activation": "tanh"},
              {"type": "dense", "units": 1, "activation": "sigmoid"}]
    return Trainer(Network(layers, 2, dtype), data, config, diagnostics_every_steps=every_steps)


def norm(params):
    return float(np.linalg.norm(params.astype(np.float64)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: "-".join(str(v) for v in o.values()))
def test_every_optimizer_at_a_huge_learning_rate_diverges_and_keeps_good_weights(optimizer, dtype):
    trainer = make_trainer({**optimizer, "lr": 1e6}, dtype)
    start = norm(trainer.network.params)
    losses = []
    end = trainer.fit(listener=lambda e: losses.append(e.loss) if isinstance(e, BatchEnd) else None)
    assert isinstance(end, Diverged), (end, trainer.history.get("loss"))
    assert end.what in ("loss", "weights", "gradient") and "diverged" in end.message
    kept = trainer.network.params
    assert np.all(np.isfinite(kept)) and norm(kept) <= WEIGHT_GROWTH * start
    assert all(math.isfinite(v) for values in trainer.history.values() for v in values if not math.isnan(v))
    assert all(loss <= LOSS_GROWTH * max(losses[0], 1.0) for loss in losses)     # nothing exploded was reported


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_weights_that_overflow_with_a_finite_loss_never_reach_the_histograms(optimizer):
    """rmsprop at lr 1e38 in float32: the update overflows the weights to Inf after a step whose loss was fine;
    a snapshot after every step must not meet them (it used to fail with "'list' argument must have no negative
    elements" and keep no weights)."""
    trainer = make_trainer({"name": optimizer, "lr": 1e38}, every_steps=1)
    start = trainer.network.params.copy()
    end = trainer.fit()
    assert isinstance(end, Diverged), end
    np.testing.assert_array_equal(trainer.network.params, start)       # the first step already blew up


def test_an_explosion_keeps_the_weights_from_before_it():
    trainer = make_trainer({"name": "sgd", "lr": 0.1}, epochs=50)
    kept = []
    calls = [0]
    original = trainer.optimizer.step

    def step(params, grads):                      # a healthy run until step 31, then one step blows up
        calls[0] += 1
        if calls[0] == 31:
            kept.append(params.copy())
            params *= 1e4
        else:
            original(params, grads)

    trainer.optimizer.step = step
    end = trainer.fit()
    assert isinstance(end, Diverged) and end.step == 31 and end.what in ("loss", "weights")
    np.testing.assert_array_equal(trainer.network.params, kept[0])
    assert "the last good weights were kept" in end.message


def test_the_limits_follow_the_start_of_training():
    guard = DivergenceGuard()
    params = np.full(100, 0.1)
    guard.start_run(params, None)
    assert guard.weight_reference == pytest.approx(1.0) and guard.loss_limit == math.inf
    guard.set_loss_reference(0.5)
    assert guard.loss_limit == LOSS_GROWTH * 1.0          # a small first loss counts as 1
    assert guard.weights_norm_if_bad(params * 999) is None
    assert guard.weights_norm_if_bad(params * 1001) == pytest.approx(1001.0)
    assert guard.weights_norm_if_bad(np.where(np.arange(100) == 3, np.inf, params)) == math.inf
    restored = DivergenceGuard()
    restored.start_run(np.zeros(100), 40.0)               # a checkpoint's history; a zero initialisation
    assert restored.loss_limit == LOSS_GROWTH * 40.0
    assert restored.weights_norm_if_bad(np.full(100, 5.0)) is None          # the floor: 0.01 per parameter
    assert restored.weights_norm_if_bad(np.full(100, 11.0)) is not None
    guard.reset()
    assert guard.loss_reference is None and guard.weight_reference is None


def test_well_tuned_high_learning_rates_are_not_divergence():
    """The dying-ReLU lesson trains at a high rate on purpose (its loss jumps to several times its start): it
    must finish, not be called diverged."""
    project = load_project(EXAMPLES / "dying_relu.json")
    data = load_data(project)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    assert isinstance(trainer.fit(), Finished)


def test_the_learning_rate_too_high_example_diverges_headless_with_exit_1(tmp_path):
    project = load_project(EXAMPLES / "learning_rate_too_high.json")
    data = load_data(project)
    trainer = Trainer(build_network(project, data.input_width), data, project.training)
    start = trainer.network.params.copy()
    end = trainer.fit()
    assert isinstance(end, Diverged) and "the loss grew to" in end.message
    assert norm(trainer.network.params) <= WEIGHT_GROWTH * norm(start)
    code, out, err = run("train", EXAMPLES / "learning_rate_too_high.json", "--out", tmp_path / "m.npz")
    assert code == 1 and "diverged" in err
