"""Each diagnosis rule on crafted histories: it fires just above its threshold, stays silent just below, names its
evidence with the threshold, cites the course notes by title, and offers fixes that are valid project edits."""
import json
import math

import numpy as np
import pytest

from core.diagnosis import CODES, diagnose
from core.diagnosis import thresholds as T
from core.diagnosis.findings import Edit, Finding, Fix, sort_findings
from core.diagnosis.probe import ProbeResult
from core.diagnosis.rules_fit import bias_variance
from core.diagnosis.rules_layers import dead_units, gradient_flow, saturation
from core.diagnosis.rules_setup import bad_initialization, initial_loss, model_checks, unscaled_inputs
from core.diagnosis.rules_training import lr_too_high, lr_too_low
from core.training_data import TrainingData

from diagnosis_support import (LN2, assert_fixes_apply, codes, dense, facts, layer_probe, make_project, only,
                               with_probe)

SIGMOID_NET = [dense(8, "sigmoid"), dense(8, "sigmoid"), dense(8, "sigmoid"), dense(1, "sigmoid")]


def constant(value, n=20):
    return [float(value)] * n


# --- lr_too_high ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("factor, fires", [(T.ABOVE_BASELINE * 0.99, False), (T.ABOVE_BASELINE * 1.01, True)])
def test_lr_too_high_when_the_loss_ends_above_an_uninformed_output(factor, fires):
    project = make_project()
    found = lr_too_high(facts(project, {"loss": constant(factor * LN2)}))
    assert bool(found) == fires
    if fires:
        finding = found[0]
        assert finding.severity == "problem"
        assert finding.evidence["above_baseline_threshold"] == T.ABOVE_BASELINE
        assert finding.evidence["baseline_loss"] == pytest.approx(LN2)
        assert finding.fixes[0].edits == (Edit("training.optimizer.lr", 0.1, 0.001),)     # two decades off
        assert "Activation, Loss and Optimization notes, 'Choosing the best learning rate'" in finding.message
        assert_fixes_apply(project, found)


def test_a_penalised_loss_is_not_compared_with_an_uninformed_output():
    """The logged loss includes the L2 penalty: a high but steady loss there says nothing about the rate."""
    project = make_project([dense(8, l2=0.1), dense(1, "sigmoid")])
    assert lr_too_high(facts(project, {"loss": constant(3 * LN2)})) == []


@pytest.mark.parametrize("given_back, fires", [(T.GIVEN_BACK - 0.01, False), (T.GIVEN_BACK + 0.01, True)])
def test_lr_too_high_when_the_loss_gives_back_its_progress(given_back, fires):
    loss = [0.7, 0.5, 0.3, 0.1] + constant(0.1 + given_back * 0.6, 6)
    found = lr_too_high(facts(make_project(), {"loss": loss}))
    assert bool(found) == fires
    if fires:
        assert found[0].evidence["given_back"] == pytest.approx(given_back)
        assert found[0].severity == "warning"          # it still does better than chance


def test_a_run_stuck_at_chance_gives_nothing_back():
    """Wobbling around ln 2 after a small dip is no progress lost: the dying-ReLU example's curve."""
    loss = [0.81, 0.71, 0.70, 0.69] + [0.72, 0.70, 0.73, 0.71, 0.72, 0.74, 0.73]
    assert lr_too_high(facts(make_project(), {"loss": loss})) == []


@pytest.mark.parametrize("swing, fires", [(T.OSCILLATION * 0.95, False), (T.OSCILLATION * 1.05, True)])
def test_lr_too_high_when_the_loss_jumps_from_epoch_to_epoch(swing, fires):
    level = 0.5 * LN2
    loss = [LN2] + [level + (swing * LN2 / 2) * (-1) ** k for k in range(19)]
    found = lr_too_high(facts(make_project(), {"loss": loss}))
    assert bool(found) == fires
    if fires:
        assert found[0].severity == "warning"          # jumping alone is a warning
        assert found[0].fixes[0].edits == (Edit("training.optimizer.lr", 0.1, 0.01),)     # one decade
        assert found[0].evidence["oscillation"] == pytest.approx(swing)
        assert found[0].epochs == tuple(range(10, 20))


