"""Probes on small real networks (never touching the user's network), and the per-layer history the trainer's
run yields to the diagnosis."""
import math

import numpy as np
import pytest

from core.diagnosis import diagnose
from core.diagnosis import thresholds as T
from core.diagnosis.probe import initial_network, probe_initial
from core.layer_history import LayerHistory
from core.model_io import build_network, load_data
from core.project_paths import apply_edits
from core.trainer import Trainer

from diagnosis_support import assert_fixes_apply, codes, dense, make_project, only

CIRCLE = {"source": "builtin", "name": "circle", "samples": 200, "noise": 0.1, "scaling": "standard"}


def deep(activation, depth=6, width=8, **extra):
    return [dense(width, activation, **extra) for _ in range(depth)] + [dense(1, "sigmoid")]


def scaled_he(scale, depth=4, width=16, inputs=2):
    """ReLU layers whose kernels are drawn from N(0, (scale * He std)^2)."""
    layers, fan = [], inputs
    for _ in range(depth):
        layers.append(dense(width, "relu", kernel_initializer={"name": "normal", "stddev": scale * math.sqrt(2 / fan)}))
        fan = width
    return layers + [dense(1, "sigmoid")]


def test_a_deep_sigmoid_net_shows_vanishing_gradients_by_its_measured_ratio():
    project = make_project(deep("sigmoid"), data=CIRCLE)
    data = load_data(project)
    finding = only(diagnose(project, {}, data=data), "vanishing_gradients")
    probe = probe_initial(project, data)
    kernels = [layer for layer in probe.layers if not math.isnan(layer.weight_std)]
    measured = kernels[0].grad_norm / kernels[-1].grad_norm
    assert finding.evidence["measured"] == "step 0"
    assert finding.evidence["ratio_first_to_last"] == pytest.approx(measured)
    assert measured < T.VANISHING_PROBLEM and finding.severity == "problem"
    # each sigmoid layer shrinks the gradient on its way back: the norms rise from the first layer to the last
    norms = [layer.grad_norm for layer in kernels]
    assert all(a < b for a, b in zip(norms[:4], norms[1:5]))
    assert_fixes_apply(project, [finding])


def test_the_same_depth_with_relu_does_not_vanish_and_the_offered_fix_removes_the_finding():
    project = make_project(deep("sigmoid"), data=CIRCLE)
    data = load_data(project)
    finding = only(diagnose(project, {}, data=data), "vanishing_gradients")
    for fix in finding.fixes:                           # ReLU everywhere, or batch norm before each sigmoid
        fixed = apply_edits(project, fix.as_edits())
        assert "vanishing_gradients" not in codes(diagnose(fixed, {}, data=data)), fix.label


def test_zero_initialization_leaves_units_identical():
    project = make_project([dense(8, kernel_initializer="zeros"), dense(8, "tanh", kernel_initializer="zeros"),
                            dense(1, "sigmoid")])
    data = load_data(project)
    finding = only(diagnose(project, {}, data=data), "bad_initialization")
    assert finding.layers == (0, 1) and finding.severity == "problem"
    assert finding.evidence["identical_units"] == {0: 8, 1: 8}
    assert "Weight initialization" in finding.message
    fixed = apply_edits(project, finding.fixes[0].as_edits())
    assert [layer.get("kernel_initializer") for layer in fixed.layers[:2]] == ["he_uniform", "glorot_uniform"]
    assert "bad_initialization" not in codes(diagnose(fixed, {}, data=data))


def test_he_initialization_scaled_by_ten_explodes_at_step_zero():
    project = make_project(scaled_he(10.0))
    data = load_data(project)
    findings = diagnose(project, {}, data=data)
    finding = only(findings, "bad_initialization")
    assert finding.layers == (0, 1, 2, 3)
    assert finding.evidence["layers"][1]["ratio"] == pytest.approx(10.0, rel=0.2)
    assert finding.evidence["layers"][1]["recommended"] == "he_uniform"
    assert finding.evidence["output_growth"] > 1000        # roughly 10x per layer over four layers
    assert only(findings, "initial_loss").evidence["ratio"] > 100
    fixed = apply_edits(project, finding.fixes[0].as_edits())
    assert not {"bad_initialization", "initial_loss"} & set(codes(diagnose(fixed, {}, data=data)))


def test_he_initialization_at_its_own_scale_is_fine():
    project = make_project(scaled_he(1.0))
    assert not {"bad_initialization", "initial_loss"} & set(codes(diagnose(project, {}, data=load_data(project))))


def test_a_tiny_tanh_initialization_collapses_the_signal():
    """The notes' N(0, 0.01) with tanh: 'all zero, no learning'."""
    layers = [dense(16, "tanh", kernel_initializer={"name": "normal", "stddev": 0.01}) for _ in range(4)]
    project = make_project(layers + [dense(1, "sigmoid")])
    finding = only(diagnose(project, {}, data=load_data(project)), "bad_initialization")
    assert finding.evidence["output_collapse"] < T.ACTIVATION_COLLAPSE


def test_a_large_tanh_initialization_saturates_at_step_zero():
    layers = [dense(16, "tanh", kernel_initializer={"name": "normal", "stddev": 3.0}) for _ in range(3)]
    project = make_project(layers + [dense(1, "sigmoid")])
    finding = only(diagnose(project, {}, data=load_data(project)), "bad_initialization")
    assert finding.evidence["saturated_fraction"] >= T.SATURATION_FRACTION


