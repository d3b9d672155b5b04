"""A checkpoint continues training exactly: weights, optimizer moments, generators, schedule and early-stopping
state round-trip through the weights file, so an interrupted run equals an uninterrupted one bit for bit."""
import numpy as np
import pytest

from core.errors import TrainingError, WeightsError
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData
from core.model_files import load_weights, save_weights
from history_support import assert_same_history

LAYERS = [{"type": "dense", "units": 12, "activation": "relu"}, {"type": "dropout", "rate": 0.2},
          {"type": "batch_norm"}, {"type": "dense", "units": 3, "activation": "softmax"}]
SETTINGS = {"optimizer": {"name": "adam", "lr": 0.01, "amsgrad": True}, "batch_size": 16, "epochs": 10,
            "schedule": {"name": "reduce_on_plateau", "patience": 1, "factor": 0.5},
            "early_stopping": {"monitor": "val_loss", "patience": 50}, "seed": 11}


def _data():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 240)
    X = rng.normal(size=(240, 4)) + y[:, None]
    return TrainingData.from_arrays(X[:180], y[:180], X[180:], y[180:], task="multiclass", n_classes=3)


def _trainer():
    config = parse_training(SETTINGS)
    return Trainer(Network(LAYERS, 4, config.dtype), _data(), config)


def _save(trainer, path):
    save_weights(path, trainer.network.state_dict(), {"project": {}, "checkpoint": trainer.checkpoint_state()},
                 trainer.optimizer.state_dict(), trainer.checkpoint_arrays())


def test_resume_equals_uninterrupted(tmp_path):
    whole = _trainer()
    whole.fit()
    first = _trainer()
    first.fit(4)
    _save(first, tmp_path / "ckpt.npz")
    wf = load_weights(tmp_path / "ckpt.npz")
    resumed = _trainer()  # a fresh process would build exactly this, then load
    resumed.network.load_state_dict(wf.arrays)
    resumed.load_checkpoint(wf.meta["checkpoint"], wf.optimizer, wf.checkpoint_arrays)
    assert resumed.epoch == 4 and resumed.step == first.step
    resumed.fit(6)
    assert np.array_equal(whole.network.params, resumed.network.params)
    assert np.array_equal(whole.network.buffers, resumed.network.buffers)
    assert_same_history(whole.history, resumed.history)
    assert whole.optimizer.lr == resumed.optimizer.lr


def test_checkpoint_state_is_validated(tmp_path):
    t = _trainer()
    t.fit(1)
    state = t.checkpoint_state()
    del state["rng"]
    with pytest.raises(TrainingError, match="checkpoint"):
        _trainer().load_checkpoint(state, t.optimizer.state_dict(), {})
    bad = dict(t.optimizer.state_dict())
    key = next(k for k, v in bad.items() if isinstance(v, np.ndarray))
    bad[key] = bad[key][:-1]
    with pytest.raises(WeightsError):
        _trainer().load_checkpoint(t.checkpoint_state(), bad, {})


def test_reconfigure_keeps_weights_and_optimizer_state():
    t = _trainer()
    t.fit(2)
    weights = t.network.params.copy()
    step_count = t.optimizer.step_count
    t.reconfigure(parse_training({**SETTINGS, "optimizer": {"name": "adam", "lr": 0.001, "amsgrad": True}}))
    assert np.array_equal(weights, t.network.params)
    assert t.optimizer.lr == pytest.approx(0.001) and t.optimizer.step_count == step_count
    assert t.epoch == 2
    # Another optimizer kind starts with fresh state.
    t.reconfigure(parse_training({**SETTINGS, "optimizer": {"name": "sgd", "lr": 0.1, "momentum": 0.9}}))
    assert t.optimizer.name == "sgd" and t.optimizer.step_count == 0
    t.fit(1)
    assert t.epoch == 3
    with pytest.raises(TrainingError, match="dtype"):
        t.reconfigure(parse_training({**SETTINGS, "dtype": "float64"}))