@pytest.mark.parametrize("history, status", [({"loss": [0.7, 0.6, float("nan")]}, None),
                                             ({"loss": [0.7, 0.6]}, "diverged")])
def test_a_diverged_run_had_a_learning_rate_too_high(history, status):
    project = make_project()
    finding = only(diagnose(project, history, status=status), "lr_too_high")
    assert finding.severity == "problem" and finding.evidence["diverged"] is True
    assert [f.label for f in finding.fixes] == ["Lower the learning rate from 0.1 to 0.001", "Clip gradients at norm 1"]
    assert_fixes_apply(project, [finding])


def test_a_healthy_curve_is_not_a_learning_rate_problem():
    loss = list(0.7 * np.exp(-np.arange(30) / 5) + 0.02)
    assert lr_too_high(facts(make_project(), {"loss": loss})) == []
    assert lr_too_low(facts(make_project(), {"loss": loss})) == []


# --- lr_too_low -----------------------------------------------------------------------------------------------
def slow_curve(progress, n=40):
    """A loss falling every epoch whose last FINAL_WINDOW epochs average (1 - progress) of the first."""
    w = T.FINAL_WINDOW
    tail_mean_offset = np.mean(np.arange(n - w, n))
    step = progress / tail_mean_offset
    return list(1.0 - step * np.arange(n))


@pytest.mark.parametrize("progress, fires", [(T.SLOW_PROGRESS - 0.01, True), (T.SLOW_PROGRESS + 0.01, False)])
def test_lr_too_low_when_the_loss_falls_steadily_but_slowly(progress, fires):
    project = make_project()
    found = lr_too_low(facts(project, {"loss": slow_curve(progress)}))
    assert bool(found) == fires
    if fires:
        finding = found[0]
        assert finding.severity == "warning"
        assert finding.evidence["progress"] == pytest.approx(progress)
        assert finding.fixes[0].edits == (Edit("training.optimizer.lr", 0.1, 1.0),)
        assert_fixes_apply(project, found)


@pytest.mark.parametrize("suggestion, first", [(0.5, 0.5), (0.05, 1.0), (None, 1.0)])
def test_a_range_test_suggestion_comes_first_when_it_moves_the_right_way(suggestion, first):
    project = make_project()
    finding = only(diagnose(project, {"loss": slow_curve(0.3)}, lr_suggestion=suggestion), "lr_too_low")
    assert finding.fixes[0].as_edits() == {"training.optimizer.lr": first}
    assert len(finding.fixes) == (2 if suggestion == 0.5 else 1)
    high = only(diagnose(project, {"loss": constant(2 * LN2)}, lr_suggestion=0.003), "lr_too_high")
    assert [f.as_edits()["training.optimizer.lr"] for f in high.fixes] == [0.003, 0.001]


def test_lr_too_low_is_a_problem_when_it_barely_learns():
    finding = lr_too_low(facts(make_project(), {"loss": slow_curve(T.BARELY_LEARNING - 0.01)}))[0]
    assert finding.severity == "problem"


def test_lr_too_low_needs_a_steady_descent():
    loss = slow_curve(0.3)
    for k in range(1, len(loss), 4):           # every fourth epoch goes up: 75% falling, below STEADY_FRACTION
        loss[k] = loss[k - 1] + 0.001
    assert lr_too_low(facts(make_project(), {"loss": loss})) == []


@pytest.mark.parametrize("ratio, fires", [(T.UPDATE_RATIO_HEALTHY * 0.9, True), (T.UPDATE_RATIO_HEALTHY * 1.1, False)])
def test_lr_too_low_reads_the_update_to_weight_ratios(ratio, fires):
    history = {"loss": slow_curve(0.4), "layers.0.update_ratio": constant(ratio / 10, 40),
               "layers.1.update_ratio": constant(ratio, 40), "layers.2.update_ratio": constant(ratio / 3, 40)}
    found = lr_too_low(facts(make_project(), history))
    assert bool(found) == fires
    if fires:
        assert found[0].evidence["largest_update_ratio"] == pytest.approx(ratio)
        assert found[0].evidence["healthy_update_ratio"] == T.UPDATE_RATIO_HEALTHY


def test_update_ratios_far_below_healthy_make_it_a_problem():
    history = {"loss": slow_curve(0.4), "layers.0.update_ratio": constant(T.UPDATE_RATIO_LOW * 0.9, 40)}
    assert lr_too_low(facts(make_project(), history))[0].severity == "problem"


