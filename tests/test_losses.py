"""Losses against PyTorch (tests/golden/losses.npz from tests/golden/make_loss_golden.py) and central finite
differences: cross-entropy with class weights and label smoothing, per-sample weights, Huber and smooth L1; and the
names that are refused with a reason."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.activations import get_activation, softmax
from core.errors import SpecError, TrainingError
from core.losses import get_loss, sample_weights_from_classes
from core.training_config import parse_training
from gradcheck import assert_gradient_close, numerical_gradient

GOLDEN = np.load(Path(__file__).parent / "golden" / "losses.npz")
CASES = json.loads(str(GOLDEN["index"]))
CE_CASES = [c for c in CASES if c["kind"] == "cross_entropy"]
REGRESSION_CASES = [c for c in CASES if c["kind"] != "cross_entropy"]


def _cross_entropy(case):
    config = {"name": "categorical_crossentropy", "label_smoothing": case["label_smoothing"]}
    if case["weight"]:
        config["weight"] = GOLDEN["ce_weight"].tolist()
    loss = get_loss(config)
    target = loss.prepare_targets(GOLDEN["ce_labels"], 4, np.float64)
    weights = GOLDEN["ce_repeats"].astype(np.float64) if case["repeat"] else None
    return loss, target, weights


def _keras_factor(case) -> float:
    """Per-sample weights u scale each sample's loss (Keras: sum u_i N_i / sum D_i, D_i = w[y_i] or 1), where
    PyTorch's loss on the batch with samples repeated u_i times divides by sum u_i D_i: the ratio of the two."""
    if not case["repeat"]:
        return 1.0
    u = GOLDEN["ce_repeats"].astype(np.float64)
    d = GOLDEN["ce_weight"][GOLDEN["ce_labels"]] if case["weight"] else np.ones_like(u)
    return float(np.dot(u, d) / np.sum(d))


