"""Every figure of a diagnostics snapshot against an independent computation from the network's state.

`Trainer.run()` is a generator suspended right after it yields a snapshot, so the network then holds exactly the
gradients, weights and layer outputs the snapshot was computed from.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.activation_stats import SATURATION_MARGIN
from core.diagnostics import (GRAD_VALUE_EDGES, TRACE_BUDGET, TRACE_RATE, UNIT_NORM_EDGES, WEIGHT_BINS,
                              DiagnosticsCollector, DiagnosticsSnapshot)
from core.network import Network
from core.trainer import Trainer
from core.training_config import parse_training
from core.training_data import TrainingData

LAYERS = [
    {"type": "dense", "units": 12, "activation": "relu", "bias_initializer": {"name": "constant", "value": -3.0}},
    {"type": "dense", "units": 7, "activation": "tanh"},
    {"type": "batch_norm"},
    {"type": "dense", "units": 5, "activation": "sigmoid", "use_bias": False},
    {"type": "dense", "units": 3, "activation": "softmax"},
]


def reference_histogram(values, edges):
    v = np.asarray(values, dtype=np.float64).ravel()
    return np.histogram(np.clip(v[~np.isnan(v)], edges[0], edges[-1]), edges)[0]


def snapshots_with_state(dtype: str, steps: int = 6):
    """(snapshot, params, grads, params before the step, per-layer (pre_activation, output)) for each step."""
    rng = np.random.default_rng(4)
    X = rng.normal(0, 1, (96, 4))
    y = rng.integers(0, 3, 96)
    data = TrainingData.from_arrays(X, y, task="multiclass", n_classes=3)
    net = Network(LAYERS, 4, dtype)
    config = parse_training({"optimizer": {"name": "adam", "lr": 0.05}, "batch_size": 16, "epochs": 1,
                             "dtype": dtype})
    trainer = Trainer(net, data, config, diagnostics_every_steps=1)
    out = []
    for event in trainer.run():
        if isinstance(event, DiagnosticsSnapshot):
            state = [(None if getattr(layer, "pre_activation", None) is None else layer.pre_activation.copy(),
                      None if getattr(layer, "output", None) is None else layer.output.copy())
                     for layer in net.layers]
            out.append((event, net.params.copy(), net.grads.copy(), trainer._prev_params.copy(), state))
            if len(out) == steps:
                break
    return net, out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_snapshot_figure_matches_an_independent_computation(dtype):
    net, snaps = snapshots_with_state(dtype)
    assert [s.step for s, *_ in snaps] == list(range(1, 7))
    for snap, P, G, before, state in snaps:
        assert snap.global_grad_norm == pytest.approx(np.linalg.norm(G.astype(np.float64)), rel=1e-5)
        assert [entry.index for entry in snap.layers] == [0, 1, 2, 3, 4]
        for d in snap.layers:
            i = d.index
            entries = {e.key: e for e in net.entries if e.layer == i and e.trainable}

            def part(array, key, entries=entries):
                e = entries[key]
                return array[e.offset:e.offset + e.size].astype(np.float64).reshape(e.shape)

            grads = np.concatenate([part(G, k).ravel() for k in entries])
            assert d.grad_norm == pytest.approx(np.linalg.norm(grads), rel=1e-5)
            pre, output = state[i]
            if "weight" in entries:
                gw, w = part(G, "weight"), part(P, "weight")
                assert d.kernel_grad_norm == pytest.approx(np.linalg.norm(gw), rel=1e-5)
                units = np.sqrt((gw ** 2).sum(axis=0))          # each unit's incoming-weight gradient
                np.testing.assert_allclose(d.unit_grad_norms, units, rtol=1e-5)
                np.testing.assert_array_equal(d.unit_grad_norm_counts, reference_histogram(units, UNIT_NORM_EDGES))
                np.testing.assert_array_equal(d.grad_value_counts,
                                              reference_histogram(G[entries["weight"].offset:][:gw.size],
                                                                  GRAD_VALUE_EDGES))
                counts, edges = np.histogram(P[entries["weight"].offset:][:w.size], bins=WEIGHT_BINS,
                                             range=(float(w.min()), float(w.max())))
                np.testing.assert_array_equal(d.weight_counts, counts)
                np.testing.assert_allclose(d.weight_edges, edges, rtol=1e-6)
                assert d.weight_norm == pytest.approx(np.linalg.norm(w), rel=1e-5)
                step = w - part(before, "weight")
                assert d.update_ratio == pytest.approx(np.linalg.norm(step) / np.linalg.norm(w), rel=1e-4)
            else:                                                  # batch norm: gamma and beta
                assert math.isnan(d.kernel_grad_norm) and d.unit_grad_norms.size == 0
                assert d.unit_grad_norm_counts.sum() == 0 and d.grad_value_counts.sum() == 0
            if "bias" in entries:
                assert d.bias_grad_norm == pytest.approx(np.linalg.norm(part(G, "bias")), rel=1e-5)
            elif "weight" in entries:
                assert math.isnan(d.bias_grad_norm)
            layer = net.layers[i]
            act = layer.activation
            if act is not None and act.name == "relu":
                assert d.dead_batch == int(np.count_nonzero(pre.max(axis=0) <= 0))
                assert d.dead_batch > 0                            # the negative bias kills some units
            else:
                assert d.dead_batch is None
            if act is not None and act.saturation_bounds is not None:
                a = act.forward(pre) if output is None else output   # softmax is fused with the loss
                lo, hi = act.saturation_bounds
                m = SATURATION_MARGIN * (hi - lo)
                assert d.saturation == pytest.approx(np.mean((a <= lo + m) | (a >= hi - m)))
            if output is not None:
                assert d.activation_mean == pytest.approx(np.mean(output.astype(np.float64)), rel=1e-5, abs=1e-7)
                assert d.activation_std == pytest.approx(np.std(output.astype(np.float64)), rel=1e-5, abs=1e-7)


def test_dead_so_far_counts_units_silent_for_every_batch_of_the_epoch():
    net, snaps = snapshots_with_state("float64")
    silent = None
    for snap, _P, _G, _before, state in snaps:
        fired = state[0][0].max(axis=0) > 0
        silent = ~fired if silent is None else silent & ~fired
        assert snap.layer(0).dead_epoch_so_far == int(np.count_nonzero(silent))


def test_after_a_cold_first_snapshot_the_next_waits_only_the_minimum_interval():
    """The first snapshot pays for warm-up (table caches, first allocations): its cost must not set the pace."""
    net = Network([{"type": "dense", "units": 4, "activation": "relu"}], 2)
    now, cpu, cost = [0.0], [0.0], [0.5]          # the first snapshot "costs" 0.5 s of CPU
    collector = DiagnosticsCollector(net, budget=0.01, max_rate=25.0, clock=lambda: now[0],
                                     cost_clock=lambda: cpu[0])
    take_trace = collector.take_trace

    def costly_take_trace():
        cpu[0] += cost[0]
        return take_trace()

    collector.take_trace = costly_take_trace
    net.forward(np.ones((3, 2), dtype=net.dtype), True, np.random.default_rng(0))
    assert collector.due(1)
    collector.snapshot(1, 0, 0)
    now[0] = 0.039
    assert not collector.due(2)
    now[0] = 0.041
    assert collector.due(3)                      # 1 / max_rate later, not 0.5 s / 1% = 50 s later
    cost[0] = 0.001
    collector.snapshot(3, 0, 2)
    now[0] = 0.041 + 0.09
    assert not collector.due(4)                  # from now on the measured cost sets the pace: 1 ms / 1%
    now[0] = 0.041 + 0.11
    assert collector.due(5)


def test_a_costly_trace_record_is_spaced_out_to_its_budget():
    net = Network([{"type": "dense", "units": 4, "activation": "relu"}], 2)
    now = [0.0]
    cpu = iter([0.0, 0.0, 1.0, 1.0002])          # CPU clock at the start and end of each record: 0, then 200 us
    collector = DiagnosticsCollector(net, clock=lambda: now[0], cost_clock=lambda: next(cpu))
    net.forward(np.ones((3, 2), dtype=net.dtype), True, np.random.default_rng(0))
    collector.record(1)                          # free: the next one may follow at the maximum rate
    assert collector.next_trace == pytest.approx(1 / TRACE_RATE)
    now[0] = 1.0
    collector.record(2)
    assert collector.next_trace == pytest.approx(1.0 + 0.0002 / TRACE_BUDGET)    # 40 ms: 0.5% of the time
    assert 0.0002 / TRACE_BUDGET > 1 / TRACE_RATE