# --- vanishing / exploding gradients --------------------------------------------------------------------------
def gradient_history(first, middle=0.1, last=1.0, n=10):
    return {"loss": constant(0.5, n), "layers.0.grad_norm": constant(first, n),
            "layers.1.grad_norm": constant(middle, n), "layers.2.grad_norm": constant(middle, n),
            "layers.3.grad_norm": constant(last, n)}


@pytest.mark.parametrize("ratio, severity", [(T.VANISHING_RATIO * 1.01, None), (T.VANISHING_RATIO * 0.99, "warning"),
                                             (T.VANISHING_PROBLEM * 0.99, "problem")])
def test_vanishing_gradients_by_the_first_to_last_ratio(ratio, severity):
    project = make_project(SIGMOID_NET)
    found = [f for f in gradient_flow(facts(project, gradient_history(ratio))) if f.code == "vanishing_gradients"]
    assert (found[0].severity if found else None) == severity
    if found:
        finding = found[0]
        assert finding.evidence["ratio_first_to_last"] == pytest.approx(ratio)
        assert finding.evidence["measured"] == "history"
        assert finding.layers == (0,)
        assert "sigmoid" in finding.message and "Vanishing gradients" in finding.message
        assert finding.fixes[0].as_edits() == {f"model.layers[{i}].activation": "relu" for i in range(3)}
        assert_fixes_apply(project, found)


def test_exactly_zero_gradients_are_left_to_the_dead_units_rule():
    assert gradient_flow(facts(make_project(SIGMOID_NET), gradient_history(0.0))) == []


@pytest.mark.parametrize("ratio, fires", [(T.EXPLODING_RATIO * 0.99, False), (T.EXPLODING_RATIO * 1.01, True)])
def test_exploding_gradients_across_layers(ratio, fires):
    project = make_project(SIGMOID_NET)
    found = gradient_flow(facts(project, gradient_history(ratio, middle=1.0)))
    assert codes(found) == (["exploding_gradients"] if fires else [])
    if fires:
        assert found[0].evidence["threshold"] == T.EXPLODING_RATIO
        assert [f.label for f in found[0].fixes][0] == "Clip gradients at norm 1"
        assert_fixes_apply(project, found)


@pytest.mark.parametrize("growth, fires", [(T.GRADIENT_GROWTH * 0.99, False), (T.GRADIENT_GROWTH * 1.01, True)])
def test_exploding_gradients_over_the_epochs(growth, fires):
    n = 10
    rising = list(np.geomspace(1.0, growth, n))
    history = {"loss": constant(0.5, n), **{f"layers.{i}.grad_norm": rising for i in range(4)}}
    found = gradient_flow(facts(make_project(SIGMOID_NET), history))
    assert codes(found) == (["exploding_gradients"] if fires else [])
    if fires:
        assert found[0].evidence["growth"] == pytest.approx(growth)
        assert found[0].layers == (0, 1, 2, 3)


def test_gradient_rules_without_evidence_stay_silent():
    assert gradient_flow(facts(make_project(SIGMOID_NET), {"loss": constant(0.5)})) == []


# --- dead units -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dead, severity", [(3, None), (4, "warning"), (7, "warning"), (8, "problem")])
def test_dead_units_per_layer_with_the_epoch_they_died(dead, severity):
    project = make_project([dense(10), dense(10), dense(1, "sigmoid")])
    history = {"loss": constant(0.6, 6), "layers.0.dead": [0, 0, 0, 0, 0, 0],
               "layers.1.dead": [0, 1, dead, dead, dead, dead]}
    found = dead_units(facts(project, history))
    assert (found[0].severity if found else None) == severity
    if found:
        finding = found[0]
        assert finding.layers == (1,)
        assert finding.evidence["fraction"] == pytest.approx(dead / 10)
        assert finding.evidence["died_epoch"] == 2 and finding.epochs == (2,)
        assert "since epoch 3" in finding.message
        assert finding.fixes[0].edits == (Edit("training.optimizer.lr", 0.1, 0.01),)
        leaky = {"name": "leaky_relu", "negative_slope": 0.1}
        assert finding.fixes[1].edits == (Edit("model.layers[0].activation", "relu", leaky),
                                          Edit("model.layers[1].activation", "relu", leaky))
        assert_fixes_apply(project, found)


