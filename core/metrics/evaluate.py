"""One call per epoch: every scalar metric of a task (and optionally its curves) from the network's output.

What each key means per task (all scikit-learn definitions, see `classification` and `curves`):
- "binary": output (n,), (n, 1) sigmoid (or (n, 2) softmax) -> class 1 when p > 0.5. precision, recall, f1,
  specificity are those of the positive class 1 (scikit-learn's `average="binary"`); mcc is the binary MCC; auc is
  `roc_auc_score(y, p1)`. Curves: {1: ...}.
- "multiclass": output (n, K) probabilities -> argmax. precision, recall, f1, specificity are macro averages over all
  K classes; mcc is the multi-class MCC; auc is the one-vs-rest macro ROC-AUC (nan if a class is absent from y_true).
  Curves: {k: ...} for every class.
- "multilabel": y_true (n, k) 0/1, output (n, k) sigmoid -> label on when p > 0.5. accuracy is the mean per-label
  accuracy (1 - Hamming loss; `subset_accuracy` gives the exact-match rate); precision, recall, f1, specificity, mcc
  and auc are macro averages over labels. "confusion" is (k, 2, 2) [[TN, FP], [FN, TP]] per label.
- "regression": mae, mse, rmse, r2, uniformly averaged over output columns.
Degenerate inputs never raise or warn. With no samples every metric is nan. Otherwise values are exactly what
scikit-learn returns, without its warnings: a 0/0 precision, recall, F1 or specificity is 0.0 (its default
`zero_division`), MCC is 0.0 when its denominator is 0, and ROC-AUC is nan for a class with no positive or no
negative sample (so a single class in y_true gives auc nan). Non-finite network outputs (a diverged run) make every
classification metric nan, with a zero confusion matrix and no curves; for regression, mae/mse/rmse become inf or
nan by arithmetic and r2 is nan.
"""
from __future__ import annotations

import difflib
import math

import numpy as np

from ..errors import SpecError, TrainingError
from ..tasks import TASKS
from .classification import (
    accuracy_from_confusion,
    check_indicator,
    check_labels,
    class_scores,
    mcc_from_confusion,
    multilabel_confusion,
    multilabel_scores,
    predicted_labels,
)
from .threshold_curves import per_column
from .regression import regression_metrics

CLASSIFICATION_KEYS = ("accuracy", "precision", "recall", "f1", "specificity", "mcc", "auc")
REGRESSION_KEYS = ("mae", "mse", "rmse", "r2")


