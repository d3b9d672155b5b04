"""Every metric against scikit-learn (the oracle) on random, tied, imbalanced and degenerate inputs."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from core.errors import SpecError, TrainingError
from core.metrics import (
    CLASSIFICATION_KEYS,
    REGRESSION_KEYS,
    accuracy,
    average_precision,
    binary_mcc,
    class_scores,
    confusion_matrix,
    evaluate,
    mcc,
    mean_absolute_error,
    mean_squared_error,
    multilabel_confusion,
    multilabel_scores,
    one_vs_rest,
    per_column,
    precision_recall_curve,
    precision_recall_f1,
    r2_score,
    roc_auc,
    roc_curve,
    root_mean_squared_error,
    specificity,
    subset_accuracy,
)


def sk(fn, *args, **kwargs):
    """Call scikit-learn with its "ill-defined metric" warnings silenced (we return the same values, silently)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", message="No positive class found")
        return fn(*args, **kwargs)


def make_problem(rng: np.random.Generator, n: int, k: int, *, never_predicted: bool = True):
    """Imbalanced labels (n,), probabilities (n, k) rounded to 2 decimals (many ties), a class never predicted."""
    prior = np.linspace(3.0, 1.0, k)
    y = rng.choice(k, size=n, p=prior / prior.sum())
    logits = rng.standard_normal((n, k))
    logits[np.arange(n), y] += 1.2
    if never_predicted and k > 2:
        logits[:, 1] -= 8.0  # class 1 is present in y but (almost surely) never the argmax
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p = np.round(p, 2)
    p[:, -1] = np.clip(1.0 - p[:, :-1].sum(axis=1), 0.0, 1.0)
    return y, p


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


# ----------------------------------------------------------------------------------------------- threshold metrics


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_threshold_metrics_match_sklearn(k, seed):
    rng = np.random.default_rng(seed)
    y, p = make_problem(rng, 400, k)
    pred = p.argmax(axis=1)
    labels = list(range(k))
    if k > 2:
        assert 1 in y and 1 not in pred  # the never-predicted class really is there
    cm = confusion_matrix(y, pred, k)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y, pred, labels=labels))
    np.testing.assert_array_equal(confusion_matrix(y, p, k), cm)  # probabilities -> argmax

    sp, sr, sf, support = sk(skm.precision_recall_fscore_support, y, pred, labels=labels, average=None)
    s = class_scores(cm)
    np.testing.assert_allclose(s.precision, sp, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.recall, sr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.f1, sf, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(s.support, support)
    per_class = precision_recall_f1(y, pred, k, average=None)
    np.testing.assert_allclose(per_class[0], sp, atol=1e-12)

    macro = precision_recall_f1(y, pred, k, average="macro")
    for got, fn in zip(macro, (skm.precision_score, skm.recall_score, skm.f1_score)):
        assert got == pytest.approx(sk(fn, y, pred, labels=labels, average="macro"), abs=1e-12)

    # Specificity of class c is the recall of "not c" in the one-vs-rest problem.
    spec = np.array([sk(skm.recall_score, y != c, pred != c) for c in range(k)])
    np.testing.assert_allclose(specificity(y, pred, k, average=None), spec, atol=1e-12)
    assert specificity(y, pred, k) == pytest.approx(spec.mean(), abs=1e-12)

    assert accuracy(y, pred, k) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-15)
    assert mcc(y, pred, k) == pytest.approx(skm.matthews_corrcoef(y, pred), abs=1e-12)
    ovr_mcc = [skm.matthews_corrcoef(y == c, pred == c) for c in range(k)]
    np.testing.assert_allclose(s.mcc, ovr_mcc, atol=1e-12)

    if k == 2:
        for fn, got in zip((skm.precision_score, skm.recall_score, skm.f1_score),
                           precision_recall_f1(y, pred, 2, average="binary")):
            assert got == pytest.approx(sk(fn, y, pred), abs=1e-12)  # sklearn's default average="binary"
        # Binary inputs as probabilities of class 1 (n,) and (n, 1): class 1 when p > 0.5.
        p1 = p[:, 1]
        np.testing.assert_array_equal(confusion_matrix(y, p1, 2), skm.confusion_matrix(y, (p1 > 0.5).astype(int)))
        np.testing.assert_array_equal(confusion_matrix(y, p1[:, None], 2), confusion_matrix(y, p1, 2))