@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_dead_units_in_a_penalised_layer_offer_a_weaker_penalty_first(penalty):
    """L1/L2 pull weights toward zero, and a ReLU unit left with only a negative bias is dead: the course's
    regularisation examples lose units that way, not to their learning rate."""
    project = make_project([dense(10, **{penalty: 0.01}), dense(1, "sigmoid")])
    found = dead_units(facts(project, {"loss": constant(0.6, 4), "layers.0.dead": [0, 5, 8, 8]}))
    finding = only(found, "dead_units")
    assert finding.evidence["penalty"] == {penalty: 0.01}
    assert f"{penalty.upper()} penalty (0.01) also pulls its weights toward zero" in finding.message
    assert finding.fixes[0].edits == (Edit(f"model.layers[0].{penalty}", 0.01, 0.001),)
    assert finding.fixes[1].edits == (Edit("training.optimizer.lr", 0.1, 0.01),)
    assert_fixes_apply(project, found)
    unpenalised = only(dead_units(facts(make_project([dense(10), dense(1, "sigmoid")]),
                                        {"loss": constant(0.6, 4), "layers.0.dead": [0, 5, 8, 8]})), "dead_units")
    assert "penalty" not in unpenalised.evidence and "usual cause" in unpenalised.message


def test_dead_units_reads_the_last_epoch_not_the_worst():
    project = make_project([dense(10), dense(1, "sigmoid")])
    history = {"loss": constant(0.6, 4), "layers.0.dead": [9, 9, 2, 1]}
    assert dead_units(facts(project, history)) == []


# --- saturation -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, severity", [(T.SATURATION_FRACTION - 0.01, None), (T.SATURATION_FRACTION, "warning"),
                                             (T.SATURATION_PROBLEM, "problem")])
def test_saturation_of_hidden_sigmoid_layers(value, severity):
    project = make_project(SIGMOID_NET)
    history = {"loss": constant(0.6, 6), "layers.1.saturation": constant(value, 6),
               "layers.3.saturation": constant(1.0, 6)}           # the output layer is never judged
    found = saturation(facts(project, history))
    assert [(f.layers, f.severity) for f in found] == ([((1,), severity)] if severity else [])
    if found:
        assert found[0].evidence["saturated_fraction"] == pytest.approx(value)
        assert_fixes_apply(project, found)


# --- initial loss, bad initialization (crafted probes) --------------------------------------------------------
def crafted_probe(loss, layers=(), input_std=1.0):
    return ProbeResult(loss=loss, rows=100, input_std=input_std, layers=tuple(layers))


@pytest.mark.parametrize("ratio, fires", [(T.INITIAL_LOSS_RATIO * 0.99, False), (T.INITIAL_LOSS_RATIO * 1.01, True)])
def test_initial_loss_against_the_loss_of_an_uninformed_output(ratio, fires):
    project = make_project()
    f = with_probe(facts(project), crafted_probe(ratio * LN2))
    found = initial_loss(f)
    assert bool(found) == fires
    if fires:
        assert found[0].evidence["expected_loss"] == pytest.approx(LN2)
        assert found[0].evidence["ratio"] == pytest.approx(ratio)


def test_the_expected_initial_loss_of_softmax_over_c_classes_is_ln_c():
    project = make_project([dense(8), dense(5, "softmax")], loss="categorical_crossentropy")
    f = with_probe(facts(project), crafted_probe(3.1 * math.log(5)))
    assert initial_loss(f)[0].evidence["expected_loss"] == pytest.approx(math.log(5))


def init_facts(weight_std, output_std):
    """A 2-8-1 ReLU net whose first kernel has `weight_std` (He says 1.0 for 2 inputs) and whose hidden outputs
    have `output_std` at step 0, for inputs of std 1."""
    project = make_project([dense(8), dense(1, "sigmoid")])
    data = TrainingData.from_arrays(np.zeros((10, 2)), np.zeros(10, dtype=int), task="binary", n_classes=2)
    probe = crafted_probe(LN2, [layer_probe(0, weight_std=weight_std, output_std=output_std),
                                layer_probe(1, units=1, weight_std=0.5, output_std=0.1)])
    return project, with_probe(facts(project, data=data), probe)