def evaluate(
    task: str, y_true: np.ndarray, output: np.ndarray, n_classes: int = 0, curves: bool = False,
    ranking: bool = True,
) -> dict:
    """Scalar metrics {name: float} of one task; with `curves`, also "confusion", "roc" and "pr".

    `ranking=False` skips the one metric that sorts every column of scores, "auc" (nan then): the rest costs a
    confusion matrix, so a trainer can log it every epoch and the ranking metric only now and then.

    Shapes: y_true (n,) int labels for "binary"/"multiclass", (n, k) for the others; output (n, 1) / (n, K) / (n, k).
    `n_classes` = 0 infers K from the output's columns (2 for a single sigmoid column).
    "roc" maps a class index to (fpr, tpr) and "pr" to (recall, precision), ready to plot.
    """
    if task not in TASKS:
        near = difflib.get_close_matches(str(task), TASKS, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SpecError(f"evaluate: task {task!r} is not known{hint}; expected one of {', '.join(TASKS)}")
    with np.errstate(all="ignore"):
        if task == "regression":
            return regression_metrics(y_true, output)
        if task == "multilabel":
            return _multilabel(y_true, output, curves, ranking or curves)
        return _single_label(task, y_true, output, n_classes, curves, ranking or curves)


def _nan_result(confusion_shape: tuple[int, ...], curves: bool) -> dict:
    result: dict = {key: float("nan") for key in CLASSIFICATION_KEYS}
    if curves:
        result.update(confusion=np.zeros(confusion_shape, dtype=np.int64), roc={}, pr={})
    return result


def _single_label(task: str, y_true: np.ndarray, output: np.ndarray, n_classes: int, curves: bool,
                  ranking: bool = True) -> dict:
    out = np.asarray(output)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.dtype.kind != "f":
        raise TrainingError(
            f"evaluate({task!r}): output has shape {np.shape(output)} and dtype {out.dtype}; "
            "expected float probabilities (n, 1) or (n, K)"
        )
    k = n_classes or max(out.shape[1], 2)
    binary = task == "binary"
    if binary and k != 2 or binary and out.shape[1] not in (1, 2):
        raise TrainingError(
            f"evaluate('binary'): output has {out.shape[1]} columns and n_classes={n_classes}; expected one "
            "sigmoid column (or two softmax columns) and n_classes 0 or 2"
        )
    if not binary and out.shape[1] != k:
        raise TrainingError(
            f"evaluate('multiclass'): output has {out.shape[1]} columns but n_classes={k}; expected equal"
        )
    y = check_labels(y_true, k, f"evaluate({task!r}): y_true")
    if y.shape[0] != out.shape[0]:
        raise TrainingError(
            f"evaluate({task!r}): y_true has {y.shape[0]} rows but the output has {out.shape[0]}; expected equal"
        )
    if not np.isfinite(out).all():
        return _nan_result((k, k), curves)
    # Column of class 1 for a binary output; full (n, K) scores otherwise.
    scores = out[:, -1] if binary else out
    cm = np.bincount(y * k + predicted_labels(scores), minlength=k * k).reshape(k, k)
    if binary:
        result: dict = _binary_scores(cm)
    else:
        s = class_scores(cm)
        result = {"accuracy": accuracy_from_confusion(cm), "precision": s.macro("precision"),
                  "recall": s.macro("recall"), "f1": s.macro("f1"), "specificity": s.macro("specificity"),
                  # scikit-learn's multi-class generalisation (equal to the binary formula for K = 2)
                  "mcc": mcc_from_confusion(cm)}
    if not ranking:
        result["auc"] = float("nan")
        return result
    if binary:
        ranked = per_column((y == 1)[:, None], scores[:, None], curves=curves)
    else:
        ranked = per_column(y[:, None] == np.arange(k), scores, curves=curves)
    result["auc"] = float(np.mean(ranked["auc"])) if y.size else float("nan")
    if curves:
        result["confusion"] = cm
        if binary:
            result["roc"] = {1: ranked["roc"][0]}
            result["pr"] = {1: ranked["pr"][0]}
        else:
            result["roc"] = ranked["roc"]
            result["pr"] = ranked["pr"]
    return result


def _binary_scores(cm: np.ndarray) -> dict:
    """The scores of the positive class 1 from a 2 x 2 confusion matrix, in plain floats: the same operations, in
    the same order, as `class_scores` (so the same numbers), for a tenth of the time. MCC is the textbook
    TP/TN/FP/FN formula."""
    (tn, fp), (fn, tp) = (map(float, row) for row in cm.tolist())
    n = tp + tn + fp + fn
    if n == 0:
        return {key: float("nan") for key in CLASSIFICATION_KEYS if key != "auc"}

    def ratio(num: float, den: float) -> float:
        return num / den if den != 0 else 0.0

    return {
        "accuracy": (tn + tp) / n,
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "specificity": ratio(tn, tn + fp),
        "mcc": ratio(tp * tn - fp * fn, math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))),
    }


def _multilabel(y_true: np.ndarray, output: np.ndarray, curves: bool, ranking: bool = True) -> dict:
    t = check_indicator(y_true, "evaluate('multilabel'): y_true")
    out = np.asarray(output)
    if out.shape != t.shape or out.dtype.kind != "f":
        raise TrainingError(
            f"evaluate('multilabel'): y_true has shape {t.shape} and output {out.shape} ({out.dtype}); "
            "expected float probabilities of the same shape"
        )
    if not np.isfinite(out).all():
        return _nan_result((t.shape[1], 2, 2), curves)
    mcm = multilabel_confusion(t, out)
    s = multilabel_scores(mcm)
    ranked = per_column(t, out, curves=curves) if ranking else {"auc": np.array([np.nan])}
    result: dict = {
        "accuracy": s.macro("accuracy"),
        "precision": s.macro("precision"),
        "recall": s.macro("recall"),
        "f1": s.macro("f1"),
        "specificity": s.macro("specificity"),
        "mcc": s.macro("mcc"),
        "auc": float(np.mean(ranked["auc"])) if t.size else float("nan"),
    }
    if curves:
        result.update(confusion=mcm, roc=ranked["roc"], pr=ranked["pr"])
    return result