def test_binary_mcc_formula_by_hand():
    # TP=6, TN=3, FP=1, FN=2: (18 - 2) / sqrt(7 * 8 * 4 * 5)
    assert float(binary_mcc(6, 3, 1, 2)) == pytest.approx(16 / np.sqrt(7 * 8 * 4 * 5), rel=1e-15)
    y = np.array([1] * 8 + [0] * 4)
    pred = np.array([1] * 6 + [0] * 2 + [0] * 3 + [1])
    assert mcc(y, pred, 2) == pytest.approx(16 / np.sqrt(7 * 8 * 4 * 5), rel=1e-12)


def test_zero_division_and_one_class_follow_sklearn_defaults():
    y = np.zeros(10, dtype=int)
    pred = np.array([0] * 7 + [1] * 3)
    s = class_scores(confusion_matrix(y, pred, 3))
    sp, sr, sf, _ = sk(skm.precision_recall_fscore_support, y, pred, labels=[0, 1, 2], average=None)
    np.testing.assert_array_equal(s.precision, sp)  # 0/0 -> 0.0, sklearn's default zero_division
    np.testing.assert_array_equal(s.recall, sr)
    np.testing.assert_array_equal(s.f1, sf)
    assert mcc(y, pred, 3) == skm.matthews_corrcoef(y, pred) == 0.0
    assert mcc(y, y, 3) == 0.0  # undefined denominator -> 0.0 in sklearn too
    empty = class_scores(confusion_matrix(np.zeros(0, int), np.zeros(0, int), 3))
    assert np.isnan(empty.precision).all() and np.isnan(empty.macro("f1"))
    assert np.isnan(accuracy(np.zeros(0, int), np.zeros(0, int), 3))


def test_bad_labels_and_shapes_raise_readable_errors():
    with pytest.raises(TrainingError, match="label 3"):
        confusion_matrix(np.array([0, 1, 3]), np.array([0, 1, 2]), 3)
    with pytest.raises(TrainingError, match="non-integer"):
        confusion_matrix(np.array([0.0, 0.5]), np.array([0, 1]), 2)
    with pytest.raises(TrainingError, match="rows"):
        confusion_matrix(np.array([0, 1]), np.array([0, 1, 1]), 2)
    with pytest.raises(TrainingError, match="average"):
        precision_recall_f1(np.array([0, 1]), np.array([0, 1]), 2, average="micro")


# ------------------------------------------------------------------------------------------------------ curves


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("drop", [True, False])
def test_binary_curves_match_sklearn_with_ties(seed, drop):
    rng = np.random.default_rng(seed)
    n = 300
    y = (rng.random(n) < 0.3).astype(int)  # imbalanced
    scores = np.round(rng.random(n) * 0.6 + 0.4 * y, 1)  # few distinct values: many ties
    for got, want in zip(roc_curve(y, scores, drop_intermediate=drop),
                         skm.roc_curve(y, scores, drop_intermediate=drop)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    for got, want in zip(precision_recall_curve(y, scores, drop_intermediate=drop),
                         skm.precision_recall_curve(y, scores, drop_intermediate=drop)):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
    assert roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-12)
    assert average_precision(y, scores) == pytest.approx(skm.average_precision_score(y, scores), abs=1e-12)