@pytest.mark.parametrize("scale, fires", [(T.INIT_SCALE_FACTOR * 0.97, False), (T.INIT_SCALE_FACTOR * 1.03, True),
                                          (1 / (T.INIT_SCALE_FACTOR * 1.03), True)])
def test_bad_initialization_by_the_scale_against_he(scale, fires):
    project, f = init_facts(scale, output_std=50.0 if scale > 1 else 1e-3)
    found = bad_initialization(f)
    assert bool(found) == fires
    if fires:
        assert found[0].evidence["layers"][0]["ratio"] == pytest.approx(scale)
        assert found[0].evidence["layers"][0]["recommended"] == "he_uniform"
        assert_fixes_apply(project, found)


@pytest.mark.parametrize("growth, fires", [(T.ACTIVATION_GROWTH * 0.95, False), (T.ACTIVATION_GROWTH * 1.05, True)])
def test_a_wrong_scale_counts_only_when_the_outputs_show_it(growth, fires):
    _, f = init_facts(5.0, output_std=growth)
    assert bool(bad_initialization(f)) == fires


# --- unscaled inputs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spread, fires", [(T.UNSCALED_SPREAD_RATIO * 0.95, False),
                                           (T.UNSCALED_SPREAD_RATIO * 1.05, True)])
def test_unscaled_inputs_when_feature_scales_differ_with_scaling_off(spread, fires):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((200, 2))
    z = (z - z.mean(0)) / z.std(0)
    X = z * np.array([0.5, 0.5 * spread])
    data = TrainingData.from_arrays(X, (z[:, 0] > 0).astype(int), task="binary", n_classes=2)
    project = make_project(data={"source": "builtin", "name": "spiral", "samples": 200, "scaling": "none"})
    found = unscaled_inputs(facts(project, data=data))
    assert bool(found) == fires
    if fires:
        assert found[0].evidence["spread_ratio"] == pytest.approx(spread)
        assert found[0].fixes[0].edits == (Edit("data.scaling", "none", "standard"),)
        assert_fixes_apply(project, found)
    scaled = make_project()                 # the same inputs with scaling on: nothing to say
    assert unscaled_inputs(facts(scaled, data=data)) == []


def test_unscaled_inputs_when_a_feature_is_far_from_unit_scale():
    X = np.column_stack([np.linspace(100, 120, 50), np.linspace(200, 220, 50)])
    data = TrainingData.from_arrays(X, np.arange(50) % 2, task="binary", n_classes=2)
    project = make_project(data={"source": "builtin", "name": "spiral", "samples": 200, "scaling": "none"})
    assert unscaled_inputs(facts(project, data=data))[0].evidence["largest_rms"] > T.UNSCALED_MAGNITUDE


# --- bias and variance ----------------------------------------------------------------------------------------
def errors_history(train, val=None, n=10, regression=False):
    key = "r2" if regression else "accuracy"
    history = {"loss": constant(0.3, n), key: constant(1 - train, n)}
    if val is not None:
        history[f"val_{key}"] = constant(1 - val, n)
        history["val_loss"] = [0.5, 0.4, 0.3] + constant(0.35, n - 3)
    return history


@pytest.mark.parametrize("train, val, code, severity", [
    (0.024, 0.026, "good_fit", "info"),
    (0.026, 0.027, "high_bias", "warning"),
    (0.11, 0.12, "high_bias", "problem"),
    (0.0, 0.024, "good_fit", "info"),
    (0.0, 0.026, "high_variance", "warning"),
    (0.0, 0.11, "high_variance", "problem"),
    (0.03, 0.06, "high_bias_and_variance", "warning"),
    (0.12, 0.20, "high_bias_and_variance", "problem"),     # the notes' Example 3
])
def test_bias_and_variance_follow_the_notes_table(train, val, code, severity):
    project = make_project()
    found = bias_variance(facts(project, errors_history(train, val)))
    assert [(f.code, f.severity) for f in found] == [(code, severity)]
    finding = found[0]
    assert finding.evidence["train_error"] == pytest.approx(train)
    assert finding.evidence["variance"] == pytest.approx(val - train)
    assert finding.evidence["bias_threshold"] == T.BIAS_THRESHOLD
    assert "Computational Intelligence: Optimization and Regularization notes, 'Bias and Variance of the Model'" \
        in finding.message
    assert_fixes_apply(project, found)