@pytest.mark.parametrize("case", CE_CASES, ids=[c["key"] for c in CE_CASES])
def test_cross_entropy_matches_pytorch_from_logits(case):
    """Value and gradient of F.cross_entropy(weight=w, label_smoothing=eps); integer per-sample weights give
    PyTorch's loss on the batch with those samples repeated, times the normalisation ratio of `_keras_factor`."""
    key = case["key"]
    loss, target, weights = _cross_entropy(case)
    logits = GOLDEN["ce_logits"]
    value, grad = loss.value_and_grad_logits(logits.copy(), target, weights)
    factor = _keras_factor(case)
    assert value == pytest.approx(float(GOLDEN[f"{key}_loss"]) * factor, rel=1e-12)
    np.testing.assert_allclose(grad, GOLDEN[f"{key}_grad"] * factor, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(loss.per_sample_logits(logits, target), GOLDEN[f"{key}_none"], rtol=1e-12)


@pytest.mark.parametrize("case", CE_CASES, ids=[c["key"] for c in CE_CASES])
def test_cross_entropy_matches_pytorch_from_probabilities(case):
    """Not fused with softmax (the output layer is a softmax layer of its own): the same loss, and the gradient
    through softmax's backward is PyTorch's logit gradient."""
    key = case["key"]
    loss, target, weights = _cross_entropy(case)
    logits = GOLDEN["ce_logits"]
    p = softmax(logits)
    value, grad_p = loss.value_and_grad(p, target, weights)
    assert value == pytest.approx(float(GOLDEN[f"{key}_loss"]) * _keras_factor(case), rel=1e-10)
    assert loss.value(p, target, weights) == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(loss.per_sample(p, target), GOLDEN[f"{key}_none"], rtol=1e-10)
    grad = get_activation("softmax").backward(logits, p, grad_p)
    np.testing.assert_allclose(grad, GOLDEN[f"{key}_grad"] * _keras_factor(case), rtol=1e-8, atol=1e-15)


@pytest.mark.parametrize("eps", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("use_weight", [False, True])
@pytest.mark.parametrize("fused", [True, False], ids=["logits", "probabilities"])
def test_cross_entropy_gradient_matches_finite_differences(eps, use_weight, fused):
    rng = np.random.default_rng(11)
    logits = rng.normal(0.0, 1.5, size=(6, 5))
    config = {"name": "cce", "label_smoothing": eps, "weight": [0.3, 1.0, 2.5, 0.0, 1.2] if use_weight else []}
    loss = get_loss(config)
    target = loss.prepare_targets(np.array([0, 1, 2, 3, 4, 2]), 5, np.float64)
    weights = rng.uniform(0.2, 3.0, size=6)
    for w in (None, weights):
        if fused:
            x = logits.copy()
            analytic = loss.value_and_grad_logits(x, target, w)[1]
            numeric = numerical_gradient(lambda: loss.value_and_grad_logits(x, target, w)[0], x)
        else:
            x = softmax(logits)
            analytic = loss.value_and_grad(x, target, w)[1]
            numeric = numerical_gradient(lambda: loss.value(x, target, w), x)
        assert_gradient_close(analytic, numeric, what=f"eps={eps} weight={use_weight} sample weights={w is not None}")


def test_class_weights_as_sample_weights_agree_with_the_weight_argument_only_without_smoothing():
    """Folding w[y_i] into per-sample weights is Keras' class_weight, sum w[y_i] L_i / n: PyTorch's weighted loss
    (which divides by sum w[y_i]) times mean(w[y_i]) without smoothing; with smoothing, only the `weight` argument
    weights the smoothing term by each class's own weight."""
    logits = GOLDEN["ce_logits"]
    labels, w = GOLDEN["ce_labels"], GOLDEN["ce_weight"]
    per_sample = sample_weights_from_classes(labels, w.tolist())
    for eps, same in ((0.0, True), (0.2, False)):
        folded = get_loss({"name": "cce", "label_smoothing": eps})
        weighted = get_loss({"name": "cce", "label_smoothing": eps, "weight": w.tolist()})
        t = folded.prepare_targets(labels, 4, np.float64)
        a = folded.value_and_grad_logits(logits.copy(), t, per_sample)[0]
        b = weighted.value_and_grad_logits(logits.copy(), t, None)[0]
        assert b == pytest.approx(float(GOLDEN[f"ce_w1_e{eps:g}_r0_loss"]), rel=1e-12)
        assert (a == pytest.approx(b * float(np.mean(per_sample)), rel=1e-12)) is same


def test_class_weight_is_keras_sum_of_weighted_losses_over_the_batch_size():
    """Keras 3's class_weight: each sample's loss times its class's weight, summed, divided by the batch size
    (not by the sum of the weights), computed here from the formula for BCE, CCE and MSE."""
    rng = np.random.default_rng(3)
    labels = np.array([0, 1, 2, 1, 0, 2, 2])
    s = sample_weights_from_classes(labels, [1.0, 4.0, 0.5])
    logits = rng.normal(size=(7, 3))
    p = softmax(logits)
    expected_cce = np.sum(s * -np.log(p[np.arange(7), labels])) / 7
    cce = get_loss("categorical_crossentropy")
    assert cce.value_and_grad_logits(logits.copy(), cce.prepare_targets(labels, 3, np.float64), s)[0] == \
        pytest.approx(expected_cce, rel=1e-12)
    binary = (labels == 1).astype(np.float64)
    z = rng.normal(size=(7, 1))
    q = 1 / (1 + np.exp(-z[:, 0]))
    expected_bce = np.sum(s * -(binary * np.log(q) + (1 - binary) * np.log(1 - q))) / 7
    bce = get_loss("binary_crossentropy")
    t = bce.prepare_targets(binary, 1, np.float64)
    assert bce.value_and_grad_logits(z.copy(), t, s)[0] == pytest.approx(expected_bce, rel=1e-12)
    assert bce.value(q[:, None], t, s) == pytest.approx(expected_bce, rel=1e-9)
    out = rng.normal(size=(7, 2))
    mse = get_loss("mse")
    target = rng.normal(size=(7, 2))
    assert mse.value(out, target, s) == pytest.approx(np.sum(s * np.mean((out - target) ** 2, axis=1)) / 7)


def test_cross_entropy_float32_stays_float32():
    loss = get_loss({"name": "cce", "label_smoothing": 0.2, "weight": GOLDEN["ce_weight"].tolist()})
    target = loss.prepare_targets(GOLDEN["ce_labels"], 4, np.float32)
    value, grad = loss.value_and_grad_logits(GOLDEN["ce_logits"].astype(np.float32), target,
                                             GOLDEN["ce_repeats"].astype(np.float32))
    assert grad.dtype == np.float32
    factor = _keras_factor({"repeat": True, "weight": True})
    assert value == pytest.approx(float(GOLDEN["ce_w1_e0.2_r1_loss"]) * factor, rel=1e-5)
    np.testing.assert_allclose(grad, GOLDEN["ce_w1_e0.2_r1_grad"] * factor, rtol=1e-4, atol=1e-6)


def test_cross_entropy_config_round_trips_and_checks_its_weight():
    loss = get_loss({"name": "cce", "label_smoothing": 0.1, "weight": [1, 2.5]})
    assert loss.get_config() == {"name": "categorical_crossentropy", "label_smoothing": 0.1, "weight": [1.0, 2.5]}
    assert get_loss(json.loads(json.dumps(loss.get_config()))).get_config() == loss.get_config()
    assert get_loss("cce").get_config() == {"name": "categorical_crossentropy"}
    with pytest.raises(TrainingError, match="weight has 2 entries but the output layer has 3 units"):
        loss.prepare_targets(np.array([0, 1, 2]), 3, np.float64)
    with pytest.raises(SpecError, match=r"training.loss.weight\[1\] must be >= 0, got -1"):
        get_loss({"name": "cce", "weight": [1, -1]})
    with pytest.raises(SpecError, match="training.loss.weight must be a list with one weight per class, got 2"):
        get_loss({"name": "cce", "weight": 2})


# --- Huber and smooth L1 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", REGRESSION_CASES, ids=[c["key"] for c in REGRESSION_CASES])
def test_regression_losses_match_pytorch(case):
    """HuberLoss(delta) and SmoothL1Loss(beta) = HuberLoss(beta) / beta (beta = 0: L1), kinks included."""
    arg = "delta" if case["kind"] == "huber" else "beta"
    loss = get_loss({"name": case["kind"], arg: case["value"]})
    target = loss.prepare_targets(GOLDEN["reg_target"], 3, np.float64)
    value, grad = loss.value_and_grad(GOLDEN["reg_prediction"].copy(), target)
    assert value == pytest.approx(float(GOLDEN[f"{case['key']}_loss"]), rel=1e-12)
    np.testing.assert_allclose(grad, GOLDEN[f"{case['key']}_grad"], rtol=1e-12, atol=1e-15)
    assert loss.value(GOLDEN["reg_prediction"], target) == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("config", [{"name": "huber", "delta": 0.4}, {"name": "smooth_l1", "beta": 0.4},
                                    {"name": "smooth_l1", "beta": 2.5}])
def test_regression_loss_gradients_match_finite_differences(config):
    rng = np.random.default_rng(3)
    target = rng.normal(size=(5, 3))
    x = target + rng.uniform(-3.0, 3.0, size=target.shape)
    x[np.abs(np.abs(x - target) - 0.4) < 0.05] += 0.2  # keep away from the kink at delta / beta
    x[np.abs(np.abs(x - target) - 2.5) < 0.05] += 0.2
    loss = get_loss(config)
    weights = rng.uniform(0.5, 2.0, size=5)
    for w in (None, weights):
        numeric = numerical_gradient(lambda: loss.value(x, target, w), x)
        assert_gradient_close(loss.value_and_grad(x, target, w)[1], numeric, what=str(config))


def test_smooth_l1_is_huber_over_beta():
    rng = np.random.default_rng(0)
    out, target = rng.normal(size=(2, 8, 2)) * 3
    huber, smooth = get_loss({"name": "huber", "delta": 2.0}), get_loss({"name": "smooth_l1", "beta": 2.0})
    assert smooth.value(out, target) == pytest.approx(huber.value(out, target) / 2.0, rel=1e-14)


# --- names --------------------------------------------------------------------------------------------------------
def test_l2_loss_is_refused_with_the_reason():
    with pytest.raises(SpecError) as info:
        parse_training({"loss": "l2_loss"})
    text = str(info.value)
    assert text.startswith("training.loss: loss 'l2_loss' is not supported: TensorFlow's l2_loss(t) is sum(t^2) / 2")
    assert text.endswith("nearest: 'mse'")


def test_smooth_l1_takes_beta_not_delta():
    assert get_loss("SmoothL1Loss").get_config() == {"name": "smooth_l1", "beta": 1.0}
    with pytest.raises(SpecError, match=r"training.loss: unknown argument 'delta' for loss 'smooth_l1' \(did you mean "
                                         r"'beta'\?\)"):
        parse_training({"loss": {"name": "smooth_l1", "delta": 2.0}})
    with pytest.raises(SpecError, match="training.loss.beta must be >= 0"):
        get_loss({"name": "smooth_l1", "beta": -1.0})


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.35, 1.0])
def test_binary_cross_entropy_label_smoothing_is_keras(eps):
    """Keras' BinaryCrossentropy(label_smoothing=eps): y' = y (1 - eps) + eps / 2, then the loss averaged over all
    outputs; the formula is written out here from Keras' documentation, from logits and from probabilities."""
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, 2.0, size=(9, 2))
    y = (rng.uniform(size=(9, 2)) > 0.5).astype(np.float64)
    smooth = y * (1 - eps) + 0.5 * eps
    p = 1 / (1 + np.exp(-z))
    expected = np.mean(-(smooth * np.log(p) + (1 - smooth) * np.log(1 - p)))
    loss = get_loss({"name": "binary_crossentropy", "label_smoothing": eps})
    t = loss.prepare_targets(y, 2, np.float64)
    value, grad = loss.value_and_grad_logits(z.copy(), t)
    assert value == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(grad, (p - smooth) / z.size, rtol=1e-10, atol=1e-15)
    assert loss.value(p, t) == pytest.approx(expected, rel=1e-9)
    x = z.copy()
    numeric = numerical_gradient(lambda: loss.value_and_grad_logits(x, t)[0], x)
    assert_gradient_close(grad, numeric, what=f"bce eps={eps}")
    config = loss.get_config()
    assert config == ({"name": "binary_crossentropy", "label_smoothing": eps} if eps else
                      {"name": "binary_crossentropy"})
    assert get_loss(config).get_config() == config
    with pytest.raises(SpecError, match="label_smoothing"):
        get_loss({"name": "binary_crossentropy", "label_smoothing": 1.5})