def test_ties_make_one_point_and_defaults_match_sklearn():
    y = np.array([0, 1, 0, 1, 1, 0])
    s = np.array([0.5, 0.5, 0.5, 0.9, 0.1, 0.1])  # three distinct scores
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_array_equal(thr, [np.inf, 0.9, 0.5, 0.1])
    # By hand: >=0.9: tp 1, fp 0; >=0.5: tp 2, fp 2; >=0.1: tp 3, fp 3.
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(fpr, [0, 0, 2 / 3, 1])
    precision, recall, pthr = precision_recall_curve(y, s)
    np.testing.assert_allclose(precision, [0.5, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(recall, [1.0, 2 / 3, 1 / 3, 0.0])
    np.testing.assert_array_equal(pthr, [0.1, 0.5, 0.9])
    # AUC by hand from the trapezoids: 1/3*0 + (2/3)*(1/3+2/3)/2 + (1/3)*(2/3+1)/2
    assert roc_auc(y, s) == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 5 / 6, abs=1e-15)


def test_degenerate_curves_match_sklearn_without_warnings():
    s = np.array([0.1, 0.4, 0.4, 0.8])
    for y in (np.zeros(4, int), np.ones(4, int)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours_roc = roc_curve(y, s)
            ours_pr = precision_recall_curve(y, s)
            auc = roc_auc(y, s)
            ap = average_precision(y, s)
        for got, want in zip(ours_roc, sk(skm.roc_curve, y, s)):
            np.testing.assert_array_equal(got, want)  # nan rates where sklearn has them
        for got, want in zip(ours_pr, sk(skm.precision_recall_curve, y, s)):
            np.testing.assert_array_equal(got, want)
        assert np.isnan(auc) and np.isnan(sk(skm.roc_auc_score, y, s))
        assert ap == sk(skm.average_precision_score, y, s)
    assert np.isnan(roc_auc(np.zeros(0, int), np.zeros(0)))
    with pytest.raises(TrainingError, match="NaN"):
        roc_auc(np.array([0, 1]), np.array([0.2, np.nan]))


@pytest.mark.parametrize("k", [3, 5])
def test_one_vs_rest_matches_sklearn(k, rng):
    y, p = make_problem(rng, 500, k)
    p = p / p.sum(axis=1, keepdims=True)  # sklearn insists on rows summing to 1
    res = one_vs_rest(y, p, k, curves=True)
    want = skm.roc_auc_score(y, p, multi_class="ovr", average=None, labels=list(range(k)))
    np.testing.assert_allclose(res["auc"], want, atol=1e-12)
    assert np.mean(res["auc"]) == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr"), abs=1e-12)
    for c in range(k):
        assert res["ap"][c] == pytest.approx(skm.average_precision_score(y == c, p[:, c]), abs=1e-12)
        fpr, tpr, _ = skm.roc_curve(y == c, p[:, c])
        np.testing.assert_allclose(res["roc"][c][0], fpr, atol=1e-15)
        np.testing.assert_allclose(res["roc"][c][1], tpr, atol=1e-15)
        precision, recall, _ = skm.precision_recall_curve(y == c, p[:, c])
        np.testing.assert_allclose(res["pr"][c][0], recall, atol=1e-15)
        np.testing.assert_allclose(res["pr"][c][1], precision, atol=1e-15)


# -------------------------------------------------------------------------------------------------- multilabel


def make_multilabel(rng: np.random.Generator, n: int = 300, k: int = 4):
    y = (rng.random((n, k)) < np.array([0.5, 0.2, 0.05, 0.7])[:k]).astype(float)
    p = np.round(np.clip(0.35 * y + rng.random((n, k)) * 0.65, 0, 1), 2)
    p[:, 2] *= 0.5  # label 2 is never predicted (p <= 0.5)
    return y, p


def test_multilabel_matches_sklearn(rng):
    y, p = make_multilabel(rng)
    pred = (p > 0.5).astype(int)
    mcm = multilabel_confusion(y, p)
    np.testing.assert_array_equal(mcm, skm.multilabel_confusion_matrix(y.astype(int), pred))
    s = multilabel_scores(mcm)
    sp, sr, sf, _ = sk(skm.precision_recall_fscore_support, y.astype(int), pred, average=None)
    np.testing.assert_allclose(s.precision, sp, atol=1e-12)
    np.testing.assert_allclose(s.recall, sr, atol=1e-12)
    np.testing.assert_allclose(s.f1, sf, atol=1e-12)
    assert s.macro("f1") == pytest.approx(sk(skm.f1_score, y.astype(int), pred, average="macro"), abs=1e-12)
    assert s.macro("accuracy") == pytest.approx(1 - skm.hamming_loss(y.astype(int), pred), abs=1e-12)
    assert subset_accuracy(y, p) == pytest.approx(skm.accuracy_score(y.astype(int), pred), abs=1e-15)
    np.testing.assert_allclose(s.mcc, [skm.matthews_corrcoef(y[:, j], pred[:, j]) for j in range(4)], atol=1e-12)
    np.testing.assert_allclose(
        s.specificity, [sk(skm.recall_score, y[:, j] == 0, pred[:, j] == 0) for j in range(4)], atol=1e-12
    )
    ranked = per_column(y, p)
    np.testing.assert_allclose(ranked["auc"], skm.roc_auc_score(y, p, average=None), atol=1e-12)
    np.testing.assert_allclose(ranked["ap"], skm.average_precision_score(y, p, average=None), atol=1e-12)


# -------------------------------------------------------------------------------------------------- regression


@pytest.mark.parametrize("shape", [(200,), (200, 1), (200, 3)])
def test_regression_matches_sklearn(shape, rng):
    t = rng.standard_normal(shape) * np.array([1.0, 10.0, 0.1])[: shape[1] if len(shape) > 1 else 1]
    p = t + rng.standard_normal(shape) * 0.5
    assert mean_absolute_error(t, p) == pytest.approx(skm.mean_absolute_error(t, p), rel=1e-12)
    assert mean_squared_error(t, p) == pytest.approx(skm.mean_squared_error(t, p), rel=1e-12)
    assert root_mean_squared_error(t, p) == pytest.approx(skm.root_mean_squared_error(t, p), rel=1e-12)
    assert r2_score(t, p) == pytest.approx(skm.r2_score(t, p), rel=1e-12)
    for ours, theirs in ((mean_absolute_error, skm.mean_absolute_error), (r2_score, skm.r2_score),
                         (root_mean_squared_error, skm.root_mean_squared_error)):
        np.testing.assert_allclose(ours(t, p, "raw_values"), theirs(t, p, multioutput="raw_values"), rtol=1e-12)


def test_regression_edge_cases_follow_sklearn():
    t = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])  # first column constant
    exact = t.copy()
    off = t + np.array([[0.5, 0.0], [0.0, 0.0], [0.0, 1.0]])
    for p in (exact, off):
        np.testing.assert_allclose(r2_score(t, p, "raw_values"), skm.r2_score(t, p, multioutput="raw_values"))
    assert np.isnan(r2_score(t[:1], off[:1]))  # fewer than two samples
    assert np.isnan(sk(skm.r2_score, t[:1], off[:1]))
    empty = np.zeros((0, 2))
    assert all(np.isnan(v) for v in evaluate("regression", empty, empty).values())