def test_high_variance_fixes_are_the_notes_remedies_and_show_the_best_epoch():
    project = make_project()
    finding = only(bias_variance(facts(project, errors_history(0.0, 0.2))), "high_variance")
    assert [f.label for f in finding.fixes] == [
        "Early stopping on val_loss (patience 20)", "Dropout 0.5 after each hidden layer",
        "L2 regularization 0.001 on layers 0, 1", "Smaller network: 8 -> 4 units, 8 -> 4 units"]
    assert finding.evidence["best_val_loss_epoch"] == 2 and finding.epochs == (2,)
    dropout = finding.fixes[1].as_edits()["model.layers"]
    assert [layer["type"] for layer in dropout] == ["dense", "dropout", "dense", "dropout", "dense"]


def test_high_bias_fixes_grow_the_network_and_train_longer():
    project = make_project([dense(2), dense(1, "sigmoid")])
    finding = only(bias_variance(facts(project, errors_history(0.3, 0.31))), "high_bias")
    assert [f.label for f in finding.fixes] == ["Bigger and deeper network: dense layers of 16, 16, 1 units",
                                               "Bigger network: 2 -> 16 units", "Train longer: 20 -> 40 epochs",
                                               "Use Adam (learning rate 0.001)"]
    assert finding.fixes[0].as_edits()["model.layers"] == [dense(16), dense(16), dense(1, "sigmoid")]


@pytest.mark.parametrize("val_rows, fires", [(200, True), (50, False)])
def test_a_variance_within_two_standard_errors_of_a_small_validation_set_is_noise(val_rows, fires):
    """A 5-point gap on 200 validation rows is significant (2 SE = 3.1 points); on 50 rows it is not (6.2)."""
    f = facts(make_project(), errors_history(0.0, 0.05))
    f.__dict__["n_val"] = val_rows
    assert codes(bias_variance(f)) == (["high_variance"] if fires else ["good_fit"])


def test_target_error_moves_the_bias():
    history = errors_history(0.10, 0.11)
    assert codes(bias_variance(facts(make_project(), history))) == ["high_bias"]
    assert codes(bias_variance(facts(make_project(), history, target_error=0.08))) == ["good_fit"]


def test_regression_error_is_one_minus_r2_with_a_default_target():
    project = make_project([dense(8), dense(1, "linear")], loss="mse")
    good = bias_variance(facts(project, errors_history(T.REGRESSION_TARGET_ERROR + 0.02, 0.13, regression=True)))
    assert codes(good) == ["good_fit"] and good[0].evidence["error"] == "1 - R^2"
    bad = bias_variance(facts(project, errors_history(T.REGRESSION_TARGET_ERROR + 0.03, 0.13, regression=True)))
    assert codes(bad) == ["high_bias"]


def test_no_validation_split_means_no_variance_verdict():
    assert bias_variance(facts(make_project(), errors_history(0.01))) == []
    assert codes(bias_variance(facts(make_project(), errors_history(0.2)))) == ["high_bias"]


# --- output mismatch (core.checks) ----------------------------------------------------------------------------
def test_output_mismatch_reuses_the_model_checks(tmp_path):
    from core.model_io import load_data

    project = make_project([dense(8), dense(2, "softmax")], loss="mse",
                           data={"source": "builtin", "name": "iris", "split": {"val": 0.2, "test": 0.0}})
    data = load_data(project)
    found = model_checks(facts(project, data=data))
    assert {(f.code, f.severity) for f in found} == {("output_mismatch", "problem"), ("output_mismatch", "warning")}
    edits = [fix.as_edits() for f in found for fix in f.fixes]
    assert {"model.layers[1].units": 3} in edits
    assert {"training.loss": "categorical_crossentropy"} in edits
    assert_fixes_apply(project, found)


def test_a_hidden_layer_that_cannot_learn_is_a_model_check():
    project = make_project([dense(8, "binary_step"), dense(1, "sigmoid")])
    finding = only(model_checks(facts(project)), "model_check")
    assert finding.layers == (0,) and finding.severity == "warning"
    assert finding.fixes[0].as_edits() == {"model.layers[0].activation": "relu"}