def test_probes_never_touch_the_users_network():
    project = make_project([dense(16), dense(16, "sigmoid"), dense(1, "sigmoid")])
    data = load_data(project)
    network = build_network(project, data.input_width)
    network.initialize(np.random.default_rng(3))
    network.layers[1].params["weight"] *= 40          # saturate it, so the current-state probe has work to do
    params, buffers, grads = network.params.copy(), network.buffers.copy(), network.grads.copy()
    outputs = [None if layer.output is None else layer.output.copy() for layer in network.layers]
    findings = diagnose(project, {"loss": [0.7, 0.69, 0.69]}, network=network, data=data)
    assert "saturation" in codes(findings)
    assert np.array_equal(network.params, params) and np.array_equal(network.buffers, buffers)
    assert np.array_equal(network.grads, grads)
    assert all((a is None and layer.output is None) for a, layer in zip(outputs, network.layers))


def test_dead_units_from_the_trained_network_when_the_history_has_no_counts():
    project = make_project([dense(8), dense(8), dense(1, "sigmoid")])
    data = load_data(project)
    network = initial_network(project, data.input_width)
    network.predict(data.train.X)
    silent = set(np.flatnonzero(network.layers[1].pre_activation.max(axis=0) <= 0))   # silent from the start
    network.layers[1].params["bias"][:6] = -1e3          # and six more (or the same) that can never fire
    finding = only(diagnose(project, {"loss": [0.7] * 3}, network=network, data=data), "dead_units")
    assert finding.layers == (1,) and finding.evidence["dead"] == len(silent | set(range(6)))
    assert finding.evidence["measured"] == "current weights" and "died_epoch" not in finding.evidence


def test_the_probe_of_a_trained_network_is_a_forward_pass_only():
    """Dead units and saturation need no gradients: the current-state probe skips the backward pass."""
    from core.diagnosis.probe import probe_current

    project = make_project([dense(8), dense(8), dense(1, "sigmoid")])
    data = load_data(project)
    probe = probe_current(initial_network(project, data.input_width), project, data)
    assert all(math.isnan(layer.grad_norm) for layer in probe.layers)
    assert probe.layer(0).dead is not None and math.isfinite(probe.loss)


def test_a_probe_of_the_initial_network_given_is_used_instead_of_a_new_one():
    project = make_project(deep("relu", depth=2))
    data = load_data(project)
    probe = probe_initial(project, data)
    assert "initial_loss" not in codes(diagnose(project, {}, data=data))
    crafted = type(probe)(probe.loss * 10, probe.rows, probe.input_std, probe.layers)
    assert "initial_loss" in codes(diagnose(project, {}, data=data, initial_probe=crafted))


def test_probe_false_never_runs_the_network():
    project = make_project(scaled_he(10.0))
    assert diagnose(project, {}, data=load_data(project), probe=False) == []


# --- the per-layer history ------------------------------------------------------------------------------------
def test_the_trainer_records_one_value_per_epoch_for_each_layer():
    project = make_project([dense(8), dense(8, "tanh"), dense(1, "sigmoid")], epochs=3)
    data = load_data(project)
    network = build_network(project, data.input_width)
    trainer = Trainer(network, data, project.training)
    dead = []
    trainer.fit(listener=lambda e: dead.append(dict(e.dead_units)) if hasattr(e, "dead_units") else None)
    h = trainer.history
    for i in range(3):
        for quantity in ("grad_norm", "update_ratio", "act_mean", "act_std"):
            assert len(h[f"layers.{i}.{quantity}"]) == 3, (i, quantity)
    assert len(h["layers.1.saturation"]) == 3 and "layers.0.saturation" not in h
    assert h["layers.0.dead"] == [float(d[0]) for d in dead] and "layers.1.dead" not in h
    assert all(0 <= v <= 1 for v in h["layers.1.saturation"] + h["layers.2.saturation"])


def test_update_ratio_of_one_plain_sgd_step_is_lr_times_gradient_over_weights():
    project = make_project([dense(4, use_bias=False), dense(1, "sigmoid", use_bias=False)], batch_size=1000,
                           epochs=1, optimizer={"name": "sgd", "lr": 0.05})
    data = load_data(project)
    network = build_network(project, data.input_width)
    trainer = Trainer(network, data, project.training)
    trainer.fit()                                               # one batch: one step
    grad = float(np.linalg.norm(network.grads[:8]))
    weights = float(np.linalg.norm(network.params[:8]))
    assert trainer.history["layers.0.grad_norm"][0] == pytest.approx(grad, rel=1e-5)
    assert trainer.history["layers.0.update_ratio"][0] == pytest.approx(0.05 * grad / weights, rel=1e-4)


def test_layer_history_values_restart_each_epoch():
    project = make_project([dense(4), dense(1, "sigmoid")])
    network = build_network(project, 2)
    stats = LayerHistory(network, network.params.copy(), [0, 1], [0])
    values = stats.end_epoch({0: 3})
    assert values["layers.0.dead"] == 3.0 and math.isnan(values["layers.0.grad_norm"])
    assert math.isnan(stats.end_epoch()["layers.0.dead"])