# ---------------------------------------------------------------------------------------------------- evaluate


def expected_single_label(y, p, k, binary):
    """The evaluate() dict computed from scikit-learn alone."""
    if binary:
        p1 = p[:, -1]
        pred = (p1 > 0.5).astype(int)
        return {
            "accuracy": skm.accuracy_score(y, pred),
            "precision": sk(skm.precision_score, y, pred),
            "recall": sk(skm.recall_score, y, pred),
            "f1": sk(skm.f1_score, y, pred),
            "specificity": sk(skm.recall_score, y, pred, pos_label=0),
            "mcc": skm.matthews_corrcoef(y, pred),
            "auc": sk(skm.roc_auc_score, y, p1),
        }
    pred = p.argmax(axis=1)
    labels = list(range(k))
    return {
        "accuracy": skm.accuracy_score(y, pred),
        "precision": sk(skm.precision_score, y, pred, labels=labels, average="macro"),
        "recall": sk(skm.recall_score, y, pred, labels=labels, average="macro"),
        "f1": sk(skm.f1_score, y, pred, labels=labels, average="macro"),
        "specificity": np.mean([sk(skm.recall_score, y != c, pred != c) for c in labels]),
        "mcc": skm.matthews_corrcoef(y, pred),
        "auc": sk(skm.roc_auc_score, y, p, multi_class="ovr", labels=labels),
    }