# --- the whole diagnosis --------------------------------------------------------------------------------------
def test_findings_sort_by_severity_then_cause_before_symptom():
    made = [Finding("good_fit", "info", "", {}), Finding("high_bias", "problem", "", {}),
            Finding("lr_too_low", "problem", "", {}), Finding("saturation", "warning", "", {}, layers=(2,)),
            Finding("saturation", "warning", "", {}, layers=(1,))]
    assert [(f.code, f.layers) for f in sort_findings(made)] == [
        ("lr_too_low", ()), ("high_bias", ()), ("saturation", (1,)), ("saturation", (2,)), ("good_fit", ())]


@pytest.mark.parametrize("bias_severity, raised", [("problem", True), ("warning", False)])
def test_a_warning_that_explains_a_high_bias_problem_is_raised_to_a_problem(bias_severity, raised):
    train = T.BIAS_PROBLEM + 0.05 if bias_severity == "problem" else T.BIAS_THRESHOLD + 0.01
    history = {**errors_history(train, train, n=40), "loss": slow_curve(0.3)}
    findings = diagnose(make_project(), history)
    assert [(f.code, f.severity) for f in findings] == (
        [("lr_too_low", "problem"), ("high_bias", "problem")] if raised else
        [("lr_too_low", "warning"), ("high_bias", "warning")])
    assert ("raised_by" in findings[0].evidence) == raised


def test_findings_are_json_with_the_documented_keys():
    project = make_project(SIGMOID_NET)
    history = {**gradient_history(1e-4), **errors_history(0.3, 0.5, n=10)}
    findings = diagnose(project, history)
    assert codes(findings)[:2] == ["vanishing_gradients", "high_bias_and_variance"]
    decoded = json.loads(json.dumps([f.to_dict() for f in findings]))
    assert set(decoded[0]) == {"code", "severity", "layers", "epochs", "evidence", "message", "fixes", "sources"}
    assert decoded[0]["fixes"][0]["edits"][0] == {"path": "model.layers[0].activation", "from": "sigmoid", "to": "relu"}
    source = {"note": "Activation, Loss and Optimization notes", "section": "Vanishing gradients"}
    assert source in decoded[0]["sources"]


def test_non_finite_evidence_stays_json():
    finding = Finding("lr_too_high", "problem", "m", {"final_loss": float("inf"), "x": np.float32(1.5)})
    assert json.loads(json.dumps(finding.to_dict()))["evidence"] == {"final_loss": "inf", "x": 1.5}


def test_an_empty_history_has_no_findings():
    assert diagnose(make_project(), {}) == []


def test_every_code_is_documented_in_the_package_table():
    import core.diagnosis as package

    for code in CODES:
        assert f"| {code} |" in package.__doc__, code


def test_finding_rejects_unknown_codes_and_severities():
    with pytest.raises(ValueError):
        Finding("too_much_coffee", "problem", "", {})
    with pytest.raises(ValueError):
        Finding("good_fit", "fatal", "", {})
    assert Fix("x", (Edit("a.b", 1, 2),)).as_edits() == {"a.b": 2}


def test_unscaled_inputs_statistics_are_numpys_bit_for_bit():
    """The rule's standard deviations and root mean squares (one scratch array instead of two copies of the data)
    are exactly X.std(axis=0) and sqrt(mean(X * X, axis=0))."""
    from core.diagnosis.rules_setup import _std_and_rms

    from core.diagnosis.rules_setup import CHUNKED_ABOVE

    rng = np.random.default_rng(5)
    large = [rng.normal(size=shape) * np.exp(rng.uniform(-30, 30, shape[1])) + rng.uniform(-5, 5, shape[1])
             for shape in ((20_000, 64), (140_000, 8))]          # summed a block of rows at a time
    assert all(X.nbytes > CHUNKED_ABOVE for X in large)
    for X in (rng.normal(size=(300, 7)) * rng.uniform(0, 1e3, 7) + rng.uniform(-50, 50, 7), np.ones((1, 3)),
              np.array([[0.0, -1e150], [2.0, 1e150]]), *large):
        std, rms = _std_and_rms(X)
        assert std.tobytes() == X.std(axis=0).tobytes()
        assert rms.tobytes() == np.sqrt(np.mean(X * X, axis=0)).tobytes()
