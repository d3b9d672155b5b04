"""The per-layer keys of `Trainer.history` (`layers.{i}.grad_norm`, `.update_ratio`, `.act_mean`, `.act_std`,
`.saturation`, `.dead`): each value against an independent computation from the network's state at the steps the
history samples, headless, reproducible, and in the `--history` CSV."""
from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import core.trainer
from core.activation_stats import SATURATION_MARGIN
from core.events import BatchEnd, EpochEnd, TrainingStarted
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData

from cli_support import run
from history_support import assert_same_history

LAYERS = [
    {"type": "dense", "units": 12, "activation": "relu", "bias_initializer": {"name": "constant", "value": -2.0}},
    {"type": "dense", "units": 7, "activation": "tanh"},
    {"type": "batch_norm"},
    {"type": "dense", "units": 5, "activation": "sigmoid", "use_bias": False},
    {"type": "dense", "units": 3, "activation": "softmax"},
]


def make_trainer(dtype="float64", clip_norm=0.2, **training):
    rng = np.random.default_rng(4)
    X = rng.normal(0, 1, (96, 4))
    y = rng.integers(0, 3, 96)
    data = TrainingData.from_arrays(X, y, task="multiclass", n_classes=3)
    config = parse_training({"optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 16, "epochs": 2,
                             "dtype": dtype, "clip": {"norm": clip_norm}, **training})
    return Trainer(Network(LAYERS, 4, dtype), data, config, batch_event_interval=0.0)


def expected_figures(net: Network, before: np.ndarray) -> dict[str, float]:
    """Every per-step figure of the history, straight from the network after a step."""
    figures = {}
    for i, layer in enumerate(net.layers):
        entries = [e for e in net.entries if e.layer == i and e.trainable]
        if entries:
            g = np.concatenate([net.grads[e.offset:e.offset + e.size] for e in entries]).astype(np.float64)
            figures[f"layers.{i}.grad_norm"] = float(np.linalg.norm(g))
        for e in entries:
            if e.key == "weight":
                w = net.params[e.offset:e.offset + e.size].astype(np.float64)
                step = w - before[e.offset:e.offset + e.size]
                figures[f"layers.{i}.update_ratio"] = float(np.linalg.norm(step) / np.linalg.norm(w))
        act = layer.activation
        if act is None:
            continue
        out = layer.output if layer.output is not None else act.forward(layer.pre_activation)   # softmax: fused
        out = out.astype(np.float64)
        figures[f"layers.{i}.act_mean"] = float(np.mean(out))
        figures[f"layers.{i}.act_std"] = float(np.std(out))
        if act.saturation_bounds is not None:
            lo, hi = act.saturation_bounds
            m = SATURATION_MARGIN * (hi - lo)
            figures[f"layers.{i}.saturation"] = float(np.mean((out <= lo + m) | (out >= hi - m)))
    return figures


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_value_is_the_mean_over_the_sampled_steps_after_clipping(monkeypatch, dtype):
    monkeypatch.setattr(core.trainer, "SAMPLE_EVERY", 2)     # batches 2, 4, 6 of each epoch's six
    trainer = make_trainer(dtype)
    net = trainer.network
    sampled: list[dict[str, float]] = []
    before = None
    epochs = 0
    for event in trainer.run():
        if isinstance(event, TrainingStarted):
            before = net.params.astype(np.float64)
        elif isinstance(event, BatchEnd):                     # one per step (batch_event_interval 0)
            if (event.batch + 1) % 2 == 0:
                figures = expected_figures(net, before)
                total = sum(v * v for k, v in figures.items() if k.endswith("grad_norm"))
                assert math.sqrt(total) <= 0.2 * (1 + 1e-5)       # the norms are those after clipping
                sampled.append(figures)
            before = net.params.astype(np.float64)
        elif isinstance(event, EpochEnd):
            assert len(sampled) == 3
            for key in sampled[0]:
                mean = float(np.mean([s[key] for s in sampled]))
                assert event.logs[key] == pytest.approx(mean, rel=2e-4, abs=1e-7), key
                assert trainer.history[key][event.epoch] == event.logs[key]
            assert event.logs["layers.0.dead"] == event.dead_units[0] and event.dead_units[0] > 0
            expected_keys = {f"layers.{i}.{q}" for i in (0, 1, 3, 4) for q in ("act_mean", "act_std")}
            expected_keys |= {f"layers.{i}.{q}" for i in (0, 1, 3, 4) for q in ("grad_norm", "update_ratio")}
            expected_keys |= {"layers.2.grad_norm", "layers.0.dead"}
            expected_keys |= {f"layers.{i}.saturation" for i in (1, 3, 4)}
            assert {k for k in event.logs if k.startswith("layers.")} == expected_keys
            sampled = []
            epochs += 1
    assert epochs == 2


def test_the_same_seed_gives_the_same_layer_history():
    a, b = make_trainer(), make_trainer()
    a.fit()
    b.fit()
    assert any(k.startswith("layers.") for k in a.history)
    assert_same_history(a.history, b.history)


def test_without_diagnostics_only_the_dead_counts_are_kept():
    trainer = make_trainer(diagnostics={"budget": 0.0, "max_rate": 25})
    trainer.fit()
    assert [k for k in trainer.history if k.startswith("layers.")] == ["layers.0.dead"]


def test_a_key_that_appears_later_is_nan_before_and_the_history_stays_aligned():
    trainer = make_trainer(diagnostics={"budget": 0.0, "max_rate": 25}, epochs=4)
    trainer.fit(2)
    trainer.reconfigure(trainer.config.with_changes(diagnostics_budget=0.01))
    trainer.fit()
    h = trainer.history
    assert {len(values) for values in h.values()} == {4}
    assert all(math.isnan(v) for v in h["layers.0.grad_norm"][:2]) and not math.isnan(h["layers.0.grad_norm"][3])


def test_the_history_csv_of_a_headless_run_has_the_layer_columns(tmp_path):
    import json

    project = tmp_path / "p.json"
    project.write_text(json.dumps({
        "format": "layerlab/1", "name": "tiny",
        "data": {"source": "builtin", "name": "gauss", "samples": 200, "noise": 0.1,
                 "split": {"val": 0.25, "test": 0.0}},
        "model": {"layers": [{"type": "dense", "units": 6, "activation": "relu"},
                             {"type": "dense", "units": 4, "activation": "tanh"},
                             {"type": "dense", "units": 1, "activation": "sigmoid"}]},
        "training": {"loss": "binary_crossentropy", "optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 20,
                     "epochs": 3, "seed": 1}}))
    code, out, err = run("train", project, "--history", tmp_path / "h.csv", "--out", tmp_path / "m.npz")
    assert code == 0, err
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert len(rows) == 3
    for key in ("layers.0.grad_norm", "layers.0.update_ratio", "layers.0.act_mean", "layers.0.act_std",
                "layers.0.dead", "layers.1.saturation", "layers.2.saturation", "layers.2.grad_norm"):
        assert all(math.isfinite(float(row[key])) for row in rows), key
    assert all(0 <= float(row["layers.1.saturation"]) <= 1 for row in rows)
    assert "layers.0" not in out                 # the per-epoch lines stay short