def assert_same_dict(got, want):
    assert set(got) == set(want)
    for key in want:
        assert isinstance(got[key], float), key
        if np.isnan(want[key]):
            assert np.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(want[key], abs=1e-12), key


@pytest.mark.parametrize("k", [3, 5])
def test_evaluate_multiclass_key_by_key(k, rng):
    y, p = make_problem(rng, 600, k)
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    got = evaluate("multiclass", y, p, n_classes=k, curves=True)
    scalars = {key: got[key] for key in CLASSIFICATION_KEYS}
    assert_same_dict(scalars, expected_single_label(y, p.astype(np.float64), k, binary=False))
    assert set(got) == set(CLASSIFICATION_KEYS) | {"confusion", "roc", "pr"}
    np.testing.assert_array_equal(got["confusion"], skm.confusion_matrix(y, p.argmax(1), labels=list(range(k))))
    assert sorted(got["roc"]) == sorted(got["pr"]) == list(range(k))
    for c in range(k):
        fpr, tpr, _ = skm.roc_curve(y == c, p[:, c])
        np.testing.assert_allclose(got["roc"][c][0], fpr, atol=1e-15)
        np.testing.assert_allclose(got["roc"][c][1], tpr, atol=1e-15)
        precision, recall, _ = skm.precision_recall_curve(y == c, p[:, c])
        np.testing.assert_allclose(got["pr"][c][0], recall, atol=1e-15)
        np.testing.assert_allclose(got["pr"][c][1], precision, atol=1e-15)
    assert set(evaluate("multiclass", y, p)) == set(CLASSIFICATION_KEYS)  # n_classes inferred, no curves


@pytest.mark.parametrize("columns", [1, 2])
def test_evaluate_binary_key_by_key(columns, rng):
    y, p = make_problem(rng, 500, 2)
    out = p[:, 1:] if columns == 1 else p
    got = evaluate("binary", y, out, n_classes=2 if columns == 2 else 0, curves=True)
    assert_same_dict({key: got[key] for key in CLASSIFICATION_KEYS}, expected_single_label(y, p, 2, binary=True))
    pred = (p[:, 1] > 0.5).astype(int)
    np.testing.assert_array_equal(got["confusion"], skm.confusion_matrix(y, pred))
    fpr, tpr, _ = skm.roc_curve(y, p[:, 1])
    assert list(got["roc"]) == [1]
    np.testing.assert_allclose(got["roc"][1][0], fpr)
    np.testing.assert_allclose(got["roc"][1][1], tpr)
    precision, recall, _ = skm.precision_recall_curve(y, p[:, 1])
    np.testing.assert_allclose(got["pr"][1][0], recall)
    np.testing.assert_allclose(got["pr"][1][1], precision)


def test_evaluate_multilabel_key_by_key(rng):
    y, p = make_multilabel(rng)
    pred = (p > 0.5).astype(int)
    yi = y.astype(int)
    want = {
        "accuracy": 1 - skm.hamming_loss(yi, pred),
        "precision": sk(skm.precision_score, yi, pred, average="macro"),
        "recall": sk(skm.recall_score, yi, pred, average="macro"),
        "f1": sk(skm.f1_score, yi, pred, average="macro"),
        "specificity": np.mean([sk(skm.recall_score, yi[:, j] == 0, pred[:, j] == 0) for j in range(4)]),
        "mcc": np.mean([skm.matthews_corrcoef(yi[:, j], pred[:, j]) for j in range(4)]),
        "auc": skm.roc_auc_score(yi, p, average="macro"),
    }
    got = evaluate("multilabel", y, p, curves=True)
    assert_same_dict({key: got[key] for key in CLASSIFICATION_KEYS}, want)
    np.testing.assert_array_equal(got["confusion"], skm.multilabel_confusion_matrix(yi, pred))
    fpr, tpr, _ = skm.roc_curve(yi[:, 3], p[:, 3])
    np.testing.assert_allclose(got["roc"][3][0], fpr)
    np.testing.assert_allclose(got["roc"][3][1], tpr)


