"""The lessons: every example with an `experiment` section trained over its seeds (at least 3), each declared
effect holds with its margin, and each sentence of a note that claims a number is checked against the same runs.

A run is trained once per project (identical variants of two examples share it), so the whole file costs one
pass over the experiments.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from core.experiments import ExperimentResult, expand, measure
from core.experiments.running import train_project
from core.project import load_project

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "resources" / "examples"
LESSONS = sorted(p.stem for p in EXAMPLES_DIR.glob("*.json") if "experiment" in json.loads(p.read_text()))


@lru_cache(maxsize=None)
def _train(project_json: str):
    from core.project import parse_project
    return train_project(parse_project(json.loads(project_json)))


@lru_cache(maxsize=None)
def lesson(name: str) -> ExperimentResult:
    project = load_project(EXAMPLES_DIR / f"{name}.json")
    result = ExperimentResult(project.experiment)
    for planned in expand(project):
        result.runs[(planned.variant, planned.seed)] = _train(planned.project.with_changes(name="").to_json())
    return result


def test_the_course_experiments_have_sections():
    assert {"vanishing_gradients_sigmoid", "dying_relu", "learning_rate_too_high", "learning_rate_too_low",
            "l1_regularization", "dropout", "overfitting", "weight_initialization", "optimizers", "input_scaling",
            "learning_rate_schedules", "batch_norm_learning_rate", "mse_vs_cross_entropy", "feature_cross_circle",
            "noise_injection", "gradient_clipping", "batch_size", "label_smoothing",
            "class_weights", "early_stopping", "batch_norm", "xor_feature_cross", "underfitting",
            "l2_regularization"} <= set(LESSONS)


@pytest.mark.parametrize("name", LESSONS)
def test_every_effect_holds_over_at_least_three_seeds(name):
    result = lesson(name)
    assert len(result.spec.seeds) >= 3 and result.spec.effects
    for effect in result.spec.effects:
        means = {v: result.mean(effect.measure, v) for v in effect.order}
        assert result.holds(effect), f"{name}: {effect.measure} along {effect.order}: {means}"


# (example, variant, measure, test on every seed's value, words of the note that the number backs)
CLAIMS = [
    ("vanishing_gradients_sigmoid", "sigmoid", "grad_ratio", lambda x: 1 / 3000 < x < 1 / 200,
     "1/200 to 1/3000 of the last layer's"),
    ("vanishing_gradients_sigmoid", "sigmoid", "hidden_saturation", lambda x: x == 0.0,
     "the Saturation view stays at 0"),
    ("vanishing_gradients_sigmoid", "relu", "last:val_accuracy", lambda x: x > 0.85, "learns"),
    ("vanishing_gradients_sigmoid", "sigmoid, large init", "hidden_saturation", lambda x: x > 0.5,
     "does saturate (most units near 0 or 1)"),
    ("dying_relu", "relu, lr 0.5", "dead_units", lambda x: 30 <= x <= 50, "about 40 of 64 units dead"),
    ("dying_relu", "relu, lr 0.5", "last:loss", lambda x: 0.65 < x < 0.8, "the loss stuck near 0.7"),
    ("dying_relu", "leaky_relu, lr 0.5", "last:val_accuracy", lambda x: 0.52 < x < 0.7,
     "still barely learns (validation accuracy ~0.6)"),
    ("dying_relu", "relu, lr 0.05", "last:val_accuracy", lambda x: x > 0.9, "~0.97 accuracy"),
    ("dying_relu", "relu, lr 0.05", "dead_units", lambda x: x <= 12, "a few dead units"),
    ("learning_rate_too_low", "too low (0.0005)", "last:loss", lambda x: 0.65 < x < 0.7, "creeps down to ~0.67"),
    ("learning_rate_too_low", "too low (0.0005)", "last:val_accuracy", lambda x: 0.5 <= x <= 0.65,
     "stays near chance (0.52-0.62)"),
    ("learning_rate_too_low", "just right (0.3)", "last:val_accuracy", lambda x: x >= 0.98,
     "just right: ~0.99 validation accuracy"),
    ("learning_rate_too_high", "too high (20)", "last:val_accuracy", lambda x: np.isnan(x) or x <= 0.65,
     "otherwise it jumps around at chance level"),
    ("l1_regularization", "L1 0.01", "near_zero_weights", lambda x: 0.75 < x < 0.9, "about 80% of the hidden weights"),
    ("l1_regularization", "L1 0.01", "zero_weights", lambda x: x == 0.0, "rather than becoming exactly 0"),
    ("l1_regularization", "L2 0.01", "near_zero_weights", lambda x: 0.35 < x < 0.65, "about half of them near zero"),
    ("dropout", "dropout 0.5", "last:loss", lambda x: 0.12 < x < 0.2, "(~0.15 instead of ~0.03)"),
    ("dropout", "no dropout", "last:loss", lambda x: x < 0.07, "(~0.15 instead of ~0.03)"),
    ("dropout", "dropout 0.5", "val_gap", lambda x: 0.55 < x < 0.67, "(~0.6 instead of ~0.83)"),
    ("dropout", "no dropout", "val_gap", lambda x: 0.75 < x < 0.95, "(~0.6 instead of ~0.83)"),
    ("dropout", "dropout 0.5", "val_rise", lambda x: x > 0.2, "still climbs back after its minimum"),
    ("overfitting", "no regularization", "last:loss", lambda x: x < 0.1, "training loss falls below 0.1"),
    ("overfitting", "no regularization", "last:val_loss", lambda x: 0.8 < x < 1.0, "climbs back above 0.8"),
    ("overfitting", "no regularization", "min:val_loss", lambda x: 0.34 < x < 0.42, "its minimum near 0.38"),
    ("weight_initialization", "zeros", "grad_ratio", lambda x: x == 0.0, "the hidden layers get no gradient at all"),
    ("weight_initialization", "N(0, 0.01)", "grad_ratio", lambda x: 1e-10 < x < 1e-6, "about 1e-8 of the last one's"),
    ("weight_initialization", "N(0, 1)", "hidden_saturation", lambda x: x > 0.9, "over 90%"),
    ("weight_initialization", "Xavier", "last:val_accuracy", lambda x: x > 0.85, "validation accuracy above 0.85"),
    ("weight_initialization", "He", "last:val_accuracy", lambda x: x > 0.85, "validation accuracy above 0.85"),
    ("weight_initialization", "zeros", "last:val_accuracy", lambda x: x < 0.8, "stay near chance (0.53-0.77)"),
    ("weight_initialization", "N(0, 0.01)", "last:val_accuracy", lambda x: x < 0.8, "stay near chance (0.53-0.77)"),
    ("weight_initialization", "N(0, 1)", "last:val_accuracy", lambda x: x < 0.8, "stay near chance (0.53-0.77)"),
    ("optimizers", "SGD", "last:loss", lambda x: x > 0.6, "barely moves (training loss ~0.65)"),
    ("optimizers", "SGD + momentum 0.9", "last:loss", lambda x: 0.3 < x < 0.6, "(~0.34-0.57)"),
    ("optimizers", "Adam", "last:loss", lambda x: x < 0.06, "fits the spiral (~0.03"),
    ("optimizers", "Adam", "last:val_accuracy", lambda x: x >= 0.99, "validation accuracy 1.0"),
    ("input_scaling", "raw features", "last:val_accuracy", lambda x: x < 0.45, "(validation accuracy ~0.4)"),
    ("input_scaling", "standardized", "last:val_accuracy", lambda x: x > 0.93, "reaches ~0.95"),
    ("learning_rate_schedules", "cosine 1.0 -> 0", "last:val_loss", lambda x: x < 0.35, "~0.04-0.34"),
    ("learning_rate_schedules", "constant 1.0", "last:val_loss", lambda x: 0.35 < x < 0.6, "~0.39-0.59"),
    ("batch_norm_learning_rate", "no batch norm, lr 1.0", "dead_units", lambda x: 20 <= x <= 36, "(22-33 of 48 dead"),
    ("batch_norm_learning_rate", "no batch norm, lr 1.0", "last:val_accuracy", lambda x: x < 0.56,
     "(validation accuracy 0.53)"),
    ("batch_norm_learning_rate", "batch norm, lr 1.0", "last:val_accuracy", lambda x: x > 0.9, "(~0.94)"),
    ("mse_vs_cross_entropy", "cross-entropy", "last:val_accuracy", lambda x: 0.9 < x < 0.95,
     "(validation accuracy ~0.92 vs ~0.87)"),
    ("mse_vs_cross_entropy", "MSE", "last:val_accuracy", lambda x: 0.84 < x < 0.9,
     "(validation accuracy ~0.92 vs ~0.87)"),
    ("feature_cross_circle", "x1, x2", "last:val_accuracy", lambda x: x < 0.56, "(validation accuracy ~0.53)"),
    ("feature_cross_circle", "x1, x2, x1^2, x2^2", "last:val_accuracy", lambda x: x > 0.95, "reaches ~0.97"),
    ("noise_injection", "input noise 0.3", "last:loss", lambda x: 0.25 < x < 0.33, "stays near 0.26-0.31"),
    ("noise_injection", "no noise", "last:loss", lambda x: x < 0.06, "instead of falling under 0.06"),
    ("noise_injection", "input noise 0.3", "val_gap", lambda x: x < 0.25, "from ~0.85 to ~0.15"),
    ("gradient_clipping", "no clip, lr 2", "last:val_accuracy", lambda x: x < 0.58, "near chance (0.50-0.56)"),
    ("gradient_clipping", "clip 1, lr 2", "last:val_accuracy", lambda x: 0.65 < x < 0.8,
     "learns part of the spiral (0.69-0.76)"),
    ("batch_size", "batch 4", "val_gap", lambda x: x > 0.65, "wider train/validation gap (~0.72)"),
    ("batch_size", "batch 50", "val_gap", lambda x: x < 0.65, "than batches of 50 (~0.61)"),
    ("label_smoothing", "no smoothing", "val_confidence", lambda x: 0.74 < x < 0.86,
     "a probability of 0.75-0.85 on the validation rows"),
    ("label_smoothing", "no smoothing", "last:val_accuracy", lambda x: 0.58 < x < 0.77,
     "while being right 0.59-0.76 of the time"),
    ("label_smoothing", "smoothing 0.2", "val_confidence", lambda x: 0.63 < x < 0.69, "confidence drops to ~0.66"),
    ("class_weights", "no weights", "last:val_recall", lambda x: x == 0.6, "it finds 0.6 of the rare"),
    ("class_weights", "no weights", "last:val_accuracy", lambda x: 0.93 <= x <= 0.95, "at 0.94 accuracy"),
    ("class_weights", "balanced weights", "last:val_recall", lambda x: x == 0.95, "recall rises to 0.95"),
    ("class_weights", "balanced weights", "last:val_precision", lambda x: 0.4 < x < 0.44, "precision 0.40-0.44"),
    ("class_weights", "no weights", "last:val_precision", lambda x: 0.7 < x < 0.76, "instead of 0.71-0.75"),
    ("class_weights", "balanced weights", "last:val_accuracy", lambda x: 0.85 < x < 0.9, "accuracy 0.86-0.89"),
    ("batch_norm", "batch norm", "grad_ratio", lambda x: 0.1 < x < 10, "within about a decade of the last one's"),
    ("batch_norm", "batch norm", "last:val_accuracy", lambda x: x > 0.9, "learns the circle"),
    ("underfitting", "2 hidden units", "last:loss", lambda x: x > 0.6, "losses stay high together"),
    ("underfitting", "2 hidden units", "val_gap", lambda x: abs(x) < 0.05, "losses stay high together"),
    ("xor_feature_cross", "with x1*x2", "last:val_accuracy", lambda x: x == 1.0, "a single sigmoid unit separates"),
    ("l2_regularization", "L2 0.01", "weight_norm", lambda x: 2.5 < x < 3.1, "falls from ~21 to ~2.8"),
    ("l2_regularization", "none", "weight_norm", lambda x: 20 < x < 22, "falls from ~21 to ~2.8"),
    ("l2_regularization", "L2 0.01", "val_gap", lambda x: x < 0.35, "drops from ~0.85 to ~0.17"),
    ("l2_regularization", "none", "val_gap", lambda x: x > 0.7, "drops from ~0.85 to ~0.17"),
]


@pytest.mark.parametrize("name, variant, quantity, check, words", CLAIMS,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CLAIMS])
def test_what_a_note_says_happens(name, variant, quantity, check, words):
    description = load_project(EXAMPLES_DIR / f"{name}.json").description
    assert words in description, f"{name}'s note no longer says {words!r}"
    values = lesson(name).values(quantity, variant)
    assert len(values) >= 3 and all(check(x) for x in values), f"{name} / {variant}: {quantity} = {values}"


def test_too_high_a_learning_rate_diverges_for_most_seeds():
    result = lesson("learning_rate_too_high")
    assert "for most seeds the loss explodes" in load_project(EXAMPLES_DIR / "learning_rate_too_high.json").description
    assert sum(measure("diverged", r) for (v, _), r in result.runs.items() if v == "too high (20)") >= 2


def test_label_smoothing_keeps_the_accuracy_and_matches_confidence_to_it():
    """"The accuracy hardly changes ... about as often right as it is sure": the mean validation accuracy moves by
    under 0.03, and with smoothing the confidence is within 0.07 of the accuracy on every seed (0.09 to 0.15 above
    it without)."""
    result = lesson("label_smoothing")
    accuracy = {v: result.values("last:val_accuracy", v) for v in ("smoothing 0.2", "no smoothing")}
    assert abs(np.mean(accuracy["smoothing 0.2"]) - np.mean(accuracy["no smoothing"])) < 0.03
    sure = result.values("val_confidence", "smoothing 0.2")
    assert all(abs(c - a) < 0.07 for c, a in zip(sure, accuracy["smoothing 0.2"]))
    over = result.values("val_confidence", "no smoothing")
    assert all(c - a > 0.08 for c, a in zip(over, accuracy["no smoothing"]))


# (example, variant that shows the lesson, the advisor's finding for it, the contrast variant that has no such finding)
FINDINGS = [
    ("vanishing_gradients_sigmoid", "sigmoid", "vanishing_gradients", "relu"),
    ("dying_relu", "relu, lr 0.5", "dead_units", "leaky_relu, lr 0.5"),
    ("learning_rate_too_low", "too low (0.0005)", "lr_too_low", "just right (0.3)"),
    ("learning_rate_too_high", "too high (20)", "lr_too_high", "just right (0.3)"),
    ("weight_initialization", "zeros", "bad_initialization", "Xavier"),
    ("weight_initialization", "N(0, 0.01)", "vanishing_gradients", "Xavier"),
    ("weight_initialization", "N(0, 1)", "saturation", "N(0, 0.01)"),
    ("input_scaling", "raw features", "unscaled_inputs", "standardized"),
    ("batch_norm_learning_rate", "no batch norm, lr 1.0", "dead_units", "batch norm, lr 1.0"),
]


@pytest.mark.parametrize("name, variant, code, contrast", FINDINGS, ids=[f"{f[0]}-{f[2]}" for f in FINDINGS])
def test_the_diagnosis_finds_the_lesson_and_not_in_its_contrast(name, variant, code, contrast):
    result = lesson(name)
    assert result.values(f"finding:{code}", variant) == [1.0] * len(result.spec.seeds)
    assert result.values(f"finding:{code}", contrast) == [0.0] * len(result.spec.seeds)


def test_the_diagnosis_calls_the_overfitting_high_variance():
    """Every seed of the overfitting example gets the high-variance finding (on batches of 20 at Adam 0.01; at 0.005
    on batches of 10, seed 2 ended at 3% training error and was called bias and variance)."""
    assert lesson("overfitting").values("finding:high_variance", "no regularization") == [1.0, 1.0, 1.0]