def test_evaluate_regression_key_by_key(rng):
    t = rng.standard_normal((300, 3))
    p = (t + 0.3 * rng.standard_normal((300, 3))).astype(np.float32)
    got = evaluate("regression", t, p, curves=True)
    want = {
        "mae": skm.mean_absolute_error(t, p),
        "mse": skm.mean_squared_error(t, p),
        "rmse": skm.root_mean_squared_error(t, p),
        "r2": skm.r2_score(t, p),
    }
    assert set(got) == set(REGRESSION_KEYS)
    for key in want:
        assert got[key] == pytest.approx(want[key], rel=1e-6), key


def test_evaluate_degenerate_inputs_never_warn_or_raise(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        empty = evaluate("multiclass", np.zeros(0, np.int64), np.zeros((0, 3)), 3, curves=True)
        assert all(np.isnan(empty[key]) for key in CLASSIFICATION_KEYS)
        assert empty["confusion"].shape == (3, 3) and empty["roc"] == {} and empty["pr"] == {}
        assert all(np.isnan(v) for v in evaluate("binary", np.zeros(0, np.int64), np.zeros((0, 1))).values())
        assert all(np.isnan(v) for v in evaluate("multilabel", np.zeros((0, 2)), np.zeros((0, 2))).values())

        y = np.zeros(50, np.int64)  # one class present
        p = rng.random((50, 1))
        one = evaluate("binary", y, p, curves=True)
        multi = evaluate("multiclass", y, rng.dirichlet(np.ones(3), 50), 3)
        diverged = evaluate("multiclass", rng.integers(0, 3, 20), np.full((20, 3), np.nan), 3)
        reg = evaluate("regression", np.ones((5, 2)), np.full((5, 2), np.inf))
    assert np.isnan(one["auc"]) and np.isnan(multi["auc"])
    pred = (p[:, 0] > 0.5).astype(int)
    assert one["accuracy"] == skm.accuracy_score(y, pred)
    assert one["precision"] == sk(skm.precision_score, y, pred)  # 0/0 -> 0.0 like sklearn
    assert one["specificity"] == pytest.approx(sk(skm.recall_score, y, pred, pos_label=0))
    assert one["mcc"] == skm.matthews_corrcoef(y, pred) == 0.0
    assert all(np.isnan(diverged[key]) for key in CLASSIFICATION_KEYS)
    assert reg["mae"] == reg["mse"] == reg["rmse"] == np.inf and np.isnan(reg["r2"])


def test_evaluate_rejects_bad_input_with_readable_errors(rng):
    with pytest.raises(SpecError, match="did you mean 'multiclass'"):
        evaluate("multiclas", np.zeros(3, int), np.ones((3, 3)) / 3)
    with pytest.raises(TrainingError, match="label 3"):
        evaluate("multiclass", np.array([0, 1, 3]), np.ones((3, 3)) / 3, 3)
    with pytest.raises(TrainingError, match="rows"):
        evaluate("multiclass", np.array([0, 1]), np.ones((3, 3)) / 3, 3)
    with pytest.raises(TrainingError, match="n_classes"):
        evaluate("multiclass", np.array([0, 1, 2]), np.ones((3, 3)) / 3, 4)
    with pytest.raises(TrainingError, match="other than 0 and 1"):
        evaluate("multilabel", np.full((3, 2), 2.0), np.ones((3, 2)) / 2)
    with pytest.raises(TrainingError, match="shape"):
        evaluate("regression", np.zeros((3, 2)), np.zeros((3, 3)))
